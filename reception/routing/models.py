"""Routing rules as data: an ordered list that administrators edit, each matching appeals and naming a target."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..appeals.models import AppealType
from ..dbtypes import UTCDateTime, enum_type, utcnow
from ..directory.models import Branch, Deputy, District, Region, Topic
from ..enums import LabelledEnum
from ..extensions import db


class RuleTarget(LabelledEnum):
    #: One named deputy.
    deputy = "deputy", _l("A specific deputy")
    #: The single-mandate deputy (Mazhilis, for its history; maslikhats) of the constituency covering the appeal's place.
    single_mandate = "single_mandate", _l("The single-mandate deputy of the place")
    #: Party-list deputies of a national body (the Kurultai) assigned to the appeal's region, where a body
    #: elects nobody by district (Constitution of 2026: 145 deputies in one nationwide district).
    list_region = "list_region", _l("The list deputies assigned to the appeal's region")
    #: Maslikhat deputies of the appeal's district (or region) who specialise in its topic.
    maslikhat_topic = "maslikhat_topic", _l("Maslikhat deputies of the place with this topic")
    #: The head of the appeal's branch, for manual triage.
    branch_head = "branch_head", _l("The branch head, for triage")
    #: The central office, for manual triage.
    central_office = "central_office", _l("The central office, for triage")


class RoutingRule(db.Model):
    """One rule: empty match fields match anything; the first rule that yields a recipient wins."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Rules are tried in ascending position.
    position: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    appeal_type: Mapped[AppealType | None] = mapped_column(enum_type(AppealType))
    #: None: either; True: collective only; False: individual only.
    is_collective: Mapped[bool | None] = mapped_column(Boolean)
    target: Mapped[RuleTarget] = mapped_column(enum_type(RuleTarget))
    target_deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    topic: Mapped[Topic | None] = relationship()
    region: Mapped[Region | None] = relationship()
    district: Mapped[District | None] = relationship()
    branch: Mapped[Branch | None] = relationship()
    target_deputy: Mapped[Deputy | None] = relationship()
