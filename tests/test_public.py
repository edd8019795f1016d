"""The citizens' side: the status look-up (no enumeration, limits, locks, no personal data), the online
appeal (robots, limits, the SMS code, registration like a walk-in), ratings, reopening, added information."""

import io
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from factories import branch, make_citizen, make_deputy, make_registration, topic
from flask_babel import force_locale, gettext
from pageforms import errors_at, form_on, submit
from sqlalchemy import func, select
from support import Auth, csrf_token, make_config, translated

from reception.accounts.models import Role, User
from reception.appeals import operations as appeal_ops
from reception.appeals.codes import new_tracking_code
from reception.appeals.models import (
    Appeal,
    AppealEvent,
    AppealFeedback,
    AppealState,
    AppealType,
    Channel,
    Citizen,
    Rating,
    ReopenState,
)
from reception.audit.models import AuditEntry
from reception.directory.models import District, MandateType, Region
from reception.extensions import db
from reception.jobs.queues import get_redis
from reception.notifications.models import InAppNotification, MessageChannel, OutboxMessage
from reception.public import online
from reception.routing.models import RoutingRule, RuleTarget

S = AppealState
IIN = "900101300017"
PHONE = "+77011234567"
ADDRESS = "г. Косшы, ул. Абая, 1, кв. 17"
TEXT = "Третью неделю нет холодной воды в доме по ул. Абая, 1. Управляющая компания не отвечает."
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+(")')


def web_submission(**overrides) -> online.Submission:
    """An online submission about the ALM-03 area, as the form hands it over (call in an app context)."""
    place = branch("ALM-03")
    values = {
        "iin": IIN,
        "full_name": "Сейткали Айгуль",
        "phone": PHONE,
        "email": "",
        "address": "",
        "language": "ru",
        "type": "request",
        "topic_id": topic().id,
        "summary": "Вода",
        "text": "Нет воды",
        "region_id": place.region_id,
        "district_id": place.district_id,
    }
    values.update(overrides)
    return online.Submission(**values)


def make_appeal(app, branch_code="ALM-03", phone=PHONE, channel=Channel.walk_in, iin=IIN) -> tuple[int, str, str]:
    """A committed appeal of a citizen with personal data; returns (id, tracking code, PIN)."""
    with app.app_context():
        citizen = make_citizen(iin, phone=phone, email="aigul@example.kz", address=ADDRESS)
        registered = make_registration(
            branch_code=branch_code,
            citizen=citizen,
            type=AppealType.complaint,
            summary="Нет воды",
            text=TEXT,
            channel=channel,
        )
        return registered.appeal.id, registered.appeal.tracking_code, registered.pin


def look_up(client, code, pin, **kwargs):
    token = csrf_token(client, "/status/")
    return client.post("/status/", data={"csrf_token": token, "code": code, "pin": pin}, **kwargs)


def without_csrf(html: str) -> str:
    return CSRF_VALUE.sub(r"\1-\2", html)


def user_named(app, make_user, role, full_name, branch_code=None) -> tuple[int, str]:
    user_id, email = make_user(role, branch_code)
    with app.app_context():
        db.session.get(User, user_id).full_name = full_name
        db.session.commit()
    return user_id, email


# --- no enumeration, limits, locks -------------------------------------------------------------------


def test_unknown_malformed_and_wrong_pin_answer_byte_identical_pages(app, client):
    _, code, pin = make_appeal(app)
    unknown = new_tracking_code()
    wrong_pin = "000000" if pin != "000000" else "111111"
    answers = [
        look_up(client, unknown, "123456"),
        look_up(client, "ABCD-12", "123456"),
        look_up(client, code, wrong_pin),
    ]
    assert {a.status_code for a in answers} == {404}
    bodies = {without_csrf(a.get_data(as_text=True)) for a in answers}
    assert len(bodies) == 1
    assert code not in bodies.pop()
    assert all(a.headers["Cache-Control"] == "no-store" for a in answers)
    # The per-code counters were kept apart: none of the three codes is locked.
    assert look_up(client, code, pin).status_code == 200


def test_behind_a_proxy_each_client_address_has_its_own_limit(app, database_url, redis_url):
    from reception import create_app

    proxied = create_app(make_config(database_url, redis_url, PROXY_FIX_HOPS=1))
    first, second = proxied.test_client(), proxied.test_client()  # both reach the app from the proxy, 127.0.0.1

    def ask(client, ip):
        return look_up(
            client,
            new_tracking_code(),
            "123456",
            headers={"X-Forwarded-For": ip},
        ).status_code

    assert [ask(first, "198.51.100.7") for _ in range(10)] == [404] * 10
    assert ask(second, "203.0.113.9") == 404  # another citizen behind the same proxy: not yet limited
    assert ask(first, "198.51.100.7") == 429


def test_eleven_quick_lookups_from_one_ip_get_a_friendly_429_in_the_users_language(app, client):
    headers = {"Accept-Language": "kk"}
    codes = [look_up(client, new_tracking_code(), "123456", headers=headers).status_code for _ in range(11)]
    assert codes == [404] * 10 + [429]
    last = look_up(client, new_tracking_code(), "123456", headers=headers)
    with app.test_request_context(), force_locale("kk"):
        title = gettext("Too many requests")
    page = last.get_data(as_text=True)
    assert last.status_code == 429 and title in page and 'lang="kk"' in page
    # The count lives in Redis, so every web process shares it; its key names no address.
    with app.app_context():
        counters = get_redis().keys("status:lookups:*")
        assert counters and not any(b"127.0.0.1" in key for key in get_redis().keys("*"))


def test_six_wrong_pins_lock_the_code_until_the_branch_unlocks_it(app, client, make_user):
    appeal_id, code, pin = make_appeal(app)
    wrong = "000000" if pin != "000000" else "111111"
    assert [look_up(client, code, wrong).status_code for _ in range(5)] == [404] * 5
    locked = look_up(client, code, pin)  # the sixth try, even with the right PIN
    assert locked.status_code == 429 and "data-status" not in locked.get_data(as_text=True)

    other = app.test_client()
    _, other_email = make_user(Role.staff, "AST-01")
    Auth(other).login(other_email)
    token = csrf_token(other, "/me")
    assert other.post(f"/appeals/{appeal_id}/citizen/unlock", data={"csrf_token": token}).status_code == 404

    staff = app.test_client()
    _, email = make_user(Role.staff, "ALM-03")
    Auth(staff).login(email)
    detail = staff.get(f"/appeals/{appeal_id}").get_data(as_text=True)
    assert 'data-action="unlock"' in detail
    assert submit(staff, f"/appeals/{appeal_id}", f"/appeals/{appeal_id}/citizen/unlock").status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "appeal.status_unlock"))
        assert entry.target_id == str(appeal_id) and entry.details == {"was_locked": True}
    assert look_up(client, code, pin).status_code == 200


