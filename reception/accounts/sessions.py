"""Server-side sessions: each sign-in is a UserSession row, and the session cookie names it.

The cookie's user id is "user:session:secret". A request is signed in only while the row exists, belongs to
that user, is not ended and the secret's hash matches: signing out ends this row; a new password, disabling
or a change of rights ends every row of the user; an administrator can end any. A cookie copied before any
of these stops working at once.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import request
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..dbtypes import utcnow
from ..extensions import db
from ..i18n import browser_language
from .models import User, UserSession

#: How often a session's "last seen" is written (not on every request).
TOUCH_EVERY = timedelta(minutes=5)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(user: User, *, ip: str = "", user_agent: str = "") -> UserSession:
    """A new session row for `user`; sets `user.cookie_id` for Flask-Login. The caller commits."""
    secret = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, secret_hash=_hash(secret), ip=ip[:45], user_agent=user_agent[:255])
    db.session.add(row)
    db.session.flush()
    user.cookie_id = f"{user.id}:{row.id}:{secret}"
    return row


def start_request_session(user: User) -> UserSession:
    """A session for the browser of the current request."""
    from ..audit.log import client_ip

    return start_session(user, ip=client_ip() or "", user_agent=request.user_agent.string or "")


def _parse(cookie_id: str) -> tuple[int, int, str] | None:
    user_id, _, rest = (cookie_id or "").partition(":")
    session_id, _, secret = rest.partition(":")
    if not (user_id.isdigit() and session_id.isdigit() and secret) or len(user_id) > 12 or len(session_id) > 12:
        return None
    return int(user_id), int(session_id), secret


def load_user(cookie_id: str) -> User | None:
    """The user of a live session named by the cookie, or None (the request is then signed out)."""
    parsed = _parse(cookie_id)
    if parsed is None:
        return None
    user_id, session_id, secret = parsed
    # One statement per request for both: every page pays for it.
    found = db.session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id == session_id, UserSession.user_id == user_id, UserSession.ended_dt.is_(None))
    ).first()
    if found is None:
        return None
    row, user = found
    if not hmac.compare_digest(row.secret_hash, _hash(secret)) or not user.is_enabled:
        return None
    user.cookie_id = cookie_id
    now = utcnow()
    if now - row.last_seen_dt > TOUCH_EVERY:
        # Its own short transaction: a page that only reads still marks the session as seen.
        with db.engine.begin() as connection:
            connection.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_dt=now))
    seen = browser_language()
    if seen and seen != user.browser_locale:
        # Messages go out in the browser's language until the user picks one: keep it as it changes.
        with db.engine.begin() as connection:
            connection.execute(update(User).where(User.id == user.id).values(browser_locale=seen))
        set_committed_value(user, "browser_locale", seen)
    return user


def current_session_id(user: User) -> int | None:
    parsed = _parse(user.cookie_id or "")
    return parsed[1] if parsed else None


def end_session(user: User, session_id: int, reason: str) -> bool:
    """End one session of `user`; True if it was live. The caller commits."""
    ended = db.session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.user_id == user.id, UserSession.ended_dt.is_(None))
        .values(ended_dt=utcnow(), end_reason=reason)
    ).rowcount
    return bool(ended)


def active_sessions(user: User) -> list[UserSession]:
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_dt.is_(None))
            .order_by(UserSession.last_seen_dt.desc())
        )
    )
