"""The dashboard's summary: appeals counted per month, branch and one dimension, made by a periodic job
(jobs/schedule.py) so that the dashboard over a million appeals reads a few thousand rows (bench/README.md).

The dashboard reads it when the question fits its grain: whole months (the last one may run to today), a
scope of branches (the central office, analysts, branch heads and staff) and no topic, deputy or channel
filter; anything finer is counted from the appeals themselves (dashboard.py). Figures are "as of" the last
refresh, which the page shows; days to a decision are counted to the whole day."""

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Integer, String, and_, case, cast, delete, func, insert, literal, select

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


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _local_month(column, now: datetime):
    """The first day of the month, in Kazakhstan's time, of a UTC timestamp column."""
    if _dialect() == "postgresql":
        return cast(func.date_trunc("month", func.timezone(deadlines.LEGAL_ZONE.key, column)), db.Date)
    hours = int(deadlines.LEGAL_ZONE.utcoffset(now).total_seconds() // 3600)
    return func.date(column, f"{hours:+d} hours", "start of month")


def refresh(now: datetime) -> ReportRefresh:
    """Count everything again (a few INSERT ... SELECT), replacing the previous summary in one transaction."""
    today = deadlines.local_date(now)
    decided_date = dashboard._as_date(Appeal.decided_dt)
    open_ = Appeal.state.in_(appeal_ops.OPEN_STATES)
    month = _local_month(Appeal.registered_dt, now)
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
    measures = {
        "registered": func.count(Appeal.id),
        "decided": func.count(Appeal.decided_dt),
        "on_time": func.count(case((decided_date <= func.coalesce(Appeal.extended_until, Appeal.deadline), 1))),
        "open": func.count(case((open_, 1))),
        "overdue": func.count(case((and_(open_, Appeal.deadline < today), 1))),
        "rated": func.coalesce(func.sum(feedback.c.rated), 0),
        "satisfied": func.coalesce(func.sum(feedback.c.satisfied), 0),
        "reopen": func.coalesce(func.sum(feedback.c.reopen), 0),
    }
    db.session.execute(delete(C))

    def add(kind: str, month_expr, key_expr, decided_only: bool = False) -> None:
        stmt = select(literal(kind), month_expr, Appeal.branch_id, key_expr, *measures.values()).select_from(Appeal)
        if decided_only:
            stmt = stmt.where(Appeal.decided_dt.is_not(None))
        stmt = stmt.outerjoin(feedback, feedback.c.appeal_id == Appeal.id).group_by(
            month_expr, Appeal.branch_id, key_expr
        )
        columns = ["kind", "month", "branch_id", "key", *measures]
        db.session.execute(insert(C).from_select(columns, stmt))

    add("base", month, literal(""))
    add("topic", month, cast(Appeal.topic_id, String))
    add("channel", month, cast(Appeal.channel, String))
    add("state", month, cast(Appeal.state, String))
    add("deputy", month, func.coalesce(cast(Appeal.deputy_id, String), ""))
    add("decided", _local_month(Appeal.decided_dt, now), literal(""), decided_only=True)
    days = cast(func.floor(dashboard._days_between(Appeal.registered_dt, Appeal.decided_dt)), Integer)
    add("days", month, cast(days, String), decided_only=True)
    stamp = ReportRefresh(refreshed_dt=now, as_of_date=today)
    db.session.add(stamp)
    db.session.flush()
    return stamp


def latest() -> ReportRefresh | None:
    return db.session.scalar(select(ReportRefresh).order_by(ReportRefresh.id.desc()).limit(1))


def _last_day(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def fits(f: dashboard.DashboardFilter, user, refreshed: ReportRefresh | None) -> bool:
    """True when the summary answers this question exactly (as of its refresh)."""
    if refreshed is None or f.topic_id is not None or f.deputy_id is not None or f.channel:
        return False
    if user.role not in (*BRANCH_ROLES, Role.analyst, Role.admin):
        return False  # a deputy's own work is counted from their appeals
    whole_to = f.date_to == _last_day(f.date_to) or f.date_to >= refreshed.as_of_date
    return f.date_from.day == 1 and whole_to


def _where(f: dashboard.DashboardFilter, user, kind: str) -> list:
    where = [C.kind == kind, C.month >= f.date_from, C.month <= f.date_to]
    branches = visible_branch_ids(user) if user.role in BRANCH_ROLES else None
    if branches is not None:
        where.append(C.branch_id.in_(branches))
    if f.region_id is not None:
        where.append(C.branch_id.in_(select(Branch.id).where(Branch.region_id == f.region_id)))
    if f.branch_id is not None:
        where.append(C.branch_id == f.branch_id)
    return where


def _sums(f, user, kind: str, *columns) -> list[tuple]:
    stmt = (
        select(C.key, *(func.sum(c) for c in columns))
        .where(*_where(f, user, kind))
        .group_by(C.key)
        .order_by(func.sum(columns[0]).desc(), C.key)
    )
    return [row for row in db.session.execute(stmt).all() if row[1]]


def summary(f, user) -> dashboard.Summary:
    names = ("registered", "decided", "on_time", "overdue", "rated", "satisfied", "reopen")
    row = db.session.execute(
        select(*(func.coalesce(func.sum(getattr(C, n)), 0) for n in names)).where(*_where(f, user, "base"))
    ).one()
    values = dict(zip(names, (int(v) for v in row), strict=True))
    histogram = sorted((int(days), int(n)) for days, n in _sums(f, user, "days", C.registered))
    median, p90 = _percentiles(histogram)
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


def _percentiles(histogram: list[tuple[int, int]]) -> tuple[float | None, float | None]:
    """percentile_cont's linear interpolation over the decisions' whole days, read from (days, count)."""
    n = sum(count for _days, count in histogram)
    if not n:
        return None, None

    def value_at(index: int) -> float:
        seen = 0
        for days, count in histogram:
            seen += count
            if index < seen:
                return float(days)
        return float(histogram[-1][0])

    def at(fraction: float) -> float:
        position = fraction * (n - 1)
        low = int(position)
        lower, upper = value_at(low), value_at(min(low + 1, n - 1))
        return lower + (upper - lower) * (position - low)

    return at(0.5), at(0.9)


def by_month(f, user) -> dashboard.Table:
    def per_month(kind: str, column) -> dict[str, int]:
        stmt = select(C.month, func.sum(column)).where(*_where(f, user, kind)).group_by(C.month)
        return {m.strftime("%Y-%m"): int(n) for m, n in db.session.execute(stmt)}

    registered, decided = per_month("base", C.registered), per_month("decided", C.decided)
    rows = [[m, registered.get(m, 0), decided.get(m, 0)] for m in dashboard.months_of(f)]
    return dashboard.Table("by_month", _("Appeals by month"), [_("Month"), _("Registered"), _("Decided")], rows, "line")


def by_topic(f, user) -> dashboard.Table:
    rows = _sums(f, user, "topic", C.registered)
    topics = dashboard._names(Topic, [int(k) for k, _n in rows])
    return dashboard.Table(
        "by_topic", _("Appeals by topic"), [_("Topic"), _("Appeals")], [[topics[int(k)].name, int(n)] for k, n in rows]
    )


def by_branch(f, user) -> dashboard.Table:
    stmt = (
        select(C.branch_id, func.sum(C.registered))
        .where(*_where(f, user, "base"))
        .group_by(C.branch_id)
        .order_by(func.sum(C.registered).desc(), C.branch_id)
    )
    rows = [r for r in db.session.execute(stmt).all() if r[1]]
    branches = dashboard._names(Branch, [b for b, _n in rows])
    return dashboard.Table(
        "by_branch", _("Appeals by branch"), [_("Branch"), _("Appeals")], [[branches[b].name, int(n)] for b, n in rows]
    )


def by_region_counts(f, user) -> dict[int, int]:
    stmt = (
        select(Branch.region_id, func.sum(C.registered))
        .join(Branch, Branch.id == C.branch_id)
        .where(*_where(f, user, "base"), Branch.region_id.is_not(None))
        .group_by(Branch.region_id)
    )
    return {region: int(n) for region, n in db.session.execute(stmt)}


def by_channel(f, user) -> dashboard.Table:
    rows = _sums(f, user, "channel", C.registered)
    return dashboard.Table(
        "by_channel",
        _("Appeals by channel"),
        [_("Channel"), _("Appeals")],
        [[Channel(k).label, int(n)] for k, n in rows],
        "pie",
    )


def by_state(f, user) -> dashboard.Table:
    rows = _sums(f, user, "state", C.registered)
    return dashboard.Table(
        "by_state", _("Appeals by state"), [_("State"), _("Appeals")], [[AppealState(k).label, int(n)] for k, n in rows]
    )


def workload(f, user) -> dashboard.Table:
    rows = [r for r in _sums(f, user, "deputy", C.registered, C.open, C.overdue) if r[0]]
    deputies = dashboard._names(Deputy, [int(r[0]) for r in rows])
    return dashboard.Table(
        "workload",
        _("Deputies' workload"),
        [_("Deputy"), _("Appeals"), _("Open"), _("Overdue")],
        [[deputies[int(k)].full_name, int(total), int(o), int(late)] for k, total, o, late in rows],
    )
