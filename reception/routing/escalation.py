"""Escalation: an appeal not taken into work within 2 working days of routing, or overdue, goes up —
to the branch head, then the regional branch, then the central office — one step at a time, each step
at least 2 working days after the last. Running it twice in a row escalates once."""

import logging
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from ..appeals import deadlines
from ..appeals import operations as appeal_ops
from ..appeals.models import Appeal, AppealEvent, AppealState, EventKind
from ..audit.log import audit
from ..dbtypes import utcnow
from ..directory.models import Branch, BranchLevel
from ..extensions import db
from . import explain

logger = logging.getLogger(__name__)

WAIT_WORKING_DAYS = 2
TOP_LEVEL = 3


def target_branch(appeal: Appeal, level: int) -> Branch:
    """Level 1: the appeal's own branch (its head); 2: the regional branch; 3: the central office."""
    branch = appeal.branch
    if level == 1:
        return branch
    if level == 2:
        return branch if branch.level != BranchLevel.district else (branch.parent or branch)
    return db.session.scalar(select(Branch).where(Branch.level == BranchLevel.central).order_by(Branch.id))


def escalate_appeals(now: datetime | None = None) -> int:
    """Escalate every appeal that is due for its next step; returns how many moved. Commits."""
    now = now or utcnow()
    today = deadlines.local_date(now)
    calendar = appeal_ops.work_calendar()
    routed_at = (
        select(AppealEvent.appeal_id, func.max(AppealEvent.created_dt).label("routed_dt"))
        .where(AppealEvent.to_state == AppealState.routed)
        .group_by(AppealEvent.appeal_id)
        .subquery()
    )
    stmt = (
        select(Appeal, routed_at.c.routed_dt)
        .outerjoin(routed_at, routed_at.c.appeal_id == Appeal.id)
        .where(
            Appeal.state.in_(appeal_ops.OPEN_STATES),
            Appeal.escalation_level < TOP_LEVEL,
            or_(Appeal.deadline < today, Appeal.state == AppealState.routed),
        )
        .options(joinedload(Appeal.branch).joinedload(Branch.parent))
    )
    moved = 0
    for appeal, routed_dt in db.session.execute(stmt).all():
        reason = _reason(appeal, routed_dt, today, calendar)
        if reason is None:
            continue
        if (
            appeal.escalated_dt is not None
            and calendar.working_days_between(deadlines.local_date(appeal.escalated_dt), today) < WAIT_WORKING_DAYS
        ):
            continue  # the last step is too recent: give its recipient time to act
        level = appeal.escalation_level + 1
        branch = target_branch(appeal, level)
        details = explain.escalation_details(branch, reason)
        # A direct update: escalation is the system's note, not an edit that should break open forms.
        db.session.execute(
            Appeal.__table__.update()
            .where(Appeal.id == appeal.id)
            .values(escalation_level=level, escalated_to_branch_id=branch.id, escalated_dt=now)
        )
        db.session.add(
            AppealEvent(
                appeal_id=appeal.id,
                kind=EventKind.escalation,
                from_state=appeal.state,
                to_state=appeal.state,
                comment=explain.escalation_sentence(details["escalation"]),
                details=details,
                is_public=False,
                created_dt=now,
            )
        )
        audit("appeal.escalate", appeal, details={"level": level, "branch": branch.code})
        moved += 1
    db.session.commit()
    logger.info("escalation: %s appeals moved up", moved)
    return moved


def _reason(appeal: Appeal, routed_dt, today, calendar) -> str | None:
    """Why the appeal moves up now, a key of explain.ESCALATION_REASONS; None if it need not."""
    if appeal.deadline < today:
        return "overdue"
    if (
        appeal.state == AppealState.routed
        and routed_dt is not None
        and calendar.working_days_between(deadlines.local_date(routed_dt), today) >= WAIT_WORKING_DAYS
    ):
        return "untaken"
    return None
