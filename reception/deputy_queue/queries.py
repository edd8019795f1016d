"""The deputy's queue: filters, counts and keyset pagination over the appeals routed to them.

Keyset pagination orders by (deadline, id) and continues after the last row shown, so a page is stable
while new appeals arrive and a deep page costs the same as the first (an index on
(deputy_id, deadline, id) serves both).
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, exists, func, select, tuple_
from sqlalchemy.orm import joinedload

from ..appeals import fulltext
from ..appeals import operations as appeal_ops
from ..appeals.codes import normalize_tracking_code
from ..appeals.models import Appeal, AppealEvent, AppealState, EventKind
from ..extensions import db
from ..inquiries.models import inquiry_appeals

PAGE_SIZE = 50


@dataclass
class QueueFilter:
    state: AppealState | None = None
    topic_id: int | None = None
    region_id: int | None = None
    district_id: int | None = None
    branch_id: int | None = None
    overdue: bool = False
    due_within: int | None = None
    query: str = ""
    assistant_id: int | None = None
    #: True: only appeals in some deputy inquiry; False: only those in none; None: either.
    has_inquiry: bool | None = None


def _base(deputy_ids: set[int]):
    return select(Appeal).where(Appeal.deputy_id.in_(deputy_ids))


def apply_filter(stmt, f: QueueFilter, today: date):
    if f.state is not None:
        stmt = stmt.where(Appeal.state == f.state)
    for column, value in (
        (Appeal.topic_id, f.topic_id),
        (Appeal.region_id, f.region_id),
        (Appeal.district_id, f.district_id),
        (Appeal.branch_id, f.branch_id),
        (Appeal.assistant_id, f.assistant_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if f.overdue:
        stmt = stmt.where(Appeal.deadline < today, Appeal.state.in_(appeal_ops.OPEN_STATES))
    if f.due_within is not None:
        stmt = stmt.where(
            Appeal.deadline <= today + timedelta(days=f.due_within), Appeal.state.in_(appeal_ops.OPEN_STATES)
        )
    if f.has_inquiry is not None:
        linked = exists().where(inquiry_appeals.c.appeal_id == Appeal.id)
        stmt = stmt.where(linked if f.has_inquiry else ~linked)
    if f.query:
        stmt = stmt.where(_matches(f.query))
    return stmt


def _matches(query: str):
    """The queue's search box: a registration number or a tracking code finds that appeal; anything else
    searches the words of the summary and text."""
    code = normalize_tracking_code(query)
    if code:
        return Appeal.tracking_code == code
    if REGISTRATION_NUMBER.fullmatch(query.strip().upper()):
        return Appeal.registration_number == query.strip().upper()
    return fulltext.matches(query, db.session.get_bind().dialect.name)


#: e.g. ALM-03/2026/000123
REGISTRATION_NUMBER = re.compile(r"[A-Z]{2,4}-\d{2}/\d{4}/\d{1,6}")


def page(
    deputy_ids: set[int], f: QueueFilter, today: date, after: tuple[date, int] | None = None, size: int = PAGE_SIZE
) -> tuple[list[Appeal], tuple[date, int] | None]:
    """One page of the queue, due first; returns the rows and the key to continue after (None at the end)."""
    stmt = (
        apply_filter(_base(deputy_ids), f, today)
        .options(
            joinedload(Appeal.topic), joinedload(Appeal.branch), joinedload(Appeal.deputy), joinedload(Appeal.assistant)
        )
        .order_by(Appeal.deadline, Appeal.id)
    )
    if after is not None:
        stmt = stmt.where(tuple_(Appeal.deadline, Appeal.id) > tuple_(*after))
    rows = list(db.session.scalars(stmt.limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return rows, ((rows[-1].deadline, rows[-1].id) if more and rows else None)


@dataclass
class Overview:
    """What the queue page shows beside its rows."""

    #: Open, due this week, overdue, resolved this month.
    header: dict
    #: How many appeals each state filter would show, given the other filters.
    counts: dict[AppealState, int]
    #: The branches the queue's appeals came from (the branch filter's menu).
    branch_ids: set[int]


#: Filters the overview's grouped query cannot answer (it groups by state and branch and counts by deadline).
_UNGROUPED = ("topic_id", "region_id", "district_id", "assistant_id", "has_inquiry", "query")


def overview(deputy_ids: set[int], f: QueueFilter, today: date) -> Overview:
    """The header's counts, the state filter's counts and the branches present: one query grouped by state and
    branch, read from the index (deputy_id, state, deadline) that also holds branch_id; plus the resolved this month,
    and the state counts again when a filter the grouping does not cover is set."""
    open_ = appeal_ops.OPEN_STATES
    week_end = today + timedelta(days=6 - today.weekday())
    due = []  # the filter's deadline conditions (they also keep to open appeals)
    if f.overdue:
        due.append(Appeal.deadline < today)
    if f.due_within is not None:
        due.append(Appeal.deadline <= today + timedelta(days=f.due_within))
    stmt = (
        select(
            Appeal.state,
            Appeal.branch_id,
            func.count(),
            func.count(case((Appeal.deadline < today, 1))),
            func.count(case(((Appeal.deadline >= today) & (Appeal.deadline <= week_end), 1))),
            func.count(case((and_(*due), 1))) if due else func.count(),
        )
        .where(Appeal.deputy_id.in_(deputy_ids))
        .group_by(Appeal.state, Appeal.branch_id)
    )
    header = {"open": 0, "due_this_week": 0, "overdue": 0}
    counts: dict[AppealState, int] = {}
    branch_ids = set()
    for state, branch_id, n, overdue, this_week, matching in db.session.execute(stmt):
        branch_ids.add(branch_id)
        if state in open_:
            header["open"] += n
            header["overdue"] += overdue
            header["due_this_week"] += this_week
        if (f.branch_id is None or branch_id == f.branch_id) and (not due or state in open_) and matching:
            counts[state] = counts.get(state, 0) + matching
    header["resolved_this_month"] = resolved_this_month(deputy_ids, today)
    if any(getattr(f, name) not in (None, "") for name in _UNGROUPED):
        counts = counts_by_state(deputy_ids, f, today)
    return Overview(header, counts, branch_ids)


def resolved_this_month(deputy_ids: set[int], today: date) -> int:
    return (
        db.session.scalar(
            select(func.count(func.distinct(AppealEvent.appeal_id)))
            .join(Appeal, Appeal.id == AppealEvent.appeal_id)
            .where(
                Appeal.deputy_id.in_(deputy_ids),
                AppealEvent.to_state == AppealState.resolved,
                AppealEvent.kind == EventKind.transition,
                AppealEvent.created_dt >= _month_start_utc(today.replace(day=1)),
            )
        )
        or 0
    )


def counts_by_state(deputy_ids: set[int], f: QueueFilter, today: date) -> dict[AppealState, int]:
    """How many appeals each state filter would show, given the other filters: one query."""
    other = QueueFilter(**{**f.__dict__, "state": None})
    stmt = apply_filter(
        select(Appeal.state, func.count(Appeal.id)).where(Appeal.deputy_id.in_(deputy_ids)), other, today
    )
    return dict(db.session.execute(stmt.group_by(Appeal.state)).all())


def _month_start_utc(day: date):
    from datetime import datetime

    from ..appeals.deadlines import LEGAL_ZONE

    return datetime(day.year, day.month, day.day, tzinfo=LEGAL_ZONE)


def assign_to_assistant(appeals: list[Appeal], assistant, *, user) -> int:
    """Give appeals of the user's queue to one of the assistants acting for their deputy; returns how many."""
    from flask_babel import lazy_gettext as _l

    from ..audit.log import audit

    assigned = 0
    for appeal in appeals:
        if appeal.deputy_id not in {d.id for d in assistant.deputies}:
            raise appeal_ops.AppealError(
                _l("%(name)s does not act for this appeal's deputy.", name=assistant.full_name)
            )
        appeal.assistant_id = assistant.id
        audit("appeal.assign_assistant", appeal, user=user, details={"assistant": assistant.id})
        assigned += 1
    return assigned


def assistants_for(deputy_ids: set[int]):
    """Assistants acting for any of these deputies."""
    from ..accounts.models import Role, User, assistant_deputies

    return list(
        db.session.scalars(
            select(User)
            .join(assistant_deputies, assistant_deputies.c.user_id == User.id)
            .where(
                User.role == Role.assistant, User.is_enabled.is_(True), assistant_deputies.c.deputy_id.in_(deputy_ids)
            )
            .distinct()
            .order_by(User.full_name)
        )
    )


def branches(branch_ids: set[int]):
    """The branches of these ids, for the branch filter."""
    from ..directory.models import Branch

    return list(db.session.scalars(select(Branch).where(Branch.id.in_(branch_ids)).order_by(Branch.code)))
