"""Reminders about road-map tasks: the owner (a deputy and their assistants, or a branch's heads) hears some days
before the deadline and once when it has passed; analysts hear of the overdue task too. In the app, in office hours,
each note once per task, stage and deadline (a moved deadline is reminded of again)."""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..accounts.models import Role, User, assistant_deputies
from ..appeals import deadlines
from ..dbtypes import utcnow
from ..extensions import db
from ..i18n import localized
from ..notifications.inapp import notify, office_hours
from .models import OwnerKind, RoadmapTask, TaskStatus


def owners_of(task: RoadmapTask) -> list[User]:
    """The accounts that answer for the task: the deputy's own and their assistants', or the branch's heads."""
    if task.owner_kind is OwnerKind.deputy and task.owner_deputy_id:
        where = or_(
            User.deputy_id == task.owner_deputy_id,
            User.id.in_(
                select(assistant_deputies.c.user_id).where(assistant_deputies.c.deputy_id == task.owner_deputy_id)
            ),
        )
    elif task.owner_kind is OwnerKind.branch and task.owner_branch_id:
        where = (User.role == Role.branch_head) & (User.branch_id == task.owner_branch_id)
    else:
        return []  # a faction or a government body has no account here: the analysts follow it up
    return list(db.session.scalars(select(User).where(User.is_enabled.is_(True), where).order_by(User.id)))


def _analysts() -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.is_enabled.is_(True), User.role == Role.analyst).order_by(User.id))
    )


def send_task_reminders(now: datetime | None = None) -> int:
    """Remind owners of tasks due soon and alert owners and analysts to overdue ones; how many notes. Commits."""
    now = now or utcnow()
    if not office_hours(now):
        return 0
    today = deadlines.local_date(now)
    soon = {today + timedelta(days=n): n for n in current_app.config["ROADMAP_REMINDER_DAYS"]}
    tasks = db.session.scalars(
        select(RoadmapTask)
        .where(
            RoadmapTask.status != TaskStatus.done,
            or_(RoadmapTask.deadline.in_(list(soon)), RoadmapTask.deadline < today),
        )
        .order_by(RoadmapTask.id)
    )
    added = 0
    for task in tasks:
        due = task.deadline.strftime("%d.%m.%Y")
        overdue = task.deadline < today
        people = owners_of(task) + (_analysts() if overdue else [])
        for user in {u.id: u for u in people}.values():
            title = localized(task, "title", user.language)
            if overdue:
                key = f"roadmap-task:{task.id}:overdue:{task.deadline}"
                message = _l(
                    "Road-map task of programme point %(number)s is overdue (due %(date)s): %(title)s",
                    number=task.point.number,
                    date=due,
                    title=title,
                )
            else:
                key = f"roadmap-task:{task.id}:reminder:{soon[task.deadline]}:{task.deadline}"
                message = _l(
                    "Road-map task of programme point %(number)s is due on %(date)s: %(title)s",
                    number=task.point.number,
                    date=due,
                    title=title,
                )
            added += notify(user, key, message, None)
    db.session.commit()
    return added
