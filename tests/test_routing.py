"""Routing rules: every target, rule order, the workload tie-break, the trail of why, and the admin pages."""

import pytest
from factories import branch, district, make_appeal, make_deputy, representative_body, topic
from flask_babel import force_locale, gettext
from pageforms import errors_at, submit
from sqlalchemy import func, select
from support import csrf_token, translated

from reception.accounts.models import Role
from reception.appeals import operations as appeal_ops
from reception.appeals.models import Appeal, AppealState, AppealType
from reception.directory.models import (
    BodyKind,
    Constituency,
    Deputy,
    MandateType,
    RepresentativeBody,
    constituency_districts,
)
from reception.extensions import db
from reception.routing import engine
from reception.routing.models import RoutingRule, RuleTarget


def new_appeal(branch_code="ALM-03", topic_code="housing", collective=False) -> Appeal:
    return make_appeal(
        branch_code=branch_code,
        topic_code=topic_code,
        type=AppealType.complaint,
        summary="Вода",
        text="Нет воды",
        cosigners=5 if collective else 0,
        commit=False,
    )


def deputy(
    name, body_code="MAZHILIS", mandate=MandateType.party_list, constituency=None, topics=(), region=None
) -> Deputy:
    """A deputy who receives citizens in `region`, by default their body's region."""
    return make_deputy(
        name,
        body_code,
        mandate,
        constituency=constituency,
        topics=topics,
        region=region or representative_body(body_code).region,
    )


def rule(position, target, **match) -> RoutingRule:
    r = RoutingRule(position=position, name=f"rule {position}", target=target, **match)
    db.session.add(r)
    db.session.flush()
    return r


def constituency_of(district_code: str) -> Constituency:
    d = district(district_code)
    by_district = db.session.scalar(
        select(Constituency).join(constituency_districts).where(constituency_districts.c.district_id == d.id)
    )
    if by_district:
        return by_district
    return db.session.scalar(select(Constituency).where(Constituency.region_id == d.region_id))


def test_specific_deputy_target(ctx):
    chosen = deputy("Назначенный Депутат")
    rule(10, RuleTarget.deputy, target_deputy=chosen, topic=topic("housing"))
    appeal = new_appeal()
    decision = engine.route_by_rules(appeal)
    assert appeal.deputy == chosen and appeal.state == AppealState.routed
    assert decision.rule.position == 10


def test_single_mandate_deputy_of_the_place(ctx):
    constituency = constituency_of("ALM.03")
    own = deputy("Одномандатник Своего Округа", mandate=MandateType.single_mandate, constituency=constituency)
    other = db.session.scalar(select(Constituency).where(Constituency.id != constituency.id))
    deputy("Одномандатник Чужого Округа", mandate=MandateType.single_mandate, constituency=other)
    rule(10, RuleTarget.single_mandate)
    appeal = new_appeal("ALM-03")
    engine.route_by_rules(appeal)
    assert appeal.deputy == own


def test_maslikhat_deputies_with_the_topic_and_workload_tie_break(ctx):
    maslikhat = db.session.scalar(
        select(RepresentativeBody).where(
            RepresentativeBody.kind == BodyKind.maslikhat, RepresentativeBody.district_id == district("ALM.03").id
        )
    )
    assert maslikhat is not None
    busy = deputy("Занятой Депутат", maslikhat.code, MandateType.single_mandate, topics=["housing"])
    free = deputy("Свободный Депутат", maslikhat.code, MandateType.single_mandate, topics=["housing"])
    deputy("Не по теме", maslikhat.code, MandateType.single_mandate, topics=["education"])
    rule(10, RuleTarget.maslikhat_topic)
    for _ in range(2):
        appeal_ops.route_appeal(new_appeal("ALM-03", "transport"), busy, user=None)
    appeal = new_appeal("ALM-03", "housing")
    decision = engine.route_by_rules(appeal)
    assert appeal.deputy == free
    assert decision.workloads == {busy.id: 2.0 + 0, free.id: 0.0}


def test_branch_head_and_central_office_triage(ctx):
    rule(10, RuleTarget.branch_head, is_collective=True)
    rule(20, RuleTarget.central_office, topic=topic("banking"))
    collective = new_appeal(collective=True)
    engine.route_by_rules(collective)
    assert collective.triage_branch.code == "ALM-03" and collective.deputy is None
    assert collective.state == AppealState.registered and collective.events[-1].kind == "triage"
    banking = new_appeal(topic_code="banking")
    engine.route_by_rules(banking)
    assert banking.triage_branch.code == "KZ-00"


def test_first_matching_rule_wins_and_an_empty_target_falls_through(ctx):
    first, second = deputy("Первый"), deputy("Второй")
    retired = rule(5, RuleTarget.deputy, target_deputy=first)
    retired.is_active = False
    rule(10, RuleTarget.single_mandate, region=branch("AST-01").region)  # does not match an ALM appeal
    rule(20, RuleTarget.maslikhat_topic, topic=topic("housing"))  # matches, but nobody specialises
    rule(30, RuleTarget.deputy, target_deputy=second)
    rule(40, RuleTarget.deputy, target_deputy=first)
    appeal = new_appeal()
    decision = engine.route_by_rules(appeal)
    assert appeal.deputy == second and decision.rule.position == 30


