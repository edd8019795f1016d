"""The audit log, for administrators."""

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.access import allow
from ..accounts.models import Role, User
from ..extensions import db
from .models import AuditEntry

bp = Blueprint("audit", __name__, url_prefix="/audit")

#: What each recorded action means, as the page names it (the stored code is the filter's value).
ACTIONS = {
    "access.denied": _l("Access refused"),
    "appeal.anonymise": _l("Appeal anonymised"),
    "appeal.assign_assistant": _l("Appeal given to an assistant"),
    "appeal.citizen_information": _l("The citizen added information"),
    "appeal.citizen_rating": _l("The citizen rated the decision"),
    "appeal.escalate": _l("Appeal escalated"),
    "appeal.extend": _l("Deadline extended"),
    "appeal.group": _l("Appeals linked in a group"),
    "appeal.register": _l("Appeal registered"),
    "appeal.reopen_request": _l("The citizen asks to reopen the appeal"),
    "appeal.route": _l("Appeal routed by the rules"),
    "appeal.status_unlock": _l("Tracking code unlocked"),
    "appeal.transition": _l("Appeal's state changed"),
    "calendar.transfer": _l("Working calendar changed"),
    "citizen.anonymise": _l("Citizen's data erased"),
    "citizen.export": _l("Citizen's data exported"),
    "citizen.lookup": _l("Citizen looked up by IIN"),
    "citizen.view_personal_data": _l("Citizen's personal data viewed"),
    "directory.create_topics": _l("Topics added"),
    "directory.set_seats": _l("Seats changed"),
    "inquiry.add_appeals": _l("Appeals added to an inquiry"),
    "inquiry.create": _l("Inquiry drafted"),
    "inquiry.document": _l("Inquiry document made"),
    "inquiry.edit": _l("Inquiry edited"),
    "inquiry.transition": _l("Inquiry's state changed"),
    "job.delete": _l("Failed job deleted"),
    "job.requeue": _l("Failed job requeued"),
    "notification.retry": _l("Message sent again"),
    "routing.delete_rule": _l("Routing rule removed"),
    "routing.save_rule": _l("Routing rule saved"),
    "system.worker_ping": _l("Worker check"),
    "user.create": _l("User created"),
    "user.disable": _l("User disabled"),
    "user.enable": _l("User enabled"),
    "user.end_session": _l("A session ended by an administrator"),
    "user.end_sessions": _l("All sessions ended by an administrator"),
    "user.login": _l("Signed in"),
    "user.login_failed": _l("Sign-in failed"),
    "user.login_password_ok": _l("Password accepted, second factor next"),
    "user.login_throttled": _l("Sign-in refused: too many attempts"),
    "user.logout": _l("Signed out"),
    "user.set_password": _l("Password changed"),
    "user.totp_disable": _l("Second factor turned off"),
    "user.totp_enable": _l("Second factor turned on"),
    "user.update": _l("User changed"),
}


#: The kinds of record an entry names (the model's class), as the page names them.
RECORDS = {
    "Appeal": _l("Appeal"),
    "AppealGroup": _l("Group of appeals"),
    "Branch": _l("Branch"),
    "Citizen": _l("Citizen"),
    "Deputy": _l("Deputy"),
    "District": _l("District"),
    "GovernmentBody": _l("Government body"),
    "Inquiry": _l("Deputy inquiry"),
    "OutboxMessage": _l("Message"),
    "Region": _l("Region"),
    "RepresentativeBody": _l("Representative body"),
    "RoutingRule": _l("Routing rule"),
    "Topic": _l("Topic"),
    "User": _l("User"),
}


def record_label(target_type: str | None) -> str:
    return str(RECORDS.get(target_type, target_type or ""))


def action_label(action: str) -> str:
    """The action as people read it; a directory edit is named by the kind of record, an unknown code as is."""
    if action in ACTIONS:
        return str(ACTIONS[action])
    if action.startswith("directory.update_"):
        return str(_l("Directory record changed"))
    return action


@bp.route("/")
@allow(Role.admin)
def index():
    """Newest entries first, filterable by action prefix and user e-mail."""
    action = request.args.get("action", "").strip()
    user_q = request.args.get("user", "").strip().lower()
    stmt = select(AuditEntry).options(joinedload(AuditEntry.user)).order_by(AuditEntry.id.desc())
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action, autoescape=True))
    if user_q:
        stmt = stmt.join(User, AuditEntry.user_id == User.id).where(User.email == user_q)
    page = db.paginate(stmt, per_page=100)
    return render_template(
        "audit/index.html",
        page=page,
        action=action,
        user_q=user_q,
        action_label=action_label,
        record_label=record_label,
        actions=sorted(((code, str(label)) for code, label in ACTIONS.items()), key=lambda pair: pair[1]),
    )
