"""Retention: citizens' personal data is erased RETENTION_YEARS (default 5) after their appeals are closed.

The rule, applied by the daily job `apply_retention` (tasks.py):

- An appeal is *past retention* when it is finished (resolved, rejected, redirected or closed: not in
  OPEN_STATES) and nothing has happened to it — no event on its timeline — for RETENTION_YEARS. The last
  event, not `closed_dt`, is the measure: resolved, rejected and redirected appeals have no `closed_dt`,
  and a reopened-then-closed appeal counts from its last closing.
- A citizen is anonymised only when every one of their appeals is past retention. A citizen with one
  old closed appeal and one recent or open appeal keeps their data (the recent appeal needs it, and the
  old one stays linked to the same person); they are anonymised once the last appeal too is past it.
  Anonymising a citizen blanks the IIN (the next appeal of that person creates a new citizen), the
  name, birth date, phone, e-mail and address; region, district and language stay for statistics.
- An appeal past retention whose citizen is anonymised, or which had no citizen (anonymous appeals
  carry the same kind of free text), loses its free text: summary and text (the full-text index follows:
  PostgreSQL's expression index and SQLite's FTS triggers update with the row), the duplicate-override
  reason, the contacts given with it, its events' comments, its attachments (rows and files), the recipients and texts of its
  outbox messages, the text of in-app notes about it, and the citizen's ratings' comments (with the branch
  head's answers to them). The appeal row itself — branch, number, type,
  topic, region, district, channel, states, deadlines, dates, deputy — stays, and so do its events' kinds,
  states and dates, so every report counts it as before.

Each run audits what it erased (without the erased values) and is idempotent: a second run finds
nothing left to do. Appeal rows are updated directly (not through the ORM) so that `updated_dt` and the
optimistic-lock version, which are about people's edits, do not move.
"""

import logging
from datetime import datetime

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import and_, exists, func, or_, select, update

from ..audit.log import audit
from ..dbtypes import utcnow
from ..extensions import db
from ..public import page_cache
from . import attachments as attachment_files
from .models import Appeal, AppealEvent, AppealFeedback, Attachment, Citizen
from .operations import OPEN_STATES
from .signals import appeal_erasing

logger = logging.getLogger(__name__)

#: What an erased summary reads (the column may not be empty).
ERASED = "—"
#: Rows handled per transaction.
BATCH = 200


def retention_cutoff(now: datetime) -> datetime:
    return now - relativedelta(years=current_app.config["RETENTION_YEARS"])


def _past_retention(cutoff: datetime):
    """A WHERE clause on Appeal: finished, and no event on its timeline since `cutoff`."""
    last_event = select(func.max(AppealEvent.created_dt)).where(AppealEvent.appeal_id == Appeal.id).scalar_subquery()
    return and_(Appeal.state.not_in(OPEN_STATES), func.coalesce(last_event, Appeal.registered_dt) < cutoff)


def erase_past_retention(now: datetime | None = None) -> int:
    """Anonymise citizens and erase appeals' free text past the retention period; returns how many citizens
    and appeals were erased. Commits per batch."""
    now = now or utcnow()
    cutoff = retention_cutoff(now)
    done = 0
    while batch := _citizens_due(cutoff):
        for citizen in batch:
            anonymise_citizen(citizen, now)
        db.session.commit()
        done += len(batch)
    while batch := _appeals_due(cutoff):
        for appeal in batch:
            erase_appeal(appeal)
        db.session.commit()
        done += len(batch)
    if done:
        logger.info("retention: %s citizens and appeals erased (closed before %s)", done, cutoff.date())
    return done


def _citizens_due(cutoff: datetime) -> list[Citizen]:
    kept = select(Appeal.id).where(Appeal.citizen_id == Citizen.id, ~_past_retention(cutoff))
    return list(
        db.session.scalars(
            select(Citizen)
            .where(
                Citizen.anonymised_dt.is_(None),
                exists(select(Appeal.id).where(Appeal.citizen_id == Citizen.id)),
                ~exists(kept),
            )
            .order_by(Citizen.id)
            .limit(BATCH)
        )
    )


def anonymise_citizen(citizen: Citizen, now: datetime, reason: str = "retention") -> None:
    citizen.iin = None
    citizen.full_name = ERASED
    citizen.birth_date = None
    citizen.phone = citizen.email = citizen.address = ""
    citizen.anonymised_dt = now
    audit("citizen.anonymise", citizen, details={"reason": reason})


def _appeals_due(cutoff: datetime) -> list[Appeal]:
    anonymised = exists(select(Citizen.id).where(Citizen.id == Appeal.citizen_id, Citizen.anonymised_dt.is_not(None)))
    not_erased = or_(
        Appeal.summary != ERASED,
        Appeal.text != "",
        Appeal.contact_phone != "",
        Appeal.contact_email != "",
        exists(select(Attachment.id).where(Attachment.appeal_id == Appeal.id)),
    )
    return list(
        db.session.scalars(
            select(Appeal)
            .where(
                _past_retention(cutoff),
                or_(Appeal.citizen_id.is_(None), anonymised),
                not_erased,
            )
            .order_by(Appeal.id)
            .limit(BATCH)
        )
    )


def erase_appeal(appeal: Appeal, reason: str = "retention") -> None:
    db.session.execute(
        Appeal.__table__.update()
        .where(Appeal.id == appeal.id)
        .values(
            summary=ERASED,
            text="",
            duplicate_override_reason="",
            contact_phone="",
            contact_email="",
            updated_dt=Appeal.updated_dt,
        )
    )
    db.session.execute(update(AppealEvent).where(AppealEvent.appeal_id == appeal.id).values(comment=""))
    files = 0
    for attachment in list(appeal.attachments):
        # The file goes first: if the commit then fails, the next run deletes the row (the file is gone).
        attachment_files.path_of(attachment).unlink(missing_ok=True)
        db.session.delete(attachment)
        files += 1
    # What other domains keep about the appeal (messages, notes) they erase themselves.
    appeal_erasing.send(appeal)
    db.session.execute(
        update(AppealFeedback)
        .where(AppealFeedback.appeal_id == appeal.id)
        .values(comment="", reopen_decision_comment="")
    )
    # Direct updates, unseen by the session's change tracking: the kept status page goes out of date here.
    page_cache.appeal_changed(db.session, appeal.id)
    audit("appeal.anonymise", appeal, details={"reason": reason, "attachments": files})
