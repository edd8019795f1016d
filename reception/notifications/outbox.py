"""Queueing messages in the outbox and delivering them, at most once each.

A message row is written in the transaction of the event that causes it; the delivery job is enqueued
only after that commit, with the row's id. The job claims the row with a conditional update
(pending → sending), so two workers never send the same row; a sweeper re-enqueues rows left pending
(for instance because Redis was down at commit time).
"""

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from rq import Retry
from sqlalchemy import select, update

from ..dbtypes import utcnow
from ..extensions import db
from ..jobs import enqueue, enqueue_after_commit, get_queue
from . import channels
from .models import MessageChannel, MessageState, OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
#: A pending row older than this is considered lost in transit and re-enqueued by the sweeper.
SWEEP_AFTER = timedelta(minutes=2)


def queue_message(*, dedupe_key: str, channel: MessageChannel, recipient: str, language: str, body: str,
                  subject: str = "", appeal_id: int | None = None, urgent: bool = False) -> OutboxMessage | None:
    """Add a message to the outbox (nothing if its dedupe key is already there); the caller commits."""
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    message = OutboxMessage(dedupe_key=dedupe_key, channel=channel, recipient=recipient, language=language,
                            subject=subject, body=body, appeal_id=appeal_id, urgent=urgent)
    db.session.add(message)
    db.session.flush()
    enqueue_after_commit(deliver_message, message.id, queue="notifications", retry=_retry())
    return message


def _retry() -> Retry:
    return Retry(max=MAX_ATTEMPTS - 1, interval=current_app.config["NOTIFY_RETRY_INTERVALS"])


LOCAL_ZONE = ZoneInfo("Asia/Almaty")


def next_send_time(channel: MessageChannel, now: datetime) -> datetime | None:
    """None if the message may go now; else the moment quiet hours end (SMS only: e-mail waits in a mailbox).

    SMS go out only between SMS_SEND_HOURS (default 09:00–20:00) Almaty time; None in the setting turns
    the rule off.
    """
    hours = current_app.config.get("SMS_SEND_HOURS")
    if channel != MessageChannel.sms or not hours:
        return None
    start, end = time(hours[0]), time(hours[1])
    local = now.astimezone(LOCAL_ZONE)
    if start <= local.time() < end:
        return None
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, tzinfo=LOCAL_ZONE)


def deliver_message(message_id: int, now: datetime | None = None) -> str:
    """The job: claim the row, send it, record the outcome. Raises on a transient failure so rq retries."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        return "skipped"
    later = None if message.urgent else next_send_time(message.channel, now or utcnow())
    if later is not None and message.state == MessageState.pending:
        # Nobody gets an SMS at night: the same job runs again when quiet hours end.
        get_queue("notifications").enqueue_at(later, deliver_message, message_id, retry=_retry())
        return "deferred"
    claimed = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.state == MessageState.pending)
        .values(state=MessageState.sending, attempts=OutboxMessage.attempts + 1)
    ).rowcount
    db.session.commit()
    if not claimed:
        return "skipped"  # sent already, being sent, or failed for good
    db.session.refresh(message)
    try:
        if message.channel == MessageChannel.email:
            provider_id = channels.send_email(message.recipient, message.subject, message.body)
        else:
            provider_id = channels.send_sms(message.recipient, message.body, reference=message.dedupe_key)
    except channels.DeliveryError as exc:
        final = exc.permanent or message.attempts >= MAX_ATTEMPTS
        message.state = MessageState.failed if final else MessageState.pending
        message.last_error = str(exc)[:500]
        db.session.commit()
        logger.warning("message %s attempt %s failed (%s): %s", message_id, message.attempts,
                       "final" if final else "will retry", exc)
        if final:
            return "failed"
        raise
    message.state, message.provider_message_id, message.sent_dt = MessageState.sent, provider_id, utcnow()
    message.last_error = ""
    db.session.commit()
    return "sent"


def sweep_outbox() -> int:
    """Re-enqueue messages left pending too long (their job was lost); returns how many."""
    cutoff = utcnow() - SWEEP_AFTER
    ids = list(db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.state == MessageState.pending, OutboxMessage.created_dt < cutoff)))
    for message_id in ids:
        enqueue(deliver_message, message_id, queue="notifications", retry=_retry())
    return len(ids)
