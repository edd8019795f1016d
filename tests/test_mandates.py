"""Voters' mandates: suggested groups on known near-duplicates in Kazakh and Russian, adoption into programme points
that keeps every source appeal, road-map tasks and their deadlines, the pages as an analyst drives them, and the
public road map without personal data."""

import io
from datetime import date, datetime, timedelta

import mandate_fixture
import mandate_heldout
import pytest
from factories import district, make_citizen, make_deputy, make_registration
from mandate_fixture import APPEALS, precision_recall
from pageforms import forms_on, submit
from sqlalchemy import select

from reception.accounts.models import Role
from reception.appeals.models import Appeal, AppealType
from reception.extensions import db
from reception.mandates import operations as ops
from reception.mandates import suggestions
from reception.mandates.models import OwnerKind, ProgrammePoint, RoadmapTask, TaskStatus, VoterMandate


def register_fixture(citizen=None, appeals=APPEALS) -> list[int]:
    """The fixture's appeals registered as proposals, each in its district and language; their ids in fixture order."""
    ids = []
    for _group, topic_code, district_code, language, text in appeals:
        appeal = make_registration(
            topic_code=topic_code,
            district=district(district_code),
            language=language,
            type=AppealType.proposal,
            summary=text[:200],
            text=text,
            citizen=citizen,
            commit=False,
        ).appeal
        ids.append(appeal.id)
    db.session.commit()
    return ids


@pytest.mark.parametrize("fixture", [mandate_fixture, mandate_heldout], ids=["tuning", "held-out"])
def test_suggestions_find_the_known_groups(ctx, fixture):
    # The held-out fixture was written after the method was tuned: Kazakh and Russian appeals on one matter that
    # share hardly a word ("собаки", "иттер") are found by the sentence embeddings.
    ids = register_fixture(appeals=fixture.APPEALS)
    position = {appeal_id: n for n, appeal_id in enumerate(ids)}
    groups = suggestions.suggest_groups()
    precision, recall = precision_recall([[position[a.id] for a in g.appeals] for g in groups], fixture.APPEALS)
    assert precision > 0.8 and recall > 0.8, (precision, recall)
    # No lone appeal is put into a known group. (Two lone ones may pair with each other: in the tuning fixture a
    # flooded flat and a broken lift, both in blocks of flats, do; that pair counts against the precision above.)
    lone = {ids[n] for n, row in enumerate(fixture.APPEALS) if row[0] is None}
    assert all(not lone & {a.id for a in g.appeals} or {a.id for a in g.appeals} <= lone for g in groups)


def test_many_missing_embeddings_are_made_by_a_job_and_kept_in_redis_for_the_board(app, ctx):
    from rq import SimpleWorker

    from reception.jobs.queues import get_queue, get_redis
    from reception.mandates import embeddings

    # More appeals than the board embeds itself: it suggests on the n-grams alone and queues the job.
    app.config["MANDATE_EMBED_INLINE"] = 5
    ids = register_fixture(appeals=mandate_heldout.APPEALS)
    embeddings._cache.clear()
    position = {appeal_id: n for n, appeal_id in enumerate(ids)}

    def measured():
        groups = suggestions.suggest_groups()
        return precision_recall([[position[a.id] for a in g.appeals] for g in groups], mandate_heldout.APPEALS)

    assert measured()[1] < 0.8
    assert get_queue("default").count == 1
    assert embeddings.missing([suggestions._text(a) for a in suggestions._candidates()]) == len(ids)
    SimpleWorker([get_queue("default")], connection=get_redis()).work(burst=True)
    # A process that made none of them itself (this one's own cache emptied) reads them from Redis.
    embeddings._cache.clear()
    assert embeddings.missing([suggestions._text(a) for a in suggestions._candidates()]) == 0
    precision, recall = measured()
    assert precision > 0.8 and recall > 0.8, (precision, recall)
    assert get_queue("default").count == 0


