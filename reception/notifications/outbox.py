"""Queueing messages in the outbox and delivering them, at most once each.

A message row is written in the transaction of the event that causes it; once that commits, a delivery
job is queued unless one is already waiting (it will find the row). A delivery job takes a batch of due
rows (BATCH_SIZE) and sends them one after another over the same connections: rq forks a process a job,
and one process a message cost more than the sending. The job claims its rows with a conditional update
(pending → sending), so two workers never send the same row; if it took a full batch, it first queues
another job, so other workers take the next batches meanwhile. A sweeper queues a job again for rows
left pending (for instance because Redis was down at commit time); the delivery and the sweeper are jobs:
see tasks.py.

A worker killed while sending (SIGKILL, the machine gone) leaves its batch's unsent rows `sending`. rq
kills a delivery job after BATCH_TIMEOUT, so a claim older than NOTIFY_CLAIM_TIMEOUT (far longer) belongs
to nobody: the sweeper puts the row back to pending and it is sent again under the same reference (the
dedupe key: the SMS gateway's idempotency key, and the e-mail's Message-ID), so a gateway that had
already taken the first request answers with the same id instead of sending twice. A row once `sent` (it
has the provider's id) is never claimed again. A small batch keeps what a crash strands small.
"""

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from rq import Retry
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ..dbtypes import utcnow
from ..extensions import db
from ..jobs.queues import enqueue, enqueue_after_commit, get_queue, waiting_job_id
from .models import MessageChannel, OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
#: A pending row this long past its due time is considered lost in transit and re-enqueued by the sweeper.
SWEEP_AFTER = timedelta(minutes=2)
#: Seconds a one-message delivery job may run before rq kills it (the SMTP and HTTP timeouts are 20 and 15 s).
DELIVERY_TIMEOUT = 60
#: The one-message delivery job, by name (see jobs.queues.job_name): jobs queued before batches came.
DELIVER_JOB = "reception.notifications.tasks.deliver_message"

#: The batch delivery job, by name.
BATCH_JOB = "reception.notifications.tasks.deliver_batch"
#: Rows a delivery job claims at most: enough that forking the job costs little beside sending them, few
#: enough that a worker killed mid-batch strands few rows until the sweeper brings them back.
BATCH_SIZE = 50
#: Seconds a batch job goes on starting new messages; the rows it has not started by then go back to
#: pending for the next job (a slow gateway must not keep 50 rows claimed for 50 timeouts).
BATCH_BUDGET = 60
#: Seconds a batch job may run before rq kills it: the budget, one last message's timeout, and margin;
#: far below NOTIFY_CLAIM_TIMEOUT, so the sweeper never takes back a row a live job still holds.
BATCH_TIMEOUT = 120
#: The Redis key naming the batch job queued and not yet started (see jobs.queues.enqueue's waiting_key).
BATCH_WAITING_KEY = "outbox:deliver-batch"


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


def queue_messages(messages: list[dict]) -> int:
    """Add several messages to the outbox in one statement, each unless its dedupe key is already there;
    returns how many were added. Each dict holds `queue_message`'s arguments. The caller commits.

    One INSERT ... ON CONFLICT DO NOTHING instead of a look-up and a flush per message (an intake queues two):
    the unique key that `queue_message` checks first decides here, and a concurrent twin is skipped too. The
    columns' defaults (state pending, the time) apply to each row as in `queue_message`.
    """
    rows = [
        {
            "dedupe_key": m["dedupe_key"],
            "channel": m["channel"],
            "recipient": m["recipient"],
            "language": m["language"],
            "subject": m.get("subject", "")[:255],
            "body": m["body"],
            "html_body": m.get("html_body", ""),
            "appeal_id": m.get("appeal_id"),
            "quiet_hours": m["channel"] == MessageChannel.sms if m.get("quiet_hours") is None else m["quiet_hours"],
        }
        for m in messages
    ]
    if not rows:
        return 0
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(OutboxMessage.__table__)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.__table__.c.id)
    )
    added = len(db.session.execute(stmt).all())
    if added:
        deliver_after_commit()
    return added


def deliver_after_commit(message_id: int | None = None) -> None:
    """Have a delivery job run once the current transaction commits (unless one is already waiting: it
    will take this row too). `message_id` is the row that needs it."""
    enqueue_after_commit(
        BATCH_JOB,
        queue="notifications",
        job_timeout=BATCH_TIMEOUT,
        retry=batch_retry_policy(),
        waiting_key=BATCH_WAITING_KEY,
    )


def start_delivery(force: bool = False):
    """Queue a batch delivery job now, unless one is waiting; `force` queues one regardless (the waiting
    one is gone). Returns the job, or None."""
    if force:
        from ..jobs.queues import get_redis

        get_redis().delete(BATCH_WAITING_KEY)
    return enqueue(
        BATCH_JOB,
        queue="notifications",
        job_timeout=BATCH_TIMEOUT,
        retry=batch_retry_policy(),
        waiting_key=BATCH_WAITING_KEY,
    )


def start_delivery_at(when: datetime) -> None:
    """Have a batch delivery job run at `when` (a row waits until then: quiet hours, a retry's wait)."""
    if when <= utcnow():
        start_delivery()
        return
    # rq schedules to the whole second: round up, or the job would run before the row is due and leave it
    # to the sweeper. One job a second at most: rows due then share it (the same id is scheduled once).
    if when.microsecond:
        when = when.replace(microsecond=0) + timedelta(seconds=1)
    get_queue("notifications").enqueue_at(
        when,
        BATCH_JOB,
        job_timeout=BATCH_TIMEOUT,
        retry=batch_retry_policy(),
        job_id=f"deliver-batch-at-{int(when.timestamp())}",
    )


def waiting_delivery_job_id() -> str | None:
    """The id of the batch job queued and not started when last looked (the sweeper checks it is still there)."""
    return waiting_job_id(BATCH_WAITING_KEY)


def delivery_job_id(message_id: int) -> str:
    """The rq job id of a row's own delivery (the one-message job)."""
    return f"deliver-{message_id}"


def batch_retry_policy() -> Retry:
    """A batch job that fails as a whole (the database away while it claims) runs again soon; a message's
    own failures never fail the job (see tasks.deliver_batch), and the sweeper is the last resort."""
    return Retry(max=2, interval=[10, 60])


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
