"""Who gets an appeal: the ordered routing rules, their targets, and the tie-break by workload.

`decide()` only reads and explains; `route_by_rules()` applies the decision through the appeals lifecycle
and writes on the appeal's timeline which rule fired and why. An appeal no rule places goes to the
central office's triage, never into a void.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import case, func, select

from ..appeals import deadlines
from ..appeals import operations as appeal_ops
from ..appeals.models import Appeal, AppealEvent, EventKind
from ..audit.log import audit
from ..dbtypes import utcnow
from ..directory.models import (
    BodyKind,
    BodyLevel,
    Branch,
    BranchLevel,
    Constituency,
    Deputy,
    MandateType,
    RepresentativeBody,
    constituency_districts,
    deputy_regions,
    deputy_topics,
    serving_on,
)
from ..extensions import db
from . import explain
from .models import RoutingRule, RuleTarget

#: Appeals due within this many days weigh double in a deputy's workload.
URGENT_DAYS = 5


@dataclass
class Decision:
    rule: RoutingRule | None
    deputy: Deputy | None = None
    triage_branch: Branch | None = None
    #: Candidates considered and their workload, for the dry-run page.
    workloads: dict[int, float] = field(default_factory=dict)

    @property
    def why(self) -> str:
        """Which rule fired and on what, in the reader's language."""
        return explain.rule_sentence(self.rule)


def place_of(appeal: Appeal) -> tuple[int | None, int | None]:
    """(region id, district id) the appeal concerns; the branch's own place when the appeal names none."""
    district_id = appeal.district_id or appeal.branch.district_id
    region_id = appeal.region_id or appeal.branch.region_id
    return region_id, district_id


def rule_matches(rule: RoutingRule, appeal: Appeal) -> bool:
    region_id, district_id = place_of(appeal)
    checks = (
        (rule.topic_id, appeal.topic_id),
        (rule.region_id, region_id),
        (rule.district_id, district_id),
        (rule.branch_id, appeal.branch_id),
        (rule.appeal_type, appeal.type),
        (rule.is_collective, appeal.is_collective),
    )
    return all(wanted is None or wanted == actual for wanted, actual in checks)


def candidates(rule: RoutingRule, appeal: Appeal) -> list[Deputy]:
    """The deputies a rule's target names for this appeal (may be empty)."""
    region_id, district_id = place_of(appeal)
    # Only deputies whose mandate runs today get new appeals.
    today = deadlines.local_date(utcnow())
    active = serving_on(today)
    if rule.target == RuleTarget.deputy:
        return [rule.target_deputy] if rule.target_deputy and rule.target_deputy.serves_on(today) else []
    if rule.target == RuleTarget.list_region:
        if region_id is None:
            return []
        return list(
            db.session.scalars(
                select(Deputy)
                .join(RepresentativeBody, Deputy.body_id == RepresentativeBody.id)
                .join(deputy_regions, deputy_regions.c.deputy_id == Deputy.id)
                .where(
                    active,
                    Deputy.mandate_type == MandateType.party_list,
                    RepresentativeBody.level == BodyLevel.national,
                    deputy_regions.c.region_id == region_id,
                )
                .order_by(Deputy.id)
            )
        )
    if rule.target == RuleTarget.single_mandate:
        # The Mazhilis constituency naming the district, else one covering the whole region.
        by_district = select(constituency_districts.c.constituency_id).where(
            constituency_districts.c.district_id == district_id
        )
        whole_region = select(Constituency.id).where(
            Constituency.region_id == region_id, ~Constituency.id.in_(select(constituency_districts.c.constituency_id))
        )
        constituency_ids = list(db.session.scalars(by_district)) or list(db.session.scalars(whole_region))
        if not constituency_ids:
            return []
        return list(
            db.session.scalars(
                select(Deputy)
                .where(
                    active,
                    Deputy.mandate_type == MandateType.single_mandate,
                    Deputy.constituency_id.in_(constituency_ids),
                )
                .order_by(Deputy.id)
            )
        )
    if rule.target == RuleTarget.maslikhat_topic:
        body_filter = RepresentativeBody.district_id == district_id if district_id else None
        for where in ([body_filter] if body_filter is not None else []) + [
            (RepresentativeBody.region_id == region_id) & (RepresentativeBody.level == BodyLevel.regional)
        ]:
            found = list(
                db.session.scalars(
                    select(Deputy)
                    .join(RepresentativeBody, Deputy.body_id == RepresentativeBody.id)
                    .join(deputy_topics, deputy_topics.c.deputy_id == Deputy.id)
                    .where(
                        active,
                        RepresentativeBody.kind == BodyKind.maslikhat,
                        where,
                        deputy_topics.c.topic_id == appeal.topic_id,
                    )
                    .order_by(Deputy.id)
                )
            )
            if found:
                return found
        return []
    return []


