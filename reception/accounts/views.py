"""Signing in and out, one's own password, and the administrators' user pages."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ..audit.log import audit, client_ip
from ..directory.models import Branch, Deputy
from ..extensions import db
from ..formkit import options, with_blank
from ..redirects import safe_local_url
from . import operations as ops
from . import sessions
from .access import allow, public, signed_in
from .forms import ChangePasswordForm, LoginForm, UserForm
from .models import Role, User

bp = Blueprint("auth", __name__, url_prefix="/auth")
admin_bp = Blueprint("accounts", __name__, url_prefix="/accounts")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = ops.authenticate(form.email.data, form.password.data, client_ip() or "")
        except ops.LoginThrottled as exc:
            flash(str(exc.message), "error")
            status = 429
        except ops.InvalidCredentials as exc:
            flash(str(exc.message), "error")
            status = 401
        else:
            locale = session.get("locale")
            # A fresh session on sign-in: nothing planted before login survives it.
            session.clear()
            sessions.start_request_session(user)
            db.session.commit()
            login_user(user)
            if user.locale is None and locale:
                user.locale = locale
                db.session.commit()
            return redirect(safe_local_url(request.args.get("next"), url_for("main.index")))
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    """Sign out: this session ends on the server, so a copy of its cookie is worthless too."""
    user = current_user._get_current_object()
    sessions.end_session(user, sessions.current_session_id(user), "logout")
    audit("user.logout", user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def password():
    """Change one's own password; other sessions end, this one continues."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not user.check_password(form.current_password.data):
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            try:
                ops.change_password(user, form.new_password.data, changed_by=user)
            except ops.AccountError as exc:
                form.new_password.errors.append(str(exc.message))
            else:
                sessions.start_request_session(user)  # every session ended: this browser gets a new one
                db.session.commit()
                login_user(user)
                flash(_("Your password has been changed. Other sessions have been signed out."), "success")
                return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)


# --- administrators' pages --------------------------------------------------------------------


@admin_bp.route("/users")
@allow(Role.admin)
def users():
    """All accounts, filterable by name/e-mail and role."""
    query = request.args.get("q", "")
    role = request.args.get("role") or None
    try:
        role_value = Role(role) if role else None
    except ValueError:
        abort(400)
    stmt = ops.search_users(query, role_value).options(db.selectinload(User.branch))
    page = db.paginate(stmt, per_page=50)
    return render_template("accounts/users.html", page=page, q=query, role=role, roles=list(Role))


def _fill_choices(form: UserForm) -> None:
    branches = db.session.execute(select(Branch.id, Branch.code, Branch.name_ru).order_by(Branch.code)).all()
    deputies = db.session.execute(select(Deputy.id, Deputy.full_name).order_by(Deputy.full_name)).all()
    form.branch.choices = with_blank((str(b.id), f"{b.code} {b.name_ru}") for b in branches)
    form.deputy.choices = with_blank((str(d.id), d.full_name) for d in deputies)
    form.deputies.choices = options((str(d.id), d.full_name) for d in deputies)


def _bindings(form: UserForm):
    branch = db.session.get(Branch, int(form.branch.data)) if form.branch.data else None
    deputy = db.session.get(Deputy, int(form.deputy.data)) if form.deputy.data else None
    ids = [int(x) for x in form.deputies.data or []]
    deputies = list(db.session.scalars(select(Deputy).where(Deputy.id.in_(ids)))) if ids else []
    return Role(form.role.data), branch, deputy, deputies


@admin_bp.route("/users/new", methods=["GET", "POST"])
@allow(Role.admin)
def create_user():
    """Create an account with a role and its binding."""
    form = UserForm()
    _fill_choices(form)
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("Set an initial password."))
        else:
            role, branch, deputy, deputies = _bindings(form)
            try:
                user = ops.create_user(
                    email=form.email.data,
                    full_name=form.full_name.data,
                    password=form.password.data,
                    role=role,
                    branch=branch,
                    deputy=deputy,
                    deputies=deputies,
                    created_by=current_user._get_current_object(),
                )
            except ops.AccountError as exc:
                flash(str(exc.message), "error")
            else:
                db.session.commit()
                flash(_("The account has been created."), "success")
                return redirect(url_for("accounts.edit_user", user_id=user.id))
    return render_template("accounts/user_form.html", form=form, user=None)


@admin_bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow(Role.admin)
def edit_user(user_id: int):
    """Change an account's name, role, binding, password or whether it is enabled."""
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    _fill_choices(form)
    if request.method == "GET":
        form.role.data = user.role.value
        form.branch.data = str(user.branch_id or "")
        form.deputy.data = str(user.deputy_id or "")
        form.deputies.data = [str(d.id) for d in user.deputies]
    if form.validate_on_submit():
        admin = current_user._get_current_object()
        role, branch, deputy, deputies = _bindings(form)
        try:
            ops.update_user(
                user,
                full_name=form.full_name.data,
                role=role,
                branch=branch,
                deputy=deputy,
                deputies=deputies,
                updated_by=admin,
            )
            if form.password.data:
                ops.change_password(user, form.password.data, changed_by=admin)
            if user.is_enabled and not form.is_enabled.data:
                if user.id == admin.id:
                    raise ops.AccountError(_("You cannot disable your own account."))
                ops.disable_user(user, disabled_by=admin)
            elif not user.is_enabled and form.is_enabled.data:
                ops.enable_user(user, enabled_by=admin)
        except ops.AccountError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            if user.id == admin.id and sessions.current_session_id(admin) not in {
                s.id for s in sessions.active_sessions(admin)
            }:
                sessions.start_request_session(admin)  # their own sessions ended: keep this browser signed in
                login_user(admin)
            db.session.commit()
            flash(_("The account has been saved."), "success")
            return redirect(url_for("accounts.edit_user", user_id=user.id))
    return render_template(
        "accounts/user_form.html", form=form, user=user, live_sessions=sessions.active_sessions(user)
    )


@admin_bp.route("/users/<int:user_id>/sessions/<int:session_id>/end", methods=["POST"])
@allow(Role.admin)
def end_session(user_id: int, session_id: int):
    """Sign one session of the user out (e.g. a lost phone); audited."""
    user = db.get_or_404(User, user_id)
    if not sessions.end_session(user, session_id, "administrator"):
        abort(404)
    audit("user.end_session", user, details={"session": session_id})
    db.session.commit()
    flash(_("The session has been signed out."), "success")
    return redirect(url_for("accounts.edit_user", user_id=user.id))


@admin_bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
@allow(Role.admin)
def end_all_sessions(user_id: int):
    """Sign the user out everywhere; audited."""
    user = db.get_or_404(User, user_id)
    user.end_sessions("administrator")
    audit("user.end_sessions", user)
    db.session.commit()
    flash(_("The user has been signed out everywhere."), "success")
    return redirect(url_for("accounts.edit_user", user_id=user.id))
