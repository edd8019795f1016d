"""Changing the routing rules: the only place a rule is saved or removed, each change audited."""

from dataclasses import dataclass

from ..accounts.models import User
from ..appeals.models import AppealType
from ..audit.log import audit
from ..directory.models import Branch, Deputy, District, Region, Topic
from ..extensions import db
from . import explain
from .models import RoutingRule, RuleTarget


@dataclass
class RuleData:
    """A rule as an administrator states it; None in a match field matches any appeal."""

    position: int
    name: str
    is_active: bool
    target: RuleTarget
    topic: Topic | None = None
    region: Region | None = None
    district: District | None = None
    branch: Branch | None = None
    appeal_type: AppealType | None = None
    is_collective: bool | None = None
    target_deputy: Deputy | None = None


def save_rule(rule: RoutingRule | None, data: RuleData, *, user: User) -> RoutingRule:
    """Create a rule (`rule` None) or change one; audited. The caller commits."""
    if rule is None:
        rule = RoutingRule()
        db.session.add(rule)
    rule.position, rule.name, rule.is_active = data.position, data.name.strip(), data.is_active
    rule.topic, rule.region, rule.district, rule.branch = data.topic, data.region, data.district, data.branch
    rule.appeal_type, rule.is_collective = data.appeal_type, data.is_collective
    rule.target = data.target
    rule.target_deputy = data.target_deputy if data.target == RuleTarget.deputy else None
    db.session.flush()
    audit(
        "routing.save_rule",
        rule,
        user=user,
        details={"position": rule.position, "target": rule.target.value, "match": explain.conditions_of(rule)},
    )
    return rule


def delete_rule(rule: RoutingRule, *, user: User) -> None:
    """Remove a rule; appeals it routed keep their history. Audited; the caller commits."""
    audit("routing.delete_rule", rule, user=user, details={"position": rule.position, "name": rule.name})
    db.session.delete(rule)
