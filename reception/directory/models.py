"""The reception network as data: territory, branches, representative bodies, deputies, addressees, topics."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, UniqueConstraint, and_, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, enum_type
from ..enums import LabelledEnum
from ..extensions import db
from ..i18n import NamedMixin, localized


class RegionKind(enum.Enum):
    oblast = "oblast"
    city = "city"


class DistrictKind(enum.Enum):
    district = "district"
    city = "city"
    city_district = "city_district"


class BranchLevel(enum.Enum):
    central = "central"
    regional = "regional"
    district = "district"


class BodyKind(enum.Enum):
    #: A chamber of the bicameral Parliament (the Mazhilis, until 30 June 2026).
    parliament_chamber = "parliament_chamber"
    #: The unicameral Kurultai (Constitution of 2026, in force 1 July 2026).
    kurultai = "kurultai"
    maslikhat = "maslikhat"


class BodyLevel(enum.Enum):
    national = "national"
    regional = "regional"
    district = "district"


class MandateType(enum.Enum):
    party_list = "party_list"
    single_mandate = "single_mandate"
    #: Seats filled otherwise (e.g. the Mazhilis's deputies elected by the Assembly of the People, until 2023).
    other = "other"


class GovernmentBodyKind(LabelledEnum):
    government = "government", _l("Government")
    ministry = "ministry", _l("Ministry")
    agency = "agency", _l("Agency")
    akimat_region = "akimat_region", _l("Akimat of a region")
    akimat_district = "akimat_district", _l("Akimat of a district or city")
    #: State bodies outside the Government: the National Bank, the Prosecutor General's Office.
    other = "other", _l("Other state body")


class Region(NamedMixin, db.Model):
    """One of the 20 top-level units: 17 oblasts and the cities Astana, Almaty, Shymkent."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short Latin code used in branch codes and registration numbers, e.g. "ALM".
    code: Mapped[str] = mapped_column(String(8), unique=True)
    #: ISO 3166-2 code, e.g. "KZ-19".
    iso: Mapped[str] = mapped_column(String(8))
    kind: Mapped[RegionKind] = mapped_column(enum_type(RegionKind))
    centre_kk: Mapped[str] = mapped_column(String(255))
    centre_ru: Mapped[str] = mapped_column(String(255))
    centre_en: Mapped[str] = mapped_column(String(255))

    districts: Mapped[list["District"]] = relationship(
        back_populates="region", order_by="District.code", cascade="all, delete-orphan"
    )


