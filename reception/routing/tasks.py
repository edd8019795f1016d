"""Background jobs of routing, run by the rq worker (see jobs/schedule.py for their schedule)."""

from ..notifications.inapp import announce_escalations
from .escalation import escalate_appeals


def escalate_due_appeals() -> int:
    """The periodic escalation run: move appeals up, then tell the heads they reached (on working days)."""
    moved = escalate_appeals()
    announce_escalations()
    return moved
