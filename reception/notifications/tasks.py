"""The notifications' background jobs: delivering outbox messages (a batch a job; one message a job for the
jobs queued before batches came), the outbox sweeper, the staff's deadline reminders and the deputies'
daily digest (see jobs/schedule.py for when the periodic ones run)."""

import contextlib
import logging
import time
from datetime import datetime, timedelta

from flask import current_app
from redis.exceptions import RedisError
from rq import get_current_job
from rq.job import Job, JobStatus
from sqlalchemy import Connection, false, func, inspect, or_, select, true, update
from sqlalchemy.exc import SQLAlchemyError

from ..dbtypes import utcnow
from ..extensions import db
from ..jobs.queues import claim_waiting_key, get_queue, get_redis
from . import channels, digest, inapp
from .models import MessageChannel, MessageState, OutboxMessage
from .outbox import (
    BATCH_BUDGET,
    BATCH_SIZE,
    BATCH_WAITING_KEY,
    DELIVERY_TIMEOUT,
    MAX_ATTEMPTS,
    SWEEP_AFTER,
    delivery_job_id,
    next_send_time,
    retry_policy,
    retry_wait,
    start_delivery,
    start_delivery_at,
    waiting_delivery_job_id,
)

logger = logging.getLogger(__name__)


#: Seconds a message waits before trying again while an earlier one about the same appeal is not yet sent.
ORDER_WAIT_SECONDS = 5

_OPEN = (MessageState.pending, MessageState.sending)


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
                OutboxMessage.state.in_(_OPEN),
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


def _send(outlet: channels.Outlet, message: OutboxMessage) -> str:
    """Send a claimed row; returns the provider's id, raises channels.DeliveryError."""
    if message.channel == MessageChannel.email:
        return outlet.send_email(
            message.recipient,
            message.subject,
            message.body,
            html=message.html_body,
            message_id=f"outbox-{message.id}",
        )
    return outlet.send_sms(message.recipient, message.body, reference=message.dedupe_key)


def _record(message: OutboxMessage, writer: Connection | None = None, **values) -> None:
    """Write a row's outcome, durably: through the session for a row loaded in it, by id for a batch's
    copies (see `_claim_batch`), on `writer` if given (see `_outcome_writer`)."""
    for name, value in values.items():
        setattr(message, name, value)
    if inspect(message).session is not None:
        db.session.commit()
        return
    statement = OutboxMessage.__table__.update().where(OutboxMessage.__table__.c.id == message.id).values(**values)
    if writer is not None:
        writer.execute(statement)
    else:
        db.session.execute(statement)
        db.session.commit()


@contextlib.contextmanager
def _outcome_writer():
    """On PostgreSQL, a connection of the batch's own for the outcomes: in autocommit, each is one UPDATE,
    one round trip instead of three (BEGIN, UPDATE, COMMIT); and with synchronous_commit off, the server
    answers before its WAL reaches the disk, instead of one disk flush a message. Only a crash of the
    database server itself, within a fraction of a second, can then lose a "sent" mark: the row is left
    `sending` as after a worker's crash, and the sweeper sends it again under the same reference. The claim
    stays an ordinary commit. SQLite (one process, one writer) keeps the session's."""
    if db.engine.dialect.name != "postgresql":
        yield None
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("SET synchronous_commit TO off")
        try:
            yield connection
        finally:
            try:
                connection.exec_driver_sql("RESET synchronous_commit")  # the connection goes back to the pool
            except SQLAlchemyError:
                connection.invalidate()  # not with this setting, then


def _record_sent(message: OutboxMessage, provider_id: str, writer: Connection | None = None) -> None:
    values = {"state": MessageState.sent, "provider_message_id": provider_id or "-", "sent_dt": utcnow()}
    values["last_error"] = ""
    if message.carries_secret:
        body = message.body
        message.forget_secret()
        if message.body != body:
            values["body"] = message.body
    _record(message, writer, **values)


def _record_failure(message: OutboxMessage, exc: channels.DeliveryError, writer: Connection | None = None) -> bool:
    """The retry rules: a permanent failure, or the MAX_ATTEMPTS-th, is final (`failed`); otherwise the row
    is pending again, due after retry_wait. Returns whether it was final."""
    final = exc.permanent or message.attempts >= MAX_ATTEMPTS
    _record(
        message,
        writer,
        state=MessageState.failed if final else MessageState.pending,
        last_error=str(exc)[:500],
        next_attempt_dt=None if final else utcnow() + retry_wait(message.attempts),
    )
    logger.warning(
        "message %s attempt %s failed (%s): %s",
        message.id,
        message.attempts,
        "final" if final else "will retry",
        exc,
    )
    return final


