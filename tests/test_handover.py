"""The end of a convocation: everything its deputies hold goes to deputies with a current mandate, on the
timeline and in the audit log, each citizen told once; the dry run changes nothing."""

import random
from datetime import date, timedelta

import pytest
from factories import convocation, make_account, make_citizen, make_deputy, make_inquiry, make_registration
from pageforms import errors_at, form_on, submit
from sqlalchemy import func, select
from support import translated
from test_convocations import constituency_of

from reception.accounts.models import Role
from reception.appeals.models import Appeal, AppealEvent, AppealState, EventKind
from reception.audit.models import AuditEntry
from reception.demo.appeals import fictitious_iin
from reception.directory import handover
from reception.directory.loader import load_directory
from reception.directory.models import Convocation, Deputy, MandateType
from reception.extensions import db
from reception.inquiries.models import Inquiry, InquiryState
from reception.notifications.models import MessageChannel, OutboxMessage
from reception.routing.models import RoutingRule, RuleTarget


@pytest.fixture(autouse=True)
def reopen_the_mazhilis(app):
    """The tests close the Mazhilis's 8th convocation: it is open before, and the shipped data is put back after."""
    with app.app_context():
        db.session.execute(db.update(Convocation).values(handed_over_dt=None))
        db.session.commit()
    yield
    with app.app_context():
        db.session.execute(db.update(Convocation).values(handed_over_dt=None))
        load_directory()
        db.session.commit()


def kurultai_deputy(name, *regions) -> Deputy:
    return make_deputy(
        name, "KURULTAI", MandateType.party_list, convocation=convocation("KURULTAI", 1), assigned_regions=regions
    )


def held_work():
    """Two former Mazhilis deputies holding appeals of three citizens, two inquiries and a rule; two Kurultai
    deputies for Almaty Region and one for Astana; the rule: the list deputies of the appeal's region."""
    mazhilis = convocation("MAZHILIS", 8)
    # Their work was given them while their mandate ran: the convocation is named once it is all in place.
    former = make_deputy("Бұрынғы Депутат", constituency=constituency_of("ALM.03"), topics=("housing",))
    other_former = make_deputy("Екінші Бұрынғы Депутат", "MAZHILIS", MandateType.party_list, assigned_regions=("AST",))
    takers = [kurultai_deputy("Құрылтай Бір", "ALM"), kurultai_deputy("Құрылтай Екі", "ALM")]
    astana = kurultai_deputy("Құрылтай Астана", "AST")
    db.session.add(RoutingRule(position=10, name="Тізім депутаттары", target=RuleTarget.list_region))
    rng, used = random.Random(1), set()
    citizens = [
        make_citizen(fictitious_iin(rng, used), phone=f"+7701000000{n}", email=f"citizen{n}@test.kz") for n in range(3)
    ]
    appeals = [
        make_registration(citizen=citizens[0], deputy=former, state=AppealState.in_progress, commit=False).appeal,
        make_registration(citizen=citizens[1], deputy=former, commit=False).appeal,
        make_registration(citizen=citizens[2], branch_code="AST-01", deputy=other_former, commit=False).appeal,
        make_registration(citizen=None, deputy=former, commit=False).appeal,  # anonymous: nobody to tell
    ]
    done = make_registration(citizen=citizens[0], deputy=former, state=AppealState.closed, commit=False).appeal
    staff = make_account(Role.admin, "admin.handover@test.kz")
    draft = make_inquiry([appeals[0]], user=make_account(Role.deputy, "former@test.kz", deputy=former))
    waiting = make_inquiry([appeals[2]], user=make_account(Role.deputy, "other@test.kz", deputy=other_former))
    # Sent and waiting for the answer (set directly: the hand-over is under test, not sending).
    waiting.state, waiting.sent_date, waiting.answer_due = InquiryState.sent, date(2026, 6, 1), date(2026, 7, 1)
    db.session.add(
        RoutingRule(position=5, name="Екінші депутатқа", target=RuleTarget.deputy, target_deputy=other_former)
    )
    former.convocation = other_former.convocation = mazhilis
    db.session.flush()
    return {
        "mazhilis": mazhilis,
        "former": [former, other_former],
        "takers": takers,
        "astana": astana,
        "appeals": appeals,
        "done": done,
        "inquiries": [draft, waiting],
        "staff": staff,
    }


