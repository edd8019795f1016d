"""Demo routing rules: housing to the local maslikhat's specialists, everything else to the Kurultai's list
deputies assigned to the appeal's region (the least busy); what neither places goes to the central office's
triage."""

from sqlalchemy import func, select

from ..directory.models import Topic
from ..extensions import db
from ..routing.models import RoutingRule, RuleTarget


def create_demo_rules() -> int:
    """Create the demo rules unless any rule exists; returns how many were made."""
    if db.session.scalar(select(func.count(RoutingRule.id))):
        return 0
    housing = db.session.scalar(select(Topic).where(Topic.code == "housing"))
    db.session.add_all(
        [
            RoutingRule(position=10, name="ЖКХ — маслихат", topic=housing, target=RuleTarget.maslikhat_topic),
            RoutingRule(position=20, name="Депутаты Курултая региона", target=RuleTarget.list_region),
        ]
    )
    db.session.flush()
    return 2
