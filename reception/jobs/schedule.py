"""The periodic jobs' schedule, kept by rq's own cron scheduler (`flask cron`, started by `make run` too).

Each job is idempotent, so two schedulers or a re-run do no harm.
"""

from rq.cron import CronScheduler

from ..accounts.tasks import purge_login_failures
from ..appeals.tasks import apply_retention
from ..inquiries.tasks import remind_inquiry_answers
from ..mandates.tasks import remind_roadmap_tasks
from ..notifications.tasks import remind_deadlines, remind_forwarding, send_digests, sweep_outbox
from ..public.tasks import purge_unconfirmed_online_files
from ..reports.board import REFRESH_MINUTES as BOARD_MINUTES
from ..reports.tasks import purge_exports, refresh_board, refresh_summary
from ..routing.tasks import escalate_due_appeals
from .queues import JOB_TIMEOUTS

#: (function, queue, seconds between runs). Jobs that talk to people check office hours themselves, so
#: running them hourly is how they catch the start of the working day.
SCHEDULE = [
    (escalate_due_appeals, "periodic", 15 * 60),
    (sweep_outbox, "periodic", 60),
    (remind_deadlines, "periodic", 60 * 60),
    (remind_forwarding, "periodic", 60 * 60),
    (remind_inquiry_answers, "periodic", 60 * 60),
    (remind_roadmap_tasks, "periodic", 60 * 60),
    (send_digests, "periodic", 60 * 60),
    (apply_retention, "periodic", 24 * 60 * 60),
    (purge_login_failures, "periodic", 24 * 60 * 60),
    (purge_unconfirmed_online_files, "periodic", 60 * 60),
    # The dashboard's summary (reports/summary.py): its figures are as of the last run, which the page shows.
    (refresh_summary, "periodic", 15 * 60),
    (purge_exports, "periodic", 24 * 60 * 60),
    # The board's figures (reports/board.py), likewise "as of" the last run.
    (refresh_board, "periodic", BOARD_MINUTES * 60),
]


def build_scheduler(connection) -> CronScheduler:
    scheduler = CronScheduler(connection=connection, name="qabyldau-cron")
    for func, queue, interval in SCHEDULE:
        scheduler.register(func, queue, interval=interval, job_timeout=JOB_TIMEOUTS[queue])
    return scheduler
