"""The board's figures counted by a periodic job (jobs/schedule.py), so that the board over a million appeals reads
a few thousand rows instead of walking every open appeal several times (bench/README.md, board_page.py).

Each snapshot counts the open appeals per branch in every grouping the board shows, with the same WHERE
clauses the appeals list filters by (appeals/listing.py); the board applies the reader's scope (their
branches) when it reads them, and shows the snapshot's time. A figure's link opens the list as it is now."""

from datetime import datetime

from sqlalchemy import and_, case, delete, func, insert, literal, select

from ..appeals import deadlines
from ..appeals.listing import OPEN, AppealFilter, age_conditions, unscoped_conditions
from ..appeals.models import Appeal
from ..extensions import db
from .models import BoardCount, BoardSnapshot

#: How often the periodic job counts again (jobs/schedule.py); the board says so beside the snapshot's time.
REFRESH_MINUTES = 5
#: Age buckets in calendar days since registration (both ends included; None: no upper bound).
AGE_BUCKETS = ((0, 7), (8, 15), (16, 30), (31, None))
#: "Due soon": open, not overdue, the deadline within this many days.
DUE_SOON_DAYS = 3
#: The headline figures counted per branch under kind "flag" ("open" is the sum of the "age" rows, "escalated"
#: has its own kind: a branch head counts what was escalated to their branches).
FLAGS = {
    "overdue": AppealFilter(overdue=True),
    "due_soon": AppealFilter(due_within=DUE_SOON_DAYS),
    "triage": AppealFilter(triage=True),
    "reopen": AppealFilter(reopen=True),
    "forwarding_late": AppealFilter(forwarding_late=True),
}
ALL_OPEN = AppealFilter(state=OPEN)


def take(now: datetime) -> BoardSnapshot:
    """Count the board's figures for every branch (one INSERT ... SELECT per grouping) as a new snapshot, and
    drop all but the previous one (a board being read while this commits still finds its rows)."""
    today = deadlines.local_date(now)
    snapshot = BoardSnapshot(taken_dt=now, as_of_date=today)
    db.session.add(snapshot)
    db.session.flush()
    sid = literal(snapshot.id)
    open_ = unscoped_conditions(ALL_OPEN, now, today)
    columns = ["snapshot_id", "kind", "branch_id", "name", "ref", "n", "overdue"]

    def add(kind: str, where: list, name=None, ref=None, overdue=None) -> None:
        """One grouping: per branch, and per `name` and `ref` where they are columns."""
        stmt = (
            select(
                sid,
                literal(kind),
                Appeal.branch_id,
                literal("") if name is None else name,
                literal(0) if ref is None else ref,
                func.count(Appeal.id),
                literal(0) if overdue is None else overdue,
            )
            .where(*where)
            .group_by(Appeal.branch_id, *(c for c in (name, ref) if c is not None))
        )
        db.session.execute(insert(BoardCount).from_select(columns, stmt))

    bucket = case(
        *((and_(*age_conditions(low, high, now)), n) for n, (low, high) in enumerate(AGE_BUCKETS)),
        else_=-1,  # registered "in the future" (a clock set wrong): open, in no age column
    )
    # Grouped by the bucket through a subquery: a CASE with bound values cannot be repeated in GROUP BY.
    aged = select(Appeal.branch_id, Appeal.state, bucket.label("bucket")).where(*open_).subquery()
    stmt = select(
        sid, literal("age"), aged.c.branch_id, aged.c.state, aged.c.bucket, func.count(), literal(0)
    ).group_by(aged.c.branch_id, aged.c.state, aged.c.bucket)
    db.session.execute(insert(BoardCount).from_select(columns, stmt))
    add("topic", open_, ref=Appeal.topic_id)
    overdue = func.count(case((Appeal.deadline < today, 1)))
    add("deputy", [*open_, Appeal.deputy_id.is_not(None)], ref=Appeal.deputy_id, overdue=overdue)
    escalated = unscoped_conditions(AppealFilter(escalated=True), now, today)
    add("escalated", escalated, ref=Appeal.escalated_to_branch_id)
    for name, f in FLAGS.items():
        # The flag's name is a constant of the row, not a grouping (a bound value cannot be grouped by).
        stmt = (
            select(sid, literal("flag"), Appeal.branch_id, literal(name), literal(0), func.count(Appeal.id), literal(0))
            .where(*unscoped_conditions(f, now, today))
            .group_by(Appeal.branch_id)
        )
        db.session.execute(insert(BoardCount).from_select(columns, stmt))
    previous = db.session.scalar(select(func.max(BoardSnapshot.id)).where(BoardSnapshot.id < snapshot.id))
    if previous is not None:
        db.session.execute(delete(BoardCount).where(BoardCount.snapshot_id < previous))
        db.session.execute(delete(BoardSnapshot).where(BoardSnapshot.id < previous))
    return snapshot


def latest() -> BoardSnapshot | None:
    return db.session.scalar(select(BoardSnapshot).order_by(BoardSnapshot.id.desc()).limit(1))


def current(now: datetime) -> BoardSnapshot:
    """The last snapshot; on a database that has none yet (before the job's first run), one taken now."""
    snapshot = latest()
    if snapshot is None:
        snapshot = take(now)
        db.session.commit()
    return snapshot
