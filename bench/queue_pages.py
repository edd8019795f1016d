"""Server time of the deputy's queue (first page, a deep page, the overdue filter) for a deputy with 20,000 appeals,
in PostgreSQL databases of 100,000 and 1,000,000 appeals, before and after (a git revision's code beside this
checkout's), interleaved, beside the trivial endpoint.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test BENCH_REDIS_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python bench/queue_pages.py --before 7d648a7 --rounds 30

For each size and version it builds the schema `bench_queue_<size>_<before|after>` once (that version's migrations,
the directory, 1,000 deputies, then the appeals by INSERT ... SELECT generate_series, VACUUM ANALYZE; --rebuild to
start over): all in one branch, deadlines over a year, half of them open; the measured deputy holds `--mine` of
them whatever the size, so the ratio of the two sizes' times is what the table's size costs. The median and 95th
percentile of N rounds, the CPU of the app's process per request, the statements, and the ratio to `/bench/ping`;
then each version's rate at the largest size against its rate at the smallest (1 / median, and 1 / CPU), every size
and version being timed in the same rounds.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interleave import Worker, export_revision, measure, print_rates, print_table, schema_exists

DEPUTIES = """
INSERT INTO deputies (full_name, body_id, mandate_type, is_active, email, phone)
SELECT 'Депутат ' || g, (SELECT id FROM representative_bodies WHERE code = 'MAZHILIS'), 'party_list', true, '', ''
FROM generate_series(1, 1000) g"""

APPEALS = """
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
JOIN branches b ON b.code = 'ALM-03'"""

DEEP = (
    "SELECT deadline || '_' || id FROM appeals WHERE deputy_id = (SELECT min(id) FROM deputies) "
    "ORDER BY deadline, id OFFSET 15000 LIMIT 1"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="7d648a7", help="the git revision timed as 'before'")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--mine", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    base_url = os.environ["BENCH_DATABASE_URL"]
    trees = {"before": export_revision(args.before), "after": Path(__file__).resolve().parent.parent}
    sizes = [int(s) for s in args.sizes.split(",")]
    workers = {}
    for size in sizes:
        for version, tree in trees.items():
            schema = f"bench_queue_{size}_{version}"
            worker = workers[f"{version} {size:,}"] = Worker(tree, schema)
            if args.rebuild or not schema_exists(base_url, schema):
                sql = APPEALS.replace(":total", str(size)).replace(":mine", str(args.mine))
                print(f"{schema}: built in {worker.ask(cmd='build', sql=[DEPUTIES, sql])['seconds']:.1f} s")
            status = worker.ask(cmd="login", email="bench-deputy@bench.kz", role="deputy", first_deputy=True)["status"]
            assert status == 302, status
    # Every size and version in the same rounds, so that the machine's load weighs on all alike.
    deep = {label: f"/deputy-queue/?after={w.ask(cmd='query', sql=DEEP)['value']}" for label, w in workers.items()}
    cases = [
        ("GET /bench/ping (trivial)", "/bench/ping"),
        ("first page", "/deputy-queue/"),
        ("deep page (row 15,000)", deep),
        ("first page, overdue filter", "/deputy-queue/?overdue=1"),
    ]
    results = measure(workers, cases, args.rounds)
    print_table(f"sizes {args.sizes}, {args.rounds} rounds", results, cases, list(workers))
    if len(sizes) > 1:
        print_rates(results, cases, list(trees), min(sizes), max(sizes))
    for worker in workers.values():
        worker.close()


if __name__ == "__main__":
    main()
