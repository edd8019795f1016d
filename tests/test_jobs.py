"""Jobs on rq with a real Redis and a real forking worker process."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from reception.audit.models import AuditEntry
from reception.extensions import db
from reception.jobs.queues import enqueue_after_commit, get_queue
from reception.jobs.tasks import record_worker_ping

PROJECT = Path(__file__).resolve().parent.parent


def _worker_env(app) -> dict:
    return dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=app.config["REDIS_URL"])


def test_job_is_queued_only_after_commit(ctx):
    queue = get_queue()
    enqueue_after_commit(record_worker_ping, "after-commit")
    assert queue.count == 0
    db.session.commit()
    assert queue.count == 1
    job = queue.jobs[0]
    assert job.func_name == "reception.jobs.tasks.record_worker_ping" and job.args == ("after-commit",)


def test_rolled_back_transaction_queues_nothing(ctx):
    enqueue_after_commit(record_worker_ping, "rolled-back")
    db.session.rollback()
    db.session.commit()
    assert get_queue().count == 0


@pytest.mark.slow
def test_a_real_worker_runs_the_job_and_writes_the_database(app):
    with app.app_context():
        enqueue_after_commit(record_worker_ping, "token-123")
        db.session.commit()
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=PROJECT,
        env=_worker_env(app),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "system.worker_ping")).all()
        assert [e.details["token"] for e in entries] == ["token-123"]
        assert entries[0].details["pid"] != os.getpid()


@pytest.mark.slow
def test_healthz_counts_running_workers(app, client):
    assert client.get("/healthz").get_json()["checks"]["redis"]["workers"] == 0
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=PROJECT,
        env=_worker_env(app),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        workers = 0
        while time.monotonic() < deadline and workers == 0:
            time.sleep(0.3)
            workers = client.get("/healthz").get_json()["checks"]["redis"]["workers"]
        assert workers == 1
    finally:
        worker.terminate()
        worker.wait(20)