def test_no_rule_means_central_office_never_a_void(ctx):
    appeal = new_appeal()
    decision = engine.route_by_rules(appeal)
    assert decision.rule is None and appeal.triage_branch.code == "KZ-00"


def test_the_timeline_says_which_rule_fired_and_why(ctx):
    chosen = deputy("Депутат По Жилью")
    rule(7, RuleTarget.deputy, target_deputy=chosen, topic=topic("housing"), district=district("ALM.03"))
    appeal = new_appeal()
    engine.route_by_rules(appeal)
    event = appeal.events[-1]
    assert event.details["routing"]["rule"] == {
        "name": "rule 7",
        "conditions": {"topic": topic("housing").id, "district": district("ALM.03").id},
    }
    assert event.details["routing"]["deputy"] == chosen.id
    # The stored comment is the same sentence (in the language of the moment) for exports; pages word it anew.
    assert "Депутат По Жилью" in event.comment and "«rule 7»" in event.comment and "topic=" not in event.comment


@pytest.fixture
def admin(client, auth, make_user):
    _, email = make_user(Role.admin)
    auth.login(email)
    return client


def test_admin_writes_a_rule_and_dry_runs_it(app, admin):
    with app.app_context():
        chosen_id = deputy("Депутат Для Правила").id
        housing_id = topic("housing").id
        db.session.commit()
    response = submit(
        admin,
        "/routing/rules/new",
        "",
        having="target",
        position="10",
        name="ЖКХ",
        topic=str(housing_id),
        target="deputy",
        target_deputy=str(chosen_id),
    )
    assert response.status_code == 302
    missing = submit(admin, "/routing/rules/new", "", having="target", position="20", name="x", target="deputy")
    assert missing.status_code == 200 and errors_at(missing.get_data(as_text=True), "target_deputy")
    with app.app_context():
        number = new_appeal().registration_number
        db.session.commit()
    page = admin.get(f"/routing/dry-run?number={number}").get_data(as_text=True)
    assert 'data-decision="deputy">Депутат Для Правила<' in page
    with app.app_context():
        assert db.session.scalar(select(Appeal.state)) == AppealState.registered  # a dry run changes nothing
        branch_id = branch("ALM-05").id
    sample = admin.get(f"/routing/dry-run?branch={branch_id}&topic={housing_id}&appeal_type=request").get_data(
        as_text=True
    )
    assert 'data-decision="deputy">Депутат Для Правила<' in sample
    with app.app_context():
        assert db.session.scalar(select(func.count(Appeal.id))) == 1  # the made-up appeal was never stored
    assert 'class="error"' in admin.get("/routing/dry-run?appeal_type=request").get_data(as_text=True)


def test_admin_renames_a_rule_and_then_removes_it_from_the_list(app, admin):
    with app.app_context():
        rule = RoutingRule(position=10, name="ЖКХ", target=RuleTarget.branch_head)
        db.session.add(rule)
        db.session.commit()
        rule_id = rule.id
    renamed = submit(admin, f"/routing/rules/{rule_id}", "", having="target", name="ЖКХ и дороги")
    assert renamed.status_code == 302
    page = admin.get(renamed.headers["Location"]).get_data(as_text=True)
    assert translated(app, "ru", "Saved.") in page and "ЖКХ и дороги" in page
    removed = submit(admin, "/routing/rules", f"/routing/rules/{rule_id}/delete")
    page = admin.get(removed.headers["Location"]).get_data(as_text=True)
    assert translated(app, "ru", "The rule has been removed.") in page and "ЖКХ и дороги" not in page
    with app.app_context():
        assert db.session.get(RoutingRule, rule_id) is None


def test_a_rule_for_a_district_outside_its_region_is_refused_at_the_district_field(app, admin):
    with app.app_context():
        astana, akmola_esil = str(branch("AST-01").region_id), str(district("AKM.13").id)
    with app.test_request_context(), force_locale("ru"):
        message = gettext("The district is not in the chosen region.")
    response = submit(
        admin, "/routing/rules/new", "", having="target", name="Есіл", region=astana, district=akmola_esil
    )
    assert response.status_code == 200 and errors_at(response.get_data(as_text=True), "district") == [message]
    with app.app_context():
        assert db.session.scalar(select(func.count(RoutingRule.id))) == 0