def test_a_code_that_does_not_exist_locks_the_same_way(app, client):
    code = new_tracking_code()
    answers = [look_up(client, code, "123456").status_code for _ in range(6)]
    assert answers == [404] * 5 + [429]


# --- what the status page shows ----------------------------------------------------------------------


def test_status_page_shows_the_public_timeline_and_no_personal_data(app, client, make_user):
    appeal_id, code, pin = make_appeal(app)
    deputy_user_id, _ = user_named(app, make_user, Role.deputy, "Ержанов Внутренний Сотрудник")
    with app.app_context():
        appeal = db.session.get(Appeal, appeal_id)
        holder = db.session.get(User, deputy_user_id)
        appeal_ops.route_appeal(appeal, holder.deputy, user=None, comment="rule #7 “internal routing rule”")
        appeal_ops.take_into_work(appeal, user=holder)
        appeal.events.append(AppealEvent(kind="note", comment="Внутренняя заметка: позвонить в ЖКХ", is_public=False))
        appeal_ops.mark_inquiry_sent(appeal, user=holder, comment="Запрос направлен в акимат Конаевского района")
        appeal.events.append(AppealEvent(kind="inquiry", comment="Акимат получил запрос", is_public=True))
        db.session.commit()
        deputy_name, body_name = holder.deputy.full_name, holder.deputy.body.name
        days_left = appeal_ops.deadlines.working_days_left(
            appeal.deadline, appeal_ops.deadlines.local_date(appeal_ops.utcnow()), appeal_ops.work_calendar()
        )
        citizen = appeal.citizen
        stored = {
            "iin": citizen.iin,
            "phone": citizen.phone,
            "phone digits": citizen.phone[2:],
            "address": citizen.address,
            "text": appeal.text,
            "full name": citizen.full_name,
            "e-mail": citizen.email,
        }
        branch_phone = appeal.branch.phone

    response = look_up(client, code, pin)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    for what, value in stored.items():
        assert value not in page, f"the status page shows the citizen's {what}"
    for internal in ("internal routing rule", "Внутренняя заметка", "Ержанов Внутренний Сотрудник"):
        assert internal not in page
    assert f"{deputy_name}, {body_name}" in page
    assert "Запрос направлен в акимат Конаевского района" in page and "Акимат получил запрос" in page
    left = re.search(r'data-status="days-left">\(([^)]*)\)<', page).group(1)
    assert re.search(rf"\b{days_left}\b", left) and branch_phone in page
    steps = re.findall(r'data-step="([^"]+)"', page)
    assert steps == ["transition", "transition", "transition", "transition", "inquiry"]


