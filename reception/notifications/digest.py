"""The deputies' daily digest: new appeals, those due this week and the overdue, in the app and by e-mail.

A periodic job (hourly); the first run in office hours on a working day sends each deputy's account one
digest for the day (the dedupe key holds the deputy and the date), later runs that day send nothing.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from functools import partial

from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.models import Role, User
from ..appeals import deadlines
from ..appeals import operations as appeal_ops
from ..appeals.models import Appeal, AppealState
from ..dbtypes import utcnow
from ..extensions import db
from .inapp import notify, office_hours

#: Appeals listed by number in the e-mail, per section; the rest are counted.
LISTED = 20


def send_daily_digests(now: datetime | None = None) -> int:
    """Send today's digest to every deputy's own account that has something in it; returns how many. Commits."""
    now = now or utcnow()
    if not office_hours(now):
        return 0
    today = deadlines.local_date(now)
    week_end = today + timedelta(days=6 - today.weekday())  # Sunday
    users = {
        u.deputy_id: u
        for u in db.session.scalars(
            select(User).where(User.is_enabled.is_(True), User.role == Role.deputy, User.deputy_id.is_not(None))
        )
    }
    if not users:
        return 0
    sections: dict[int, dict[str, list[Appeal]]] = defaultdict(lambda: {"new": [], "week": [], "overdue": []})
    stmt = (
        select(Appeal)
        .where(
            Appeal.deputy_id.in_(list(users)),
            Appeal.state.in_(appeal_ops.OPEN_STATES),
            (Appeal.state == AppealState.routed) | (Appeal.deadline <= week_end),
        )
        .order_by(Appeal.deadline, Appeal.id)
    )
    for appeal in db.session.scalars(stmt):
        section = sections[appeal.deputy_id]
        if appeal.state == AppealState.routed:
            section["new"].append(appeal)
        if appeal.deadline < today:
            section["overdue"].append(appeal)
        elif appeal.deadline <= week_end:
            section["week"].append(appeal)
    sent = 0
    for deputy_id, section in sections.items():
        user = users[deputy_id]
        sent += notify(
            user,
            f"digest:deputy:{deputy_id}:{today.isoformat()}",
            partial(_summary, today, section),
            None,
            email=True,
            make_lines=partial(_lines, today, section),
        )
    db.session.commit()
    return sent


def _summary(today: date, section: dict) -> str:
    return _(
        "Digest for %(date)s: new %(new)s, due this week %(week)s, overdue %(overdue)s.",
        date=today.strftime("%d.%m.%Y"),
        new=len(section["new"]),
        week=len(section["week"]),
        overdue=len(section["overdue"]),
    )


def _lines(today: date, section: dict) -> list[str]:
    titles = {
        "new": lambda n: _("New, not yet taken into work: %(count)s", count=n),
        "week": lambda n: _("Due this week: %(count)s", count=n),
        "overdue": lambda n: _("Overdue: %(count)s", count=n),
    }
    lines = []
    for name in ("new", "week", "overdue"):
        appeals = section[name]
        if not appeals:
            continue
        listed = "; ".join(f"{a.registration_number} — {a.deadline.strftime('%d.%m.%Y')}" for a in appeals[:LISTED])
        more = _(" and %(count)s more", count=len(appeals) - LISTED) if len(appeals) > LISTED else ""
        lines.append(f"{titles[name](len(appeals))}\n{listed}{more}")
    return lines
