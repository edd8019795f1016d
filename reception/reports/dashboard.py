"""The dashboard: what the network hears, where, and whether it gets solved, for a period and within the user's
scope (a branch its own, a regional head its branches, the central office everything, a deputy their own work).

Every figure is an aggregate computed in SQL (GROUP BY): the number of statements is fixed whatever the number
of appeals. Each table is a `Table` of plain rows, so the page, its charts and every export read the same rows."""

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import Date, Integer, and_, case, cast, func, literal_column, select

from ..appeals import deadlines
from ..appeals import operations as appeal_ops
from ..appeals.models import Appeal, AppealFeedback, AppealState, Channel, Rating
from ..directory.models import Branch, Deputy, GovernmentBody, Region, Topic
from ..extensions import db
from ..formkit import int_id
from ..inquiries import operations as inquiry_ops
from ..inquiries.models import AnswerAssessment, Inquiry

S = AppealState
#: The default period: this many months, the current one up to today (whole months: the summary answers it).
DEFAULT_PERIOD_MONTHS = 12
#: Residents per which the map counts appeals.
PER_RESIDENTS = 10_000
POPULATION_FILE = Path(__file__).parent.parent / "directory" / "data" / "population.json"


def _iso(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _months_before(day: date, months: int) -> date:
    """The first day of the month `months` months before the month of `day`."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class DashboardFilter:
    """The period (registration date, both ends included) and what to narrow to; empty lets everything through."""

    date_from: date
    date_to: date
    region_id: int | None = None
    branch_id: int | None = None
    topic_id: int | None = None
    deputy_id: int | None = None
    channel: str = ""

    @classmethod
    def from_args(cls, args, today: date) -> "DashboardFilter":
        """The filter a query string asks for; values that name nothing fall back to the default."""
        date_to = _iso(args.get("to", "")) or today
        date_from = _iso(args.get("from", "")) or _months_before(date_to, DEFAULT_PERIOD_MONTHS - 1)
        if date_from > date_to:
            date_from, date_to = date_to, date_from
        channel = args.get("channel", "")
        return cls(
            date_from=date_from,
            date_to=date_to,
            region_id=int_id(args.get("region", "")),
            branch_id=int_id(args.get("branch", "")),
            topic_id=int_id(args.get("topic", "")),
            deputy_id=int_id(args.get("deputy", "")),
            channel=channel if channel in {c.value for c in Channel} else "",
        )

    def to_args(self) -> dict:
        args = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        for name, key in (("region_id", "region"), ("branch_id", "branch"), ("topic_id", "topic")):
            if getattr(self, name) is not None:
                args[key] = getattr(self, name)
        if self.deputy_id is not None:
            args["deputy"] = self.deputy_id
        if self.channel:
            args["channel"] = self.channel
        return args

    def but(self, **changes) -> "DashboardFilter":
        return replace(self, **changes)


@dataclass
class Table:
    """A titled table: the first column names the row, the others are numbers; `chart` says how to draw it."""

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    #: "bar", "line", "pie" or "" (a table only).
    chart: str = "bar"


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _month(column):
    """'YYYY-MM' of a UTC timestamp in Kazakhstan's time, in SQL (literals: GROUP BY must match the SELECT)."""
    if _dialect() == "postgresql":
        local = func.timezone(literal_column(f"'{deadlines.LEGAL_ZONE.key}'"), column)
        return func.to_char(local, literal_column("'YYYY-MM'"))
    hours = int(deadlines.LEGAL_ZONE.utcoffset(datetime.now(UTC)).total_seconds() // 3600)
    return func.strftime(literal_column("'%Y-%m'"), column, literal_column(f"'{hours:+d} hours'"))


def _as_date(column):
    return func.date(column) if _dialect() == "sqlite" else cast(column, Date)


def _bounds(f: DashboardFilter) -> tuple[datetime, datetime]:
    """The period's first and after-last moments: its dates are days in Kazakhstan (deadlines.LEGAL_ZONE)."""
    zone = deadlines.LEGAL_ZONE
    return (
        datetime.combine(f.date_from, time.min, zone).astimezone(UTC),
        datetime.combine(f.date_to + timedelta(days=1), time.min, zone).astimezone(UTC),
    )


def appeal_conditions(f: DashboardFilter, user, period: bool = True) -> list:
    """The WHERE clauses of the appeals the dashboard counts: the user's scope, the period of registration
    (unless `period` is False) and the filters. The region is the branch's region (a subquery, no join)."""
    start, end = _bounds(f)
    where = [appeal_ops.visible_appeals_filter(user)]
    if period:
        where += [Appeal.registered_dt >= start, Appeal.registered_dt < end]
    if f.region_id is not None:
        where.append(Appeal.branch_id.in_(select(Branch.id).where(Branch.region_id == f.region_id)))
    if f.branch_id is not None:
        where.append(Appeal.branch_id == f.branch_id)
    if f.topic_id is not None:
        where.append(Appeal.topic_id == f.topic_id)
    if f.deputy_id is not None:
        where.append(Appeal.deputy_id == f.deputy_id)
    if f.channel:
        where.append(Appeal.channel == Channel(f.channel))
    return where


def _grouped(key_column, where, extra_joins=()) -> list[tuple]:
    stmt = select(key_column, func.count(Appeal.id)).where(*where)
    for target, onclause in extra_joins:
        stmt = stmt.join(target, onclause)
    stmt = stmt.group_by(key_column).order_by(func.count(Appeal.id).desc(), key_column)
    return db.session.execute(stmt).all()


def _names(model, ids) -> dict:
    ids = [i for i in ids if i is not None]
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}


@dataclass
class Summary:
    """The headline figures of the dashboard."""

    registered: int
    decided: int
    median_days: float | None
    p90_days: float | None
    on_time_share: float | None
    overdue_now: int
    rated: int
    satisfied_share: float | None
    reopen_requests: int


def whole_days(start, end):
    """Whole days from `start` to `end` (timestamps), rounded down, in SQL: days to a decision as the dashboard
    counts them, the same from the appeals and in the summary's histogram (summary.py), so both agree."""
    if _dialect() == "postgresql":
        return cast(func.floor(func.extract("epoch", end - start) / 86400), Integer)
    seconds = cast(func.strftime("%s", end), Integer) - cast(func.strftime("%s", start), Integer)
    return seconds // 86400  # end is never before start


def percentiles_of(histogram: list[tuple[int, int]]) -> tuple[float | None, float | None]:
    """Median and 90th percentile of (days, count) sorted by days: percentile_cont's linear interpolation."""
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


def _percentiles(where) -> tuple[float | None, float | None]:
    """Median and 90th percentile of whole days from registration to decision: read from the histogram of
    (days, decisions), one GROUP BY, so the summary's histograms give exactly the same (percentiles_of)."""
    days = whole_days(Appeal.registered_dt, Appeal.decided_dt)
    stmt = (
        select(days, func.count(Appeal.id)).where(*where, Appeal.decided_dt.is_not(None)).group_by(days).order_by(days)
    )
    return percentiles_of([(int(d), int(n)) for d, n in db.session.execute(stmt)])


def summary(f: DashboardFilter, user, today: date) -> Summary:
    where = appeal_conditions(f, user)
    decided_date = _as_date(Appeal.decided_dt)
    on_time = and_(
        Appeal.decided_dt.is_not(None), decided_date <= func.coalesce(Appeal.extended_until, Appeal.deadline)
    )
    registered, decided, on_time_count, overdue = db.session.execute(
        select(
            func.count(Appeal.id),
            func.count(Appeal.decided_dt),
            func.count(case((on_time, 1))),
            func.count(case((and_(Appeal.state.in_(appeal_ops.OPEN_STATES), Appeal.deadline < today), 1))),
        )
        .select_from(Appeal)
        .where(*where)
    ).one()
    rated, satisfied, reopen = db.session.execute(
        select(
            func.count(AppealFeedback.id),
            func.count(case((AppealFeedback.rating == Rating.satisfied, 1))),
            func.count(case((AppealFeedback.reopen_state.is_not(None), 1))),
        )
        .join(Appeal, Appeal.id == AppealFeedback.appeal_id)
        .where(*where)
    ).one()
    median, p90 = _percentiles(where)
    return Summary(
        registered=registered,
        decided=decided,
        median_days=median,
        p90_days=p90,
        on_time_share=on_time_count / decided if decided else None,
        overdue_now=overdue,
        rated=rated,
        satisfied_share=satisfied / rated if rated else None,
        reopen_requests=reopen,
    )


def by_month(f: DashboardFilter, user) -> Table:
    """Appeals registered and decided per month of the period (decided: the decision fell in that month)."""
    where = appeal_conditions(f, user)
    registered = dict(
        db.session.execute(
            select(_month(Appeal.registered_dt), func.count(Appeal.id))
            .where(*where)
            .group_by(_month(Appeal.registered_dt))
        ).all()
    )
    start, end = _bounds(f)
    decided_where = [
        *appeal_conditions(f, user, period=False),
        Appeal.decided_dt >= start,
        Appeal.decided_dt < end,
    ]
    month = _month(Appeal.decided_dt)
    decided = dict(db.session.execute(select(month, func.count(Appeal.id)).where(*decided_where).group_by(month)).all())
    rows = [[m, registered.get(m, 0), decided.get(m, 0)] for m in months_of(f)]
    return Table("by_month", _("Appeals by month"), [_("Month"), _("Registered"), _("Decided")], rows, "line")


def months_of(f: DashboardFilter) -> list[str]:
    """'YYYY-MM' of every month the period touches."""
    months = []
    cursor = f.date_from.replace(day=1)
    while cursor <= f.date_to:
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


def by_topic(f: DashboardFilter, user) -> Table:
    rows = _grouped(Appeal.topic_id, appeal_conditions(f, user))
    topics = _names(Topic, [r[0] for r in rows])
    return Table("by_topic", _("Appeals by topic"), [_("Topic"), _("Appeals")], [[topics[t].name, n] for t, n in rows])


def by_branch(f: DashboardFilter, user) -> Table:
    rows = _grouped(Appeal.branch_id, appeal_conditions(f, user))
    branches = _names(Branch, [r[0] for r in rows])
    return Table(
        "by_branch", _("Appeals by branch"), [_("Branch"), _("Appeals")], [[branches[b].name, n] for b, n in rows]
    )


def by_region_counts(f: DashboardFilter, user) -> dict[int, int]:
    """Appeals per region of the registering branch: {region id: count}."""
    stmt = (
        select(Branch.region_id, func.count(Appeal.id))
        .join(Branch, Branch.id == Appeal.branch_id)
        .where(*appeal_conditions(f, user), Branch.region_id.is_not(None))
        .group_by(Branch.region_id)
    )
    return dict(db.session.execute(stmt).all())


def population() -> dict:
    """Residents per region code, and the source of the figures (directory/data/population.json)."""
    return json.loads(POPULATION_FILE.read_text(encoding="utf-8"))


@dataclass
class MapCell:
    region: Region
    appeals: int
    residents: int | None
    #: Appeals per PER_RESIDENTS residents, None without a population figure.
    rate: float | None


def by_region(f: DashboardFilter, user, counts: dict[int, int] | None = None) -> tuple[Table, list[MapCell]]:
    """Appeals per region and per 10,000 residents: the map's table, and its cells for every region."""
    counts = by_region_counts(f, user) if counts is None else counts
    residents = population()["residents"]
    cells = []
    for region in db.session.scalars(select(Region).order_by(Region.id)):
        people = residents.get(region.code)
        n = counts.get(region.id, 0)
        cells.append(MapCell(region, n, people, round(n * PER_RESIDENTS / people, 2) if people else None))
    rows = [[c.region.name, c.appeals, c.rate if c.rate is not None else ""] for c in cells]
    rows.sort(key=lambda r: (-r[1], r[0]))
    table = Table(
        "by_region", _("Appeals by region"), [_("Region"), _("Appeals"), _("Per 10,000 residents")], rows, "map"
    )
    return table, cells


def by_channel(f: DashboardFilter, user) -> Table:
    rows = _grouped(Appeal.channel, appeal_conditions(f, user))
    return Table(
        "by_channel", _("Appeals by channel"), [_("Channel"), _("Appeals")], [[c.label, n] for c, n in rows], "pie"
    )


def by_state(f: DashboardFilter, user) -> Table:
    rows = _grouped(Appeal.state, appeal_conditions(f, user))
    return Table("by_state", _("Appeals by state"), [_("State"), _("Appeals")], [[s.label, n] for s, n in rows])


def workload(f: DashboardFilter, user, today: date) -> Table:
    """Per deputy: appeals of the period held, still open, overdue now, decided."""
    open_ = Appeal.state.in_(appeal_ops.OPEN_STATES)
    stmt = (
        select(
            Appeal.deputy_id,
            func.count(Appeal.id),
            func.count(case((open_, 1))),
            func.count(case((and_(open_, Appeal.deadline < today), 1))),
        )
        .where(*appeal_conditions(f, user), Appeal.deputy_id.is_not(None))
        .group_by(Appeal.deputy_id)
        .order_by(func.count(Appeal.id).desc(), Appeal.deputy_id)
    )
    rows = db.session.execute(stmt).all()
    deputies = _names(Deputy, [r[0] for r in rows])
    return Table(
        "workload",
        _("Deputies' workload"),
        [_("Deputy"), _("Appeals"), _("Open"), _("Overdue")],
        [[deputies[d].full_name, total, open_n, overdue] for d, total, open_n, overdue in rows],
    )


def inquiry_conditions(f: DashboardFilter, user) -> list:
    """Inquiries the user may see, sent in the period (by topic if filtered; by author if a deputy is chosen)."""
    where = [inquiry_ops.visible_filter(user), Inquiry.sent_date >= f.date_from, Inquiry.sent_date <= f.date_to]
    if f.topic_id is not None:
        where.append(Inquiry.topic_id == f.topic_id)
    if f.deputy_id is not None:
        where.append(Inquiry.author_id == f.deputy_id)
    return where


def _inquiry_columns(today: date):
    answered = Inquiry.answer_assessment.is_not(None)
    return (
        func.count(Inquiry.id),
        func.count(case((answered, 1))),
        func.count(case((Inquiry.answer_assessment == AnswerAssessment.substantive, 1))),
        func.count(case((inquiry_ops.overdue_clause(today), 1))),
    )


def _share(part: int, whole: int):
    return round(100 * part / whole, 1) if whole else ""


def inquiries_by_addressee(f: DashboardFilter, user, today: date) -> Table:
    """Per government body: inquiries sent, answered, answered in substance (share of answered), overdue."""
    stmt = (
        select(Inquiry.addressee_id, *_inquiry_columns(today))
        .where(*inquiry_conditions(f, user))
        .group_by(Inquiry.addressee_id)
        .order_by(func.count(Inquiry.id).desc(), Inquiry.addressee_id)
    )
    rows = db.session.execute(stmt).all()
    bodies = _names(GovernmentBody, [r[0] for r in rows])
    return Table(
        "inquiries_by_addressee",
        _("Deputy inquiries by addressee"),
        [_("Government body"), _("Sent"), _("Answered"), _("Substantive answers (share)"), _("Overdue")],
        [
            [bodies[b].name, sent, answered, _share(subst, answered), overdue]
            for b, sent, answered, subst, overdue in rows
        ],
    )


def inquiries_by_topic(f: DashboardFilter, user, today: date) -> Table:
    stmt = (
        select(Inquiry.topic_id, *_inquiry_columns(today))
        .where(*inquiry_conditions(f, user))
        .group_by(Inquiry.topic_id)
        .order_by(func.count(Inquiry.id).desc(), Inquiry.topic_id)
    )
    rows = db.session.execute(stmt).all()
    topics = _names(Topic, [r[0] for r in rows])
    no_topic = _("No topic")
    return Table(
        "inquiries_by_topic",
        _("Deputy inquiries by topic"),
        [_("Topic"), _("Sent"), _("Answered"), _("Substantive answers (share)"), _("Overdue")],
        [
            [topics[t].name if t in topics else no_topic, sent, answered, _share(subst, answered), overdue]
            for t, sent, answered, subst, overdue in rows
        ],
    )


@dataclass
class Dashboard:
    filter: DashboardFilter
    summary: Summary
    tables: list[Table]
    map_cells: list[MapCell]
    population_source: str
    #: When the summary these figures come from was made; None when counted from the appeals just now.
    as_of: datetime | None = None


def summary_table(s: Summary) -> Table:
    """The headline figures as a table (for exports)."""

    def share(value):
        return round(100 * value, 1) if value is not None else ""

    def days(value):
        return round(value, 1) if value is not None else ""

    rows = [
        [_("Registered"), s.registered],
        [_("Decided"), s.decided],
        [_("Median days to decision"), days(s.median_days)],
        [_("90th percentile of days to decision"), days(s.p90_days)],
        [_("Share decided on time"), share(s.on_time_share)],
        [_("Overdue now"), s.overdue_now],
        [_("Share of citizens satisfied"), share(s.satisfied_share)],
        [_("Requests to reopen"), s.reopen_requests],
    ]
    return Table("summary", _("Summary"), [_("Figure"), _("Value")], rows, "")


def local_today(now: datetime) -> date:
    return deadlines.local_date(now)
