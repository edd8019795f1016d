"""What the letters listen to: the appeal's steps that the law wants answered in writing; `create_app` connects
them, once."""

from sqlalchemy import select, update

from ..appeals import deadlines
from ..appeals.models import Appeal, AppealEvent, AppealState, EventKind
from ..appeals.operations import work_calendar
from ..appeals.signals import appeal_changed, appeal_erasing
from ..dbtypes import utcnow
from ..extensions import db
from .delivery import send_to_citizen
from .models import LetterKind, OutgoingLetter, PostalDispatch
from .operations import issue_letter

#: Decisions answered by the written answer. The body's answer to a deputy inquiry (answer_received) is not:
#: the deputy still decides on it, and the citizen's written answer is that decision's.
DECISIONS = {AppealState.resolved: False, AppealState.rejected: True}


def _issued(event: AppealEvent, kind: LetterKind) -> bool:
    return (
        db.session.scalar(
            select(OutgoingLetter.id).where(OutgoingLetter.event_id == event.id, OutgoingLetter.kind == kind)
        )
        is not None
    )


def _has_citizen(appeal: Appeal) -> bool:
    return appeal.citizen is not None and appeal.citizen.anonymised_dt is None


def write_letters(appeal: Appeal, event: AppealEvent, **_extra) -> list[OutgoingLetter]:
    """The letters a step of the appeal calls for, made in its transaction; none twice for the same step."""
    made = []
    user = event.user
    if event.kind == EventKind.extension:
        if _has_citizen(appeal) and not _issued(event, LetterKind.extension_notice):
            letter = issue_letter(appeal, LetterKind.extension_notice, event=event, user=user, comment=event.comment)
            notify_by = deadlines.extension_notice_deadline(deadlines.local_date(utcnow()), work_calendar())
            send_to_citizen(letter, appeal, post_by=notify_by)
            made.append(letter)
        return made
    if event.kind != EventKind.transition:
        return made
    if event.to_state in DECISIONS and _has_citizen(appeal) and not _issued(event, LetterKind.answer):
        letter = issue_letter(
            appeal, LetterKind.answer, event=event, user=user, comment=event.comment, rejected=DECISIONS[event.to_state]
        )
        send_to_citizen(letter, appeal)
        made.append(letter)
    if event.to_state == AppealState.redirected and not _issued(event, LetterKind.forwarding):
        body = appeal.redirected_to
        # The step's comment is "reason — body[, № typed number]" (appeals.redirect_appeal): the letter says
        # the body in its own words, so it takes the reason alone.
        reason = event.comment.partition(f" — {body.name}")[0] if body is not None else event.comment
        forwarding = issue_letter(
            appeal,
            LetterKind.forwarding,
            event=event,
            user=user,
            comment=reason,
            body=body,
            recipient=body.name if body is not None else "",
        )
        made.append(forwarding)
        if not appeal.outgoing_letter_number:
            appeal.outgoing_letter_number = forwarding.number
        if _has_citizen(appeal):
            notice = issue_letter(
                appeal, LetterKind.copy_notice, event=event, user=user, comment=reason, body=body, forwarding=forwarding
            )
            send_to_citizen(notice, appeal)
            made.append(notice)
    return made


def erase_appeal_letters(appeal: Appeal, **_extra) -> None:
    """The retention job's erasure: the letters' files and the citizen's name and address go; the register's
    entries (number, date, kind, signer, the body a forwarding letter went to) stay."""
    letters = select(OutgoingLetter.id).where(OutgoingLetter.appeal_id == appeal.id)
    db.session.execute(
        update(OutgoingLetter)
        .where(OutgoingLetter.appeal_id == appeal.id)
        .values(docx=b"", pdf=None, pdf_error="erased by the retention job")
    )
    db.session.execute(
        update(OutgoingLetter)
        .where(OutgoingLetter.appeal_id == appeal.id, OutgoingLetter.kind != LetterKind.forwarding)
        .values(recipient="")
    )
    db.session.execute(update(PostalDispatch).where(PostalDispatch.letter_id.in_(letters)).values(address=""))


def connect() -> None:
    """Write the letters of each step as it happens, and erase them with the appeal's personal data (blinker
    ignores a second connection)."""
    appeal_changed.connect(write_letters)
    appeal_erasing.connect(erase_appeal_letters)