def test_decision_text_is_the_answer_and_the_deadline_is_not_counted_after_it(app, client, make_user):
    _appeal_id, code, pin = decided_appeal(app, make_user, comment="Ремонт водопровода включён в план на май.")
    page = look_up(client, code, pin).get_data(as_text=True)
    assert re.search(r'data-status="answer">Ремонт водопровода включён в план на май\.<', page)
    assert 'data-status="days-left"' not in page and 'data-form="rate"' in page and 'data-form="add"' not in page


# --- the online appeal ---------------------------------------------------------------------------------


@pytest.fixture
def quick_forms(app, monkeypatch):
    """No minimum fill time (the tests that check it set their own)."""
    monkeypatch.setitem(app.config, "ONLINE_MIN_FILL_SECONDS", 0)


def online_form(app, client, **overrides) -> dict:
    html = client.get("/online/").get_data(as_text=True)
    started = re.search(r'name="started"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="started"', html
    )
    with app.app_context():
        place = branch("ALM-03")
        data = {
            "csrf_token": CSRF_VALUE.search(html).group(0).split('value="')[1].rstrip('"'),
            "started": started.group(1),
            "full_name": "Сейткали Айгуль Болатовна",
            "iin": IIN,
            "phone": "8 701 123 45 67",
            "email": "",
            "address": ADDRESS,
            "language": "kk",
            "type": "complaint",
            "topic": str(topic().id),
            "region": str(place.region_id),
            "district": str(place.district_id),
            "summary": "Нет воды",
            "text": TEXT,
            "consent": "y",
            "website": "",
        }
    data.update(overrides)
    return data


def send_online(app, client, files=None, **overrides):
    data = online_form(app, client, **overrides)
    if files:
        data["attachments"] = files
    return client.post("/online/", data=data, content_type="multipart/form-data")


def nothing_stored(app) -> bool:
    with app.app_context():
        counts = [
            db.session.scalar(select(func.count()).select_from(model)) for model in (Citizen, Appeal, OutboxMessage)
        ]
        return counts == [0, 0, 0] and not get_redis().keys("online:pending:*")


def test_honeypot_rejection_stores_nothing(app, client, quick_forms):
    response = send_online(app, client, website="http://cheap-pills.example")
    assert response.status_code == 400 and "data-refusal" in response.get_data(as_text=True)
    assert nothing_stored(app)


def test_form_sent_too_fast_or_with_a_forged_timestamp_stores_nothing(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "ONLINE_MIN_FILL_SECONDS", 3600)
    assert send_online(app, client).status_code == 400
    monkeypatch.setitem(app.config, "ONLINE_MIN_FILL_SECONDS", 0)
    assert send_online(app, client, started="12345.forged").status_code == 400
    assert nothing_stored(app)


