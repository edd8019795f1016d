"""What branch heads and the central office watch: open appeals by state and age, the overdue, those due
soon, the unrouted awaiting triage, the escalated, and who holds how much.

Every figure is read from the last snapshot of the board's counts (reports/board.py, a periodic job), summed over
the user's branches, and comes with the filter of the appeals list that shows exactly the appeals counted when the
snapshot was taken (appeals/listing.py builds both WHERE clauses)."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..accounts.access import visible_branch_ids
from ..accounts.models import BRANCH_ROLES
from ..appeals import operations as appeal_ops
from ..appeals.listing import AppealFilter
from ..appeals.models import Appeal, AppealFeedback, AppealState, ReopenState
from ..directory.models import Deputy, Topic
from ..extensions import db
from .board import AGE_BUCKETS, ALL_OPEN, DUE_SOON_DAYS, FLAGS
from .models import BoardCount, BoardSnapshot

__all__ = ["AGE_BUCKETS", "DUE_SOON_DAYS"]

#: Deputies shown on the board, busiest first; the workload page has them all.
BOARD_DEPUTIES = 10
#: Reopen requests shown on the board, oldest first (the list page has them all).
BOARD_PREVIEW = 5
WORKLOAD_PAGE_SIZE = 50

B = BoardCount


@dataclass(frozen=True)
class Figure:
    """A count and the appeals-list filter that shows those appeals."""

    count: int
    filter: AppealFilter


def _age_filter(base: AppealFilter, low: int, high: int | None) -> AppealFilter:
    return base.but(age_min=low, age_max=high)


def _where(snapshot: BoardSnapshot, user, kind: str) -> list:
    """The snapshot's rows of `kind` for the branches `user` sees (every branch: no condition)."""
    where = [B.snapshot_id == snapshot.id, B.kind == kind]
    branches = visible_branch_ids(user)
    if branches is not None:
        where.append(B.branch_id.in_(branches))
    return where


def by_state_and_age(user, snapshot: BoardSnapshot) -> list[tuple[AppealState, list[Figure], Figure]]:
    """(state, [figure per age bucket], figure for the state) for open states with appeals; one grouped query."""
    stmt = select(B.name, B.ref, func.sum(B.n)).where(*_where(snapshot, user, "age")).group_by(B.name, B.ref)
    counts: dict[AppealState, dict[int, int]] = {}
    for state, bucket, n in db.session.execute(stmt):
        counts.setdefault(AppealState(state), {})[bucket] = int(n)
    order = {state: n for n, state in enumerate(appeal_ops.TRANSITIONS)}
    rows = []
    for state in sorted(counts, key=order.__getitem__):
        by_state = AppealFilter(state=state.value)
        cells = [
            Figure(counts[state].get(n, 0), _age_filter(by_state, low, high))
            for n, (low, high) in enumerate(AGE_BUCKETS)
        ]
        rows.append((state, cells, Figure(sum(counts[state].values()), by_state)))
    return rows


def age_totals(by_state: list[tuple[AppealState, list[Figure], Figure]]) -> list[Figure]:
    """All open appeals per age bucket (the table's bottom row): the columns of `by_state` added up."""
    return [
        Figure(sum(cells[n].count for _state, cells, _total in by_state), _age_filter(ALL_OPEN, low, high))
        for n, (low, high) in enumerate(AGE_BUCKETS)
    ]


def headline(user, snapshot: BoardSnapshot, by_state) -> dict[str, Figure]:
    """Open, overdue, due soon, awaiting triage, escalated, asking to reopen, not forwarded in time."""
    flags = dict(
        db.session.execute(select(B.name, func.sum(B.n)).where(*_where(snapshot, user, "flag")).group_by(B.name)).all()
    )
    escalated = _where(snapshot, user, "escalated")
    if user.role in BRANCH_ROLES:
        # As the list counts them: escalated to one of the reader's branches (appeals/listing.py).
        escalated.append(B.ref.in_(visible_branch_ids(user) or set()))
    figures = {"open": Figure(sum(total.count for _state, _cells, total in by_state), ALL_OPEN)}
    figures |= {name: Figure(int(flags.get(name) or 0), f) for name, f in FLAGS.items()}
    figures["escalated"] = Figure(
        int(db.session.scalar(select(func.coalesce(func.sum(B.n), 0)).where(*escalated))),
        AppealFilter(escalated=True),
    )
    return figures


def by_topic(user, snapshot: BoardSnapshot) -> list[tuple[Topic, Figure]]:
    """Open appeals per topic, most first; one grouped query."""
    total = func.sum(B.n)
    stmt = select(B.ref, total).where(*_where(snapshot, user, "topic")).group_by(B.ref).order_by(total.desc(), B.ref)
    rows = db.session.execute(stmt).all()
    topics = {t.id: t for t in db.session.scalars(select(Topic).where(Topic.id.in_([r[0] for r in rows])))}
    return [
        (topics[topic_id], Figure(int(n), ALL_OPEN.but(topic_id=topic_id)))
        for topic_id, n in rows
        if topic_id in topics
    ]


def workload(
    user, snapshot: BoardSnapshot, limit: int | None = BOARD_DEPUTIES, offset: int = 0
) -> list[tuple[Deputy, Figure, Figure]]:
    """(deputy, open appeals, overdue) for deputies holding the scope's open appeals, busiest first."""
    total = func.sum(B.n)
    stmt = (
        select(B.ref, total, func.sum(B.overdue))
        .where(*_where(snapshot, user, "deputy"))
        .group_by(B.ref)
        .order_by(total.desc(), B.ref)
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = db.session.execute(stmt).all()
    deputies = {d.id: d for d in db.session.scalars(select(Deputy).where(Deputy.id.in_([r[0] for r in rows])))}
    return [
        (
            deputies[deputy_id],
            Figure(int(open_count), ALL_OPEN.but(deputy_id=deputy_id)),
            Figure(int(overdue_count), AppealFilter(overdue=True, deputy_id=deputy_id)),
        )
        for deputy_id, open_count, overdue_count in rows
        if deputy_id in deputies
    ]


def deputies_holding(user, snapshot: BoardSnapshot) -> int:
    """How many deputies hold the scope's open appeals."""
    return db.session.scalar(select(func.count(func.distinct(B.ref))).where(*_where(snapshot, user, "deputy"))) or 0


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
