"""Select choices built from the directory, shared by every form that picks a region, district or topic."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..formkit import with_blank
from .models import District, GovernmentBody, Region, Topic


def region_choices() -> list[SelectChoice]:
    return with_blank((str(r.id), r.name) for r in db.session.scalars(select(Region).order_by(Region.code)))


def district_choices() -> list[SelectChoice]:
    """Districts grouped by region, so one is found among 226 by its region's heading."""
    districts = db.session.scalars(select(District).options(joinedload(District.region)).order_by(District.code))
    return with_blank([]) + [SelectChoice(str(d.id), d.name, optgroup=d.region.name) for d in districts]


def topic_choices(active_only: bool = False) -> list[SelectChoice]:
    stmt = select(Topic).order_by(Topic.position)
    if active_only:
        stmt = stmt.where(Topic.is_active.is_(True))
    return with_blank((str(t.id), t.name) for t in db.session.scalars(stmt))


def government_body_choices() -> list[SelectChoice]:
    """Government bodies grouped by kind: where an appeal is forwarded, whom an inquiry is addressed to."""
    bodies = db.session.scalars(
        select(GovernmentBody)
        .where(GovernmentBody.is_active.is_(True))
        .order_by(GovernmentBody.kind, GovernmentBody.code)
    )
    return with_blank([]) + [SelectChoice(str(b.id), b.name, optgroup=b.kind.label) for b in bodies]
