"""The routing rules' admin pages: the ordered list, editing a rule, and a dry run on a sample appeal."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.access import acting_user, allow
from ..accounts.models import Role
from ..appeals import deadlines
from ..appeals.models import Appeal, AppealType
from ..dbtypes import utcnow
from ..directory.choices import branch_choices, deputy_choices, district_choices, region_choices, topic_choices
from ..directory.models import Branch, Deputy, District, Region, Topic, serving_on
from ..extensions import db
from ..formkit import int_id, with_blank
from . import engine, explain
from . import operations as ops
from .forms import DryRunForm, RuleForm
from .models import RoutingRule, RuleTarget

bp = Blueprint("routing", __name__, url_prefix="/routing")


@bp.app_template_global()
def routing_event_text(event) -> str:
    """A routing or escalation step on an appeal's timeline, worded in the reader's language ("" for others)."""
    return explain.event_sentence(event)


@bp.route("/rules")
@allow(Role.admin)
def rules():
    """All rules in the order they are tried."""
    rows = db.session.scalars(
        select(RoutingRule)
        .options(
            joinedload(RoutingRule.topic),
            joinedload(RoutingRule.region),
            joinedload(RoutingRule.district),
            joinedload(RoutingRule.branch),
            joinedload(RoutingRule.target_deputy),
        )
        .order_by(RoutingRule.position, RoutingRule.id)
    ).all()
    return render_template("routing/rules.html", rules=rows, explain=explain.describe_rule)


def _fill_choices(form) -> None:
    """Choices for whichever of the rule's select fields the form has (the rule form, the dry run)."""
    makers = {
        "topic": topic_choices,
        "region": region_choices,
        "district": district_choices,
        "branch": branch_choices,
        "target_deputy": lambda: with_blank(deputy_choices(serving_on(deadlines.local_date(utcnow())))),
    }
    for name, make in makers.items():
        if name in form:
            form[name].choices = make()


def _rule_data(form: RuleForm) -> ops.RuleData:
    def get(model, value):
        return db.session.get(model, number) if (number := int_id(value)) is not None else None

    return ops.RuleData(
        position=form.position.data,
        name=form.name.data,
        is_active=form.is_active.data,
        target=RuleTarget(form.target.data),
        topic=get(Topic, form.topic.data),
        region=get(Region, form.region.data),
        district=get(District, form.district.data),
        branch=get(Branch, form.branch.data),
        appeal_type=AppealType(form.appeal_type.data) if form.appeal_type.data else None,
        is_collective={"yes": True, "no": False}.get(form.is_collective.data),
        target_deputy=get(Deputy, form.target_deputy.data),
    )


@bp.route("/rules/new", methods=["GET", "POST"])
@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@allow(Role.admin)
def edit_rule(rule_id: int | None = None):
    """Create or change a rule; empty match fields match any appeal."""
    rule = db.get_or_404(RoutingRule, rule_id) if rule_id else None
    form = RuleForm()
    _fill_choices(form)
    if request.method == "GET":
        if rule is None:
            form.position.data = engine.next_position()
        else:
            form.position.data, form.name.data, form.is_active.data = rule.position, rule.name, rule.is_active
            form.topic.data = str(rule.topic_id or "")
            form.region.data, form.district.data = str(rule.region_id or ""), str(rule.district_id or "")
            form.branch.data = str(rule.branch_id or "")
            form.appeal_type.data = rule.appeal_type.value if rule.appeal_type else ""
            form.is_collective.data = {True: "yes", False: "no"}.get(rule.is_collective, "")
            form.target.data, form.target_deputy.data = rule.target.value, str(rule.target_deputy_id or "")
    if form.validate_on_submit():
        ops.save_rule(rule, _rule_data(form), user=acting_user())
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("routing.rules"))
    return render_template("routing/rule_form.html", form=form, rule=rule)


@bp.route("/rules/<int:rule_id>/delete", methods=["POST"])
@allow(Role.admin)
def delete_rule(rule_id: int):
    """Remove a rule; appeals it routed keep their history."""
    rule = db.get_or_404(RoutingRule, rule_id)
    ops.delete_rule(rule, user=acting_user())
    db.session.commit()
    flash(_("The rule has been removed."), "success")
    return redirect(url_for("routing.rules"))


@bp.route("/dry-run")
@allow(Role.admin)
def dry_run():
    """Which rule would fire for an existing or a made-up appeal, and whom it would name; changes nothing."""
    form = DryRunForm(request.args)
    _fill_choices(form)
    decision, appeal = None, None
    if request.args and form.validate():
        if form.number.data:
            appeal = db.session.scalar(
                select(Appeal).where(Appeal.registration_number == form.number.data.strip().upper())
            )
            if appeal is None:
                form.number.errors.append(_("No appeal with this registration number."))
        else:
            appeal = _sample_appeal(form)
        if appeal is not None:
            decision = engine.decide(appeal)
    deputies = {}
    if decision and decision.workloads:
        deputies = {d.id: d for d in db.session.scalars(select(Deputy).where(Deputy.id.in_(decision.workloads)))}
    return render_template("routing/dry_run.html", form=form, appeal=appeal, decision=decision, deputies=deputies)


def _sample_appeal(form: DryRunForm) -> Appeal:
    """A transient appeal (never added to the session) with the fields the rules look at."""
    branch = db.get_or_404(Branch, int(form.branch.data))
    topic = db.get_or_404(Topic, int(form.topic.data))
    district = db.session.get(District, int(form.district.data)) if form.district.data else None
    return Appeal(
        registration_number=str(_l("sample")),
        branch=branch,
        branch_id=branch.id,
        topic=topic,
        topic_id=topic.id,
        district=district,
        district_id=district.id if district else None,
        region_id=district.region_id if district else branch.region_id,
        type=AppealType(form.appeal_type.data or AppealType.complaint.value),
        is_collective=form.is_collective.data,
    )
