"""Which events tell citizens what, in their language; each message names the tracking code, never the PIN."""

from flask_babel import force_locale
from flask_babel import gettext as _

from ..appeals.models import Appeal
from .models import MessageChannel
from .outbox import queue_message


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
