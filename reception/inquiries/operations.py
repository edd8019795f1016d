"""Everything that changes an inquiry: drafting, editing, its lifecycle, and the answer that closes the loop.

Who may do what:
- the author deputy, the co-signing deputies, and the assistants acting for any of them are the inquiry's
  participants: they see it, edit its draft, submit it for review, record it as sent and record the answer;
- only the author deputy approves it and withdraws it;
- administrators (the central office) see every inquiry and may record an answer that arrived at the office;
  analysts and the central office's head see every inquiry, a branch head those drafted from their branches'
  appeals; nobody else sees any.
"""

import logging
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, false, or_, select, true

from config import AnswerRule

from ..accounts.access import visible_branch_ids
from ..accounts.models import Role, User
from ..appeals import deadlines
from ..appeals import operations as appeal_ops
from ..appeals.models import Appeal, AppealEvent, AppealState, EventKind
from ..audit.log import audit
from ..directory import inquiry_rights
from ..directory import operations as directory_ops
from ..directory.models import BranchLevel, Deputy, GovernmentBody, Topic
from ..errors import Refused
from ..extensions import db
from ..i18n import localized
from ..versioning import check_version, flush_or_stale
from . import drafting
from .models import AnswerAssessment, Inquiry, InquiryEvent, InquiryState, inquiry_appeals, inquiry_cosigners

logger = logging.getLogger(__name__)

S = InquiryState
TRANSITIONS: dict[InquiryState, frozenset[InquiryState]] = {
    S.draft: frozenset({S.under_review, S.withdrawn}),
    S.under_review: frozenset({S.draft, S.approved, S.withdrawn}),
    S.approved: frozenset({S.draft, S.sent, S.withdrawn}),
    S.sent: frozenset({S.answered, S.withdrawn}),
    S.answered: frozenset({S.closed}),
    S.closed: frozenset(),
    S.withdrawn: frozenset(),
}
#: Moves only the author deputy makes: their signature and their name are on the letter.
AUTHOR_MOVES = frozenset({S.approved, S.withdrawn})
#: Moves the central office may make for a deputy: an answer arrives at the office, and closing it.
OFFICE_MOVES = frozenset({S.answered, S.closed})
#: States in which the text may still change.
EDITABLE = frozenset({S.draft})
OPEN = frozenset({S.draft, S.under_review, S.approved, S.sent, S.answered})
LANGUAGES = ("kk", "ru")
#: Appeals in these states can no longer be part of a new inquiry.
FINISHED_APPEALS = frozenset({AppealState.resolved, AppealState.rejected, AppealState.redirected, AppealState.closed})
PERSONAL_DATA_LABELS = {
    "iin": _l("an IIN"),
    "phone": _l("a phone number"),
    "address": _l("a citizen's address"),
    "email": _l("an e-mail address"),
    "name": _l("the name of a citizen who did not agree to be named"),
}


class InquiryError(Refused):
    """A refusal about an inquiry, shown to the user as is."""


class InquiryNotAllowed(InquiryError):
    status = 403


class StaleInquiry(InquiryError):
    status = 409


# --- who may see and act ------------------------------------------------------------------------------


def _acting_deputy_ids(user: User) -> set[int]:
    return appeal_ops.deputy_ids_of(user)


def is_participant(user: User, inquiry: Inquiry) -> bool:
    """The author, a co-signer, or an assistant acting for one of them."""
    mine = _acting_deputy_ids(user)
    return bool(mine) and (inquiry.author_id in mine or any(d.id in mine for d in inquiry.cosigners))


def _sees_all(user: User) -> bool:
    if user.role in (Role.admin, Role.analyst):
        return True
    return user.role == Role.branch_head and user.branch is not None and user.branch.level == BranchLevel.central


def visible_filter(user: User):
    """A WHERE clause limiting inquiries to those `user` may see; denies by default."""
    if _sees_all(user):
        return true()
    clauses = []
    mine = _acting_deputy_ids(user)
    if mine:
        clauses.append(Inquiry.author_id.in_(mine))
        clauses.append(
            exists().where(inquiry_cosigners.c.inquiry_id == Inquiry.id, inquiry_cosigners.c.deputy_id.in_(mine))
        )
    if user.role == Role.branch_head:
        branches = visible_branch_ids(user) or set()
        clauses.append(
            exists().where(
                inquiry_appeals.c.inquiry_id == Inquiry.id,
                inquiry_appeals.c.appeal_id == Appeal.id,
                Appeal.branch_id.in_(branches),
            )
        )
    return or_(*clauses) if clauses else false()


