"""The clerk's intake (issue #16): registering a walk-in appeal through the intake form, on gunicorn (2 workers ×
4 threads) + PostgreSQL + Redis, main's code ("before", from `git archive main`) beside this checkout's ("after"),
interleaved, with the trivial endpoint `/bench/ping` of each in the same run as the ceiling.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test5 BENCH_REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/intake.py [--rebuild] [--seconds 15] [--repetitions 3] [--before-ref main]

It builds the schema `bench_intake` (kept between runs; `--rebuild` makes it again) with the shipped directory
and clerks of 10 branches (10 in the first, one in each of the nine others), starts one gunicorn per variant on
loopback (CSRF on, as in production; rate limits off, since the clerks sign in over and over in the runs) and
then, scenario by scenario and repetition by repetition, before and after in turn:

- one clerk, 10 clerks of one branch at once, 10 clerks of 10 branches at once: each clerk, a thread with its
  own cookies, opens `/appeals/new`, fills in the form the page renders (its CSRF token, the topic the menu
  offers, a new citizen's IIN each time) and posts it, again and again for `--seconds`; the POST is timed (a 302
  to the receipt is a registration, anything else an error);
- 10 threads on `/bench/ping` for a few seconds.

It prints, per run, the POSTs' median, p95 and throughput, and the server's CPU (both workers, user + system)
per intake (the form's GET and its POST); then the medians of the repetitions. The database's own CPU is not
counted. Both variants share one schema, so the appeals table grows over the run (a few thousand rows).
"""

import argparse
import http.cookiejar
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Under gunicorn the code served is BENCH_CODE_ROOT's (main's for "before"); the bench itself runs on this one.
sys.path.insert(0, os.environ.get("BENCH_CODE_ROOT", str(ROOT)))
sys.path.insert(1, str(ROOT / "tests"))

SCHEMA = "bench_intake"
PASSWORD = "bench password 123"
BRANCHES = 10
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def schema_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        raise SystemExit("set BENCH_DATABASE_URL to a PostgreSQL database (this bench is about production's)")
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{SCHEMA}"


def make_app():
    """The application as gunicorn serves it here: CSRF on, rate limits off, the trivial endpoint beside it."""
    from config import Config
    from reception import create_app
    from reception.accounts.access import public

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = schema_url()
        REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
        RATELIMIT_ENABLED = False

    app = create_app(BenchConfig)

    @public
    def ping():
        return "ok"

    app.add_url_rule("/bench/ping", "bench_ping", ping)
    return app


def clerk_email(branch: int, n: int) -> str:
    return f"clerk{branch}-{n}@bench.kz"


def build(rebuild: bool) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(os.environ["BENCH_DATABASE_URL"])
    with engine.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM information_schema.tables WHERE table_schema = :s AND table_name = 'users'"),
            {"s": SCHEMA},
        ).first()
    engine.dispose()
    if exists and not rebuild:
        return
    print("building the schema ...", flush=True)
    from benchapp import fresh_schema
    from sqlalchemy import select

    from reception.accounts import operations as account_ops
    from reception.accounts.models import Role
    from reception.directory.models import Branch
    from reception.extensions import db

    app = fresh_schema(os.environ["BENCH_DATABASE_URL"], SCHEMA)
    with app.app_context():
        branches = db.session.scalars(select(Branch).where(Branch.code.like("%-0_")).order_by(Branch.code)).all()
        for b in range(BRANCHES):
            for n in range(10 if b == 0 else 1):
                account_ops.create_user(
                    email=clerk_email(b, n), full_name=f"Clerk {b}-{n}", password=PASSWORD, role=Role.staff,
                    branch=branches[b],
                )  # fmt: skip
        db.session.commit()


# --- the clerks ----------------------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_serial = iter(range(1, 10**7))
_serial_lock = threading.Lock()


def first_serial() -> None:
    """IINs go on after those of earlier runs on the same schema (their citizens have open appeals)."""
    global _serial
    from sqlalchemy import create_engine, text

    engine = create_engine(schema_url())
    with engine.connect() as conn:
        used = conn.execute(text("SELECT count(*) FROM citizens")).scalar_one()
    engine.dispose()
    _serial = iter(range(2 * used + 1, 10**7))


