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
from .board import AGE_BUCKETS, ALL_OPEN, FLAGS
from .models import BoardCount, BoardSnapshot

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


@dataclass
class Counts:
    """The snapshot's rows summed over the reader's branches: {kind: {(name, ref): (n, overdue)}}."""

    by_kind: dict[str, dict[tuple[str, int], tuple[int, int]]]

    def of(self, kind: str) -> dict[tuple[str, int], tuple[int, int]]:
        return self.by_kind.get(kind, {})


def counts(user, snapshot: BoardSnapshot, kinds: tuple[str, ...] | None = None) -> Counts:
    """The board's figures (of `kinds`, or all) for the branches `user` sees, summed in one grouped query."""
    stmt = select(B.kind, B.name, B.ref, func.sum(B.n), func.sum(B.overdue)).where(B.snapshot_id == snapshot.id)
    if kinds is not None:
        stmt = stmt.where(B.kind.in_(kinds))
    branches = visible_branch_ids(user)
    if branches is not None:
        stmt = stmt.where(B.branch_id.in_(branches))
    by_kind: dict[str, dict] = {}
    for kind, name, ref, n, overdue in db.session.execute(stmt.group_by(B.kind, B.name, B.ref)):
        by_kind.setdefault(kind, {})[(name, ref)] = (int(n), int(overdue))
    return Counts(by_kind)


def by_state_and_age(c: Counts) -> list[tuple[AppealState, list[Figure], Figure]]:
    """(state, [figure per age bucket], figure for the state) for open states with appeals."""
    cells_of: dict[AppealState, dict[int, int]] = {}
    for (state, bucket), (n, _overdue) in c.of("age").items():
        cells_of.setdefault(AppealState(state), {})[bucket] = n
    order = {state: n for n, state in enumerate(appeal_ops.TRANSITIONS)}
    rows = []
    for state in sorted(cells_of, key=order.__getitem__):
        by_state = AppealFilter(state=state.value)
        cells = [
            Figure(cells_of[state].get(n, 0), _age_filter(by_state, low, high))
            for n, (low, high) in enumerate(AGE_BUCKETS)
        ]
        rows.append((state, cells, Figure(sum(cells_of[state].values()), by_state)))
    return rows


def age_totals(by_state: list[tuple[AppealState, list[Figure], Figure]]) -> list[Figure]:
    """All open appeals per age bucket (the table's bottom row): the columns of `by_state` added up."""
    return [
        Figure(sum(cells[n].count for _state, cells, _total in by_state), _age_filter(ALL_OPEN, low, high))
        for n, (low, high) in enumerate(AGE_BUCKETS)
    ]


def headline(user, c: Counts, by_state) -> dict[str, Figure]:
    """Open, overdue, due soon, awaiting triage, escalated, asking to reopen, not forwarded in time."""
    flags = {name: n for (name, _ref), (n, _overdue) in c.of("flag").items()}
    escalated = c.of("escalated").items()
    if user.role in BRANCH_ROLES:
        # As the list counts them: escalated to one of the reader's branches (appeals/listing.py).
        to = visible_branch_ids(user) or set()
        escalated = [(key, value) for key, value in escalated if key[1] in to]
    figures = {"open": Figure(sum(total.count for _state, _cells, total in by_state), ALL_OPEN)}
    figures |= {name: Figure(flags.get(name, 0), f) for name, f in FLAGS.items()}
    figures["escalated"] = Figure(sum(n for _key, (n, _overdue) in escalated), AppealFilter(escalated=True))
    return figures


def by_topic(c: Counts) -> list[tuple[Topic, Figure]]:
    """Open appeals per topic, most first."""
    rows = sorted(((ref, n) for (_name, ref), (n, _overdue) in c.of("topic").items()), key=lambda r: (-r[1], r[0]))
    topics = {t.id: t for t in db.session.scalars(select(Topic).where(Topic.id.in_([r[0] for r in rows])))}
    return [
        (topics[topic_id], Figure(n, ALL_OPEN.but(topic_id=topic_id))) for topic_id, n in rows if topic_id in topics
    ]


def workload(c: Counts, limit: int | None = BOARD_DEPUTIES, offset: int = 0) -> list[tuple[Deputy, Figure, Figure]]:
    """(deputy, open appeals, overdue) for deputies holding the scope's open appeals, busiest first."""
    rows = sorted(
        ((ref, n, overdue) for (_name, ref), (n, overdue) in c.of("deputy").items()), key=lambda r: (-r[1], r[0])
    )
    rows = rows[offset:] if limit is None else rows[offset : offset + limit]
    deputies = {d.id: d for d in db.session.scalars(select(Deputy).where(Deputy.id.in_([r[0] for r in rows])))}
    return [
        (
            deputies[deputy_id],
            Figure(open_count, ALL_OPEN.but(deputy_id=deputy_id)),
            Figure(overdue_count, AppealFilter(overdue=True, deputy_id=deputy_id)),
        )
        for deputy_id, open_count, overdue_count in rows
        if deputy_id in deputies
    ]


def deputies_holding(c: Counts) -> int:
    """How many deputies hold the scope's open appeals."""
    return len(c.of("deputy"))


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
