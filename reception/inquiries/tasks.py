"""The inquiries' background jobs: a version's PDF (`documents` queue) and the answer reminders (periodic)."""

from datetime import datetime

from .documents import build_pdf
from .reminders import send_answer_reminders


def make_pdf(document_id: int) -> str:
    """Convert one queued version to PDF; returns its final status for rq's result."""
    document = build_pdf(document_id)
    return document.status.value if document is not None else "missing"


def remind_inquiry_answers(now: datetime | None = None) -> int:
    """Remind the participants of answers due soon and alert them to overdue ones; returns how many notes."""
    return send_answer_reminders(now)
