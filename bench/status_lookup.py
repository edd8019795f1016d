"""The citizens' status look-up (POST of a right tracking code and PIN) under wrk at 32 connections, next
to a trivial Flask endpoint served by the same gunicorn in the same run.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test_public \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/status_lookup.py \\
        [--duration 10] [--sizes 0,100000,1000000] [--rounds 3] [--before /path/to/old/checkout]

For each size it builds its own schema `bench_status_<size>` in that PostgreSQL database (or, without
BENCH_DATABASE_URL, a SQLite file in a temporary folder, size 0 only): <size> filler appeals as bench/search.py
makes them, the shipped directory, and one appeal with a public timeline and the PIN 482910; it is kept between
runs (--rebuild to start over). It starts gunicorn (gthread workers) on a free loopback port and runs wrk against
`/bench/ping` (returns "ok") and `/status/` (a POST with the code and PIN, the whole status page). With
--before, a second gunicorn serves the code in that folder (e.g. `git archive <commit> | tar -x -C DIR`, with
the compiled translations copied in) on the same schema, and the two are measured interleaved, round after
round. CPU per request is the CPU time of the gunicorn workers and of their PostgreSQL backends (found by
application_name) during the wrk run, divided by the requests served.

The look-up runs with its checks as in production: CSRF on (each server's look-ups carry the session cookie and
CSRF token of one GET of the form, as a citizen's browser would: every look-up lets that browser in, so its
answer signs a new session cookie) and the rate limit on, raised to 10^9 a minute so that wrk is counted but never
refused. `--no-checks` switches both off (RATELIMIT_ENABLED=false, WTF_CSRF_ENABLED=False), as the runs before
2026-11-30 17:00 did. `/bench/ping` is asked without a cookie either way. Needs wrk (`apt-get install wrk`) and
gunicorn (requirements-dev.txt). Prints requests/s and latency for both, and their ratio.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The code gunicorn serves: this checkout, or (for "before") the folder given by --before.
CODE_ROOT = Path(os.environ.get("BENCH_CODE_ROOT", ROOT))
sys.path.insert(0, str(CODE_ROOT))

SCHEMA = os.environ.get("BENCH_STATUS_SCHEMA", "bench_status_0")
PIN = "482910"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def database_url(schema: str | None = None) -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(tempfile.gettempdir()) / 'qabyldau-bench-status.db'}"
    sep = "&" if "?" in url else "?"
    name = os.environ.get("BENCH_APP_NAME", "bench_status")
    return f"{url}{sep}options=-csearch_path%3D{schema or SCHEMA}&application_name={name}"


def make_app():
    """The application as gunicorn serves it for the bench, with the trivial endpoint beside it."""
    from config import Config
    from reception import create_app
    from reception.accounts.access import public

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = database_url()
        REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
        # With the checks (the default) the look-up is counted against its limit and its CSRF token checked.
        RATELIMIT_ENABLED = WTF_CSRF_ENABLED = os.environ.get("BENCH_STATUS_CHECKS", "on") == "on"
        STATUS_LOOKUP_LIMIT = "1000000000 per minute"

    app = create_app(BenchConfig)

    @public
    def ping():
        return "ok"

    app.add_url_rule("/bench/ping", "bench_ping", ping)
    return app


def bench_code(schema: str) -> str | None:
    """The tracking code of the bench appeal in `schema` if it was built, else None."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url(schema))
    try:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT tracking_code FROM appeals WHERE text = 'Третью неделю нет холодной воды.'")
            ).scalar()
    except Exception:
        return None
    finally:
        engine.dispose()


