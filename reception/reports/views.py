"""The branch head's and the central office's board, and the workload of every deputy."""

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.access import acting_user, allow, public
from ..accounts.models import Role
from ..appeals import deadlines
from ..appeals.models import Channel
from ..dbtypes import utcnow
from ..directory.models import Branch, Deputy, Region, Topic
from ..extensions import db
from ..formkit import int_id
from ..i18n import current_language
from ..inquiries import registry as inquiry_registry
from . import board, dashboard, exporting, figures, lists, queries, tilemap
from . import operations as export_ops
from . import public as public_figures_module
from .models import ExportStatus

bp = Blueprint("reports", __name__, url_prefix="/reports")
BOARD_ROLES = (Role.branch_head, Role.analyst, Role.admin)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/")
@allow(*BOARD_ROLES)
def index():
    """Counts of open appeals (by state and age, overdue, due soon, per topic and deputy) as of the last count,
    each a link to its list."""
    user = acting_user()
    now = utcnow()
    today = deadlines.local_date(now)
    snapshot = board.current(now)
    counts = queries.counts(user, snapshot)
    by_state = queries.by_state_and_age(counts)
    overdue_inquiries, overdue_inquiry_count = inquiry_registry.overdue_preview(user, today, queries.BOARD_PREVIEW)
    return render_template(
        "reports/index.html",
        snapshot=snapshot,
        refresh_minutes=board.REFRESH_MINUTES,
        buckets=board.AGE_BUCKETS,
        due_soon_days=board.DUE_SOON_DAYS,
        headline=queries.headline(user, counts, by_state),
        by_state=by_state,
        age_totals=queries.age_totals(by_state),
        by_topic=queries.by_topic(counts),
        workload=queries.workload(counts),
        deputies_holding=queries.deputies_holding(counts),
        reopen_requests=queries.reopen_requests(user),
        overdue_inquiries=overdue_inquiries,
        overdue_inquiry_count=overdue_inquiry_count,
    )


@bp.route("/workload")
@allow(*BOARD_ROLES)
def workload():
    """Every deputy holding open appeals in the user's scope, busiest first, by pages (as of the last count)."""
    user = acting_user()
    snapshot = board.current(utcnow())
    counts = queries.counts(user, snapshot, kinds=("deputy",))
    page = int_id(request.args.get("page", "")) or 1
    size = queries.WORKLOAD_PAGE_SIZE
    total = queries.deputies_holding(counts)
    return render_template(
        "reports/workload.html",
        snapshot=snapshot,
        refresh_minutes=board.REFRESH_MINUTES,
        workload=queries.workload(counts, limit=size, offset=(page - 1) * size),
        total=total,
        page=page,
        pages=max(1, -(-total // size)),
    )


DASHBOARD_ROLES = (Role.staff, Role.branch_head, Role.deputy, Role.assistant, Role.analyst, Role.admin)


def _dashboard_data():
    user = acting_user()
    today = deadlines.local_date(utcnow())
    f = dashboard.DashboardFilter.from_args(request.args, today)
    return figures.build(f, user, today)


def _choices():
    """What the filter form offers: regions, branches, topics, deputies (names in the reader's language)."""
    return {
        "regions": db.session.scalars(select(Region).order_by(Region.id)).all(),
        "branches": db.session.scalars(select(Branch).order_by(Branch.code)).all(),
        "topics": db.session.scalars(select(Topic).order_by(Topic.id)).all(),
        "deputies": db.session.scalars(select(Deputy).order_by(Deputy.full_name)).all(),
        "channels": Channel.choices(),
    }


FILE_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX, "pdf": "application/pdf"}


def _file(body: bytes, fmt: str, name: str) -> Response:
    return Response(
        body, mimetype=FILE_TYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    )


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


@bp.route("/dashboard/export.csv")
@allow(*DASHBOARD_ROLES)
def dashboard_csv():
    return dashboard_export("csv")


@bp.route("/dashboard/export.xlsx")
@allow(*DASHBOARD_ROLES)
def dashboard_xlsx():
    return dashboard_export("xlsx")


@bp.route("/dashboard/export.pdf")
@allow(*DASHBOARD_ROLES)
def dashboard_pdf():
    return dashboard_export("pdf")


def dashboard_export(fmt: str):
    """Every table of the dashboard as the page shows it, as CSV, XLSX or a printable PDF.

    The PDF is WeasyPrint from HTML, not LibreOffice: the same tables and the SVG map render directly from a
    template in-process, with no office suite round trip (LibreOffice's HTML import drops the SVG)."""
    data = _dashboard_data()
    tables = [dashboard.summary_table(data.summary), *data.tables]
    name = f"dashboard-{data.filter.date_from}-{data.filter.date_to}"
    if fmt == "csv":
        return _file(exporting.to_csv(tables), fmt, name)
    if fmt == "xlsx":
        return _file(exporting.to_xlsx(tables), fmt, name)
    from weasyprint import HTML  # loaded only here: it brings Pango

    html = render_template(
        "reports/dashboard_pdf.html",
        data=data,
        tables=tables,
        tiles=tilemap.tiles(data.map_cells),
        legend=tilemap.legend(data.map_cells),
        tile=tilemap.TILE,
    )
    return _file(HTML(string=html).write_pdf(), fmt, name)


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


EXPORT_ROLES = DASHBOARD_ROLES


@bp.route("/exports/appeals", methods=["POST"])
@allow(*EXPORT_ROLES)
def export_appeals():
    """The appeals list with its filters as CSV or XLSX: the file at once, or a job and its progress page."""
    user = acting_user()
    fmt = request.form.get("format", "")
    if fmt not in export_ops.FORMATS:
        abort(400, _("Choose CSV or XLSX."))
    now = utcnow()
    result = export_ops.export_appeals(
        user, export_ops.appeal_args(request.form), fmt, current_language(), now, deadlines.local_date(now)
    )
    if isinstance(result, bytes):
        return _file(result, fmt, "appeals")
    db.session.commit()
    return redirect(url_for("reports.export_status", export_id=result.id), 303)


@bp.route("/exports/<int:export_id>")
@allow(*EXPORT_ROLES)
def export_status(export_id: int):
    """A long export's progress (the page polls it as JSON) and, when ready, its download link."""
    export = export_ops.export_of(acting_user(), export_id) or abort(404)
    if request.args.get("poll") == "1":
        return {"status": export.status.value, "label": export.status.label, "done": export.done, "total": export.total}
    return render_template("reports/export.html", export=export)


@bp.route("/exports/<int:export_id>/download")
@allow(*EXPORT_ROLES)
def export_download(export_id: int):
    export = export_ops.export_of(acting_user(), export_id) or abort(404)
    if export.status != ExportStatus.ready:
        abort(409, _("The file is not ready yet."))
    return _file(export.content, export.format, f"appeals-{export.id}")


@bp.route("/exports/inquiries", methods=["POST"])
@allow(Role.branch_head, Role.deputy, Role.assistant, Role.analyst, Role.admin)
def export_inquiries():
    """The inquiries registry with its filters as CSV or XLSX (a registry is short: written at once)."""
    fmt = request.form.get("format", "")
    if fmt not in export_ops.FORMATS:
        abort(400, _("Choose CSV or XLSX."))
    rows = lists.inquiry_rows(request.form, acting_user(), deadlines.local_date(utcnow()))
    return _file(exporting.write(rows, fmt, _("Deputy inquiries")), fmt, "inquiries")
