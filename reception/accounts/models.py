"""Users, their roles, and the record of failed logins used for throttling."""

import secrets
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, update
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..dbtypes import UTCDateTime, enum_type, utcnow
from ..directory.models import Branch, Deputy
from ..enums import LabelledEnum
from ..extensions import db
from ..sealing import Sealed


class Role(LabelledEnum):
    staff = "staff", _l("Reception staff")
    branch_head = "branch_head", _l("Branch head")
    deputy = "deputy", _l("Deputy")
    assistant = "assistant", _l("Deputy's assistant")
    analyst = "analyst", _l("Central office analyst")
    admin = "admin", _l("Administrator")


#: Roles bound to one branch; the rest are not.
BRANCH_ROLES = frozenset({Role.staff, Role.branch_head})


assistant_deputies = Table(
    "assistant_deputies",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("deputy_id", ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True),
)


def _new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(db.Model):
    """A person who signs in: staff, branch head, deputy, assistant, analyst or administrator."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-case; the login name.
    email: Mapped[str] = mapped_column(String(255), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    #: The position held, in Russian (e.g. "Специалист общественной приёмной") and in Kazakh, printed on the
    #: talons they issue and under the letters they sign, in the talon's or letter's language.
    position: Mapped[str] = mapped_column(String(255), default="", server_default="")
    position_kk: Mapped[str] = mapped_column(String(255), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    #: For staff and branch heads: the branch whose data they see.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    #: For a deputy's own account: the deputy it signs in as.
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"), unique=True)
    #: Interface language chosen in the switcher; None until they choose.
    locale: Mapped[str | None] = mapped_column(String(8))
    #: The interface language their browser asks for (Accept-Language), as seen at the last sign-in or request.
    browser_locale: Mapped[str | None] = mapped_column(String(8))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Part of the session cookie; replacing it ends every session of this user at once.
    session_token: Mapped[str] = mapped_column(String(64), default=_new_session_token)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The second factor's shared secret (base32), for deputies and administrators who turned it on; stored
    #: sealed (reception/sealing.py), read and written plain.
    totp_secret: Mapped[str | None] = mapped_column(Sealed)
    #: The time step of the last code accepted: a code is used once.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    branch: Mapped[Branch | None] = relationship()
    deputy: Mapped[Deputy | None] = relationship()
    #: For assistants: the deputies they act for.
    deputies: Mapped[list[Deputy]] = relationship(secondary=assistant_deputies, order_by="Deputy.full_name")

    # Flask-Login protocol.
    is_authenticated = True
    is_anonymous = False
    #: The session cookie's id of this request's sign-in ("user:session:secret", see sessions.py); not stored.
    cookie_id = None  # str | None; not a column

    def position_in(self, language: str) -> str:
        """The position in `language` ("kk": the Kazakh one; otherwise the Russian), or the other where one is
        missing (a position in the other language says more than none)."""
        if language == "kk":
            return self.position_kk or self.position
        return self.position or self.position_kk

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    def get_id(self) -> str:
        if self.cookie_id is None:
            raise RuntimeError("no session was started for this user (accounts.sessions.start_session)")
        return self.cookie_id

    @property
    def language(self) -> str:
        """The language of messages to this user: the one they last chose, else their browser's, else the
        interface's default (what a page would show them)."""
        return self.locale or self.browser_locale or current_app.config["BABEL_DEFAULT_LOCALE"]

    def set_password(self, password: str) -> None:
        """Hash with the configured method (werkzeug's scrypt) and end every existing session."""
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
        self.password_changed_dt = utcnow()
        self.end_sessions("password")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def end_sessions(self, reason: str = "ended") -> None:
        """End every session of this user (their rows, when the transaction commits)."""
        self.session_token = _new_session_token()
        db.session.execute(
            update(UserSession)
            .where(UserSession.user_id == self.id, UserSession.ended_dt.is_(None))
            .values(ended_dt=utcnow(), end_reason=reason)
        )

    def __str__(self) -> str:
        return self.full_name


class LoginFailure(db.Model):
    """One failed login attempt; recent rows per account and per IP drive throttling."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_dt", "email", "created_dt"),
        Index("ix_login_failures_ip_dt", "ip", "created_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: As typed (lower-cased), whether or not such a user exists.
    email: Mapped[str] = mapped_column(String(255))
    ip: Mapped[str] = mapped_column(String(64))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserSession(db.Model):
    """One sign-in: its browser's cookie names the row and carries a secret whose hash is kept here, so the
    session ends on the server (sign-out, a new password, disabling, an administrator) and a copied cookie
    stops working with it."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the cookie's secret.
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Updated at most every few minutes (see sessions.TOUCH_EVERY).
    last_seen_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    ended_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "logout", "password", "disabled", "rights", "administrator", ...
    end_reason: Mapped[str] = mapped_column(String(32), default="")

    user: Mapped[User] = relationship()