def can_see(user: User, inquiry: Inquiry) -> bool:
    if _sees_all(user) or is_participant(user, inquiry):
        return True
    if user.role == Role.branch_head:
        branches = visible_branch_ids(user) or set()
        return any(a.branch_id in branches for a in inquiry.appeals)
    return False


def can_edit(user: User, inquiry: Inquiry) -> bool:
    return inquiry.state in EDITABLE and is_participant(user, inquiry)


def moves_for(user: User, inquiry: Inquiry) -> frozenset[InquiryState]:
    """The states `user` may move this inquiry to right now."""
    possible = TRANSITIONS[inquiry.state]
    allowed: set[InquiryState] = set()
    if is_participant(user, inquiry):
        allowed |= possible - AUTHOR_MOVES
        if user.role == Role.deputy and user.deputy_id == inquiry.author_id:
            allowed |= possible & AUTHOR_MOVES
    if user.role == Role.admin:
        allowed |= possible & OFFICE_MOVES
    return frozenset(allowed)


def author_choices(user: User) -> list[Deputy]:
    """The deputies `user` may write an inquiry for: themselves, or those an assistant acts for."""
    ids = _acting_deputy_ids(user)
    if not ids:
        return []
    return list(db.session.scalars(select(Deputy).where(Deputy.id.in_(ids)).order_by(Deputy.full_name)))


# --- deadlines ---------------------------------------------------------------------------------------------


#: The dates an answer's term may start from, by the rule's `start`.
STARTS = {"announced": _l("announced at a session"), "received": _l("received by the addressee")}


def answer_rule(inquiry: Inquiry) -> AnswerRule:
    """The term for answering, by the kind of the author's representative body (INQUIRY_ANSWER_RULES)."""
    rules = current_app.config["INQUIRY_ANSWER_RULES"]
    kind = inquiry.author.body.kind.value
    if kind not in rules:
        raise InquiryError(_l("No answer term is configured for this kind of representative body."))
    return rules[kind]


def start_date(inquiry: Inquiry, rule: AnswerRule) -> date | None:
    """The recorded day the term runs from, if it is recorded."""
    return inquiry.announced_date if rule.start == "announced" else inquiry.received_date


def compute_answer_due(inquiry: Inquiry) -> date | None:
    """The answer's due date from the recorded start, or None while the day the rule needs is unknown."""
    rule = answer_rule(inquiry)
    start = start_date(inquiry, rule)
    if start is None:
        return None
    return deadlines.answer_deadline(start, rule.count, rule.unit, appeal_ops.work_calendar())


def awaiting_start(inquiry: Inquiry) -> bool:
    """Sent, but the day its term runs from (receipt or announcement) is not recorded yet."""
    return inquiry.state == S.sent and inquiry.answer_due is None


def can_record_start(user: User, inquiry: Inquiry) -> bool:
    """The participants, and the central office (the addressee's confirmation may arrive there)."""
    return inquiry.state == S.sent and (is_participant(user, inquiry) or user.role == Role.admin)


def is_overdue(inquiry: Inquiry, today: date) -> bool:
    """Sent and past its due date; one whose term has not started yet is not overdue (it has no due date)."""
    return inquiry.state == S.sent and inquiry.answer_due is not None and inquiry.answer_due < today


def overdue_clause(today: date):
    """Overdue in SQL: a NULL due date (the term has not started) compares as not overdue."""
    return and_(Inquiry.state == S.sent, Inquiry.answer_due < today)


# --- drafting and editing ----------------------------------------------------------------------------------


def _event(
    inquiry: Inquiry, kind: str, user: User | None, comment: str = "", from_state=None, to_state=None
) -> InquiryEvent:
    event = InquiryEvent(
        kind=kind, user_id=user.id if user else None, comment=comment, from_state=from_state, to_state=to_state
    )
    inquiry.events.append(event)
    return event


def addressee_lines(body: GovernmentBody, language: str) -> tuple[str, str]:
    """The official's title and name as the letter addresses them (dative), from the directory's stored forms,
    or by the rules of grammar where none is stored yet."""
    forms = {key: getattr(body, key) or value for key, value in directory_ops.address_forms(body).items()}
    return forms[f"head_title_dative_{language}"], forms[f"head_name_dative_{language}"]


