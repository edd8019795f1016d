"""Loading the directory from the JSON files shipped in `directory/data/` (or another folder).

Loading is an upsert by code: running it again changes nothing; rows the files name take the files'
values, and rows administrators added (codes not in the files) are left alone. Rows are matched by
`code`, never by id.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from ..extensions import db
from .models import (
    BodySeats,
    Branch,
    Constituency,
    Convocation,
    ConvocationSeats,
    District,
    GovernmentBody,
    Region,
    RepresentativeBody,
    Topic,
)
from .operations import ADDRESS_FIELDS, with_address_forms

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
NAMES = ("name_kk", "name_ru", "name_en")


class DirectoryDataError(Exception):
    """A data file is malformed or refers to a code that does not exist."""


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[kind] = target.get(kind, 0) + 1

    def __str__(self) -> str:
        kinds = sorted(set(self.created) | set(self.updated))
        return (
            ", ".join(f"{k}: {self.created.get(k, 0)} new, {self.updated.get(k, 0)} updated" for k in kinds)
            or "nothing"
        )


def read_items(path: Path) -> list[dict]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DirectoryDataError(f"{path.name}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise DirectoryDataError(f"{path.name}: expected an object with an 'items' list")
    return document["items"]


class _Index:
    """Existing rows of one model by code, so each file costs one query instead of one per row."""

    def __init__(self, model):
        self.model = model
        self.rows = {row.code: row for row in db.session.scalars(select(model))}

    def get(self, code, what: str):
        if code is None:
            return None
        try:
            return self.rows[code]
        except KeyError:
            raise DirectoryDataError(f"unknown {what} code {code!r}") from None


def _upsert(index: _Index, code: str, values: dict, report: LoadReport, kind: str):
    row = index.rows.get(code)
    created = row is None
    if created:
        row = index.model(code=code)
        db.session.add(row)
        index.rows[code] = row
    changed = created
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    if changed:
        report.count(kind, created)
    return row


def _names(item: dict, prefix: str = "name") -> dict:
    return {f"{prefix}_{lang}": item.get(f"{prefix}_{lang}") or "" for lang in ("kk", "ru", "en")}


def load_directory(data_dir: Path = DATA_DIR) -> LoadReport:
    """Load every directory file from `data_dir` in dependency order; the caller commits."""
    report = LoadReport()
    regions = _load_regions(read_items(data_dir / "regions.json"), report)
    districts = _Index(District)
    db.session.flush()
    _load_topics(read_items(data_dir / "topics.json"), report)
    _load_branches(read_items(data_dir / "branches.json"), regions, districts, report)
    _load_bodies(read_items(data_dir / "bodies.json"), regions, districts, report)
    _load_government_bodies(read_items(data_dir / "government_bodies.json"), regions, districts, report)
    db.session.flush()
    logger.info("directory loaded from %s: %s", data_dir, report)
    return report


def _load_regions(items: list[dict], report: LoadReport) -> _Index:
    from .models import DistrictKind, RegionKind

    regions = _Index(Region)
    districts = _Index(District)
    for item in items:
        region = _upsert(
            regions,
            item["code"],
            {"iso": item["iso"], "kind": RegionKind(item["kind"]), **_names(item), **_names(item, "centre")},
            report,
            "regions",
        )
        for d in item.get("districts", []):
            district = _upsert(
                districts, d["code"], {"kind": DistrictKind(d["kind"]), **_names(d)}, report, "districts"
            )
            district.region = region
    return regions


def _load_topics(items: list[dict], report: LoadReport) -> None:
    topics = _Index(Topic)
    for position, item in enumerate(items, start=1):
        _upsert(topics, item["code"], {"position": position, **_names(item)}, report, "topics")


def _load_branches(items: list[dict], regions: _Index, districts: _Index, report: LoadReport) -> None:
    from .models import BranchLevel

    branches = _Index(Branch)
    for item in items:
        _upsert(
            branches,
            item["code"],
            {
                "level": BranchLevel(item["level"]),
                "region": regions.get(item.get("region"), "region"),
                "district": districts.get(item.get("district"), "district"),
                "address_kk": item.get("address_kk", ""),
                "address_ru": item.get("address_ru", ""),
                "phone": item.get("phone", ""),
                "email": item.get("email", ""),
                **_names(item),
            },
            report,
            "branches",
        )
    # Parents second: a branch may be listed before its parent.
    for item in items:
        branches.rows[item["code"]].parent = branches.get(item.get("parent"), "parent branch")


def _load_bodies(items: list[dict], regions: _Index, districts: _Index, report: LoadReport) -> None:
    from .models import BodyKind, BodyLevel, MandateType

    bodies = _Index(RepresentativeBody)
    for item in items:
        body = _upsert(
            bodies,
            item["code"],
            {
                "kind": BodyKind(item["kind"]),
                "level": BodyLevel(item["level"]),
                "region": regions.get(item.get("region"), "region"),
                "district": districts.get(item.get("district"), "district"),
                **_names(item),
            },
            report,
            "bodies",
        )
        seats = {s.mandate_type: s for s in body.seats}
        for entry in item.get("seats", []):
            mandate = MandateType(entry["mandate_type"])
            if mandate not in seats:
                body.seats.append(BodySeats(mandate_type=mandate, count=entry["count"]))
            elif seats[mandate].count != entry["count"]:
                seats[mandate].count = entry["count"]
                report.count("seats", False)
        _load_convocations(body, item.get("convocations", []), report)
        constituencies = {c.number: c for c in body.constituencies}
        for entry in item.get("constituencies", []):
            constituency = constituencies.get(entry["number"])
            if constituency is None:
                constituency = Constituency(number=entry["number"])
                body.constituencies.append(constituency)
                report.count("constituencies", True)
            for key, value in _names(entry).items():
                setattr(constituency, key, value)
            constituency.region = regions.get(entry["region"], "region")
            constituency.districts = [districts.get(code, "district") for code in entry.get("districts", [])]


def _date(value: str | None, what: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise DirectoryDataError(f"{what}: {value!r} is not a date (YYYY-MM-DD)") from None


def _load_convocations(body: RepresentativeBody, items: list[dict], report: LoadReport) -> None:
    """Convocations by (body, number): updated in place, so deputies' mandates keep pointing at them."""
    from .models import MandateType

    existing = {c.number: c for c in body.convocations}
    for entry in items:
        what = f"{body.code} convocation {entry.get('number')}"
        convocation = existing.get(entry["number"])
        created = convocation is None
        if created:
            convocation = Convocation(number=entry["number"])
            body.convocations.append(convocation)
        values = {"start_date": _date(entry["start"], what), "end_date": _date(entry.get("end"), what)}
        changed = created
        for key, value in values.items():
            if getattr(convocation, key) != value:
                setattr(convocation, key, value)
                changed = True
        seats = {s.mandate_type: s for s in convocation.seats}
        for seat in entry.get("seats", []):
            mandate = MandateType(seat["mandate_type"])
            if mandate not in seats:
                convocation.seats.append(ConvocationSeats(mandate_type=mandate, count=seat["count"]))
                changed = True
            elif seats[mandate].count != seat["count"]:
                seats[mandate].count = seat["count"]
                changed = True
        if changed:
            report.count("convocations", created)


def _load_government_bodies(items: list[dict], regions: _Index, districts: _Index, report: LoadReport) -> None:
    from .models import GovernmentBodyKind

    index = _Index(GovernmentBody)
    for item in items:
        values = {
            "kind": GovernmentBodyKind(item["kind"]),
            "region": regions.get(item.get("region"), "region"),
            "district": districts.get(item.get("district"), "district"),
            **_names(item),
            **_names(item, "head_title"),
            **_names(item, "head_name"),
            # A file may give the address forms; otherwise the rules fill them (kept where an admin corrected them).
            **{key: item[key] for key in ADDRESS_FIELDS if item.get(key)},
        }
        _upsert(
            index, item["code"], with_address_forms(index.rows.get(item["code"]), values), report, "government_bodies"
        )
