"""How a letter reaches the citizen: an e-mail that links it (through the outbox), or, with no e-mail, an entry
in the branch's list of letters to print and post.

The e-mail names the letter's number and the tracking code, never what the letter says: e-mail passes through
other people's servers (see notifications/messages.py); the letter itself is downloaded from the status
page with the code and PIN. The SMS about the same step is the notifications' (one per step).
"""

from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..appeals.models import Appeal
from ..appeals.receipt import status_url
from ..extensions import db
from ..notifications.events import first_name
from ..notifications.messages import email
from ..notifications.models import MessageChannel
from ..notifications.outbox import queue_message
from .models import OutgoingLetter, PostalDispatch


def send_to_citizen(letter: OutgoingLetter, appeal: Appeal, *, post_by: date | None = None) -> str:
    """E-mail the letter's link to the appeal's address, or record it for the post; returns "email" or "post"
    (or "" for an anonymous appeal). Once per letter: its dedupe key and the dispatch's unique letter id."""
    citizen = appeal.citizen
    if citizen is None or citizen.anonymised_dt is not None:
        return ""
    if appeal.contact_email:
        with force_locale(letter.language):
            link = status_url(appeal.tracking_code)
            subject = _("Appeal %(code)s: letter № %(number)s", code=appeal.tracking_code, number=letter.number)
            name = first_name(citizen.full_name)
            greeting = _("Dear %(name)s,", name=name) if name else _("Hello,")
            lines = [
                _(
                    "A letter about your appeal %(code)s has been issued: %(kind)s № %(number)s of %(date)s.",
                    code=appeal.tracking_code,
                    kind=letter.kind.label,
                    number=letter.number,
                    date=letter.letter_date.strftime("%d.%m.%Y"),
                ),
                _(
                    "Download it (Word or PDF) on the status page %(link)s with your tracking code and PIN.",
                    link=link,
                ),
            ]
            footer = [_("This message was sent automatically; please do not reply to it.")]
            mail = email(subject, greeting, lines, footer)
        queue_message(
            dedupe_key=f"letter:{letter.id}:email",
            channel=MessageChannel.email,
            recipient=appeal.contact_email,
            language=letter.language,
            subject=mail.subject,
            body=mail.text,
            html_body=mail.html,
            appeal_id=appeal.id,
        )
        return "email"
    if db.session.scalar(select(PostalDispatch.id).where(PostalDispatch.letter_id == letter.id)) is None:
        db.session.add(
            PostalDispatch(letter=letter, branch_id=letter.branch_id, address=citizen.address or "", due_date=post_by)
        )
        db.session.flush()
    return "post"


def dispatches_for(branch_ids: frozenset[int] | None, *, limit: int = 300) -> list[PostalDispatch]:
    """Letters to post for these branches (None: all): those not posted yet (earliest due first), then the
    last ones posted; with their letters, in one query."""
    from sqlalchemy.orm import joinedload

    stmt = select(PostalDispatch).options(joinedload(PostalDispatch.letter))
    if branch_ids is not None:
        stmt = stmt.where(PostalDispatch.branch_id.in_(branch_ids))
    stmt = stmt.order_by(
        PostalDispatch.posted_dt.is_not(None),
        PostalDispatch.due_date,
        PostalDispatch.posted_dt.desc(),
        PostalDispatch.id,
    )
    return list(db.session.scalars(stmt.limit(limit)))


def mark_posted(dispatch: PostalDispatch, *, user) -> None:
    """Record that the letter was printed and handed to the post (once; a second press changes nothing)."""
    from ..audit.log import audit
    from ..dbtypes import utcnow

    if dispatch.posted_dt is not None:
        return
    dispatch.posted_dt, dispatch.posted_by_id = utcnow(), user.id
    audit("letter.posted", dispatch.letter.appeal, user=user, details={"number": dispatch.letter.number})
