"""What branch heads and the central office watch: open appeals by state and age, the overdue, those due
soon, the unrouted awaiting triage, the escalated, and who holds how much.

Every figure is a COUNT over the user's scope, grouped where it is a table, and comes with the filter of the
appeals list that shows exactly the appeals counted (appeals/listing.py builds both WHERE clauses)."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload

from ..appeals import operations as appeal_ops
from ..appeals.listing import OPEN, AppealFilter, age_conditions, conditions, count
from ..appeals.models import Appeal, AppealFeedback, AppealState, ReopenState
from ..directory.models import Deputy, Topic
from ..extensions import db

#: Age buckets in calendar days since registration.
AGE_BUCKETS = ((0, 7), (8, 15), (16, 30), (31, None))
#: "Due soon": open, not overdue, the deadline within this many days.
DUE_SOON_DAYS = 3
#: Deputies shown on the board, busiest first; the workload page has them all.
BOARD_DEPUTIES = 10
#: Reopen requests shown on the board, oldest first (the list page has them all).
BOARD_PREVIEW = 5
WORKLOAD_PAGE_SIZE = 50

ALL_OPEN = AppealFilter(state=OPEN)


@dataclass(frozen=True)
class Figure:
    """A count and the appeals-list filter that shows those appeals."""

    count: int
    filter: AppealFilter


def _figure(f: AppealFilter, user, now: datetime, today: date) -> Figure:
    return Figure(count(f, user, now, today), f)


def _age_filter(base: AppealFilter, low: int, high: int | None) -> AppealFilter:
    return base.but(age_min=low, age_max=high)


def by_state_and_age(user, now: datetime, today: date) -> list[tuple[AppealState, list[Figure], Figure]]:
    """(state, [figure per age bucket], figure for the state) for open states with appeals; one grouped query."""
    columns = []
    for low, high in AGE_BUCKETS:
        columns.append(func.count(case((and_(*age_conditions(low, high, now)), 1))))
    stmt = (
        select(Appeal.state, *columns, func.count(Appeal.id))
        .where(*conditions(ALL_OPEN, user, now, today))
        .group_by(Appeal.state)
    )
    order = {state: n for n, state in enumerate(appeal_ops.TRANSITIONS)}
    rows = []
    for state, *counts, total in db.session.execute(stmt):
        by_state = AppealFilter(state=state.value)
        cells = [
            Figure(n, _age_filter(by_state, low, high)) for n, (low, high) in zip(counts, AGE_BUCKETS, strict=True)
        ]
        rows.append((state, cells, Figure(total, by_state)))
    return sorted(rows, key=lambda r: order[r[0]])


def age_totals(user, now: datetime, today: date) -> list[Figure]:
    """All open appeals per age bucket (the table's bottom row)."""
    return [_figure(_age_filter(ALL_OPEN, low, high), user, now, today) for low, high in AGE_BUCKETS]


def headline(user, now: datetime, today: date) -> dict[str, Figure]:
    """Open, overdue, due soon, awaiting triage, escalated, asking to reopen: one COUNT each."""
    filters = {
        "open": ALL_OPEN,
        "overdue": AppealFilter(overdue=True),
        "due_soon": AppealFilter(due_within=DUE_SOON_DAYS),
        "triage": AppealFilter(triage=True),
        "escalated": AppealFilter(escalated=True),
        "reopen": AppealFilter(reopen=True),
        "forwarding_late": AppealFilter(forwarding_late=True),
    }
    return {name: _figure(f, user, now, today) for name, f in filters.items()}


def by_topic(user, now: datetime, today: date) -> list[tuple[Topic, Figure]]:
    """Open appeals per topic, most first; one grouped query."""
    stmt = (
        select(Appeal.topic_id, func.count(Appeal.id))
        .where(*conditions(ALL_OPEN, user, now, today))
        .group_by(Appeal.topic_id)
        .order_by(func.count(Appeal.id).desc(), Appeal.topic_id)
    )
    rows = db.session.execute(stmt).all()
    topics = {t.id: t for t in db.session.scalars(select(Topic).where(Topic.id.in_([r[0] for r in rows])))}
    return [(topics[topic_id], Figure(n, ALL_OPEN.but(topic_id=topic_id))) for topic_id, n in rows]


def workload(
    user, now: datetime, today: date, limit: int | None = BOARD_DEPUTIES, offset: int = 0
) -> list[tuple[Deputy, Figure, Figure]]:
    """(deputy, open appeals, overdue) for deputies holding the scope's open appeals, busiest first."""
    stmt = (
        select(Appeal.deputy_id, func.count(Appeal.id), func.count(case((Appeal.deadline < today, 1))))
        .where(*conditions(ALL_OPEN, user, now, today), Appeal.deputy_id.is_not(None))
        .group_by(Appeal.deputy_id)
        .order_by(func.count(Appeal.id).desc(), Appeal.deputy_id)
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = db.session.execute(stmt).all()
    deputies = {d.id: d for d in db.session.scalars(select(Deputy).where(Deputy.id.in_([r[0] for r in rows])))}
    return [
        (
            deputies[deputy_id],
            Figure(open_count, ALL_OPEN.but(deputy_id=deputy_id)),
            Figure(overdue_count, AppealFilter(overdue=True, deputy_id=deputy_id)),
        )
        for deputy_id, open_count, overdue_count in rows
    ]


def deputies_holding(user, now: datetime, today: date) -> int:
    """How many deputies hold the scope's open appeals."""
    return (
        db.session.scalar(
            select(func.count(func.distinct(Appeal.deputy_id))).where(
                *conditions(ALL_OPEN, user, now, today), Appeal.deputy_id.is_not(None)
            )
        )
        or 0
    )


def reopen_requests(user, limit: int = BOARD_PREVIEW) -> list[tuple]:
    """The oldest requests to reopen a decision still waiting for a branch head: (appeal, feedback)."""
    stmt = (
        select(Appeal, AppealFeedback)
        .join(AppealFeedback, AppealFeedback.appeal_id == Appeal.id)
        .where(appeal_ops.visible_appeals_filter(user), AppealFeedback.reopen_state == ReopenState.pending)
        .options(joinedload(Appeal.topic))
        .order_by(AppealFeedback.created_dt, AppealFeedback.id)
        .limit(limit)
    )
    return [tuple(row) for row in db.session.execute(stmt)]