def test_the_form_validates_like_intake(app, client, quick_forms):
    response = send_online(app, client, iin="900101300018", phone="12345", consent="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    with app.test_request_context():
        from reception.appeals.forms import IIN_REASONS

        assert str(IIN_REASONS["the check digit is wrong"]) in page
    assert nothing_stored(app)


def single_mandate_deputy_of_alm03():
    from reception.directory.models import Constituency, constituency_districts

    district = db.session.get(District, branch("ALM-03").district_id)
    constituency = db.session.scalar(
        select(Constituency).join(constituency_districts).where(constituency_districts.c.district_id == district.id)
    )
    deputy = make_deputy("Одномандатник Округа", mandate=MandateType.single_mandate, constituency=constituency)
    db.session.add(RoutingRule(position=10, name="single-mandate", target=RuleTarget.single_mandate))
    db.session.commit()
    return deputy.id


def test_online_appeal_end_to_end_is_registered_and_routed_like_a_walk_in(app, client, quick_forms):
    with app.app_context():
        deputy_id = single_mandate_deputy_of_alm03()
    png = (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "photo.png")
    assert 'name="may_be_told"' in client.get("/online/").get_data(as_text=True)
    assert "may_be_told" not in form_on(client.get("/online/").get_data(as_text=True), "", having="iin").values
    response = send_online(app, client, files=[png], may_be_named="y", may_be_told="y")
    assert response.status_code == 302 and response.headers["Location"].endswith("/online/confirm")
    with app.app_context():
        assert db.session.scalar(select(func.count(Appeal.id))) == 0  # nothing registered before the code
        message = db.session.scalar(select(OutboxMessage))
        assert not message.quiet_hours and message.channel == MessageChannel.sms and message.recipient == PHONE
        sms_code = re.search(r"\b(\d{6})\b", message.body).group(1)
        (key,) = get_redis().keys("online:pending:*")
        assert get_redis().hget(key, "code").decode() != sms_code  # kept hashed
    confirm_page = client.get("/online/confirm").get_data(as_text=True)
    assert "+7 *** *** 45 67" in confirm_page
    token = csrf_token(client, "/online/confirm")
    wrong = "000000" if sms_code != "000000" else "111111"
    assert client.post("/online/confirm", data={"csrf_token": token, "code": wrong}).status_code == 400
    done = client.post("/online/confirm", data={"csrf_token": token, "code": sms_code})
    assert done.status_code == 302 and done.headers["Location"].endswith("/online/receipt")

    receipt = client.get("/online/receipt").get_data(as_text=True)
    code = re.search(r'data-receipt="code">([^<]+)<', receipt).group(1)
    pin = re.search(r'data-receipt="pin">(\d{6})<', receipt).group(1)
    assert "<svg" in receipt and f"/status/{code}" in receipt
    assert not re.search(r'data-receipt="pin">\d{6}<', client.get("/online/receipt").get_data(as_text=True))
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert appeal.channel == Channel.online and appeal.branch.code == "ALM-03" and appeal.registered_by_id is None
        assert appeal.deputy_id == deputy_id and appeal.state == S.routed  # the rules placed it
        assert appeal.citizen.phone == PHONE and appeal.citizen.consent_version == appeal_ops.CONSENT_VERSION
        assert appeal.citizen.may_be_named  # the citizen agreed to be named in an inquiry
        assert appeal.citizen.may_be_told  # and to be told what comes of it (voters' mandates)
        assert appeal.language == "kk" and [a.filename for a in appeal.attachments] == ["photo.png"]
        keys = set(db.session.scalars(select(OutboxMessage.dedupe_key)))
        assert f"appeal:{appeal.id}:registered:sms" in keys
        assert sms_code not in db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.quiet_hours.is_(False)))
        assert not get_redis().keys("online:pending:*")
    assert look_up(app.test_client(), code, pin).status_code == 200


def test_a_walk_in_appeal_of_the_same_place_goes_to_the_same_deputy(app, client, quick_forms):
    from reception.routing.engine import decide

    with app.app_context():
        deputy_id = single_mandate_deputy_of_alm03()
    walk_in_id, _, _ = make_appeal(app, iin="850505400015")
    with app.app_context():
        assert decide(db.session.get(Appeal, walk_in_id)).deputy.id == deputy_id
        confirmed = online.register_online_appeal(web_submission(), [])
        assert confirmed.appeal.deputy_id == deputy_id and confirmed.appeal.channel == Channel.online
        db.session.rollback()