def test_the_board_says_when_kazakh_and_russian_matching_is_still_being_prepared(app, client, analyst):
    from rq import SimpleWorker

    from reception.jobs.queues import get_queue, get_redis
    from reception.mandates import embeddings

    app.config["MANDATE_EMBED_INLINE"] = 5
    with app.app_context():
        register_fixture(appeals=mandate_heldout.APPEALS)
    embeddings._cache.clear()
    board = client.get("/mandates/").get_data(as_text=True)
    assert 'data-notice="matching-pending"' in board and '<html lang="ru"' in board
    with app.app_context():
        SimpleWorker([get_queue("default")], connection=get_redis()).work(burst=True)
    assert 'data-notice="matching-pending"' not in client.get("/mandates/").get_data(as_text=True)


def test_suggestions_keep_to_one_topic_and_region(ctx):
    register_fixture()
    for group in suggestions.suggest_groups():
        assert len({(a.topic_id, a.region_id) for a in group.appeals}) == 1


def test_a_growing_mandate_is_suggested_and_accepted_appeals_leave_the_suggestions(ctx):
    ids = register_fixture()
    gas = [n for n, row in enumerate(APPEALS) if row[0] == "gas"]
    # The analyst accepts the group without its last appeal, which then matches the mandate as a new appeal.
    mandate = ops.create_mandate(
        [db.session.get(Appeal, ids[n]) for n in gas[:-1]], title_kk="Ауылға газ", title_ru="Газ в село", user=None
    )
    db.session.commit()
    assert all(ids[gas[0]] not in [a.id for a in g.appeals] for g in suggestions.suggest_groups())
    growth = suggestions.suggest_growth()
    assert [(g.mandate.id, [a.id for a in g.appeals]) for g in growth] == [(mandate.id, [ids[gas[-1]]])]


def test_adoption_keeps_every_source_appeal(ctx):
    ids = register_fixture()
    gas = [db.session.get(Appeal, ids[n]) for n, row in enumerate(APPEALS) if row[0] == "gas"]
    water = [db.session.get(Appeal, ids[n]) for n, row in enumerate(APPEALS) if row[0] == "water"]
    first = ops.create_mandate(gas, title_kk="Газ", title_ru="Газ", user=None)
    second = ops.create_mandate(water, title_kk="Су", title_ru="Вода", user=None)
    point = ops.adopt_into_point(
        [first, second], text_kk="Ауылдарды газбен және сумен қамту", text_ru="Газ и вода в сёла", user=None
    )
    db.session.commit()
    db.session.expire_all()
    point = db.session.get(ProgrammePoint, point.id)
    assert sorted(a.id for a in point.source_appeals) == sorted(a.id for a in gas + water)
    assert point.number == 1
    # An adopted mandate keeps its sources: taking one out is refused, and nothing is lost.
    with pytest.raises(ops.MandateError):
        ops.remove_appeal(point.mandates[0], point.mandates[0].appeals[0], user=None)
    with pytest.raises(ops.MandateError):
        ops.adopt_into_point([first], text_kk="x", text_ru="y", user=None)
    db.session.rollback()
    assert len(db.session.get(ProgrammePoint, point.id).source_appeals) == len(gas) + len(water)


def test_a_mandate_gathers_one_topic_and_region(ctx):
    ids = register_fixture()
    mixed = [db.session.get(Appeal, ids[0]), db.session.get(Appeal, ids[13])]  # housing and education
    with pytest.raises(ops.MandateError):
        ops.create_mandate(mixed, title_kk="", title_ru="Смесь", user=None)


def _point_with_tasks(ids) -> ProgrammePoint:
    mandate = ops.create_mandate(
        [db.session.get(Appeal, ids[0]), db.session.get(Appeal, ids[1])], title_kk="Газ", title_ru="Газ", user=None
    )
    return ops.adopt_into_point([mandate], text_kk="Газ ауылға", text_ru="Газ в село", user=None)


