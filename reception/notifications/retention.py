"""What the retention job erases of the notifications about an appeal (see appeals/retention.py)."""

from sqlalchemy import update

from ..appeals.models import Appeal
from ..extensions import db
from .models import InAppNotification, MessageState, OutboxMessage


def erase_appeal_messages(appeal: Appeal, **_extra) -> None:
    """Blank the recipients and texts of the appeal's messages and notes; give up any still waiting."""
    # A message still waiting (years on, only if something went badly wrong) is given up, not sent to nobody.
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.appeal_id == appeal.id, OutboxMessage.state.in_([MessageState.pending, MessageState.sending])
        )
        .values(state=MessageState.failed, last_error="erased by the retention job")
    )
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.appeal_id == appeal.id)
        .values(recipient="", subject="", body="", html_body="")
    )
    db.session.execute(
        update(InAppNotification)
        .where(InAppNotification.appeal_id == appeal.id)
        .values(text=appeal.registration_number)
    )
