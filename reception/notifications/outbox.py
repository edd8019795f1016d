"""Queueing messages in the outbox and delivering them, at most once each.

A message row is written in the transaction of the event that causes it; the delivery job is enqueued
only after that commit, with the row's id. The job claims the row with a conditional update
(pending → sending), so two workers never send the same row; a sweeper re-enqueues rows left pending
(for instance because Redis was down at commit time).

A worker killed while sending (SIGKILL, the machine gone) leaves its row `sending`. rq kills a delivery
job after DELIVERY_TIMEOUT, so a claim older than NOTIFY_CLAIM_TIMEOUT (far longer) belongs to nobody:
the sweeper puts the row back to pending and it is sent again under the same reference (the dedupe key:
the SMS gateway's idempotency key, and the e-mail's Message-ID), so a gateway that had already taken
the first request answers with the same id instead of sending twice. A row once `sent` (it has the
provider's id) is never claimed again.
"""

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from rq import Retry
from rq.job import Job, JobStatus
from sqlalchemy import func, select, update

from ..dbtypes import utcnow
from ..extensions import db
from ..jobs import enqueue, enqueue_after_commit, get_queue, get_redis
from . import channels
from .models import MessageChannel, MessageState, OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
#: A pending row this long past its due time is considered lost in transit and re-enqueued by the sweeper.
SWEEP_AFTER = timedelta(minutes=2)
#: Seconds a delivery job may run before rq kills it (the SMTP and HTTP timeouts are 20 and 15 s).
DELIVERY_TIMEOUT = 60


def queue_message(
    *,
    dedupe_key: str,
    channel: MessageChannel,
    recipient: str,
    language: str,
    body: str,
    subject: str = "",
    html_body: str = "",
    appeal_id: int | None = None,
    quiet_hours: bool | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox (nothing if its dedupe key is already there); the caller commits.

    `quiet_hours` holds the message back at night (see `next_send_time`); by default every SMS is.
    """
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    message = OutboxMessage(
        dedupe_key=dedupe_key,
        channel=channel,
        recipient=recipient,
        language=language,
        subject=subject[:255],
        body=body,
        html_body=html_body,
        appeal_id=appeal_id,
        quiet_hours=channel == MessageChannel.sms if quiet_hours is None else quiet_hours,
    )
    db.session.add(message)
    db.session.flush()
    deliver_after_commit(message.id)
    return message


def deliver_after_commit(message_id: int) -> None:
    """Queue the row's delivery job once the current transaction commits."""
    enqueue_after_commit(
        deliver_message,
        message_id,
        queue="notifications",
        retry=_retry(),
        job_timeout=DELIVERY_TIMEOUT,
        job_id=delivery_job_id(message_id),
    )


def delivery_job_id(message_id: int) -> str:
    """The rq job id of a row's delivery, so the sweeper can tell a waiting job from a lost one."""
    return f"deliver-{message_id}"


def _retry() -> Retry:
    return Retry(max=MAX_ATTEMPTS - 1, interval=current_app.config["NOTIFY_RETRY_INTERVALS"])


def _retry_wait(attempts: int) -> timedelta:
    """How long rq's Retry waits after the `attempts`-th attempt failed (its own rule: the last interval repeats)."""
    intervals = current_app.config["NOTIFY_RETRY_INTERVALS"]
    return timedelta(seconds=intervals[min(attempts - 1, len(intervals) - 1)])


LOCAL_ZONE = ZoneInfo("Asia/Almaty")


def within_send_hours(now: datetime) -> bool:
    """Whether `now` is inside SMS_SEND_HOURS, Almaty time (always, if the setting is off)."""
    return next_send_time(True, now) is None


def next_send_time(quiet_hours: bool, now: datetime) -> datetime | None:
    """None if the message may go now; else the moment quiet hours end.

    Messages that keep quiet hours (every SMS, reminders to citizens) go out only between SMS_SEND_HOURS
    (default 09:00–20:00) Almaty time; None in the setting turns the rule off. Other e-mail waits in a
    mailbox and goes at once.
    """
    hours = current_app.config.get("SMS_SEND_HOURS")
    if not quiet_hours or not hours:
        return None
    start, end = time(hours[0]), time(hours[1])
    local = now.astimezone(LOCAL_ZONE)
    if start <= local.time() < end:
        return None
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, tzinfo=LOCAL_ZONE)


