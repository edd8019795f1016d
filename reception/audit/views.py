"""The audit log, for administrators."""

from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.access import allow
from ..accounts.models import Role, User
from ..extensions import db
from .models import AuditEntry

bp = Blueprint("audit", __name__, url_prefix="/audit")


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
    return render_template("audit/index.html", page=page, action=action, user_q=user_q)
