"""Staff search on the appeals list (#16) by IIN, registration number, tracking code, surname and a word, over
100,000 and 1,000,000 appeals in PostgreSQL: the list as it was at commit 7d648a7 ("before": an exact COUNT and the
first page sorted from one WHERE whose name or word search is one OR) beside `appeals.listing.list_page` now
("after": the name and word branches each on its index, ids united, the count capped), with the app's trivial
endpoint measured in the same run. The schema is migrated to head, so the trigram index of migration 0033 is there
for both.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/search.py

With `--before REV` (say main), "before" is instead that revision's `appeals/listing.py` and `appeals/index.html`
(loaded from git into this process) beside this tree's.

For each size it builds its own schema `bench_search_<size>` in that database (one citizen per two appeals,
surnames from 40 stems, summaries from 12 phrases, each appeal registered at its own time; made by INSERT ... SELECT generate_series, once; --rebuild
to start over), signs in an administrator (who sees every branch) and a staff member of the branch holding the
appeals (whose list is scoped to it), and GETs `/appeals/?q=...` through the WSGI app (no network): the whole list
page, its count and its first 50 rows. "before" swaps `listing.list_page` for the code of 7d648a7. The requests are
interleaved (ping, then each query before and after, round after round), so drift on a shared machine hits all
alike. Prints the median and 95th percentile wall time, the CPU time of this process (the rest is PostgreSQL's),
the SQL statements per request and the ratio to `/bench/ping`.
"""

