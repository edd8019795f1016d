"""The mandates' background jobs: the road-map task reminders (periodic)."""

from datetime import datetime

from .reminders import send_task_reminders


def remind_roadmap_tasks(now: datetime | None = None) -> int:
    """Remind owners of road-map tasks due soon and alert them and the analysts to overdue ones; how many notes."""
    return send_task_reminders(now)
