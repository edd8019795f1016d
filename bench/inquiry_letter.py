"""The inquiry letter of 200 appeals: DOCX render time and PDF (LibreOffice) time, each beside the same work
for a one-appeal letter measured in the same run, interleaved, with CPU time beside wall time.

    .venv/bin/python bench/inquiry_letter.py                    # an SQLite file in a temporary folder
    .venv/bin/python bench/inquiry_letter.py --appeals 200 --runs 5 --language kk
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/inquiry_letter.py

Machines here are shared and noisy, so an absolute number means little alone: the one-appeal letter is the
floor of the same machine at the same moment (for the PDF: LibreOffice starting with a fresh profile, which is
what each conversion does), and the ratio 200/1 says what the appeals themselves cost. Runs are interleaved
(200, 1, 1, 200, ...) so a slow moment falls on both. CPU is the process's own for the DOCX and LibreOffice's
(the children's rusage) for the PDF. Targets (issue #14): DOCX < 1 s, PDF < 3 s for 200 appeals.
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

from inquiry_docx import database_url, routed_appeals  # the same database set-up and appeals as the DOCX bench
from sqlalchemy import select

TARGETS = {"docx": 1.0, "pdf": 3.0}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(action, *, children: bool) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds, result) of `action()`."""
    cpu_before = _children_cpu() if children else time.process_time()
    started = time.perf_counter()
    result = action()
    wall = time.perf_counter() - started
    cpu = (_children_cpu() if children else time.process_time()) - cpu_before
    return wall, cpu, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appeals", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5, help="interleaved rounds (each round: both sizes)")
    parser.add_argument("--language", choices=("ru", "kk"), default="ru")
    parser.add_argument("--no-pdf", action="store_true", help="only the DOCX (no LibreOffice here)")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from config import Config
    from reception import create_app
    from reception.accounts import operations as account_ops
    from reception.accounts.models import Role
    from reception.directory.loader import load_directory
    from reception.directory.models import Branch, Deputy, GovernmentBody, MandateType, RepresentativeBody
    from reception.documents.convert import docx_to_pdf
    from reception.extensions import db
    from reception.inquiries import documents, summaries
    from reception.inquiries import operations as ops

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = database_url()
        REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

    app = create_app(BenchConfig)
    with app.app_context(), app.test_request_context():
        upgrade()
        load_directory()
        body = db.session.scalar(select(RepresentativeBody).where(RepresentativeBody.code == "MAZHILIS"))
        deputy = Deputy(full_name="Ахметов Серик Болатович", body=body, mandate_type=MandateType.single_mandate)
        cosigner = Deputy(full_name="Соавторова Гульмира Ерлановна", body=body, mandate_type=MandateType.party_list)
        db.session.add_all([deputy, cosigner])
        user = account_ops.create_user(
            email="bench@bench.kz", full_name="Bench", password="bench-password-1", role=Role.deputy, deputy=deputy
        )
        branch = db.session.scalar(select(Branch).where(Branch.code == "ALM-03"))
        appeals = routed_appeals(args.appeals, deputy, branch, topics_used=5)
        ministry = db.session.scalar(select(GovernmentBody).where(GovernmentBody.code == "MIN-LABOUR"))
        letters = {}
        for size, chosen in ((args.appeals, appeals), (1, appeals[:1])):
            inquiry = ops.create_inquiry(chosen, user=user, addressee=ministry, language=args.language)
            inquiry.cosigners = [cosigner]
            db.session.flush()
            if args.language == "kk":  # Russian-language appeals are told in Kazakh for a Kazakh letter
                summaries.set_letter_summaries(
                    inquiry, {a.id: f"{a.id}-үйде үш апта бойы су жоқ" for a in chosen}, user=user
                )
            letters[size] = inquiry
        db.session.commit()

        sizes = [args.appeals, 1]
        docx = {size: documents.render_docx(letters[size]) for size in sizes}  # warm the template cache
        results = {(kind, size): [] for kind in ("docx", "pdf") for size in sizes}
        if not args.no_pdf:
            docx_to_pdf(docx[1])  # LibreOffice's first start on this machine (fonts, caches) is not counted
        for run in range(args.runs):
            order = sizes if run % 2 == 0 else sizes[::-1]
            for size in order:
                wall, cpu, docx[size] = measure(lambda s=size: documents.render_docx(letters[s]), children=False)
                results[("docx", size)].append((wall, cpu))
            if not args.no_pdf:
                for size in order:
                    wall, cpu, _pdf = measure(lambda s=size: docx_to_pdf(docx[s]), children=True)
                    results[("pdf", size)].append((wall, cpu))

    dialect = "postgresql" if "postgresql" in BenchConfig.SQLALCHEMY_DATABASE_URI else "sqlite"
    print(
        f"inquiry letter ({args.language}) with {args.appeals} appeals vs 1, {dialect}, {args.runs} interleaved rounds,"
        f" DOCX {len(docx[args.appeals]) / 1024:.1f} KB, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    for kind in ("docx", "pdf"):
        if not results[(kind, 1)]:
            continue
        big, floor = results[(kind, args.appeals)], results[(kind, 1)]
        big_wall = statistics.median(w for w, _ in big)
        floor_wall = statistics.median(w for w, _ in floor)
        print(
            f"  {kind:4s} {args.appeals:3d} appeals: wall median {big_wall * 1000:7.0f} ms (max {max(w for w, _ in big) * 1000:.0f}),"
            f" CPU median {statistics.median(c for _, c in big) * 1000:7.0f} ms"
        )
        print(
            f"  {kind:4s}   1 appeal : wall median {floor_wall * 1000:7.0f} ms (max {max(w for w, _ in floor) * 1000:.0f}),"
            f" CPU median {statistics.median(c for _, c in floor) * 1000:7.0f} ms"
        )
        target = TARGETS[kind]
        print(
            f"  {kind:4s} ratio 200/1 {big_wall / floor_wall:5.2f}; target {target:.0f} s:"
            f" {big_wall / target:4.2f} of it ({'met' if big_wall < target else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
