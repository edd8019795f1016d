"""The administrators' background jobs page: queue lengths, failed jobs with requeue and delete, workers."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pageforms import form_on, submit
from rq import SimpleWorker
from rq.registry import FailedJobRegistry
from sqlalchemy import select
from support import text_of, translated

from reception.accounts.models import Role
from reception.audit.models import AuditEntry
from reception.extensions import db
from reception.jobs.queues import enqueue, get_queue, get_redis
from reception.jobs.tasks import record_worker_ping

PROJECT = Path(__file__).resolve().parent.parent


def explode(what: str) -> None:
    """A job that fails, as a broken job would."""
    raise RuntimeError(f"the {what} is broken")


def failed_job(app) -> str:
    with app.app_context():
        job = get_queue("documents").enqueue(explode, "printer")  # rq itself: ours takes only tasks.py jobs
        SimpleWorker([get_queue("documents")], connection=get_redis()).work(burst=True)
        assert FailedJobRegistry(queue=get_queue("documents")).get_job_ids() == [job.id]
        return job.id


def as_admin(make_user, auth):
    _, email = make_user(Role.admin)
    auth.login(email)


def test_admin_sees_queue_lengths_and_failed_jobs_with_their_exception(app, client, auth, make_user):
    job_id = failed_job(app)
    with app.app_context():
        enqueue(record_worker_ping, "a", queue="default")
        enqueue(record_worker_ping, "b", queue="default")
    as_admin(make_user, auth)
    page = client.get("/jobs/").get_data(as_text=True)
    assert 'data-queue="default" data-queued="2" data-failed="0"' in page
    assert 'data-queue="documents" data-queued="0" data-failed="1"' in page
    row = re.search(rf'<tr data-failed-job="{job_id}">.*?</tr>', page, re.S).group(0)
    assert "test_jobs_page.explode" in row and "RuntimeError: the printer is broken" in row
    assert 'href="/jobs/"' in client.get("/").get_data(as_text=True)  # in the navigation


def test_requeue_and_delete_are_posted_with_csrf_and_audited(app, client, auth, make_user):
    job_id = failed_job(app)
    as_admin(make_user, auth)
    assert client.post(f"/jobs/documents/failed/{job_id}/requeue").status_code == 400  # no CSRF token
    assert submit(client, "/jobs/", f"/jobs/documents/failed/{job_id}/requeue").status_code == 302
    with app.app_context():
        assert get_queue("documents").job_ids == [job_id]
        assert FailedJobRegistry(queue=get_queue("documents")).count == 0
        SimpleWorker([get_queue("documents")], connection=get_redis()).work(burst=True)  # fails again
    # A second tab still shows the job after it is deleted: its "Delete" comes too late, and says so.
    stale = form_on(client.get("/jobs/").get_data(as_text=True), f"/jobs/documents/failed/{job_id}/delete")
    assert submit(client, "/jobs/", f"/jobs/documents/failed/{job_id}/delete").status_code == 302
    with app.app_context():
        assert FailedJobRegistry(queue=get_queue("documents")).count == 0
        assert not get_redis().exists(f"rq:job:{job_id}")
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("job.%")).order_by(AuditEntry.id)
        ).all()
        assert [(e.action, e.details["job"], e.details["function"]) for e in entries] == [
            ("job.requeue", job_id, "test_jobs_page.explode"),
            ("job.delete", job_id, "test_jobs_page.explode"),
        ]
        assert all(e.user_id is not None for e in entries)
    page = client.post(f"/jobs/documents/failed/{job_id}/delete", data=stale.fill(), follow_redirects=True)
    assert "уже нет среди задач с ошибкой" in page.get_data(as_text=True)


def test_only_administrators_open_the_page(client, auth, make_user):
    _, email = make_user(Role.branch_head)
    auth.login(email)
    assert client.get("/jobs/").status_code == 403
    assert 'href="/jobs/"' not in client.get("/").get_data(as_text=True)


@pytest.mark.slow
def test_a_running_worker_shows_with_its_state_and_queues(app, client, auth, make_user):
    as_admin(make_user, auth)
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=app.config["REDIS_URL"])
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        page = ""
        # Wait for it to show, and to be past rq's "started" (registered, not yet waiting for jobs).
        while time.monotonic() < deadline and ("data-worker=" not in page or 'data-state="started"' in page):
            time.sleep(0.3)
            page = client.get("/jobs/").get_data(as_text=True)
        row = re.search(r'<tr data-worker="[^"]+" data-state="([a-z]+)">.*?</tr>', page, re.S)
        assert row is not None, "the worker never showed"
        assert row.group(1) == "idle"
        assert f"· {worker.pid}" in row.group(0)
        # What a person reads is the state and the queues in their language, not rq's words.
        for language in ("kk", "ru"):
            page = client.get("/jobs/", headers={"Accept-Language": language}).get_data(as_text=True)
            row = re.search(r'<tr data-worker="[^"]+" data-state="idle">(.*?)</tr>', page, re.S).group(1)
            state = translated(app, language, "Idle, waiting for jobs")
            queues = [translated(app, language, "SMS and e-mail"), translated(app, language, "Documents")]
            assert f"<td data-worker-state>{state}</td>" in row and all(q in row for q in queues)
            assert "idle" not in text_of(row) and "notifications" not in text_of(row)
            assert translated(app, language, "Periodic jobs") in text_of(page.split("data-queues", 1)[1])
    finally:
        worker.terminate()
        worker.wait(20)