def deliver_message(message_id: int, now: datetime | None = None) -> str:
    """The one-message job: claim the row, send it, record the outcome. Raises on a transient failure so rq
    retries. Jobs queued before batch delivery came call this; new work goes through `deliver_batch`."""
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
        with channels.Outlet() as outlet:
            provider_id = _send(outlet, message)
    except channels.DeliveryError as exc:
        if _record_failure(message, exc):
            return "failed"
        raise
    _record_sent(message, provider_id)
    return "sent"


# --- batches ------------------------------------------------------------------------------------


def _due(now: datetime):
    """A pending row nobody has delivered, whose wait (quiet hours, a retry's interval) is over."""
    return (
        OutboxMessage.state == MessageState.pending,
        OutboxMessage.provider_message_id == "",
        or_(OutboxMessage.next_attempt_dt.is_(None), OutboxMessage.next_attempt_dt <= now),
    )


def _defer_quiet_rows(now: datetime) -> None:
    """At night, rows that keep quiet hours wait for the morning, when a job is scheduled for them."""
    later = next_send_time(True, now)
    if later is None:
        return
    deferred = db.session.execute(
        update(OutboxMessage)
        .where(*_due(now), OutboxMessage.quiet_hours == true())
        .values(next_attempt_dt=later)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if deferred:
        start_delivery_at(later)


def _in_order(candidates: list, now: datetime) -> list[int]:
    """The candidates' ids that may go now: a message about an appeal waits while an earlier one on the
    same channel is still to be sent, unless that one goes first in this batch. The waiting ones are due
    again in ORDER_WAIT_SECONDS (and a job is scheduled for them)."""
    appeal_ids = {row.appeal_id for row in candidates if row.appeal_id is not None}
    if not appeal_ids:
        return [row.id for row in candidates]
    still_open: dict[tuple, list[int]] = {}
    for row in db.session.execute(
        select(OutboxMessage.id, OutboxMessage.appeal_id, OutboxMessage.channel).where(
            OutboxMessage.appeal_id.in_(appeal_ids), OutboxMessage.state.in_(_OPEN)
        )
    ):
        still_open.setdefault((row.appeal_id, row.channel), []).append(row.id)
    going: list[int] = []
    waiting: list[int] = []
    for row in candidates:  # in id order
        earlier = [i for i in still_open.get((row.appeal_id, row.channel), ()) if i < row.id]
        if row.appeal_id is not None and any(i not in going for i in earlier):
            waiting.append(row.id)
        else:
            going.append(row.id)
    if waiting:
        later = now + timedelta(seconds=ORDER_WAIT_SECONDS)
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(waiting))
            .values(next_attempt_dt=later)
            .execution_options(synchronize_session=False)
        )
        start_delivery_at(later)
    return going


def _claim_batch(now: datetime, size: int) -> list[OutboxMessage]:
    """Claim up to `size` due rows (pending → sending, one attempt more); returns them in id order.

    The claim is the same conditional update as a single message's. On PostgreSQL the candidates are
    locked with SKIP LOCKED, so workers claiming at once take different rows instead of racing for the
    same ones; SQLite runs one writer at a time anyway.
    """
    candidates_query = select(OutboxMessage.id, OutboxMessage.appeal_id, OutboxMessage.channel).where(*_due(now))
    if next_send_time(True, now) is not None:
        candidates_query = candidates_query.where(OutboxMessage.quiet_hours == false())
    candidates_query = candidates_query.order_by(OutboxMessage.id).limit(size)
    if db.session.get_bind().dialect.name == "postgresql":
        candidates_query = candidates_query.with_for_update(skip_locked=True)
    candidates = db.session.execute(candidates_query).all()
    ids = _in_order(candidates, now)
    claimed: list[OutboxMessage] = []
    if ids:
        # Copies outside the session, from the RETURNING row: a commit does not expire them (reading each
        # again would cost a SELECT), and the outcomes are written by id (`_record`).
        claimed = [
            OutboxMessage(**row._mapping)
            for row in db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), *_due(now))
                .values(state=MessageState.sending, attempts=OutboxMessage.attempts + 1, claimed_dt=now)
                .returning(*OutboxMessage.__table__.columns)
                .execution_options(synchronize_session=False)
            )
        ]
    db.session.commit()
    return sorted(claimed, key=lambda m: m.id)


