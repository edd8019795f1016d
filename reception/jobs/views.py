"""The administrators' page of the background jobs: queue lengths, failed jobs (requeue or delete) and workers."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from rq import Queue
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import DeferredJobRegistry, FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from rq.results import Result
from rq.worker import Worker

from ..accounts.access import allow
from ..accounts.models import Role
from ..audit.log import audit
from ..extensions import db
from .queues import QUEUES, get_redis

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

#: Failed jobs shown per queue, newest first.
FAILED_SHOWN = 50

#: What each queue carries, as the page names it.
QUEUE_LABELS = {
    "default": _l("General jobs"),
    "notifications": _l("SMS and e-mail"),
    "documents": _l("Documents"),
    "periodic": _l("Periodic jobs"),
}

#: rq's worker states (WorkerStatus), as the page names them.
WORKER_STATES = {
    "started": _l("Starting"),
    "idle": _l("Idle, waiting for jobs"),
    "busy": _l("Running a job"),
    "suspended": _l("Suspended"),
}


def _queue(name: str) -> Queue:
    if name not in QUEUES:
        abort(404)
    return Queue(name, connection=get_redis())


def failure_text(job: Job) -> str:
    """The traceback of the job's last failure, as rq recorded it."""
    result = job.latest_result()
    if result is not None and result.type == Result.Type.FAILED and result.exc_string:
        return result.exc_string
    return job._exc_info or ""


@bp.route("/")
@allow(Role.admin)
def index():
    """Each queue's length and registries, the failed jobs with their exceptions, and the workers."""
    connection = get_redis()
    queues, failed = [], []
    for name in QUEUES:
        queue = Queue(name, connection=connection)
        registry = FailedJobRegistry(queue=queue)
        queues.append(
            {
                "name": name,
                "label": str(QUEUE_LABELS.get(name, name)),
                "queued": queue.count,
                "started": StartedJobRegistry(queue=queue).count,
                "scheduled": ScheduledJobRegistry(queue=queue).count,
                "deferred": DeferredJobRegistry(queue=queue).count,
                "failed": registry.count,
            }
        )
        ids = registry.get_job_ids(0, FAILED_SHOWN - 1, desc=True)
        for job in Job.fetch_many(ids, connection=connection):
            if job is not None:
                text = failure_text(job)
                failed.append(
                    {
                        "queue": name,
                        "queue_label": str(QUEUE_LABELS.get(name, name)),
                        "job": job,
                        "error": text.strip().splitlines()[-1] if text.strip() else "",
                        "traceback": text,
                    }
                )
    workers = sorted(Worker.all(connection=connection), key=lambda w: w.name)
    return render_template(
        "jobs/index.html",
        queues=queues,
        failed=failed,
        workers=workers,
        queue_labels=QUEUE_LABELS,
        worker_states=WORKER_STATES,
    )


@bp.route("/<queue_name>/failed/<job_id>/requeue", methods=["POST"])
@allow(Role.admin)
def requeue(queue_name: str, job_id: str):
    """Put a failed job back on its queue."""
    registry = FailedJobRegistry(queue=_queue(queue_name))
    try:
        job = registry.requeue(job_id)
    except (NoSuchJobError, InvalidJobOperation):
        flash(_("That job is no longer among the failed ones."), "error")
    else:
        audit("job.requeue", details={"queue": queue_name, "job": job_id, "function": job.func_name})
        db.session.commit()
        flash(_("The job is queued again."), "success")
    return redirect(url_for("jobs.index"))


@bp.route("/<queue_name>/failed/<job_id>/delete", methods=["POST"])
@allow(Role.admin)
def delete(queue_name: str, job_id: str):
    """Delete a failed job for good."""
    registry = FailedJobRegistry(queue=_queue(queue_name))
    if job_id not in registry.get_job_ids():
        flash(_("That job is no longer among the failed ones."), "error")
        return redirect(url_for("jobs.index"))
    try:
        function = Job.fetch(job_id, connection=get_redis()).func_name
    except NoSuchJobError:
        function = ""
    registry.remove(job_id, delete_job=True)
    audit("job.delete", details={"queue": queue_name, "job": job_id, "function": function})
    db.session.commit()
    flash(_("The job is deleted."), "success")
    return redirect(url_for("jobs.index"))
