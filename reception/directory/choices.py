"""Select choices built from the directory, shared by every form that picks a region, district, topic, deputy or
government body; and the check that a chosen district lies in the chosen region."""

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..formkit import int_id, with_blank
from .menus import menu
from .models import BodyLevel, Branch, Deputy, District, GovernmentBody, Region, Topic


def region_choices() -> list[SelectChoice]:
    return menu(
        "regions",
        lambda: with_blank((str(r.id), r.name) for r in db.session.scalars(select(Region).order_by(Region.code))),
    )


def district_choices() -> list[SelectChoice]:
    """Districts grouped by region (an <optgroup> each, so "Есіл ауданы" is found under its region without
    JavaScript); each option names its region in `data-region`, so static/districts.js can show only the
    districts of the region chosen."""
    return menu("districts", _district_choices)


def _district_choices() -> list[SelectChoice]:
    districts = db.session.scalars(select(District).options(joinedload(District.region)).order_by(District.code))
    return with_blank([]) + [
        SelectChoice(str(d.id), d.name, render_kw={"data-region": str(d.region_id)}, optgroup=d.region.name)
        for d in districts
    ]


def district_in_region(region_value, district_value) -> bool:
    """Whether the district chosen lies in the region chosen; true when either is left empty."""
    region_id, district_id = int_id(region_value), int_id(district_value)
    if region_id is None or district_id is None:
        return True
    district = db.session.get(District, district_id)
    return district is not None and district.region_id == region_id


def check_place(region_field, district_field) -> bool:
    """A form's region and district: a district outside the chosen region is an error at the district field,
    where it can be put right (the rest of what was typed stays on the page)."""
    if district_in_region(region_field.data, district_field.data):
        return True
    district_field.errors.append(_l("The district is not in the chosen region."))
    return False


def topic_choices(active_only: bool = False) -> list[SelectChoice]:
    def build():
        stmt = select(Topic).order_by(Topic.position)
        if active_only:
            stmt = stmt.where(Topic.is_active.is_(True))
        return with_blank((str(t.id), t.name) for t in db.session.scalars(stmt))

    return menu("active topics" if active_only else "topics", build)


def government_body_choices() -> list[SelectChoice]:
    """Government bodies grouped by kind: where an appeal is forwarded, whom an inquiry is addressed to."""
    return menu("government bodies", _government_body_choices)


def _government_body_choices() -> list[SelectChoice]:
    bodies = db.session.scalars(
        select(GovernmentBody)
        .where(GovernmentBody.is_active.is_(True))
        .order_by(GovernmentBody.kind, GovernmentBody.code)
    )
    # The group's label as text: the menu is kept for this language only.
    return with_blank([]) + [SelectChoice(str(b.id), b.name, optgroup=str(b.kind.label)) for b in bodies]


def branch_choices() -> list[SelectChoice]:
    """Every branch by its code and its name in the reader's language."""
    return menu(
        "branches",
        lambda: with_blank(
            (str(b.id), f"{b.code} · {b.name}") for b in db.session.scalars(select(Branch).order_by(Branch.code))
        ),
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


def deputy_pairs(deputies: Iterable[Deputy]) -> list[tuple[str, str]]:
    """(id, label) of each deputy, for a picker; load DEPUTY_LABEL_LOADS with them."""
    return [(str(d.id), deputy_label(d)) for d in deputies]