def test_a_wrong_code_five_times_drops_the_submission(app, client, quick_forms):
    assert send_online(app, client).status_code == 302
    token = csrf_token(client, "/online/confirm")
    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body))
    wrong = "000000" if "000000" not in body else "111111"
    answers = [client.post("/online/confirm", data={"csrf_token": token, "code": wrong}) for _ in range(5)]
    assert [a.status_code for a in answers] == [400] * 4 + [302]
    assert answers[-1].headers["Location"].endswith("/online/")
    with app.app_context():
        assert not get_redis().keys("online:pending:*") and db.session.scalar(select(func.count(Appeal.id))) == 0


def test_codes_per_phone_are_limited(app, client, quick_forms, monkeypatch):
    monkeypatch.setitem(app.config, "ONLINE_CODE_LIMIT_PER_PHONE", "2 per hour")
    answers = [send_online(app, client).status_code for _ in range(3)]
    assert answers == [302, 302, 429]
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2


def test_open_online_appeals_per_iin_are_limited(app, client, quick_forms, monkeypatch):
    monkeypatch.setitem(app.config, "ONLINE_MAX_OPEN_PER_IIN", 1)
    make_appeal(app, channel=Channel.online)
    response = send_online(app, client)
    assert response.status_code == 400 and "data-refusal" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0 and not get_redis().keys("online:pending:*")


def test_a_known_citizens_contacts_are_not_replaced_from_the_web(app, quick_forms):
    make_appeal(app, phone="+77017654321")
    with app.app_context():
        submission = web_submission(
            full_name="Кто-то Другой", email="x@example.kz", address="Другой адрес", district_id=None
        )
        appeal = online.register_online_appeal(submission, []).appeal
        assert appeal.citizen.phone == "+77017654321" and appeal.citizen.address == ADDRESS
        assert appeal.citizen.full_name == "Сейткали Айгуль Болатовна"
        assert appeal.branch.code == "ALM-00"  # a region without a district: the regional branch
        db.session.rollback()


def test_the_branch_for_a_place(ctx):
    alm03 = branch("ALM-03")
    district = db.session.get(District, alm03.district_id)
    assert online.branch_for_place(district.region, district).code == "ALM-03"
    assert online.branch_for_place(None, district).code == "ALM-03"
    assert online.branch_for_place(db.session.get(Region, alm03.region_id), None).code == "ALM-00"
    assert online.branch_for_place(None, None).code == "KZ-00"


def test_a_confirmation_code_goes_out_in_quiet_hours(app, ctx, sms_gateway, monkeypatch):
    from reception.notifications.outbox import queue_message
    from reception.notifications.tasks import deliver_message

    monkeypatch.setitem(app.config, "SMS_SEND_HOURS", (9, 20))
    night = datetime(2026, 3, 3, 20, 0, tzinfo=UTC)  # 01:00 in Almaty
    normal = queue_message(dedupe_key="t:normal", channel=MessageChannel.sms, recipient=PHONE, language="ru", body="a")
    urgent = queue_message(
        dedupe_key="t:urgent", channel=MessageChannel.sms, recipient=PHONE, language="ru", body="b", quiet_hours=False
    )
    db.session.commit()
    assert deliver_message(normal.id, now=night) == "deferred"
    assert deliver_message(urgent.id, now=night) == "sent"
    assert [m["text"] for m in sms_gateway.received] == ["b"]


# --- after the decision --------------------------------------------------------------------------------


def decide(app, make_user, appeal_id: int, comment: str) -> None:
    """Route the appeal to a new deputy, who takes it into work and resolves it with `comment`."""
    deputy_user_id, _ = make_user(Role.deputy)
    with app.app_context():
        appeal = db.session.get(Appeal, appeal_id)
        holder = db.session.get(User, deputy_user_id)
        appeal_ops.route_appeal(appeal, holder.deputy, user=None)
        appeal_ops.take_into_work(appeal, user=holder)
        appeal_ops.resolve_appeal(appeal, user=holder, comment=comment)
        db.session.commit()