def _check_appeals(user: User, appeals: list[Appeal]) -> None:
    if not appeals:
        raise InquiryError(_l("Choose at least one appeal."))
    for appeal in appeals:
        if not appeal_ops.can_see(user, appeal):
            raise InquiryNotAllowed(_l("You may not use appeal %(number)s.", number=appeal.registration_number))
        if appeal.state in FINISHED_APPEALS:
            raise InquiryError(
                _l(
                    "Appeal %(number)s is already decided (“%(state)s”) and cannot be part of an inquiry.",
                    number=appeal.registration_number,
                    state=appeal.state.label,
                )
            )


def create_inquiry(
    appeals: list[Appeal], *, user: User, addressee: GovernmentBody, language: str, author: Deputy | None = None
) -> Inquiry:
    """A new draft from `appeals`, its text written from them in `language`."""
    if author is None:
        choices = author_choices(user)
        if len(choices) != 1:
            raise InquiryError(_l("Choose the deputy the inquiry is written for."))
        author = choices[0]
    if author.id not in _acting_deputy_ids(user):
        raise InquiryNotAllowed(_l("You may not write inquiries for this deputy."))
    if (why := inquiry_rights.refusal(author, addressee, date.today())) is not None:
        raise InquiryNotAllowed(why)
    if language not in LANGUAGES:
        raise InquiryError(_l("An inquiry is written in Kazakh or Russian."))
    _check_appeals(user, appeals)
    topics = {a.topic_id for a in appeals}
    topic = appeals[0].topic if len(topics) == 1 else None
    draft = drafting.draft_from_appeals(appeals, language)
    title, name = addressee_lines(addressee, language)
    inquiry = Inquiry(
        author=author,
        language=language,
        addressee=addressee,
        addressee_title=title,
        addressee_name=name,
        subject=draft.subject,
        topic=topic,
        body=draft.body,
        requested_actions=draft.requested_actions,
        created_by_id=user.id,
    )
    inquiry.appeals = list(appeals)
    db.session.add(inquiry)
    _event(
        inquiry, "created", user, to_state=S.draft, comment=str(_l("Drafted from %(num)d appeals.", num=len(appeals)))
    )
    db.session.flush()
    audit("inquiry.create", inquiry, user=user, details={"appeals": [a.id for a in appeals]})
    logger.info("Inquiry %s drafted by %s from %d appeals", inquiry.id, user.email, len(appeals))
    return inquiry


def _stale(_inquiry: Inquiry) -> StaleInquiry:
    return StaleInquiry(_l("This inquiry was changed by someone else. Reload the page to see the changes."))


def check_personal_data(inquiry: Inquiry, *texts: str) -> None:
    """Refuse text that carries a citizen's personal data: the letter goes outside the reception."""
    found: list[str] = []
    for text in texts:
        for kind in drafting.personal_data_in(text, inquiry.appeals):
            if kind not in found:
                found.append(kind)
    if found:
        raise InquiryError(
            _l(
                "The text contains %(what)s. Remove personal data: an inquiry must not carry it.",
                what=", ".join(str(PERSONAL_DATA_LABELS[k]) for k in found),
            )
        )


def update_draft(
    inquiry: Inquiry,
    *,
    user: User,
    subject: str,
    body: str,
    requested_actions: str,
    addressee: GovernmentBody,
    addressee_title: str,
    addressee_name: str,
    language: str,
    topic: Topic | None,
    cosigners: list[Deputy],
    expected_version: int | None = None,
) -> None:
    """Save the deputy's edits of a draft."""
    check_version(inquiry, expected_version, _stale)
    if not can_edit(user, inquiry):
        raise InquiryNotAllowed(_l("Only a draft can be edited, by its author, co-signers and their assistants."))
    if language not in LANGUAGES:
        raise InquiryError(_l("An inquiry is written in Kazakh or Russian."))
    subject, body = subject.strip(), body.strip()
    if not subject:
        raise InquiryError(_l("The inquiry needs a subject."))
    check_personal_data(inquiry, subject, body, requested_actions)
    if addressee.id != inquiry.addressee_id and (
        why := inquiry_rights.refusal(inquiry.author, addressee, date.today())
    ):
        raise InquiryNotAllowed(why)
    if addressee.id != inquiry.addressee_id or language != inquiry.language:
        # A new addressee or language: the official's title and name come from the directory again,
        # unless the deputy typed them in this very edit.
        default_title, default_name = addressee_lines(addressee, language)
        if addressee_title.strip() == inquiry.addressee_title:
            addressee_title = default_title
        if addressee_name.strip() == inquiry.addressee_name:
            addressee_name = default_name
    inquiry.subject, inquiry.body = subject, body
    inquiry.requested_actions = "\n".join(line.strip() for line in requested_actions.splitlines() if line.strip())
    inquiry.addressee, inquiry.language, inquiry.topic = addressee, language, topic
    inquiry.addressee_title, inquiry.addressee_name = addressee_title.strip(), addressee_name.strip()
    if any(d.body_id != inquiry.author.body_id for d in cosigners):
        raise InquiryError(_l("Co-signers are deputies of the same representative body as the author."))
    inquiry.cosigners = [d for d in cosigners if d.id != inquiry.author_id]
    _event(inquiry, "edited", user)
    flush_or_stale(inquiry, _stale)
    audit("inquiry.edit", inquiry, user=user)


