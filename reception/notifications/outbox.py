"""Queueing messages in the outbox and delivering them, at most once each.

A message row is written in the transaction of the event that causes it; the delivery job is enqueued
only after that commit, with the row's id. The job claims the row with a conditional update
(pending → sending), so two workers never send the same row; a sweeper re-enqueues rows left pending
(the delivery and the sweeper are jobs: see tasks.py)
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
from sqlalchemy import select

from ..extensions import db
from ..jobs.queues import enqueue_after_commit
from .models import MessageChannel, OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
#: A pending row this long past its due time is considered lost in transit and re-enqueued by the sweeper.
SWEEP_AFTER = timedelta(minutes=2)
#: Seconds a delivery job may run before rq kills it (the SMTP and HTTP timeouts are 20 and 15 s).
DELIVERY_TIMEOUT = 60
#: The delivery job, by name (see jobs.queues.job_name).
DELIVER_JOB = "reception.notifications.tasks.deliver_message"


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
        DELIVER_JOB,
        message_id,
        queue="notifications",
        retry=retry_policy(),
        job_timeout=DELIVERY_TIMEOUT,
        job_id=delivery_job_id(message_id),
    )


def delivery_job_id(message_id: int) -> str:
    """The rq job id of a row's delivery, so the sweeper can tell a waiting job from a lost one."""
    return f"deliver-{message_id}"


def retry_policy() -> Retry:
    return Retry(max=MAX_ATTEMPTS - 1, interval=current_app.config["NOTIFY_RETRY_INTERVALS"])


def retry_wait(attempts: int) -> timedelta:
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