def decided_appeal(app, make_user, comment="Ремонт включён в план."):
    appeal_id, code, pin = make_appeal(app)
    decide(app, make_user, appeal_id, comment)
    return appeal_id, code, pin


def test_not_satisfied_with_a_reason_asks_the_branch_head_to_reopen(app, client, make_user):
    head_id, head_email = make_user(Role.branch_head, "ALM-03")
    appeal_id, code, pin = decided_appeal(app, make_user)
    assert look_up(client, code, pin).status_code == 200
    token = csrf_token(client, "/status/view")
    no_reason = client.post("/status/rate", data={"csrf_token": token, "rating": "not_satisfied", "comment": ""})
    assert no_reason.status_code == 400
    asked = client.post(
        "/status/rate", data={"csrf_token": token, "rating": "not_satisfied", "comment": "Воды по-прежнему нет."}
    )
    assert asked.status_code == 302
    page = client.get("/status/view").get_data(as_text=True)
    assert 'data-status="reopen-pending"' in page and 'data-form="rate"' not in page
    assert "Воды по-прежнему нет." not in page  # the citizen's words stay off the page
    with app.app_context():
        feedback = db.session.scalar(select(AppealFeedback))
        assert (feedback.rating, feedback.reopen_state) == (Rating.not_satisfied, ReopenState.pending)
        note = db.session.scalar(select(InAppNotification).where(InAppNotification.user_id == head_id))
        assert note is not None and note.appeal_id == appeal_id
        feedback_id = feedback.id

    head = app.test_client()
    Auth(head).login(head_email)
    board = head.get("/reports/").get_data(as_text=True)
    assert re.search(rf'data-board="reopen-requests">\s*<li><a href="/appeals/{appeal_id}"', board)
    assert "Воды по-прежнему нет." in board
    detail = head.get(f"/appeals/{appeal_id}").get_data(as_text=True)
    assert 'data-action="reopen-request"' in detail and "Воды по-прежнему нет." in detail
    with app.test_request_context(), force_locale("ru"):
        label = str(Rating.not_satisfied.label)
    assert f"{label}: Воды по-прежнему нет." in detail and "not_satisfied:" not in detail  # words, not codes
    response = submit(
        head, f"/appeals/{appeal_id}", f"/appeals/{appeal_id}/citizen/reopen/{feedback_id}", decision="accept"
    )
    assert response.status_code == 302
    assert translated(app, "ru", "The appeal is reopened.") in head.get(response.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        appeal = db.session.get(Appeal, appeal_id)
        assert appeal.state == S.reopened
        assert [e.to_state for e in appeal.events if e.kind == "transition"][-2:] == [S.closed, S.reopened]
        assert db.session.get(AppealFeedback, feedback_id).reopen_state == ReopenState.accepted
        assert db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.dedupe_key.like("%event%sms"))
        )
    page = client.get("/status/view").get_data(as_text=True)
    assert 'data-status="reopen-pending"' not in page and 'data-form="add"' in page
    assert (
        f'href="/appeals/{appeal_id}"'
        not in head.get("/reports/").get_data(as_text=True).split("reopen-requests")[1].split("</ul>")[0]
    )


def test_a_declined_reopening_shows_its_reason_to_the_citizen(app, client, make_user):
    head_id, _ = make_user(Role.branch_head, "ALM-03")
    _appeal_id, code, pin = decided_appeal(app, make_user)
    look_up(client, code, pin)
    token = csrf_token(client, "/status/view")
    client.post("/status/rate", data={"csrf_token": token, "rating": "not_satisfied", "comment": "Не согласна"})
    from reception.appeals import feedback as public_ops

    with app.app_context():
        feedback = db.session.scalar(select(AppealFeedback))
        head = db.session.get(User, head_id)
        with pytest.raises(appeal_ops.AppealError):
            public_ops.decide_reopening(feedback, user=head, accept=False, comment="")
        public_ops.decide_reopening(feedback, user=head, accept=False, comment="Решение принято по закону.")
        db.session.commit()
    page = client.get("/status/view").get_data(as_text=True)
    assert 'data-step="reopen_declined"' in page and "Решение принято по закону." in page


