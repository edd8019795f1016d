"""Escalation: not taken into work in 2 working days, or overdue, goes up a level at a time; twice = once."""

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from factories import branch, make_appeal, make_deputy
from sqlalchemy import select

from reception.appeals import operations as appeal_ops
from reception.appeals.models import Appeal, AppealEvent
from reception.extensions import db
from reception.routing.escalation import escalate_appeals

PROJECT = Path(__file__).resolve().parent.parent


def routed_appeal(registered: datetime) -> Appeal:
    """An appeal registered and routed to a new deputy at `registered`."""
    return make_appeal(summary="Вопрос", registered_at=registered, deputy=make_deputy(), routed_at=registered)


def at(day: date, hour=6) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_not_taken_into_work_escalates_step_by_step_and_twice_is_once(ctx):
    appeal = routed_appeal(at(date(2026, 11, 23)))  # Monday
    assert escalate_appeals(at(date(2026, 11, 24))) == 0  # one working day: not yet
    assert escalate_appeals(at(date(2026, 11, 25))) == 1  # two working days: to the branch head
    assert escalate_appeals(at(date(2026, 11, 25), 9)) == 0  # the same run again escalates nothing
    db.session.refresh(appeal)
    assert (appeal.escalation_level, appeal.escalated_to_branch.code) == (1, "ALM-03")
    assert escalate_appeals(at(date(2026, 11, 26))) == 0  # the head gets 2 working days
    assert escalate_appeals(at(date(2026, 11, 27))) == 1
    db.session.refresh(appeal)
    assert (appeal.escalation_level, appeal.escalated_to_branch.code) == (2, "ALM-00")
    assert escalate_appeals(at(date(2026, 12, 1))) == 1
    assert escalate_appeals(at(date(2026, 12, 10))) == 0  # the central office is the top
    db.session.refresh(appeal)
    assert (appeal.escalation_level, appeal.escalated_to_branch.code) == (3, "KZ-00")
    kinds = db.session.scalars(select(AppealEvent.kind).where(AppealEvent.appeal_id == appeal.id)).all()
    assert kinds.count("escalation") == 3


def test_taken_into_work_in_time_does_not_escalate_until_overdue(ctx):
    appeal = routed_appeal(at(date(2026, 11, 23)))
    appeal_ops.take_into_work(appeal, user=None)
    db.session.commit()
    assert escalate_appeals(at(date(2026, 11, 30))) == 0
    assert escalate_appeals(at(appeal.deadline)) == 0  # due today is not overdue
    assert escalate_appeals(at(date(2026, 12, 31))) == 1
    details = db.session.scalars(select(AppealEvent.details).where(AppealEvent.kind == "escalation")).one()
    assert details == {"escalation": {"branch": branch("ALM-03").id, "reason": "overdue"}}


@pytest.mark.slow
def test_the_scheduler_queues_escalation_and_a_worker_runs_it(app):
    from rq import Queue

    from reception.jobs.queues import get_redis
    from reception.jobs.schedule import build_scheduler

    with app.app_context():
        appeal_id = routed_appeal(at(date(2026, 1, 5))).id  # long overdue by now
        enqueued = build_scheduler(get_redis()).enqueue_jobs()
        assert {job.func.__name__ for job in enqueued} == {
            "escalate_due_appeals",
            "sweep_outbox",
            "remind_deadlines",
            "remind_forwarding",
            "remind_inquiry_answers",
            "remind_roadmap_tasks",
            "send_digests",
            "apply_retention",
            "purge_login_failures",
            "purge_unconfirmed_online_files",
            "refresh_summary",
            "purge_exports",
            "refresh_board",
        }
        assert Queue("periodic", connection=get_redis()).count == 13
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=app.config["REDIS_URL"])
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst", "--queue", "periodic"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).escalation_level == 1
