"""The dashboard's summary: appeals counted per month, branch, topic and channel, made by a periodic job
(jobs/schedule.py) so that the dashboard over a million appeals reads a few thousand rows (bench/README.md).

Each (month, branch) is kept four times: for every topic and channel together (topic_id 0, channel ""), per
topic, per channel, and per topic and channel, so that a topic or channel filter reads the rows of its own
slice instead of summing finer ones; and so is each month for the whole country (branch_id NULL), which
answers analysts with no region or branch filter. Each row holds the counts, the decisions that fell in its month, and as
JSON the appeals per state, per deputy, and the decisions per whole day from registration (the histogram the
median and 90th percentile are read from, the same whole days dashboard._percentiles counts from the appeals,
so both give exactly the same figures).

The dashboard reads it when the question fits its grain: whole months (the last one may run to today), a
scope of branches (the central office, analysts, branch heads and staff) and no deputy filter (a deputy's
appeals are few and counted from the appeals, dashboard.py). Figures are "as of" the last refresh, which the
page shows."""

import json
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import JSON, Integer, String, and_, case, cast, delete, func, insert, select, text, true

from ..accounts.access import visible_branch_ids
from ..accounts.models import BRANCH_ROLES, Role
from ..appeals import deadlines
from ..appeals import operations as appeal_ops
from ..appeals.models import Appeal, AppealFeedback, AppealState, Channel, Rating
from ..directory.models import Branch, Deputy, Topic
from ..extensions import db
from . import dashboard
from .models import ReportCount, ReportRefresh

