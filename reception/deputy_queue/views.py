"""The deputy's (and assistant's) queue: what is routed to them, due first."""

import io
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import acting_user, allow
from ..accounts.models import Role, User
from ..appeals import deadlines
from ..appeals import operations as appeal_ops
from ..appeals.models import Appeal, AppealState
from ..dbtypes import utcnow
from ..exports import SafeWriter
from ..extensions import db
from ..formkit import int_id
from ..i18n import local_time
from ..inquiries import registry as inquiry_registry
from . import menus, queries

bp = Blueprint("deputy_queue", __name__, url_prefix="/deputy-queue")
QUEUE_ROLES = (Role.deputy, Role.assistant)


def _int(name: str) -> int | None:
    return int_id(request.args.get(name, ""))


def _filter() -> queries.QueueFilter:
    state = request.args.get("state") or None
    try:
        state = AppealState(state) if state else None
    except ValueError:
        abort(400)
    return queries.QueueFilter(
        state=state,
        topic_id=_int("topic"),
        region_id=_int("region"),
        district_id=_int("district"),
        branch_id=_int("branch"),
        overdue=request.args.get("overdue") == "1",
        due_within=_int("due_within"),
        query=request.args.get("q", "").strip(),
        assistant_id=current_user.id if request.args.get("mine") == "1" else None,
        has_inquiry={"1": True, "0": False}.get(request.args.get("inquiry", "")),
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
    deputy_ids = appeal_ops.deputy_ids_of(acting_user())
    today = deadlines.local_date(utcnow())
    f = _filter()
    rows, next_key = queries.page(deputy_ids, f, today, _after())
    args = {k: v for k, v in request.args.items() if k != "after"}
    overview = queries.overview(deputy_ids, f, today)
    return render_template(
        "deputy_queue/index.html",
        rows=rows,
        f=f,
        args=args,
        today=today,
        next_after=f"{next_key[0].isoformat()}_{next_key[1]}" if next_key else None,
        header=overview.header,
        counts=overview.counts,
        state_choices=[(s.value, f"{s.label} ({overview.counts.get(s, 0)})") for s in AppealState],
        menus=menus.filter_menus(),
        branches=queries.branches(overview.branch_ids),
        assistants=queries.assistants_for(deputy_ids) if current_user.role == Role.deputy else [],
        overdue_inquiries=inquiry_registry.overdue_list(acting_user(), today),
    )


@bp.route("/export.csv")
@allow(*QUEUE_ROLES)
def export():
    """The filtered queue as CSV (UTF-8 with BOM, so spreadsheet programs read Cyrillic), streamed by pages."""
    deputy_ids = appeal_ops.deputy_ids_of(acting_user())
    today = deadlines.local_date(utcnow())
    f = _filter()
    header = [_("Number"), _("Registered"), _("Deadline"), _("State"), _("Topic"), _("Summary"), _("Branch")]

    def rows():
        buffer = io.StringIO()
        writer = SafeWriter(buffer)
        writer.writerow(header)
        yield "\ufeff" + buffer.getvalue()
        after = None
        while True:
            page, after = queries.page(deputy_ids, f, today, after, size=500)
            buffer.seek(0)
            buffer.truncate()
            for a in page:
                writer.writerow(
                    [
                        a.registration_number,
                        local_time(a.registered_dt, "%d.%m.%Y"),
                        a.deadline.strftime("%d.%m.%Y"),
                        a.state.label,
                        a.topic.name,
                        a.summary,
                        a.branch.code,
                    ]
                )
            yield buffer.getvalue()
            if after is None:
                break

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="queue-{today.isoformat()}.csv"'
    return response


def _selected(user) -> list[Appeal]:
    ids = [i for i in map(int_id, request.form.getlist("ids")) if i is not None]
    appeals = list(db.session.scalars(select(Appeal).where(Appeal.id.in_(ids))))
    if any(not appeal_ops.can_see(user, a) for a in appeals):
        abort(404)  # someone else's appeal: as if it did not exist
    return appeals


@bp.route("/take", methods=["POST"])
@allow(*QUEUE_ROLES)
def take():
    """Bulk actions on the selected appeals: take into work, or give to an assistant."""
    user = acting_user()
    appeals = _selected(user)
    back = redirect(url_for("deputy_queue.index", **dict(request.args.items())))
    if request.form.get("action") == "assign":
        assistant = (
            db.session.get(User, assistant_id)
            if (assistant_id := int_id(request.form.get("assistant"))) is not None
            else None
        )
        if assistant is None or assistant.role != Role.assistant or user.role != Role.deputy:
            abort(400)
        count = queries.assign_to_assistant(appeals, assistant, user=user)
        db.session.commit()
        flash(_("Given to %(name)s: %(count)s.", name=assistant.full_name, count=count), "success")
        return back
    taken = 0
    for appeal in appeals:
        if AppealState.in_progress in appeal_ops.moves_for(user, appeal):
            appeal_ops.take_into_work(appeal, user=user)
            taken += 1
    db.session.commit()
    flash(_("Taken into work: %(count)s.", count=taken), "success")
    return back