def snapshot():
    """What a hand-over could change, to compare before and after a dry run."""
    return (
        sorted(db.session.execute(select(Appeal.id, Appeal.deputy_id, Appeal.state, Appeal.version)).all()),
        sorted(db.session.execute(select(Inquiry.id, Inquiry.author_id)).all()),
        sorted(db.session.execute(select(RoutingRule.id, RoutingRule.target_deputy_id, RoutingRule.is_active)).all()),
        db.session.scalar(select(func.count(AppealEvent.id))),
        db.session.scalar(select(func.count(AuditEntry.id))),
        db.session.scalar(select(func.count(OutboxMessage.id))),
        db.session.execute(select(Convocation.id, Convocation.end_date, Convocation.handed_over_dt)).all(),
    )


def test_the_dry_run_lists_everything_and_changes_nothing(ctx):
    work = held_work()
    before = snapshot()
    plan = handover.plan_handover(handover.convocation_deputies(work["mazhilis"]))
    assert snapshot() == before
    assert plan.counts == {"appeal": 4, "inquiry": 2, "rule": 1}
    planned = {item.key: item for item in plan.items}
    almaty = {d.id for d in work["takers"]}
    for appeal in work["appeals"][:2] + work["appeals"][3:]:
        item = planned[f"appeal-{appeal.id}"]
        assert item.successor.id in almaty and item.how == "rule"  # the list deputies of Almaty Region
    assert planned[f"appeal-{work['appeals'][2].id}"].successor == work["astana"]
    # The inquiries go with their appeals; the rule naming a leaving deputy has nobody to name.
    assert (
        planned[f"inquiry-{work['inquiries'][0].id}"].successor == planned[f"appeal-{work['appeals'][0].id}"].successor
    )
    assert planned[f"inquiry-{work['inquiries'][1].id}"].successor == work["astana"]
    assert next(i for i in plan.items if i.kind == "rule").how == "off"
    assert f"appeal-{work['done'].id}" not in planned  # closed: nothing to hand over


def test_closing_leaves_nothing_with_a_former_deputy_and_tells_each_citizen_once(ctx):
    work = held_work()
    former_ids = {d.id for d in work["former"]}
    moved = handover.close_convocation(work["mazhilis"], end_date=date(2026, 6, 30), user=work["staff"])
    db.session.commit()
    assert moved == {"appeal": 4, "inquiry": 2, "rule": 1}
    assert handover.left_with_former_deputies() == {"appeals": 0, "inquiries": 0}
    for appeal in work["appeals"]:
        assert appeal.deputy_id not in former_ids and appeal.deputy.serves_on(date.today())
        event = appeal.events[-1]
        assert event.kind == EventKind.handover and event.details["handover"]["from"] in former_ids
    assert work["appeals"][0].state == AppealState.in_progress  # the work goes on where it was
    assert work["done"].deputy_id in former_ids  # history stays as it was
    assert all(i.author_id not in former_ids for i in work["inquiries"])
    rule = db.session.scalar(select(RoutingRule).where(RoutingRule.name == "Екінші депутатқа"))
    assert rule.is_active is False
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "appeal.handover")) == 4
    assert work["mazhilis"].handed_over_dt is not None
    assert all(d.mandate_end == date(2026, 6, 30) for d in work["former"])

    def told():
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("%handover%"))).all()
        return sorted((m.recipient, m.body) for m in rows if m.channel.value == "sms")

    assert [phone for phone, _text in told()] == ["+77010000000", "+77010000001", "+77010000002"]
    # In the citizen's language (Russian here): why; the e-mail names who holds it now.
    assert all("мандат депутата истёк" in text for _phone, text in told())
    mails = db.session.scalars(
        select(OutboxMessage.body).where(
            OutboxMessage.dedupe_key.like("%handover%"), OutboxMessage.channel == MessageChannel.email
        )
    ).all()
    assert len(mails) == 3 and all("Курултай Республики Казахстан" in text for text in mails)
    # Closing again finds nothing left and tells nobody twice.
    assert handover.close_convocation(work["mazhilis"], end_date=date(2026, 6, 30), user=work["staff"]) == {}
    assert len(told()) == 3