C = ReportCount
#: The counts of a row, in the order refresh() accumulates them.
MEASURES = ("registered", "decided", "on_time", "open", "overdue", "rated", "satisfied", "reopen", "decided_in_month")
#: Rows written per INSERT statement.
BATCH = 5000


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _local_month(column, now: datetime):
    """The first day of the month, in Kazakhstan's time, of a UTC timestamp column."""
    if _dialect() == "postgresql":
        return cast(func.date_trunc("month", func.timezone(deadlines.LEGAL_ZONE.key, column)), db.Date)
    hours = int(deadlines.LEGAL_ZONE.utcoffset(now).total_seconds() // 3600)
    return func.date(column, f"{hours:+d} hours", "start of month")


def _as_month(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


class _Cell:
    """One row of the summary being counted."""

    __slots__ = ("counts", "days", "deputies", "states")

    def __init__(self) -> None:
        self.counts = [0] * len(MEASURES)
        self.states: dict[str, int] = {}
        self.days: dict[int, int] = {}
        self.deputies: dict[int, list[int]] = {}

    def add(self, other: "_Cell") -> None:
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        for mine, theirs in ((self.states, other.states), (self.days, other.days)):
            for key, n in theirs.items():
                mine[key] = mine.get(key, 0) + n
        for deputy, held in other.deputies.items():
            mine = self.deputies.get(deputy)
            self.deputies[deputy] = held.copy() if mine is None else [a + b for a, b in zip(mine, held, strict=True)]


def refresh(now: datetime) -> ReportRefresh:
    """Count everything again in one pass over the appeals (one SELECT read in batches, each appeal added to
    its finest row, the other slices added up from those), replacing the previous summary in one
    transaction. Runs in the worker (Python): about a minute and a few hundred MB at a million appeals
    (bench/README.md)."""
    today = deadlines.local_date(now)
    open_ = Appeal.state.in_(appeal_ops.OPEN_STATES)
    feedback = (
        select(
            AppealFeedback.appeal_id,
            func.count(AppealFeedback.id).label("rated"),
            func.count(case((AppealFeedback.rating == Rating.satisfied, 1))).label("satisfied"),
            func.count(case((AppealFeedback.reopen_state.is_not(None), 1))).label("reopen"),
        )
        .group_by(AppealFeedback.appeal_id)
        .subquery()
    )
    on_time = and_(
        Appeal.decided_dt.is_not(None),
        dashboard._as_date(Appeal.decided_dt) <= func.coalesce(Appeal.extended_until, Appeal.deadline),
    )
    stmt = (
        select(
            _local_month(Appeal.registered_dt, now),
            _local_month(Appeal.decided_dt, now),
            Appeal.branch_id,
            Appeal.topic_id,
            cast(Appeal.channel, String),
            cast(Appeal.state, String),
            Appeal.deputy_id,
            dashboard.whole_days(Appeal.registered_dt, Appeal.decided_dt),
            case((on_time, 1), else_=0),
            case((open_, 1), else_=0),
            case((and_(open_, Appeal.deadline < today), 1), else_=0),
            func.coalesce(feedback.c.rated, 0),
            func.coalesce(feedback.c.satisfied, 0),
            func.coalesce(feedback.c.reopen, 0),
        )
        .select_from(Appeal)
        .outerjoin(feedback, feedback.c.appeal_id == Appeal.id)
    )
    # Each appeal is counted once in its finest row (month, branch, topic, channel); the slices for every
    # topic, every channel or both are then added up from those rows (far fewer than the appeals).
    fine: dict[tuple, _Cell] = {}

    def cell(key: tuple) -> _Cell:
        found = fine.get(key)
        if found is None:
            found = fine[key] = _Cell()
        return found

    rows = db.session.execute(stmt.execution_options(yield_per=10_000))
    for (
        month,
        decided_month,
        branch,
        topic,
        channel,
        state,
        deputy,
        days,
        ontime,
        is_open,
        late,
        rated,
        sat,
        re,
    ) in rows:
        item = cell((_as_month(month), branch, topic, channel))
        counts = item.counts
        counts[0] += 1
        if days is not None:
            counts[1] += 1
            counts[2] += ontime
            item.days[days] = item.days.get(days, 0) + 1
        counts[3] += is_open
        counts[4] += late
        counts[5] += rated
        counts[6] += sat
        counts[7] += re
        item.states[state] = item.states.get(state, 0) + 1
        if deputy is not None:
            held = item.deputies.get(deputy)
            if held is None:
                held = item.deputies[deputy] = [0, 0, 0]
            held[0] += 1
            held[1] += is_open
            held[2] += late
        if decided_month is not None:
            cell((_as_month(decided_month), branch, topic, channel)).counts[8] += 1
    cells = dict(fine)
    for (month, branch, topic, channel), item in fine.items():
        for key in ((month, branch, topic, ""), (month, branch, 0, channel), (month, branch, 0, "")):
            total = cells.get(key)
            if total is None:
                total = cells[key] = _Cell()
            total.add(item)
    # And every slice for the whole country (branch None): what the central office's analysts ask most.
    for (month, _branch, topic, channel), item in list(cells.items()):
        total = cells.get((month, None, topic, channel))
        if total is None:
            total = cells[(month, None, topic, channel)] = _Cell()
        total.add(item)
    db.session.execute(delete(C))
    columns = ["month", "branch_id", "topic_id", "channel", *MEASURES, "states", "days", "deputies"]
    # Written slice by slice (topic, channel, month): the rows a filter reads lie together on disk.
    order = sorted(cells, key=lambda key: (key[2], key[3], key[1] or 0, key[0]))
    maps = ("states", "days", "deputies")
    rows = (
        (*key, *cells[key].counts, *(json.dumps(getattr(cells[key], m), separators=(",", ":")) for m in maps))
        for key in order
    )
    _write(columns, rows)
    stamp = ReportRefresh(refreshed_dt=now, as_of_date=today)
    db.session.add(stamp)
    db.session.flush()
    return stamp


def tidy() -> None:
    """After a refresh is committed, on PostgreSQL: VACUUM ANALYZE the summary, so that the rows the refresh
    replaced (as many as it wrote) are not read among the new ones until autovacuum comes, and the planner
    knows the new rows. Outside any transaction, as VACUUM must be."""
    if _dialect() != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM (ANALYZE) {C.__tablename__}"))


def _write(columns: list[str], rows) -> None:
    """Insert the rows: by COPY on PostgreSQL (a quarter of a million rows in seconds, where INSERT takes
    tens), in batches of INSERT on SQLite; in the session's transaction either way."""
    if _dialect() == "postgresql":
        connection = db.session.connection().connection.driver_connection
        statement = f"COPY {C.__tablename__} ({', '.join(columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return
    batch: list[dict] = []
    for row in rows:
        batch.append(dict(zip(columns, row, strict=True)))
        if len(batch) >= BATCH:
            db.session.execute(insert(C.__table__), batch)
            batch = []
    if batch:
        db.session.execute(insert(C.__table__), batch)


def latest() -> ReportRefresh | None:
    return db.session.scalar(select(ReportRefresh).order_by(ReportRefresh.id.desc()).limit(1))


def _last_day(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def fits(f: dashboard.DashboardFilter, user, refreshed: ReportRefresh | None) -> bool:
    """True when the summary answers this question exactly (as of its refresh)."""
    if refreshed is None or f.deputy_id is not None:
        return False
    if user.role not in (*BRANCH_ROLES, Role.analyst, Role.admin):
        return False  # a deputy's own work is counted from their appeals
    whole_to = f.date_to == _last_day(f.date_to) or f.date_to >= refreshed.as_of_date
    return f.date_from.day == 1 and whole_to


def _where(
    f: dashboard.DashboardFilter, user, by_topic: bool = False, by_channel: bool = False, by_branch: bool = False
) -> list:
    """The rows of the filter's slice within the period and the user's scope; `by_topic` (`by_channel`) takes
    the slice per topic (channel) instead, narrowed to the filter's topic (channel) if it has one. The rows
    for the whole country answer when neither the user's scope nor the filter names branches, unless
    `by_branch` asks for the branches' rows."""
    where = [C.month >= f.date_from, C.month <= f.date_to]
    if by_topic:
        where.append(C.topic_id == f.topic_id if f.topic_id is not None else C.topic_id > 0)
    else:
        where.append(C.topic_id == (f.topic_id or 0))
    if by_channel:
        where.append(C.channel == f.channel if f.channel else C.channel > "")
    else:
        where.append(C.channel == f.channel)
    branches = visible_branch_ids(user) if user.role in BRANCH_ROLES else None
    if branches is None and f.region_id is None and f.branch_id is None and not by_branch:
        where.append(C.branch_id.is_(None))
        return where
    where.append(C.branch_id.is_not(None))
    if branches is not None:
        where.append(C.branch_id.in_(branches))
    if f.region_id is not None:
        where.append(C.branch_id.in_(select(Branch.id).where(Branch.region_id == f.region_id)))
    if f.branch_id is not None:
        where.append(C.branch_id == f.branch_id)
    return where


def _merged(f, user, column, width: int = 1) -> dict:
    """The JSON maps of `column` over the filter's rows, added up in SQL (json_each on both dialects):
    {key: count}, or {key: [counts]} for maps of `width` counts."""
    postgresql = _dialect() == "postgresql"
    if width == 1:
        pairs = (func.json_each_text(cast(column, JSON)) if postgresql else func.json_each(column)).table_valued(
            "key", "value"
        )
        parts = [cast(pairs.c.value, Integer)]
    else:
        pairs = (func.json_each(cast(column, JSON)) if postgresql else func.json_each(column)).table_valued(
            "key", "value"
        )
        if postgresql:
            parts = [cast(pairs.c.value.op("->>")(i), Integer) for i in range(width)]
        else:
            parts = [func.json_extract(pairs.c.value, f"$[{i}]") for i in range(width)]
    stmt = (
        select(pairs.c.key, *(func.sum(p) for p in parts))
        .select_from(C)
        .join(pairs, true())  # a function of each row: LATERAL on PostgreSQL, as json_each is on SQLite
        .where(*_where(f, user), C.registered > 0)
        .group_by(pairs.c.key)
    )
    if width == 1:
        return {key: int(n) for key, n in db.session.execute(stmt)}
    return {key: [int(n) for n in counts] for key, *counts in db.session.execute(stmt)}


def summary(f, user) -> dashboard.Summary:
    names = ("registered", "decided", "on_time", "overdue", "rated", "satisfied", "reopen")
    row = db.session.execute(
        select(*(func.coalesce(func.sum(getattr(C, n)), 0) for n in names)).where(*_where(f, user))
    ).one()
    values = dict(zip(names, (int(v) for v in row), strict=True))
    histogram = sorted((int(days), n) for days, n in _merged(f, user, C.days).items())
    median, p90 = dashboard.percentiles_of(histogram)
    decided, rated = values["decided"], values["rated"]
    return dashboard.Summary(
        registered=values["registered"],
        decided=decided,
        median_days=median,
        p90_days=p90,
        on_time_share=values["on_time"] / decided if decided else None,
        overdue_now=values["overdue"],
        rated=rated,
        satisfied_share=values["satisfied"] / rated if rated else None,
        reopen_requests=values["reopen"],
    )


def by_month(f, user) -> dashboard.Table:
    stmt = (
        select(C.month, func.sum(C.registered), func.sum(C.decided_in_month)).where(*_where(f, user)).group_by(C.month)
    )
    counts = {m.strftime("%Y-%m") if isinstance(m, date) else m[:7]: (r, d) for m, r, d in db.session.execute(stmt)}
    rows = [[m, *(int(n) for n in counts.get(m, (0, 0)))] for m in dashboard.months_of(f)]
    return dashboard.Table("by_month", _("Appeals by month"), [_("Month"), _("Registered"), _("Decided")], rows, "line")


def _grouped(key, where) -> list[tuple]:
    stmt = (
        select(key, func.sum(C.registered))
        .where(*where)
        .group_by(key)
        .having(func.sum(C.registered) > 0)
        .order_by(func.sum(C.registered).desc(), key)
    )
    return [(k, int(n)) for k, n in db.session.execute(stmt)]


def by_topic(f, user) -> dashboard.Table:
    rows = _grouped(C.topic_id, _where(f, user, by_topic=True))
    topics = dashboard._names(Topic, [k for k, _n in rows])
    return dashboard.Table(
        "by_topic", _("Appeals by topic"), [_("Topic"), _("Appeals")], [[topics[k].name, n] for k, n in rows]
    )


def by_branch(f, user) -> dashboard.Table:
    rows = _grouped(C.branch_id, _where(f, user, by_branch=True))
    branches = dashboard._names(Branch, [b for b, _n in rows])
    return dashboard.Table(
        "by_branch", _("Appeals by branch"), [_("Branch"), _("Appeals")], [[branches[b].name, n] for b, n in rows]
    )


def by_region_counts(f, user) -> dict[int, int]:
    stmt = (
        select(Branch.region_id, func.sum(C.registered))
        .join(Branch, Branch.id == C.branch_id)
        .where(*_where(f, user, by_branch=True), Branch.region_id.is_not(None))
        .group_by(Branch.region_id)
    )
    return {region: int(n) for region, n in db.session.execute(stmt) if n}


def by_channel(f, user) -> dashboard.Table:
    rows = _grouped(C.channel, _where(f, user, by_channel=True))
    return dashboard.Table(
        "by_channel",
        _("Appeals by channel"),
        [_("Channel"), _("Appeals")],
        [[Channel(k).label, n] for k, n in rows],
        "pie",
    )


def by_state(f, user) -> dashboard.Table:
    rows = sorted(((k, n) for k, n in _merged(f, user, C.states).items() if n), key=lambda r: (-r[1], r[0]))
    return dashboard.Table(
        "by_state", _("Appeals by state"), [_("State"), _("Appeals")], [[AppealState(k).label, n] for k, n in rows]
    )


def workload(f, user) -> dashboard.Table:
    held = sorted(((int(k), *v) for k, v in _merged(f, user, C.deputies, 3).items()), key=lambda r: (-r[1], r[0]))
    deputies = dashboard._names(Deputy, [r[0] for r in held])
    return dashboard.Table(
        "workload",
        _("Deputies' workload"),
        [_("Deputy"), _("Appeals"), _("Open"), _("Overdue")],
        [[deputies[d].full_name, total, open_n, late] for d, total, open_n, late in held],
    )
