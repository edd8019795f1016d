"""The outbox: every message is a row written with the event that causes it, then delivered by a job."""

import re
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import UTCDateTime, enum_type, utcnow
from ..enums import LabelledEnum
from ..extensions import db


class MessageChannel(LabelledEnum):
    sms = "sms", _l("SMS")
    email = "email", _l("E-mail")


class MessageState(LabelledEnum):
    pending = "pending", _l("Waiting to be sent")
    sending = "sending", _l("Being sent")
    sent = "sent", _l("Sent")
    failed = "failed", _l("Not delivered")


#: Dedupe-key parts of messages that carry a secret: a new PIN (public/pins.py), an online form's SMS code.
SECRET_KEY_PARTS = (":pin:", ":code:")
#: The secret itself: a six-digit number standing alone (a PIN or a code; tracking codes have letters).
SECRET_SHAPE = re.compile(r"(?<!\d)\d{6}(?!\d)")
SECRET_MASK = "••••••"


class OutboxMessage(db.Model):
    """One message to one recipient over one channel; its dedupe key makes sending twice impossible."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. "appeal:123:registered:sms"; unique, so an event queued twice is one message.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[MessageChannel] = mapped_column(enum_type(MessageChannel))
    #: E.164 phone or e-mail address.
    recipient: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(255), default="")
    #: The plain text (an SMS, or an e-mail's text part).
    body: Mapped[str] = mapped_column(Text)
    #: An e-mail's HTML part ("" for SMS); sent beside `body` as multipart/alternative.
    html_body: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Held back outside SMS_SEND_HOURS (Almaty time): every SMS, and reminders to citizens.
    quiet_hours: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    state: Mapped[MessageState] = mapped_column(enum_type(MessageState), default=MessageState.pending, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    #: The gateway's or SMTP server's id for the delivered message.
    provider_message_id: Mapped[str] = mapped_column(String(200), default="")
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"), index=True)
    #: Sent even in quiet hours: a confirmation code the citizen is waiting for on the page.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a job last claimed the row (pending → sending); a claim older than NOTIFY_CLAIM_TIMEOUT is
    #: taken to belong to a dead worker, and the sweeper puts the row back to pending.
    claimed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the row's job is due next (after quiet hours, or after a retry's wait); the sweeper takes a
    #: pending row for lost only a while after this (or after created_dt if it is unset).
    next_attempt_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def carries_secret(self) -> bool:
        return any(part in self.dedupe_key for part in SECRET_KEY_PARTS)

    @property
    def has_real_channel(self) -> bool:
        """Whether a gateway or mail server takes this message; without one (development, `make run`) the
        "Sent messages" page is where it is read, so it must show what was sent."""
        setting = "SMS_GATEWAY_URL" if self.channel == MessageChannel.sms else "SMTP_HOST"
        return bool(current_app.config.get(setting))

    @property
    def shown_body(self) -> str:
        """The text as staff may read it: a PIN or code masked where a real channel carries it (only the
        citizen's phone should show it)."""
        if self.carries_secret and self.has_real_channel:
            return SECRET_SHAPE.sub(SECRET_MASK, self.body)
        return self.body

    def forget_secret(self) -> None:
        """Once delivered through a real channel, the stored text keeps no PIN or code: nobody needs it again,
        and the database and its backups then hold none."""
        if self.carries_secret and self.has_real_channel:
            self.body = SECRET_SHAPE.sub(SECRET_MASK, self.body)


class InAppNotification(db.Model):
    """A note for a signed-in user (deputy, assistant, branch head), shown under the bell until read."""

    __tablename__ = "in_app_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. "appeal:123:reminder:3:2026-12-01:user:7"; unique, so a re-run notifies once.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    #: What the note is about; the inbox links to it.
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