def _release(messages: list[OutboxMessage], due: datetime | None = None) -> None:
    """Put claimed rows that were not tried back to pending, their attempt not counted."""
    if not messages:
        return
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([m.id for m in messages]), OutboxMessage.state == MessageState.sending)
        .values(
            state=MessageState.pending,
            attempts=OutboxMessage.attempts - 1,
            claimed_dt=None,
            next_attempt_dt=due,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def deliver_batch(now: datetime | None = None) -> dict[str, int]:
    """The delivery job: claim up to BATCH_SIZE due rows and send them over one set of connections.

    A message that fails does not stop the others: it follows the retry rules (`_record_failure`) and a
    job is scheduled for when it is due again. Returns how many were sent, failed for good, or are to be
    tried again.
    """
    job = get_current_job()
    claim_waiting_key(BATCH_WAITING_KEY, job.id if job else None)
    now = now or utcnow()
    started = time.monotonic()
    _defer_quiet_rows(now)
    batch = _claim_batch(now, BATCH_SIZE)
    if len(batch) == BATCH_SIZE:
        _queue_quietly(start_delivery)  # there may be more: another worker takes the next batch meanwhile
    outcome = {"sent": 0, "failed": 0, "retry": 0}
    #: (appeal, channel) of a message that failed and will be retried: later ones wait behind it.
    held_back: dict[tuple, datetime] = {}
    retry_at: datetime | None = None
    todo = list(batch)
    try:
        with channels.Outlet() as outlet, _outcome_writer() as writer:
            while todo:
                if time.monotonic() - started > BATCH_BUDGET:
                    _release(todo)
                    todo = []
                    _queue_quietly(start_delivery)
                    break
                message = todo.pop(0)
                key = (message.appeal_id, message.channel)
                if message.appeal_id is not None and key in held_back:
                    _release([message], due=held_back[key])
                    continue
                try:
                    provider_id = _send(outlet, message)
                except channels.DeliveryError as exc:
                    if _record_failure(message, exc, writer):
                        outcome["failed"] += 1
                    else:
                        outcome["retry"] += 1
                        held_back[key] = message.next_attempt_dt
                        retry_at = min(retry_at or message.next_attempt_dt, message.next_attempt_dt)
                    continue
                _record_sent(message, provider_id, writer)
                outcome["sent"] += 1
    except BaseException:
        # Killed by rq's timeout, or the database went away: what was not tried goes back at once (if the
        # database lets us; if not, the sweeper takes the claims back later).
        db.session.rollback()
        try:
            _release(todo)
        except Exception:
            db.session.rollback()
        raise
    if retry_at is not None:
        _queue_quietly(start_delivery_at, retry_at)
    return outcome


def _queue_quietly(start, *args) -> None:
    """Queue the next delivery job; if Redis is away, leave it to the sweeper rather than fail a batch whose
    rows are claimed (they would wait for NOTIFY_CLAIM_TIMEOUT)."""
    try:
        start(*args)
    except RedisError as exc:
        logger.warning("outbox: could not queue the next delivery job (the sweeper will): %s", exc)


def sweep_outbox(now: datetime | None = None) -> int:
    """Bring back what lost its job; returns how many messages it queued a delivery for.

    First, rows claimed longer than NOTIFY_CLAIM_TIMEOUT ago by a worker that died go back to pending;
    then, if any pending row is SWEEP_AFTER past its due time (its job never reached Redis, was lost with
    it, or died), a batch delivery job is queued, unless one is still waiting in the queue. Two sweeps at
    once are harmless: the delivery claim lets one job send each row.
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
    overdue = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.state == MessageState.pending,
            func.coalesce(OutboxMessage.next_attempt_dt, OutboxMessage.created_dt) < cutoff,
        )
    )
    if not overdue:
        return 0
    waiting_id = waiting_delivery_job_id()
    if waiting_id is not None:
        job = Job.fetch_many([waiting_id], connection=get_redis())[0]
        if job is not None and job.get_status(refresh=False) in {JobStatus.QUEUED, JobStatus.DEFERRED}:
            return 0  # its job is only waiting its turn in a long queue: one more would be a duplicate
    start_delivery(force=True)
    return overdue


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
