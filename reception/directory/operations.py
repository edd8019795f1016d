"""Administrators' changes to the directory; each is audited with the fields it changed."""

from datetime import date

from sqlalchemy import select

from ..audit.log import audit
from ..errors import Refused
from ..extensions import db
from .models import BodySeats, MandateType, RepresentativeBody, Topic


class DirectoryError(Refused):
    """A refusal about a directory record, shown to the user as is."""


def update_record(record, values: dict, *, user=None) -> dict:
    """Set `values` on `record`; returns {field: [old, new]} for what changed and audits it."""
    changes = {}
    for key, value in values.items():
        old = getattr(record, key)
        if old != value:
            setattr(record, key, value)
            changes[key] = [_plain(old), _plain(value)]
    if changes:
        audit(f"directory.update_{record.__tablename__}", record, user=user, details={"changes": changes})
    return changes


def create_topic(values: dict, *, user=None) -> Topic:
    from flask_babel import lazy_gettext as _l

    if db.session.scalar(select(Topic.id).where(Topic.code == values["code"])):
        raise DirectoryError(_l("A topic with this code already exists."))
    topic = Topic(**values)
    db.session.add(topic)
    audit("directory.create_topics", topic, user=user, details={"code": topic.code})
    return topic


def set_seats(body: RepresentativeBody, counts: dict[MandateType, int], *, user=None) -> None:
    """Set the number of seats per mandate type; a type with 0 seats is removed."""
    current = {s.mandate_type: s for s in body.seats}
    before = {m.value: s.count for m, s in current.items()}
    for mandate, count in counts.items():
        if count:
            if mandate in current:
                current[mandate].count = count
            else:
                body.seats.append(BodySeats(mandate_type=mandate, count=count))
        elif mandate in current:
            body.seats.remove(current[mandate])
    after = {m.value: c for m, c in counts.items() if c}
    if before != after:
        audit("directory.set_seats", body, user=user, details={"before": before, "after": after})


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    if hasattr(value, "id"):
        return value.id
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
