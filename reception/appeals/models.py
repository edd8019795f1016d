"""Citizens, their appeals, the appeals' events and attachments, and the working-day calendar."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, enum_type, utcnow
from ..directory.models import Branch, Deputy, District, GovernmentBody, Region, Topic
from ..enums import LabelledEnum
from ..extensions import db


class AppealType(LabelledEnum):
    complaint = "complaint", _l("Complaint")
    request = "request", _l("Request")
    proposal = "proposal", _l("Proposal")
    response = "response", _l("Response")


class Channel(LabelledEnum):
    walk_in = "walk_in", _l("Walk-in")
    online = "online", _l("Online")
    phone = "phone", _l("Phone")
    mail = "mail", _l("Mail")
    mobile_reception = "mobile_reception", _l("Mobile reception of a deputy")


class AppealState(LabelledEnum):
    registered = "registered", _l("Registered"), _l("Return for triage")
    routed = "routed", _l("Routed"), _l("Route to the deputy")
    in_progress = "in_progress", _l("In progress"), _l("Take into work")
    inquiry_sent = "inquiry_sent", _l("Inquiry sent"), _l("Inquiry sent")
    answer_received = "answer_received", _l("Answer received"), _l("Answer received")
    resolved = "resolved", _l("Resolved"), _l("Resolve")
    rejected = "rejected", _l("Rejected"), _l("Reject")
    redirected = "redirected", _l("Redirected"), _l("Redirect to a competent body")
    closed = "closed", _l("Closed"), _l("Close")
    reopened = "reopened", _l("Reopened"), _l("Reopen")
    #: An anonymous appeal that reports neither a crime nor a threat: registered, not considered (APPK art. 64).
    not_considered = "not_considered", _l("Left without consideration"), _l("Leave without consideration")


class AnonymousGround(LabelledEnum):
    """Why an anonymous appeal is (or is not) considered on the merits: the APPK (art. 64 p. 2) and the law on
    the procedure of considering appeals leave anonymous appeals without consideration unless they report a
    crime being prepared or committed, or a threat to state or public security."""

    crime = "crime", _l("Reports a crime being prepared or committed")
    threat = "threat", _l("Reports a threat to state or public security")
    no_ground = "no_ground", _l("None of these")


class EventKind(enum.StrEnum):
    """What a timeline event records; stored as its value, so existing rows read as before."""

    #: A change of state (from_state → to_state).
    transition = "transition"
    #: A new deadline by a reasoned decision.
    extension = "extension"
    #: The routing engine's decision, with the rule that fired.
    triage = "triage"
    #: A move up to a higher branch, for an overdue or untaken appeal.
    escalation = "escalation"
    #: A deputy inquiry about the appeal was sent or answered (when its state could not say so).
    inquiry = "inquiry"
    #: The citizen added information from the status page.
    citizen_info = "citizen_info"
    #: The citizen rated a decision ("value: comment").
    rating = "rating"
    #: The citizen asked to reopen the appeal.
    reopen_request = "reopen_request"
    #: The branch head declined a reopening request, with the reason.
    reopen_declined = "reopen_declined"
    #: The holder's mandate ended and the appeal went to a successor (directory/handover.py).
    handover = "handover"


class Citizen(db.Model):
    """A person who brings appeals; one row per IIN. Personal data, protected by law."""

    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 12 digits, validated; None only for a citizen anonymised after the retention period.
    iin: Mapped[str | None] = mapped_column(String(12), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    birth_date: Mapped[date | None] = mapped_column(Date)
    #: E.164, e.g. +77011234567.
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    #: The language answers and notifications are written in: "kk" or "ru".
    language: Mapped[str] = mapped_column(String(2), default="ru")
    consent_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The version of the consent text the citizen agreed to.
    consent_version: Mapped[str] = mapped_column(String(32))
    #: The citizen agreed to be named in a deputy inquiry; without it an inquiry speaks of "a citizen".
    may_be_named: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: The citizen agreed to be told what comes of their appeal beyond its answer: that a voters' mandate it fed
    #: became a programme point, and that its task is done. Asked separately, unticked by default.
    may_be_told: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when the retention job erased the personal data (see appeals/retention.py); the row stays
    #: for statistics (region, district, language).
    anonymised_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    region: Mapped[Region | None] = relationship()
    district: Mapped[District | None] = relationship()
    consent_taken_by_user = relationship("User")


class Appeal(db.Model):
    """An appeal of a citizen (or an anonymous one), from registration to closing."""

    __tablename__ = "appeals"
    __table_args__ = (
        UniqueConstraint("branch_id", "year", "sequence"),
        Index("ix_appeals_branch_state", "branch_id", "state"),
        Index("ix_appeals_citizen_topic", "citizen_id", "topic_id"),
        # The deputy's queue: keyset pages by deadline within one deputy.
        Index("ix_appeals_deputy_deadline", "deputy_id", "deadline", "id"),
        # The queue's counts by state, deadline and branch, read from the index alone on PostgreSQL (migration 0033;
        # SQLite has no INCLUDE, and its index holds the rowid, i.e. the id, anyway).
        Index(
            "ix_appeals_deputy_state_deadline",
            "deputy_id",
            "state",
            "deadline",
            postgresql_include=["branch_id", "id"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "ALM-03/2026/000153": branch code, year, sequence within the branch and year.
    registration_number: Mapped[str] = mapped_column(String(40), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    #: Public code the citizen tracks the appeal with, e.g. "K7QM-3XPD-RT9".
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    #: HMAC-SHA256 of the 6-digit PIN with the server's PIN key.
    pin_hash: Mapped[str] = mapped_column(String(64))
    #: None for an anonymous appeal.
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    #: Where messages about this appeal go: the contacts given with it (or later confirmed by staff), never
    #: ones another channel added to the citizen's record. "" for none.
    contact_phone: Mapped[str] = mapped_column(String(20), default="", server_default="")
    contact_email: Mapped[str] = mapped_column(String(255), default="", server_default="")
    type: Mapped[AppealType] = mapped_column(enum_type(AppealType))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)
    summary: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel))
    language: Mapped[str] = mapped_column(String(2), default="ru")
    #: The place the appeal concerns.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    is_collective: Mapped[bool] = mapped_column(Boolean, default=False)
    #: For an anonymous appeal, the ground the clerk chose at intake (crime, threat, or none: then it is left
    #: without consideration); None for an appeal with an author.
    anonymous_ground: Mapped[AnonymousGround | None] = mapped_column(enum_type(AnonymousGround))
    cosigners: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[AppealState] = mapped_column(enum_type(AppealState), default=AppealState.registered, index=True)
    #: The deputy whose queue holds the appeal (set by routing); None while unrouted.
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"), index=True)
    #: Where a redirected appeal went (a body competent to decide it) and the outgoing letter's number.
    redirected_to_id: Mapped[int | None] = mapped_column(ForeignKey("government_bodies.id"))
    outgoing_letter_number: Mapped[str] = mapped_column(String(64), default="", server_default="")
    #: The deputy's assistant the deputy gave this appeal to, if any.
    assistant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Appeals about the same problem share a group.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("appeal_groups.id"), index=True)
    #: Escalation: 0 none, 1 the branch head, 2 the regional branch, 3 the central office.
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    escalated_to_branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    escalated_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The branch whose head triages the appeal by hand, when no deputy was found for it.
    triage_branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    #: Why staff registered it despite a possible duplicate, if they did.
    duplicate_override_reason: Mapped[str] = mapped_column(String(500), default="")
    registered_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The first working day counted (the registration day, or the next working day).
    counting_from: Mapped[date] = mapped_column(Date)
    #: The day by which a decision is due; moves on extension and on calendar changes.
    deadline: Mapped[date] = mapped_column(Date, index=True)
    #: Set by a reasoned extension (at most two months from registration in total).
    extended_until: Mapped[date | None] = mapped_column(Date)
    closed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the appeal was decided: its first move into a decided state since registration or its last
    #: reopening (set in appeals.operations.transition); None while undecided. The reports read it instead of
    #: searching the events for each appeal's decision.
    decided_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Optimistic locking: a stale form cannot overwrite a newer state.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as is)

    branch: Mapped[Branch] = relationship(foreign_keys=[branch_id])
    triage_branch: Mapped[Branch | None] = relationship(foreign_keys=[triage_branch_id])
    redirected_to: Mapped[GovernmentBody | None] = relationship()
    escalated_to_branch: Mapped[Branch | None] = relationship(foreign_keys=[escalated_to_branch_id])
    group: Mapped["AppealGroup | None"] = relationship(back_populates="appeals")
    citizen: Mapped[Citizen | None] = relationship(backref="appeals")
    topic: Mapped[Topic] = relationship()
    deputy: Mapped[Deputy | None] = relationship()
    region: Mapped[Region | None] = relationship()
    district: Mapped[District | None] = relationship()
    registered_by_user = relationship("User", foreign_keys=[registered_by_id])
    assistant = relationship("User", foreign_keys=[assistant_id])
    updated_by_user = relationship("User", foreign_keys=[updated_by_id])
    events: Mapped[list["AppealEvent"]] = relationship(
        back_populates="appeal", order_by="AppealEvent.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="appeal", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @property
    def is_anonymous(self) -> bool:
        return self.citizen_id is None


class AppealEvent(db.Model):
    """One step on an appeal's timeline: a change of state or a note, by whom, when, and why."""

    __tablename__ = "appeal_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: An EventKind's value.
    kind: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[AppealState | None] = mapped_column(enum_type(AppealState))
    to_state: Mapped[AppealState | None] = mapped_column(enum_type(AppealState))
    comment: Mapped[str] = mapped_column(Text, default="")
    #: Shown to the citizen on the public status page.
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Whether the citizen reads the comment of a public step; False: an internal note of the staff.
    comment_public: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: The facts of a system's decision (routing, escalation) as ids and codes, so pages word it in the reader's
    #: language (see routing.explain); None for people's steps, whose comment is what they wrote.
    details: Mapped[dict | None] = mapped_column(JSON)

    appeal: Mapped[Appeal] = relationship(back_populates="events")
    user = relationship("User")
    #: The files of a written answer given with this step.
    files: Mapped[list["Attachment"]] = relationship(
        back_populates="event", order_by="Attachment.id", lazy="selectin"
    )  # in one query for a whole timeline, not one per step


