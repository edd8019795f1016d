"""What happens to accounts: signing in (with throttling), creating, disabling, changing passwords."""

import logging
import math
import secrets
from datetime import UTC, timedelta
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit.log import audit
from ..dbtypes import utcnow
from ..directory.models import Branch, Deputy
from ..errors import Refused
from ..extensions import db
from .models import BRANCH_ROLES, LoginFailure, Role, User

logger = logging.getLogger(__name__)

#: Passwords of the demo accounts (README.md lists them); refused at login in production.
DEMO_PASSWORDS = frozenset({"demo-password"})


class AccountError(Refused):
    """A refusal about an account, shown to the user as is."""


class LoginThrottled(AccountError):
    pass


class InvalidCredentials(AccountError):
    pass


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def throttle_wait(email: str, ip: str, now=None) -> int | None:
    """Seconds this attempt must wait, or None if it may go ahead.

    Too many recent failures from one IP, or on one account from one IP, block that IP (for that account)
    for the rest of the window. Failures on an account from everywhere never lock it, since a stranger could
    then lock out a deputy: each attempt beyond the limit has to wait a delay that doubles, at most
    LOGIN_MAX_DELAY_SECONDS, after the last failure.
    """
    config = current_app.config
    now = now or utcnow()
    since, limit = now - config["LOGIN_FAILURE_WINDOW"], config["LOGIN_MAX_FAILURES"]
    recent = select(func.count(LoginFailure.id), func.max(LoginFailure.created_dt)).where(
        LoginFailure.created_dt >= since
    )
    by_ip, _ = db.session.execute(recent.where(LoginFailure.ip == ip)).one()
    by_pair, _ = db.session.execute(recent.where(LoginFailure.ip == ip, LoginFailure.email == email)).one()
    if by_ip >= limit or by_pair >= limit:
        return int(config["LOGIN_FAILURE_WINDOW"].total_seconds())
    by_account, last = db.session.execute(recent.where(LoginFailure.email == email)).one()
    if by_account < limit:
        return None
    delay = min(2 ** (by_account - limit), config["LOGIN_MAX_DELAY_SECONDS"])
    if last.tzinfo is None:  # SQLite's aggregate comes back naive
        last = last.replace(tzinfo=UTC)
    left = (last + timedelta(seconds=delay) - now).total_seconds()
    return math.ceil(left) if left > 0 else None


def is_throttled(email: str, ip: str) -> bool:
    return throttle_wait(normalize_email(email), ip) is not None


def _dummy_hash() -> str:
    """A hash made as real ones are, so an unknown e-mail costs as much time as a wrong password."""
    return _dummy_hash_by(current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash_by(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def authenticate(email: str, password: str, ip: str) -> User:
    """The user these credentials belong to; raises a refusal the login page shows as is.

    An unknown e-mail, a wrong password and a disabled account all get the same message, so the page
    does not tell which accounts exist.
    """
    email = normalize_email(email)
    user = find_user(email)
    wait = throttle_wait(email, ip)
    if wait is not None:
        audit("user.login_throttled", user, details={"email": email, "wait": wait})
        db.session.commit()
        if wait >= 60:
            raise LoginThrottled(_l("Too many failed attempts. Please try again in 15 minutes."))
        raise LoginThrottled(_l("Too many failed attempts. Please try again in %(seconds)s seconds.", seconds=wait))
    if user is None:
        check_password_hash(_dummy_hash(), password)  # the same time as for a real account
    ok = user is not None and user.check_password(password) and user.is_enabled
    if ok and current_app.config["ENV_NAME"] == "production" and password in DEMO_PASSWORDS:
        logger.warning("demo password refused in production for %s", email)
        ok = False
    if not ok:
        db.session.add(LoginFailure(email=email, ip=ip))
        audit("user.login_failed", user, details={"email": email})
        db.session.commit()
        raise InvalidCredentials(_l("Wrong e-mail or password."))
    if user.totp_secret:
        # Signed in only with the code: until then the failures stay, so codes cannot be guessed for free.
        audit("user.login_password_ok", user, user=user)
        db.session.commit()
        return user
    _signed_in(user)
    return user


def _signed_in(user: User) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == user.email))
    user.last_login_dt = utcnow()
    audit("user.login", user, user=user)
    db.session.commit()


def check_second_factor(user: User, code: str, ip: str) -> None:
    """The code of a user whose password was just accepted; a wrong one counts as a failed sign-in (so the
    same throttling applies). Raises LoginThrottled or InvalidCredentials; commits."""
    from . import totp

    wait = throttle_wait(user.email, ip)
    if wait is not None:
        audit("user.login_throttled", user, details={"email": user.email, "wait": wait, "second_factor": True})
        db.session.commit()
        raise LoginThrottled(_l("Too many failed attempts. Please try again in %(seconds)s seconds.", seconds=wait))
    if not totp.check_code(user, code):
        db.session.add(LoginFailure(email=user.email, ip=ip))
        audit("user.login_failed", user, details={"email": user.email, "second_factor": True})
        db.session.commit()
        raise InvalidCredentials(_l("The code is wrong or was already used. Type the current code from the app."))
    _signed_in(user)


