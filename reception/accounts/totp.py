"""The optional second factor of deputies and administrators: a time-based one-time code (RFC 6238) from an
authenticator app. A code is good for its 30-second step and one step either side, and only once."""

import hmac
import time

import pyotp

from .models import Role, User

#: The roles that may turn the second factor on (their accounts reach the most).
ROLES = frozenset({Role.deputy, Role.admin})
ISSUER = "Qabyldau"
STEP_SECONDS = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step `code` belongs to (the current one or a neighbour), or None."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // STEP_SECONDS)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def check_code(user: User, code: str, now: float | None = None) -> bool:
    """Whether `code` is the user's current code and not used before; marks it used. The caller commits."""
    if not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False  # wrong, or replayed
    user.totp_last_step = step
    return True
