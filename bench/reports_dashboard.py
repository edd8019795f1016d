"""Server time of the reports dashboard (#17) for an analyst (everything, one year) over 100,000 and 1,000,000
appeals in PostgreSQL, beside the app's trivial endpoint measured in the same run, with CPU time.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/reports_dashboard.py

For each size it builds its own schema `bench_reports_<size>` in that database (appeals over 20 regions' branches,
17 topics, 5 channels and several states; a decision event for each decided one; feedback on some; made by
INSERT ... SELECT generate_series, once; --rebuild to start over), then times each page through the WSGI app
(no network) and prints the median and 95th percentile of N runs, the CPU time of this process per request,
the number of SQL statements, and the ratio to `/bench/ping`.
"""

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchapp import fresh_schema, make_app
from sqlalchemy import create_engine, event, text


def build(base_url: str, schema: str, total: int) -> None:
    from reception.extensions import db

    app = fresh_schema(base_url, schema)
    with app.app_context():
        started = time.perf_counter()
        db.session.execute(
            text("""
            INSERT INTO deputies (full_name, body_id, mandate_type, is_active, email, phone)
            SELECT 'Депутат ' || g, (SELECT id FROM representative_bodies WHERE code = 'MAZHILIS'), 'party_list', true, '', ''
            FROM generate_series(1, 300) g""")
        )
        # Appeals spread over every branch, registered over the last 365 days; one in four still open.
        db.session.execute(
            text("""
            WITH b AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n, count(*) OVER () AS c FROM branches),
                 d AS (SELECT min(id) AS first FROM deputies),
                 t AS (SELECT min(id) AS first, count(*) AS c FROM topics)
            INSERT INTO appeals (registration_number, branch_id, year, sequence, tracking_code, pin_hash, type, topic_id,
                summary, text, channel, language, is_collective, cosigners, state, deputy_id, duplicate_override_reason,
                registered_dt, counting_from, deadline, version, updated_dt, escalation_level, contact_phone,
                contact_email, outgoing_letter_number)
            SELECT 'BENCH/' || g, (SELECT id FROM b WHERE n = g % (SELECT max(c) FROM b)), 2026, g,
                   'BR' || lpad(g::text, 12, '0'), repeat('0', 64), 'request',
                   t.first + g % t.c, 'Обращение ' || g, 'Текст',
                   (ARRAY['walk_in','online','phone','mail','mobile_reception'])[1 + g % 5], 'ru', false, 0,
                   (ARRAY['in_progress','resolved','closed','rejected'])[1 + g % 4],
                   d.first + (g % (SELECT max(c) FROM b)) % 300, '',
                   now() - (g % 365) * interval '1 day' - (g % 24) * interval '1 hour',
                   current_date - g % 365, current_date - g % 365 + 21, 1, now(), 0, '', '', ''
            FROM generate_series(1, :total) g, d, t"""),
            {"total": total},
        )
        # The decision of each decided appeal: 1-40 days after registration.
        db.session.execute(
            text("""
            INSERT INTO appeal_events (appeal_id, created_dt, kind, to_state, comment, is_public, comment_public)
            SELECT id, registered_dt + (1 + id % 40) * interval '1 day', 'transition', state, '', true, true
            FROM appeals WHERE state <> 'in_progress'""")
        )
        # What transition() records with the decision (the migration fills it the same way from the events).
        db.session.execute(
            text("""
            UPDATE appeals SET decided_dt = registered_dt + (1 + id % 40) * interval '1 day'
            WHERE state <> 'in_progress'""")
        )
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"built {total:,} appeals in {schema} in {time.perf_counter() - started:.1f} s")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process on this machine (PostgreSQL's backend: the database is local),
    from /proc; its parallel workers, if any, are not counted."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(base_url: str, schema: str, runs: int) -> None:
    from flask_migrate import upgrade

    from reception.accounts import operations as account_ops
    from reception.accounts.models import Role
    from reception.extensions import db

    app = make_app(base_url, schema)
    with app.app_context():
        started = time.perf_counter()
        upgrade()  # on data built by an earlier revision: its migrations' time (e.g. 0031's backfill)
        print(f"upgraded in {time.perf_counter() - started:.1f} s")
        if account_ops.find_user("bench-analyst@bench.kz") is None:
            account_ops.create_user(
                email="bench-analyst@bench.kz", full_name="Bench", password="bench password", role=Role.analyst
            )
            db.session.commit()
        count = db.session.execute(text("SELECT count(*) FROM appeals")).scalar()
        deputy = db.session.execute(text("SELECT min(deputy_id) FROM appeals")).scalar()
        branch = db.session.execute(text("SELECT min(branch_id) FROM appeals")).scalar()
        # The deputy's own region too: region 5 may hold none of their appeals.
        deputy_region = db.session.execute(
            text(
                "SELECT b.region_id FROM appeals a JOIN branches b ON b.id = a.branch_id WHERE a.deputy_id = :d LIMIT 1"
            ),
            {"d": deputy},
        ).scalar()
        from reception.reports.tasks import refresh_summary

        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        started, cpu, pg_cpu = time.perf_counter(), time.process_time(), process_cpu(backend)
        refresh_summary()  # the periodic job the dashboard's figures come from
        pg_cpu = process_cpu(backend) - pg_cpu
        summary_rows = db.session.execute(text("SELECT count(*) FROM report_counts")).scalar()
        print(
            f"summary refreshed in {time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} s CPU here, "
            f"{pg_cpu:.1f} s CPU in its PostgreSQL backend, "
            f"peak RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB): "
            f"{summary_rows:,} rows; load average {os.getloadavg()[0]:.1f}"
        )
        engine = db.engine
    client = app.test_client()
    client.post("/auth/login", data={"email": "bench-analyst@bench.kz", "password": "bench password"})
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(1))

    def timed(url: str) -> tuple[list[float], list[float], int]:
        client.get(url)  # warm up
        walls, cpus = [], []
        for _ in range(runs):
            statements.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            cpus.append((time.process_time() - cpu) * 1000)
            walls.append((time.perf_counter() - wall) * 1000)
            assert response.status_code == 200, response.status_code
        return walls, cpus, len(statements)

    print(f"{count:,} appeals in {schema}; {runs} runs each; load average {os.getloadavg()[0]:.1f}")
    results = {}
    for name, url in (
        ("GET /bench/ping (trivial)", "/bench/ping"),
        ("dashboard, one year, all", "/reports/dashboard"),
        ("one region", "/reports/dashboard?region=5"),
        ("one branch", f"/reports/dashboard?branch={branch}"),
        ("one topic", "/reports/dashboard?topic=3"),
        ("one deputy", f"/reports/dashboard?deputy={deputy}"),
        ("one channel", "/reports/dashboard?channel=online"),
        ("topic + channel", "/reports/dashboard?topic=3&channel=online"),
        ("region + topic", "/reports/dashboard?region=5&topic=3"),
        ("branch + channel", f"/reports/dashboard?branch={branch}&channel=online"),
        ("region + topic + channel", "/reports/dashboard?region=5&topic=3&channel=online"),
        ("region + deputy", f"/reports/dashboard?region=5&deputy={deputy}"),
        ("region of the deputy + deputy", f"/reports/dashboard?region={deputy_region}&deputy={deputy}"),
        ("topic + deputy", f"/reports/dashboard?topic=3&deputy={deputy}"),
    ):
        walls, cpus, n_sql = timed(url)
        walls.sort()
        p95 = walls[max(0, int(len(walls) * 0.95) - 1)]
        median = statistics.median(walls)
        results[name] = median
        ratio = median / results["GET /bench/ping (trivial)"]
        print(
            f"{name:30s} median {median:8.1f} ms  p95 {p95:8.1f} ms  CPU {statistics.median(cpus):7.1f} ms  "
            f"{n_sql:3d} SQL  {ratio:7.1f}x trivial"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    base_url = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    engine = create_engine(base_url)
    for size in (int(s) for s in args.sizes.split(",")):
        schema = f"bench_reports_{size}"
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM information_schema.tables WHERE table_schema = :s AND table_name = 'appeals'"),
                {"s": schema},
            ).scalar()
        if args.rebuild or not exists:
            build(base_url, schema, size)
        measure(base_url, schema, args.runs)


if __name__ == "__main__":
    main()