def test_task_deadlines_and_overdue(ctx):
    ids = register_fixture()
    point = _point_with_tasks(ids)
    today = date(2026, 12, 1)
    deputy = make_deputy("Оразов Ерлан")
    late = ops.add_task(
        point,
        title_kk="Жоба",
        title_ru="Проект",
        owner=ops.Owner(OwnerKind.deputy, deputy_id=deputy.id),
        expected_result="ПСД готова",
        deadline=today - timedelta(days=1),
    )
    due_today = ops.add_task(
        point,
        title_kk="",
        title_ru="Тендер",
        owner=ops.Owner(OwnerKind.faction, faction="Фракция"),
        expected_result="Тендер объявлен",
        deadline=today,
    )
    done_late = ops.add_task(
        point,
        title_kk="",
        title_ru="Стройка",
        owner=ops.Owner(OwnerKind.faction, faction="Фракция"),
        expected_result="Газ пущен",
        deadline=today - timedelta(days=30),
    )
    ops.set_task_status(done_late, TaskStatus.done)
    db.session.commit()
    assert [t.id for t in ops.overdue_tasks(today)] == [late.id]
    assert [t.id for t in ops.overdue_tasks(today, deputy_id=deputy.id)] == [late.id]
    assert ops.overdue_tasks(today, deputy_id=deputy.id + 1000) == []
    assert not due_today.is_overdue(today) and due_today.is_overdue(today + timedelta(days=1))
    # Reopened, the done task is overdue again and forgets when it was done.
    ops.set_task_status(done_late, TaskStatus.in_progress)
    assert done_late.done_dt is None
    assert [t.id for t in ops.overdue_tasks(today)] == [done_late.id, late.id]


def test_a_task_names_its_owner(ctx):
    ids = register_fixture()
    point = _point_with_tasks(ids)
    with pytest.raises(ops.MandateError):
        ops.add_task(
            point,
            title_kk="",
            title_ru="Без владельца",
            owner=ops.Owner(OwnerKind.body),
            expected_result="x",
            deadline=date(2027, 1, 1),
        )


# --- the pages -----------------------------------------------------------------------------------------------


@pytest.fixture
def analyst(app, client, auth, make_user):
    _, email = make_user(Role.analyst)
    auth.login(email)
    return email


