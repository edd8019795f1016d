"""The central office's board (`/reports/`) and its workload page at 100,000 and 1,000,000 appeals in PostgreSQL,
before and after (a git revision's code beside this checkout's), interleaved, beside the trivial endpoint.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test BENCH_REDIS_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python bench/board_page.py --before 7d648a7 --rounds 15

For each size and version it builds the schema `bench_board_<size>_<before|after>` once (that version's migrations,
the directory, then the appeals by INSERT ... SELECT generate_series; --rebuild to start over): appeals over all
249 branches and 300 deputies (each branch's go to 4 deputies, as deputies take the appeals of their constituency),
registered over the last year, 3 in 8 still open (1 in 8 awaiting triage), 1 in 50 escalated to its region. The user is a branch head of the central office (KZ-00), who sees the whole country.
"After" counts its snapshot once first (reports.tasks.refresh_board, the periodic job; its time is printed).
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
FROM generate_series(1, 300) g"""

APPEALS = """
WITH b AS (SELECT id, region_id, row_number() OVER (ORDER BY id) - 1 AS n, count(*) OVER () AS c FROM branches),
     d AS (SELECT max(id) - 299 AS first FROM deputies),
     t AS (SELECT min(id) AS first, count(*) AS c FROM topics)
INSERT INTO appeals (registration_number, branch_id, year, sequence, tracking_code, pin_hash, type, topic_id,
    summary, text, channel, language, is_collective, cosigners, state, deputy_id, duplicate_override_reason,
    registered_dt, counting_from, deadline, version, updated_dt, escalation_level, escalated_to_branch_id,
    contact_phone, contact_email, outgoing_letter_number)
SELECT 'BENCH/' || g, br.id, 2026, g, 'BB' || lpad(g::text, 12, '0'), repeat('0', 64), 'request',
       t.first + g % t.c, 'Обращение ' || g, 'Текст', 'walk_in', 'ru', false, 0,
       (ARRAY['registered','routed','in_progress','resolved','closed','rejected','closed','resolved'])[1 + g % 8],
       CASE WHEN g % 8 = 0 THEN NULL ELSE d.first + (br.n * 300 / br.c + g % 4) % 300 END, '',
       now() - (g % 365) * interval '1 day' - (g % 24) * interval '1 hour',
       current_date - g % 365, current_date - g % 365 + 21, 1, now(),
       CASE WHEN g % 50 = 0 THEN 1 ELSE 0 END,
       CASE WHEN g % 50 = 0 THEN (SELECT min(r.id) FROM branches r WHERE r.region_id = br.region_id) END,
       '', '', ''
FROM generate_series(1, :total) g
JOIN b br ON br.n = g % br.c, d, t"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="7d648a7", help="the git revision timed as 'before'")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    base_url = os.environ["BENCH_DATABASE_URL"]
    trees = {"before": export_revision(args.before), "after": Path(__file__).resolve().parent.parent}
    cases = [
        ("GET /bench/ping (trivial)", "/bench/ping"),
        ("board /reports/", "/reports/"),
        ("workload /reports/workload", "/reports/workload"),
    ]
    sizes = [int(s) for s in args.sizes.split(",")]
    workers = {}
    for size in sizes:
        for version, tree in trees.items():
            schema = f"bench_board_{size}_{version}"
            worker = workers[f"{version} {size:,}"] = Worker(tree, schema)
            if args.rebuild or not schema_exists(base_url, schema):
                built = worker.ask(cmd="build", sql=[DEPUTIES, APPEALS.replace(":total", str(size))])
                print(f"{schema}: built in {built['seconds']:.1f} s")
            status = worker.ask(cmd="login", email="bench-central@bench.kz", role="branch_head", branch_code="KZ-00")
            assert status["status"] == 302, status
        took = workers[f"after {size:,}"].ask(cmd="call", target="reception.reports.tasks:refresh_board")
        print(
            f"{size:,}: the board's snapshot counted in {took['seconds'] * 1000:.0f} ms "
            f"({took['cpu'] * 1000:.0f} ms CPU in the app's process)"
        )
    # Every size and version in the same rounds, so that the machine's load weighs on all alike.
    results = measure(workers, cases, args.rounds)
    print_table(f"sizes {args.sizes}, {args.rounds} rounds", results, cases, list(workers))
    if len(sizes) > 1:
        print_rates(results, cases, list(trees), min(sizes), max(sizes))
    for worker in workers.values():
        worker.close()


if __name__ == "__main__":
    main()
