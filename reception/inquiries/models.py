"""Deputy inquiries: the official letter a deputy sends to the Government, a minister or an akim, drafted from
appeals, and the answer that comes back."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, ForeignKey, Integer, LargeBinary, String, Table, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..appeals.models import Appeal
from ..dbtypes import UTCDateTime, enum_type, utcnow
from ..directory.models import Deputy, GovernmentBody, Topic
from ..enums import LabelledEnum
from ..extensions import db


class InquiryState(LabelledEnum):
    draft = "draft", _l("Draft"), _l("Return to drafting")
    under_review = "under_review", _l("Under review"), _l("Submit for review")
    approved = "approved", _l("Approved"), _l("Approve")
    sent = "sent", _l("Sent"), _l("Record as sent")
    answered = "answered", _l("Answered"), _l("Record the answer")
    closed = "closed", _l("Closed"), _l("Close")
    withdrawn = "withdrawn", _l("Withdrawn"), _l("Withdraw")


class AnswerAssessment(LabelledEnum):
    substantive = "substantive", _l("Substantive answer")
    partial = "partial", _l("Partial answer")
    formal = "formal", _l("Formal reply without substance")


inquiry_appeals = Table(
    "inquiry_appeals",
    db.metadata,
    Column("inquiry_id", ForeignKey("inquiries.id", ondelete="CASCADE"), primary_key=True),
    Column("appeal_id", ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True, index=True),
    #: The appeal's summary as the letter tells it, in the letter's language, written by the deputy's side:
    #: required when the citizen wrote in the other language, so no Russian is pasted into a Kazakh letter.
    Column("letter_summary", Text, nullable=False, default="", server_default=""),
)

inquiry_cosigners = Table(
    "inquiry_cosigners",
    db.metadata,
    Column("inquiry_id", ForeignKey("inquiries.id", ondelete="CASCADE"), primary_key=True),
    Column("deputy_id", ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Inquiry(db.Model):
    """One deputy inquiry, from the first draft to the answer."""

    __tablename__ = "inquiries"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The deputy who signs first and owns the draft.
    author_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    #: "kk" or "ru": the language of the letter (not of the interface).
    language: Mapped[str] = mapped_column(String(2), default="ru")
    addressee_id: Mapped[int] = mapped_column(ForeignKey("government_bodies.id"), index=True)
    #: The official's title and name in the letter's language, copied from the directory when the addressee is
    #: chosen (and editable), so a later change of minister does not rewrite a letter already sent.
    addressee_title: Mapped[str] = mapped_column(String(255), default="")
    addressee_name: Mapped[str] = mapped_column(String(255), default="")
    subject: Mapped[str] = mapped_column(String(500))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    #: The requested actions, one per line.
    requested_actions: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[InquiryState] = mapped_column(enum_type(InquiryState), default=InquiryState.draft, index=True)
    outgoing_number: Mapped[str] = mapped_column(String(64), default="")
    sent_date: Mapped[date | None] = mapped_column(Date)
    #: The day the answer is due, by INQUIRY_ANSWER_RULES for the author's kind of body, counted from the day
    #: the rule names (received or announced); None until that day is recorded.
    answer_due: Mapped[date | None] = mapped_column(Date, index=True)
    #: The day the addressee received the letter, and the evidence: its incoming number at the addressee.
    received_date: Mapped[date | None] = mapped_column(Date)
    received_number: Mapped[str] = mapped_column(String(64), default="", server_default="")
    #: The day the inquiry was announced at a session of the representative body, and which session (e.g. the
    #: plenary session's minutes number).
    announced_date: Mapped[date | None] = mapped_column(Date)
    announced_session: Mapped[str] = mapped_column(String(255), default="", server_default="")
    answer_date: Mapped[date | None] = mapped_column(Date)
    answer_number: Mapped[str] = mapped_column(String(64), default="")
    answer_text: Mapped[str] = mapped_column(Text, default="")
    #: What citizens read on their appeal's status page: no names, no personal data.
    answer_public_summary: Mapped[str] = mapped_column(Text, default="")
    answer_assessment: Mapped[AnswerAssessment | None] = mapped_column(enum_type(AnswerAssessment), index=True)
    answer_file_name: Mapped[str] = mapped_column(String(255), default="")
    answer_file_type: Mapped[str] = mapped_column(String(100), default="")
    answer_file: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Optimistic locking: two people editing one draft cannot silently overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as is)

    author: Mapped[Deputy] = relationship()
    addressee: Mapped[GovernmentBody] = relationship()
    topic: Mapped[Topic | None] = relationship()
    created_by_user = relationship("User")
    cosigners: Mapped[list[Deputy]] = relationship(secondary=inquiry_cosigners, order_by="Deputy.full_name")
    appeals: Mapped[list[Appeal]] = relationship(
        secondary=inquiry_appeals, order_by="Appeal.registered_dt", backref="inquiries"
    )
    events: Mapped[list["InquiryEvent"]] = relationship(
        back_populates="inquiry", order_by="InquiryEvent.id", cascade="all, delete-orphan"
    )
    documents: Mapped[list["InquiryDocument"]] = relationship(
        back_populates="inquiry", order_by="InquiryDocument.id.desc()", cascade="all, delete-orphan"
    )

    @property
    def actions(self) -> list[str]:
        return [line.strip() for line in self.requested_actions.splitlines() if line.strip()]

    @property
    def deputies(self) -> list[Deputy]:
        """Everyone who signs: the author first, then the co-signers."""
        return [self.author] + [d for d in self.cosigners if d.id != self.author_id]


class InquiryEvent(db.Model):
    """One step on an inquiry's timeline."""

    __tablename__ = "inquiry_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: "created", "transition", "edited", "appeals", "document", ...
    kind: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[InquiryState | None] = mapped_column(enum_type(InquiryState))
    to_state: Mapped[InquiryState | None] = mapped_column(enum_type(InquiryState))
    comment: Mapped[str] = mapped_column(Text, default="")

    inquiry: Mapped[Inquiry] = relationship(back_populates="events")
    user = relationship("User")


class DocumentStatus(LabelledEnum):
    queued = "queued", _l("Waiting in the queue")
    rendering = "rendering", _l("Writing the document")
    converting = "converting", _l("Converting to PDF")
    ready = "ready", _l("Ready")
    failed = "failed", _l("Failed")


class InquiryDocument(db.Model):
    """A generated file of an inquiry, kept as a numbered version. The bytes live in the database, so a worker on
    another machine and the web server see the same file without a shared disk."""

    __tablename__ = "inquiry_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3 ... per inquiry; the DOCX and the PDF made from it share the number.
    number: Mapped[int] = mapped_column(Integer)
    #: "docx" or "pdf".
    format: Mapped[str] = mapped_column(String(8))
    status: Mapped[DocumentStatus] = mapped_column(enum_type(DocumentStatus), default=DocumentStatus.queued)
    error: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    finished_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    inquiry: Mapped[Inquiry] = relationship(back_populates="documents")
    created_by_user = relationship("User")

    @property
    def filename(self) -> str:
        return f"inquiry-{self.inquiry_id}-v{self.number}.{self.format}"
