"""In-app notifications for staff and deputies (with an e-mail beside the reminders): who hears about an
appeal, the deadline reminders and the escalation notices.

Staff hear from the periodic jobs only on working days, within SMS_SEND_HOURS Almaty time: a job run at
night or on a holiday does nothing, and the next run in office hours sends what is due (every note has
a dedupe key, so that run sends each one once).
"""

from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from ..accounts.models import Role, User, assistant_deputies
from ..appeals import deadlines, numbering
from ..appeals import operations as appeal_ops
from ..appeals.models import Appeal, AppealEvent, AppealState, EventKind
from ..dbtypes import utcnow
from ..extensions import db
from .messages import staff_email
from .models import InAppNotification, MessageChannel
from .outbox import queue_message, within_send_hours

#: Working days before the deadline on which the holder is reminded.
REMINDER_DAYS = (3, 1)
#: Escalations older than this (in days) are no longer announced: the notice would come too late to help.
ESCALATION_NOTICE_DAYS = 7


def holders_of(appeal: Appeal) -> list[User]:
    """The deputy's own account and the assistants acting for them."""
    if appeal.deputy_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.is_enabled.is_(True),
                or_(
                    User.deputy_id == appeal.deputy_id,
                    User.id.in_(
                        select(assistant_deputies.c.user_id).where(assistant_deputies.c.deputy_id == appeal.deputy_id)
                    ),
                ),
            )
            .order_by(User.id)
        )
    )


def branch_heads_of(appeal: Appeal) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(
                User.is_enabled.is_(True), User.role == Role.branch_head, User.branch_id == appeal.branch_id
            )
        )
    )


def notify(user: User, key: str, message, appeal: Appeal | None, *, email: bool = False, make_lines=None) -> bool:
    """Add a note for `user` unless one with this key exists; the text is made in the user's language.

    `message` is a lazy string (`_l("...", number=...)`), or a function returning the text, evaluated in the
    user's language. With `email`, the note also goes to the user's e-mail through the outbox (its subject
    is the note; `make_lines` may give the body's lines, by default the note again). Returns whether a note
    was added.
    """
    key = f"{key}:user:{user.id}"
    if db.session.scalar(select(InAppNotification.id).where(InAppNotification.dedupe_key == key)):
        return False
    language = user.language
    with force_locale(language):
        text = message() if callable(message) else str(message)
        mail = staff_email(text, make_lines() if make_lines else [text]) if email and user.email else None
    db.session.add(
        InAppNotification(
            dedupe_key=key, user_id=user.id, text=text[:500], appeal_id=appeal.id if appeal is not None else None
        )
    )
    if mail is not None:
        queue_message(
            dedupe_key=f"{key}:email",
            channel=MessageChannel.email,
            recipient=user.email,
            language=language[:2],
            subject=mail.subject,
            body=mail.text,
            html_body=mail.html,
            appeal_id=appeal.id if appeal is not None else None,
            quiet_hours=False,
        )
    return True


def office_hours(now: datetime, calendar=None) -> bool:
    """Whether staff may be notified now: a working day in Kazakhstan, within SMS_SEND_HOURS Almaty time."""
    calendar = calendar or appeal_ops.work_calendar()
    return calendar.is_working_day(deadlines.local_date(now)) and within_send_hours(now)


def tell_holder(appeal: Appeal, event: AppealEvent, **_extra) -> None:
    """A deputy (and their assistants) hear when an appeal is routed to them."""
    if event.kind == EventKind.transition and event.to_state == AppealState.routed:
        # The note names the number, which an appeal being taken in gets at its commit.
        numbering.when_numbered(appeal, lambda: _tell_holders(appeal, event))


def _tell_holders(appeal: Appeal, event: AppealEvent) -> None:
    for user in holders_of(appeal):
        notify(
            user,
            f"appeal:{appeal.id}:event:{event.id}",
            _l("New appeal %(number)s: %(summary)s", number=appeal.registration_number, summary=appeal.summary),
            appeal,
        )


def send_deadline_reminders(now: datetime | None = None) -> int:
    """Remind holders 3 and 1 working days before a deadline; alert branch heads to the overdue (in the app
    and by e-mail); in office hours only. Commits; returns how many notes were added."""
    now = now or utcnow()
    today = deadlines.local_date(now)
    calendar = appeal_ops.work_calendar()
    if not office_hours(now, calendar):
        return 0
    targets = {calendar.add_working_days(today, n): n for n in REMINDER_DAYS}
    stmt = select(Appeal).where(
        Appeal.state.in_(appeal_ops.OPEN_STATES), or_(Appeal.deadline.in_(list(targets)), Appeal.deadline < today)
    )
    sent = 0
    for appeal in db.session.scalars(stmt):
        if appeal.deadline < today:
            for head in branch_heads_of(appeal):
                sent += notify(
                    head,
                    f"appeal:{appeal.id}:overdue:{appeal.deadline}",
                    _l(
                        "Appeal %(number)s is overdue (deadline %(date)s).",
                        number=appeal.registration_number,
                        date=appeal.deadline.strftime("%d.%m.%Y"),
                    ),
                    appeal,
                    email=True,
                )
            continue
        days = targets[appeal.deadline]
        for user in holders_of(appeal):
            sent += notify(
                user,
                f"appeal:{appeal.id}:reminder:{days}:{appeal.deadline}",
                _l(
                    "Appeal %(number)s is due in %(days)s working days (%(date)s).",
                    number=appeal.registration_number,
                    days=days,
                    date=appeal.deadline.strftime("%d.%m.%Y"),
                ),
                appeal,
                email=True,
            )
    db.session.commit()
    return sent


