"""The deputy's (and assistant's) queue: what is routed to them, due first."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import allow
from ..accounts.models import Role
from ..appeals import deadlines
from ..appeals import operations as appeal_ops
from ..appeals.models import Appeal, AppealState
from ..dbtypes import utcnow
from ..directory.models import Topic
from ..extensions import db
from . import queries

bp = Blueprint("workqueue", __name__, url_prefix="/workqueue")
QUEUE_ROLES = (Role.deputy, Role.assistant)


def _int(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _filter() -> queries.QueueFilter:
    state = request.args.get("state") or None
    try:
        state = AppealState(state) if state else None
    except ValueError:
        abort(400)
    return queries.QueueFilter(
        state=state, topic_id=_int("topic"), region_id=_int("region"), district_id=_int("district"),
        branch_id=_int("branch"), overdue=request.args.get("overdue") == "1", due_within=_int("due_within"),
        query=request.args.get("q", "").strip(),
    )


def _after() -> tuple[date, int] | None:
    raw = request.args.get("after", "")
    if not raw:
        return None
    try:
        day, _sep, ident = raw.partition("_")
        return date.fromisoformat(day), int(ident)
    except ValueError:
        abort(400)


@bp.route("/")
@allow(*QUEUE_ROLES)
def index():
    """The queue with filters, counts and keyset pages."""
    deputy_ids = appeal_ops.deputy_ids_of(current_user._get_current_object())
    today = deadlines.local_date(utcnow())
    f = _filter()
    rows, next_key = queries.page(deputy_ids, f, today, _after())
    args = {k: v for k, v in request.args.items() if k != "after"}
    return render_template(
        "workqueue/index.html", rows=rows, f=f, args=args, today=today,
        next_after=f"{next_key[0].isoformat()}_{next_key[1]}" if next_key else None,
        header=queries.header(deputy_ids, today), counts=queries.counts_by_state(deputy_ids, f, today),
        states=list(AppealState), topics=db.session.scalars(select(Topic).order_by(Topic.position)).all(),
    )


@bp.route("/take", methods=["POST"])
@allow(*QUEUE_ROLES)
def take():
    """Take the selected routed appeals into work."""
    user = current_user._get_current_object()
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    taken = 0
    for appeal in db.session.scalars(select(Appeal).where(Appeal.id.in_(ids))):
        if not appeal_ops.can_see(user, appeal):
            abort(404)
        if AppealState.in_progress in appeal_ops.moves_for(user, appeal):
            appeal_ops.take_into_work(appeal, user=user)
            taken += 1
    db.session.commit()
    flash(_("Taken into work: %(count)s.", count=taken), "success")
    return redirect(url_for("workqueue.index", **{k: v for k, v in request.args.items()}))
