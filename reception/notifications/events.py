"""Which events tell citizens what, in their language; each message names the tracking code, never the PIN.

Other domains tell a citizen about an appeal with `notify_citizen(appeal, event_key, key=...)`, inside the
transaction that records the event (e.g. inquiries: `notify_citizen(appeal, "inquiry_answered",
key=f"inquiry:{inquiry.id}:answered")`); the texts are in messages.CITIZEN_EVENTS.
"""

from flask_babel import force_locale

from ..appeals.models import Appeal, AppealEvent, AppealState, EventKind
from ..appeals.receipt import status_url
from .messages import CITIZEN_EVENTS, Facts, citizen_message
from .models import MessageChannel
from .outbox import queue_messages

#: Changes of state the citizen hears about, and the message each one sends.
TOLD = {
    AppealState.routed: "routed",
    AppealState.redirected: "redirected",
    AppealState.inquiry_sent: "inquiry_sent",
    AppealState.answer_received: "inquiry_answered",
    AppealState.resolved: "resolved",
    AppealState.rejected: "rejected",
    AppealState.reopened: "reopened",
}


#: Steps whose e-mail is the letter's own (letters/delivery.py e-mails the written answer, the notice of
#: extension and the notice of forwarding, or records them for the post): here they send the SMS only, so the
#: citizen gets one SMS and one e-mail about each.
LETTER_MAILED = frozenset({"resolved", "rejected", "redirected", "extended"})


def first_name(full_name: str) -> str:
    """The given name in "Surname Name Patronymic" (the order on Kazakhstan's ID cards)."""
    parts = full_name.split()
    return parts[1] if len(parts) > 1 else (parts[0] if parts else "")


def _public_body(appeal: Appeal, event_key: str) -> str:
    if event_key == "routed" and appeal.deputy is not None:
        return appeal.deputy.body.name
    if event_key == "redirected" and appeal.redirected_to is not None:
        return appeal.redirected_to.name
    return ""


def notify_citizen(
    appeal: Appeal,
    event_key: str,
    *,
    key: str | None = None,
    body: str | None = None,
    reminder: bool = False,
    email: bool = True,
    point: str = "",
    task: str = "",
) -> int:
    """Queue the SMS and e-mail that tell the appeal's citizen about `event_key`; returns how many were queued.

    `event_key` is one of messages.CITIZEN_EVENTS; `key` names this occurrence (default: the event key, for
    events that happen once), so calling again for the same occurrence queues nothing. `body` is the public
    body the message names, if any (by default the deputy's body or the body the appeal went to). A
    `reminder` keeps quiet hours by e-mail too; `email=False` sends the SMS alone. `point` and `task` are
    what a voters' mandate's messages name. Anonymous appeals have nobody to tell. The caller commits.
    """
    if event_key not in CITIZEN_EVENTS:
        raise ValueError(f"no message for event {event_key!r}")
    citizen = appeal.citizen
    if citizen is None or citizen.anonymised_dt is not None:
        return 0
    facts = Facts(
        code=appeal.tracking_code,
        first_name=first_name(citizen.full_name),
        date=appeal.deadline.strftime("%d.%m.%Y"),
        body=_public_body(appeal, event_key) if body is None else body,
        link=status_url(appeal.tracking_code),
        point=point,
        task=task,
    )
    with force_locale(citizen.language):
        sms, mail = citizen_message(event_key, facts)
    prefix = f"appeal:{appeal.id}:{key or event_key}"
    messages = []
    # The appeal's own contacts: those given with it, not whatever another channel put on the citizen's record.
    if appeal.contact_phone:
        messages.append(
            {
                "dedupe_key": f"{prefix}:sms",
                "channel": MessageChannel.sms,
                "recipient": appeal.contact_phone,
                "language": citizen.language,
                "body": sms,
                "appeal_id": appeal.id,
            }
        )
    if email and appeal.contact_email:
        messages.append(
            {
                "dedupe_key": f"{prefix}:email",
                "channel": MessageChannel.email,
                "recipient": appeal.contact_email,
                "language": citizen.language,
                "subject": mail.subject,
                "body": mail.text,
                "html_body": mail.html,
                "appeal_id": appeal.id,
                "quiet_hours": reminder,
            }
        )
    return queue_messages(messages)


def appeal_registered(appeal: Appeal) -> int:
    """Queue the SMS and e-mail that confirm a registration; returns how many were queued."""
    return notify_citizen(appeal, "registered")


def event_key_of(event: AppealEvent) -> str | None:
    """The message a timeline event sends the citizen, if any."""
    if event.kind == EventKind.extension:
        return "extended"
    return TOLD.get(event.to_state) if event.kind == EventKind.transition else None


def tell_citizen(appeal: Appeal, event: AppealEvent, **_extra) -> int:
    """Queue an SMS (and e-mail) for a change the citizen should hear about; returns how many."""
    event_key = event_key_of(event)
    if event_key is None or not event.is_public:
        return 0
    return notify_citizen(appeal, event_key, key=f"event:{event.id}", email=event_key not in LETTER_MAILED)
