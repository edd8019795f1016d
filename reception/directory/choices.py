"""Select choices built from the directory, shared by every form that picks a region, district or topic."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..formkit import with_blank
from .models import BodyLevel, Branch, Deputy, District, GovernmentBody, Region, Topic


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


def branch_choices() -> list[SelectChoice]:
    """Every branch by its code and its name in the reader's language."""
    return with_blank(
        (str(b.id), f"{b.code} · {b.name}") for b in db.session.scalars(select(Branch).order_by(Branch.code))
    )


def deputy_label(deputy: Deputy) -> str:
    """A deputy as people pick them: the name, the body's name and where they receive citizens, in the reader's
    language (a maslikhat's name already says its place; the Mazhilis's does not)."""
    parts = [deputy.full_name, deputy.body.name]
    if deputy.district is not None and deputy.district_id != deputy.body.district_id:
        parts.append(deputy.district.name)
    elif deputy.body.level == BodyLevel.national and deputy.region is not None:
        parts.append(deputy.region.name)
    return " · ".join(parts)


#: What deputy_label reads, loaded with the deputies (no query per option).
DEPUTY_LABEL_LOADS = (
    joinedload(Deputy.body),
    selectinload(Deputy.district),
    selectinload(Deputy.region),
)


def deputy_choices(*where) -> list[tuple[str, str]]:
    """(id, label) of the deputies matching `where` (every deputy without), by name."""
    stmt = select(Deputy).options(*DEPUTY_LABEL_LOADS).where(*where).order_by(Deputy.full_name, Deputy.id)
    return [(str(d.id), deputy_label(d)) for d in db.session.scalars(stmt)]