def new_iin() -> str:
    """A valid IIN not used before in this run (no appeal is a possible duplicate of another)."""
    from reception.appeals.iin import check_digit

    while True:
        with _serial_lock:
            serial = next(_serial)
        # Born 1 Jan 1950-1999 (from the serial), a 4-digit serial of the day: 500,000 IINs.
        body = f"{50 + serial % 50:02d}0101{3 + serial // 50 % 2}{serial // 100 % 10000:04d}"
        digit = check_digit(body)
        if digit is not None:
            return body + str(digit)


def multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


class Clerk:
    def __init__(self, base: str, email: str):
        self.base = base
        self.form = None
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )
        from pageforms import form_on

        status, page = self.request("/auth/login")
        form = form_on(page, "", having="password")
        status, _ = self.request("/auth/login", form.fill(email=email, password=PASSWORD))
        if status != 302:
            raise SystemExit(f"{email} could not sign in ({status})")

    def request(self, path: str, data: dict | None = None, multi: bool = False) -> tuple[int, str]:
        body, headers = None, {}
        if data is not None and multi:
            body, headers["Content-Type"] = multipart(data)
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        req = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def take_in(self) -> tuple[int, float]:
        """Open the form, fill it in as a clerk would, post it; (status, seconds of the POST)."""
        from pageforms import form_on

        status, page = self.request("/appeals/new")
        if status != 200:
            return status, 0.0
        if self.form is None:  # the form's fields and options, read from the page once (parsing is slow)
            self.form = form_on(page, "", having="iin")
        form = self.form
        # Each time the page's own CSRF token (the rest of the form is the same page after page).
        form.values["csrf_token"] = CSRF.search(page).group(1)
        iin = new_iin()
        data = form.fill(
            iin=iin,
            full_name="Нагрузкин Тест Тестович",
            phone=f"+7701{iin[-7:]}",
            consent="y",
            type="complaint",
            topic=next(v for v in form.options["topic"] if v),
            summary="Нет воды (нагрузка)",
            text="Третью неделю нет холодной воды в доме.",
        )
        start = time.perf_counter()
        status, _ = self.request("/appeals/new", data, multi=True)
        return status, time.perf_counter() - start


def run_clerks(base: str, emails: list[str], seconds: float, pids: list[int]) -> dict:
    clerks = [Clerk(base, email) for email in emails]
    times: list[float] = []
    errors: list[int] = []
    until = time.monotonic() + seconds
    barrier = threading.Barrier(len(clerks) + 1)

    def work(clerk: Clerk) -> None:
        barrier.wait()
        while time.monotonic() < until:
            status, took = clerk.take_in()
            (times.append(took) if status == 302 else errors.append(status))

    threads = [threading.Thread(target=work, args=(c,)) for c in clerks]
    for t in threads:
        t.start()
    cpu = cpu_seconds(pids)
    barrier.wait()
    started = time.monotonic()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    cpu = cpu_seconds(pids) - cpu
    return summary(times, errors, elapsed, cpu)


def run_ping(base: str, seconds: float, pids: list[int], threads: int = 10) -> dict:
    times: list[float] = []
    errors: list[int] = []
    until = time.monotonic() + seconds

    def work() -> None:
        while time.monotonic() < until:
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(base + "/bench/ping", timeout=30) as response:
                    response.read()
                    times.append(time.perf_counter() - start)
            except OSError:
                errors.append(599)

    cpu = cpu_seconds(pids)
    started = time.monotonic()
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return summary(times, errors, time.monotonic() - started, cpu_seconds(pids) - cpu)


def summary(times: list[float], errors: list[int], elapsed: float, cpu: float) -> dict:
    ordered = sorted(times) or [float("nan")]
    return {
        "n": len(times),
        "errors": errors,
        "median": statistics.median(ordered) * 1000,
        "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000,
        "rps": len(times) / elapsed,
        "cpu": cpu / max(len(times), 1) * 1000,
    }


