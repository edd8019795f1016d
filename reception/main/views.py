"""The home page, the language switcher and the health check."""

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from ..accounts.access import public, signed_in
from ..extensions import db
from ..i18n import LANGUAGE_NAMES
from ..jobs.queues import get_redis, worker_count
from ..redirects import safe_local_url
from .navigation import navigation_for

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    """Signed-in users see their start page; anyone else is told where to go: a citizen to the status page or
    the online appeal, staff to the sign-in page."""
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    return render_template("main/index.html", sections=navigation_for(current_user), queue=queue_at_a_glance())


def queue_at_a_glance() -> dict | None:
    """A deputy's (or assistant's) queue in four figures, the first thing they look for; None for other roles."""
    from ..accounts.access import acting_user
    from ..appeals import deadlines
    from ..appeals import operations as appeal_ops
    from ..dbtypes import utcnow
    from ..deputy_queue import queries
    from ..deputy_queue.views import QUEUE_ROLES
    from ..inquiries import registry

    if current_user.role not in QUEUE_ROLES:
        return None
    user = acting_user()
    today = deadlines.local_date(utcnow())
    figures = queries.overview(appeal_ops.deputy_ids_of(user), queries.QueueFilter(), today).header
    _first, overdue_inquiries = registry.overdue_preview(user, today, 1)
    return {**figures, "overdue_inquiries": overdue_inquiries}


@bp.route("/login")
@public
def login_alias():
    """/login, as people type it, is the sign-in page."""
    return redirect(url_for("auth.login", **request.args), 301)


@bp.route("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico whatever the page says."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.route("/language/<code>", methods=["POST"])
@public
def set_language(code: str):
    """Switch the interface language; remembered on the account, or in the session before login."""
    if code not in LANGUAGE_NAMES:
        abort(404)
    session["locale"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    return redirect(safe_local_url(request.form.get("next"), url_for("main.index")))


@bp.route("/healthz")
@public
def healthz():
    """The state of the database and Redis, as JSON; 503 when either is down."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True, "dialect": db.engine.dialect.name}
    except Exception as exc:
        db.session.rollback()
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    try:
        get_redis().ping()
        checks["redis"] = {"ok": True, "workers": worker_count()}
    except Exception as exc:
        current_app.logger.warning("health check: redis unreachable: %s", exc)
        checks["redis"] = {"ok": False, "error": type(exc).__name__}
    ok = all(c["ok"] for c in checks.values())
    return jsonify(status="ok" if ok else "unavailable", checks=checks), (200 if ok else 503)


@bp.route("/me")
@signed_in
def me():
    """Who am I: account, role and what it is bound to."""
    return render_template("main/me.html")
