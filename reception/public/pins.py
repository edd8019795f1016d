"""A new PIN for a citizen who lost theirs: issued by the branch (printed on a new receipt), or sent by SMS
to the phone given with the appeal when the citizen asks on the status page.

Either way the old PIN stops working and so does any browser let in with it. The citizen's request answers
the same whatever was typed, so it tells nobody which codes exist; it is limited per code and per address.
"""

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..appeals import operations as appeal_ops
from ..appeals.codes import hash_pin, new_pin, normalize_tracking_code
from ..appeals.feedback import of_the_branch
from ..appeals.models import Appeal
from ..appeals.receipt import status_url
from ..audit.log import audit
from ..extensions import db
from ..notifications.models import MessageChannel
from ..notifications.outbox import queue_message
from . import status
from .online import within_limit


def can_reissue(user: User, appeal: Appeal) -> bool:
    return of_the_branch(user, appeal)


def _replace_pin(appeal: Appeal) -> str:
    pin = new_pin()
    appeal.pin_hash = hash_pin(pin, current_app.config["PIN_HMAC_KEY"])
    # A lock put on the code by wrong PINs was about the old PIN.
    status.unlock(appeal.tracking_code)
    return pin


def reissue_at_branch(appeal: Appeal, *, user: User) -> str:
    """A new PIN for the citizen at the branch's desk; returns it (for the receipt). Audited; the caller commits."""
    if not can_reissue(user, appeal):
        raise appeal_ops.TransitionNotAllowed(_l("Only the appeal's branch can issue a new PIN."))
    pin = _replace_pin(appeal)
    audit("appeal.pin_reissued", appeal, user=user, details={"channel": "branch"})
    return pin


def _language(appeal: Appeal) -> str:
    return appeal.citizen.language if appeal.citizen is not None else appeal.language


def send_by_sms(code_text: str, requester: str) -> bool:
    """The citizen asks for a new PIN for the code they typed; it goes by SMS to the phone given with the
    appeal. Commits. Returns whether an SMS was queued, which the page never tells (same answer for all).

    `requester` (the client's address) and the code each have a limit, so nobody can keep changing
    somebody's PIN or flood phones."""
    config = current_app.config
    canonical = normalize_tracking_code(code_text or "")
    if canonical is None:
        return False
    if not within_limit(config["PIN_RESEND_LIMIT_PER_CODE"], "pin-resend-code", canonical):
        return False
    if not within_limit(config["PIN_RESEND_LIMIT_PER_CLIENT"], "pin-resend-client", requester):
        return False
    appeal = db.session.scalar(select(Appeal).where(Appeal.tracking_code == canonical))
    if appeal is None or not appeal.contact_phone:
        return False
    if appeal.citizen is not None and appeal.citizen.anonymised_dt is not None:
        return False
    pin = _replace_pin(appeal)
    language = _language(appeal)
    with force_locale(language):
        body = _(
            "Qabyldau: new PIN for appeal %(code)s: %(pin)s. Do not tell it to anyone. %(link)s",
            code=appeal.tracking_code,
            pin=pin,
            link=status_url(appeal.tracking_code),
        )
    # The dedupe key is unique per request: each new PIN is a new message. quiet_hours=False: the
    # citizen is waiting for it.
    audit("appeal.pin_reissued", appeal, details={"channel": "sms"})
    db.session.flush()
    queue_message(
        dedupe_key=f"appeal:{appeal.id}:pin:{appeal.pin_hash[:16]}",
        channel=MessageChannel.sms,
        recipient=appeal.contact_phone,
        language=language,
        body=body,
        appeal_id=appeal.id,
        quiet_hours=False,
    )
    db.session.commit()
    return True