def redraft(inquiry: Inquiry, *, user: User, expected_version: int | None = None) -> None:
    """Write the body again from the linked appeals (after appeals were added or removed)."""
    check_version(inquiry, expected_version, _stale)
    if not can_edit(user, inquiry):
        raise InquiryNotAllowed(_l("Only a draft can be edited, by its author, co-signers and their assistants."))
    summaries = dict(
        db.session.execute(
            select(inquiry_appeals.c.appeal_id, inquiry_appeals.c.letter_summary).where(
                inquiry_appeals.c.inquiry_id == inquiry.id
            )
        ).all()
    )
    draft = drafting.draft_from_appeals(inquiry.appeals, inquiry.language, summaries=summaries)
    inquiry.body = draft.body
    _event(inquiry, "edited", user, comment=str(_l("The text was written again from the appeals.")))
    flush_or_stale(inquiry, _stale)


def add_appeals(inquiry: Inquiry, appeals: list[Appeal], *, user: User) -> int:
    """Link more appeals to a draft; returns how many were new."""
    if not can_edit(user, inquiry):
        raise InquiryNotAllowed(_l("Only a draft can be edited, by its author, co-signers and their assistants."))
    _check_appeals(user, appeals)
    linked = {a.id for a in inquiry.appeals}
    new = [a for a in appeals if a.id not in linked]
    inquiry.appeals.extend(new)
    if new:
        _event(inquiry, "appeals", user, comment=", ".join(a.registration_number for a in new))
        flush_or_stale(inquiry, _stale)
        audit("inquiry.add_appeals", inquiry, user=user, details={"appeals": [a.id for a in new]})
    return len(new)


def remove_appeal(inquiry: Inquiry, appeal: Appeal, *, user: User) -> None:
    if not can_edit(user, inquiry):
        raise InquiryNotAllowed(_l("Only a draft can be edited, by its author, co-signers and their assistants."))
    if appeal in inquiry.appeals:
        if len(inquiry.appeals) == 1:
            raise InquiryError(_l("An inquiry keeps at least one appeal."))
        inquiry.appeals.remove(appeal)
        _event(inquiry, "appeals", user, comment="− " + appeal.registration_number)
        flush_or_stale(inquiry, _stale)


# --- the lifecycle -----------------------------------------------------------------------------------------


def transition(
    inquiry: Inquiry, to_state: InquiryState, *, user: User, comment: str = "", expected_version: int | None = None
) -> InquiryEvent:
    """Move `inquiry` to `to_state` on behalf of `user`; the one way its state changes."""
    check_version(inquiry, expected_version, _stale)
    if to_state not in TRANSITIONS[inquiry.state]:
        raise InquiryError(
            _l(
                "An inquiry in state “%(state)s” cannot become “%(target)s”.",
                state=inquiry.state.label,
                target=to_state.label,
            )
        )
    if to_state not in moves_for(user, inquiry):
        raise InquiryNotAllowed(_l("You may not move this inquiry to “%(target)s”.", target=to_state.label))
    comment = comment.strip()
    if to_state == S.withdrawn and not comment:
        raise InquiryError(_l("Give the reason for withdrawing the inquiry."))
    if to_state == S.under_review:
        check_personal_data(inquiry, inquiry.subject, inquiry.body, inquiry.requested_actions)
    before = inquiry.state
    event = _event(inquiry, "transition", user, comment=comment, from_state=before, to_state=to_state)
    inquiry.state = to_state
    flush_or_stale(inquiry, _stale)
    audit("inquiry.transition", inquiry, user=user, details={"from": before.value, "to": to_state.value})
    logger.info("Inquiry %s: %s -> %s by %s", inquiry.id, before.value, to_state.value, user.email)
    return event


