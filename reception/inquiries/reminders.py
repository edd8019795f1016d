"""Reminders about inquiries waiting for an answer: the participants hear 3 days and 1 day before the answer
is due, and once when it is overdue (in the app and by e-mail, in office hours, each note once). A sent inquiry
whose receipt or announcement is still not recorded a few days on has no due date yet: they are asked, once,
to record it."""

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..accounts.models import User, assistant_deputies
from ..appeals import deadlines
from ..dbtypes import utcnow
from ..extensions import db
from ..i18n import localized
from ..notifications.inapp import notify, office_hours
from .models import Inquiry, InquiryState

#: Calendar days before the answer is due (the addressee's term is in calendar days too).
REMINDER_DAYS = (3, 1)
#: Calendar days after sending when the participants are asked to record the receipt or announcement: by then
#: a letter has arrived and a session has usually met (an office habit, not a legal term).
RECORD_START_AFTER_DAYS = 7


def participants(inquiry: Inquiry) -> list[User]:
    """The accounts of the author and co-signers, and of the assistants acting for them."""
    deputy_ids = [d.id for d in inquiry.deputies]
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.is_enabled.is_(True),
                or_(
                    User.deputy_id.in_(deputy_ids),
                    User.id.in_(
                        select(assistant_deputies.c.user_id).where(assistant_deputies.c.deputy_id.in_(deputy_ids))
                    ),
                ),
            )
            .order_by(User.id)
        )
    )


def send_answer_reminders(now: datetime | None = None) -> int:
    """Remind and alert about sent inquiries' answers; returns how many notes were added. Commits."""
    now = now or utcnow()
    if not office_hours(now):
        return 0
    today = deadlines.local_date(now)
    soon = {today + timedelta(days=n): n for n in REMINDER_DAYS}
    stmt = select(Inquiry).where(
        Inquiry.state == InquiryState.sent, or_(Inquiry.answer_due.in_(list(soon)), Inquiry.answer_due < today)
    )
    added = 0
    for inquiry in db.session.scalars(stmt):
        due = inquiry.answer_due.strftime("%d.%m.%Y")
        for user in participants(inquiry):
            body = localized(inquiry.addressee, "name", user.language)
            if inquiry.answer_due < today:
                added += notify(
                    user,
                    f"inquiry:{inquiry.id}:overdue:{inquiry.answer_due}",
                    _l(
                        "No answer to inquiry #%(id)s from %(body)s: it was due on %(date)s.",
                        id=inquiry.id,
                        body=body,
                        date=due,
                    ),
                    None,
                    email=True,
                )
            else:
                days = soon[inquiry.answer_due]
                added += notify(
                    user,
                    f"inquiry:{inquiry.id}:reminder:{days}:{inquiry.answer_due}",
                    _l(
                        "The answer of %(body)s to inquiry #%(id)s is due in %(days)s days (%(date)s).",
                        id=inquiry.id,
                        body=body,
                        days=days,
                        date=due,
                    ),
                    None,
                    email=True,
                )
    added += _ask_for_term_start(today)
    db.session.commit()
    return added


def _ask_for_term_start(today) -> int:
    """Ask the participants, once, to record when a sent inquiry was received or announced."""
    stmt = select(Inquiry).where(
        Inquiry.state == InquiryState.sent,
        Inquiry.answer_due.is_(None),
        Inquiry.sent_date <= today - timedelta(days=RECORD_START_AFTER_DAYS),
    )
    added = 0
    for inquiry in db.session.scalars(stmt):
        for user in participants(inquiry):
            added += notify(
                user,
                f"inquiry:{inquiry.id}:record-start",
                _l(
                    "Inquiry #%(id)s was sent on %(date)s: record when it was received or announced at a session, "
                    "so that the answer's deadline is known.",
                    id=inquiry.id,
                    date=inquiry.sent_date.strftime("%d.%m.%Y"),
                ),
                None,
                email=True,
            )
    return added
