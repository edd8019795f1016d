"""Outgoing letters, their register's counters, the postal dispatches and the branches' own Word templates."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..dbtypes import UTCDateTime, enum_type, utcnow
from ..enums import LabelledEnum
from ..extensions import db


class LetterKind(LabelledEnum):
    #: The written answer to the citizen: the decision, its reasons and how to contest it.
    answer = "answer", _l("Written answer")
    #: The notice to the citizen that the deadline was extended, with the reason and the new date.
    extension_notice = "extension_notice", _l("Notice of extension")
    #: The letter forwarding the appeal to the competent body, with the appeal as its annex.
    forwarding = "forwarding", _l("Forwarding letter")
    #: The citizen's notice of where the appeal was forwarded and why.
    copy_notice = "copy_notice", _l("Notice of forwarding")


#: Letters addressed to the citizen (the forwarding letter goes to the body, but carries the citizen's appeal).
CITIZEN_KINDS = frozenset({LetterKind.answer, LetterKind.extension_notice, LetterKind.copy_notice})


class PdfStatus(LabelledEnum):
    queued = "queued", _l("Waiting in the queue")
    converting = "converting", _l("Converting to PDF")
    ready = "ready", _l("Ready")
    failed = "failed", _l("Failed")


class LetterCounter(db.Model):
    """The last number used in a branch's outgoing register in a year; incremented in the letter's transaction."""

    __tablename__ = "letter_counters"

    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class OutgoingLetter(db.Model):
    """One letter of the outgoing register: what it is, its number and date, who signed it, and its files."""

    __tablename__ = "outgoing_letters"
    __table_args__ = (UniqueConstraint("branch_id", "year", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LetterKind] = mapped_column(enum_type(LetterKind))
    #: "ALM-03/2026/ш-000012": branch code, year, the register's mark and sequence.
    number: Mapped[str] = mapped_column(String(64), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    #: The date the letter bears (Almaty's calendar day of issue).
    letter_date: Mapped[date] = mapped_column(Date)
    #: "kk" or "ru": the appeal's language.
    language: Mapped[str] = mapped_column(String(2))
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    #: The timeline step the letter belongs to (the decision, the extension, the forwarding).
    event_id: Mapped[int | None] = mapped_column(ForeignKey("appeal_events.id"), index=True)
    #: Who signed it and in what position, as printed: a later change of the user's position does not rewrite it.
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signer_name: Mapped[str] = mapped_column(String(255), default="")
    signer_position: Mapped[str] = mapped_column(String(255), default="")
    #: To whom, as the letter's addressee block says it (a citizen's name, or a body's name).
    recipient: Mapped[str] = mapped_column(String(500), default="")
    #: The branch template it was made from (None: the shipped one).
    template_id: Mapped[int | None] = mapped_column(ForeignKey("letter_templates.id", ondelete="SET NULL"))
    docx: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    pdf_status: Mapped[PdfStatus] = mapped_column(enum_type(PdfStatus), default=PdfStatus.queued)
    pdf_error: Mapped[str] = mapped_column(String(2000), default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    appeal = relationship("Appeal")
    event = relationship("AppealEvent")
    branch = relationship("Branch")
    signer = relationship("User", foreign_keys=[signer_id])

    @property
    def for_citizen(self) -> bool:
        return self.kind in CITIZEN_KINDS


class PostalDispatch(db.Model):
    """A letter to print and mail to a citizen who gave no e-mail; the branch marks it posted."""

    __tablename__ = "postal_dispatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("outgoing_letters.id"), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    #: The postal address as it was when the letter was made (the envelope's).
    address: Mapped[str] = mapped_column(String(500), default="")
    #: The last day it may be posted (the notice of extension: 3 working days after the decision).
    due_date: Mapped[date | None] = mapped_column(Date)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    posted_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    letter = relationship(OutgoingLetter)
    posted_by_user = relationship("User")


class LetterTemplate(db.Model):
    """A branch's own Word template for one kind of letter in one language, used instead of the shipped one."""

    __tablename__ = "letter_templates"
    __table_args__ = (UniqueConstraint("branch_id", "kind", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    kind: Mapped[LetterKind] = mapped_column(enum_type(LetterKind))
    language: Mapped[str] = mapped_column(String(2))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    uploaded_by_user = relationship("User")