def submit_for_review(inquiry: Inquiry, *, user: User, comment: str = "", expected_version=None) -> InquiryEvent:
    return transition(inquiry, S.under_review, user=user, comment=comment, expected_version=expected_version)


def approve(inquiry: Inquiry, *, user: User, comment: str = "", expected_version=None) -> InquiryEvent:
    return transition(inquiry, S.approved, user=user, comment=comment, expected_version=expected_version)


def return_to_draft(inquiry: Inquiry, *, user: User, comment: str = "", expected_version=None) -> InquiryEvent:
    return transition(inquiry, S.draft, user=user, comment=comment, expected_version=expected_version)


def withdraw(inquiry: Inquiry, *, user: User, reason: str, expected_version=None) -> InquiryEvent:
    return transition(inquiry, S.withdrawn, user=user, comment=reason, expected_version=expected_version)


def close(inquiry: Inquiry, *, user: User, comment: str = "", expected_version=None) -> InquiryEvent:
    return transition(inquiry, S.closed, user=user, comment=comment, expected_version=expected_version)


#: The named operation behind each target state that a page offers as a plain button with a comment (sent
#: and answered carry data and have their own forms and operations).
MOVES = {
    S.draft: lambda i, comment, **kw: return_to_draft(i, comment=comment, **kw),
    S.under_review: lambda i, comment, **kw: submit_for_review(i, comment=comment, **kw),
    S.approved: lambda i, comment, **kw: approve(i, comment=comment, **kw),
    S.withdrawn: lambda i, comment, **kw: withdraw(i, reason=comment, **kw),
    S.closed: lambda i, comment, **kw: close(i, comment=comment, **kw),
}


def _public_body_name(inquiry: Inquiry, language: str) -> str:
    return localized(inquiry.addressee, "name", language)


def mark_sent(
    inquiry: Inquiry, *, user: User, outgoing_number: str, sent_date: date, expected_version=None
) -> InquiryEvent:
    """The letter left with its outgoing number: the answer's deadline starts, the appeals show it."""
    # Checked before anything is set: loading the addressee below may autoflush the changes, which moves
    # the version on (the page's own version would then always look stale).
    check_version(inquiry, expected_version, _stale)
    outgoing_number = outgoing_number.strip()
    if not outgoing_number:
        raise InquiryError(_l("Give the outgoing number of the letter."))
    if sent_date > date.today() + timedelta(days=1):
        raise InquiryError(_l("The date of sending cannot be in the future."))
    inquiry.outgoing_number, inquiry.sent_date = outgoing_number, sent_date
    # The term runs from the addressee's receipt or the announcement at a session, recorded later
    # (record_term_start); sending alone starts nothing, so no due date is made up here.
    inquiry.answer_due = None
    rule = answer_rule(inquiry)
    event = transition(
        inquiry,
        S.sent,
        user=user,
        comment=str(
            _l(
                "No. %(number)s of %(date)s; the answer's term starts when the inquiry is %(start)s.",
                number=outgoing_number,
                date=sent_date.strftime("%d.%m.%Y"),
                start=STARTS[rule.start],
            )
        ),
    )
    for appeal in inquiry.appeals:
        _appeal_to(appeal, AppealState.inquiry_sent, _public_sent_text(inquiry, appeal.language))
    return event


