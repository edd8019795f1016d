"""`flask demo generate` (#16): appeals per second at 100,000 and 1,000,000 on PostgreSQL, before and after.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test8 BENCH_REDIS_URL=redis://127.0.0.1:6379/8 \
        .venv/bin/python bench/generate.py [--sizes 100000 1000000] [--before 2000] [--rebuild]

"after": this tree's `demo.bulk.generate_bulk` (what `flask demo generate` runs), in schema `bench_generate`:
migrated, the directory and `flask demo load --appeals 0` (deputies, demo users, rules) made once (--rebuild to
start over). Before each size the generated rows are emptied (TRUNCATE citizens, appeals, appeal_events and
what points at them; the registration counters), so each size is generated into an empty appeals table, then
the whole command is timed as the CLI runs it: planning, the COPY, building the indexes again, ANALYZE, the
commit.

"before": main's code (`git archive main` into a temporary directory), its `demo.appeals.generate_appeals` (what
`flask demo generate` ran: one appeal at a time through the real operations) in schema `bench_generate_main`
set up the same way, on --before appeals (2,000 by default: 1,000,000 would take hours), extrapolated linearly to
each size; stated as such.

Prints the wall time, appeals per second, this process's CPU time, the CPU time of the PostgreSQL backends of its
connections (the session's and those that make the indexes again, told by their application_name and read from
/proc: the database must be on this machine; PostgreSQL's parallel index-build workers are not counted), the
machine's load average before and after (other sessions share it) and, for the "before", the time each size
would take at the rate measured. `--steps` adds when each step ended (each index, as it was made).
"""

import argparse
import contextlib
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SCHEMA = "bench_generate"
MAIN_SCHEMA = "bench_generate_main"


def cpu() -> float:
    """CPU seconds of this process and of its children that ended (the generator's forked writers)."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )


def backend_cpu(pid: int) -> float:
    """CPU seconds of a PostgreSQL backend on this machine (its parallel index-build workers are not counted)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


#: The application_name of this bench's connections, so that their backends can be told from other sessions'.
APPLICATION = "bench_generate"