def test_everything_by_hand_and_a_successor_without_a_mandate_is_refused(ctx):
    work = held_work()
    chosen = work["takers"][1]
    plan = handover.plan_handover(work["former"], successor=chosen)
    assert {item.successor for item in plan.items} == {chosen}
    with pytest.raises(handover.HandoverError):
        handover.close_convocation(
            work["mazhilis"], end_date=date(2026, 6, 30), user=work["staff"], successor=work["former"][1]
        )
    handover.close_convocation(work["mazhilis"], end_date=date(2026, 6, 30), user=work["staff"], successor=chosen)
    assert {a.deputy_id for a in work["appeals"]} == {chosen.id}
    rule = db.session.scalar(select(RoutingRule).where(RoutingRule.name == "Екінші депутатқа"))
    assert rule.target_deputy == chosen and rule.is_active


@pytest.fixture
def admin(client, auth, make_user):
    _, email = make_user(Role.admin)
    auth.login(email)
    return client


def test_admin_reviews_the_plan_changes_one_item_and_applies(app, admin):
    with app.app_context():
        work = held_work()
        db.session.commit()
        url = f"/directory/convocations/{work['mazhilis'].id}/close"
        first, second = (d.id for d in work["takers"])
        appeal_id = work["appeals"][0].id
        before = snapshot()
    # The directory's board shows work left with deputies whose mandate ended.
    assert "data-left-with-former" in admin.get("/directory/").get_data(as_text=True)
    body_page = admin.get("/directory/bodies/MAZHILIS").get_data(as_text=True)
    assert url in body_page
    planned = submit(admin, url, "", having="end_date-day", action="plan")
    page = planned.get_data(as_text=True)
    assert planned.status_code == 200 and "data-plan" in page and "Бұрынғы Депутат" in page
    with app.app_context():
        assert snapshot() == before  # the plan is a dry run
    # Pick the other Almaty deputy for the first appeal, then apply the plan as shown.
    form = form_on(page, "", having="end_date-day")
    assert {str(first), str(second)} <= set(form.options[f"item-appeal-{appeal_id}"])
    data = form.fill(**{f"item-appeal-{appeal_id}": str(second)})
    shown = admin.post(url, data={**data, "action": "plan"}).get_data(as_text=True)
    applied = admin.post(url, data={**form_on(shown, "", having="end_date-day").values, "action": "apply"})
    assert applied.status_code == 302
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).deputy_id == second
        assert handover.left_with_former_deputies() == {"appeals": 0, "inquiries": 0}
    assert "data-left-with-former" not in admin.get("/directory/").get_data(as_text=True)
    # The appeal's timeline says it was handed over, from whom to whom.
    timeline = admin.get(f"/appeals/{appeal_id}").get_data(as_text=True)
    assert translated(app, "ru", "Handed over: the holder's mandate ended") in timeline
    assert "Бұрынғы Депутат → Құрылтай Екі" in timeline
    assert url not in admin.get(applied.headers["Location"]).get_data(as_text=True)  # closed and handed over