def test_intake_routes_the_new_appeal(app, client, auth, make_user):
    with app.app_context():
        chosen = deputy("Депутат Приёмной")
        rule(10, RuleTarget.deputy, target_deputy=chosen)
        db.session.commit()
    _, email = make_user(Role.staff, "ALM-03")
    auth.login(email)
    token = csrf_token(client, "/appeals/new")
    with app.app_context():
        topic_id = topic("housing").id
    response = client.post(
        "/appeals/new",
        data={
            "csrf_token": token,
            "anonymous": "y",
            "anonymous_ground": "crime",  # considered: it reports a crime
            "type": "request",
            "channel": "walk_in",
            "language": "ru",
            "topic": str(topic_id),
            "summary": "Дорога",
            "text": "Ремонт дороги",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert appeal.state == AppealState.routed and appeal.deputy.full_name == "Депутат Приёмной"


def test_deputy_hands_back_and_branch_head_reroutes(ctx, make_user):
    from reception.accounts.models import User

    def user(email):
        return db.session.scalar(select(User).where(User.email == email))

    holder = user(make_user(Role.deputy)[1])
    head = user(make_user(Role.branch_head, "ALM-00")[1])
    staff = user(make_user(Role.staff, "ALM-03")[1])
    appeal = new_appeal()
    appeal_ops.route_appeal(appeal, holder.deputy, user=None)
    with pytest.raises(appeal_ops.AppealError):
        appeal_ops.hand_back(appeal, user=holder, reason=" ")
    appeal_ops.hand_back(appeal, user=holder, reason="Вопрос не по моему округу")
    assert appeal.deputy is None and appeal.triage_branch.code == "ALM-03" and appeal.state == AppealState.registered
    assert not appeal.events[-1].is_public
    other = deputy("Другой Депутат")
    with pytest.raises(appeal_ops.TransitionNotAllowed):
        appeal_ops.reroute_appeal(appeal, other, user=staff, reason="x")
    appeal_ops.route_appeal(appeal, holder.deputy, user=None)
    appeal_ops.take_into_work(appeal, user=holder)
    appeal_ops.reroute_appeal(appeal, other, user=head, reason="Перераспределение нагрузки")
    db.session.commit()
    assert appeal.deputy == other and appeal.state == AppealState.routed
    assert [e.to_state for e in appeal.events][-3:] == [
        AppealState.in_progress,
        AppealState.registered,
        AppealState.routed,
    ]


def test_an_anonymous_appeal_without_a_crime_or_threat_is_left_without_consideration(app, client, auth, make_user):
    """#14.3, APPK art. 64 p. 2: the clerk must say whether an anonymous appeal reports a crime or a threat; one
    reporting neither is registered and left without consideration (not routed, no deadline on any board), and
    its status page says so and why; one reporting a crime is routed and considered as usual."""
    import html

    with app.app_context():
        chosen = deputy("Депутат Приёмной")
        rule(10, RuleTarget.deputy, target_deputy=chosen)
        db.session.commit()
        topic_id = topic("housing").id
    _, email = make_user(Role.staff, "ALM-03")
    auth.login(email)
    typed = {
        "having": "iin",
        "anonymous": "y",
        "type": "request",
        "channel": "walk_in",
        "language": "ru",
        "topic": str(topic_id),
        "summary": "Дорога",
        "text": "Ремонт дороги",
    }
    missing = submit(client, "/appeals/new", "", **typed)
    assert missing.status_code == 422
    assert errors_at(missing.get_data(as_text=True), "anonymous_ground") == [
        translated(
            app,
            "ru",
            "Choose whether the anonymous appeal reports a crime or a threat: the law considers only those.",
        )
    ]
    not_considered = submit(client, "/appeals/new", "", anonymous_ground="no_ground", **typed)
    assert not_considered.status_code == 302
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert appeal.state == AppealState.not_considered and appeal.deputy_id is None
        assert appeal.anonymous_ground.value == "no_ground"
        last = appeal.events[-1]
        assert last.to_state == AppealState.not_considered
        assert last.is_public and last.user_id is not None and "64" in last.comment
        first_id, code = appeal.id, appeal.tracking_code
        # The PIN is the citizen's: set a known one to read the status page as they would.
        from reception.appeals.codes import hash_pin

        appeal.pin_hash = hash_pin("135790", app.config["PIN_HMAC_KEY"])
        db.session.commit()
    for board in ("/appeals/?state=open", "/appeals/?triage=1", "/appeals/?overdue=1", "/appeals/?forwarding_late=1"):
        assert f'/appeals/{first_id}"' not in client.get(board).get_data(as_text=True)
    considered = submit(client, "/appeals/new", "", anonymous_ground="crime", **dict(typed, summary="Угроза"))
    assert considered.status_code == 302
    with app.app_context():
        second = db.session.scalars(select(Appeal).order_by(Appeal.id.desc())).first()
        assert second.state == AppealState.routed and second.deputy.full_name == "Депутат Приёмной"
        assert second.anonymous_ground.value == "crime"
    auth.logout()
    token = csrf_token(client, f"/status/{code}")
    page = html.unescape(
        client.post(f"/status/{code}", data={"csrf_token": token, "code": code, "pin": "135790"}).get_data(as_text=True)
    )
    assert translated(app, "ru", "Left without consideration") in page
    assert (
        translated(
            app,
            "ru",
            "Your appeal is anonymous and reports neither a crime nor a threat to state or public security, so by "
            "law (the Administrative Procedural Code, art. 64) it is left without consideration. To have it "
            "considered, bring it again with your name.",
        )
        in page
    )
    assert 'data-status="deadline"' not in page
