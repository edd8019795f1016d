"""Staff search on the appeals list (#16) by IIN, registration number, tracking code, surname and a word, over
100,000 and 1,000,000 appeals in PostgreSQL: the old single OR query ("before") beside the current
`appeals.operations.search_filter` ("after"), with the app's trivial endpoint measured in the same run.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/search.py

For each size it builds its own schema `bench_search_<size>` in that database (one citizen per two appeals,
surnames from 40 stems, summaries from 12 phrases; made by INSERT ... SELECT generate_series, once; --rebuild
to start over), signs in an administrator (who sees every branch) and GETs `/appeals/?q=...` through the WSGI
app (no network): the whole list page, its count and its first 50 rows, as staff see it. "before" swaps
`search_filter` for the OR of every kind of match that it was before commit 35776af. The requests are
interleaved (ping, then each query before and after, round after round), so drift on a shared machine hits all
alike. Prints the median and 95th percentile wall time, the CPU time of this process (the rest is PostgreSQL's),
the SQL statements per request and the ratio to `/bench/ping`.
"""

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchapp import fresh_schema, make_app, url_with_schema
from sqlalchemy import create_engine, event, text

STEMS = [
    "Абдрахман",
    "Ахмет",
    "Байжан",
    "Бекмухамбет",
    "Дауылбай",
    "Ермек",
    "Жумабай",
    "Жаксыбек",
    "Иманбай",
    "Кайрат",
    "Калиакпар",
    "Мукан",
    "Нурлан",
    "Омар",
    "Оспан",
    "Рахим",
    "Сагындык",
    "Сарсенбай",
    "Серик",
    "Тулеген",
    "Утеген",
    "Шаймерден",
    "Ыскак",
    "Есенгел",
    "Абиш",
    "Бекет",
    "Даулет",
    "Ержан",
    "Жандос",
    "Касым",
    "Мамыт",
    "Нуржан",
    "Сапар",
    "Темир",
    "Толеу",
    "Уали",
    "Хасен",
    "Шакен",
    "Айтбай",
    "Болат",
]
PHRASES = (
    "Нет воды в доме",
    "Ремонт дороги во дворе",
    "Уличное освещение не работает",
    "Вывоз мусора не проводится",
    "Отопление в школе",
    "Очередь в детский сад",
    "Тариф на газ",
    "Снос аварийного дома",
    "Пособие по инвалидности",
    "Земельный участок под строительство",
    "Остановка общественного транспорта",
    "Шум от стройки ночью",
)


def build(base_url: str, schema: str, total: int) -> None:
    from reception.extensions import db

    app = fresh_schema(base_url, schema)
    with app.app_context():
        started = time.perf_counter()
        citizens = total // 2
        db.session.execute(
            text("""
            INSERT INTO citizens (iin, full_name, phone, email, address, language, consent_dt, consent_version,
                may_be_named, may_be_told, created_dt)
            SELECT lpad((700000000000 + g)::text, 12, '0'),
                   (CAST(:stems AS text[]))[1 + g % 40] || CASE WHEN g % 2 = 0 THEN 'ов' ELSE 'ова' END || ' '
                       || (CAST(:names AS text[]))[1 + (g / 40) % 12] || ' ' || (CAST(:names AS text[]))[1 + (g / 480) % 12] || 'ович',
                   '', '', '', 'ru', now(), 'bench', false, false, now()
            FROM generate_series(1, :citizens) g"""),
            {"citizens": citizens, "stems": STEMS, "names": STEMS[:12]},
        )
        # Two appeals per citizen; registration numbers over five years so the sequence fits six digits.
        db.session.execute(
            text("""
            WITH c AS (SELECT min(id) AS first FROM citizens),
                 t AS (SELECT min(id) AS first, count(*) AS n FROM topics),
                 b AS (SELECT id FROM branches WHERE code = 'ALM-03')
            INSERT INTO appeals (registration_number, branch_id, year, sequence, tracking_code, pin_hash, type, topic_id,
                summary, text, channel, language, is_collective, cosigners, state, citizen_id,
                duplicate_override_reason, registered_dt, counting_from, deadline, version, updated_dt,
                escalation_level, contact_phone, contact_email, outgoing_letter_number)
            SELECT 'ALM-03/' || (2020 + g / 200000) || '/' || lpad((g % 200000 + 1)::text, 6, '0'), b.id,
                   2020 + g / 200000, g % 200000 + 1, 'BS' || lpad(g::text, 12, '0'), repeat('0', 64), 'request',
                   t.first + g % t.n, (CAST(:phrases AS text[]))[1 + g % 12], 'Текст обращения номер ' || g,
                   'walk_in', 'ru', false, 0, (ARRAY['routed','in_progress','resolved','closed'])[1 + g % 4],
                   c.first + g % :citizens, '', now() - (g % 1800) * interval '1 day',
                   current_date - g % 1800, current_date - g % 1800 + 21, 1, now(), 0, '', '', ''
            FROM generate_series(0, :total - 1) g, c, t, b"""),
            {"total": total, "citizens": citizens, "phrases": list(PHRASES)},
        )
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"built {total:,} appeals and {citizens:,} citizens in {schema} in {time.perf_counter() - started:.1f} s")


def old_search_filter(query: str):
    """The search before commit 35776af: one OR over number, citizen (IIN or name) and full text."""
    from sqlalchemy import func, or_, select

    from reception.appeals import fulltext
    from reception.appeals.models import Appeal, Citizen
    from reception.extensions import db

    q = query.strip()
    return or_(
        Appeal.registration_number == q.upper(),
        Appeal.citizen_id.in_(
            select(Citizen.id).where(or_(Citizen.iin == q, func.lower(Citizen.full_name).like(f"%{q.lower()}%")))
        ),
        fulltext.matches(q, db.session.get_bind().dialect.name),
    )


