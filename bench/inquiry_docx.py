"""Time to generate the DOCX of a deputy inquiry with 200 linked appeals (the issue asks for under 1 s).

    .venv/bin/python bench/inquiry_docx.py                      # an SQLite file in a temporary folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/inquiry_docx.py

With PostgreSQL it works in its own schema `bench_inquiry` (dropped and made again each run). It drafts the
inquiry from 200 appeals (each with a citizen), then times N runs of
- render: the template filled and saved (documents.render_docx), on an inquiry already loaded;
- generate: what the "Make DOCX" button does, from a fresh session: load the inquiry, its 200 appeals, their
  places and topics, render, store the numbered version, commit;
and prints the median and the slowest run of each, and the size of the file.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, select, text

SCHEMA = "bench_inquiry"


def database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        return f"sqlite:///{tempfile.mkdtemp(prefix='qabyldau-bench-')}/bench.db"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{SCHEMA}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appeals", type=int, default=200)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from config import Config
    from reception import create_app
    from reception.accounts import operations as account_ops
    from reception.accounts.models import Role, User
    from reception.directory.loader import load_directory
    from reception.directory.models import Branch, Deputy, GovernmentBody, MandateType, RepresentativeBody
    from reception.extensions import db
    from reception.inquiries import documents
    from reception.inquiries import operations as ops
    from reception.inquiries.models import Inquiry

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = database_url()
        REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

    app = create_app(BenchConfig)
    with app.app_context(), app.test_request_context():
        upgrade()
        load_directory()
        body = db.session.scalar(select(RepresentativeBody).where(RepresentativeBody.code == "MAZHILIS"))
        deputy = Deputy(full_name="Ахметов Серик Болатович", body=body, mandate_type=MandateType.single_mandate)
        db.session.add(deputy)
        user = account_ops.create_user(
            email="bench@bench.kz", full_name="Bench", password="bench-password-1", role=Role.deputy, deputy=deputy
        )
        branch = db.session.scalar(select(Branch).where(Branch.code == "ALM-03"))
        appeals = routed_appeals(args.appeals, deputy, branch, topics_used=3)
        ministry = db.session.scalar(select(GovernmentBody).where(GovernmentBody.code == "MIN-INTERNAL"))
        inquiry = ops.create_inquiry(appeals, user=user, addressee=ministry, language="ru")
        db.session.commit()
        inquiry_id, user_id = inquiry.id, user.id

        render = []
        for _ in range(args.runs):
            started = time.perf_counter()
            content = documents.render_docx(inquiry)
            render.append(time.perf_counter() - started)

        generate = []
        for _ in range(args.runs):
            db.session.expunge_all()
            started = time.perf_counter()
            fresh = db.session.get(Inquiry, inquiry_id)
            documents.generate(fresh, user=db.session.get(User, user_id))
            db.session.commit()
            generate.append(time.perf_counter() - started)

    dialect = "postgresql" if "postgresql" in BenchConfig.SQLALCHEMY_DATABASE_URI else "sqlite"
    print(f"inquiry with {args.appeals} appeals, {dialect}, {args.runs} runs, DOCX {len(content) / 1024:.1f} KB")
    for name, times in (("render", render), ("generate", generate)):
        print(f"  {name:9s} median {statistics.median(times) * 1000:7.1f} ms   slowest {max(times) * 1000:7.1f} ms")


def routed_appeals(count: int, deputy, branch, topics_used: int) -> list:
    """`count` walk-in complaints of `branch`, each with its own citizen, spread over the first `topics_used`
    topics and routed to `deputy`, without notifications (shared with bench/inquiry_letter.py)."""
    from reception.appeals import operations as appeal_ops
    from reception.appeals.models import AppealType, Channel
    from reception.appeals.signals import appeal_changed
    from reception.directory.models import Topic
    from reception.extensions import db

    topics = list(db.session.scalars(select(Topic).order_by(Topic.position)))
    appeals = []
    with appeal_changed.muted():  # no notifications for bench data
        for n in range(count):
            citizen = appeal_ops.record_citizen(
                appeal_ops.CitizenData(
                    iin=_iin(n),
                    full_name=f"Гражданин Номер {n}",
                    birth_date=None,
                    phone=f"+7701{n:07d}",
                    email="",
                    address=f"ул. Абая, д. {n}",
                    region=None,
                    district=None,
                    language="ru",
                    may_be_named=n % 3 == 0,
                ),
                taken_by=None,
                consent=True,
            )
            appeal = appeal_ops.register_appeal(
                branch=branch,
                citizen=citizen,
                type=AppealType.complaint,
                topic=topics[n % topics_used],
                summary=f"Проблема с водоснабжением, дом {n}",
                text="Нет воды третью неделю.",
                channel=Channel.walk_in,
                language="ru",
                district=branch.district,
            ).appeal
            appeal_ops.route_appeal(appeal, deputy, user=None)
            appeals.append(appeal)
    return appeals


def _iin(n: int) -> str:
    """The n-th valid IIN of people born on 1 January 1990 (some serial numbers have no check digit)."""
    from reception.appeals.iin import check_digit

    found = -1
    for serial in range(10000):
        base = f"9001013{serial:04d}"
        if check_digit(base) is not None:
            found += 1
            if found == n:
                return base + str(check_digit(base))
    raise ValueError(n)


if __name__ == "__main__":
    main()
