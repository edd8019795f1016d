"""Collective and repeated issues: link appeals about one problem into a group and act on it as one."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..appeals import operations as appeal_ops
from ..appeals.models import Appeal, AppealGroup, AppealState
from ..audit.log import audit
from ..extensions import db


def link_appeals(numbers: list[str], *, user, title: str = "", group: AppealGroup | None = None) -> AppealGroup:
    """Put the appeals with these registration numbers into `group` (a new one if None). Caller commits.

    Every appeal must be one the user may see; one already in another group is moved, and says so in audit.
    """
    numbers = [n.strip().upper() for n in numbers if n.strip()]
    appeals = list(db.session.scalars(select(Appeal).where(Appeal.registration_number.in_(numbers))))
    found = {a.registration_number for a in appeals}
    missing = [n for n in numbers if n not in found] + [
        a.registration_number for a in appeals if not appeal_ops.can_see(user, a)
    ]
    if missing:
        raise appeal_ops.AppealError(
            _l("No appeal you may see has the number %(numbers)s.", numbers=", ".join(missing))
        )
    if group is None:
        if len(appeals) < 2:
            raise appeal_ops.AppealError(_l("A group links at least two appeals."))
        group = AppealGroup(title=title.strip() or appeals[0].summary, created_by_id=user.id)
        db.session.add(group)
    for appeal in appeals:
        before = appeal.group_id
        appeal.group = group
        db.session.flush()
        audit("appeal.group", appeal, user=user, details={"group": group.id, "previous_group": before})
    return group


def route_group(group: AppealGroup, deputy, *, user) -> int:
    """Route every member that can be routed to one deputy; returns how many moved."""
    moved = 0
    for appeal in group.appeals:
        if AppealState.routed in appeal_ops.TRANSITIONS[appeal.state] and appeal_ops.can_see(user, appeal):
            appeal_ops.route_appeal(
                appeal, deputy, user=user, comment=str(_l("Routed with group “%(title)s”", title=group.title))
            )
            moved += 1
    return moved


def resolve_group(group: AppealGroup, *, user, answer: str) -> int:
    """Give all members in work the same answer and resolve them; returns how many were resolved."""
    if not answer.strip():
        raise appeal_ops.AppealError(_l("Write the answer the group's appeals receive."))
    resolved = 0
    for appeal in group.appeals:
        if AppealState.resolved in appeal_ops.moves_for(user, appeal):
            appeal_ops.resolve_appeal(appeal, user=user, comment=answer)
            resolved += 1
    return resolved
