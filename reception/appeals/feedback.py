"""Citizens' feedback on their appeal, and what the branch does about it.

The citizen rates a decision, asks for a reopening (with "not satisfied"), or adds information while the
appeal is open; each is a public event on the appeal's timeline. A reopening itself is the branch head's
decision, made through the lifecycle's own transitions (close, then reopen).
"""

import logging

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.access import visible_branch_ids
from ..accounts.models import Role, User
from ..audit.log import audit
from ..dbtypes import utcnow
from ..extensions import db
from ..notifications import inapp
from . import operations as appeal_ops
from .models import Appeal, AppealEvent, AppealFeedback, AppealState, EventKind, Rating, ReopenState

logger = logging.getLogger(__name__)
S = AppealState

MAX_TEXT = 5000
#: The decisions a citizen rates.
DECISIONS = frozenset({S.resolved, S.rejected})


def _citizen_event(appeal: Appeal, kind: str, comment: str) -> AppealEvent:
    # Not a change of state: the event names none.
    event = AppealEvent(kind=kind, from_state=None, to_state=None, user_id=None, comment=comment, is_public=True)
    appeal.events.append(event)
    return event


def _tell(users: list[User], key: str, message, appeal: Appeal) -> int:
    return sum(inapp.notify(user, key, message, appeal) for user in users)


def decision_to_rate(appeal: Appeal) -> AppealEvent | None:
    """The latest decision (resolved or refused) while it stands: not reopened since, not yet rated."""
    if appeal.state not in (S.resolved, S.rejected, S.closed):
        return None
    decision = None
    for event in appeal.events:
        if event.kind == EventKind.transition and event.to_state in DECISIONS:
            decision = event
        elif event.kind == EventKind.transition and event.to_state == S.reopened:
            decision = None
    if decision is None:
        return None
    rated = db.session.scalar(
        select(AppealFeedback.id).where(
            AppealFeedback.appeal_id == appeal.id, AppealFeedback.decision_event_id == decision.id
        )
    )
    return None if rated else decision


def rate_decision(appeal: Appeal, rating: Rating, comment: str = "") -> AppealFeedback:
    """The citizen rates the decision standing on the appeal; "not satisfied" needs a reason and asks for
    a reopening, which waits for the branch head. The caller commits."""
    decision = decision_to_rate(appeal)
    if decision is None:
        raise appeal_ops.AppealError(_l("There is no decision to rate on this appeal now."))
    comment = (comment or "").strip()[:MAX_TEXT]
    if rating == Rating.not_satisfied and not comment:
        raise appeal_ops.AppealError(_l("Please say why you are not satisfied: your reason goes to the branch head."))
    reopen = rating == Rating.not_satisfied
    feedback = AppealFeedback(
        appeal_id=appeal.id,
        decision_event_id=decision.id,
        rating=rating,
        comment=comment,
        reopen_state=ReopenState.pending if reopen else None,
    )
    db.session.add(feedback)
    _citizen_event(appeal, EventKind.rating, f"{rating.value}: {comment}" if comment else rating.value)
    if reopen:
        event = _citizen_event(appeal, EventKind.reopen_request, comment)
        db.session.flush()
        _tell(
            inapp.branch_heads_of(appeal),
            f"appeal:{appeal.id}:reopen-request:{event.id}",
            _l("The citizen asks to reopen appeal %(number)s.", number=appeal.registration_number),
            appeal,
        )
    db.session.flush()
    audit("appeal.citizen_rating", appeal, details={"rating": rating.value, "reopen_requested": reopen})
    logger.info("appeal %s rated %s by the citizen", appeal.registration_number, rating.value)
    return feedback


def add_information(appeal: Appeal, text: str) -> AppealEvent:
    """The citizen adds information to an open appeal; whoever holds it hears of it. The caller commits."""
    text = (text or "").strip()
    if not text:
        raise appeal_ops.AppealError(_l("Write the information you want to add."))
    if appeal.state not in appeal_ops.OPEN_STATES:
        raise appeal_ops.AppealError(_l("Information can be added only while the appeal is being considered."))
    event = _citizen_event(appeal, EventKind.citizen_info, text[:MAX_TEXT])
    db.session.flush()
    # The holder (deputy and assistants) hears of it; an appeal nobody holds yet is the branch head's.
    recipients = inapp.holders_of(appeal) or inapp.branch_heads_of(appeal)
    _tell(
        recipients,
        f"appeal:{appeal.id}:citizen-info:{event.id}",
        _l("The citizen added information to appeal %(number)s.", number=appeal.registration_number),
        appeal,
    )
    audit("appeal.citizen_information", appeal, details={"length": len(text)})
    return event


# --- the branch's side ----------------------------------------------------------------------------


def of_the_branch(user: User, appeal: Appeal) -> bool:
    if user.role == Role.admin:
        return True
    return user.role in (Role.staff, Role.branch_head) and appeal.branch_id in (visible_branch_ids(user) or set())


def can_decide_reopening(user: User, appeal: Appeal) -> bool:
    return of_the_branch(user, appeal) and user.role in (Role.branch_head, Role.admin)


def pending_reopen_request(appeal: Appeal) -> AppealFeedback | None:
    return db.session.scalar(
        db.select(AppealFeedback).where(
            AppealFeedback.appeal_id == appeal.id, AppealFeedback.reopen_state == ReopenState.pending
        )
    )


def decide_reopening(feedback: AppealFeedback, *, user: User, accept: bool, comment: str = "") -> None:
    """The branch head accepts the citizen's request (the appeal is closed, if not yet, and reopened) or
    declines it with a reason the citizen sees. The caller commits."""
    appeal = feedback.appeal
    if not can_decide_reopening(user, appeal):
        raise appeal_ops.TransitionNotAllowed(_l("Only the branch head decides on reopening an appeal."))
    if feedback.reopen_state != ReopenState.pending:
        raise appeal_ops.AppealError(_l("This request has already been decided."))
    comment = (comment or "").strip()
    if accept:
        if appeal.state != S.closed:
            appeal_ops.close_appeal(appeal, user=user)
        appeal_ops.reopen_appeal(appeal, user=user, reason=comment or _("Reopened at the citizen's request."))
    else:
        if not comment:
            raise appeal_ops.AppealError(_l("Give the reason: the law requires it for this decision."))
        appeal.events.append(
            AppealEvent(
                kind=EventKind.reopen_declined,
                from_state=None,
                to_state=None,
                user_id=user.id,
                comment=comment,
                is_public=True,
            )
        )
    feedback.reopen_state = ReopenState.accepted if accept else ReopenState.declined
    feedback.reopen_decided_by_id, feedback.reopen_decided_dt = user.id, utcnow()
    feedback.reopen_decision_comment = comment
    db.session.flush()
    audit("appeal.reopen_request", appeal, user=user, details={"accepted": accept})