def deliver_message(message_id: int, now: datetime | None = None) -> str:
    """The job: claim the row, send it, record the outcome. Raises on a transient failure so rq retries."""
    now = now or utcnow()
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        return "skipped"
    later = next_send_time(message.quiet_hours, now)
    if later is not None and message.state == MessageState.pending:
        # Nobody gets an SMS at night: the same job runs again when quiet hours end.
        message.next_attempt_dt = later
        db.session.commit()
        get_queue("notifications").enqueue_at(
            later,
            deliver_message,
            message_id,
            retry=_retry(),
            job_timeout=DELIVERY_TIMEOUT,
            job_id=f"{delivery_job_id(message_id)}-at-{int(later.timestamp())}",
        )
        return "deferred"
    # The claim: only a pending row never delivered; whoever updates it first sends it.
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.state == MessageState.pending,
            OutboxMessage.provider_message_id == "",
        )
        .values(state=MessageState.sending, attempts=OutboxMessage.attempts + 1, claimed_dt=now)
    ).rowcount
    db.session.commit()
    if not claimed:
        return "skipped"  # sent already, being sent, or failed for good
    db.session.refresh(message)
    try:
        if message.channel == MessageChannel.email:
            provider_id = channels.send_email(
                message.recipient,
                message.subject,
                message.body,
                html=message.html_body,
                message_id=f"outbox-{message.id}",
            )
        else:
            provider_id = channels.send_sms(message.recipient, message.body, reference=message.dedupe_key)
    except channels.DeliveryError as exc:
        final = exc.permanent or message.attempts >= MAX_ATTEMPTS
        message.state = MessageState.failed if final else MessageState.pending
        message.last_error = str(exc)[:500]
        message.next_attempt_dt = None if final else utcnow() + _retry_wait(message.attempts)
        db.session.commit()
        logger.warning(
            "message %s attempt %s failed (%s): %s",
            message_id,
            message.attempts,
            "final" if final else "will retry",
            exc,
        )
        if final:
            return "failed"
        raise
    message.state, message.provider_message_id, message.sent_dt = MessageState.sent, provider_id or "-", utcnow()
    message.last_error = ""
    db.session.commit()
    return "sent"


def sweep_outbox(now: datetime | None = None) -> int:
    """Bring back what lost its job; returns how many messages were enqueued.

    First, rows claimed longer than NOTIFY_CLAIM_TIMEOUT ago by a worker that died go back to pending;
    then every pending row SWEEP_AFTER past its due time (its job never reached Redis, or was lost with
    it) is enqueued again. Two sweeps at once are harmless: the delivery claim lets one job send.
    """
    now = now or utcnow()
    stale = now - timedelta(seconds=current_app.config["NOTIFY_CLAIM_TIMEOUT"])
    revived = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state == MessageState.sending, OutboxMessage.claimed_dt < stale)
        .values(state=MessageState.pending, next_attempt_dt=None, last_error="the worker sending it stopped")
    ).rowcount
    db.session.commit()
    if revived:
        logger.warning("outbox: %s messages claimed by a stopped worker are pending again", revived)
    cutoff = now - SWEEP_AFTER
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.state == MessageState.pending,
                func.coalesce(OutboxMessage.next_attempt_dt, OutboxMessage.created_dt) < cutoff,
            )
            .order_by(OutboxMessage.id)
        )
    )
    waiting = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
    jobs = Job.fetch_many([delivery_job_id(i) for i in ids], connection=get_redis()) if ids else []
    swept = 0
    for message_id, job in zip(ids, jobs, strict=False):
        if job is not None and job.get_status(refresh=False) in waiting:
            continue  # its job is only waiting its turn in a long queue: one more would be a duplicate
        enqueue(
            deliver_message,
            message_id,
            queue="notifications",
            retry=_retry(),
            job_timeout=DELIVERY_TIMEOUT,
            job_id=delivery_job_id(message_id),
        )
        swept += 1
    return swept