def add_trigram_index(base_url: str, schema: str) -> None:
    """What names would need (not shipped: it is a migration): pg_trgm and a trigram index on the lowered name."""
    engine = create_engine(url_with_schema(base_url, schema))
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        conn.execute(
            text(
                "CREATE INDEX IF NOT EXISTS bench_citizens_name_trgm ON citizens USING gin (lower(full_name) public.gin_trgm_ops)"
            )
        )
        conn.execute(text("ANALYZE citizens"))
    print(f"trigram index on citizens' names (bench only) in {time.perf_counter() - started:.1f} s")


def measure(base_url: str, schema: str, runs: int, before_runs: int) -> None:
    from urllib.parse import quote

    from flask_migrate import upgrade

    from reception.accounts import operations as account_ops
    from reception.accounts.models import Role
    from reception.appeals import operations as appeal_ops
    from reception.appeals.codes import new_tracking_code
    from reception.extensions import db

    current_filter = appeal_ops.search_filter
    app = make_app(base_url, schema)
    with app.app_context():
        upgrade()
        trigram = db.session.execute(
            text("SELECT 1 FROM pg_indexes WHERE indexname = 'bench_citizens_name_trgm' AND schemaname = :s"),
            {"s": schema},
        ).scalar()
        if account_ops.find_user("bench-admin@bench.kz") is None:
            account_ops.create_user(
                email="bench-admin@bench.kz", full_name="Bench", password="bench password", role=Role.admin
            )
            db.session.commit()
        count = db.session.execute(text("SELECT count(*) FROM appeals")).scalar()
        # A real (check-symbol) tracking code on one appeal, in the middle of the table.
        code = db.session.execute(
            text("SELECT tracking_code FROM appeals WHERE id = (SELECT min(id) + :half FROM appeals)"),
            {"half": count // 2},
        ).scalar()
        if code.startswith("BS"):
            code = new_tracking_code()
            db.session.execute(
                text("UPDATE appeals SET tracking_code = :code WHERE id = (SELECT min(id) + :half FROM appeals)"),
                {"code": code, "half": count // 2},
            )
            db.session.commit()
        iin, number = db.session.execute(
            text(
                "SELECT c.iin, a.registration_number FROM appeals a JOIN citizens c ON c.id = a.citizen_id "
                "WHERE a.id = (SELECT min(id) + :third FROM appeals)"
            ),
            {"third": count // 3},
        ).one()
        engine = db.engine
    client = app.test_client()
    client.post("/auth/login", data={"email": "bench-admin@bench.kz", "password": "bench password"})
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(1))

    queries = {
        "IIN": iin,
        "registration number": number,
        "tracking code": code,
        "surname": "Жумабайова",
        "word (1 appeal in 12)": "освещение",
        "rare word (1 appeal)": "654321",
    }
    cases = [("GET /bench/ping (trivial)", "/bench/ping", None)]
    for kind, q in queries.items():
        for variant, search in (("before", old_search_filter), ("after", current_filter)):
            cases.append((f"{kind}: {variant}", f"/appeals/?q={quote(q)}", search))
    samples = {name: ([], [], []) for name, _, _ in cases}

    def once(name: str, url: str, search) -> None:
        if search is not None:
            appeal_ops.search_filter = search
        try:
            statements.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            cpu = (time.process_time() - cpu) * 1000
            wall = (time.perf_counter() - wall) * 1000
        finally:
            appeal_ops.search_filter = current_filter
        assert response.status_code == 200, (url, response.status_code)
        walls, cpus, sqls = samples[name]
        walls.append(wall)
        cpus.append(cpu)
        sqls.append(len(statements))

    for name, url, search in cases:  # warm up: caches, plans, pages of the tables
        once(name, url, search)
    for name in samples:
        for kept in samples[name]:
            kept.clear()
    for round_ in range(runs):
        for name, url, search in cases:
            if name.endswith(": before") and round_ >= before_runs:
                continue
            once(name, url, search)

    print(
        f"{count:,} appeals in {schema}; {runs} interleaved rounds ({before_runs} for 'before')"
        + ("; with the bench-only trigram index on names" if trigram else "")
    )
    ping = statistics.median(samples[cases[0][0]][0])
    for name, _, _ in cases:
        walls, cpus, sqls = samples[name]
        walls = sorted(walls)
        p95 = walls[min(len(walls) - 1, math.ceil(len(walls) * 0.95) - 1)]
        median = statistics.median(walls)
        print(
            f"{name:32s} median {median:9.1f} ms  p95 {p95:9.1f} ms  CPU {statistics.median(cpus):7.1f} ms  "
            f"{max(sqls):3d} SQL  {median / ping:8.1f}x trivial"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--before-runs", type=int, default=3, help="rounds that include the slow old query")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--trigram", action="store_true", help="add pg_trgm and a trigram index on names first (not in the app)"
    )
    args = parser.parse_args()
    base_url = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    engine = create_engine(base_url)
    for size in (int(s) for s in args.sizes.split(",")):
        schema = f"bench_search_{size}"
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM information_schema.tables WHERE table_schema = :s AND table_name = 'appeals'"),
                {"s": schema},
            ).scalar()
        if args.rebuild or not exists:
            build(base_url, schema, size)
        if args.trigram:
            add_trigram_index(base_url, schema)
        measure(base_url, schema, args.runs, args.before_runs)


if __name__ == "__main__":
    main()
