"""The citizens' status look-up (POST of a right tracking code and PIN) under wrk at 32 connections, next
to a trivial Flask endpoint served by the same gunicorn in the same run.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test_public \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/status_lookup.py [--duration 10]

It builds its own schema `bench_status` in that PostgreSQL database (or, without BENCH_DATABASE_URL, a
SQLite file in a temporary folder) with the shipped directory and one appeal with a public timeline,
starts gunicorn (gthread workers) on a free loopback port, and runs wrk against `/bench/ping` (returns
"ok") and `/status/` (a POST with the code and PIN, rendering the whole status page). Rate limits and CSRF
are switched off for the run (RATELIMIT_ENABLED=false, WTF_CSRF_ENABLED=False): the limits would answer
429 after ten look-ups, and wrk cannot carry a CSRF token. Needs wrk (`apt-get install wrk`) and gunicorn
(requirements-dev.txt). Prints requests/s and latency for both, and their ratio.
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
sys.path.insert(0, str(ROOT))

SCHEMA = "bench_status"


def database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(tempfile.gettempdir()) / 'qabyldau-bench-status.db'}"
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{SCHEMA}"


def make_app():
    """The application as gunicorn serves it for the bench, with the trivial endpoint beside it."""
    from config import Config
    from reception import create_app
    from reception.accounts.access import public

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = database_url()
        REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
        RATELIMIT_ENABLED = False
        WTF_CSRF_ENABLED = False

    app = create_app(BenchConfig)

    @public
    def ping():
        return "ok"

    app.add_url_rule("/bench/ping", "bench_ping", ping)
    return app


def build() -> tuple[str, str]:
    """A fresh schema with the directory and one appeal with a public timeline; returns (code, PIN)."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, select, text

    base = os.environ.get("BENCH_DATABASE_URL")
    if base:
        engine = create_engine(base)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        engine.dispose()
    else:
        Path(database_url().removeprefix("sqlite:///")).unlink(missing_ok=True)

    from reception.accounts import operations as account_ops
    from reception.accounts.models import Role
    from reception.appeals import operations as ops
    from reception.appeals.models import AppealType, Channel
    from reception.directory.loader import load_directory
    from reception.directory.models import Branch, Deputy, MandateType, RepresentativeBody, Topic
    from reception.extensions import db

    app = make_app()
    with app.app_context():
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
        db.session.commit()
        return done.appeal.tracking_code, done.pin


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 30) -> None:
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
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", out)
    stats["avg"], stats["max"] = latency.group(1), latency.group(3)
    for pct in ("50", "90", "99"):
        stats[f"p{pct}"] = re.search(rf"\s{pct}%\s+(\S+)", out).group(1)
    return stats


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if not gunicorn.exists():
        raise SystemExit("gunicorn is not installed: pip install -r requirements-dev.txt")

    code, pin = build()
    port = free_port()
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'bench'}")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
            "status_lookup:make_app()",
        ],
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/bench/ping")
        form = urllib.parse.urlencode({"code": code, "pin": pin})
        with urllib.request.urlopen(base + "/status/", data=form.encode(), timeout=10) as response:
            page = response.read().decode()
            assert response.status == 200 and 'data-status="state"' in page, "the look-up does not find the appeal"
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write(
                'wrk.method = "POST"\n'
                f'wrk.body = "{form}"\n'
                'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
            )
        script = Path(lua.name)
        run_wrk(base + "/bench/ping", 2, args.connections)  # warm up both before measuring
        run_wrk(base + "/status/", 2, args.connections, script)
        trivial = run_wrk(base + "/bench/ping", args.duration, args.connections)
        lookup = run_wrk(base + "/status/", args.duration, args.connections, script)
        script.unlink()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)

    dialect = "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite"
    print(
        f"gunicorn gthread {args.workers}x{args.threads}, wrk 2 threads {args.connections} connections "
        f"{args.duration} s each, {dialect}, {os.cpu_count()} CPUs shared with wrk"
    )
    print(f"{'endpoint':32s} {'req/s':>9s} {'avg':>9s} {'p50':>9s} {'p90':>9s} {'p99':>9s} {'max':>9s}")
    for name, s in (("GET /bench/ping (trivial)", trivial), ("POST /status/ (code + PIN)", lookup)):
        print(f"{name:32s} {s['rps']:9.1f} {s['avg']:>9s} {s['p50']:>9s} {s['p90']:>9s} {s['p99']:>9s} {s['max']:>9s}")
    print(
        f"ratio trivial/look-up: {trivial['rps'] / lookup['rps']:.2f}x the requests/s; "
        f"median latency {to_ms(lookup['p50']) / to_ms(trivial['p50']):.2f}x"
    )


if __name__ == "__main__":
    main()
