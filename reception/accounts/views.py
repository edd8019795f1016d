"""Signing in and out (with a second factor for those who turned it on), one's own password, and the
administrators' user pages."""

import time

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ..appeals.receipt import qr_svg
from ..audit.log import audit, client_ip
from ..directory.choices import branch_choices, deputy_choices
from ..directory.models import Branch, Deputy
from ..extensions import db
from ..formkit import options, with_blank
from ..i18n import browser_language
from ..redirects import safe_local_url
from . import operations as ops
from . import sessions, totp
from .access import allow, public, signed_in
from .forms import ChangePasswordForm, LoginForm, SecondFactorForm, UserForm
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
            if user.totp_secret:
                # The password was right; the code from the authenticator app comes next, within minutes.
                locale = session.get("locale")
                session.clear()
                session[SECOND_FACTOR_KEY] = {
                    "user": user.id,
                    "until": time.time() + 300,
                    "locale": locale,
                    "next": request.args.get("next") or "",
                }
                return redirect(url_for("auth.second_factor"))
            return _signed_in(user, session.get("locale"), request.args.get("next"))
    return render_template("auth/login.html", form=form), status


#: The session key of a sign-in waiting for its second factor.
SECOND_FACTOR_KEY = "second_factor"


def _signed_in(user: User, locale: str | None, next_url: str | None):
    # A fresh session on sign-in: nothing planted before login survives it.
    session.clear()
    sessions.start_request_session(user)
    db.session.commit()
    login_user(user)
    # A language switched to on the sign-in page is their latest choice; the browser's is kept beside it.
    if locale:
        user.locale = locale
    user.browser_locale = browser_language() or user.browser_locale
    db.session.commit()
    return redirect(safe_local_url(next_url, url_for("main.index")))


@bp.route("/login/code", methods=["GET", "POST"])
@public
def second_factor():
    """The six-digit code of a deputy's or administrator's authenticator app, after the password."""
    waiting = session.get(SECOND_FACTOR_KEY) or {}
    user = db.session.get(User, waiting.get("user", 0)) if waiting.get("until", 0) > time.time() else None
    if user is None or not user.is_enabled or not user.totp_secret:
        session.pop(SECOND_FACTOR_KEY, None)
        return render_template("auth/code.html", form=None), (400 if request.method == "POST" else 200)
    form = SecondFactorForm()
    if not form.validate_on_submit():
        return render_template("auth/code.html", form=form), (400 if request.method == "POST" else 200)
    try:
        ops.check_second_factor(user, form.code.data, client_ip() or "")
    except ops.LoginThrottled as exc:
        flash(str(exc.message), "error")
        return render_template("auth/code.html", form=form), 429
    except ops.InvalidCredentials as exc:
        form.code.errors.append(str(exc.message))
        return render_template("auth/code.html", form=form), 400
    return _signed_in(user, waiting.get("locale"), waiting.get("next"))


@bp.route("/two-factor", methods=["GET", "POST"])
@allow(*totp.ROLES)
def two_factor():
    """Turn the second factor on (scan the QR code, type a code) or off (password and a code)."""
    user = current_user._get_current_object()
    form = SecondFactorForm()
    if user.totp_secret:
        if form.validate_on_submit():
            if not user.check_password(request.form.get("password", "")) or not totp.check_code(user, form.code.data):
                form.code.errors.append(_("The password or the code is wrong."))
            else:
                user.totp_secret, user.totp_last_step = None, None
                audit("user.totp_disable", user)
                db.session.commit()
                flash(_("The second factor is off."), "success")
                return redirect(url_for("auth.two_factor"))
        return render_template("auth/two_factor.html", form=form, enabled=True), (400 if form.errors else 200)
    secret = session.get("totp_candidate") or totp.new_secret()
    session["totp_candidate"] = secret
    if form.validate_on_submit():
        if totp.matching_step(secret, form.code.data) is None:
            form.code.errors.append(_("The code is wrong. Check the time on your phone and try again."))
        else:
            user.totp_secret, user.totp_last_step = secret, totp.matching_step(secret, form.code.data)
            session.pop("totp_candidate", None)
            audit("user.totp_enable", user)
            db.session.commit()
            flash(_("The second factor is on: signing in now asks for a code from the app."), "success")
            return redirect(url_for("auth.two_factor"))
    uri = totp.provisioning_uri(user, secret)
    return render_template("auth/two_factor.html", form=form, enabled=False, secret=secret, qr=qr_svg(uri)), (
        400 if form.errors else 200
    )


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
    deputies = deputy_choices()
    form.branch.choices = branch_choices()
    form.deputy.choices = with_blank(deputies)
    form.deputies.choices = options(deputies)


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
                    position=form.position.data or "",
                    position_kk=form.position_kk.data or "",
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
                position=form.position.data or "",
                position_kk=form.position_kk.data or "",
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