def purge_old_login_failures() -> int:
    """Forget failures older than the throttling window; returns how many rows went."""
    since = utcnow() - current_app.config["LOGIN_FAILURE_WINDOW"]
    result = db.session.execute(delete(LoginFailure).where(LoginFailure.created_dt < since))
    db.session.commit()
    return result.rowcount


def validate_binding(role: Role, branch: Branch | None, deputy: Deputy | None, deputies: list[Deputy]) -> None:
    """Check that a role has exactly the branch/deputy binding it needs."""
    if role in BRANCH_ROLES and branch is None:
        raise AccountError(_l("Reception staff and branch heads must belong to a branch."))
    if role not in BRANCH_ROLES and branch is not None:
        raise AccountError(_l("Only reception staff and branch heads belong to a branch."))
    if role == Role.deputy and deputy is None:
        raise AccountError(_l("A deputy's account must name the deputy."))
    if role != Role.deputy and deputy is not None:
        raise AccountError(_l("Only a deputy's account names a deputy."))
    if role == Role.assistant and not deputies:
        raise AccountError(_l("An assistant must act for at least one deputy."))
    if role != Role.assistant and deputies:
        raise AccountError(_l("Only assistants act for deputies."))


def create_user(
    *,
    email: str,
    full_name: str,
    password: str,
    role: Role,
    branch: Branch | None = None,
    deputy: Deputy | None = None,
    deputies: list[Deputy] | None = None,
    created_by: User | None = None,
    position: str = "",
    position_kk: str = "",
) -> User:
    """Create an account; the caller commits."""
    email = normalize_email(email)
    if not email or "@" not in email:
        raise AccountError(_l("Enter a valid e-mail address."))
    if find_user(email) is not None:
        raise AccountError(_l("A user with this e-mail already exists."))
    if len(password) < 8:
        raise AccountError(_l("The password must be at least 8 characters long."))
    deputies = deputies or []
    validate_binding(role, branch, deputy, deputies)
    if deputy is not None and db.session.scalar(select(User.id).where(User.deputy_id == deputy.id)):
        raise AccountError(_l("This deputy already has an account."))
    user = User(
        email=email,
        full_name=full_name.strip(),
        position=position.strip(),
        position_kk=position_kk.strip(),
        role=role,
        branch=branch,
        deputy=deputy,
        deputies=deputies,
    )
    user.set_password(password)
    db.session.add(user)
    audit("user.create", user, user=created_by, details={"role": role.value})
    return user


def update_user(
    user: User,
    *,
    full_name: str,
    role: Role,
    branch: Branch | None,
    deputy: Deputy | None,
    deputies: list[Deputy],
    updated_by: User | None = None,
    position: str | None = None,
    position_kk: str | None = None,
) -> None:
    """Change name, role and bindings; a change of role or branch ends the user's sessions."""
    validate_binding(role, branch, deputy, deputies)
    if deputy is not None:
        other = db.session.scalar(select(User.id).where(User.deputy_id == deputy.id, User.id != user.id))
        if other:
            raise AccountError(_l("This deputy already has an account."))
    before = {"role": user.role.value, "branch": user.branch_id, "deputy": user.deputy_id}
    rights_changed = role != user.role or (branch.id if branch else None) != user.branch_id
    user.full_name = full_name.strip()
    if position is not None:
        user.position = position.strip()
    if position_kk is not None:
        user.position_kk = position_kk.strip()
    user.role, user.branch, user.deputy, user.deputies = role, branch, deputy, deputies
    if rights_changed:
        user.end_sessions("rights")
    audit("user.update", user, user=updated_by, details={"before": before, "role": role.value})


def disable_user(user: User, *, disabled_by: User | None = None) -> None:
    """Disable the account and end its sessions at once."""
    user.is_enabled = False
    user.end_sessions("disabled")
    audit("user.disable", user, user=disabled_by)


def enable_user(user: User, *, enabled_by: User | None = None) -> None:
    user.is_enabled = True
    audit("user.enable", user, user=enabled_by)


def change_password(user: User, new_password: str, *, changed_by: User | None = None) -> None:
    """Set a new password; every session of the user ends, including other devices."""
    if len(new_password) < 8:
        raise AccountError(_l("The password must be at least 8 characters long."))
    user.set_password(new_password)
    audit("user.set_password", user, user=changed_by)


def search_users(query: str = "", role: Role | None = None):
    """Users matching a name/e-mail fragment and a role, for the admin list."""
    stmt = select(User).order_by(User.full_name)
    if query:
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(User.full_name).like(like), User.email.like(like)))
    if role is not None:
        stmt = stmt.where(User.role == role)
    return stmt