def workloads(deputy_ids: list[int]) -> dict[int, float]:
    """Open appeals per deputy, those due within URGENT_DAYS counting double."""
    if not deputy_ids:
        return {}
    soon = deadlines.local_date(utcnow()) + timedelta(days=URGENT_DAYS)
    rows = db.session.execute(
        select(Appeal.deputy_id, func.count(Appeal.id) + func.sum(case((Appeal.deadline <= soon, 1), else_=0)))
        .where(Appeal.deputy_id.in_(deputy_ids), Appeal.state.in_(appeal_ops.OPEN_STATES))
        .group_by(Appeal.deputy_id)
    ).all()
    load = dict.fromkeys(deputy_ids, 0.0)
    load.update({deputy_id: float(weight or 0) for deputy_id, weight in rows})
    return load


def _triage_branch(rule: RoutingRule | None, appeal: Appeal) -> Branch:
    if rule is not None and rule.target == RuleTarget.branch_head:
        return appeal.branch
    return db.session.scalar(select(Branch).where(Branch.level == BranchLevel.central).order_by(Branch.id))


def active_rules() -> list[RoutingRule]:
    return list(
        db.session.scalars(
            select(RoutingRule).where(RoutingRule.is_active.is_(True)).order_by(RoutingRule.position, RoutingRule.id)
        )
    )


def decide(appeal: Appeal, rules: list[RoutingRule] | None = None, exclude: frozenset[int] = frozenset()) -> Decision:
    """Which rule fires for `appeal` and whom it names; reads only. Deputies in `exclude` are passed over
    (those leaving, when their work is handed over before their mandate's last day)."""
    for rule in active_rules() if rules is None else rules:
        if not rule_matches(rule, appeal):
            continue
        if rule.target in (RuleTarget.branch_head, RuleTarget.central_office):
            return Decision(rule=rule, triage_branch=_triage_branch(rule, appeal))
        found = [d for d in candidates(rule, appeal) if d.id not in exclude]
        if not found:
            continue  # the rule matches but names nobody here: the next rule may
        load = workloads([d.id for d in found])
        chosen = min(found, key=lambda d: (load[d.id], d.id))
        return Decision(rule=rule, deputy=chosen, workloads=load)
    return Decision(rule=None, triage_branch=_triage_branch(None, appeal))


def route_by_rules(appeal: Appeal, *, user=None) -> Decision:
    """Apply the rules: route to the chosen deputy, or put the appeal in a branch's triage. Caller commits."""
    decision = decide(appeal)
    details = explain.decision_details(decision.rule, deputy=decision.deputy, triage_branch=decision.triage_branch)
    # The comment is the sentence in today's language (for exports); pages make it anew from the details.
    comment = explain.routing_sentence(details["routing"])
    if decision.deputy is not None:
        event = appeal_ops.route_appeal(appeal, decision.deputy, user=user, comment=comment)
        event.details = details
        # The citizen sees that a deputy took it, not the rule behind it.
        event.is_public = True
    else:
        appeal.triage_branch = decision.triage_branch
        appeal.deputy = None
        appeal.events.append(
            AppealEvent(
                kind=EventKind.triage,
                from_state=appeal.state,
                to_state=appeal.state,
                user_id=user.id if user else None,
                comment=comment,
                details=details,
                is_public=False,
            )
        )
        db.session.flush()
    audit(
        "appeal.route",
        appeal,
        user=user,
        details={
            "rule": decision.rule.id if decision.rule else None,
            "deputy": decision.deputy.id if decision.deputy else None,
            "triage_branch": decision.triage_branch.code if decision.triage_branch else None,
        },
    )
    return decision


def next_position() -> int:
    return (db.session.scalar(select(func.max(RoutingRule.position))) or 0) + 10
