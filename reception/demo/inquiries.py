"""Demo deputy inquiries of deputy@demo.kz: a draft, one sent and overdue, one answered."""

from datetime import timedelta

from sqlalchemy import func, select

from ..accounts.models import User
from ..appeals import deadlines
from ..appeals.models import Appeal, AppealState
from ..appeals.signals import appeal_changed
from ..dbtypes import utcnow
from ..directory.models import GovernmentBody
from ..extensions import db
from ..inquiries import operations as ops
from ..inquiries.models import AnswerAssessment, Inquiry, InquiryState
from ..inquiries.summaries import needing_summary, set_letter_summaries
from .appeals import SUMMARIES

#: Each demo summary, in either language, and its counterpart in the other: the deputy's retelling for a letter
#: in the language the citizen did not write in.
_RETOLD = {ru[0]: kk[0] for _code, ru, kk in SUMMARIES} | {kk[0]: ru[0] for _code, ru, kk in SUMMARIES}


def create_demo_inquiries() -> int:
    """Create them once, from the demo deputy's open appeals; returns how many were made."""
    if db.session.scalar(select(func.count(Inquiry.id))):
        return 0
    user = db.session.scalar(select(User).where(User.email == "deputy@demo.kz"))
    if user is None or user.deputy_id is None:
        return 0
    appeals = list(
        db.session.scalars(
            select(Appeal)
            .where(Appeal.deputy_id == user.deputy_id, Appeal.state.in_([AppealState.routed, AppealState.in_progress]))
            .order_by(Appeal.registered_dt)
        )
    )
    if len(appeals) < 3:
        return 0
    today = deadlines.local_date(utcnow())
    # A letter is sent after the appeals it tells of: the sent ones are made from appeals a month old or more.
    old = [a for a in appeals if deadlines.local_date(a.registered_dt) <= today - timedelta(days=35)]
    body = lambda code: db.session.scalar(select(GovernmentBody).where(GovernmentBody.code == code))  # noqa: E731
    fresh = [a for a in appeals if a not in old[:4]]  # each appeal in one demo letter
    plans = [
        (fresh[-3:], "MIN-INTERNAL", "ru", None),
        (old[:2], "GOV", "kk", "overdue"),
        (old[2:4], "MIN-INTERNAL", "ru", "answered"),
    ]
    made = 0
    with appeal_changed.muted():  # history, not news
        for chosen, code, language, fate in plans:
            if not chosen or body(code) is None:
                continue
            inquiry = ops.create_inquiry(chosen, user=user, addressee=body(code), language=language)
            retold = {a.id: _RETOLD[a.summary] for a in needing_summary(inquiry) if a.summary in _RETOLD}
            if retold:
                set_letter_summaries(inquiry, retold, user=user)
            made += 1
            if fate is None:
                continue
            latest = max(deadlines.local_date(a.registered_dt) for a in chosen)
            sent_on = min(latest + timedelta(days=3), today - timedelta(days=30))
            ops.transition(inquiry, InquiryState.under_review, user=user)
            ops.transition(inquiry, InquiryState.approved, user=user)
            ops.mark_sent(inquiry, user=user, outgoing_number=f"01-12/{100 + made}", sent_date=sent_on)
            if fate == "overdue":
                # Announced at the session two days after sending: its term ran out long ago.
                ops.record_term_start(
                    inquiry,
                    user=user,
                    announced_date=sent_on + timedelta(days=2),
                    announced_session=f"Пленарное заседание: {user.deputy.body.name_ru}",
                    today=today,
                )
            if fate == "answered":
                ops.record_answer(
                    inquiry,
                    user=user,
                    answer_date=sent_on + timedelta(days=10),
                    answer_number="ИО-2045",
                    answer_text="Проведена проверка, виновные привлечены к ответственности.",
                    public_summary="Министерство провело проверку и приняло меры.",
                    assessment=AnswerAssessment.substantive,
                )
    db.session.commit()
    return made
