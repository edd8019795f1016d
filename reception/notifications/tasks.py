"""The notifications' background jobs: delivering one outbox message, the outbox sweeper, the staff's
deadline reminders and the deputies' daily digest (see jobs/schedule.py for when the periodic ones run)."""

import logging
from datetime import datetime, timedelta

from flask import current_app
from rq.job import Job, JobStatus
from sqlalchemy import func, select, update

from ..dbtypes import utcnow
from ..extensions import db
from ..jobs.queues import enqueue, get_queue, get_redis
from . import channels, digest, inapp
from .models import MessageChannel, MessageState, OutboxMessage
from .outbox import (
    DELIVERY_TIMEOUT,
    MAX_ATTEMPTS,
    SWEEP_AFTER,
    delivery_job_id,
    next_send_time,
    retry_policy,
    retry_wait,
)

logger = logging.getLogger(__name__)


#: Seconds a message waits before trying again while an earlier one about the same appeal is not yet sent.
ORDER_WAIT_SECONDS = 5


def _an_earlier_one_waits(message: OutboxMessage) -> bool:
    """Whether an earlier message about the same appeal, on the same channel, is still to be sent."""
    if message.appeal_id is None:
        return False
    return bool(
        db.session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.appeal_id == message.appeal_id,
                OutboxMessage.channel == message.channel,
                OutboxMessage.id < message.id,
                OutboxMessage.state.in_([MessageState.pending, MessageState.sending]),
            )
            .limit(1)
        )
    )


def _run_again_at(message: OutboxMessage, later: datetime, suffix: str) -> None:
    """Leave the row pending and schedule its delivery job again at `later` (under a job id of its own)."""
    message.next_attempt_dt = later
    db.session.commit()
    get_queue("notifications").enqueue_at(
        later,
        deliver_message,
        message.id,
        retry=retry_policy(),
        job_timeout=DELIVERY_TIMEOUT,
        job_id=f"{delivery_job_id(message.id)}-{suffix}",
    )


def deliver_message(message_id: int, now: datetime | None = None) -> str:
    """The job: claim the row, send it, record the outcome. Raises on a transient failure so rq retries."""
    now = now or utcnow()
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        return "skipped"
    later = next_send_time(message.quiet_hours, now)
    if later is not None and message.state == MessageState.pending:
        # Nobody gets an SMS at night: the same job runs again when quiet hours end.
        _run_again_at(message, later, f"at-{int(later.timestamp())}")
        return "deferred"
    if message.state == MessageState.pending and _an_earlier_one_waits(message):
        # Messages about one appeal reach the citizen in the order they were written ("registered" before
        # "passed to a deputy"), whichever worker picks which first: this one waits for the earlier one.
        later = now + timedelta(seconds=ORDER_WAIT_SECONDS)
        _run_again_at(message, later, f"after-{int(later.timestamp() * 1000)}")
        return "waiting"
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
        message.next_attempt_dt = None if final else utcnow() + retry_wait(message.attempts)
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
    message.forget_secret()
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
            retry=retry_policy(),
            job_timeout=DELIVERY_TIMEOUT,
            job_id=delivery_job_id(message_id),
        )
        swept += 1
    return swept


def remind_deadlines(now: datetime | None = None) -> int:
    """Remind holders of deadlines and alert branch heads to the overdue; returns how many notes. Commits."""
    return inapp.send_deadline_reminders(now)


def remind_forwarding(now: datetime | None = None) -> int:
    """Warn branch heads of appeals to forward by tomorrow and alert them (and the branch above) to those not
    forwarded in time; returns how many notes. Commits."""
    return inapp.send_forwarding_reminders(now)


def send_digests(now: datetime | None = None) -> int:
    """Send today's digest to the deputies who have something in it; returns how many. Commits."""
    return digest.send_daily_digests(now)
