"""What branch heads and the central office watch: open appeals by state and age, the overdue, the
unrouted awaiting triage, and who holds how much. Each figure is one grouped query over the user's scope."""

from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from ..appeals import operations as appeal_ops
from ..appeals.models import Appeal, AppealFeedback, ReopenState
from ..directory.models import Deputy
from ..extensions import db

#: Age buckets in calendar days since registration.
AGE_BUCKETS = ((0, 7), (8, 15), (16, 30), (31, None))
LIST_LIMIT = 100


def _scope(stmt, branch_ids: set[int] | None):
    return stmt if branch_ids is None else stmt.where(Appeal.branch_id.in_(branch_ids))


def by_state_and_age(branch_ids: set[int] | None, now: datetime) -> list[tuple]:
    """(state, [count per age bucket], total) for open appeals; one grouped query."""
    columns = []
    for low, high in AGE_BUCKETS:
        cond = Appeal.registered_dt <= now - timedelta(days=low)
        if high is not None:
            cond = cond & (Appeal.registered_dt > now - timedelta(days=high + 1))
        columns.append(func.count(case((cond, 1))))
    stmt = _scope(
        select(Appeal.state, *columns, func.count(Appeal.id))
        .where(Appeal.state.in_(appeal_ops.OPEN_STATES))
        .group_by(Appeal.state),
        branch_ids,
    )
    order = {state: n for n, state in enumerate(appeal_ops.TRANSITIONS)}
    return sorted(((row[0], list(row[1:-1]), row[-1]) for row in db.session.execute(stmt)), key=lambda r: order[r[0]])


def overdue(branch_ids: set[int] | None, today: date) -> list[Appeal]:
    stmt = _scope(select(Appeal).where(Appeal.state.in_(appeal_ops.OPEN_STATES), Appeal.deadline < today), branch_ids)
    return list(
        db.session.scalars(
            stmt.options(joinedload(Appeal.topic), joinedload(Appeal.deputy))
            .order_by(Appeal.deadline, Appeal.id)
            .limit(LIST_LIMIT)
        )
    )


def awaiting_triage(branch_ids: set[int] | None) -> list[Appeal]:
    """Open appeals no deputy holds: never routed, handed back, or sent to triage by a rule."""
    stmt = select(Appeal).where(Appeal.state.in_(appeal_ops.OPEN_STATES), Appeal.deputy_id.is_(None))
    if branch_ids is not None:
        stmt = stmt.where(Appeal.branch_id.in_(branch_ids) | Appeal.triage_branch_id.in_(branch_ids))
    return list(
        db.session.scalars(
            stmt.options(joinedload(Appeal.topic), joinedload(Appeal.triage_branch))
            .order_by(Appeal.registered_dt, Appeal.id)
            .limit(LIST_LIMIT)
        )
    )


def workload(branch_ids: set[int] | None, today: date) -> list[tuple[Deputy, int, int]]:
    """(deputy, open appeals, overdue) for deputies holding the scope's open appeals, busiest first."""
    stmt = _scope(
        select(Appeal.deputy_id, func.count(Appeal.id), func.count(case((Appeal.deadline < today, 1))))
        .where(Appeal.state.in_(appeal_ops.OPEN_STATES), Appeal.deputy_id.is_not(None))
        .group_by(Appeal.deputy_id),
        branch_ids,
    )
    rows = db.session.execute(stmt.order_by(func.count(Appeal.id).desc()).limit(LIST_LIMIT)).all()
    deputies = {d.id: d for d in db.session.scalars(select(Deputy).where(Deputy.id.in_([r[0] for r in rows])))}
    return [(deputies[r[0]], r[1], r[2]) for r in rows]


def escalated(branch_ids: set[int] | None) -> list[Appeal]:
    """Open appeals escalated to a branch in scope, highest level first."""
    stmt = select(Appeal).where(Appeal.state.in_(appeal_ops.OPEN_STATES), Appeal.escalation_level > 0)
    if branch_ids is not None:
        stmt = stmt.where(Appeal.escalated_to_branch_id.in_(branch_ids))
    return list(
        db.session.scalars(
            stmt.options(joinedload(Appeal.escalated_to_branch), joinedload(Appeal.deputy))
            .order_by(Appeal.escalation_level.desc(), Appeal.deadline)
            .limit(LIST_LIMIT)
        )
    )


def reopen_requests(branch_ids: set[int] | None) -> list[tuple]:
    """Citizens not satisfied with a decision who asked to reopen it, waiting for a branch head, oldest first."""

    stmt = _scope(
        select(Appeal, AppealFeedback)
        .join(AppealFeedback, AppealFeedback.appeal_id == Appeal.id)
        .where(AppealFeedback.reopen_state == ReopenState.pending),
        branch_ids,
    )
    return [tuple(row) for row in db.session.execute(stmt.order_by(AppealFeedback.created_dt).limit(LIST_LIMIT))]
