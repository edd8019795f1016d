"""The branch head's and the central office's board, and the workload of every deputy."""

from flask import Blueprint, Response, render_template, request
from sqlalchemy import select

from ..accounts.access import acting_user, allow, public
from ..accounts.models import Role
from ..appeals import deadlines
from ..appeals.models import Channel
from ..dbtypes import utcnow
from ..directory.models import Branch, Deputy, Region, Topic
from ..extensions import db
from ..formkit import int_id
from ..inquiries import registry as inquiry_registry
from . import dashboard, exporting, queries, tilemap
from . import public as public_figures_module

bp = Blueprint("reports", __name__, url_prefix="/reports")
BOARD_ROLES = (Role.branch_head, Role.analyst, Role.admin)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/")
@allow(*BOARD_ROLES)
def index():
    """Counts of open appeals (by state and age, overdue, due soon, per topic and deputy), each a link to its list."""
    user = acting_user()
    now = utcnow()
    today = deadlines.local_date(now)
    return render_template(
        "reports/index.html",
        buckets=queries.AGE_BUCKETS,
        due_soon_days=queries.DUE_SOON_DAYS,
        headline=queries.headline(user, now, today),
        by_state=queries.by_state_and_age(user, now, today),
        age_totals=queries.age_totals(user, now, today),
        by_topic=queries.by_topic(user, now, today),
        workload=queries.workload(user, now, today),
        deputies_holding=queries.deputies_holding(user, now, today),
        reopen_requests=queries.reopen_requests(user),
        overdue_inquiries=inquiry_registry.overdue_list(user, today, limit=queries.BOARD_PREVIEW),
        overdue_inquiry_count=inquiry_registry.overdue_count(user, today),
    )


@bp.route("/workload")
@allow(*BOARD_ROLES)
def workload():
    """Every deputy holding open appeals in the user's scope, busiest first, by pages."""
    user = acting_user()
    now = utcnow()
    today = deadlines.local_date(now)
    page = int_id(request.args.get("page", "")) or 1
    size = queries.WORKLOAD_PAGE_SIZE
    total = queries.deputies_holding(user, now, today)
    return render_template(
        "reports/workload.html",
        workload=queries.workload(user, now, today, limit=size, offset=(page - 1) * size),
        total=total,
        page=page,
        pages=max(1, -(-total // size)),
    )


DASHBOARD_ROLES = (Role.staff, Role.branch_head, Role.deputy, Role.assistant, Role.analyst, Role.admin)


def _dashboard_data():
    user = acting_user()
    today = deadlines.local_date(utcnow())
    f = dashboard.DashboardFilter.from_args(request.args, today)
    return dashboard.build(f, user, today)


def _choices():
    """What the filter form offers: regions, branches, topics, deputies (names in the reader's language)."""
    return {
        "regions": db.session.scalars(select(Region).order_by(Region.id)).all(),
        "branches": db.session.scalars(select(Branch).order_by(Branch.code)).all(),
        "topics": db.session.scalars(select(Topic).order_by(Topic.id)).all(),
        "deputies": db.session.scalars(select(Deputy).order_by(Deputy.full_name)).all(),
        "channels": Channel.choices(),
    }


@bp.route("/dashboard")
@allow(*DASHBOARD_ROLES)
def dashboard_page():
    """Charts, a map and tables of appeals and inquiries for a period, within the user's scope; filters in the URL."""
    data = _dashboard_data()
    return render_template(
        "reports/dashboard.html",
        data=data,
        args=data.filter.to_args(),
        tiles=tilemap.tiles(data.map_cells),
        legend=tilemap.legend(data.map_cells),
        tile=tilemap.TILE,
        **_choices(),
    )


@bp.route("/dashboard/export.<any(csv, xlsx):fmt>")
@allow(*DASHBOARD_ROLES)
def dashboard_export(fmt: str):
    """Every table of the dashboard as the page shows it, as CSV or XLSX."""
    data = _dashboard_data()
    tables = [dashboard.summary_table(data.summary), *data.tables]
    name = f"dashboard-{data.filter.date_from}-{data.filter.date_to}.{fmt}"
    if fmt == "csv":
        body, mimetype = exporting.to_csv(tables), "text/csv; charset=utf-8"
    else:
        body, mimetype = exporting.to_xlsx(tables), XLSX
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/public")
@public
def public_figures():
    """Aggregate figures for everyone, no sign-in: appeals by region and topic, government bodies' answers."""
    today = deadlines.local_date(utcnow())
    f = dashboard.DashboardFilter.from_args(request.args, today)
    return render_template(
        "reports/public.html",
        filter=f,
        tables=public_figures_module.figures(f, today),
        threshold=public_figures_module.SUPPRESS_BELOW,
    )
