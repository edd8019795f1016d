"""Background jobs of routing, run by the rq worker (see reception/periodic.py for their schedule)."""

from .escalation import escalate_appeals


def escalate_due_appeals() -> int:
    """The periodic escalation run."""
    return escalate_appeals()
