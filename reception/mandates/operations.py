"""What analysts do with mandates: accept a suggested group, trim or grow it, adopt mandates into a programme point,
lay out the point's road map and carry its tasks to done; and what the boards and the public page read."""

import hashlib
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..appeals import attachments
from ..appeals.models import Appeal
from ..dbtypes import utcnow
from ..directory.models import Region
from ..errors import Refused
from ..extensions import db
from ..i18n import localized
from ..notifications.events import notify_citizen
from .models import OwnerKind, ProgrammePoint, RoadmapDocument, RoadmapTask, TaskStatus, VoterMandate

logger = logging.getLogger(__name__)


class MandateError(Refused):
    """A refusal about a mandate, shown to the analyst as is."""


def create_mandate(appeals: list[Appeal], *, title_kk: str, title_ru: str, user) -> VoterMandate:
    """A mandate from appeals of one topic and region; the district too when they all share it."""
    if not appeals:
        raise MandateError(_l("Choose at least one appeal."))
    if not (title_kk.strip() or title_ru.strip()):
        raise MandateError(_l("Give the mandate a title in Kazakh or Russian."))
    first = appeals[0]
    if any(a.topic_id != first.topic_id or a.region_id != first.region_id for a in appeals):
        raise MandateError(_l("A mandate gathers appeals of one topic and one region."))
    districts = {a.district_id for a in appeals}
    mandate = VoterMandate(
        title_kk=title_kk.strip(),
        title_ru=title_ru.strip(),
        topic_id=first.topic_id,
        region_id=first.region_id,
        district_id=districts.pop() if len(districts) == 1 else None,
        created_by_id=user.id if user else None,
    )
    mandate.appeals = list(appeals)
    db.session.add(mandate)
    db.session.flush()
    logger.info("Mandate %s created from %d appeals by %s", mandate.id, len(appeals), user.id if user else None)
    return mandate


def add_appeals(mandate: VoterMandate, appeals: list[Appeal], *, user) -> int:
    """Put more appeals behind the mandate (those already there are skipped); how many were added."""
    added = [a for a in appeals if a not in mandate.appeals]
    if any(a.topic_id != mandate.topic_id or a.region_id != mandate.region_id for a in added):
        raise MandateError(_l("A mandate gathers appeals of one topic and one region."))
    mandate.appeals.extend(added)
    db.session.flush()
    logger.info("Mandate %s: %d appeals added by %s", mandate.id, len(added), user.id if user else None)
    return len(added)


def remove_appeal(mandate: VoterMandate, appeal: Appeal, *, user) -> None:
    """Take an appeal out of a mandate the analyst judged it does not belong to; an adopted mandate keeps its sources."""
    if mandate.point_id is not None:
        raise MandateError(_l("The mandate is part of the programme: its appeals stay behind it."))
    if appeal not in mandate.appeals:
        return
    if len(mandate.appeals) == 1:
        raise MandateError(_l("A mandate keeps at least one appeal."))
    mandate.appeals.remove(appeal)
    db.session.flush()
    logger.info("Mandate %s: appeal %s removed by %s", mandate.id, appeal.id, user.id if user else None)


def adopt_into_point(mandates: list[VoterMandate], *, text_kk: str, text_ru: str, user) -> ProgrammePoint:
    """A new programme point from mandates not yet adopted; each mandate keeps every appeal behind it."""
    if not mandates:
        raise MandateError(_l("Choose at least one mandate."))
    if not (text_kk.strip() and text_ru.strip()):
        raise MandateError(_l("A programme point is written in both Kazakh and Russian."))
    if any(m.point_id is not None for m in mandates):
        raise MandateError(_l("The mandate is already part of the programme."))
    number = (db.session.scalar(select(func.max(ProgrammePoint.number))) or 0) + 1
    point = ProgrammePoint(
        number=number, text_kk=text_kk.strip(), text_ru=text_ru.strip(), created_by_id=user.id if user else None
    )
    db.session.add(point)
    point.mandates = list(mandates)
    db.session.flush()
    logger.info("Programme point %s adopted from mandates %s", point.number, [m.id for m in mandates])
    tell_citizens(point, "mandate_adopted", f"programme-point:{point.id}")
    return point


@dataclass
class Owner:
    kind: OwnerKind
    deputy_id: int | None = None
    branch_id: int | None = None
    body_id: int | None = None
    faction: str = ""


def add_task(
    point: ProgrammePoint,
    *,
    title_kk: str,
    title_ru: str,
    owner: Owner,
    expected_result: str,
    deadline: date,
    inquiry_id: int | None = None,
    evidence_url: str = "",
) -> RoadmapTask:
    """A task of the point's road map, with one owner named as its kind says."""
    named = {
        OwnerKind.deputy: owner.deputy_id,
        OwnerKind.branch: owner.branch_id,
        OwnerKind.body: owner.body_id,
        OwnerKind.faction: owner.faction.strip(),
    }[owner.kind]
    if not named:
        raise MandateError(_l("Name the task's owner."))
    if not (title_kk.strip() or title_ru.strip()):
        raise MandateError(_l("Give the task a title in Kazakh or Russian."))
    task = RoadmapTask(
        point=point,
        title_kk=title_kk.strip(),
        title_ru=title_ru.strip(),
        expected_result=expected_result.strip(),
        owner_kind=owner.kind,
        owner_deputy_id=owner.deputy_id if owner.kind is OwnerKind.deputy else None,
        owner_branch_id=owner.branch_id if owner.kind is OwnerKind.branch else None,
        owner_body_id=owner.body_id if owner.kind is OwnerKind.body else None,
        owner_faction=owner.faction.strip() if owner.kind is OwnerKind.faction else "",
        deadline=deadline,
        status=TaskStatus.planned,
        inquiry_id=inquiry_id,
        evidence_url=evidence_url.strip(),
    )
    db.session.add(task)
    db.session.flush()
    return task