def test_an_analyst_goes_from_a_suggested_group_to_a_public_road_map_task(app, client, analyst):
    with app.app_context():
        citizen = make_citizen()
        ids = register_fixture(citizen)
        gas = [ids[n] for n, row in enumerate(APPEALS) if row[0] == "gas"]
    board = client.get("/mandates/").get_data(as_text=True)
    assert "Сейткали" not in board  # no names of citizens on the board
    # Accept the gas group, leaving its last appeal out: every suggested group has its own form, the gas one is
    # told by the appeals it holds (its last ticked box).
    page = client.get("/mandates/").get_data(as_text=True)
    assert [f.values.get("appeal") for f in forms_on(page) if f.action.endswith("/accept")].count(str(gas[-1])) == 1
    response = submit(
        client,
        "/mandates/",
        "/mandates/accept",
        carrying={"appeal": str(gas[-1])},
        appeal=[str(i) for i in gas[:-1]],
        title_kk="Жаңаталап ауылына газ",
        title_ru="Газ в село Жанаталап",
    )
    assert response.status_code == 302
    mandate_url = response.headers["Location"]
    with app.app_context():
        mandate = db.session.scalar(select(VoterMandate))
        assert sorted(a.id for a in mandate.appeals) == sorted(gas[:-1])
        mandate_id = mandate.id
    detail = client.get(mandate_url).get_data(as_text=True)
    assert "Газ в село Жанаталап" in detail and "Сейткали" not in detail
    # The left-out appeal is offered as growing the mandate, and added from the board.
    response = submit(client, "/mandates/", f"/mandates/{mandate_id}/add")
    assert response.status_code == 302
    with app.app_context():
        assert sorted(a.id for a in db.session.get(VoterMandate, mandate_id).appeals) == sorted(gas)
    # One appeal taken out from the mandate's page.
    response = submit(client, mandate_url, f"/mandates/{mandate_id}/remove/{gas[0]}")
    assert response.status_code == 302
    with app.app_context():
        assert gas[0] not in [a.id for a in db.session.get(VoterMandate, mandate_id).appeals]
    # Adopted without the Kazakh text: a form error, nothing stored.
    response = submit(client, mandate_url, f"/mandates/{mandate_id}/adopt", text_ru="Газ в село")
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(ProgrammePoint)) is None
    response = submit(
        client,
        mandate_url,
        f"/mandates/{mandate_id}/adopt",
        text_kk="Жаңаталап ауылын газбен қамту",
        text_ru="Газификация села Жанаталап",
    )
    assert response.status_code == 302
    point_url = response.headers["Location"]
    with app.app_context():
        point = db.session.scalar(select(ProgrammePoint))
        assert len(point.source_appeals) == len(gas) - 1
        point_id = point.id
    # A road-map task with a faction as its owner.
    response = submit(
        client,
        point_url,
        f"/mandates/points/{point_id}/tasks",
        title_kk="Газ құбырының жобасы",
        title_ru="Проект газопровода",
        owner_kind="faction",
        owner_faction="Фракция партии",
        expected_result="Проектно-сметная документация утверждена",
        deadline="2027-06-30",
    )
    assert response.status_code == 302
    with app.app_context():
        task = db.session.scalar(select(RoadmapTask))
        assert (task.owner_faction, task.deadline) == ("Фракция партии", date(2027, 6, 30))
        task_id = task.id
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 100
    response = submit(
        client,
        point_url,
        f"/mandates/tasks/{task_id}/status",
        status="done",
        evidence_url="https://example.kz/psd.pdf",
        files={"documents": (io.BytesIO(pdf), "akt priemki.pdf")},
    )
    assert response.status_code == 302
    with app.app_context():
        task = db.session.get(RoadmapTask, task_id)
        assert task.status is TaskStatus.done and task.evidence_url == "https://example.kz/psd.pdf"
        (document,) = task.documents
        document_id = document.id
    downloaded = client.get(f"/mandates/documents/{document_id}")
    assert downloaded.status_code == 200 and downloaded.data == pdf
    assert "akt_priemki.pdf" in downloaded.headers["Content-Disposition"]
    # A file that is not a document is refused, and nothing about the task changes.
    response = submit(
        client,
        point_url,
        f"/mandates/tasks/{task_id}/status",
        status="in_progress",
        files={"documents": (io.BytesIO(b"MZ\x90\x00 not a document"), "virus.exe")},
    )
    assert response.status_code == 302
    assert "virus.exe" in client.get(point_url).get_data(as_text=True)  # the refusal names it
    with app.app_context():
        task = db.session.get(RoadmapTask, task_id)
        assert task.status is TaskStatus.done and len(task.documents) == 1
    # The public road map, without signing in, shows the point and its task, and no one's name.
    visitor = app.test_client()
    assert 'href="/roadmap/"' in visitor.get("/").get_data(as_text=True)  # linked from the public start page
    public = visitor.get("/roadmap/")
    assert public.status_code == 200
    text = public.get_data(as_text=True)
    assert "Проект газопровода" in text or "Газ құбырының жобасы" in text
    assert "Сейткали" not in text and "900101300017" not in text
    assert "1 / 1" in text
    assert "1 документ" in text and "/mandates/documents/" not in text  # counted in public, downloaded by staff


def test_a_task_without_an_owner_is_a_form_error(app, client, analyst):
    with app.app_context():
        ids = register_fixture()
        point = _point_with_tasks(ids)
        db.session.commit()
        point_url = f"/mandates/points/{point.id}"
    response = submit(
        client,
        point_url,
        f"{point_url}/tasks",
        title_ru="Задача",
        owner_kind="body",
        expected_result="Итог",
        deadline="2027-01-01",
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(RoadmapTask)) is None