import argparse
import math
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchapp import fresh_schema, make_app
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
        # Two appeals per citizen; registration numbers over five years so the sequence fits six digits; each
        # registered at its own second (as at a real intake desk), over the last 1,800 days.
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
                   c.first + g % :citizens, '',
                   now() - (g % 1800) * interval '1 day' - (g / 1800) * interval '1 second',
                   current_date - g % 1800, current_date - g % 1800 + 21, 1, now(), 0, '', '', ''
            FROM generate_series(0, :total - 1) g, c, t, b"""),
            {"total": total, "citizens": citizens, "phrases": list(PHRASES)},
        )
        db.session.commit()
        # As autovacuum would leave them: the GIN indexes' pending lists merged, the statistics taken.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE citizens"))
            conn.execute(text("VACUUM ANALYZE appeals"))
        print(f"built {total:,} appeals and {citizens:,} citizens in {schema} in {time.perf_counter() - started:.1f} s")


def old_search_filter(query: str):
    """The search at commit 7d648a7: an IIN, number or tracking code on its index, else one OR of name and words."""
    from sqlalchemy import func, or_, select

    from reception.appeals import fulltext
    from reception.appeals import operations as ops
    from reception.appeals.models import Appeal, Citizen
    from reception.extensions import db

    branches = ops.search_branches(query)
    if len(branches) == 1:
        return branches[0]
    like = f"%{query.strip().lower()}%"
    return or_(
        Appeal.citizen_id.in_(select(Citizen.id).where(func.lower(Citizen.full_name).like(like))),
        fulltext.matches(query.strip(), db.session.get_bind().dialect.name),
    )


def old_list_page(f, user, now, today, page, per_page=50):
    """The list at commit 7d648a7: one WHERE (the search an OR), an exact COUNT, the page sorted from all matches."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import joinedload

    from reception.appeals import listing
    from reception.appeals.models import Appeal
    from reception.extensions import db

    where = listing.conditions(f, user, now, today, search=False)
    if f.query:
        where.append(old_search_filter(f.query))
    total = db.session.scalar(select(func.count(Appeal.id)).where(*where)) or 0
    stmt = (
        select(Appeal)
        .where(*where)
        .options(joinedload(Appeal.topic), joinedload(Appeal.branch), joinedload(Appeal.citizen))
        .order_by(Appeal.registered_dt.desc(), Appeal.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    items = list(db.session.scalars(stmt))
    return listing.ListPage(items, page, per_page, total, has_next=page * per_page < total)


def revision_page(revision: str):
    """`list_page` of `appeals/listing.py` as at `revision`, loaded from git beside the current one (its relative
    imports resolve in this tree: listing.py is the only file of the search that changed since), and a Jinja loader
    that serves that revision's `appeals/index.html` before this tree's templates."""
    import importlib.util
    import subprocess
    import tempfile

    from jinja2 import FileSystemLoader

    root = Path(__file__).resolve().parent.parent

    def show(path: str) -> str:
        return subprocess.run(["git", "show", f"{revision}:{path}"], cwd=root, check=True, capture_output=True).stdout

    folder = Path(tempfile.mkdtemp(prefix=f"bench-search-{revision[:12]}-"))
    (folder / "listing.py").write_bytes(show("reception/appeals/listing.py"))
    (folder / "templates" / "appeals").mkdir(parents=True)
    (folder / "templates" / "appeals" / "index.html").write_bytes(show("templates/appeals/index.html"))
    spec = importlib.util.spec_from_file_location("reception.appeals._listing_before", folder / "listing.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.list_page, FileSystemLoader(str(folder / "templates"))


def measure(base_url: str, schema: str, runs: int, before_runs: int, before: str = "7d648a7") -> None:
    from urllib.parse import quote

    from flask_migrate import upgrade
    from jinja2 import ChoiceLoader

    from reception.accounts import operations as account_ops
    from reception.accounts.models import Role
    from reception.appeals import listing
    from reception.appeals.codes import new_tracking_code
    from reception.directory.models import Branch
    from reception.extensions import db

    current_page = listing.list_page
    app = make_app(base_url, schema)
    current_loader = app.jinja_env.loader
    if before == "7d648a7":
        before_page, before_loader = old_list_page, current_loader
    else:
        before_page, template_loader = revision_page(before)
        before_loader = ChoiceLoader([template_loader, current_loader])
    with app.app_context():
        started = time.perf_counter()
        upgrade()  # 0033's trigram index, on a schema built before it
        print(f"migrated to head in {time.perf_counter() - started:.1f} s")
        if account_ops.find_user("bench-admin@bench.kz") is None:
            account_ops.create_user(
                email="bench-admin@bench.kz", full_name="Bench", password="bench password", role=Role.admin
            )
            db.session.commit()
        if account_ops.find_user("bench-staff@bench.kz") is None:
            branch = db.session.execute(text("SELECT id FROM branches WHERE code = 'ALM-03'")).scalar()
            account_ops.create_user(
                email="bench-staff@bench.kz",
                full_name="Bench staff",
                password="bench password",
                role=Role.staff,
                branch=db.session.get(Branch, branch),
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
    clients = {}
    for who in ("admin", "staff"):
        clients[who] = app.test_client()
        clients[who].post("/auth/login", data={"email": f"bench-{who}@bench.kz", "password": "bench password"})
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(1))

    queries = {
        "IIN": ("admin", iin),
        "registration number": ("admin", number),
        "tracking code": ("admin", code),
        "surname (1 in 40)": ("admin", "Ахметова"),
        "surname (no one)": ("admin", "Жумабайова"),
        "word (1 appeal in 12)": ("admin", "освещение"),
        "rare word (1 appeal)": ("admin", "654321"),
        "staff: surname (1 in 40)": ("staff", "Ахметова"),
        "staff: word (1 in 12)": ("staff", "освещение"),
    }
    cases = [("GET /bench/ping (trivial)", "/bench/ping", "admin", None)]
    for kind, (who, q) in queries.items():
        for variant, page_of in (("before", before_page), ("after", current_page)):
            cases.append((f"{kind}: {variant}", f"/appeals/?q={quote(q)}", who, page_of))
    samples = {name: ([], [], []) for name, _, _, _ in cases}

    def once(name: str, url: str, who: str, page_of) -> str:
        if page_of is not None:
            listing.list_page = page_of
        # Jinja caches a template per loader, so each variant keeps its own compiled page.
        app.jinja_env.loader = before_loader if page_of is before_page else current_loader
        try:
            statements.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            response = clients[who].get(url)
            cpu = (time.process_time() - cpu) * 1000
            wall = (time.perf_counter() - wall) * 1000
        finally:
            listing.list_page = current_page
            app.jinja_env.loader = current_loader
        assert response.status_code == 200, (url, response.status_code)
        walls, cpus, sqls = samples[name]
        walls.append(wall)
        cpus.append(cpu)
        sqls.append(len(statements))
        return response.get_data(as_text=True)

    shown = {}
    for case in cases:  # warm up: caches, plans, pages of the tables; and the same rows before and after
        page = once(*case)
        shown[case[0]] = (re.findall(r'data-appeal="([^"]+)"', page), re.search(r'data-total="(\d+)"', page))
    for kind in queries:
        (before_rows, before_total), (after_rows, after_total) = shown[f"{kind}: before"], shown[f"{kind}: after"]
        assert before_rows == after_rows, kind
        capped = int(before_total.group(1)) > 1000 and int(after_total.group(1)) == 1000
        assert capped or before_total.group(1) == after_total.group(1), kind
        print(f"{kind}: the same {len(after_rows)} rows before and after; found {before_total.group(1)}")
    for name in samples:
        for kept in samples[name]:
            kept.clear()
    for round_ in range(runs):
        for case in cases:
            if case[0].endswith(": before") and round_ >= before_runs:
                continue
            once(*case)

    print(f"{count:,} appeals in {schema}; {runs} interleaved rounds ({before_runs} for 'before')")
    ping = statistics.median(samples[cases[0][0]][0])
    for name, _, _, _ in cases:
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
        "--before",
        default="7d648a7",
        help="7d648a7: the list before the search was split (a copy here); any other revision: its listing.py and "
        "appeals/index.html, loaded from git",
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
        measure(base_url, schema, args.runs, args.before_runs, args.before)


if __name__ == "__main__":
    main()