def set_task_status(task: RoadmapTask, status: TaskStatus, *, evidence_url: str | None = None, now=None) -> None:
    """Move a task along; done records when, and a task reopened forgets it."""
    task.status = status
    task.done_dt = (now or utcnow()) if status is TaskStatus.done else None
    if evidence_url is not None:
        task.evidence_url = evidence_url.strip()
    db.session.flush()
    logger.info("Road-map task %s: %s", task.id, status.value)
    if status is TaskStatus.done:
        # Keyed by the task: done, reopened and done again, the citizens still hear once.
        tell_citizens(task.point, "mandate_task_done", f"roadmap-task:{task.id}:done", task=task)


def told_appeals(point: ProgrammePoint) -> list[Appeal]:
    """The appeals through which the point's citizens are told: one per citizen who agreed to hear what comes of
    their appeal (their first appeal behind the point, so each message reaches a person once)."""
    first: dict[int, Appeal] = {}
    for appeal in sorted(point.source_appeals, key=lambda a: a.id):
        citizen = appeal.citizen
        if citizen is not None and citizen.may_be_told and citizen.anonymised_dt is None:
            first.setdefault(citizen.id, appeal)
    return list(first.values())


def tell_citizens(point: ProgrammePoint, event_key: str, key: str, task: RoadmapTask | None = None) -> int:
    """Queue the message about the point (or its task) to every consenting citizen behind it, in their language;
    how many messages were queued (a repeated call queues none: the outbox's dedupe keys)."""
    queued = 0
    for appeal in told_appeals(point):
        title = localized(task, "title", appeal.citizen.language) if task is not None else ""
        queued += notify_citizen(appeal, event_key, key=key, point=str(point.number), task=title)
    return queued


def add_documents(task: RoadmapTask, files: list, *, user) -> list[RoadmapDocument]:
    """Keep checked uploads (appeals.attachments.check_uploads) as the task's evidence; a file not written leaves
    none of this batch behind."""
    rows, written = [], []
    try:
        for f in files:
            key = f"roadmap/{secrets.token_hex(16)}"
            path = attachments.storage_dir() / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(f.data)
            written.append(path)
            rows.append(
                RoadmapDocument(
                    filename=f.filename,
                    content_type=f.content_type,
                    size=len(f.data),
                    sha256=hashlib.sha256(f.data).hexdigest(),
                    storage_key=key,
                    uploaded_by_id=user.id if user else None,
                )
            )
    except OSError:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    task.documents.extend(rows)
    db.session.flush()
    return rows


def document_path(document: RoadmapDocument):
    return attachments.storage_dir() / document.storage_key


def overdue_tasks(today: date, *, deputy_id: int | None = None, branch_ids=None) -> list[RoadmapTask]:
    """Tasks past their deadline and not done, oldest deadline first; only one owner's when asked."""
    query = select(RoadmapTask).where(RoadmapTask.status != TaskStatus.done, RoadmapTask.deadline < today)
    if deputy_id is not None:
        query = query.where(RoadmapTask.owner_deputy_id == deputy_id)
    if branch_ids is not None:
        query = query.where(RoadmapTask.owner_branch_id.in_(branch_ids))
    return list(db.session.scalars(query.order_by(RoadmapTask.deadline, RoadmapTask.id)))


@dataclass
class Progress:
    name: str
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress(points: list[ProgrammePoint]) -> tuple[list[Progress], list[Progress]]:
    """Tasks done of all, by region and by topic of the mandates behind each point (a task counts once per region
    and once per topic it serves). No personal data: only names of places and topics, and counts."""
    regions: dict[str, Progress] = defaultdict(lambda: Progress(""))
    topics: dict[str, Progress] = defaultdict(lambda: Progress(""))
    for point in points:
        region_names = {m.region.name for m in point.mandates if m.region}
        topic_names = {m.topic.name for m in point.mandates}
        for task in point.tasks:
            for table, names in ((regions, region_names), (topics, topic_names)):
                for name in names:
                    row = table[name]
                    row.name = name
                    row.total += 1
                    row.done += task.status is TaskStatus.done
    return sorted(regions.values(), key=lambda p: p.name), sorted(topics.values(), key=lambda p: p.name)


def by_region(mandate: VoterMandate) -> list[tuple[str, str, int]]:
    """How many of the mandate's appeals came from each district: (region, district, count), most first."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for appeal in mandate.appeals:
        region = appeal.region.name if appeal.region else "—"
        counts[(region, appeal.district.name if appeal.district else "—")] += 1
    return sorted(((r, d, n) for (r, d), n in counts.items()), key=lambda row: (-row[2], row[0], row[1]))


@dataclass
class RegionCount:
    """A region's square on the mandate's map (reports/tilemap.py): its appeals, shaded by their number."""

    region: Region
    appeals: int
    #: What the tile map shades and prints: the count, None (grey, "—") where no appeal came from.
    rate: int | None


def map_cells(mandate: VoterMandate) -> list[RegionCount]:
    """Every region with how many of the mandate's appeals came from it. The map has no districts' shapes (no kept
    package has them), so it shows regions; the table beside it gives the districts."""
    counts: dict[int, int] = defaultdict(int)
    for appeal in mandate.appeals:
        if appeal.region_id is not None:
            counts[appeal.region_id] += 1
    return [
        RegionCount(region, counts[region.id], counts[region.id] or None)
        for region in db.session.scalars(select(Region).order_by(Region.id))
    ]