def test_satisfied_is_recorded_once_per_decision(app, client, make_user):
    _appeal_id, code, pin = decided_appeal(app, make_user)
    look_up(client, code, pin)
    token = csrf_token(client, "/status/view")
    assert client.post("/status/rate", data={"csrf_token": token, "rating": "satisfied"}).status_code == 302
    again = client.post("/status/rate", data={"csrf_token": token, "rating": "partly"})
    assert again.status_code == 400
    with app.app_context():
        assert [f.rating for f in db.session.scalars(select(AppealFeedback))] == [Rating.satisfied]


def test_the_citizen_adds_information_and_the_holder_hears_of_it(app, client, make_user):
    appeal_id, code, pin = make_appeal(app)
    deputy_user_id, _ = make_user(Role.deputy)
    with app.app_context():
        appeal = db.session.get(Appeal, appeal_id)
        appeal_ops.route_appeal(appeal, db.session.get(User, deputy_user_id).deputy, user=None)
        db.session.commit()
    look_up(client, code, pin)
    added = submit(client, "/status/view", "/status/add", text="Прилагаю номер заявки в КСК: 4512.")
    assert added.status_code == 302
    page = client.get("/status/view").get_data(as_text=True)
    assert 'data-step="citizen_info"' in page and "4512" not in page
    # On a shared computer, the citizen leaves: this browser no longer shows the appeal.
    left = submit(client, "/status/view", "/status/leave")
    assert left.status_code == 302 and left.headers["Location"].endswith("/status/")
    assert client.get("/status/view").status_code == 302
    with app.app_context():
        event = db.session.scalar(select(AppealEvent).where(AppealEvent.kind == "citizen_info"))
        assert event.is_public and event.comment == "Прилагаю номер заявки в КСК: 4512." and event.user_id is None
        assert (
            db.session.scalar(select(InAppNotification.appeal_id).where(InAppNotification.user_id == deputy_user_id))
            == appeal_id
        )


def test_actions_need_a_recent_right_pin(app, client, make_user):
    make_appeal(app)
    token = csrf_token(client, "/status/")
    response = client.post("/status/add", data={"csrf_token": token, "text": "Спам"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/status/")
    with app.app_context():
        assert db.session.scalar(select(func.count(AppealEvent.id)).where(AppealEvent.kind == "citizen_info")) == 0


@pytest.mark.slow
def test_the_online_receipt_pdf_carries_the_pin_once(app, client, quick_forms, soffice):
    from pypdf import PdfReader

    assert send_online(app, client).status_code == 302
    with app.app_context():
        sms_code = re.search(r"\b(\d{6})\b", db.session.scalar(select(OutboxMessage.body))).group(1)
    token = csrf_token(client, "/online/confirm")
    client.post("/online/confirm", data={"csrf_token": token, "code": sms_code})
    pin = re.search(r'data-receipt="pin">(\d{6})<', client.get("/online/receipt").get_data(as_text=True)).group(1)
    first = client.get("/online/receipt.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(first.data)).pages)
    assert pin in text
    again = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(client.get("/online/receipt.pdf").data)).pages)
    assert pin not in again
    assert app.test_client().get("/online/receipt.pdf").status_code == 404  # another browser has no receipt


def test_an_online_appeal_cannot_redirect_messages_about_someone_elses_appeals(app, make_user, quick_forms):
    """Someone who knows a citizen's IIN files online with their own phone and e-mail: the citizen's record
    stays as the branch recorded it, and the decision on the citizen's walk-in appeal reaches only the
    citizen's own phone. The online appeal's messages go to the contacts given with it."""
    _, head_email = make_user(Role.branch_head, "ALM-00")
    with app.app_context():
        citizen = appeal_ops.record_citizen(
            appeal_ops.CitizenData(
                iin=IIN,
                full_name="Сейткали Айгуль Болатовна",
                birth_date=None,
                phone=PHONE,
                email="",
                address="",
                region=None,
                district=None,
                language="ru",
            ),
            taken_by=None,
            consent=True,
        )
        walk_in = appeal_ops.register_appeal(
            branch=branch("ALM-03"),
            citizen=citizen,
            type=AppealType.complaint,
            topic=topic(),
            summary="Нет воды",
            text=TEXT,
            channel=Channel.walk_in,
            language="ru",
        ).appeal
        db.session.commit()
        walk_in_id = walk_in.id
        attacker = web_submission(
            full_name="Кто-то Другой",
            phone="+77059998877",
            email="attacker@example.kz",
            address="Чужой адрес",
            district_id=None,
        )
        online_appeal = online.register_online_appeal(attacker, []).appeal
        db.session.refresh(citizen)
        assert (citizen.phone, citizen.email, citizen.address) == (PHONE, "", "")
        appeal = db.session.get(Appeal, walk_in_id)
        appeal_ops.reject_appeal(
            appeal, user=db.session.scalar(select(User).where(User.email == head_email)), reason="Вне компетенции"
        )
        db.session.commit()
        about_walk_in = db.session.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.appeal_id == walk_in_id)
        ).all()
        assert set(about_walk_in) == {PHONE}
        about_online = db.session.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.appeal_id == online_appeal.id)
        ).all()
        assert set(about_online) == {"+77059998877", "attacker@example.kz"}


