"""The dashboard's summary: appeals counted per month, branch, deputy, topic and channel, made by a periodic job
(jobs/schedule.py) so that the dashboard over a million appeals reads a few thousand rows (bench/README.md).

Each (month, branch) is kept four times: for every topic and channel together (topic_id 0, channel ""), per
topic, per channel, and per topic and channel, so that a topic or channel filter reads the rows of its own
slice instead of summing finer ones; each of these for every deputy (deputy_id 0) and per deputy; and each
month for the whole country (branch_id NULL, every deputy), which answers analysts with no region, branch or
deputy filter. Each row holds the counts, the decisions that fell in its month, and as JSON the appeals per
state, per deputy, and the decisions per whole day from registration (the histogram the median and 90th
percentile are read from, the same whole days dashboard._percentiles counts from the appeals, so both give
exactly the same figures).

The dashboard reads it when the question fits its grain: whole months (the last one may run to today) and a
scope of branches (the central office, analysts, branch heads and staff); a deputy's own dashboard is counted
from their appeals (few, and indexed: dashboard.py). Figures are "as of" the last refresh, which the page
shows. The refresh is one INSERT ... SELECT: the appeals grouped once, every slice from that (refresh())."""

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import (
    JSON,
    Integer,
    String,
    Text,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    true,
    tuple_,
    union_all,
)

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
#: The counts of a row.
MEASURES = ("registered", "decided", "on_time", "open", "overdue", "rated", "satisfied", "reopen", "decided_in_month")
#: The keys of a summary row besides its month, and the value of each that means "all".
KEYS = {"branch": 0, "deputy": 0, "topic": 0, "channel": ""}
#: The slices kept, as which of KEYS each is counted by (the others: all). A deputy's rows are kept per branch
#: only (a deputy's appeals lie in few branches, and the reader adds up those few); the whole country
#: (branch all) for every deputy together.
SLICES = [
    (branch, deputy, topic, channel)
    for branch in (True, False)
    for deputy in (True, False)
    for topic in (True, False)
    for channel in (True, False)
    if branch or not deputy
]
#: PostgreSQL's work_mem for the refresh (bench/README.md: at a million appeals its sorts and hashes fit).
WORK_MEM = "256MB"
#: The columns of the refresh's counts per state.
STATE_COLUMNS = tuple(f"state_{state.value}" for state in AppealState)
#: The keys of the appeals' groups (_appeals_grouped).
FINE_KEYS = ("month", "decided_month", "branch", "deputy", "topic", "channel", "days")
#: An appeal with no deputy, in the refresh's own grouping (never written: the "all" rows count it).
NO_DEPUTY = -1


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _local_month(column, now: datetime):
    """The first day of the month, in Kazakhstan's time, of a UTC timestamp column."""
    if _dialect() == "postgresql":
        return cast(func.date_trunc("month", func.timezone(deadlines.LEGAL_ZONE.key, column)), db.Date)
    hours = int(deadlines.LEGAL_ZONE.utcoffset(now).total_seconds() // 3600)
    return func.date(column, f"{hours:+d} hours", "start of month")


def _appeals_grouped(now: datetime):
    """The appeals grouped by everything the summary counts by (month of registration and of decision, branch,
    deputy, topic, channel, whole days to decision), with their counts and their counts per state: the one
    pass over the appeals."""
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
    each = (
        select(
            _local_month(Appeal.registered_dt, now).label("month"),
            _local_month(Appeal.decided_dt, now).label("decided_month"),
            Appeal.branch_id.label("branch"),
            func.coalesce(Appeal.deputy_id, NO_DEPUTY).label("deputy"),
            Appeal.topic_id.label("topic"),
            cast(Appeal.channel, String).label("channel"),
            dashboard.whole_days(Appeal.registered_dt, Appeal.decided_dt).label("days"),
            case((on_time, 1), else_=0).label("on_time"),
            case((open_, 1), else_=0).label("open"),
            case((and_(open_, Appeal.deadline < today), 1), else_=0).label("overdue"),
            func.coalesce(feedback.c.rated, 0).label("rated"),
            func.coalesce(feedback.c.satisfied, 0).label("satisfied"),
            func.coalesce(feedback.c.reopen, 0).label("reopen"),
            *(case((Appeal.state == state, 1), else_=0).label(f"state_{state.value}") for state in AppealState),
        )
        .select_from(Appeal)
        .outerjoin(feedback, feedback.c.appeal_id == Appeal.id)
        .subquery()
    )
    summed = ("on_time", "open", "overdue", "rated", "satisfied", "reopen", *STATE_COLUMNS)
    keys = [each.c[k] for k in FINE_KEYS]
    return select(*keys, _int(func.count()).label("n"), *(_sum(each.c[k]).label(k) for k in summed)).group_by(*keys)


def _int(value):
    """An integer, not the bigint of count() or the numeric of a sum of bigints, which PostgreSQL adds up
    several times slower at each level of the refresh (a count here never nears 2**31)."""
    return cast(value, Integer)


def _sum(column):
    return _int(func.sum(column))


def _json_object(key, value):
    """An aggregate: {key: value} of the rows, as JSON text."""
    if _dialect() == "postgresql":
        return cast(func.json_object_agg(cast(key, String), value), Text)
    return func.json_group_object(cast(key, String), value)


def _json_array(*values):
    return func.json_build_array(*values) if _dialect() == "postgresql" else func.json_array(*values)


def refresh(now: datetime) -> ReportRefresh:
    """Count everything again in SQL, in one INSERT ... SELECT (the appeals grouped once, every slice from that),
    replacing the previous summary in one transaction (bench/README.md for its time)."""
    if _dialect() == "postgresql":
        # The grouping sets' hash tables and the sorts in memory, not spilled to disk in 4 MB batches
        # (PostgreSQL's default): for this transaction only.
        db.session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    db.session.execute(delete(C))
    columns = ["month", "branch_id", "deputy_id", "topic_id", "channel", *MEASURES, "states", "days", "deputies"]
    db.session.execute(insert(C).from_select(columns, _rows(now)))
    stamp = ReportRefresh(refreshed_dt=now, as_of_date=deadlines.local_date(now))
    db.session.add(stamp)
    db.session.flush()
    return stamp


def _by_slices(source, sums: list, extra=None, slices=SLICES):
    """SELECT month, the KEYS (their "all" value where a slice does not count by them), `extra` (as "key") and
    the `sums` of `source`, grouped by each of `slices` (and `extra`): GROUPING SETS in one pass on
    PostgreSQL, a UNION ALL of one GROUP BY per slice on SQLite (which has none; its data are small)."""
    names = list(KEYS)
    keyed = [source.c[k] for k in names]
    more = [] if extra is None else [extra]
    labelled = [column.label("key") for column in more]
    if _dialect() == "postgresql":
        ever = [any(s[i] for s in slices) for i in range(len(names))]
        # A key left out of a grouping set comes out NULL: its "all" value instead (no key is NULL otherwise).
        columns = [
            (func.coalesce(k, literal(KEYS[n])) if on else literal(KEYS[n])).label(n)
            for n, k, on in zip(names, keyed, ever, strict=True)
        ]
        sets = [tuple_(source.c.month, *(k for k, on in zip(keyed, s, strict=True) if on), *more) for s in slices]
        return select(source.c.month, *columns, *labelled, *sums).group_by(func.grouping_sets(*sets))
    return union_all(
        *(
            select(
                source.c.month,
                *((k if on else literal(KEYS[n])).label(n) for n, k, on in zip(names, keyed, s, strict=True)),
                *labelled,
                *sums,
            ).group_by(source.c.month, *(k for k, on in zip(keyed, s, strict=True) if on), *more)
            for s in slices
        )
    )


def _finest(source, columns: tuple[str, ...], extra: str | None = None):
    """`source`'s `columns` added up per month and KEYS (and `extra`): the finest slice, which the grouping
    sets then add up in every other way (from far fewer rows than the appeals' groups of `_appeals_grouped`,
    which also tell the state, the decision's month and the days to it)."""
    keys = [source.c.month, *(source.c[k] for k in KEYS), *([] if extra is None else [source.c[extra]])]
    return select(*keys, *(_sum(source.c[c]).label(c) for c in columns)).group_by(*keys).subquery()


def _map(source, key, values: list, slices=SLICES):
    """Each slice row's {`key`: value} over `source` as JSON text, a value the sum of a column or a list of
    such sums."""
    grouped = _by_slices(source, [_sum(v).label(f"v{i}") for i, v in enumerate(values)], key, slices).subquery()
    sums = [grouped.c[f"v{i}"] for i in range(len(values))]
    keys = [grouped.c.month, *(grouped.c[k] for k in KEYS)]
    value = sums[0] if len(sums) == 1 else _json_array(*sums)
    return select(*keys, _json_object(grouped.c.key, value).label("map")).group_by(*keys).subquery()


def _rows(now: datetime):
    """The SELECT of every summary row, in the order of refresh()'s columns: the counts of each slice, joined
    to its maps of days to decision and of deputies."""
    fine = _appeals_grouped(now).cte("fine")  # read four times: PostgreSQL reads the appeals once
    c = fine.c
    zero = literal(0)
    registered_rows = select(
        c.month,
        *(c[k] for k in KEYS),
        c.n.label("registered"),
        case((c.days.is_not(None), c.n), else_=0).label("decided"),
        *(c[k] for k in ("on_time", "open", "overdue", "rated", "satisfied", "reopen")),
        zero.label("decided_in_month"),
        *(c[s] for s in STATE_COLUMNS),
    )
    # The same appeals again under the month of their decision: the "decided" line of the chart by month.
    decided_rows = select(
        c.decided_month.label("month"),
        *(c[k] for k in KEYS),
        *(zero.label(m) for m in MEASURES[:-1]),
        c.n.label("decided_in_month"),
        *(zero.label(s) for s in STATE_COLUMNS),
    ).where(c.decided_month.is_not(None))
    both = _finest(union_all(registered_rows, decided_rows).subquery(), (*MEASURES, *STATE_COLUMNS))
    counts = _by_slices(both, [_sum(both.c[m]).label(m) for m in (*MEASURES, *STATE_COLUMNS)]).subquery()
    decided = _finest(select(fine).where(c.days.is_not(None)).subquery(), ("n",), "days")
    days = _map(decided, decided.c.days, [decided.c.n])
    # Per deputy in the rows for every deputy (a deputy's own rows hold only that deputy's counts, below).
    held = _finest(select(fine).where(c.deputy != NO_DEPUTY).subquery(), ("n", "open", "overdue"))
    every_deputy = [s for s in SLICES if not s[1]]
    deputies = _map(held, held.c.deputy, [held.c.n, held.c.open, held.c.overdue], every_deputy)
    if _dialect() == "postgresql":
        # Written as text: the state names need no quoting, and json_build_object's checks of each value
        # cost more than the rest of the row. Only the states that occur (concat_ws leaves out NULLs).
        entries = [case((counts.c[s] > 0, literal(f'"{s[6:]}":') + cast(counts.c[s], String))) for s in STATE_COLUMNS]
        states = literal("{") + func.concat_ws(",", *entries) + literal("}")
        own = func.concat(
            '{"', counts.c.deputy, '":[', counts.c.registered, ",", counts.c.open, ",", counts.c.overdue, "]}"
        )
    else:
        states = func.json_object(*(x for s in STATE_COLUMNS for x in (s[6:], counts.c[s])))
        own = func.json_object(
            cast(counts.c.deputy, String), _json_array(counts.c.registered, counts.c.open, counts.c.overdue)
        )
    held_map = case(
        (counts.c.deputy == 0, func.coalesce(deputies.c.map, "{}")), (counts.c.registered > 0, own), else_="{}"
    )

    def joined(part):
        return and_(*(part.c[n] == counts.c[n] for n in ["month", *KEYS]))

    return (
        select(
            counts.c.month,
            func.nullif(counts.c.branch, 0),
            counts.c.deputy,
            counts.c.topic,
            counts.c.channel,
            *(counts.c[m] for m in MEASURES),
            states,
            func.coalesce(days.c.map, "{}"),
            held_map,
        )
        .select_from(counts)
        .outerjoin(days, joined(days))
        .outerjoin(deputies, joined(deputies))
        .where(counts.c.deputy != NO_DEPUTY)
        # Written slice by slice: the rows a filter reads lie together on disk.
        .order_by(counts.c.deputy, counts.c.topic, counts.c.channel, counts.c.branch, counts.c.month)
    )


def tidy() -> None:
    """After a refresh is committed, on PostgreSQL: VACUUM ANALYZE the summary, so that the rows the refresh
    replaced (as many as it wrote) are not read among the new ones until autovacuum comes, and the planner
    knows the new rows. Outside any transaction, as VACUUM must be."""
    if _dialect() != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM (ANALYZE) {C.__tablename__}"))


def latest() -> ReportRefresh | None:
    return db.session.scalar(select(ReportRefresh).order_by(ReportRefresh.id.desc()).limit(1))


def _last_day(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def fits(f: dashboard.DashboardFilter, user, refreshed: ReportRefresh | None) -> bool:
    """True when the summary answers this question exactly (as of its refresh)."""
    if refreshed is None:
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
    # A deputy's rows are kept per branch only (SLICES): the country's rows are for every deputy.
    where.append(C.deputy_id == (f.deputy_id or 0))
    branches = visible_branch_ids(user) if user.role in BRANCH_ROLES else None
    nowhere = f.region_id is None and f.branch_id is None and f.deputy_id is None
    if branches is None and nowhere and not by_branch:
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
