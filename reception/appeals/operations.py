"""Everything that changes an appeal: registering it and moving it through its lifecycle.

Each transition is a function here; it checks who may make it, requires a reason where the law does,
writes an event row and an audit entry, and is the only way an appeal's state changes.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, event, select, union
from sqlalchemy.orm import Session

from ..accounts.access import visible_branch_ids
from ..accounts.models import Role, User
from ..audit.log import audit
from ..dbtypes import utcnow
from ..directory.models import Branch, Deputy, District, GovernmentBody, Region, Topic
from ..errors import Refused
from ..extensions import db
from ..public import page_cache
from ..versioning import check_version, flush_or_stale
from . import attachments, deadlines, fulltext, name_search, numbering
from .codes import hash_pin, new_pin, new_tracking_code
from .models import (
    AnonymousGround,
    Appeal,
    AppealEvent,
    AppealState,
    AppealType,
    CalendarTransfer,
    CalendarTransferKind,
    Channel,
    Citizen,
    EventKind,
)
from .signals import appeal_changed
from .workdays import WorkCalendar

logger = logging.getLogger(__name__)

S = AppealState
#: The lifecycle: from each state, the states it may move to.
TRANSITIONS: dict[AppealState, frozenset[AppealState]] = {
    S.registered: frozenset({S.routed, S.redirected, S.rejected, S.not_considered}),
    # Back to `registered` is the hand-back: the appeal returns to its branch head's triage.
    S.routed: frozenset({S.in_progress, S.redirected, S.rejected, S.registered}),
    S.in_progress: frozenset({S.inquiry_sent, S.resolved, S.rejected, S.redirected, S.registered}),
    S.inquiry_sent: frozenset({S.answer_received}),
    S.answer_received: frozenset({S.in_progress, S.inquiry_sent, S.resolved, S.rejected}),
    S.resolved: frozenset({S.closed}),
    S.rejected: frozenset({S.closed}),
    S.redirected: frozenset({S.closed}),
    S.closed: frozenset({S.reopened}),
    S.reopened: frozenset({S.routed, S.in_progress}),
    # Only leave_without_consideration() makes this move, for an anonymous appeal without a legal ground.
    S.not_considered: frozenset({S.closed}),
}
#: Where the law wants a reason on record.
REASON_REQUIRED = frozenset({S.rejected, S.redirected, S.reopened, S.registered, S.not_considered})
#: States that decide an appeal (the figures' "decided", its time to decision and its being on time).
DECIDED_STATES = (S.resolved, S.rejected, S.redirected, S.not_considered, S.closed)
#: States in which the appeal is still being worked on (deadlines run, duplicates are flagged).
OPEN_STATES = frozenset({S.registered, S.routed, S.in_progress, S.inquiry_sent, S.answer_received, S.reopened})
#: Which states each kind of actor may move an appeal to (within what they can see).
#: Decided at intake from what the clerk recorded, never picked from an appeal's page.
INTAKE_ONLY_MOVES = frozenset({S.not_considered})
BRANCH_MOVES = frozenset({S.routed, S.redirected, S.rejected, S.closed, S.reopened})
HOLDER_MOVES = frozenset(
    {S.in_progress, S.inquiry_sent, S.answer_received, S.resolved, S.rejected, S.redirected, S.registered}
)
DUPLICATE_WINDOW = timedelta(days=90)
CONSENT_VERSION = "2026-01"


class AppealError(Refused):
    """A refusal about an appeal, shown to the user as is."""


class TransitionNotAllowed(AppealError):
    status = 409


class StaleAppeal(AppealError):
    status = 409


# --- the calendar -------------------------------------------------------------------------------


def work_calendar() -> WorkCalendar:
    """Weekends and public holidays, adjusted by the government transfers stored in the database."""
    rows = db.session.execute(select(CalendarTransfer.day, CalendarTransfer.kind)).all()
    return WorkCalendar(
        extra_days_off=frozenset(d for d, k in rows if k == CalendarTransferKind.day_off),
        extra_working_days=frozenset(d for d, k in rows if k == CalendarTransferKind.working_day),
    )


def recompute_deadlines(calendar: WorkCalendar | None = None) -> int:
    """Recompute the deadline of every open appeal after the calendar changed; returns how many moved."""
    calendar = calendar or work_calendar()
    moved = 0
    stmt = select(Appeal).where(Appeal.state.in_(OPEN_STATES), Appeal.extended_until.is_(None))
    for appeal in db.session.scalars(stmt.execution_options(yield_per=500)):
        start = deadlines.counting_start(appeal.registered_dt, calendar)
        deadline = deadlines.decision_deadline(appeal.registered_dt, calendar)
        if (start, deadline) != (appeal.counting_from, appeal.deadline):
            # A calendar fix is not an edit of the appeal: keep its version, so open forms stay valid.
            db.session.execute(
                Appeal.__table__.update().where(Appeal.id == appeal.id).values(counting_from=start, deadline=deadline)
            )
            page_cache.appeal_changed(db.session, appeal.id)  # the status page shows the deadline
            moved += 1
    return moved


def set_calendar_transfer(day: date, kind: CalendarTransferKind | None, *, note: str = "", user=None) -> int:
    """Add, change or (kind=None) remove a transfer day, then recompute open deadlines."""
    row = db.session.scalar(select(CalendarTransfer).where(CalendarTransfer.day == day))
    if kind is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(CalendarTransfer(day=day, kind=kind, note=note, created_by_id=user.id if user else None))
    else:
        row.kind, row.note = kind, note
    db.session.flush()
    audit("calendar.transfer", user=user, details={"day": day.isoformat(), "kind": kind.value if kind else None})
    return recompute_deadlines()


# --- citizens -----------------------------------------------------------------------------------


#: session.info key: the citizens looked up by IIN in the current transaction (None for "no such citizen").
_CITIZENS_BY_IIN = "reception.citizens_by_iin"


def find_citizen(iin: str) -> Citizen | None:
    """The citizen with this IIN, read once per transaction: an intake asks three times (its duplicate check, the
    record's rules, the recording), and the identity map cannot answer a look-up by IIN."""
    known = db.session.info.setdefault(_CITIZENS_BY_IIN, {})
    if iin not in known:
        known[iin] = db.session.scalar(select(Citizen).where(Citizen.iin == iin))
    return known[iin]


@event.listens_for(Session, "after_transaction_end")
def _forget_citizens(session: Session, transaction) -> None:
    # Another transaction may record or change the citizen after this one ends (a rolled-back intake retries
    # after a concurrent one recorded the same IIN); a savepoint's end forgets too, in case it is rolled back.
    # A flush's own inner transaction ends here as well, and keeps what was read.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_CITIZENS_BY_IIN, None)


@dataclass
class CitizenData:
    iin: str
    full_name: str
    birth_date: date | None
    phone: str
    email: str
    address: str
    region: Region | None
    district: District | None
    language: str
    may_be_named: bool = False
    #: May be told what comes of the appeal (a mandate it fed became a programme point, its task was done).
    may_be_told: bool = False


def record_citizen(data: CitizenData, *, taken_by: User | None, consent: bool) -> Citizen:
    """The citizen with this IIN, created or brought up to date, with their consent on record."""
    if not consent:
        raise AppealError(_l("The citizen's consent to the processing of personal data is required."))
    values = {
        "full_name": data.full_name.strip(),
        "birth_date": data.birth_date,
        "phone": data.phone,
        "email": data.email.strip().lower(),
        "address": data.address.strip(),
        "region": data.region,
        "district": data.district,
        "language": data.language,
        "consent_dt": utcnow(),
        "consent_taken_by_id": taken_by.id if taken_by else None,
        "consent_version": CONSENT_VERSION,
        "may_be_named": data.may_be_named,
        "may_be_told": data.may_be_told,
    }
    # Everything is computed before the row joins the session, so no autoflush sees it half-filled.
    citizen = find_citizen(data.iin)
    if citizen is None:
        citizen = Citizen(iin=data.iin, **values)
        db.session.add(citizen)
        db.session.info.setdefault(_CITIZENS_BY_IIN, {})[data.iin] = citizen
    else:
        for key, value in values.items():
            setattr(citizen, key, value)
    return citizen


def possible_duplicates(citizen: Citizen | None, topic: Topic, now: datetime | None = None) -> list[Appeal]:
    """Open appeals of the same citizen on the same topic from the last 90 days."""
    if citizen is None or citizen.id is None:
        return []
    since = (now or utcnow()) - DUPLICATE_WINDOW
    return list(
        db.session.scalars(
            select(Appeal)
            .where(
                Appeal.citizen_id == citizen.id,
                Appeal.topic_id == topic.id,
                Appeal.state.in_(OPEN_STATES),
                Appeal.registered_dt >= since,
            )
            .order_by(Appeal.registered_dt.desc())
        )
    )


# --- registering --------------------------------------------------------------------------------


def next_sequence(branch: Branch, year: int) -> int:
    """The next registration sequence of a branch in a year; its counter row stays locked until the commit."""
    return numbering.next_sequence(db.session, branch.id, year)


def registration_number(branch: Branch, year: int, sequence: int) -> str:
    return numbering.registration_number(branch.code, year, sequence)


@dataclass
class Registered:
    appeal: Appeal
    #: The PIN in clear, shown once on the receipt and never stored.
    pin: str
    #: The appeal's id and (once taken) registration number, still known after the commit has expired the
    #: appeal's attributes: the intake's redirect and message need no SELECT of the appeal again.
    appeal_id: int | None = None
    number: str | None = None


def register_appeal(
    *,
    branch: Branch,
    citizen: Citizen | None,
    type: AppealType,
    topic: Topic,
    summary: str,
    text: str,
    channel: Channel,
    language: str,
    region: Region | None = None,
    district: District | None = None,
    is_collective: bool = False,
    cosigners: int = 0,
    registered_by: User | None = None,
    duplicate_override_reason: str = "",
    contact_phone: str | None = None,
    contact_email: str | None = None,
    now: datetime | None = None,
    number_at_commit: bool = False,
    anonymous_ground: AnonymousGround | None = None,
) -> Registered:
    """Register an appeal: number, tracking code, PIN, deadline, first event. The caller commits.

    With `number_at_commit` the registration number is taken when the session commits (numbering.py), so
    the branch's counter is not locked for the rest of the caller's transaction; until then the appeal has a
    provisional number, and the caller must not show it."""
    if is_collective and cosigners < 2:
        raise AppealError(_l("A collective appeal has at least two co-signers."))
    if not is_collective:
        cosigners = 0
    if district is not None and region is not None and district.region_id != region.id:
        raise AppealError(_l("The district is not in the chosen region."))
    if district is not None and region is None:
        region = district.region
    now = now or utcnow()
    calendar = work_calendar()
    year = deadlines.local_date(now).year
    sequence = None if number_at_commit else next_sequence(branch, year)
    pin = new_pin()
    appeal = Appeal(
        registration_number=None if sequence is None else registration_number(branch, year, sequence),
        branch=branch,
        year=year,
        sequence=sequence,
        # 50 random bits: a clash is astronomically rare, and the unique index refuses it (intake then retries).
        tracking_code=new_tracking_code(),
        pin_hash=hash_pin(pin, current_app.config["PIN_HMAC_KEY"]),
        citizen=citizen,
        # Messages about the appeal go to the contacts given with it; by default the citizen's on record.
        contact_phone=(citizen.phone if citizen else "") if contact_phone is None else contact_phone,
        contact_email=(citizen.email if citizen else "") if contact_email is None else contact_email.strip().lower(),
        type=type,
        topic=topic,
        summary=summary.strip(),
        text=text.strip(),
        channel=channel,
        language=language,
        region=region,
        district=district,
        is_collective=is_collective,
        cosigners=cosigners,
        state=S.registered,
        registered_dt=now,
        registered_by_id=registered_by.id if registered_by else None,
        updated_by_id=registered_by.id if registered_by else None,
        counting_from=deadlines.counting_start(now, calendar),
        deadline=deadlines.decision_deadline(now, calendar),
        duplicate_override_reason=duplicate_override_reason.strip(),
        # Only an appeal without a citizen has a ground to be considered anonymously.
        anonymous_ground=anonymous_ground if citizen is None else None,
    )
    if number_at_commit:
        numbering.provisional(appeal)  # before anything can flush the appeal
    db.session.add(appeal)
    appeal.events.append(
        AppealEvent(
            kind=EventKind.transition,
            from_state=None,
            to_state=S.registered,
            user_id=appeal.registered_by_id,
            is_public=True,
            created_dt=now,
        )
    )
    db.session.flush()
    registered = Registered(appeal=appeal, pin=pin, appeal_id=appeal.id)

    def record() -> None:
        registered.number = appeal.registration_number
        audit(
            "appeal.register",
            appeal,
            user=registered_by,
            details={"number": appeal.registration_number, "duplicate_override": bool(duplicate_override_reason)},
        )
        logger.info("appeal %s registered by %s", appeal.registration_number, registered_by)

    numbering.when_numbered(appeal, record)
    return registered


# --- who sees and moves what ---------------------------------------------------------------------


def deputy_ids_of(user: User) -> set[int]:
    """The deputies whose queue `user` works: their own, or those an assistant acts for."""
    if user.role == Role.deputy and user.deputy_id:
        return {user.deputy_id}
    if user.role == Role.assistant:
        return {d.id for d in user.deputies}
    return set()


def visible_appeals_filter(user: User):
    """A WHERE clause limiting appeals to those `user` may see; denies by default."""
    if user.role in (Role.admin, Role.analyst):
        return and_(True)
    if user.role in (Role.staff, Role.branch_head):
        ids = visible_branch_ids(user) or set()
        return Appeal.branch_id.in_(ids)
    deputies = deputy_ids_of(user)
    if deputies:
        return Appeal.deputy_id.in_(deputies)
    return and_(False)


def can_see(user: User, appeal: Appeal) -> bool:
    if user.role in (Role.admin, Role.analyst):
        return True
    if user.role in (Role.staff, Role.branch_head):
        return appeal.branch_id in (visible_branch_ids(user) or set())
    return appeal.deputy_id is not None and appeal.deputy_id in deputy_ids_of(user)


def moves_for(user: User, appeal: Appeal) -> frozenset[AppealState]:
    """The states `user` may move this appeal to right now."""
    if not can_see(user, appeal):
        return frozenset()
    possible = TRANSITIONS[appeal.state] - INTAKE_ONLY_MOVES
    if user.role in (Role.admin, Role.branch_head):
        return possible
    if user.role == Role.staff:
        return possible & BRANCH_MOVES
    if user.role in (Role.deputy, Role.assistant):
        return possible & HOLDER_MOVES
    return frozenset()


#: Who decides on an extension. APPK art. 76 (as quoted in reception/appeals/deadlines.py) names "руководителя
#: административного органа или его заместителя" (the head of the body or the head's deputy): here the branch head
#: for the branch's appeals. The deputy (member of a representative body) holding the appeal is this project's own
#: addition, as the one answerable for the answer, not words of the Code. Not an assistant, a clerk or the central
#: office's administrator: they prepare, the one answerable for the decision signs.
EXTENDING_ROLES = frozenset({Role.branch_head, Role.deputy})


def may_decide_extension(user: User, appeal: Appeal) -> bool:
    """Whether `user` is one of those the law lets extend this appeal's term (the date aside)."""
    if user.role == Role.branch_head:
        return can_see(user, appeal)
    return user.role == Role.deputy and appeal.deputy_id is not None and appeal.deputy_id == user.deputy_id


def can_extend(user: User, appeal: Appeal, today: date | None = None) -> bool:
    """Whether `user` may extend the deadline now: the branch head or the holding deputy, while the appeal is
    open and its deadline has not passed (the APPK lets an extension be decided within the term, not after it)."""
    today = today or deadlines.local_date(utcnow())
    return (
        may_decide_extension(user, appeal)
        and appeal.state in OPEN_STATES
        and not deadlines.is_overdue(appeal.deadline, today)
    )


def transition(
    appeal: Appeal,
    to_state: AppealState,
    *,
    user: User | None,
    comment: str = "",
    is_public: bool = True,
    expected_version: int | None = None,
    deputy: Deputy | None = None,
) -> AppealEvent:
    """Move `appeal` to `to_state` on behalf of `user` (None: the system itself, e.g. routing rules)."""
    check_version(appeal, expected_version, _stale)
    if to_state not in TRANSITIONS[appeal.state]:
        raise TransitionNotAllowed(
            _l(
                "An appeal in state “%(state)s” cannot become “%(target)s”.",
                state=appeal.state.label,
                target=to_state.label,
            )
        )
    if user is not None and to_state not in moves_for(user, appeal):
        raise TransitionNotAllowed(_l("You may not move this appeal to “%(target)s”.", target=to_state.label))
    comment = comment.strip()
    if to_state in REASON_REQUIRED and not comment:
        raise AppealError(_l("Give the reason: the law requires it for this decision."))
    if to_state == S.redirected and appeal.redirected_to_id is None and appeal.redirected_to is None:
        raise AppealError(_l("Choose the competent body the appeal goes to."))
    if to_state == S.routed:
        if deputy is None:
            raise AppealError(_l("Choose the deputy the appeal goes to."))
        appeal.deputy = deputy
        appeal.triage_branch = None
    if to_state == S.registered:
        # Handed back ("not mine"): to the branch head's triage, never into a void.
        appeal.deputy = None
        appeal.triage_branch = appeal.branch
    user_id = user.id if user is not None else None
    now = utcnow()
    event = AppealEvent(
        created_dt=now,
        kind=EventKind.transition,
        from_state=appeal.state,
        to_state=to_state,
        user_id=user_id,
        comment=comment,
        is_public=is_public,
    )
    appeal.events.append(event)
    before = appeal.state
    appeal.state = to_state
    appeal.updated_by_id = user_id
    if to_state == S.closed:
        appeal.closed_dt = utcnow()
    if to_state == S.reopened:
        appeal.closed_dt = None
        # A reopened appeal is decided again: its time to decision counts to the decision that stands (the
        # one the citizen finally got), so the earlier one is forgotten here and set anew below at the next.
        appeal.decided_dt = None
    elif to_state in DECIDED_STATES and appeal.decided_dt is None:
        # Kept on later moves between decided states (resolved, then closed): the decision is the first one.
        appeal.decided_dt = now
    flush_or_stale(appeal, _stale)
    audit("appeal.transition", appeal, user=user, details={"from": before.value, "to": to_state.value})
    appeal_changed.send(appeal, event=event)
    return event


# Named transitions: what the UI and other domains call. Each is the lifecycle's one way to its state.


def route_appeal(
    appeal: Appeal, deputy: Deputy, *, user: User | None, comment: str = "", expected_version=None
) -> AppealEvent:
    """Send the appeal to a deputy's queue (again, after a reopening)."""
    return transition(appeal, S.routed, user=user, comment=comment, deputy=deputy, expected_version=expected_version)


def hand_back(appeal: Appeal, *, user: User, reason: str, expected_version=None) -> AppealEvent:
    """The holder says "not mine": the appeal returns to its branch head's triage, with the reason."""
    return transition(
        appeal, S.registered, user=user, comment=reason, is_public=False, expected_version=expected_version
    )


def reroute_appeal(appeal: Appeal, deputy: Deputy, *, user: User, reason: str, expected_version=None) -> AppealEvent:
    """A branch head (or the central office) moves the appeal to another deputy, with the reason."""
    if user.role not in (Role.branch_head, Role.admin):
        raise TransitionNotAllowed(_l("Only a branch head or the central office may reroute an appeal."))
    if not reason.strip():
        raise AppealError(_l("Give the reason: the law requires it for this decision."))
    if appeal.state != S.registered:
        hand_back(appeal, user=user, reason=reason, expected_version=expected_version)
    return route_appeal(appeal, deputy, user=user, comment=reason)


def take_into_work(
    appeal: Appeal, *, user: User, comment: str = "", is_public: bool = True, expected_version=None
) -> AppealEvent:
    return transition(
        appeal, S.in_progress, user=user, comment=comment, is_public=is_public, expected_version=expected_version
    )


def mark_inquiry_sent(
    appeal: Appeal, *, user: User, comment: str = "", is_public: bool = True, expected_version=None
) -> AppealEvent:
    return transition(
        appeal, S.inquiry_sent, user=user, comment=comment, is_public=is_public, expected_version=expected_version
    )


def record_answer(
    appeal: Appeal, *, user: User, comment: str = "", is_public: bool = True, expected_version=None
) -> AppealEvent:
    return transition(
        appeal, S.answer_received, user=user, comment=comment, is_public=is_public, expected_version=expected_version
    )


def resolve_appeal(
    appeal: Appeal, *, user: User, comment: str = "", is_public: bool = True, expected_version=None
) -> AppealEvent:
    return transition(
        appeal, S.resolved, user=user, comment=comment, is_public=is_public, expected_version=expected_version
    )


def reject_appeal(
    appeal: Appeal, *, user: User, reason: str, is_public: bool = True, expected_version=None
) -> AppealEvent:
    """Refuse the appeal; the reason is required and shown to the citizen."""
    return transition(
        appeal, S.rejected, user=user, comment=reason, is_public=is_public, expected_version=expected_version
    )


def redirect_appeal(
    appeal: Appeal, body: GovernmentBody, letter_number: str = "", *, user: User, reason: str, expected_version=None
) -> AppealEvent:
    """Forward the appeal to the body competent to decide it (within 3 working days by law); the citizen sees
    where it went. The forwarding letter and its number come from the outgoing register (letters/); a
    `letter_number` is typed only for a letter sent outside the system."""
    if body is None:
        raise AppealError(_l("Choose the competent body the appeal goes to."))
    # Checked before anything is set: a lazy load in the transition may autoflush and move the version on.
    check_version(appeal, expected_version, _stale)
    appeal.redirected_to = body
    appeal.outgoing_letter_number = letter_number.strip()
    typed = f", № {appeal.outgoing_letter_number}" if appeal.outgoing_letter_number else ""
    comment = f"{reason.strip()} — {body.name}{typed}" if reason.strip() else ""
    return transition(appeal, S.redirected, user=user, comment=comment)


def leave_without_consideration(appeal: Appeal, *, user: User | None) -> AppealEvent:
    """An anonymous appeal that reports neither a crime nor a threat to state or public security is registered
    and left without consideration (APPK art. 64 p. 2): the step, with the legal reason, is on its timeline."""
    if not appeal.is_anonymous or appeal.anonymous_ground != AnonymousGround.no_ground:
        raise TransitionNotAllowed(
            _l("Only an anonymous appeal that reports neither a crime nor a threat is left without consideration.")
        )
    # The system's move (the reason is the law, not a choice on the appeal's page); the clerk is on record.
    event = transition(appeal, S.not_considered, user=None, comment=str(NOT_CONSIDERED_REASON), is_public=True)
    event.user_id = user.id if user is not None else None
    return event


#: The legal reason on the timeline of an anonymous appeal left without consideration (stored in the clerk's
#: language; the citizen's status page words it in theirs).
NOT_CONSIDERED_REASON = _l(
    "Anonymous appeal: left without consideration, as it reports neither a crime being prepared or committed nor "
    "a threat to state or public security (APPK art. 64 p. 2)."
)


def close_appeal(
    appeal: Appeal, *, user: User, comment: str = "", is_public: bool = True, expected_version=None
) -> AppealEvent:
    return transition(
        appeal, S.closed, user=user, comment=comment, is_public=is_public, expected_version=expected_version
    )


def reopen_appeal(
    appeal: Appeal, *, user: User, reason: str, is_public: bool = True, expected_version=None
) -> AppealEvent:
    """Reopen a closed appeal on the citizen's justified complaint; the reason is required."""
    return transition(
        appeal, S.reopened, user=user, comment=reason, is_public=is_public, expected_version=expected_version
    )


@dataclass
class Move:
    """What a page's form says about a move: the comment (a reason where the law wants one), whether the
    citizen sees the step and reads its comment, the deputy or the competent body the move needs, and the
    files of a written answer."""

    comment: str = ""
    is_public: bool = True
    comment_public: bool = True
    deputy: Deputy | None = None
    body: GovernmentBody | None = None
    letter_number: str = ""
    files: tuple = ()


#: The named operation behind each target state, for pages that offer a move by its target.
MOVES: dict[AppealState, Callable[..., AppealEvent]] = {
    S.registered: lambda a, m, **kw: hand_back(a, reason=m.comment, **kw),
    S.routed: lambda a, m, **kw: route_appeal(a, m.deputy, comment=m.comment, **kw),
    S.in_progress: lambda a, m, **kw: take_into_work(a, comment=m.comment, is_public=m.is_public, **kw),
    S.inquiry_sent: lambda a, m, **kw: mark_inquiry_sent(a, comment=m.comment, is_public=m.is_public, **kw),
    S.answer_received: lambda a, m, **kw: record_answer(a, comment=m.comment, is_public=m.is_public, **kw),
    S.resolved: lambda a, m, **kw: resolve_appeal(a, comment=m.comment, is_public=m.is_public, **kw),
    S.rejected: lambda a, m, **kw: reject_appeal(a, reason=m.comment, is_public=m.is_public, **kw),
    S.redirected: lambda a, m, **kw: redirect_appeal(a, m.body, m.letter_number, reason=m.comment, **kw),
    S.closed: lambda a, m, **kw: close_appeal(a, comment=m.comment, is_public=m.is_public, **kw),
    S.reopened: lambda a, m, **kw: reopen_appeal(a, reason=m.comment, is_public=m.is_public, **kw),
}


#: Moves whose text is the answer the citizen reads (on the status page) and which may carry the files of a
#: written answer: the body's answer, the decision, the refusal and the forwarding.
WRITTEN_ANSWERS = frozenset({S.answer_received, S.resolved, S.rejected, S.redirected})
#: Moves whose comment the citizen never reads: the rule or reason behind a routing or a hand-back.
INTERNAL_COMMENTS = frozenset({S.routed, S.registered})


def move_appeal(appeal: Appeal, target: AppealState, move: Move, *, user: User, expected_version=None) -> AppealEvent:
    """Move the appeal to `target` through that state's named operation; a written answer's files (checked
    uploads) are stored with the step. The caller commits, or removes the stored files if it cannot."""
    if move.files and target not in WRITTEN_ANSWERS:
        raise TransitionNotAllowed(_l("Files go with a decision or an answer only."))
    event = MOVES[target](appeal, move, user=user, expected_version=expected_version)
    # A written answer is the citizen's to read; an internal note stays with the staff.
    event.comment_public = target in WRITTEN_ANSWERS or (move.comment_public and target not in INTERNAL_COMMENTS)
    if move.files:
        for row in attachments.store(appeal, list(move.files), user.id):
            row.event = event
    return event


def extend_deadline(
    appeal: Appeal,
    until: date,
    *,
    user: User,
    reason: str,
    expected_version: int | None = None,
    today: date | None = None,
) -> AppealEvent:
    """A reasoned extension, decided before the deadline, at most two months after registration; the citizen
    must be told in 3 working days."""
    check_version(appeal, expected_version, _stale)
    today = today or deadlines.local_date(utcnow())
    if deadlines.is_overdue(appeal.deadline, today) and appeal.state in OPEN_STATES:
        raise TransitionNotAllowed(
            _l(
                "The deadline passed on %(date)s: an extension is decided before the deadline, not after.",
                date=appeal.deadline.strftime("%d.%m.%Y"),
            )
        )
    if not may_decide_extension(user, appeal):
        raise TransitionNotAllowed(
            _l("Only the head of the branch or the deputy holding the appeal may extend its deadline.")
        )
    if not can_extend(user, appeal, today):
        raise TransitionNotAllowed(_l("You may not extend this appeal's deadline."))
    if not reason.strip():
        raise AppealError(_l("Give the reason: the law requires it for this decision."))
    if until <= appeal.deadline:
        raise AppealError(_l("The new deadline must be later than the current one."))
    limit = deadlines.latest_extension(appeal.registered_dt)
    if until > limit:
        raise AppealError(
            _l(
                "An extension may not go past %(date)s (two months after registration).",
                date=limit.strftime("%d.%m.%Y"),
            )
        )
    previous = appeal.deadline
    appeal.extended_until = until
    appeal.deadline = until
    appeal.updated_by_id = user.id
    event = AppealEvent(
        kind=EventKind.extension,
        from_state=appeal.state,
        to_state=appeal.state,
        user_id=user.id,
        comment=reason.strip(),
        is_public=True,
    )
    appeal.events.append(event)
    flush_or_stale(appeal, _stale)
    notify_by = deadlines.extension_notice_deadline(deadlines.local_date(utcnow()), work_calendar())
    audit(
        "appeal.extend",
        appeal,
        user=user,
        details={"from": previous.isoformat(), "to": until.isoformat(), "notify_citizen_by": notify_by.isoformat()},
    )
    appeal_changed.send(appeal, event=event)
    return event


def _stale(appeal: Appeal) -> StaleAppeal:
    from ..i18n import local_time

    who = appeal.updated_by_user.full_name if appeal.updated_by_user else "—"
    return StaleAppeal(
        _l(
            "This appeal was changed by %(who)s at %(when)s. Reload the page to see the changes.",
            who=who,
            when=local_time(appeal.updated_dt),
        )
    )


#: An IIN as staff type it (spaces allowed): searched on the citizens' unique index alone.
IIN_QUERY = re.compile(r"^\d{12}$")
#: A registration number, "ALM-03/2026/000153": searched on its unique index alone.
REGISTRATION_QUERY = re.compile(r"^[A-Z]{2,4}-\d{2}[A-Z0-9.\-]*/\d{4}/\d{1,6}$")


def search_branches(query: str) -> list:
    """The WHERE clauses whose union is what `query` finds, each answerable from its own index.

    A query shaped like a tracking code, an IIN or a registration number is one clause on that column's index. Any
    other query is two: the citizen's name (the trigram index, name_search.py) and the words of the summary and text
    (the full-text index). They stay two queries whose ids are united: one OR of them in a WHERE lets neither index
    apply, and the plan then walks every appeal."""
    from .codes import normalize_tracking_code

    query = query.strip()
    code = normalize_tracking_code(query)
    if code:
        return [Appeal.tracking_code == code]
    if IIN_QUERY.match(query.replace(" ", "")):
        return [Appeal.citizen_id.in_(select(Citizen.id).where(Citizen.iin == query.replace(" ", "")))]
    if REGISTRATION_QUERY.match(query.upper()):
        return [Appeal.registration_number == query.upper()]
    return [name_search.matches(query), fulltext.matches(query, db.session.get_bind().dialect.name)]


def search_subsets(query: str) -> list:
    """For each of search_branches(query), a WHERE clause matching only appeals that branch matches too, cheaper
    to gather from its index (or None): more than so many of it means more than so many of the branch.

    The name's is the names that start with the query (a range of a B-tree, where the trigram index gathers every
    name holding a common ending's trigrams); a surname searched is usually the name's first word. The words' is
    the words as whole words: a prefix scan of GIN first collects every entry under the prefix, about twice the work
    of one word's posting list, and a word common enough to pass the cap as a prefix is nearly always common as a
    word. When the subset is below the cap, the branch itself decides, as before."""
    branches = search_branches(query)
    if len(branches) == 1:
        return [None]
    query = query.strip()
    dialect = db.session.get_bind().dialect.name
    return [name_search.starts_with(query), fulltext.matches(query, dialect, prefix=False)]


def search_filter(query: str):
    """One WHERE clause: appeals matching a registration number, tracking code, citizen name or IIN, or words of
    the summary and text (see search_branches); several branches are united by id, each still on its index."""
    branches = search_branches(query)
    if len(branches) == 1:
        return branches[0]
    return Appeal.id.in_(union(*(select(Appeal.id).where(branch) for branch in branches)))
