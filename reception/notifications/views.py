"""The administrators' outbox page: what was sent, what failed, and a retry for the failed."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import acting_user, allow, signed_in
from ..accounts.models import Role
from ..audit.log import audit
from ..extensions import db
from .models import InAppNotification, MessageState, OutboxMessage
from .outbox import deliver_after_commit

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@allow(Role.admin)
def index():
    """Messages newest first, filterable by state; in the embedded default this is where they go."""
    state = request.args.get("state", "")
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if state in {s.value for s in MessageState}:
        stmt = stmt.where(OutboxMessage.state == MessageState(state))
    page = db.paginate(stmt, per_page=100, count=False)
    return render_template("notifications/index.html", page=page, state=state, states=list(MessageState))


@bp.route("/<int:message_id>/retry", methods=["POST"])
@allow(Role.admin)
def retry(message_id: int):
    """Send a failed message again."""
    message = db.get_or_404(OutboxMessage, message_id)
    if message.state == MessageState.failed:
        message.state, message.attempts, message.next_attempt_dt = MessageState.pending, 0, None
        audit("notification.retry", message, user=acting_user())
        deliver_after_commit(message.id)
        db.session.commit()
        flash(_("The message is queued again."), "success")
    return redirect(url_for("notifications.index", state="failed"))


@bp.route("/inbox", methods=["GET", "POST"])
@signed_in
def inbox():
    """The user's in-app notifications, newest first; POST marks them all read."""
    from ..dbtypes import utcnow

    user_id = current_user.id
    if request.method == "POST":
        db.session.execute(
            InAppNotification.__table__.update()
            .where(InAppNotification.user_id == user_id, InAppNotification.read_dt.is_(None))
            .values(read_dt=utcnow())
        )
        db.session.commit()
        return redirect(url_for("notifications.inbox"))
    notes = db.session.scalars(
        select(InAppNotification)
        .where(InAppNotification.user_id == user_id)
        .order_by(InAppNotification.id.desc())
        .limit(200)
    ).all()
    return render_template("notifications/inbox.html", notes=notes)
