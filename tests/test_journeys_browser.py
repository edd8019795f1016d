"""Issue #12's journeys end to end in a real browser: a citizen who lost the PIN gets a new one by SMS and sees
the status; a deputy decides with a written answer that the citizen downloads; an online appeal goes back to
the form from the code step, asks for a new code and is registered with what was typed."""

import re

import pytest
from docx import Document
from factories import branch, make_citizen, make_registration, user
from rq import SimpleWorker
from sqlalchemy import select
from test_browser import sign_in
from test_public_browser import fill_online_form

from reception.accounts.models import Role
from reception.appeals.models import Appeal, AppealState
from reception.extensions import db
from reception.jobs.queues import get_queue, get_redis

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 100


def deliver(app) -> None:
    with app.app_context():
        SimpleWorker([get_queue("notifications")], connection=get_redis()).work(burst=True)


def test_a_citizen_who_lost_the_pin_gets_a_new_one_by_sms_and_sees_the_status(
    app, live_server, browser_page, sms_gateway
):
    with app.app_context():
        citizen = make_citizen("900101300017", phone="+77011234567")
        code = make_registration(citizen=citizen).appeal.tracking_code
    page = browser_page
    page.goto(f"{live_server}/status/{code}")
    page.locator('[data-link="new-pin"]').click()
    assert page.locator("#code").input_value() == code  # the code from the link is filled in
    page.get_by_role("button", name="Отправить новый PIN-код").click()
    assert page.locator('[data-new-pin="answered"]').is_visible()
    deliver(app)
    sms = [m for m in sms_gateway.received if "PIN" in m["text"]][-1]
    assert sms["to"] == "+77011234567"
    new_pin = re.search(r"\b(\d{6})\b", sms["text"]).group(1)
    page.goto(re.search(r"https?://\S+", sms["text"]).group(0).replace("http://127.0.0.1:5000", live_server))
    page.get_by_label("PIN").fill(new_pin)
    page.get_by_role("button", name="Показать статус").click()
    assert page.locator('[data-status="state"]').is_visible()


def test_a_deputy_decides_with_a_written_answer_and_the_citizen_downloads_it(
    app, live_server, browser_page, make_user, tmp_path
):
    _uid, email = make_user(Role.deputy)
    with app.app_context():
        citizen = make_citizen("900101300017", phone="+77011234567")
        done = make_registration(citizen=citizen, deputy=user(email).deputy, state=AppealState.in_progress)
        appeal_id, code, pin = done.appeal.id, done.appeal.tracking_code, done.pin
    answer = tmp_path / "otvet.pdf"
    answer.write_bytes(PDF)
    page = browser_page
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/appeals/{appeal_id}")
    decision = page.locator('form[data-action="resolved"]')
    decision.locator("textarea[name=comment]").fill("Вода подана 12.12.2026.\nКомпании выдано предписание.")
    decision.locator("input[type=file]").set_input_files(str(answer))
    decision.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-answer-file]").inner_text() == "otvet.pdf"

    citizen_page = page.context.new_page()
    citizen_page.goto(f"{live_server}/status/{code}")
    citizen_page.get_by_label("PIN").fill(pin)
    citizen_page.get_by_role("button", name="Показать статус").click()
    assert "Компании выдано предписание." in citizen_page.locator('[data-status="answer"]').inner_text()
    with citizen_page.expect_download() as download_info:
        citizen_page.locator('[data-status="answer-file"]').click()
    saved = tmp_path / "downloaded.pdf"
    download_info.value.save_as(saved)
    assert saved.read_bytes() == PDF
    # The decision is also the numbered written answer, signed by the deputy: the citizen downloads the letter.
    letter = citizen_page.locator('[data-letter="answer"]')
    assert "№" in letter.inner_text()
    with citizen_page.expect_download() as download_info:
        letter.get_by_role("link", name="DOCX").click()
    saved = tmp_path / "letter.docx"
    download_info.value.save_as(saved)
    text = "\n".join(p.text for p in Document(str(saved)).paragraphs)
    assert "Компании выдано предписание." in text and "Порядок обжалования" in text
    assert letter.inner_text().split("№ ")[1].split(",")[0] in text


def test_an_online_appeal_goes_back_to_the_form_gets_a_new_code_and_is_registered(
    app, live_server, browser_page, sms_gateway, monkeypatch
):
    monkeypatch.setitem(app.config, "ONLINE_MIN_FILL_SECONDS", 0)
    with app.app_context():
        place = branch("ALM-03")
        region_id, district_id = str(place.region_id), str(place.district_id)
    page = browser_page
    page.goto(f"{live_server}/online/")
    fill_online_form(page, region_id, district_id)
    page.get_by_role("button", name="Отправить и получить код по SMS").click()
    page.wait_for_url("**/online/confirm")
    assert "Нет воды в доме" in page.locator("[data-check-answers]").inner_text()

    page.locator('[data-link="back-to-form"]').click()  # a typo to correct
    assert page.get_by_label("Ваше обращение").input_value() == "Третью неделю нет холодной воды."
    page.get_by_label("Коротко о проблеме").fill("Нет холодной воды в доме")
    page.get_by_role("button", name="Отправить и получить код по SMS").click()
    page.wait_for_url("**/online/confirm")
    page.get_by_role("button", name="Отправить код ещё раз").click()
    page.wait_for_url("**/online/confirm")
    deliver(app)
    last_code = re.search(r"\b(\d{6})\b", sms_gateway.received[-1]["text"]).group(1)
    page.get_by_label("Код из SMS").fill(last_code)
    page.get_by_role("button", name="Зарегистрировать обращение").click()
    page.wait_for_url("**/online/receipt")
    code = page.locator('[data-receipt="code"]').inner_text()
    with app.app_context():
        appeal = db.session.scalar(select(Appeal).where(Appeal.tracking_code == code))
        assert appeal.summary == "Нет холодной воды в доме"


def test_the_lost_pin_journey_in_kazakh(app, live_server, chromium, sms_gateway):
    """The same journey for a citizen whose browser and appeal are in Kazakh: pages and SMS in Kazakh."""
    with app.app_context():
        citizen = make_citizen("900101300017", phone="+77011234567", language="kk")
        code = make_registration(citizen=citizen, language="kk").appeal.tracking_code
    context = chromium.new_context(locale="kk-KZ", viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server}/status/{code}")
    assert page.locator("html").get_attribute("lang") == "kk"
    page.locator('[data-link="new-pin"]').click()
    page.get_by_role("button", name="Жаңа PIN-код жіберу").click()
    assert "жаңа PIN-код жіберілді" in page.locator('[data-new-pin="answered"]').inner_text()
    deliver(app)
    sms = [m for m in sms_gateway.received if "PIN" in m["text"]][-1]
    assert "өтінішінің жаңа PIN-коды" in sms["text"]
    new_pin = re.search(r"\b(\d{6})\b", sms["text"]).group(1)
    page.goto(f"{live_server}/status/{code}")
    page.locator("#pin").fill(new_pin)
    page.locator("form.stack button[type=submit]").click()
    assert page.locator('[data-status="state"]').is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
