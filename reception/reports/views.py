"""The branch head's and the central office's board, and the workload of every deputy."""

from flask import Blueprint, render_template, request

from ..accounts.access import acting_user, allow
from ..accounts.models import Role
from ..appeals import deadlines
from ..dbtypes import utcnow
from ..formkit import int_id
from ..inquiries import registry as inquiry_registry
from . import queries

bp = Blueprint("reports", __name__, url_prefix="/reports")
BOARD_ROLES = (Role.branch_head, Role.analyst, Role.admin)


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