class Backends:
    """The CPU seconds of the PostgreSQL backends of this process's connections and its children's (the session's,
    the forked writers', the index builders'), told by their application_name: looked at twice a second on a
    connection of its own, as a writer's backend ends with its connection."""

    def __init__(self, base_url: str):
        import psycopg
        from sqlalchemy.engine import make_url

        self.url = make_url(base_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.psycopg = psycopg
        self.seen: dict[int, tuple[float, float]] = {}  # pid: (CPU when first seen, CPU when last seen)
        self.stop = threading.Event()

    def look(self, cursor) -> None:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", (APPLICATION,))
        for (pid,) in cursor.fetchall():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # gone meanwhile
                used = backend_cpu(pid)
                self.seen[pid] = (self.seen.get(pid, (used, used))[0], used)

    def __enter__(self) -> "Backends":
        self.connection = self.psycopg.connect(self.url, autocommit=True)
        self.look(self.connection.cursor())
        self.before = {pid: first for pid, (first, _last) in self.seen.items()}

        def watch():
            with self.connection.cursor() as cursor:
                while not self.stop.wait(0.5):
                    self.look(cursor)

        self.thread = threading.Thread(target=watch, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        self.look(self.connection.cursor())
        self.connection.close()

    @property
    def used(self) -> float:
        """CPU seconds since entering; a backend born meanwhile counts from 0 (up to half a second of it lost
        when it lived less than that)."""
        return sum(last - self.before.get(pid, 0.0) for pid, (_first, last) in self.seen.items())


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def demo_schema(base_url: str, schema: str, rebuild: bool):
    """The app on `schema`: migrated, with the directory and the demo deputies, users and rules, made once."""
    from benchapp import fresh_schema, make_app
    from sqlalchemy import func, select

    from reception.accounts.models import User
    from reception.extensions import db

    app = make_app(base_url, schema)
    if not rebuild:
        try:
            with app.app_context():
                if db.session.scalar(select(func.count(User.id))):
                    return app
        except Exception:
            pass
    app = fresh_schema(base_url, schema)
    with app.app_context():
        from reception.demo.cli import _quiet, load_demo

        started = time.perf_counter()
        with _quiet():
            load_demo(appeals=0)
        db.session.commit()
        print(f"# {schema}: demo deputies and users loaded in {time.perf_counter() - started:.0f} s", flush=True)
    return app


def empty(app) -> None:
    from reception.extensions import db

    with app.app_context():
        db.session.execute(db.text("TRUNCATE citizens, appeals, appeal_events, registration_counters CASCADE"))
        db.session.commit()


def definitions(conn) -> dict:
    """The migrated schema's indexes and foreign keys of the tables the generator sets aside."""
    from reception.demo.indexes import foreign_keys, index_definitions

    return {t: (index_definitions(conn, t), foreign_keys(conn, t)) for t in ("citizens", "appeals", "appeal_events")}


def after(base_url: str, sizes: list[int], rebuild: bool, show_steps: bool = False) -> None:
    from reception.demo.bulk import generate_bulk
    from reception.demo.cli import _quiet
    from reception.extensions import db

    sep = "&" if "?" in base_url else "?"
    app = demo_schema(f"{base_url}{sep}application_name={APPLICATION}", SCHEMA, rebuild)
    for size in sizes:
        empty(app)
        with app.app_context(), _quiet():
            steps: list[tuple[float, str]] = []
            before = definitions(db.session.connection())
            started_load = load()
            with Backends(base_url) as backends:
                wall, used = time.perf_counter(), cpu()
                made = generate_bulk(
                    size, seed=7, say=lambda text, t0=wall, steps=steps: steps.append((time.perf_counter() - t0, text))
                )
                db.session.commit()
            server = backends.used
            same = definitions(db.session.connection()) == before
            db.session.commit()
            wall, used = time.perf_counter() - wall, cpu() - used
        print(
            f"after  | {size:>9,} appeals | {wall:7.1f} s | {size / wall:8,.0f} appeals/s | CPU {used:6.1f} s | "
            f"PostgreSQL CPU {server:6.1f} s | {made.citizens:,} citizens, {made.events:,} events | "
            f"{started_load} → {load()} | indexes and foreign keys as before: {'yes' if same else 'NO'}",
            flush=True,
        )
        if show_steps:
            for at, text in steps:
                print(f"       {at:7.1f} s  {text}", flush=True)


BEFORE = """
import sys, time, resource
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
import config, reception, benchapp  # main's, before this bench's module puts this tree on the path
sys.path.insert(0, {here!r})
from generate import demo_schema, empty, cpu
from reception.demo.appeals import generate_appeals
from reception.demo.cli import _quiet
app = demo_schema({url!r}, {schema!r}, {rebuild!r})
empty(app)
with app.app_context(), _quiet():
    wall, used = time.perf_counter(), cpu()
    generate_appeals({count})
    print(time.perf_counter() - wall, cpu() - used)
"""


def before(base_url: str, count: int, sizes: list[int], rebuild: bool) -> None:
    with tempfile.TemporaryDirectory() as tree:
        archive = subprocess.run(["git", "archive", "main"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
        script = BEFORE.format(
            root=tree,
            bench=str(Path(tree) / "bench"),
            here=str(ROOT / "bench"),
            url=base_url,
            schema=MAIN_SCHEMA,
            rebuild=rebuild,
            count=count,
        )
        out = subprocess.run(
            [sys.executable, "-c", script], cwd=tree, capture_output=True, text=True, env=os.environ.copy()
        )
        if out.returncode:
            sys.exit(out.stderr)
        lines = out.stdout.strip().splitlines()
        for line in lines[:-1]:
            print(line)
        wall, used = (float(x) for x in lines[-1].split())
    rate = count / wall
    print(f"before | {count:>9,} appeals | {wall:7.1f} s | {rate:8,.0f} appeals/s | CPU {used:6.1f} s | measured")
    for size in sizes:
        print(
            f"before | {size:>9,} appeals | {size / rate:7.0f} s | {rate:8,.0f} appeals/s | extrapolated from {count:,}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--before", type=int, default=2000, help="appeals generated by main's code (0: skip)")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--steps", action="store_true", help="print when each step of the generator ended")
    args = parser.parse_args()
    base_url = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench")
    print(f"# {time.strftime('%Y-%m-%d %H:%M')} UTC, {os.cpu_count()} cores, {base_url.rsplit('/', 1)[-1]}", flush=True)
    if args.before:
        before(base_url, args.before, args.sizes, args.rebuild)
    after(base_url, args.sizes, args.rebuild, args.steps)


if __name__ == "__main__":
    main()
