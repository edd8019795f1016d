"""The citizens' pages in a real browser: the QR link to the timeline in Kazakh, an online appeal confirmed
by the SMS code, rating a decision and asking for a reopening (without JavaScript). Each page is checked
with axe-core and photographed at 360 and 1280 px (see the `screenshots` fixture for where)."""

import re

import pytest
from factories import branch, make_citizen, make_registration
from flask_babel import force_locale, gettext
from rq import SimpleWorker
from sqlalchemy import select
from test_public import decide

from reception.accounts.models import Role, User
from reception.appeals import operations as appeal_ops
from reception.appeals.models import Appeal, AppealFeedback, AppealState, AppealType, Channel, Rating, ReopenState
from reception.appeals.receipt import status_url
from reception.extensions import db
from reception.jobs.queues import get_queue, get_redis

#: Chromium through Playwright: slow, left out of `make test-fast`.
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def registered(app, language="kk"):
    """An appeal of a citizen who reads Kazakh; returns (id, code, PIN)."""
    with app.app_context():
        citizen = make_citizen(address="Қосшы қ., Абай к-сі, 1", language=language)
        done = make_registration(
            citizen=citizen,
            type=AppealType.complaint,
            summary="Су жоқ",
            text="Үш апта бойы суық су жоқ.",
            language=language,
        )
        return done.appeal.id, done.appeal.tracking_code, done.pin


def fill_online_form(page, region_id: str, district_id: str) -> None:
    """Type an appeal into the online form (in Russian) as a citizen does, up to the consent box."""
    page.get_by_label("ФИО").fill("Сейткали Айгуль Болатовна")
    page.get_by_label("ИИН").fill("900101300017")
    page.get_by_label("Мобильный телефон").fill("8 701 123 45 67")
    page.locator("#topic").select_option(label="Жилищно-коммунальное хозяйство (ЖКХ)")
    page.locator("#region").select_option(region_id)
    page.locator("#district").select_option(district_id)
    page.get_by_label("Коротко о проблеме").fill("Нет воды в доме")
    page.get_by_label("Ваше обращение").fill("Третью неделю нет холодной воды.")
    page.get_by_label("Я согласен(на) на обработку моих персональных данных").check()


def in_kk(app, text, **kwargs) -> str:
    with app.test_request_context(), force_locale("kk"):
        return gettext(text, **kwargs)


