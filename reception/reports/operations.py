"""Exports of filtered lists: written at once when short, by an rq job (a ReportExport row) when long."""

from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..accounts.models import User
from ..dbtypes import utcnow
from ..extensions import db
from ..jobs.queues import enqueue_after_commit
from . import exporting, lists
from .models import ExportStatus, ReportExport

EXPORT_JOB = "reception.reports.tasks.make_export"
#: The list's query-string arguments an export keeps (those AppealFilter.from_args reads).
APPEAL_ARGS = ("q", "state", "topic", "deputy", "overdue", "due_within", "age_min", "age_max", "triage", "escalated",
               "reopen", "forwarding_late")  # fmt: skip
FORMATS = ("csv", "xlsx")


def list_title() -> str:
    return _("Appeals")


def appeal_args(form) -> dict:
    return {name: form.get(name, "") for name in APPEAL_ARGS if form.get(name, "")}


def export_appeals(user: User, args: dict, fmt: str, language: str, now: datetime, today: date):
    """The file's bytes when the list is short; else a queued ReportExport (not committed) a job will write."""
    total = lists.appeal_count(args, user, now, today)
    if total < lists.async_threshold():
        return exporting.write(lists.appeal_rows(args, user, now, today), fmt, list_title())
    export = ReportExport(user_id=user.id, kind="appeals", format=fmt, args=args, language=language, total=total)
    db.session.add(export)
    db.session.flush()
    enqueue_after_commit(EXPORT_JOB, export.id, queue="documents")
    return export


def build_export(export_id: int, now: datetime, today: date) -> ReportExport | None:
    """Write the export's file, saving the progress after every batch so the page can show it."""
    export = db.session.get(ReportExport, export_id)
    if export is None or export.status == ExportStatus.ready:
        return export
    user = db.session.get(User, export.user_id)
    export.status, export.done = ExportStatus.running, 0
    db.session.commit()

    def progress(done: int) -> None:
        export.done = done
        db.session.commit()

    try:
        with force_locale(export.language):
            rows = lists.appeal_rows(export.args, user, now, today, progress)
            content = exporting.write(rows, export.format, list_title())
    except Exception as exc:  # the page says it failed; the worker's log has the traceback
        db.session.rollback()
        export.status, export.error, export.finished_dt = ExportStatus.failed, type(exc).__name__, utcnow()
        db.session.commit()
        raise
    export.content, export.status, export.finished_dt = content, ExportStatus.ready, utcnow()
    db.session.commit()
    return export


def export_of(user: User, export_id: int) -> ReportExport | None:
    """The export if `user` asked for it; nobody else's."""
    return db.session.scalar(select(ReportExport).where(ReportExport.id == export_id, ReportExport.user_id == user.id))


def purge_old_exports(now: datetime) -> int:
    """Delete exports older than REPORT_EXPORT_KEEP_DAYS (their files may hold personal data); returns how many."""
    cutoff = now - timedelta(days=current_app.config["REPORT_EXPORT_KEEP_DAYS"])
    return db.session.execute(delete(ReportExport).where(ReportExport.created_dt < cutoff)).rowcount
