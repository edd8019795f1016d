"""The mandates' background jobs: the road-map task reminders (periodic), the embeddings of the suggestions."""

from datetime import datetime

from .reminders import send_task_reminders


def remind_roadmap_tasks(now: datetime | None = None) -> int:
    """Remind owners of road-map tasks due soon and alert them and the analysts to overdue ones; how many notes."""
    return send_task_reminders(now)


def embed_candidates() -> int:
    """Make the sentence embeddings of the appeals the suggestions compare (queued by the board when many are
    missing); how many texts."""
    from ..jobs.queues import get_redis
    from .suggestions import embed_candidates as make

    try:
        return make()
    finally:
        get_redis().delete("mandates:embedding-job")
