"""The appeals list's filters. The board counts with the same WHERE clauses the list shows rows with, so
a figure on the board and the list its link opens are the same appeals."""

from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from math import ceil

from sqlalchemy import BigInteger, Integer, and_, case, cast, exists, func, literal, null, select, union, union_all
from sqlalchemy.orm import joinedload

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


def conditions(f: AppealFilter, user, now: datetime, today: date, *, search: bool = True) -> list:
    """The WHERE clauses of `f` within what `user` may see (without its search: search=False)."""
    where = [ops.visible_appeals_filter(user), *unscoped_conditions(f, now, today, search=search)]
    if f.escalated and user.role in BRANCH_ROLES:
        # Branch staff and heads count what was escalated to one of their branches.
        where.append(Appeal.escalated_to_branch_id.in_(visible_branch_ids(user) or set()))
    return where


def unscoped_conditions(f: AppealFilter, now: datetime, today: date, *, search: bool = True) -> list:
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
    if f.query and search:
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


#: A search by name or word counts its matches up to this many; past it the list says "more than 1,000". Counting
#: (and sorting) the 80,000 appeals a common word finds at a million is most of a second; a person refines instead.
COUNT_CAP = 1000
PER_PAGE = 50
#: The list's order: newest first.
NEWEST_FIRST = (Appeal.registered_dt.desc(), Appeal.id.desc())


@dataclass
class ListPage:
    """One page of the appeals list, with what its pager needs (the attributes of Flask-SQLAlchemy's pagination)."""

    items: list
    page: int
    per_page: int
    #: How many appeals the list has; with `capped`, more than this many.
    total: int
    capped: bool = False
    has_next: bool = False
    pages: int | None = field(init=False)

    def __post_init__(self):
        # Unknown past the cap: the pager then offers "Next" while a page is full, and no page count.
        self.pages = None if self.capped else max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def list_page(f: AppealFilter, user, now: datetime, today: date, page: int, per_page: int = PER_PAGE) -> ListPage:
    """Page `page` (from 1) of the list of `f`, newest first, with its count."""
    where = conditions(f, user, now, today, search=False)
    branches = ops.search_branches(f.query) if f.query else []
    offset = (page - 1) * per_page
    if len(branches) > 1:
        return _search_page(where, branches, ops.search_subsets(f.query), page, per_page)
    where += branches
    total = db.session.scalar(select(func.count(Appeal.id)).where(*where)) or 0
    stmt = select(Appeal).where(*where).options(*_LOAD).order_by(*NEWEST_FIRST).offset(offset).limit(per_page)
    return ListPage(list(db.session.scalars(stmt)), page, per_page, total, has_next=offset + per_page < total)


_LOAD = (joinedload(Appeal.topic), joinedload(Appeal.branch), joinedload(Appeal.citizen))


def _search_page(where: list, branches: list, subsets: list, page: int, per_page: int) -> ListPage:
    """A search by name or word: each branch (ops.search_branches) its own query on its own index, with the
    filters and the user's scope in each; their ids united.

    First up to COUNT_CAP + 1 matches of each branch, in any order (the index's, cheap). PostgreSQL counts them
    (each branch's count, and their union's: exact unless a branch reaches the cap, and if either has more, so has
    the union) and sends back only each branch's newest `offset + per_page + 1` of them, not the up to 2,002 rows
    Python made objects of and sorted before. A branch that did not reach the cap has all its matches among those,
    so its newest are right. Only a branch past the cap is asked again for its newest in order, which walks the
    index on registered_dt with the filter and stops early, a match being common. Neither sorts the 80,000 appeals
    a common word finds, nor walks the dates looking for a word that is rare.

    A branch with a subset (ops.search_subsets: the names that start with the query, the words as whole words)
    gathers the subset's first COUNT_CAP + 1 first; if there are that many, the branch is past the cap too and its
    own (dearer) scan is never run: its rows are read behind a condition on the subset's count, which PostgreSQL
    checks once before reading them."""
    offset = (page - 1) * per_page
    want = offset + per_page + 1
    found = [
        select(Appeal.registered_dt, Appeal.id).where(*where, branch).limit(COUNT_CAP + 1).cte(f"found_{n}")
        for n, branch in enumerate(branches)
    ]
    sure = [
        None
        if subset is None
        else select(func.count()).select_from(
            select(Appeal.id).where(*where, subset).limit(COUNT_CAP + 1).cte(f"subset_{n}")
        )
        for n, subset in enumerate(subsets)
    ]
    # One statement, rows (branch, registered_dt, id, count): each branch's newest, then a count row per branch
    # and one of their union (branch -1). The NULLs are cast, as PostgreSQL types a UNION's columns pair by pair.
    # Each CTE is read more than once, so PostgreSQL runs its index scan once and keeps the rows.
    parts = []
    counted = []
    for n, cte in enumerate(found):
        newest = select(cte.c.registered_dt, cte.c.id).order_by(cte.c.registered_dt.desc(), cte.c.id.desc())
        newest = newest.limit(want).subquery()
        rows = select(literal(n), newest.c.registered_dt, newest.c.id, cast(null(), BigInteger))
        count_ = select(func.count()).select_from(cte).scalar_subquery()
        if sure[n] is not None:
            # Past the cap by the subset alone: this branch's own scan is skipped (a CASE, a one-time filter).
            rows = rows.where(sure[n].scalar_subquery() <= COUNT_CAP)
            count_ = case((sure[n].scalar_subquery() > COUNT_CAP, COUNT_CAP + 1), else_=count_)
        parts.append(rows)
        counted.append(count_)
    united = union(*(select(cte.c.id) for cte in found)).subquery()
    # The union is counted only when no branch reached the cap (PostgreSQL evaluates a subquery in a CASE only
    # when its branch is taken); past the cap the page says "more than" whatever the union holds.
    below_cap = and_(*(n <= COUNT_CAP for n in counted))
    union_count = case((below_cap, select(func.count()).select_from(united).scalar_subquery()), else_=-1)
    for n, count_ in [*enumerate(counted), (-1, union_count)]:
        parts.append(select(literal(n), cast(null(), Appeal.registered_dt.type), cast(null(), Integer), count_))
    counts, candidates = {}, [[] for _ in branches]
    for n, registered_dt, appeal_id, count_ in db.session.execute(union_all(*parts)).all():
        if count_ is not None:
            counts[n] = count_
        else:
            candidates[n].append((registered_dt, appeal_id))
    capped = [n for n in range(len(branches)) if counts[n] > COUNT_CAP]
    total = COUNT_CAP if capped else counts[-1]
    if capped:
        walks = []
        for n in capped:
            newest = select(Appeal.registered_dt, Appeal.id).where(*where, branches[n]).order_by(*NEWEST_FIRST)
            walks.append(select(literal(n), *newest.limit(want).subquery().c))
        rows = db.session.execute(union_all(*walks) if len(walks) > 1 else walks[0]).all()
        for n in capped:
            candidates[n] = []
        for n, registered_dt, appeal_id in rows:
            candidates[n].append((registered_dt, appeal_id))
    merged = sorted({row for rows in candidates for row in rows}, reverse=True)
    shown = [appeal_id for _, appeal_id in merged[offset : offset + per_page + 1]]
    items = []
    if shown:
        stmt = select(Appeal).where(Appeal.id.in_(shown[:per_page])).options(*_LOAD).order_by(*NEWEST_FIRST)
        items = list(db.session.scalars(stmt))
    return ListPage(items, page, per_page, total, capped=bool(capped), has_next=len(shown) > per_page)