def test_the_mandates_map_counts_its_appeals_by_region_and_its_table_by_district(app, client, analyst):
    from lxml import html

    with app.app_context():
        ids = register_fixture()
        water = [db.session.get(Appeal, ids[n]) for n, row in enumerate(APPEALS) if row[0] == "water"]
        # One more from another district of the same region (Almaty region): the table tells the two apart.
        other = make_registration(topic_code="housing", district=district("ALM.05"), summary="Нет воды").appeal
        mandate = ops.create_mandate([*water, other], title_kk="Су", title_ru="Вода", user=None)
        db.session.commit()
        region = water[0].region.code
        expected = {}
        for appeal in mandate.appeals:
            expected[appeal.district.name] = expected.get(appeal.district.name, 0) + 1
        total, mandate_id, expected_total = len(mandate.appeals), mandate.id, len(water) + 1
    page = html.fromstring(client.get(f"/mandates/{mandate_id}").get_data(as_text=True))
    squares = page.xpath("//*[@data-map]//*[local-name()='g'][@data-region]")
    assert len(squares) == 20
    shown = {g.get("data-region"): g.xpath("*[local-name()='text']")[1].text for g in squares}
    assert shown.pop(region) == str(total) == str(expected_total)
    assert set(shown.values()) == {"—"}
    rows = page.xpath("//*[@data-places]/tbody/tr")
    assert {r.xpath("th")[0].text: int(r.xpath("td[@data-count]")[0].text) for r in rows} == expected
    assert len(expected) == 2 and sum(expected.values()) == total
    # The map is an image named by the heading; the table beside it carries the same counts for screen readers.
    assert page.xpath("//*[@data-map]/*[local-name()='svg']")[0].get("aria-labelledby") == "h-places"


@pytest.mark.parametrize("role", [Role.staff, Role.deputy, Role.assistant, Role.branch_head])
def test_only_analysts_and_administrators_keep_mandates(client, auth, make_user, role):
    _, email = make_user(role)
    auth.login(email)
    assert client.get("/mandates/").status_code == 403


def test_an_owner_deputy_sees_their_overdue_task(app, client, auth, make_user):
    user_id, email = make_user(Role.deputy)
    with app.app_context():
        from reception.accounts.models import User

        deputy_id = db.session.get(User, user_id).deputy_id
        point = _point_with_tasks(register_fixture())
        ops.add_task(
            point,
            title_kk="",
            title_ru="Мой просроченный пункт",
            owner=ops.Owner(OwnerKind.deputy, deputy_id=deputy_id),
            expected_result="x",
            deadline=date(2020, 1, 1),
        )
        ops.add_task(
            point,
            title_kk="",
            title_ru="Чужая задача",
            owner=ops.Owner(OwnerKind.faction, faction="Ф"),
            expected_result="x",
            deadline=date(2020, 1, 1),
        )
        db.session.commit()
    auth.login(email)
    page = client.get("/mandates/my-tasks").get_data(as_text=True)
    assert "Мой просроченный пункт" in page and "Чужая задача" not in page


# --- reminders -----------------------------------------------------------------------------------------------


