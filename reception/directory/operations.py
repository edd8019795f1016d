"""Administrators' changes to the directory; each is audited with the fields it changed."""

from datetime import date

from sqlalchemy import select

from ..audit.log import audit
from ..documents import cases
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


#: The stored forms a letter addresses a government body's head by (see GovernmentBody).
ADDRESS_FIELDS = ("head_title_dative_ru", "head_name_dative_ru", "head_title_dative_kk", "head_name_dative_kk")


def address_forms(values) -> dict[str, str]:
    """The address forms the rules give for a body's names and head (`values`: the body or a dict of its fields)."""
    get = values.get if isinstance(values, dict) else lambda key, default="": getattr(values, key, default)
    return {
        "head_title_dative_ru": cases.ru_addressee_title(get("head_title_ru", "") or "", get("name_ru", "") or ""),
        "head_name_dative_ru": cases.ru_dative_name(get("head_name_ru", "") or ""),
        "head_title_dative_kk": cases.kk_addressee_title(get("head_title_kk", "") or "", get("name_kk", "") or ""),
        "head_name_dative_kk": cases.kk_dative_name(get("head_name_kk", "") or ""),
    }


def with_address_forms(record, values: dict) -> dict:
    """`values` for a government body with its address forms filled by the rules where they are empty or were the
    rules' own (not edited): a new head or title gets new forms, a correction an administrator typed stays."""
    keys = ("name_ru", "name_kk", "head_title_ru", "head_name_ru", "head_title_kk", "head_name_kk", *ADDRESS_FIELDS)
    current = {key: getattr(record, key) or "" for key in keys} if record is not None else {}
    current.update(values)
    before = address_forms(record) if record is not None else {}
    after = address_forms(current)
    result = dict(values)
    for key in ADDRESS_FIELDS:
        given = (current.get(key) or "").strip()
        result[key] = after[key] if not given or given == before.get(key) else given
    return result


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
