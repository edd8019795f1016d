"""In-app notifications for staff and deputies: who hears about an appeal, and the reminders job."""

from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from ..accounts.models import Role, User, assistant_deputies
from ..appeals import deadlines
from ..appeals import operations as appeal_ops
from ..appeals.models import Appeal, AppealEvent, AppealState
from ..appeals.signals import appeal_changed
from ..dbtypes import utcnow
from ..extensions import db
from .models import InAppNotification

#: Working days before the deadline on which the holder is reminded.
REMINDER_DAYS = (3, 1)


def holders_of(appeal: Appeal) -> list[User]:
    """The deputy's own account and the assistants acting for them."""
    if appeal.deputy_id is None:
        return []
    return list(db.session.scalars(select(User).where(User.is_enabled.is_(True), or_(
        User.deputy_id == appeal.deputy_id,
        User.id.in_(select(assistant_deputies.c.user_id).where(assistant_deputies.c.deputy_id == appeal.deputy_id)),
    )).order_by(User.id)))


def branch_heads_of(appeal: Appeal) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.is_enabled.is_(True), User.role == Role.branch_head, User.branch_id == appeal.branch_id)))


def notify(user: User, key: str, make_text, appeal: Appeal) -> bool:
    """Add a note for `user` unless one with this key exists; the text is made in the user's language."""
    key = f"{key}:user:{user.id}"
    if db.session.scalar(select(InAppNotification.id).where(InAppNotification.dedupe_key == key)):
        return False
    with force_locale(user.locale or "ru"):
        text = make_text()
    db.session.add(InAppNotification(dedupe_key=key, user_id=user.id, text=text, appeal_id=appeal.id))
    return True


@appeal_changed.connect
def tell_holder(appeal: Appeal, event: AppealEvent, **_extra) -> None:
    """A deputy (and their assistants) hear when an appeal is routed to them."""
    if event.kind == "transition" and event.to_state == AppealState.routed:
        for user in holders_of(appeal):
            notify(user, f"appeal:{appeal.id}:event:{event.id}",
                   lambda: _("New appeal %(number)s: %(summary)s", number=appeal.registration_number, summary=appeal.summary),
                   appeal)


def remind_deadlines(now: datetime | None = None) -> int:
    """Remind holders 3 and 1 working days before a deadline; alert branch heads to the overdue. Commits."""
    now = now or utcnow()
    today = deadlines.local_date(now)
    calendar = appeal_ops.work_calendar()
    targets = {calendar.add_working_days(today, n): n for n in REMINDER_DAYS}
    stmt = select(Appeal).where(Appeal.state.in_(appeal_ops.OPEN_STATES),
                                or_(Appeal.deadline.in_(list(targets)), Appeal.deadline < today))
    sent = 0
    for appeal in db.session.scalars(stmt):
        if appeal.deadline < today:
            for head in branch_heads_of(appeal):
                sent += notify(head, f"appeal:{appeal.id}:overdue:{appeal.deadline}",
                               lambda: _("Appeal %(number)s is overdue (deadline %(date)s).", number=appeal.registration_number,
                                         date=appeal.deadline.strftime("%d.%m.%Y")), appeal)
            continue
        days = targets[appeal.deadline]
        for user in holders_of(appeal):
            sent += notify(user, f"appeal:{appeal.id}:reminder:{days}:{appeal.deadline}",
                           lambda: _("Appeal %(number)s is due in %(days)s working days (%(date)s).",
                                     number=appeal.registration_number, days=days, date=appeal.deadline.strftime("%d.%m.%Y")),
                           appeal)
    db.session.commit()
    return sent


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count(InAppNotification.id)).where(
        InAppNotification.user_id == user_id, InAppNotification.read_dt.is_(None)))
