"""The branch head's and the central office's board."""

from flask import Blueprint, render_template

from ..accounts.access import acting_user, allow, visible_branch_ids
from ..accounts.models import Role
from ..appeals import deadlines
from ..dbtypes import utcnow
from ..inquiries import registry as inquiry_registry
from . import queries

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/")
@allow(Role.branch_head, Role.analyst, Role.admin)
def index():
    """Open appeals by state and age, the overdue, those awaiting triage, and workload per deputy."""
    user = acting_user()
    scope = visible_branch_ids(user)  # None: the whole country
    now = utcnow()
    today = deadlines.local_date(now)
    return render_template(
        "reports/index.html",
        buckets=queries.AGE_BUCKETS,
        by_state=queries.by_state_and_age(scope, now),
        overdue=queries.overdue(scope, today),
        triage=queries.awaiting_triage(scope),
        workload=queries.workload(scope, today),
        escalated=queries.escalated(scope),
        today=today,
        reopen_requests=queries.reopen_requests(scope),
        overdue_inquiries=inquiry_registry.overdue_list(user, today, limit=50),
        overdue_inquiry_count=inquiry_registry.overdue_count(user, today),
    )
