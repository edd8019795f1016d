"""Mandates, the programme points they were adopted into, and the road-map tasks of each point."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..appeals.models import Appeal
from ..dbtypes import UTCDateTime, enum_type, utcnow
from ..directory.models import Branch, Deputy, District, GovernmentBody, Region, Topic
from ..enums import LabelledEnum
from ..extensions import db
from ..i18n import localized
from ..inquiries.models import Inquiry

mandate_appeals = Table(
    "mandate_appeals",
    db.metadata,
    Column("mandate_id", ForeignKey("voter_mandates.id", ondelete="CASCADE"), primary_key=True),
    Column("appeal_id", ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True, index=True),
    #: When the analyst put the appeal behind the mandate.
    Column("added_dt", UTCDateTime, nullable=False, default=utcnow),
)


class VoterMandate(db.Model):
    """One mandate: a problem or proposal many people brought, with the appeals behind it."""

    __tablename__ = "voter_mandates"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The analyst's wording of what people ask for, in Kazakh and in Russian.
    title_kk: Mapped[str] = mapped_column(String(500), default="")
    title_ru: Mapped[str] = mapped_column(String(500), default="")
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)
    #: The territory: the region, and the district when the mandate is that local.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    #: The programme point it was adopted into; None while it is only a mandate.
    point_id: Mapped[int | None] = mapped_column(ForeignKey("programme_points.id"), index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    topic: Mapped[Topic] = relationship()
    region: Mapped[Region | None] = relationship()
    district: Mapped[District | None] = relationship()
    point: Mapped["ProgrammePoint | None"] = relationship(back_populates="mandates")
    appeals: Mapped[list[Appeal]] = relationship(secondary=mandate_appeals, order_by=Appeal.registered_dt)

    @property
    def title(self) -> str:
        return localized(self, "title")


class ProgrammePoint(db.Model):
    """A point of the programme, adopted from one or more mandates (which keep their appeals)."""

    __tablename__ = "programme_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Its number in the programme, as printed.
    number: Mapped[int] = mapped_column(Integer, unique=True)
    text_kk: Mapped[str] = mapped_column(Text, default="")
    text_ru: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    mandates: Mapped[list[VoterMandate]] = relationship(back_populates="point", order_by=VoterMandate.id)
    tasks: Mapped[list["RoadmapTask"]] = relationship(
        back_populates="point", order_by="RoadmapTask.deadline", cascade="all, delete-orphan"
    )

    @property
    def text(self) -> str:
        return localized(self, "text")

    @property
    def source_appeals(self) -> list[Appeal]:
        """Every appeal behind the point, through its mandates, each once."""
        seen: dict[int, Appeal] = {}
        for mandate in self.mandates:
            for appeal in mandate.appeals:
                seen.setdefault(appeal.id, appeal)
        return list(seen.values())


class TaskStatus(LabelledEnum):
    planned = "planned", _l("Planned")
    in_progress = "in_progress", _l("In progress")
    done = "done", _l("Done")


class OwnerKind(LabelledEnum):
    deputy = "deputy", _l("Deputy")
    faction = "faction", _l("Faction")
    branch = "branch", _l("Branch")
    body = "body", _l("Government body")


class RoadmapTask(db.Model):
    """One task of a point's road map: who does what by when, and the proof it was done."""

    __tablename__ = "roadmap_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("programme_points.id", ondelete="CASCADE"), index=True)
    title_kk: Mapped[str] = mapped_column(String(500), default="")
    title_ru: Mapped[str] = mapped_column(String(500), default="")
    #: What counts as done, in words the public page shows.
    expected_result: Mapped[str] = mapped_column(Text, default="")
    owner_kind: Mapped[OwnerKind] = mapped_column(enum_type(OwnerKind))
    #: Exactly one of these names the owner, by `owner_kind` (a faction is named in words: it is not in the directory).
    owner_deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"), index=True)
    owner_branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    owner_body_id: Mapped[int | None] = mapped_column(ForeignKey("government_bodies.id"))
    owner_faction: Mapped[str] = mapped_column(String(255), default="")
    deadline: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[TaskStatus] = mapped_column(enum_type(TaskStatus), default=TaskStatus.planned)
    done_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Evidence: a deputy inquiry sent for the task (its answer is read from the inquiry), and a link to a document.
    inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("inquiries.id"))
    evidence_url: Mapped[str] = mapped_column(String(500), default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    point: Mapped[ProgrammePoint] = relationship(back_populates="tasks")
    owner_deputy: Mapped[Deputy | None] = relationship()
    owner_branch: Mapped[Branch | None] = relationship()
    owner_body: Mapped[GovernmentBody | None] = relationship()
    inquiry: Mapped["Inquiry | None"] = relationship()
    documents: Mapped[list["RoadmapDocument"]] = relationship(
        back_populates="task", order_by="RoadmapDocument.id", cascade="all, delete-orphan"
    )

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def owner_name(self) -> str:
        if self.owner_kind is OwnerKind.deputy and self.owner_deputy:
            return self.owner_deputy.full_name
        if self.owner_kind is OwnerKind.branch and self.owner_branch:
            return self.owner_branch.name
        if self.owner_kind is OwnerKind.body and self.owner_body:
            return self.owner_body.name
        return self.owner_faction

    def is_overdue(self, today: date) -> bool:
        return self.status is not TaskStatus.done and self.deadline < today


class RoadmapDocument(db.Model):
    """A document uploaded as evidence of a task (an act, a decision, a photo), kept beside the appeals' files."""

    __tablename__ = "roadmap_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("roadmap_tasks.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    #: Path under the attachments directory (random, so names never collide or leak).
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    uploaded_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    task: Mapped[RoadmapTask] = relationship(back_populates="documents")
