"""Server time of the deputy's queue: first page and a deep page, for a deputy with 20,000 appeals in a
PostgreSQL database of 1,000,000 appeals.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/queue_pages.py

It builds its own schema `bench_queue` in that database (the data is made by SQL in bulk, once; pass
--rebuild to start over), then times each page through the WSGI app (no network) and prints the median
and 95th percentile of N runs, with the number of SQL statements per page.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, text

SCHEMA = "bench_queue"


def url_with_schema(url: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{SCHEMA}"


def build(base_url: str, total: int, mine: int) -> None:
    from flask_migrate import upgrade

    from config import Config
    from reception import create_app
    from reception.directory.loader import load_directory
    from reception.extensions import db

    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url_with_schema(base_url)
        REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

    app = create_app(BenchConfig)
    with app.app_context():
        upgrade()
        load_directory()
        db.session.commit()
        started = time.perf_counter()
        db.session.execute(
            text("""
            INSERT INTO deputies (full_name, body_id, mandate_type, is_active, email, phone)
            SELECT 'Депутат ' || g, (SELECT id FROM representative_bodies WHERE code = 'MAZHILIS'), 'party_list', true, '', ''
            FROM generate_series(1, 1000) g""")
        )
        db.session.execute(
            text("""
            INSERT INTO appeals (registration_number, branch_id, year, sequence, tracking_code, pin_hash, type, topic_id,
                summary, text, channel, language, is_collective, cosigners, state, deputy_id, duplicate_override_reason,
                registered_dt, counting_from, deadline, version, updated_dt)
            SELECT 'BENCH/' || g, b.id, 2026, g, 'BN' || lpad(g::text, 10, '0'), repeat('0', 64), 'request',
                   (SELECT min(id) FROM topics) + g % 17, 'Обращение ' || g, 'Текст обращения номер ' || g, 'walk_in', 'ru',
                   false, 0,
                   (ARRAY['routed','in_progress','resolved','closed'])[1 + g % 4],
                   CASE WHEN g <= :mine THEN (SELECT min(id) FROM deputies)
                        ELSE (SELECT min(id) FROM deputies) + 1 + g % 999 END,
                   '', now() - (g % 365) * interval '1 day', current_date - g % 365, current_date - g % 365 + 21, 1, now()
            FROM generate_series(1, :total) g
            JOIN branches b ON b.code = 'ALM-03'"""),
            {"total": total, "mine": mine},
        )
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"built {total:,} appeals ({mine:,} for the measured deputy) in {time.perf_counter() - started:.1f} s")


def measure(base_url: str, runs: int) -> None:
    from config import Config
    from reception import create_app
    from reception.accounts import operations as account_ops
    from reception.accounts.models import Role
    from reception.directory.models import Deputy
    from reception.extensions import db

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url_with_schema(base_url)
        REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
        WTF_CSRF_ENABLED = False

    app = create_app(BenchConfig)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()  # bring a schema built by an older revision up to date
        user = account_ops.find_user("bench-deputy@bench.kz")
        if user is None:
            deputy = db.session.scalar(db.select(Deputy).order_by(Deputy.id))
            account_ops.create_user(
                email="bench-deputy@bench.kz",
                full_name="Bench",
                password="bench password",
                role=Role.deputy,
                deputy=deputy,
            )
            db.session.commit()
        count = db.session.execute(text("SELECT count(*) FROM appeals")).scalar()
        mine = db.session.execute(
            text("SELECT count(*) FROM appeals WHERE deputy_id = (SELECT min(id) FROM deputies)")
        ).scalar()
        engine = db.engine
    client = app.test_client()
    client.post("/auth/login", data={"email": "bench-deputy@bench.kz", "password": "bench password"})
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(1))

    def timed(url: str) -> tuple[list[float], int]:
        samples = []
        for _ in range(runs):
            statements.clear()
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        return samples, len(statements)

    # A deep page: continue after the 15,000th row of the deputy's queue.
    with app.app_context():
        deadline, ident = db.session.execute(
            text(
                "SELECT deadline, id FROM appeals WHERE deputy_id = (SELECT min(id) FROM deputies) "
                "ORDER BY deadline, id OFFSET 15000 LIMIT 1"
            )
        ).one()
    print(f"{count:,} appeals in the database, {mine:,} in the measured deputy's queue; {runs} runs each")
    for name, url in (
        ("first page", "/deputy-queue/"),
        ("deep page (row 15,000)", f"/deputy-queue/?after={deadline}_{ident}"),
        ("first page, overdue filter", "/deputy-queue/?overdue=1"),
    ):
        samples, n_sql = timed(url)
        samples.sort()
        p95 = samples[int(len(samples) * 0.95) - 1]
        print(f"{name:28s} median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms   {n_sql} SQL statements")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--mine", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    base_url = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    engine = create_engine(base_url)
    with engine.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM information_schema.tables WHERE table_schema = :s AND table_name = 'appeals'"),
            {"s": SCHEMA},
        ).scalar()
    if args.rebuild or not exists:
        build(base_url, args.total, args.mine)
    measure(base_url, args.runs)


if __name__ == "__main__":
    main()
