"""The reports' background job: a long list exported to a file (`documents` queue)."""

from ..appeals import deadlines
from ..dbtypes import utcnow
from ..extensions import db
from . import board, summary
from .operations import build_export, purge_old_exports


def make_export(export_id: int) -> str:
    """Write one export; returns its final status for rq's result."""
    now = utcnow()
    export = build_export(export_id, now, deadlines.local_date(now))
    return export.status.value if export is not None else "missing"


def refresh_summary() -> str:
    """Count the dashboard's summary again (periodic; REPORT_SUMMARY_MINUTES in the schedule)."""
    stamp = summary.refresh(utcnow())
    db.session.commit()
    summary.tidy()
    return stamp.refreshed_dt.isoformat()


def refresh_board() -> str:
    """Count the board's figures again (periodic, every board.REFRESH_MINUTES)."""
    snapshot = board.take(utcnow())
    db.session.commit()
    return snapshot.taken_dt.isoformat()


def purge_exports() -> int:
    """Delete exported files past their keeping time (periodic, daily)."""
    purged = purge_old_exports(utcnow())
    db.session.commit()
    return purged