class Attachment(db.Model):
    """A file attached to an appeal, stored outside static/ and served only to those allowed."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    #: Path relative to the attachments folder.
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    uploaded_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The step whose written answer this file is (None: a file given with the appeal).
    event_id: Mapped[int | None] = mapped_column(ForeignKey("appeal_events.id"), index=True)

    appeal: Mapped[Appeal] = relationship(back_populates="attachments")
    event: Mapped[AppealEvent | None] = relationship(back_populates="files")


class RegistrationCounter(db.Model):
    """The last registration sequence used per branch and year; incremented atomically."""

    __tablename__ = "registration_counters"

    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class CalendarTransferKind(enum.Enum):
    day_off = "day_off"
    working_day = "working_day"


class CalendarTransfer(db.Model):
    """A government day-off transfer: a weekday made a rest day, or a weekend day made a working day."""

    __tablename__ = "calendar_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[CalendarTransferKind] = mapped_column(enum_type(CalendarTransferKind))
    note: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AppealGroup(db.Model):
    """Appeals about one problem (e.g. a village's water supply), linked so they can be acted on as one."""

    __tablename__ = "appeal_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    appeals: Mapped[list[Appeal]] = relationship(back_populates="group", order_by="Appeal.id")
    created_by_user = relationship("User")

    @property
    def people(self) -> int:
        """Everyone behind the group: each appeal's author plus its co-signers."""
        return sum(1 + (a.cosigners or 0) for a in self.appeals)


# --- what citizens tell us back: their rating of a decision and, when not satisfied, a request to reopen ---


class Rating(LabelledEnum):
    satisfied = "satisfied", _l("Satisfied")
    partly = "partly", _l("Partly satisfied")
    not_satisfied = "not_satisfied", _l("Not satisfied")


class ReopenState(enum.Enum):
    #: Asked by the citizen, waiting for the branch head.
    pending = "pending"
    accepted = "accepted"
    declined = "declined"


class AppealFeedback(db.Model):
    """The citizen's rating of one decision on their appeal; "not satisfied" carries a reopening request."""

    __tablename__ = "appeal_feedback"
    # One rating per decision: after a reopening and a new decision the citizen rates again.
    __table_args__ = (UniqueConstraint("appeal_id", "decision_event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    #: The event of the decision rated (resolved or rejected).
    decision_event_id: Mapped[int] = mapped_column(ForeignKey("appeal_events.id"))
    rating: Mapped[Rating] = mapped_column(enum_type(Rating))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: None unless the citizen asked to reopen (only with "not satisfied").
    reopen_state: Mapped[ReopenState | None] = mapped_column(enum_type(ReopenState), index=True)
    #: The branch head (or administrator) who accepted or declined the request, when, and why.
    reopen_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reopen_decided_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_decision_comment: Mapped[str] = mapped_column(String(2000), default="")

    appeal = relationship("Appeal")
    decision_event = relationship("AppealEvent")
    reopen_decided_by_user = relationship("User")
