"""The end of a mandate or of a convocation as one operation: what the leaving deputies hold goes to successors.

`plan_handover()` lists everything the leaving deputies hold (open appeals, inquiries not yet closed, routing
rules that name them) and whom each goes to: the routing engine's choice for an appeal (same place, same
topic, the rules administrators wrote), a successor chosen by hand for all of it or per item. It reads only:
the dry run the admin page shows. `apply_handover()` carries a plan out: each appeal's timeline and the audit
log say who handed what to whom, and each citizen is told once who holds their appeal now.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..appeals import deadlines
from ..appeals import operations as appeal_ops
from ..appeals.models import Appeal, AppealEvent, EventKind
from ..audit.log import audit
from ..dbtypes import utcnow
from ..errors import Refused
from ..extensions import db
from ..inquiries.models import Inquiry, InquiryEvent, InquiryState
from ..routing import engine
from ..routing.models import RoutingRule
from .models import Branch, Convocation, Deputy, serving_on

logger = logging.getLogger(__name__)

#: Inquiries still in someone's hands: drafts, those on their way, and those waiting for or holding an answer.
OPEN_INQUIRY_STATES = frozenset(
    {InquiryState.draft, InquiryState.under_review, InquiryState.approved, InquiryState.sent, InquiryState.answered}
)


class HandoverError(Refused):
    """A hand-over that cannot be carried out as asked; shown to the user as is."""


@dataclass
class Item:
    """One thing a leaving deputy holds and where it goes."""

    #: "appeal", "inquiry" or "rule".
    kind: str
    id: int
    #: The appeal's registration number, the inquiry's subject, the rule's name.
    label: str
    holder: Deputy
    successor: Deputy | None = None
    #: An appeal nobody can take goes to this branch's triage (the engine's fallback); a rule is switched off.
    triage_branch: Branch | None = None
    #: "rule" (the routing engine chose), "hand" (chosen by an administrator), "follows" (an inquiry goes with
    #: its appeals), "triage", "off" (a rule with nobody to name).
    how: str = "rule"
    #: Deputies who could take it (the engine's candidates), for the per-item choice on the plan page.
    candidates: list[Deputy] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.id}"


@dataclass
class Plan:
    leaving: list[Deputy]
    items: list[Item]

    @property
    def counts(self) -> Counter:
        return Counter(item.kind for item in self.items)


def today() -> date:
    return deadlines.local_date(utcnow())


def convocation_deputies(convocation: Convocation) -> list[Deputy]:
    """Everyone who held a mandate in the convocation, and the body's deputies entered before convocations were
    data (no convocation named): closing the convocation ends their mandates too."""
    legacy = (Deputy.convocation_id.is_(None)) & (Deputy.body_id == convocation.body_id)
    return list(
        db.session.scalars(
            select(Deputy)
            .where((Deputy.convocation_id == convocation.id) | legacy)
            .order_by(Deputy.full_name, Deputy.id)
        )
    )


def plan_handover(
    leaving: list[Deputy], *, successor: Deputy | None = None, choices: dict[str, Deputy] | None = None
) -> Plan:
    """Whom each thing the `leaving` deputies hold would go to; changes nothing.

    `successor`, if given, takes everything not chosen per item; `choices` maps an item's key to the deputy
    an administrator picked for it.
    """
    choices = choices or {}
    ids = frozenset(d.id for d in leaving)
    items: list[Item] = []
    rules = engine.active_rules()
    appeals = db.session.scalars(
        select(Appeal)
        .options(joinedload(Appeal.branch), joinedload(Appeal.deputy))
        .where(Appeal.deputy_id.in_(ids), Appeal.state.in_(appeal_ops.OPEN_STATES))
        .order_by(Appeal.id)
    ).all()
    by_appeal: dict[int, Item] = {}
    for appeal in appeals:
        item = Item("appeal", appeal.id, appeal.registration_number, appeal.deputy)
        decision = engine.decide(appeal, rules, exclude=ids)
        item.candidates = [db.session.get(Deputy, i) for i in decision.workloads]
        if decision.deputy is not None:
            item.successor = decision.deputy
        else:
            item.triage_branch, item.how = decision.triage_branch, "triage"
        _choose(item, choices, successor)
        items.append(item)
        by_appeal[appeal.id] = item
    inquiries = db.session.scalars(
        select(Inquiry)
        .options(joinedload(Inquiry.author), selectinload(Inquiry.appeals))
        .where(Inquiry.author_id.in_(ids), Inquiry.state.in_(OPEN_INQUIRY_STATES))
        .order_by(Inquiry.id)
    ).all()
    for inquiry in inquiries:
        item = Item("inquiry", inquiry.id, inquiry.subject, inquiry.author, how="hand")
        # An inquiry goes with the appeals it was written about: whoever takes most of them.
        takers = Counter(
            by_appeal[a.id].successor.id for a in inquiry.appeals if a.id in by_appeal and by_appeal[a.id].successor
        )
        item.candidates = [db.session.get(Deputy, i) for i, _n in takers.most_common()]
        if item.candidates:
            item.successor, item.how = item.candidates[0], "follows"
        _choose(item, choices, successor)
        items.append(item)
    for rule in db.session.scalars(
        select(RoutingRule).where(RoutingRule.target_deputy_id.in_(ids), RoutingRule.is_active.is_(True))
    ):
        item = Item("rule", rule.id, rule.name, rule.target_deputy, how="off")
        _choose(item, choices, successor)
        items.append(item)
    return Plan(leaving=leaving, items=items)


def _choose(item: Item, choices: dict[str, Deputy], successor: Deputy | None) -> None:
    chosen = choices.get(item.key) or successor
    if chosen is not None:
        item.successor, item.triage_branch, item.how = chosen, None, "hand"
        if chosen not in item.candidates:
            item.candidates.append(chosen)


def check_plan(plan: Plan, on: date) -> None:
    """Refuse a plan that would leave work with nobody or give it to someone without a current mandate."""
    leaving = {d.id for d in plan.leaving}
    for item in plan.items:
        if item.successor is not None and (item.successor.id in leaving or not item.successor.serves_on(on)):
            raise HandoverError(
                _l(
                    "%(deputy)s holds no current mandate and cannot take over %(item)s.",
                    deputy=item.successor.full_name,
                    item=item.label,
                )
            )
        if item.kind == "inquiry" and item.successor is None:
            raise HandoverError(_l("Choose who takes over the inquiry “%(item)s”.", item=item.label))


def apply_handover(plan: Plan, *, user, tag: str, notify: bool = True) -> Counter:
    """Carry the plan out; the caller commits. `tag` names the occasion (a convocation's end), so applying the
    same hand-over again tells no citizen twice (`notify=False`: history, such as the demo's, tells nobody).
    Returns how many items of each kind moved."""
    from ..notifications.events import notify_citizen

    check_plan(plan, today())
    moved: Counter = Counter()
    now = utcnow()
    for item in plan.items:
        if item.kind == "appeal":
            appeal = db.session.get(Appeal, item.id)
            if appeal.deputy_id != item.holder.id or appeal.state not in appeal_ops.OPEN_STATES:
                continue  # it moved since the plan was made
            details = {
                "handover": {
                    "from": item.holder.id,
                    "to": item.successor.id if item.successor else None,
                    "triage_branch": item.triage_branch.code if item.triage_branch else None,
                    "how": item.how,
                }
            }
            appeal.deputy = item.successor
            if item.successor is None:
                appeal.triage_branch = item.triage_branch
            appeal.events.append(
                AppealEvent(
                    kind=EventKind.handover,
                    from_state=appeal.state,
                    to_state=appeal.state,
                    user_id=user.id if user else None,
                    comment=_handover_sentence(item),
                    details=details,
                    is_public=False,
                    created_dt=now,
                )
            )
            audit("appeal.handover", appeal, user=user, details=details["handover"])
            body = item.successor.body.name if item.successor else item.triage_branch.name
            if notify:
                notify_citizen(appeal, "handed_over", key=f"handover:{tag}", body=body)
        elif item.kind == "inquiry":
            inquiry = db.session.get(Inquiry, item.id)
            if inquiry.author_id != item.holder.id:
                continue
            inquiry.author = item.successor
            inquiry.events.append(
                InquiryEvent(
                    kind="handover",
                    user_id=user.id if user else None,
                    comment=_handover_sentence(item),
                    from_state=inquiry.state,
                    to_state=inquiry.state,
                    created_dt=now,
                )
            )
            audit("inquiry.handover", inquiry, user=user, details={"from": item.holder.id, "to": item.successor.id})
        else:
            rule = db.session.get(RoutingRule, item.id)
            if rule.target_deputy_id != item.holder.id:
                continue
            if item.successor is not None:
                rule.target_deputy = item.successor
            else:
                rule.is_active = False
            audit(
                "routing.handover",
                rule,
                user=user,
                details={"from": item.holder.id, "to": item.successor.id if item.successor else None},
            )
        moved[item.kind] += 1
    db.session.flush()
    logger.info("hand-over %s: %s", tag, dict(moved))
    return moved


def _handover_sentence(item: Item) -> str:
    """Stored in the language of the day, like routing's sentences (the details keep the ids)."""
    if item.successor is not None:
        return f"{item.holder.full_name} → {item.successor.full_name}"
    return f"{item.holder.full_name} → {item.triage_branch.code}"


def close_convocation(
    convocation: Convocation,
    *,
    end_date: date,
    user,
    successor: Deputy | None = None,
    choices=None,
    notify: bool = True,
) -> Counter:
    """End the convocation on `end_date` (its deputies' mandates with it) and hand over what they hold; the
    caller commits. Nothing is left with them: the plan is checked before anything changes."""
    if end_date < convocation.start_date:
        raise HandoverError(_l("A convocation cannot end before it began."))
    leaving = convocation_deputies(convocation)
    plan = plan_handover(leaving, successor=successor, choices=choices)
    check_plan(plan, today())
    convocation.end_date = end_date
    for deputy in leaving:
        deputy.convocation = deputy.convocation or convocation
        if deputy.mandate_end is None or deputy.mandate_end > end_date:
            deputy.mandate_end = end_date
    moved = apply_handover(plan, user=user, tag=f"convocation:{convocation.id}", notify=notify)
    convocation.handed_over_dt = utcnow()
    audit(
        "directory.close_convocation",
        convocation,
        user=user,
        details={"end_date": end_date.isoformat(), "moved": dict(moved), "deputies": len(leaving)},
    )
    return moved


def end_mandate(
    deputy: Deputy, *, end_date: date, user, successor: Deputy | None = None, choices=None, notify: bool = True
) -> Counter:
    """End one deputy's mandate on `end_date` and hand over what they hold; the caller commits."""
    if deputy.mandate_start is not None and end_date < deputy.mandate_start:
        raise HandoverError(_l("The mandate cannot end before it began."))
    plan = plan_handover([deputy], successor=successor, choices=choices)
    check_plan(plan, today())
    deputy.mandate_end = end_date
    moved = apply_handover(plan, user=user, tag=f"mandate:{deputy.id}", notify=notify)
    audit("directory.end_mandate", deputy, user=user, details={"end_date": end_date.isoformat(), "moved": dict(moved)})
    return moved


def left_with_former_deputies(on: date | None = None) -> dict[str, int]:
    """Open appeals and inquiries still held by deputies without a current mandate (for the boards)."""
    on = on or today()
    former = select(Deputy.id).where(~serving_on(on))
    appeals = db.session.scalar(
        select(db.func.count(Appeal.id)).where(Appeal.deputy_id.in_(former), Appeal.state.in_(appeal_ops.OPEN_STATES))
    )
    inquiries = db.session.scalar(
        select(db.func.count(Inquiry.id)).where(Inquiry.author_id.in_(former), Inquiry.state.in_(OPEN_INQUIRY_STATES))
    )
    return {"appeals": appeals or 0, "inquiries": inquiries or 0}
