"""Load: citizens checking their status, clerks registering appeals and deputies working their queues at once,
against gunicorn + PostgreSQL + Redis + an rq worker, on loopback only, bounded in time.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test BENCH_REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/load.py [--seconds 60] [--citizens 200] [--clerks 20] [--deputies 10]

It builds the schema `bench_load` (dropped and made again), the directory, the accounts and appeals for the
citizens to look up and the deputies to work, empties that Redis db, and starts gunicorn (2 workers × 4
threads, behind a pretend proxy: PROXY_FIX_HOPS=1, so that every citizen has an address of their own and the
real rate limits apply) and `flask worker`. Each simulated person is a thread with its own cookies that
works like a person: citizens look up every 3-8 s, clerks register an appeal every 1-2 s, deputies open their
queue and an appeal every 1-2 s, all through the forms as the pages render them (CSRF tokens included).

It prints requests, errors and p50/p95/p99 per kind, the appeals created against those found in the
database, the messages queued against those sent, and the server's CPU per request.
"""

import argparse
import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

SCHEMA = "bench_load"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "bench password 123"


def database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        raise SystemExit("set BENCH_DATABASE_URL to a PostgreSQL database (this bench is about production's)")
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{SCHEMA}"


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")


def build(citizens: int, clerks: int, deputies: int) -> dict:
    """Schema, directory, accounts and appeals; returns what the simulated people need."""
    from redis import Redis
    from sqlalchemy import create_engine, select, text

    engine = create_engine(os.environ["BENCH_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    Redis.from_url(redis_url()).flushdb()

    from config import Config
    from reception import create_app
    from reception.accounts import operations as account_ops
    from reception.accounts.models import Role
    from reception.appeals import operations as ops
    from reception.appeals.models import AppealType, Channel
    from reception.directory.loader import load_directory
    from reception.directory.models import Branch, Deputy, MandateType, RepresentativeBody, Topic
    from reception.extensions import db

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = database_url()
        REDIS_URL = redis_url()

    app = create_app(BenchConfig)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        load_directory()
        branches = db.session.scalars(select(Branch).where(Branch.code.like("%-0_")).order_by(Branch.code)).all()
        topic = db.session.scalar(select(Topic).where(Topic.code == "housing"))
        body = db.session.scalar(select(RepresentativeBody).where(RepresentativeBody.code == "MAZHILIS"))
        clerk_emails = []
        for n in range(clerks):
            email = f"clerk{n}@bench.kz"
            account_ops.create_user(
                email=email, full_name=f"Clerk {n}", password=PASSWORD, role=Role.staff, branch=branches[n % 10]
            )
            clerk_emails.append(email)
        deputy_emails, lookups = [], []
        for n in range(deputies):
            deputy = Deputy(full_name=f"Депутат {n}", body=body, mandate_type=MandateType.party_list)
            db.session.add(deputy)
            db.session.flush()
            email = f"deputy{n}@bench.kz"
            account_ops.create_user(
                email=email, full_name=f"Deputy {n}", password=PASSWORD, role=Role.deputy, deputy=deputy
            )
            deputy_emails.append(email)
            for k in range(50):
                done = ops.register_appeal(
                    branch=branches[k % 10],
                    citizen=None,
                    type=AppealType.request,
                    topic=topic,
                    summary=f"Вопрос {n}-{k}",
                    text="Текст обращения",
                    channel=Channel.walk_in,
                    language="ru",
                )
                ops.route_appeal(done.appeal, deputy, user=None)
        for n in range(citizens):
            done = ops.register_appeal(
                branch=branches[n % 10],
                citizen=None,
                type=AppealType.complaint,
                topic=topic,
                summary=f"Обращение {n}",
                text="Текст",
                channel=Channel.walk_in,
                language="ru",
            )
            lookups.append((done.appeal.tracking_code, done.pin))
        db.session.commit()
        return {"clerks": clerk_emails, "deputies": deputy_emails, "lookups": lookups, "topic": str(topic.id)}


class Person:
    """One browser: its own cookies and client address; every request timed."""

    def __init__(self, base: str, address: str, results: list, kind: str):
        self.base, self.address, self.results, self.kind = base, address, results, kind
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, path: str, data: dict | None = None, record: bool = True) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers={"X-Forwarded-For": self.address})
        start = time.perf_counter()
        try:
            with self.opener.open(req, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode(errors="replace")
        except OSError:
            status, text = 599, ""
        if record:
            self.results.append((self.kind, status, time.perf_counter() - start))
        return status, text

    def token(self, path: str) -> str:
        _status, text = self.request(path, record=False)
        found = TOKEN.search(text)
        return found.group(1) if found else ""

    def sign_in(self, email: str) -> None:
        token = self.token("/auth/login")
        self.request("/auth/login", {"csrf_token": token, "email": email, "password": PASSWORD}, record=False)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer here, as a browser would show the next page


def citizen(person: Person, code: str, pin: str, until: float) -> None:
    while time.monotonic() < until:
        token = person.token("/status/")
        status, _ = person.request("/status/", {"csrf_token": token, "code": code, "pin": pin})
        person.results[-1] = ("status look-up", status, person.results[-1][2])
        time.sleep(random.uniform(3, 8))


_serials = iter(range(1, 10**6))
_serial_lock = threading.Lock()


def new_iin() -> str:
    """A valid IIN nobody has used in this run (so no appeal is a duplicate of another)."""
    from reception.appeals.iin import check_digit

    while True:
        with _serial_lock:
            serial = next(_serials)
        base = f"900101{3 + serial % 2}{serial:04d}"[:11]
        digit = check_digit(base)
        if digit is not None:
            return base + str(digit)


def clerk(person: Person, email: str, topic: str, until: float, created: list) -> None:
    person.sign_in(email)
    while time.monotonic() < until:
        token = person.token("/appeals/new")
        iin = new_iin()
        status, _ = person.request(
            "/appeals/new",
            {
                "csrf_token": token,
                "iin": iin,
                "full_name": "Нагрузкин Тест Тестович",
                "phone": f"+7701{iin[-7:]}",
                "consent": "y",
                "type": "complaint",
                "topic": topic,
                "channel": "walk_in",
                "language": "ru",
                "summary": "Нет воды (нагрузка)",
                "text": "Третью неделю нет воды.",
            },
        )
        person.results[-1] = ("intake", status, person.results[-1][2])
        if status == 302:
            created.append(1)
        time.sleep(random.uniform(1, 2))


def deputy(person: Person, email: str, until: float) -> None:
    person.sign_in(email)
    while time.monotonic() < until:
        status, page = person.request("/deputy-queue/")
        person.results[-1] = ("deputy queue", status, person.results[-1][2])
        ids = re.findall(r'href="/appeals/(\d+)"', page)
        if ids:
            status, _ = person.request(f"/appeals/{random.choice(ids)}")
            person.results[-1] = ("appeal page", status, person.results[-1][2])
        time.sleep(random.uniform(1, 2))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError):
            pass
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--clerks", type=int, default=20)
    parser.add_argument("--deputies", type=int, default=10)
    args = parser.parse_args()
    print("building the data ...", flush=True)
    data = build(args.citizens, args.clerks, args.deputies)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, DATABASE_URL=database_url(), REDIS_URL=redis_url(), PROXY_FIX_HOPS="1")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            "2",
            "-k",
            "gthread",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--queue", "notifications", "--queue", "default"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        workers = [
            int(p)
            for p in subprocess.run(["pgrep", "-f", f"127.0.0.1:{port}"], capture_output=True, text=True).stdout.split()
        ]
        cpu_before = cpu_seconds(workers)
        results: list = []
        created: list = []
        until = time.monotonic() + args.seconds
        threads = []
        for n, (code, pin) in enumerate(data["lookups"]):
            person = Person(base, f"10.{n // 250}.{n % 250}.1", results, "status look-up")
            threads.append(threading.Thread(target=citizen, args=(person, code, pin, until)))
        for n, email in enumerate(data["clerks"]):
            person = Person(base, f"10.200.{n}.1", results, "intake")
            threads.append(threading.Thread(target=clerk, args=(person, email, data["topic"], until, created)))
        for n, email in enumerate(data["deputies"]):
            person = Person(base, f"10.201.{n}.1", results, "deputy queue")
            threads.append(threading.Thread(target=deputy, args=(person, email, until)))
        started = time.monotonic()
        for thread in threads:
            thread.start()
            time.sleep(args.seconds / 10 / len(threads))  # people arrive over the first tenth of the run
        for thread in threads:
            thread.join(args.seconds + 60)
        elapsed = time.monotonic() - started
        cpu_used = cpu_seconds(workers) - cpu_before
    finally:
        server.terminate()
        server.wait(20)
    print(
        f"\n{len(results)} requests in {elapsed:.0f} s; server CPU {cpu_used:.1f} s "
        f"({cpu_used / max(len(results), 1) * 1000:.1f} ms per request)\n"
    )
    print(f"{'kind':16s} {'requests':>8s} {'errors':>6s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s}")
    for kind in ("status look-up", "intake", "deputy queue", "appeal page"):
        rows = [r for r in results if r[0] == kind]
        if not rows:
            continue
        errors = sum(1 for _k, status, _t in rows if status >= 500 or status == 599 or status == 429)
        times = [t for _k, _s, t in rows]
        bad = sorted({s for _k, s, _t in rows if s >= 500 or s == 429})
        print(
            f"{kind:16s} {len(rows):8d} {errors:6d} {statistics.median(times) * 1000:8.1f} "
            f"{percentile(times, 0.95):8.1f} {percentile(times, 0.99):8.1f}"
            + (f"   errors answered {', '.join(map(str, bad))} (599: no answer)" if bad else "")
        )
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url())
    deadline = time.monotonic() + 60
    with engine.connect() as conn:
        found = conn.execute(text("SELECT count(*) FROM appeals WHERE summary = 'Нет воды (нагрузка)'")).scalar()
        while True:
            queued, sent = conn.execute(
                text("SELECT count(*), count(*) FILTER (WHERE state = 'sent') FROM outbox_messages")
            ).one()
            conn.commit()
            if sent == queued or time.monotonic() > deadline:
                break
            time.sleep(1)
    worker.terminate()
    worker.wait(20)
    print(f"\nappeals created {len(created)}, found in the database {found}")
    print(f"messages queued {queued}, sent {sent}")


if __name__ == "__main__":
    main()