# --- the servers ---------------------------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError):
            pass
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(code_root: Path) -> tuple[subprocess.Popen, str, list[int]]:
    port = free_port()
    env = dict(os.environ, BENCH_CODE_ROOT=str(code_root), PYTHONPATH=f"{ROOT / 'bench'}")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "--worker-class", "gthread"),
            *("--log-level", "warning", "--chdir", str(code_root), "intake:make_app()"),
        ],
        env=env,
        start_new_session=True,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/bench/ping", timeout=2).read()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"gunicorn on {code_root} did not start") from None
            time.sleep(0.3)
    time.sleep(2)  # both workers booted
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return server, base, [int(p) for p in children]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="make the schema again")
    parser.add_argument("--seconds", type=float, default=15, help="seconds of each clerks' run")
    parser.add_argument("--ping-seconds", type=float, default=4)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--before-ref", default="main", help="the git ref whose code is 'before'")
    parser.add_argument("--only-after", action="store_true", help="no 'before' server (for profiling)")
    args = parser.parse_args()
    build(args.rebuild)
    first_serial()

    variants: dict[str, Path] = {"after": ROOT}
    scratch = None
    if not args.only_after:
        scratch = tempfile.TemporaryDirectory(prefix="bench-intake-before-")
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.before_ref], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", scratch.name], input=archive.stdout, check=True)
        variants = {"before": Path(scratch.name), "after": ROOT}
        commits = [
            subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", ref], capture_output=True, text=True).stdout
            for ref in (args.before_ref, "HEAD")
        ]
        print(f"before: {args.before_ref} = {commits[0].strip()}; after: this checkout, HEAD = {commits[1].strip()}")
    servers = {name: start_server(root) for name, root in variants.items()}
    scenarios = {
        "one clerk": [clerk_email(0, 0)],
        "10 clerks, one branch": [clerk_email(0, n) for n in range(10)],
        "10 clerks, 10 branches": [clerk_email(b, 0) for b in range(BRANCHES)],
    }
    results: dict[tuple[str, str], list[dict]] = {}
    try:
        for _server, base, pids in servers.values():  # warm up: imports, connections, first renders
            run_clerks(base, [clerk_email(0, 0)], 3, pids)
        for rep in range(1, args.repetitions + 1):
            for scenario, emails in [("ping", None), *scenarios.items()]:
                for name, (_server, base, pids) in servers.items():
                    if emails is None:
                        result = run_ping(base, args.ping_seconds, pids)
                    else:
                        result = run_clerks(base, emails, args.seconds, pids)
                    results.setdefault((scenario, name), []).append(result)
                    print(
                        f"rep {rep} {scenario:24s} {name:6s} n={result['n']:5d} errors={len(result['errors'])} "
                        f"median {result['median']:7.1f} ms  p95 {result['p95']:7.1f} ms  "
                        f"{result['rps']:7.1f}/s  CPU {result['cpu']:6.1f} ms",
                        flush=True,
                    )
    finally:
        for server, _base, _pids in servers.values():
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(20)
        if scratch is not None:
            scratch.cleanup()

    print(f"\nmedians of {args.repetitions} repetitions ({os.cpu_count()} CPUs, shared); CPU = gunicorn's per intake")
    print(
        f"{'scenario':24s} {'code':6s} {'median ms':>9s} {'p95 ms':>8s} {'per s':>7s} {'CPU ms':>7s} {'p95 × ping':>10s}"
    )
    for scenario in ["ping", *scenarios]:
        for name in variants:
            runs = results[(scenario, name)]
            ping = statistics.median(r["p95"] for r in results[("ping", name)])
            row = {k: statistics.median(r[k] for r in runs) for k in ("median", "p95", "rps", "cpu")}
            print(
                f"{scenario:24s} {name:6s} {row['median']:9.1f} {row['p95']:8.1f} {row['rps']:7.1f} "
                f"{row['cpu']:7.1f} {row['p95'] / ping:10.1f}"
            )
    errors = {k: sum(len(r["errors"]) for r in v) for k, v in results.items() if any(r["errors"] for r in v)}
    if errors:
        print(f"errors (non-302 answers): {errors}")


if __name__ == "__main__":
    main()
