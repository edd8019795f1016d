"""Filtered lists as files: the appeals list with the filters of its page, within what the user may see.

Columns naming or reaching a citizen are written only for the branch roles that work with citizens (staff and
branch heads, within their branches); analysts and everyone else get the same rows without them."""

from collections.abc import Callable, Iterator
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.models import BRANCH_ROLES
from ..appeals.listing import AppealFilter, conditions, count
from ..appeals.models import Appeal
from ..extensions import db

#: Rows fetched per round trip while writing.
BATCH = 1000


def may_see_personal_data(user) -> bool:
    """Staff and branch heads handle the citizens of their branches (visible_appeals_filter limits the rows)."""
    return user.role in BRANCH_ROLES


def appeal_columns(user) -> list[tuple[str, Callable[[Appeal], object]]]:
    """(header, value) per column, in the reader's language."""
    columns = [
        (_("Number"), lambda a: a.registration_number),
        (_("Registered"), lambda a: a.registered_dt.date().isoformat()),
        (_("Branch"), lambda a: a.branch.name),
        (_("Topic"), lambda a: a.topic.name),
        (_("Channel"), lambda a: a.channel.label),
        (_("State"), lambda a: a.state.label),
        (_("Deadline"), lambda a: a.deadline.isoformat()),
        (_("Deputy"), lambda a: a.deputy.full_name if a.deputy else ""),
    ]
    if may_see_personal_data(user):
        columns += [
            (_("Citizen"), lambda a: a.citizen.full_name if a.citizen else ""),
            (_("Phone"), lambda a: (a.citizen.phone if a.citizen else "") or a.contact_phone),
            (_("Email"), lambda a: (a.citizen.email if a.citizen else "") or a.contact_email),
            (_("Summary"), lambda a: a.summary),
        ]
    return columns


def appeal_count(args, user, now: datetime, today: date) -> int:
    return count(AppealFilter.from_args(args), user, now, today)


def appeal_rows(
    args, user, now: datetime, today: date, progress: Callable[[int], None] | None = None
) -> Iterator[list]:
    """The header, then one row per appeal of the filtered list, the latest registered first; `progress(n)` after each batch."""
    columns = appeal_columns(user)
    yield [header for header, _value in columns]
    base = (
        select(Appeal)
        .where(*conditions(AppealFilter.from_args(args), user, now, today))
        .options(
            joinedload(Appeal.branch), joinedload(Appeal.topic), joinedload(Appeal.deputy), joinedload(Appeal.citizen)
        )
        .order_by(Appeal.id.desc())
        .limit(BATCH)
    )
    # Batches by id (keyset), not one server-side cursor: the progress is committed between batches.
    written, before = 0, None
    while True:
        stmt = base if before is None else base.where(Appeal.id < before)
        batch = db.session.scalars(stmt).unique().all()
        for appeal in batch:
            yield [value(appeal) for _header, value in columns]
        written += len(batch)
        if len(batch) < BATCH:
            break
        before = batch[-1].id
        if progress is not None:
            progress(written)
    if progress is not None:
        progress(written)


def async_threshold() -> int:
    """Exports of at least this many rows run as jobs (config REPORT_EXPORT_ASYNC_ROWS)."""
    return current_app.config["REPORT_EXPORT_ASYNC_ROWS"]
