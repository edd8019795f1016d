"""Reminders about inquiries waiting for an answer: the participants hear 3 days and 1 day before the answer
is due, and once when it is overdue (in the app and by e-mail, in office hours, each note once)."""

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
    db.session.commit()
    return added