def build(schema: str, size: int) -> tuple[str, str]:
    """The schema with `size` filler appeals, the directory and one appeal with a public timeline whose PIN is
    PIN; returns (code, PIN)."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, select, text

    base = os.environ.get("BENCH_DATABASE_URL")
    if base and size:
        import search  # its filler: citizens and appeals made by INSERT ... SELECT generate_series

        search.build(base, schema, size)
    elif base:
        engine = create_engine(base)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
    else:
        Path(database_url().removeprefix("sqlite:///")).unlink(missing_ok=True)
    os.environ["BENCH_STATUS_SCHEMA"] = schema
    global SCHEMA
    SCHEMA = schema

    from reception.accounts import operations as account_ops
    from reception.accounts.models import Role
    from reception.appeals import operations as ops
    from reception.appeals.codes import hash_pin
    from reception.appeals.models import AppealType, Channel
    from reception.directory.loader import load_directory
    from reception.directory.models import Branch, Deputy, MandateType, RepresentativeBody, Topic
    from reception.extensions import db

    app = make_app()
    with app.app_context():
        if not size:
            upgrade()
            load_directory()
        citizen = ops.record_citizen(
            ops.CitizenData(
                iin="900101300017",
                full_name="Сейткали Айгуль Болатовна",
                birth_date=None,
                phone="+77011234567",
                email="",
                address="г. Косшы, ул. Абая, 1",
                region=None,
                district=None,
                language="ru",
            ),
            taken_by=None,
            consent=True,
        )
        branch = db.session.scalar(select(Branch).where(Branch.code == "ALM-03"))
        topic = db.session.scalar(select(Topic).where(Topic.code == "housing"))
        done = ops.register_appeal(
            branch=branch,
            citizen=citizen,
            type=AppealType.complaint,
            topic=topic,
            summary="Нет воды",
            text="Третью неделю нет холодной воды.",
            channel=Channel.walk_in,
            language="ru",
        )
        body = db.session.scalar(select(RepresentativeBody).where(RepresentativeBody.code == "MAZHILIS"))
        deputy = Deputy(full_name="Бенчмарков Депутат", body=body, mandate_type=MandateType.party_list)
        db.session.add(deputy)
        holder = account_ops.create_user(
            email="bench-deputy@bench.kz", full_name="Bench", password="bench password", role=Role.deputy, deputy=deputy
        )
        # A timeline like a real one: routed, taken into work, extended with a reason, an inquiry sent.
        ops.route_appeal(done.appeal, deputy, user=None, comment="bench")
        ops.take_into_work(done.appeal, user=holder)
        ops.extend_deadline(
            done.appeal,
            ops.deadlines.latest_extension(done.appeal.registered_dt),
            user=holder,
            reason="Ожидается ответ акимата",
        )
        ops.mark_inquiry_sent(done.appeal, user=holder, comment="Запрос направлен в акимат района")
        done.appeal.pin_hash = hash_pin(PIN, app.config["PIN_HMAC_KEY"])  # known, so a kept schema is reusable
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return done.appeal.tracking_code, PIN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {url} in {timeout} s")


def run_wrk(url: str, duration: int, connections: int, script: Path | None = None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if script:
        command[1:1] = ["-s", str(script)]
    out = subprocess.run(command, check=True, capture_output=True, text=True, timeout=duration + 60).stdout
    if "Non-2xx or 3xx responses" in out:
        raise SystemExit(f"wrk saw error responses from {url}:\n{out}")
    stats = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "raw": out}
    stats["requests"] = int(re.search(r"(\d+) requests in", out).group(1))
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", out)
    stats["avg"], stats["max"] = latency.group(1), latency.group(3)
    for pct in ("50", "90", "99"):
        stats[f"p{pct}"] = re.search(rf"\s{pct}%\s+(\S+)", out).group(1)
    return stats


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (those gone since are skipped)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def backend_pids(application_name: str) -> list[int]:
    base = os.environ.get("BENCH_DATABASE_URL")
    if not base:
        return []
    from sqlalchemy import create_engine, text

    engine = create_engine(base)
    with engine.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"), {"name": application_name}
        ).scalars()
        pids = list(pids)
    engine.dispose()
    return pids


class Server:
    """gunicorn serving the code in `code_root` on `schema`."""

    def __init__(self, name: str, code_root: Path, schema: str, args) -> None:
        self.name, self.port = name, free_port()
        self.application_name = f"bench_status_{name}"
        gunicorn = Path(sys.executable).parent / "gunicorn"
        env = dict(
            os.environ,
            PYTHONPATH=f"{code_root}{os.pathsep}{ROOT / 'bench'}",
            BENCH_CODE_ROOT=str(code_root),
            BENCH_STATUS_SCHEMA=schema,
            BENCH_APP_NAME=self.application_name,
        )
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--worker-class",
                "gthread",
                "--log-level",
                "warning",
                "--no-control-socket",  # one per user by default: two servers (or other benches) would share it
                "--chdir",
                str(code_root),
                "status_lookup:make_app()",
            ],
            env=env,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def measure(self, path: str, duration: int, connections: int, script: Path | None = None) -> dict:
        pids = worker_pids(self.process.pid)
        backends = backend_pids(self.application_name)
        web0, db0 = cpu_seconds(pids), cpu_seconds(backends)
        stats = run_wrk(self.base + path, duration, connections, script)
        web, db = cpu_seconds(pids) - web0, cpu_seconds(backends) - db0
        stats["web_ms"] = 1000 * web / stats["requests"]
        stats["db_ms"] = 1000 * db / stats["requests"]
        return stats

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(20)


def lookup_script(base: str, code: str, pin: str) -> Path:
    """A wrk script posting the look-up as a browser does after one GET of the form: with that GET's session
    cookie and CSRF token (checked only with the checks on); the look-up is tried once first."""
    with urllib.request.urlopen(base + "/status/", timeout=10) as response:
        cookie = response.headers.get("Set-Cookie", "").split(";")[0]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.read().decode())
    fields = {"code": code, "pin": pin} | ({"csrf_token": token.group(1)} if token else {})
    form = urllib.parse.urlencode(fields)
    request = urllib.request.Request(base + "/status/", data=form.encode(), headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        page = response.read().decode()
        assert response.status == 200 and 'data-status="state"' in page, "the look-up finds nothing"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(
            'wrk.method = "POST"\n'
            f'wrk.body = "{form}"\n'
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
            + (f'wrk.headers["Cookie"] = "{cookie}"\n' if cookie else "")
        )
    return Path(lua.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--sizes", default="0", help="filler appeals per schema, comma-separated")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved repetitions")
    parser.add_argument("--before", type=Path, help="a checkout of the old code to measure beside this one")
    parser.add_argument("--rebuild", action="store_true", help="build the schemas again")
    parser.add_argument("--no-checks", action="store_true", help="the look-up without its rate limit and CSRF check")
    args = parser.parse_args()
    os.environ["BENCH_STATUS_CHECKS"] = "off" if args.no_checks else "on"
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    if not (Path(sys.executable).parent / "gunicorn").exists():
        raise SystemExit("gunicorn is not installed: pip install -r requirements-dev.txt")
    dialect = "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite"
    print(
        f"gunicorn gthread {args.workers}x{args.threads}, wrk 2 threads {args.connections} connections "
        f"{args.duration} s each, {dialect}, {os.cpu_count()} CPUs shared with wrk; CPU ms per request: "
        "gunicorn workers + their PostgreSQL backends; rate limit and CSRF "
        + ("off" if args.no_checks else "on")
        + f"; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'size':>9s} {'round':>5s} {'code':6s} {'endpoint':6s} {'req/s':>8s} {'p50':>8s} {'p99':>8s} "
        f"{'web ms':>7s} {'db ms':>6s} {'ratio':>6s} {'load':>5s}"
    )
    summary = []
    for size in (int(n) for n in args.sizes.split(",")):
        schema = f"bench_status_{size}"
        code = None if args.rebuild or not os.environ.get("BENCH_DATABASE_URL") else bench_code(schema)
        pin = PIN
        if code is None:
            code, pin = build(schema, size)
        variants = [("after", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
        servers = [Server(name, root, schema, args) for name, root in variants]
        scripts = {}
        try:
            for server in servers:
                wait_for(server.base + "/bench/ping")
                scripts[server.name] = lookup_script(server.base, code, pin)
                server.measure("/bench/ping", 2, args.connections)  # warm up before measuring
                server.measure("/status/", 2, args.connections, scripts[server.name])
            for round_ in range(1, args.rounds + 1):
                for server in servers if round_ % 2 else servers[::-1]:
                    trivial = server.measure("/bench/ping", args.duration, args.connections)
                    lookup = server.measure("/status/", args.duration, args.connections, scripts[server.name])
                    ratio = lookup["rps"] / trivial["rps"]
                    summary.append((size, server.name, ratio, lookup["web_ms"] + lookup["db_ms"], trivial["web_ms"]))
                    for name, st in (("ping", trivial), ("status", lookup)):
                        print(
                            f"{size:9d} {round_:5d} {server.name:6s} {name:6s} {st['rps']:8.1f} {st['p50']:>8s} "
                            f"{st['p99']:>8s} {st['web_ms']:7.2f} {st['db_ms']:6.2f} "
                            f"{ratio if name == 'status' else 1:6.2f} {os.getloadavg()[0]:5.1f}",
                            flush=True,
                        )
        finally:
            for script in scripts.values():
                script.unlink(missing_ok=True)
            for server in servers:
                server.stop()
    print("median over rounds: look-up req/s as a share of /bench/ping's, CPU ms per look-up")
    for size in sorted({row[0] for row in summary}):
        for name in ("before", "after"):
            rows = [row for row in summary if row[0] == size and row[1] == name]
            if rows:
                ratio = sorted(r[2] for r in rows)[len(rows) // 2]
                cpu = sorted(r[3] for r in rows)[len(rows) // 2]
                ping = sorted(r[4] for r in rows)[len(rows) // 2]
                print(f"{size:9d} {name:6s} {ratio:.3f}x  {cpu:.2f} ms (/bench/ping {ping:.2f} ms)")


if __name__ == "__main__":
    main()