def test_unconfirmed_online_appeals_cannot_fill_redis(app, client, quick_forms, monkeypatch):
    """Their files wait on disk (swept when unconfirmed), and at most ONLINE_MAX_PENDING wait at once."""
    from reception.public.online import PENDING_INDEX, purge_unconfirmed_files

    big = (io.BytesIO(b"%PDF-1.4\n" + b"0" * 2_000_000), "scan.pdf")
    pending = Path(app.config["ATTACHMENTS_DIR"]) / "pending"
    before = set(pending.iterdir()) if pending.is_dir() else set()
    assert send_online(app, client, files=[big]).status_code == 302
    with app.app_context():
        redis = get_redis()
        (key,) = redis.keys("online:pending:*")
        assert redis.memory_usage(key) < 20_000  # the 2 MB file is not in Redis
        assert redis.zcard(PENDING_INDEX) == 1
        (folder,) = set(pending.iterdir()) - before
        assert (folder / "0").stat().st_size > 2_000_000
        assert purge_unconfirmed_files(now=time.time() + 3600) >= 1 and not folder.exists()  # never confirmed
    monkeypatch.setitem(app.config, "ONLINE_MAX_PENDING", 1)
    other = app.test_client()
    refused = send_online(app, other, phone="+77019998877")
    assert refused.status_code == 503 and "data-refusal" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1  # no SMS for the refused one


def test_sms_codes_in_all_are_capped_per_hour(app, quick_forms, monkeypatch):
    monkeypatch.setitem(app.config, "ONLINE_CODE_LIMIT_TOTAL", "2 per hour")
    answers = [send_online(app, app.test_client(), phone=f"+7701000000{n}").status_code for n in range(3)]
    assert answers == [302, 302, 503]
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2


def test_the_online_phone_must_be_a_mobile_an_sms_can_reach(app, client, quick_forms):
    landline = send_online(app, client, phone="+7 727 250 00 00")
    page = landline.get_data(as_text=True)
    assert landline.status_code == 400 and 'data-field="phone"' in page and "SMS" in page
    assert nothing_stored(app)


def test_a_district_outside_the_region_is_an_error_at_the_district_field_online(app, client, quick_forms):
    with app.app_context():
        place = branch("ALM-03")
        typed = {
            "full_name": "Сейткали Айгуль Болатовна",
            "iin": IIN,
            "phone": PHONE,
            "language": "ru",
            "topic": str(topic().id),
            "region": str(place.region_id),
            "district": str(db.session.scalar(select(District.id).where(District.code == "AST.03"))),
            "summary": "Нет воды",
            "text": TEXT,
            "consent": "y",
        }
    with app.test_request_context(), force_locale("ru"):
        message = gettext("The district is not in the chosen region.")
    response = submit(client, "/online/", "", having="iin", **typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert errors_at(page, "district") == [message] and "data-refusal" not in page
    assert nothing_stored(app)
    # What the citizen typed is all there to correct.
    again = form_on(page, "", having="iin")
    assert {name: again.values[name] for name in typed} == typed