def _heads_of_branches(branch_ids: set[int]) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.is_enabled.is_(True), User.role == Role.branch_head, User.branch_id.in_(branch_ids))
            .order_by(User.id)
        )
    )


def send_forwarding_reminders(now: datetime | None = None) -> int:
    """For appeals still to be forwarded (deadlines.py, "To be forwarded"): warn the heads of the branch whose
    triage holds it on the working day before the forwarding deadline, and once it has passed alert them and
    the heads of the branch above (in the app and by e-mail). Each note once; in office hours only. Commits."""
    now = now or utcnow()
    today = deadlines.local_date(now)
    calendar = appeal_ops.work_calendar()
    if not office_hours(now, calendar):
        return 0
    tomorrow = calendar.add_working_days(today, 1)
    # Appeals due tomorrow, or already late: first counted days up to the latest one due tomorrow.
    latest_start = deadlines.forwarding_passed_before(calendar.add_working_days(tomorrow, 1), calendar)
    stmt = (
        select(Appeal)
        .where(Appeal.state == AppealState.registered, Appeal.counting_from <= latest_start)
        .order_by(Appeal.id)
    )
    sent = 0
    for appeal in db.session.scalars(stmt):
        due = deadlines.forwarding_due(appeal.counting_from, calendar)
        if due > tomorrow:
            continue
        branch = appeal.triage_branch or appeal.branch
        date_text = due.strftime("%d.%m.%Y")
        if due == tomorrow:
            recipients, key = _heads_of_branches({branch.id}), f"appeal:{appeal.id}:forwarding-warning:{due}"
            message = _l(
                "Appeal %(number)s awaits routing: if it is outside your competence, forward it by %(date)s.",
                number=appeal.registration_number,
                date=date_text,
            )
        elif due < today:
            above = {branch.id} | ({branch.parent_id} if branch.parent_id else set())
            recipients, key = _heads_of_branches(above), f"appeal:{appeal.id}:forwarding-late:{due}"
            message = _l(
                "Appeal %(number)s was neither routed nor forwarded by %(date)s, the legal 3 working days.",
                number=appeal.registration_number,
                date=date_text,
            )
        else:
            continue  # due today: warned yesterday; late from tomorrow
        for head in recipients:
            sent += notify(head, key, message, appeal, email=True)
    db.session.commit()
    return sent


def announce_escalations(now: datetime | None = None) -> int:
    """Tell the heads of the branch an appeal was escalated to (in the app and by e-mail), once per step;
    in office hours only, so a step taken at the weekend is announced on the next working day. Commits."""
    now = now or utcnow()
    if not office_hours(now):
        return 0
    since = now - timedelta(days=ESCALATION_NOTICE_DAYS)
    heads: dict[int, list[User]] = {}
    sent = 0
    stmt = select(Appeal).where(
        Appeal.escalation_level > 0,
        Appeal.escalated_to_branch_id.is_not(None),
        Appeal.escalated_dt >= since,
        Appeal.state.in_(appeal_ops.OPEN_STATES),
    )
    for appeal in db.session.scalars(stmt):
        branch_id = appeal.escalated_to_branch_id
        if branch_id not in heads:
            heads[branch_id] = list(
                db.session.scalars(
                    select(User)
                    .where(User.is_enabled.is_(True), User.role == Role.branch_head, User.branch_id == branch_id)
                    .order_by(User.id)
                )
            )
        for head in heads[branch_id]:
            sent += notify(
                head,
                f"appeal:{appeal.id}:escalated:{appeal.escalation_level}",
                _l(
                    "Appeal %(number)s has been escalated to you: it is overdue or was not taken "
                    "into work in time (deadline %(date)s).",
                    number=appeal.registration_number,
                    date=appeal.deadline.strftime("%d.%m.%Y"),
                ),
                appeal,
                email=True,
            )
    db.session.commit()
    return sent


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(InAppNotification.id)).where(
            InAppNotification.user_id == user_id, InAppNotification.read_dt.is_(None)
        )
    )
