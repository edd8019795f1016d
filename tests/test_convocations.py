"""The Kurultai and convocations as data: mandates in a convocation, list deputies assigned to regions, routing
to them, and only deputies with a current mandate getting new appeals."""

from datetime import date

import pytest
from factories import convocation, district, make_appeal, make_deputy, representative_body
from pageforms import errors_at, submit
from sqlalchemy import select
from support import translated

from config import parse_kinds
from reception.accounts.models import Role
from reception.appeals import operations as appeal_ops
from reception.appeals.models import Appeal, AppealType
from reception.directory.models import (
    BodyKind,
    Constituency,
    Deputy,
    GovernmentBody,
    GovernmentBodyKind,
    MandateType,
    Region,
    constituency_districts,
)
from reception.extensions import db
from reception.routing import engine
from reception.routing.models import RoutingRule, RuleTarget


def new_appeal(branch_code="ALM-03", topic_code="housing") -> Appeal:
    return make_appeal(
        branch_code=branch_code,
        topic_code=topic_code,
        type=AppealType.complaint,
        summary="Жол",
        text="Жол жоқ",
        commit=False,
    )


def rule(position, target, **match) -> RoutingRule:
    r = RoutingRule(position=position, name=f"rule {position}", target=target, **match)
    db.session.add(r)
    db.session.flush()
    return r


def constituency_of(district_code: str) -> Constituency:
    """The Mazhilis constituency naming the district (ALM.03 is named by one)."""
    return db.session.scalar(
        select(Constituency)
        .join(constituency_districts)
        .where(constituency_districts.c.district_id == district(district_code).id)
    )


def kurultai_deputy(name, *regions) -> Deputy:
    return make_deputy(
        name, "KURULTAI", MandateType.party_list, convocation=convocation("KURULTAI", 1), assigned_regions=regions
    )


def test_the_kurultai_sits_and_the_mazhilis_is_history(ctx):
    kurultai = representative_body("KURULTAI")
    assert kurultai.kind == BodyKind.kurultai and kurultai.seat_total == 145
    assert [s.count for s in kurultai.convocations[0].seats] == [145]
    mazhilis = representative_body("MAZHILIS")
    eighth = mazhilis.convocations[-1]
    assert (eighth.number, eighth.end_date, eighth.seat_total) == (8, date(2026, 6, 30), 98)
    day = date(2026, 11, 30)
    assert mazhilis.convocation_on(day) is None and kurultai.convocation_on(day).number == 1
    assert mazhilis.convocation_on(date(2026, 6, 30)) == eighth


def test_list_deputies_assigned_to_the_region_get_the_appeal_the_least_busy_first(ctx):
    busy = kurultai_deputy("Бос Емес Депутат", "ALM", "AST")
    free = kurultai_deputy("Бос Депутат", "AST", "ALM")
    kurultai_deputy("Басқа Өңірдің Депутаты", "SHY")
    rule(10, RuleTarget.list_region)
    appeal_ops.route_appeal(new_appeal(), busy, user=None)
    appeal = new_appeal("ALM-03")
    decision = engine.route_by_rules(appeal)
    assert appeal.deputy == free
    assert decision.workloads == {busy.id: 1.0, free.id: 0.0}
    # An Astana appeal: both cover Astana too; the Shymkent deputy is never a candidate.
    decision = engine.route_by_rules(new_appeal("AST-01"))
    assert set(decision.workloads) == {busy.id, free.id}


def test_a_deputy_whose_mandate_ended_gets_no_new_appeal(ctx):
    """A Mazhilis single-mandate deputy of the place (8th convocation, ended 30.06.2026) is passed over: the next
    rule, the Kurultai's list deputies of the region, takes the appeal."""
    constituency = constituency_of("ALM.03")
    former = make_deputy("Бұрынғы Мәжіліс Депутаты", constituency=constituency, convocation=convocation("MAZHILIS", 8))
    current = kurultai_deputy("Құрылтай Депутаты", constituency.region.code)
    rule(10, RuleTarget.single_mandate)
    rule(20, RuleTarget.list_region)
    appeal = new_appeal(branch_code="ALM-03")
    engine.route_by_rules(appeal)
    assert appeal.deputy == current
    assert not former.serves_on(date.today()) and current.serves_on(date.today())
    # A mandate ended early (the deputy left the party, say) ends it too, whatever the convocation.
    current.mandate_end = date(2026, 10, 1)
    rule(5, RuleTarget.deputy, target_deputy=current)
    assert engine.decide(new_appeal(branch_code="ALM-03")).deputy is None


