"""Which events tell citizens what, in their language; each message names the tracking code, never the PIN."""

from flask_babel import force_locale
from flask_babel import gettext as _

from ..appeals.models import Appeal, AppealEvent, AppealState
from ..appeals.signals import appeal_changed
from .models import MessageChannel
from .outbox import queue_message

#: Changes the citizen hears about, and what the SMS says (the e-mail adds the public comment).
TOLD = {
    AppealState.routed: "routed",
    AppealState.redirected: "redirected",
    AppealState.inquiry_sent: "inquiry_sent",
    AppealState.answer_received: "answer_received",
    AppealState.resolved: "resolved",
    AppealState.rejected: "rejected",
    AppealState.reopened: "reopened",
}


def appeal_registered(appeal: Appeal) -> int:
    """Queue the SMS and e-mail that confirm a registration; returns how many were queued."""
    citizen = appeal.citizen
    if citizen is None:
        return 0  # anonymous: nobody to tell
    queued = 0
    with force_locale(citizen.language):
        first_name = citizen.full_name.split()[1] if len(citizen.full_name.split()) > 1 else citizen.full_name
        if citizen.phone:
            text = _("Appeal %(code)s registered. Decision due by %(date)s.", code=appeal.tracking_code,
                     date=appeal.deadline.strftime("%d.%m.%Y"))
            queued += queue_message(dedupe_key=f"appeal:{appeal.id}:registered:sms", channel=MessageChannel.sms,
                                    recipient=citizen.phone, language=citizen.language, body=text,
                                    appeal_id=appeal.id) is not None
        if citizen.email:
            subject = _("Your appeal %(code)s is registered", code=appeal.tracking_code)
            body = _("Dear %(name)s,\n\nyour appeal has been registered under the tracking code %(code)s. "
                     "A decision is due by %(date)s. You can follow it with the code and the PIN from your receipt.",
                     name=first_name, code=appeal.tracking_code, date=appeal.deadline.strftime("%d.%m.%Y"))
            queued += queue_message(dedupe_key=f"appeal:{appeal.id}:registered:email", channel=MessageChannel.email,
                                    recipient=citizen.email, language=citizen.language, subject=subject, body=body,
                                    appeal_id=appeal.id) is not None
    return queued


def _change_text(appeal: Appeal, event: AppealEvent) -> str | None:
    code = appeal.tracking_code
    if event.kind == "extension":
        return _("Appeal %(code)s: the deadline is extended to %(date)s.", code=code, date=appeal.deadline.strftime("%d.%m.%Y"))
    kind = TOLD.get(event.to_state) if event.kind == "transition" else None
    if kind == "routed":
        return _("Appeal %(code)s has been passed to a deputy of %(body)s.", code=code, body=appeal.deputy.body.name)
    if kind == "redirected":
        return _("Appeal %(code)s has been forwarded to %(body)s.", code=code, body=appeal.redirected_to.name)
    if kind == "inquiry_sent":
        return _("Appeal %(code)s: the deputy has sent an inquiry to the government body.", code=code)
    if kind == "answer_received":
        return _("Appeal %(code)s: the answer to the deputy inquiry has arrived. See it with your code and PIN.", code=code)
    if kind == "resolved":
        return _("Appeal %(code)s: a decision has been made. See the answer with your code and PIN.", code=code)
    if kind == "rejected":
        return _("Appeal %(code)s has been refused. See the reason with your code and PIN.", code=code)
    if kind == "reopened":
        return _("Appeal %(code)s has been reopened.", code=code)
    return None


@appeal_changed.connect
def tell_citizen(appeal: Appeal, event: AppealEvent, **_extra) -> int:
    """Queue an SMS (and e-mail) for a change the citizen should hear about; returns how many."""
    citizen = appeal.citizen
    if citizen is None or not event.is_public:
        return 0
    queued = 0
    with force_locale(citizen.language):
        text = _change_text(appeal, event)
        if text is None:
            return 0
        key = f"appeal:{appeal.id}:event:{event.id}"
        if citizen.phone:
            queued += queue_message(dedupe_key=f"{key}:sms", channel=MessageChannel.sms, recipient=citizen.phone,
                                    language=citizen.language, body=text, appeal_id=appeal.id) is not None
        if citizen.email:
            body = text + (f"\n\n{event.comment}" if event.comment else "")
            queued += queue_message(dedupe_key=f"{key}:email", channel=MessageChannel.email, recipient=citizen.email,
                                    language=citizen.language, subject=text, body=body, appeal_id=appeal.id) is not None
    return queued