def test_task_owners_are_reminded_before_the_deadline_and_alerted_once_when_overdue(app, ctx, make_user):
    from zoneinfo import ZoneInfo

    import time_machine

    from reception.accounts.models import User
    from reception.mandates.tasks import remind_roadmap_tasks
    from reception.notifications.models import InAppNotification

    almaty = ZoneInfo("Asia/Almaty")
    saved = app.config["SMS_SEND_HOURS"]
    app.config["SMS_SEND_HOURS"] = (9, 20)
    try:
        owner = db.session.get(User, make_user(Role.deputy)[0])
        analyst = db.session.get(User, make_user(Role.analyst)[0])
        point = _point_with_tasks(register_fixture())
        task = ops.add_task(
            point,
            title_kk="Жоба",
            title_ru="Проект газопровода",
            owner=ops.Owner(OwnerKind.deputy, deputy_id=owner.deputy_id),
            expected_result="ПСД",
            deadline=date(2026, 11, 30),
        )
        db.session.commit()

        def notes(user_id):
            return list(db.session.scalars(select(InAppNotification.text).where(InAppNotification.user_id == user_id)))

        with time_machine.travel(datetime(2026, 11, 22, 11, 0, tzinfo=almaty), tick=False):  # Sunday: nobody
            assert remind_roadmap_tasks() == 0
        with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=almaty), tick=False):  # Monday, 7 days before
            assert remind_roadmap_tasks() == 1
            assert remind_roadmap_tasks() == 0
        assert any("Проект газопровода" in t and "30.11.2026" in t for t in notes(owner.id))
        assert notes(analyst.id) == []
        with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=almaty), tick=False):  # overdue
            assert remind_roadmap_tasks() == 2  # the owner and the analyst
            assert remind_roadmap_tasks() == 0
        with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=almaty), tick=False):  # once, not daily
            assert remind_roadmap_tasks() == 0
        assert len(notes(analyst.id)) == 1
        # Done, it is no longer chased; a moved deadline is reminded of again.
        task.deadline = date(2026, 12, 9)
        db.session.commit()
        with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=almaty), tick=False):
            assert remind_roadmap_tasks() == 1
        ops.set_task_status(task, TaskStatus.done)
        db.session.commit()
        with time_machine.travel(datetime(2026, 12, 10, 10, 0, tzinfo=almaty), tick=False):
            assert remind_roadmap_tasks() == 0
    finally:
        app.config["SMS_SEND_HOURS"] = saved


# --- back to the people --------------------------------------------------------------------------------------


def test_citizens_who_agreed_are_told_once_in_their_language(ctx):
    from reception.notifications.models import MessageChannel, OutboxMessage

    told_ru = make_citizen("900101300017", full_name="Сейткали Айгуль", phone="+77011234567", may_be_told=True)
    silent = make_citizen("850615400123", full_name="Ержанов Марат", phone="+77770001122", may_be_told=False)
    told_kk = make_citizen(
        "920304500456", full_name="Нурланова Дана", phone="+77471239988", language="kk", may_be_told=True
    )
    rows = [n for n, row in enumerate(APPEALS) if row[0] == "gas"]
    appeals = []
    for n, citizen in zip(rows, [told_ru, silent, told_kk, told_kk, None, told_ru, silent], strict=True):
        _group, topic_code, district_code, language, text = APPEALS[n]
        appeals.append(
            make_registration(
                topic_code=topic_code,
                district=district(district_code),
                language=language,
                type=AppealType.proposal,
                summary=text[:200],
                text=text,
                citizen=citizen,
            ).appeal
        )
    mandate = ops.create_mandate(appeals, title_kk="Ауылға газ", title_ru="Газ в село", user=None)
    db.session.commit()

    def sms() -> list[OutboxMessage]:
        return list(
            db.session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.channel == MessageChannel.sms,
                    OutboxMessage.dedupe_key.contains("programme-point")
                    | OutboxMessage.dedupe_key.contains("roadmap-task"),
                )
                .order_by(OutboxMessage.id)
            )
        )

    point = ops.adopt_into_point([mandate], text_kk="Ауылға газ", text_ru="Газ в село", user=None)
    db.session.commit()
    sent = sms()
    # One message to each consenting citizen (not one per appeal), none to the one who did not agree.
    assert sorted(m.recipient for m in sent) == ["+77011234567", "+77471239988"]
    by_phone = {m.recipient: m for m in sent}
    assert "пунктом" in by_phone["+77011234567"].body and f" {point.number} " in by_phone["+77011234567"].body
    assert by_phone["+77471239988"].language == "kk" and "тармағы" in by_phone["+77471239988"].body
    assert ops.tell_citizens(point, "mandate_adopted", f"programme-point:{point.id}") == 0  # once

    task = ops.add_task(
        point,
        title_kk="Газ құбырын салу",
        title_ru="Строительство газопровода",
        owner=ops.Owner(OwnerKind.faction, faction="Фракция"),
        expected_result="Газ пущен",
        deadline=date(2027, 1, 1),
    )
    ops.set_task_status(task, TaskStatus.in_progress)
    db.session.commit()
    assert len(sms()) == 2  # not done yet: nothing to tell
    ops.set_task_status(task, TaskStatus.done)
    ops.set_task_status(task, TaskStatus.in_progress)
    ops.set_task_status(task, TaskStatus.done)
    db.session.commit()
    done = sms()[2:]
    assert sorted(m.recipient for m in done) == ["+77011234567", "+77471239988"]
    emails = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.channel == MessageChannel.email, OutboxMessage.dedupe_key.contains("roadmap-task")
        )
    ).all()
    assert all("Газ құбырын салу" in m.body for m in emails if m.language == "kk")