def record_term_start(
    inquiry: Inquiry,
    *,
    user: User,
    received_date: date | None = None,
    received_number: str = "",
    announced_date: date | None = None,
    announced_session: str = "",
    today: date | None = None,
    expected_version=None,
) -> InquiryEvent:
    """Record when the addressee received the inquiry and/or when it was announced at a session, with the
    evidence; the answer's due date follows from the rule of the author's body. May be corrected while sent."""
    check_version(inquiry, expected_version, _stale)  # first: see mark_sent
    if not can_record_start(user, inquiry):
        raise InquiryNotAllowed(_l("Only the participants of a sent inquiry may record its receipt."))
    today = today or date.today()
    received_number, announced_session = received_number.strip(), announced_session.strip()
    rule = answer_rule(inquiry)
    for day in (received_date, announced_date):
        if day is not None and (day > today + timedelta(days=1) or (inquiry.sent_date and day < inquiry.sent_date)):
            raise InquiryError(_l("The date must be between the date of sending and today."))
    if received_date is not None and not received_number:
        raise InquiryError(_l("Give the incoming number the addressee gave the inquiry."))
    if announced_date is not None and not announced_session:
        raise InquiryError(_l("Name the session the inquiry was announced at."))
    needed = announced_date if rule.start == "announced" else received_date
    if needed is None:
        raise InquiryError(
            _l("The answer's term runs from the day the inquiry was announced at a session: give that day.")
            if rule.start == "announced"
            else _l("The answer's term runs from the day the addressee received the inquiry: give that day.")
        )
    inquiry.received_date, inquiry.received_number = received_date, received_number
    inquiry.announced_date, inquiry.announced_session = announced_date, announced_session
    inquiry.answer_due = compute_answer_due(inquiry)
    parts = []
    if received_date is not None:
        parts.append(
            str(
                _l(
                    "received on %(date)s, No. %(number)s",
                    date=received_date.strftime("%d.%m.%Y"),
                    number=received_number,
                )
            )
        )
    if announced_date is not None:
        parts.append(
            str(
                _l(
                    "announced on %(date)s (%(session)s)",
                    date=announced_date.strftime("%d.%m.%Y"),
                    session=announced_session,
                )
            )
        )
    event = _event(
        inquiry,
        "term",
        user,
        comment=str(
            _l("%(facts)s; answer due by %(due)s.", facts="; ".join(parts), due=inquiry.answer_due.strftime("%d.%m.%Y"))
        ),
    )
    flush_or_stale(inquiry, _stale)
    audit("inquiry.term_start", inquiry, user=user, details={"answer_due": inquiry.answer_due.isoformat()})
    logger.info("Inquiry %s: answer due %s, recorded by %s", inquiry.id, inquiry.answer_due, user.email)
    return event


def _public_sent_text(inquiry: Inquiry, language: str) -> str:
    with force_locale(language):
        return _("A deputy inquiry was sent to %(body)s.", body=_public_body_name(inquiry, language))


def _appeal_to(appeal: Appeal, state: AppealState, public_text: str) -> None:
    """Move a linked appeal along, as far as its lifecycle allows; an appeal already past it is left alone.

    The system makes this move (user None): the deputy acted on the inquiry, and a co-signer's inquiry may
    carry appeals from another deputy's queue.
    """
    if state == AppealState.inquiry_sent and appeal.state in (AppealState.routed, AppealState.reopened):
        appeal_ops.transition(appeal, AppealState.in_progress, user=None)
    if state in appeal_ops.TRANSITIONS[appeal.state]:
        appeal_ops.transition(appeal, state, user=None, comment=public_text, is_public=True)
    elif appeal.state in appeal_ops.OPEN_STATES:
        # Already there through another inquiry: the citizen still reads this one on the timeline.
        appeal.events.append(AppealEvent(kind=EventKind.inquiry, comment=public_text, is_public=True))


def record_answer(
    inquiry: Inquiry,
    *,
    user: User,
    answer_date: date,
    answer_number: str,
    answer_text: str,
    public_summary: str,
    assessment: AnswerAssessment,
    file_name: str = "",
    file_type: str = "",
    file_content: bytes | None = None,
    expected_version=None,
) -> InquiryEvent:
    """The addressee answered: the linked appeals receive the answer's public summary, their citizens are told."""
    check_version(inquiry, expected_version, _stale)  # first: see mark_sent
    public_summary = public_summary.strip()
    if not answer_text.strip() and file_content is None:
        raise InquiryError(_l("Give the answer's text or attach the answer."))
    if not public_summary:
        raise InquiryError(_l("Write the summary of the answer that citizens will read."))
    if inquiry.sent_date and answer_date < inquiry.sent_date:
        raise InquiryError(_l("The answer cannot be dated before the inquiry was sent."))
    check_personal_data(inquiry, public_summary)
    inquiry.answer_date, inquiry.answer_number = answer_date, answer_number.strip()
    inquiry.answer_text, inquiry.answer_public_summary, inquiry.answer_assessment = (
        answer_text.strip(),
        public_summary,
        assessment,
    )
    if file_content is not None:
        inquiry.answer_file_name, inquiry.answer_file_type, inquiry.answer_file = file_name, file_type, file_content
    event = transition(inquiry, S.answered, user=user, comment=assessment.label)
    for appeal in inquiry.appeals:
        with force_locale(appeal.language):
            text = _(
                "The answer of %(body)s to the deputy inquiry: %(summary)s",
                body=_public_body_name(inquiry, appeal.language),
                summary=public_summary,
            )
        _appeal_to(appeal, AppealState.answer_received, text)
    return event
