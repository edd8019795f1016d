"""Access control: every view declares who may use it, and anything undeclared is refused.

The check runs once, in `enforce_view_access` (a before_request hook), so a view cannot forget it;
the declarations are attributes that the role-matrix test reads.
"""

from collections.abc import Callable

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from .models import BRANCH_ROLES, Role

#: Marker for views anyone may open, signed in or not.
PUBLIC = "public"
#: Marker for views any signed-in user may open.
ANY_USER = "any_user"


def allow(*roles: Role) -> Callable:
    """Let only users with one of `roles` use the decorated view."""
    if not roles:
        raise ValueError("allow() needs at least one role")

    def decorate(view):
        view.allowed_roles = frozenset(roles)
        return view

    return decorate


def public(view):
    """Let anyone, signed in or not, use the decorated view."""
    view.allowed_roles = PUBLIC
    return view


def signed_in(view):
    """Let any signed-in user use the decorated view."""
    view.allowed_roles = ANY_USER
    return view


def acting_user():
    """The signed-in user as the model object itself (not Flask-Login's proxy), to hand to operations."""
    return current_user._get_current_object()


def declared_access(endpoint: str):
    """What the view behind `endpoint` declared, or None if it declared nothing."""
    if endpoint == "static":
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", None)


def enforce_view_access():
    """Refuse the request unless the view's declaration lets the current user in."""
    if request.endpoint is None:
        return None  # no such route: the 404/405 handler answers
    rule = declared_access(request.endpoint)
    if rule is None:
        current_app.logger.error("view %s declares no access rule; refused", request.endpoint)
        abort(403)
    if rule == PUBLIC:
        return None
    if not current_user.is_authenticated:
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(401)
    if rule == ANY_USER or current_user.role in rule:
        return None
    abort(403)


def visible_branch_ids(user) -> frozenset[int] | None:
    """The branches whose data `user` may see; None means all of them.

    Staff see their own branch; a branch head sees theirs and the branches under it (a regional head,
    the region's district branches; the central head, everything). Roles not bound to a branch see no
    branch's data through this rule (deputies see their queue, analysts and administrators see all).
    """
    from flask import g, has_request_context

    if user.role in (Role.analyst, Role.admin):
        return None
    # Asked once per appeal on list and group pages: compute it once per request.
    cache = g.setdefault("branch_scopes", {}) if has_request_context() else {}
    key = (user.id, user.role, user.branch_id)
    if key not in cache:
        cache[key] = frozenset(_branch_scope(user))  # shared across callers: not to be changed
    return cache[key]


def _branch_scope(user) -> set[int]:
    from ..directory.models import Branch  # late import: directory does not depend on accounts
    from ..extensions import db

    if user.role not in BRANCH_ROLES or user.branch_id is None:
        return set()
    if user.role == Role.staff:
        return {user.branch_id}
    # The branch and everything under it, in one statement (a walk level by level took one per level, and the
    # central head's last level sent all 249 ids back as parameters). UNION, not UNION ALL: a cycle ends.
    tree = db.select(Branch.id).where(Branch.id == user.branch_id).cte("scope", recursive=True)
    tree = tree.union(db.select(Branch.id).join(tree, Branch.parent_id == tree.c.id))
    return set(db.session.scalars(db.select(tree.c.id)))
