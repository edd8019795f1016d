"""The registry of inquiries: filters, counts, and how well each addressee answers."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User
from ..directory.models import GovernmentBody
from ..extensions import db
from . import operations as ops
from .models import AnswerAssessment, Inquiry, InquiryState, inquiry_cosigners

PAGE_SIZE = 50


@dataclass
class RegistryFilter:
    addressee_id: int | None = None
    deputy_id: int | None = None
    state: InquiryState | None = None
    topic_id: int | None = None
    overdue: bool = False
    assessment: AnswerAssessment | None = None


def _filtered(user: User, f: RegistryFilter, today: date, *, skip_state: bool = False):
    stmt = select(Inquiry).where(ops.visible_filter(user))
    if f.addressee_id is not None:
        stmt = stmt.where(Inquiry.addressee_id == f.addressee_id)
    if f.deputy_id is not None:
        cosigned = select(inquiry_cosigners.c.inquiry_id).where(inquiry_cosigners.c.deputy_id == f.deputy_id)
        stmt = stmt.where((Inquiry.author_id == f.deputy_id) | Inquiry.id.in_(cosigned))
    if f.state is not None and not skip_state:
        stmt = stmt.where(Inquiry.state == f.state)
    if f.topic_id is not None:
        stmt = stmt.where(Inquiry.topic_id == f.topic_id)
    if f.overdue:
        stmt = stmt.where(ops.overdue_clause(today))
    if f.assessment is not None:
        stmt = stmt.where(Inquiry.answer_assessment == f.assessment)
    return stmt


def page(user: User, f: RegistryFilter, today: date, before_id: int | None = None) -> tuple[list[Inquiry], int | None]:
    """Newest first, keyset by id; returns the rows and the id to continue before."""
    stmt = (
        _filtered(user, f, today)
        .options(
            joinedload(Inquiry.author),
            joinedload(Inquiry.addressee),
            joinedload(Inquiry.topic),
            selectinload(Inquiry.cosigners),
        )
        .order_by(Inquiry.id.desc())
    )
    if before_id is not None:
        stmt = stmt.where(Inquiry.id < before_id)
    rows = list(db.session.scalars(stmt.limit(PAGE_SIZE + 1)).unique())
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].id if more and rows else None)


def counts_by_state(user: User, f: RegistryFilter, today: date) -> dict[InquiryState, int]:
    """How many of the filtered inquiries are in each state (the state filter itself aside)."""
    inner = _filtered(user, f, today, skip_state=True).subquery()
    rows = db.session.execute(select(inner.c.state, func.count()).group_by(inner.c.state))
    return {InquiryState(s) if not isinstance(s, InquiryState) else s: n for s, n in rows}


def overdue_list(user: User, today: date, limit: int = 20) -> list[Inquiry]:
    """Sent, unanswered, past the deadline: for the deputy's queue page and the central office's board."""
    stmt = (
        select(Inquiry)
        .where(ops.visible_filter(user), ops.overdue_clause(today))
        .options(joinedload(Inquiry.author), joinedload(Inquiry.addressee))
        .order_by(Inquiry.answer_due, Inquiry.id)
    )
    return list(db.session.scalars(stmt.limit(limit)))


def overdue_preview(user: User, today: date, limit: int) -> tuple[list[Inquiry], int]:
    """The first `limit` of overdue_list and how many there are in all, in one statement (the board's)."""
    stmt = (
        select(Inquiry, func.count().over())
        .where(ops.visible_filter(user), ops.overdue_clause(today))
        .options(joinedload(Inquiry.author), joinedload(Inquiry.addressee))
        .order_by(Inquiry.answer_due, Inquiry.id)
        .limit(limit)
    )
    # The window counts every row the WHERE keeps, before the LIMIT; no row at all means none is overdue.
    rows = db.session.execute(stmt).all()
    return [inquiry for inquiry, _total in rows], (rows[0][1] if rows else 0)


@dataclass
class AddresseeRecord:
    body: GovernmentBody
    sent: int
    answered: int
    substantive: int
    formal: int
    overdue: int

    @property
    def substantive_share(self) -> float | None:
        """Substantive answers among those answered; None while nothing is answered."""
        return self.substantive / self.answered if self.answered else None


def by_addressee(user: User, today: date) -> list[AddresseeRecord]:
    """For each addressee: inquiries sent, answered, answered in substance, formal replies, overdue."""
    was_sent = Inquiry.sent_date.is_not(None)
    answered = Inquiry.answer_assessment.is_not(None)
    stmt = (
        select(
            Inquiry.addressee_id,
            func.count().filter(was_sent),
            func.count().filter(answered),
            func.sum(case((Inquiry.answer_assessment == AnswerAssessment.substantive, 1), else_=0)),
            func.sum(case((Inquiry.answer_assessment == AnswerAssessment.formal, 1), else_=0)),
            func.sum(case((ops.overdue_clause(today), 1), else_=0)),
        )
        .where(ops.visible_filter(user), was_sent)
        .group_by(Inquiry.addressee_id)
    )
    rows = db.session.execute(stmt).all()
    bodies = {
        b.id: b for b in db.session.scalars(select(GovernmentBody).where(GovernmentBody.id.in_([r[0] for r in rows])))
    }
    records = [AddresseeRecord(bodies[r[0]], r[1], r[2], r[3] or 0, r[4] or 0, r[5] or 0) for r in rows]
    return sorted(records, key=lambda r: (-r.sent, r.body.name))