def test_single_mandate_routing_still_works_for_a_mandate_without_convocation(ctx):
    """Deputies entered before convocations were data keep their single-mandate routing."""
    constituency = constituency_of("ALM.03")
    own = make_deputy("Одномандатник", constituency=constituency)
    rule(10, RuleTarget.single_mandate)
    appeal = new_appeal(branch_code="ALM-03")
    engine.route_by_rules(appeal)
    assert appeal.deputy == own


@pytest.fixture
def admin(client, auth, make_user):
    _, email = make_user(Role.admin)
    auth.login(email)
    return client


def test_admin_assigns_a_list_deputy_to_regions_on_the_deputys_form(app, admin):
    with app.app_context():
        kurultai = str(representative_body("KURULTAI").id)
        first = str(convocation("KURULTAI", 1).id)
        regions = {r.code: str(r.id) for r in db.session.scalars(select(Region))}
    page = admin.get("/directory/deputies/new").get_data(as_text=True)
    assert 'name="assigned_regions"' in page and "data-picker" in page and "multiple" in page
    added = submit(
        admin,
        "/directory/deputies/new",
        "",
        having="full_name",
        full_name="Тізім Депутаты",
        body=kurultai,
        convocation=first,
        mandate_type="party_list",
        assigned_regions=[regions["ZHE"], regions["ABA"]],
        **{"mandate_start-day": "1", "mandate_start-month": "9", "mandate_start-year": "2026"},
    )
    assert added.status_code == 302
    edit_url = added.headers["Location"]
    # A date no calendar has is an error at its field, not a crash (a 22-digit year overflows inside date()).
    for day, month, year in (("1", "9", "1180591620717411303423"), ("1", "86969647304", "2026"), ("-3", "9", "2026")):
        refused = submit(
            admin,
            edit_url,
            "",
            having="full_name",
            **{"mandate_end-day": day, "mandate_end-month": month, "mandate_end-year": year},
        )
        assert refused.status_code == 200 and "Введите существующую дату" in refused.get_data(as_text=True)
    # The form shows what is stored; sending it back with one region less keeps the rest.
    changed = submit(admin, edit_url, "", having="full_name", assigned_regions=[regions["ZHE"]])
    assert changed.status_code == 302
    with app.app_context():
        deputy = db.session.scalar(select(Deputy).where(Deputy.full_name == "Тізім Депутаты"))
        assert [r.code for r in deputy.assigned_regions] == ["ZHE"]
        assert deputy.convocation.body.code == "KURULTAI" and deputy.mandate_start == date(2026, 9, 1)
    wrong = submit(
        admin,
        edit_url,
        "",
        having="full_name",
        **{"mandate_end-day": "1", "mandate_end-month": "8", "mandate_end-year": "2026"},
    )
    assert wrong.status_code == 200
    assert errors_at(wrong.get_data(as_text=True), "mandate_end") == [
        translated(app, "ru", "The mandate cannot end before it began.")
    ]


def test_who_may_send_an_inquiry_and_to_whom_is_a_setting_per_kind_of_body(app, ctx):
    """A maslikhat deputy writes to the akimat, not a ministry; a former deputy writes to nobody; the setting
    changes it without code."""
    from factories import government_body, make_account, make_registration

    from reception.inquiries import operations as inquiry_ops

    maslikhat = representative_body("M-ALA")
    local = make_deputy("Мәслихат Депутаты", "M-ALA", MandateType.single_mandate, region=maslikhat.region)
    account = make_account(Role.deputy, "local@test.kz", deputy=local)
    appeal = make_registration(branch_code="ALA-01", deputy=local, commit=False).appeal
    akimat = db.session.scalar(
        select(GovernmentBody).where(
            GovernmentBody.kind == GovernmentBodyKind.akimat_region, GovernmentBody.region_id == maslikhat.region_id
        )
    )
    assert inquiry_ops.create_inquiry([appeal], user=account, addressee=akimat, language="kk").author == local
    with pytest.raises(inquiry_ops.InquiryNotAllowed):
        inquiry_ops.create_inquiry([appeal], user=account, addressee=government_body("MIN-INTERNAL"), language="kk")
    shipped = app.config["INQUIRY_ADDRESSEES"]
    app.config["INQUIRY_ADDRESSEES"] = {**shipped, "maslikhat": parse_kinds("maslikhat=ministry")["maslikhat"]}
    try:
        inquiry_ops.create_inquiry([appeal], user=account, addressee=government_body("MIN-INTERNAL"), language="kk")
    finally:
        app.config["INQUIRY_ADDRESSEES"] = shipped
    local.mandate_end = date(2026, 7, 1)  # the mandate ended: no more inquiries
    with pytest.raises(inquiry_ops.InquiryNotAllowed, match="Мәслихат Депутаты"):
        inquiry_ops.create_inquiry([appeal], user=account, addressee=akimat, language="kk")