def test_the_qr_link_and_the_pin_show_the_timeline_in_kazakh(
    app, live_server, chromium, make_user, check_accessibility, screenshots
):
    appeal_id, code, pin = registered(app)
    deputy_user_id, _ = make_user(Role.deputy)
    with app.app_context():
        appeal = db.session.get(Appeal, appeal_id)
        holder = db.session.get(User, deputy_user_id)
        appeal_ops.route_appeal(appeal, holder.deputy, user=None)
        appeal_ops.take_into_work(appeal, user=holder)
        appeal_ops.extend_deadline(
            appeal,
            appeal_ops.deadlines.latest_extension(appeal.registered_dt),
            user=holder,
            reason="Әкімдіктің жауабы күтілуде",
        )
        db.session.commit()
        body = holder.deputy.body.name_kk
    with app.test_request_context(base_url=live_server):
        link = status_url(code)  # what the receipt's QR code encodes
    assert link == f"{live_server}/status/{code}"

    context = chromium.new_context(locale="kk-KZ", viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.locator("#code").input_value() == code  # the link fills in the code, never the PIN
    check_accessibility(page)
    screenshots(page, "status-lookup-kk")
    page.get_by_label("PIN").fill(pin)
    page.get_by_role("button", name=in_kk(app, "Show the status")).click()

    assert page.locator('[data-status="state"]').inner_text() == in_kk(app, "In progress")
    titles = page.locator('[data-status="timeline"] li strong').all_inner_texts()
    assert titles == [
        in_kk(app, "Appeal registered"),
        in_kk(app, "Passed to a deputy of %(body)s", body=body),
        in_kk(app, "Taken into work"),
        in_kk(app, "The deadline was extended"),
    ]
    assert "Әкімдіктің жауабы күтілуде" in page.locator('[data-step="extension"]').inner_text()
    assert "900101300017" not in page.content()
    check_accessibility(page)
    screenshots(page, "status-timeline-kk")
    # Nothing spills sideways on a 320 px phone.
    page.set_viewport_size({"width": 320, "height": 700})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    context.close()


def test_online_appeal_from_the_form_to_the_receipt_with_the_sms_code(
    app, live_server, chromium, sms_gateway, monkeypatch, check_accessibility, screenshots
):
    monkeypatch.setitem(app.config, "ONLINE_MIN_FILL_SECONDS", 0)
    with app.app_context():
        place = branch("ALM-03")
        region_id, district_id = str(place.region_id), str(place.district_id)
    context = chromium.new_context(locale="ru-RU", viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(live_server + "/status/")
    page.locator('[data-nav="public.online_appeal"]').click()

    fill_online_form(page, region_id, district_id)
    check_accessibility(page)
    screenshots(page, "online-form")
    page.set_viewport_size({"width": 320, "height": 700})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    page.get_by_role("button", name="Отправить и получить код по SMS").click()

    page.wait_for_url("**/online/confirm")
    with app.app_context():
        SimpleWorker([get_queue("notifications")], connection=get_redis()).work(burst=True)
    (sms,) = sms_gateway.received
    assert sms["to"] == "+77011234567"
    sms_code = re.search(r"\b(\d{6})\b", sms["text"]).group(1)
    check_accessibility(page)
    screenshots(page, "online-confirm")
    page.get_by_label("Код из SMS").fill(sms_code)
    page.get_by_role("button", name="Зарегистрировать обращение").click()

    page.wait_for_url("**/online/receipt")
    code = page.locator('[data-receipt="code"]').inner_text()
    pin = page.locator('[data-receipt="pin"]').inner_text().strip()
    assert re.fullmatch(r"\d{6}", pin) and page.locator(".qr svg").count() == 1
    check_accessibility(page)
    screenshots(page, "online-receipt")
    page.set_viewport_size({"width": 320, "height": 700})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    with app.app_context():
        appeal = db.session.scalar(select(Appeal).where(Appeal.tracking_code == code))
        assert appeal.channel == Channel.online and appeal.branch.code == "ALM-03"

    page.locator('[data-receipt="status-url"]').click()
    page.get_by_label("PIN").fill(pin)
    page.get_by_role("button", name="Показать статус").click()
    assert page.locator('[data-status="state"]').inner_text() in ("Зарегистрировано", "Передано депутату")
    context.close()


def test_rate_the_answer_and_ask_for_reopening_without_javascript(
    app, live_server, chromium, make_user, check_accessibility, screenshots
):
    appeal_id, code, pin = registered(app, language="ru")
    decide(app, make_user, appeal_id, "Ремонт водопровода включён в план на май.")

    plain = chromium.new_context(locale="ru-RU", java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = plain.new_page()
    page.goto(f"{live_server}/status/{code}")
    page.get_by_label("PIN").fill(pin)
    page.get_by_role("button", name="Показать статус").click()
    assert page.locator('[data-status="answer"]').inner_text() == "Ремонт водопровода включён в план на май."
    page.get_by_label("Не удовлетворён(а)").check()
    page.get_by_label(re.compile("^Комментарий")).fill("Воды по-прежнему нет, ремонт не начат.")
    page.get_by_role("button", name="Отправить оценку").click()
    assert page.locator('[data-status="reopen-pending"]').is_visible()
    assert page.locator('[data-form="rate"]').count() == 0
    with app.app_context():
        feedback = db.session.scalar(select(AppealFeedback))
        assert (feedback.rating, feedback.reopen_state) == (Rating.not_satisfied, ReopenState.pending)
        assert db.session.get(Appeal, appeal_id).state == AppealState.resolved  # until the branch head decides

    # The same page, now with JavaScript for axe-core (the session goes along).
    checked = chromium.new_context(locale="ru-RU", viewport={"width": 360, "height": 800})
    checked.add_cookies(plain.cookies())
    page = checked.new_page()
    page.goto(f"{live_server}/status/view")
    assert page.locator('[data-status="reopen-pending"]').is_visible()
    check_accessibility(page)
    screenshots(page, "status-reopen-requested")
    plain.close()
    checked.close()
