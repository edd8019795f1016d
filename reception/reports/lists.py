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
from ..formkit import int_id

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


def inquiry_filter(args):
    """The inquiries registry's filter from its query string (as its page reads it)."""
    from ..inquiries.models import AnswerAssessment, InquiryState
    from ..inquiries.registry import RegistryFilter

    def member(enum, value):
        return enum(value) if value in {m.value for m in enum} else None

    return RegistryFilter(
        addressee_id=int_id(args.get("addressee", "")),
        deputy_id=int_id(args.get("deputy", "")),
        state=member(InquiryState, args.get("state", "")),
        topic_id=int_id(args.get("topic", "")),
        overdue=args.get("overdue") == "1",
        assessment=member(AnswerAssessment, args.get("assessment", "")),
    )


def inquiry_rows(args, user, today: date) -> Iterator[list]:
    """The header, then one row per inquiry of the filtered registry, newest first. Inquiries carry no citizen's
    data (their drafting refuses it, inquiries/operations.check_personal_data), so every role gets every column."""
    from ..inquiries import registry
    from ..inquiries.models import Inquiry

    yield [
        _("Outgoing number"), _("Author"), _("Addressee"), _("Subject"), _("Topic"), _("State"),
        _("Sent"), _("Answer due"), _("Answered"), _("Assessment of the answer"),
    ]  # fmt: skip
    stmt = (
        registry._filtered(user, inquiry_filter(args), today)  # the registry page's own WHERE
        .options(joinedload(Inquiry.author), joinedload(Inquiry.addressee), joinedload(Inquiry.topic))
        .order_by(Inquiry.id.desc())
    )
    for inquiry in db.session.scalars(stmt).unique():
        yield [
            inquiry.outgoing_number,
            inquiry.author.full_name,
            inquiry.addressee.name,
            inquiry.subject,
            inquiry.topic.name if inquiry.topic else "",
            inquiry.state.label,
            inquiry.sent_date.isoformat() if inquiry.sent_date else "",
            inquiry.answer_due.isoformat() if inquiry.answer_due else "",
            inquiry.answer_date.isoformat() if inquiry.answer_date else "",
            inquiry.answer_assessment.label if inquiry.answer_assessment else "",
        ]
