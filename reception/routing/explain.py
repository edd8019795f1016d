"""What routing and escalation did, in words the reader reads: a rule's conditions and the timeline's sentences.

An event keeps the facts (the rule's name and conditions, the deputy, the branch) as ids and codes in
`AppealEvent.details`; the sentence is made when the page is shown, so each reader reads it in their own
language, with the topic's, the district's and the branch's names rather than their codes.
"""

from flask_babel import gettext as _

from ..appeals.models import AppealEvent, AppealType
from ..directory.models import Branch, Deputy, District, Region, Topic
from ..extensions import db
from .models import RoutingRule

#: The escalation reasons an event may record, by their stored key.
ESCALATION_REASONS = {
    "overdue": lambda: _("overdue"),
    "untaken": lambda: _("not taken into work within 2 working days"),
}


def conditions_of(rule: RoutingRule) -> dict:
    """What the rule matches on, as stored facts: ids of the directory's records, an appeal type's value."""
    facts = {
        "topic": rule.topic_id,
        "region": rule.region_id,
        "district": rule.district_id,
        "branch": rule.branch_id,
        "type": rule.appeal_type.value if rule.appeal_type else None,
        "collective": rule.is_collective,
    }
    return {key: value for key, value in facts.items() if value is not None}


def _named(model, record_id) -> str:
    record = db.session.get(model, record_id) if record_id is not None else None
    return record.name if record is not None else "—"


def describe_conditions(facts: dict) -> str:
    """The conditions in words, e.g. "topic: Housing and utilities, district: Esil district"."""
    parts = []
    if "topic" in facts:
        parts.append(_("topic: %(name)s", name=_named(Topic, facts["topic"])))
    if "region" in facts:
        parts.append(_("region: %(name)s", name=_named(Region, facts["region"])))
    if "district" in facts:
        parts.append(_("district: %(name)s", name=_named(District, facts["district"])))
    if "branch" in facts:
        parts.append(_("branch: %(name)s", name=_named(Branch, facts["branch"])))
    if "type" in facts:
        try:
            kind = AppealType(facts["type"]).label
        except ValueError:
            kind = facts["type"]
        parts.append(_("type: %(name)s", name=kind))
    if "collective" in facts:
        parts.append(_("collective appeals only") if facts["collective"] else _("individual appeals only"))
    return ", ".join(parts) or _("any appeal")


def describe_rule(rule: RoutingRule) -> str:
    """A rule's conditions in words, for the rules page."""
    return describe_conditions(conditions_of(rule))


def decision_details(rule: RoutingRule | None, *, deputy: Deputy | None, triage_branch: Branch | None) -> dict:
    """The facts a routing event keeps: the rule that fired (name and conditions as they were) and whom it named."""
    return {
        "routing": {
            "rule": None if rule is None else {"name": rule.name, "conditions": conditions_of(rule)},
            "deputy": deputy.id if deputy is not None else None,
            "triage_branch": triage_branch.id if triage_branch is not None else None,
        }
    }


def rule_sentence(rule: RoutingRule | None) -> str:
    """For the dry run: which rule fires and on what, or that none does."""
    if rule is None:
        return _("No rule matches: the appeal goes to triage.")
    return _("The rule «%(rule)s» fires (%(conditions)s).", rule=rule.name, conditions=describe_rule(rule))


def routing_sentence(facts: dict) -> str:
    """The timeline's sentence for a routing decision, in the reader's language."""
    rule = facts.get("rule")
    deputy = db.session.get(Deputy, facts["deputy"]) if facts.get("deputy") else None
    if deputy is not None:
        if rule is None:  # a deputy is named only by a rule; kept for completeness
            return _("Routed to %(deputy)s", deputy=deputy.full_name)
        return _(
            "Routed to %(deputy)s by the rule «%(rule)s» (%(conditions)s)",
            deputy=deputy.full_name,
            rule=rule["name"],
            conditions=describe_conditions(rule["conditions"]),
        )
    branch = _named(Branch, facts.get("triage_branch"))
    if rule is None:
        return _("Sent for triage to %(branch)s: no rule matched", branch=branch)
    return _(
        "Sent for triage to %(branch)s by the rule «%(rule)s» (%(conditions)s)",
        branch=branch,
        rule=rule["name"],
        conditions=describe_conditions(rule["conditions"]),
    )


def escalation_details(branch: Branch, reason: str) -> dict:
    """The facts an escalation event keeps: where the appeal went and why (a key of ESCALATION_REASONS)."""
    return {"escalation": {"branch": branch.id, "reason": reason}}


def escalation_sentence(facts: dict) -> str:
    reason = ESCALATION_REASONS.get(facts.get("reason"))
    return _(
        "Escalated to %(branch)s: %(reason)s",
        branch=_named(Branch, facts.get("branch")),
        reason=reason() if reason else facts.get("reason", ""),
    )


def event_sentence(event: AppealEvent) -> str:
    """The sentence of a routing or escalation event in the reader's language; "" for other events."""
    details = event.details or {}
    if "routing" in details:
        return routing_sentence(details["routing"])
    if "escalation" in details:
        return escalation_sentence(details["escalation"])
    return ""