def test_a_bad_end_date_is_a_form_error_and_nothing_changes(app, admin):
    with app.app_context():
        work = held_work()
        db.session.commit()
        url = f"/directory/convocations/{work['mazhilis'].id}/close"
        before = snapshot()
    response = submit(admin, url, "", having="end_date-day", action="plan", **{"end_date-month": "13"})
    assert response.status_code == 200 and errors_at(response.get_data(as_text=True), "end_date")
    early = submit(
        admin,
        url,
        "",
        having="end_date-day",
        action="apply",
        **{"end_date-day": "1", "end_date-month": "1", "end_date-year": "2020"},
    )
    assert early.status_code == 200
    assert errors_at(early.get_data(as_text=True), "end_date") == [
        translated(app, "ru", "The mandate cannot end before it began.")
    ]
    with app.app_context():
        assert snapshot() == before


def test_deputies_and_analysts_may_not_close_a_convocation(app, client, auth, make_user):
    _, email = make_user(Role.analyst)
    auth.login(email)
    with app.app_context():
        convocation_id = convocation("MAZHILIS", 8).id
    assert client.get(f"/directory/convocations/{convocation_id}/close").status_code == 403
    assert client.post(f"/directory/convocations/{convocation_id}/close", data={"action": "apply"}).status_code in (
        400,
        403,
    )


def test_one_mandate_ends_early_from_the_deputies_list(app, admin):
    """A Kurultai deputy leaves (a new post, say): their appeal goes to the other list deputy of the region."""
    with app.app_context():
        leaving, staying = kurultai_deputy("Кетіп Бара Жатқан", "KAR"), kurultai_deputy("Қалатын Депутат", "KAR")
        db.session.add(RoutingRule(position=10, name="Тізім", target=RuleTarget.list_region))
        appeal_id = make_registration(branch_code="KAR-00", deputy=leaving, commit=False).appeal.id
        db.session.commit()
        leaving_id, staying_id = leaving.id, staying.id
    listing = admin.get("/directory/deputies?q=Кетіп").get_data(as_text=True)
    url = f"/directory/deputies/{leaving_id}/end-mandate"
    assert url in listing
    yesterday = date.today() - timedelta(days=1)
    planned = submit(
        admin,
        url,
        "",
        having="end_date-day",
        action="plan",
        **{
            "end_date-day": str(yesterday.day),
            "end_date-month": str(yesterday.month),
            "end_date-year": str(yesterday.year),
        },
    ).get_data(as_text=True)
    assert "Қалатын Депутат" in planned
    applied = admin.post(url, data={**form_on(planned, "", having="end_date-day").values, "action": "apply"})
    assert applied.status_code == 302
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).deputy_id == staying_id
        assert db.session.get(Deputy, leaving_id).mandate_end == yesterday
    listing = admin.get("/directory/deputies?q=Кетіп").get_data(as_text=True)
    assert 'data-mandate="ended"' in listing and url not in listing


def test_deputies_entered_before_convocations_leave_with_their_body(ctx):
    """A database from before convocations were data: its Mazhilis deputies name no convocation; closing the
    Mazhilis's convocation ends their mandates too and hands their work over."""
    legacy = make_deputy("Ескі Жазба Депутат", constituency=constituency_of("ALM.03"))
    maslikhat = make_deputy("Мәслихат Депутаты", "M-ALA", MandateType.single_mandate)
    taker = kurultai_deputy("Құрылтай Алматы", "ALM")
    db.session.add(RoutingRule(position=10, name="Тізім", target=RuleTarget.list_region))
    appeal = make_registration(deputy=legacy, commit=False).appeal
    mazhilis = convocation("MAZHILIS", 8)
    assert legacy in handover.convocation_deputies(mazhilis) and maslikhat not in handover.convocation_deputies(
        mazhilis
    )
    handover.close_convocation(mazhilis, end_date=date(2026, 6, 30), user=None, notify=False)
    assert appeal.deputy == taker
    assert legacy.convocation == mazhilis and not legacy.serves_on(date.today()) and maslikhat.serves_on(date.today())
