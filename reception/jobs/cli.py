"""The commands that run the background: `flask worker`, `flask ping-worker` and `flask cron`."""

import logging
import os
import secrets
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from redis.exceptions import RedisError
from rq import Queue
from rq.worker import Worker
from sqlalchemy import select

from ..extensions import db
from .queues import QUEUES, enqueue, get_redis
from .schedule import build_scheduler
from .tasks import record_worker_ping

logger = logging.getLogger(__name__)


def prepare_for_forking() -> None:
    """Ready the worker process for its work horses (one forked child per job).

    The mappers are configured and every job's module imported (with the schedule, above) here, once, instead of in every child; and
    a child drops the database connections it inherited (without closing them: they are the parent's),
    so no two processes ever talk over one connection. The parent connects once and hangs up: SQLAlchemy
    learns the server (version, settings: several round trips) on an engine's first connection, and a
    child forked after that inherits what it learnt instead of asking again for every job.
    """
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    engine = db.engine
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as exc:  # the database is down: each job's first connection will learn it instead
        logger.warning("worker: could not connect to the database before forking: %s", exc)
    engine.dispose()  # the parent keeps no connection of its own
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
@click.option("--queue", "queues", multiple=True, help="Queue to serve (repeatable); default all.")
@click.option("--retry-seconds", default=5.0, help="Seconds between tries while Redis is unreachable.")
@with_appcontext
def worker_command(burst: bool, queues: tuple[str, ...], retry_seconds: float) -> None:
    """Run an rq worker inside the application context; survives a Redis outage."""
    names = queues or QUEUES
    prepare_for_forking()
    logger.info("worker serving %s on %s", ", ".join(names), current_app.config["REDIS_URL"])
    while True:
        connection = get_redis()
        try:
            worker = Worker([Queue(n, connection=connection) for n in names], connection=connection)
            worker.work(burst=burst, with_scheduler=True)
            return  # the queues are empty (burst), or it was told to stop
        except RedisError as exc:
            # rq rides out an outage while it waits for jobs, but not one that strikes while it starts up
            # (registering, taking the scheduler's locks): then it starts again, like cron.
            if burst:
                raise
            logger.warning("worker: Redis unreachable (%s); starting again in %s s", exc, retry_seconds)
            time.sleep(retry_seconds)


@click.command("ping-worker")
@click.option("--wait", default=10.0, help="Seconds to wait for the worker.")
@with_appcontext
def ping_worker_command(wait: float) -> None:
    """Queue a ping job and wait until a worker has run it."""
    from ..audit.models import AuditEntry

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


@click.command("cron")
@click.option("--retry-seconds", default=5.0, help="Seconds between tries while Redis is unreachable.")
@with_appcontext
def cron_command(retry_seconds: float) -> None:
    """Run the periodic-job scheduler (it only enqueues; workers run the jobs); survives a Redis outage."""
    run_cron(retry_seconds)


def run_cron(retry_seconds: float = 5.0) -> None:
    """Keep rq's cron scheduler running until it is told to stop (SIGINT/SIGTERM): while Redis is down it
    waits and starts again, instead of dying and leaving the periodic jobs unscheduled until someone notices."""
    while True:
        try:
            build_scheduler(get_redis()).start()
            return  # stopped by a signal
        except RedisError as exc:
            logger.warning("cron: Redis unreachable (%s); starting again in %s s", exc, retry_seconds)
            time.sleep(retry_seconds)
