"""The appeals list's filters. The board counts with the same WHERE clauses the list shows rows with, so
a figure on the board and the list its link opens are the same appeals."""

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, select

from ..accounts.access import visible_branch_ids
from ..accounts.models import BRANCH_ROLES
from ..extensions import db
from ..formkit import int_id
from . import deadlines
from . import operations as ops
from .models import Appeal, AppealFeedback, AppealState, ReopenState

#: The value of the state filter meaning every state still being worked on.
OPEN = "open"
#: The longest "due within N days" the filter takes.
MAX_DUE_WITHIN = 365


@dataclass(frozen=True)
class AppealFilter:
    """What the appeals list shows; every field left empty lets everything through."""

    query: str = ""
    #: An AppealState value, or OPEN for all open states.
    state: str = ""
    topic_id: int | None = None
    deputy_id: int | None = None
    #: Open and past the deadline.
    overdue: bool = False
    #: Open, not yet overdue, due within this many days from today.
    due_within: int | None = None
    #: Days since registration, both ends included.
    age_min: int | None = None
    age_max: int | None = None
    #: Open and held by no deputy.
    triage: bool = False
    #: Open and escalated (for branch staff and heads: to one of their branches).
    escalated: bool = False
    #: A citizen asked to reopen the decision and a branch head has not yet decided.
    reopen: bool = False
    #: To be forwarded (in triage) and past the forwarding deadline (deadlines.py, "To be forwarded").
    forwarding_late: bool = False

    @classmethod
    def from_args(cls, args) -> "AppealFilter":
        """The filter a query string asks for; values that name nothing are ignored."""
        state = args.get("state", "")
        if state != OPEN and state not in {s.value for s in AppealState}:
            state = ""
        due_within = _days(args.get("due_within", ""))
        return cls(
            query=args.get("q", "").strip(),
            state=state,
            topic_id=int_id(args.get("topic", "")),
            deputy_id=int_id(args.get("deputy", "")),
            overdue=args.get("overdue") == "1",
            due_within=due_within if due_within is None or due_within <= MAX_DUE_WITHIN else None,
            age_min=_days(args.get("age_min", "")),
            age_max=_days(args.get("age_max", "")),
            triage=args.get("triage") == "1",
            escalated=args.get("escalated") == "1",
            reopen=args.get("reopen") == "1",
            forwarding_late=args.get("forwarding_late") == "1",
        )

    def to_args(self) -> dict:
        """The query string of the list page showing these appeals (the inverse of from_args)."""
        names = {"query": "q", "topic_id": "topic", "deputy_id": "deputy"}
        args = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value is False or value == "":
                continue
            args[names.get(f.name, f.name)] = "1" if value is True else value
        return args

    def but(self, **changes) -> "AppealFilter":
        return replace(self, **changes)


def _days(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 5 else None


def conditions(f: AppealFilter, user, now: datetime, today: date) -> list:
    """The WHERE clauses of `f` within what `user` may see."""
    where = [ops.visible_appeals_filter(user), *unscoped_conditions(f, now, today)]
    if f.escalated and user.role in BRANCH_ROLES:
        # Branch staff and heads count what was escalated to one of their branches.
        where.append(Appeal.escalated_to_branch_id.in_(visible_branch_ids(user) or set()))
    return where


def unscoped_conditions(f: AppealFilter, now: datetime, today: date) -> list:
    """The WHERE clauses of `f` over every appeal, whoever looks (the board's periodic count groups them by
    branch and applies the reader's scope when it reads them)."""
    open_ = Appeal.state.in_(ops.OPEN_STATES)
    where = []
    if f.state == OPEN:
        where.append(open_)
    elif f.state:
        where.append(Appeal.state == AppealState(f.state))
    if f.topic_id is not None:
        where.append(Appeal.topic_id == f.topic_id)
    if f.deputy_id is not None:
        where.append(Appeal.deputy_id == f.deputy_id)
    if f.overdue:
        where += [open_, Appeal.deadline < today]
    if f.due_within is not None:
        where += [open_, Appeal.deadline >= today, Appeal.deadline <= today + timedelta(days=f.due_within)]
    where += age_conditions(f.age_min, f.age_max, now)
    if f.triage:
        where += [open_, Appeal.deputy_id.is_(None)]
    if f.escalated:
        where += [open_, Appeal.escalation_level > 0]
    if f.reopen:
        where.append(
            exists().where(AppealFeedback.appeal_id == Appeal.id, AppealFeedback.reopen_state == ReopenState.pending)
        )
    if f.forwarding_late:
        cutoff = deadlines.forwarding_passed_before(today, ops.work_calendar())
        where += [Appeal.state.in_(TO_BE_FORWARDED), Appeal.counting_from <= cutoff]
    if f.query:
        where.append(ops.search_filter(f.query))
    return where


#: The states of an appeal still to be forwarded or routed (see deadlines.py, "To be forwarded").
TO_BE_FORWARDED = frozenset({AppealState.registered})


def forwarding_dates(appeals, calendar) -> dict[int, date]:
    """The forwarding deadline of each of `appeals` still to be forwarded, by id (for a page of a list)."""
    return {a.id: deadlines.forwarding_due(a.counting_from, calendar) for a in appeals if a.state in TO_BE_FORWARDED}


def age_conditions(age_min: int | None, age_max: int | None, now: datetime) -> list:
    """Registered between `age_min` and `age_max` days ago (both included; None: no bound)."""
    where = []
    if age_min is not None:
        where.append(Appeal.registered_dt <= now - timedelta(days=age_min))
    if age_max is not None:
        where.append(Appeal.registered_dt > now - timedelta(days=age_max + 1))
    return where


def count(f: AppealFilter, user, now: datetime, today: date) -> int:
    """How many appeals the list of `f` has: one COUNT query."""
    return db.session.scalar(select(func.count(Appeal.id)).where(*conditions(f, user, now, today))) or 0