def test_a_tasks_evidence_is_a_deputy_inquiry_and_its_answer(app, client, analyst, make_user):
    from factories import make_inquiry, user
    from test_inquiries import appeals_for

    from reception.inquiries import operations as inquiry_ops
    from reception.inquiries.models import AnswerAssessment, InquiryState

    _, deputy_email = make_user(Role.deputy)
    with app.app_context():
        deputy_user = user(deputy_email)
        inquiry = make_inquiry(appeals_for(deputy_user.deputy), user=deputy_user, state=InquiryState.approved)
        inquiry_ops.mark_sent(inquiry, user=deputy_user, outgoing_number="07-15/88", sent_date=date(2026, 10, 1))
        inquiry_ops.record_answer(
            inquiry,
            user=deputy_user,
            answer_date=date(2026, 10, 20),
            answer_number="ЖТ-1",
            answer_text="Служебный ответ с подробностями",
            public_summary="Газопровод включён в план на 2027 год",
            assessment=AnswerAssessment.substantive,
        )
        point = _point_with_tasks(register_fixture())
        db.session.commit()
        point_url, inquiry_id = f"/mandates/points/{point.id}", inquiry.id
    response = submit(
        client,
        point_url,
        f"{point_url}/tasks",
        title_ru="Включить газопровод в план",
        owner_kind="faction",
        owner_faction="Фракция",
        expected_result="Газопровод в плане",
        deadline="2027-01-01",
        inquiry=str(inquiry_id),
    )
    assert response.status_code == 302
    page = client.get(point_url).get_data(as_text=True)
    assert f'href="/inquiries/{inquiry_id}"' in page and "20.10.2026" in page
    public = app.test_client().get("/roadmap/").get_data(as_text=True)
    assert "Газопровод включён в план на 2027 год" in public and "20.10.2026" in public
    assert "Служебный ответ" not in public and f"/inquiries/{inquiry_id}" not in public


def test_a_suggested_group_joins_an_existing_mandate(app, client, analyst):
    with app.app_context():
        ids = register_fixture()
        bus = [ids[n] for n, row in enumerate(APPEALS) if row[0] == "bus"]
        mandate = ops.create_mandate([db.session.get(Appeal, bus[0])], title_kk="", title_ru="Автобус №12", user=None)
        db.session.commit()
        mandate_id = mandate.id
    # The first bus appeal is in the mandate; the rest are suggested as a group, which the analyst adds to it
    # (all its boxes ticked, as the page shows them: the form's parser keeps only a name's last checkbox).
    response = submit(
        client,
        "/mandates/",
        "/mandates/join",
        carrying={"appeal": str(bus[-1])},
        appeal=[str(i) for i in bus[1:]],
        mandate=str(mandate_id),
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/mandates/{mandate_id}")
    with app.app_context():
        assert sorted(a.id for a in db.session.get(VoterMandate, mandate_id).appeals) == sorted(bus)