class District(NamedMixin, db.Model):
    """A district, a city of regional significance, or a district of one of the three big cities."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Region code, dot, number: "ALM.03".
    code: Mapped[str] = mapped_column(String(16), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    kind: Mapped[DistrictKind] = mapped_column(enum_type(DistrictKind))

    region: Mapped[Region] = relationship(back_populates="districts")


class Branch(NamedMixin, db.Model):
    """A public reception office: the central one, a regional one, or a district/city one."""

    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "KZ-00" central, "ALM-00" regional, "ALM-03" district; the prefix of registration numbers.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    level: Mapped[BranchLevel] = mapped_column(enum_type(BranchLevel))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    address_kk: Mapped[str] = mapped_column(String(500), default="")
    address_ru: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    region: Mapped[Region | None] = relationship()
    district: Mapped[District | None] = relationship()
    parent: Mapped["Branch | None"] = relationship(remote_side="Branch.id", back_populates="children")
    children: Mapped[list["Branch"]] = relationship(back_populates="parent", order_by="Branch.code")

    @property
    def address(self) -> str:
        return localized(self, "address")


class RepresentativeBody(NamedMixin, db.Model):
    """An elected body: the Mazhilis or a maslikhat. Its seats are rows, so a reform is a data change."""

    __tablename__ = "representative_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[BodyKind] = mapped_column(enum_type(BodyKind))
    level: Mapped[BodyLevel] = mapped_column(enum_type(BodyLevel))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)

    region: Mapped[Region | None] = relationship()
    district: Mapped[District | None] = relationship()
    seats: Mapped[list["BodySeats"]] = relationship(
        back_populates="body", cascade="all, delete-orphan", order_by="BodySeats.mandate_type"
    )
    constituencies: Mapped[list["Constituency"]] = relationship(
        back_populates="body", cascade="all, delete-orphan", order_by="Constituency.number"
    )
    convocations: Mapped[list["Convocation"]] = relationship(
        back_populates="body", cascade="all, delete-orphan", order_by="Convocation.number"
    )

    @property
    def seat_total(self) -> int:
        return sum(s.count for s in self.seats)

    def convocation_on(self, day: date) -> "Convocation | None":
        """The convocation sitting on `day`, if any."""
        return next((c for c in reversed(self.convocations) if c.sits_on(day)), None)


class Convocation(db.Model):
    """One convocation (term) of a body: from its first sitting to the end of its mandate, with its own seats."""

    __tablename__ = "convocations"
    __table_args__ = (UniqueConstraint("body_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("representative_bodies.id"), index=True)
    #: The convocation's ordinal, as the body counts them (the Mazhilis's 8th, the Kurultai's 1st).
    number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    #: The last day of its mandate; empty while it sits and no end is known.
    end_date: Mapped[date | None] = mapped_column(Date)
    #: When its deputies' open work was handed over (directory/handover.py); empty until then.
    handed_over_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    body: Mapped[RepresentativeBody] = relationship(back_populates="convocations")
    seats: Mapped[list["ConvocationSeats"]] = relationship(
        back_populates="convocation", cascade="all, delete-orphan", order_by="ConvocationSeats.mandate_type"
    )

    def sits_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    @property
    def seat_total(self) -> int:
        return sum(s.count for s in self.seats)

    def __str__(self) -> str:
        return f"{self.body.name}, {self.number}"


class ConvocationSeats(db.Model):
    """How many seats of one mandate type a convocation has (the law may change them between convocations)."""

    __tablename__ = "convocation_seats"
    __table_args__ = (UniqueConstraint("convocation_id", "mandate_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    convocation_id: Mapped[int] = mapped_column(ForeignKey("convocations.id"), index=True)
    mandate_type: Mapped[MandateType] = mapped_column(enum_type(MandateType))
    count: Mapped[int] = mapped_column(Integer)

    convocation: Mapped[Convocation] = relationship(back_populates="seats")


class BodySeats(db.Model):
    """How many seats of one mandate type a body has."""

    __tablename__ = "body_seats"
    __table_args__ = (UniqueConstraint("body_id", "mandate_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("representative_bodies.id"), index=True)
    mandate_type: Mapped[MandateType] = mapped_column(enum_type(MandateType))
    count: Mapped[int] = mapped_column(Integer)

    body: Mapped[RepresentativeBody] = relationship(back_populates="seats")


constituency_districts = Table(
    "constituency_districts",
    db.metadata,
    Column("constituency_id", ForeignKey("constituencies.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True),
)


class Constituency(NamedMixin, db.Model):
    """A single-mandate electoral district and the territory it covers (a region, or some of its districts)."""

    __tablename__ = "constituencies"
    __table_args__ = (UniqueConstraint("body_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("representative_bodies.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)

    body: Mapped[RepresentativeBody] = relationship(back_populates="constituencies")
    region: Mapped[Region] = relationship()
    #: Empty means the whole region.
    districts: Mapped[list[District]] = relationship(secondary=constituency_districts, order_by="District.code")


#: The regions a party-list deputy is assigned to for work with voters (one deputy may cover several).
deputy_regions = Table(
    "deputy_regions",
    db.metadata,
    Column("deputy_id", ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True),
)

deputy_topics = Table(
    "deputy_topics",
    db.metadata,
    Column("deputy_id", ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
)


class Deputy(db.Model):
    """A deputy of a representative body, with the territory and topics they take appeals on."""

    __tablename__ = "deputies"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(255))
    body_id: Mapped[int] = mapped_column(ForeignKey("representative_bodies.id"), index=True)
    mandate_type: Mapped[MandateType] = mapped_column(enum_type(MandateType))
    #: The single-mandate district they were elected in, if any.
    constituency_id: Mapped[int | None] = mapped_column(ForeignKey("constituencies.id"), index=True)
    #: Where they receive citizens (for party-list deputies: the region they are assigned to).
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    email: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The convocation the mandate is held in; empty for deputies entered before convocations were data.
    convocation_id: Mapped[int | None] = mapped_column(ForeignKey("convocations.id"), index=True)
    #: First and last day of the mandate; empty end: it runs until the convocation's end.
    mandate_start: Mapped[date | None] = mapped_column(Date)
    mandate_end: Mapped[date | None] = mapped_column(Date)

    body: Mapped[RepresentativeBody] = relationship()
    convocation: Mapped[Convocation | None] = relationship()
    constituency: Mapped[Constituency | None] = relationship()
    region: Mapped[Region | None] = relationship()
    district: Mapped[District | None] = relationship()
    topics: Mapped[list["Topic"]] = relationship(secondary=deputy_topics, order_by="Topic.position")
    #: Party-list deputies: the regions they work with voters in.
    assigned_regions: Mapped[list[Region]] = relationship(secondary=deputy_regions, order_by="Region.code")

    def __str__(self) -> str:
        return self.full_name

    def serves_on(self, day: date) -> bool:
        """Whether the deputy holds a current mandate on `day` (and so may get new work)."""
        if not self.is_active:
            return False
        if self.mandate_start is not None and day < self.mandate_start:
            return False
        if self.mandate_end is not None and day > self.mandate_end:
            return False
        return self.convocation is None or self.convocation.sits_on(day)


def serving_on(day: date):
    """SQL condition: the deputy holds a current mandate on `day` (the query form of Deputy.serves_on)."""
    sitting = select(Convocation.id).where(
        Convocation.start_date <= day, or_(Convocation.end_date.is_(None), Convocation.end_date >= day)
    )
    return and_(
        Deputy.is_active.is_(True),
        or_(Deputy.mandate_start.is_(None), Deputy.mandate_start <= day),
        or_(Deputy.mandate_end.is_(None), Deputy.mandate_end >= day),
        or_(Deputy.convocation_id.is_(None), Deputy.convocation_id.in_(sitting)),
    )


class GovernmentBody(NamedMixin, db.Model):
    """An addressee of deputy inquiries: the Government, a ministry, an agency or an akimat."""

    __tablename__ = "government_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[GovernmentBodyKind] = mapped_column(enum_type(GovernmentBodyKind))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    head_title_kk: Mapped[str] = mapped_column(String(255), default="")
    head_title_ru: Mapped[str] = mapped_column(String(255), default="")
    head_title_en: Mapped[str] = mapped_column(String(255), default="")
    head_name_kk: Mapped[str] = mapped_column(String(255), default="")
    head_name_ru: Mapped[str] = mapped_column(String(255), default="")
    head_name_en: Mapped[str] = mapped_column(String(255), default="")
    #: How a letter addresses the head, where the rules of reception.documents.cases may be wrong and an
    #: administrator corrects them: Russian in the dative ("Министру труда ... Республики Казахстан",
    #: "Касымовой Ж.А."), Kazakh the full title in the nominative and the name in the dative
    #: ("... Ішкі істер министрі", "Ж.А. Қасымоваға"). Filled by the rules when empty or not edited.
    head_title_dative_ru: Mapped[str] = mapped_column(String(500), default="", server_default="")
    head_name_dative_ru: Mapped[str] = mapped_column(String(255), default="", server_default="")
    head_title_dative_kk: Mapped[str] = mapped_column(String(500), default="", server_default="")
    head_name_dative_kk: Mapped[str] = mapped_column(String(255), default="", server_default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    region: Mapped[Region | None] = relationship()
    district: Mapped[District | None] = relationship()

    @property
    def head_title(self) -> str:
        return localized(self, "head_title")

    @property
    def head_name(self) -> str:
        return localized(self, "head_name")


class Topic(NamedMixin, db.Model):
    """A subject an appeal is about; deputies specialise in some."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
