"""Nothing typed is lost: back from the SMS-code step to the form as it was sent, a new code when no SMS came,
and a language switch that comes back to the same page (the new inquiry page, the status result)."""

import io
import re

import pytest
import test_inquiry_pages
import test_public
from pageforms import form_on, forms_on, submit
from sqlalchemy import func, select
from support import Auth
from test_public import PHONE, TEXT, look_up, make_appeal, send_online

from reception.appeals.models import Appeal
from reception.extensions import db
from reception.notifications.models import OutboxMessage

# Fixtures of the journeys these tests continue.
quick_forms = test_public.quick_forms
deputy = test_inquiry_pages.deputy


def _codes_sent(app) -> list[str]:
    with app.app_context():
        bodies = db.session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.dedupe_key.startswith("online:")).order_by(OutboxMessage.id)
        )
        return [re.search(r"\b(\d{6})\b", b).group(1) for b in bodies]


def test_back_from_the_code_step_shows_the_form_as_it_was_sent(app, client, quick_forms):
    png = (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "photo.png")
    assert send_online(app, client, files=[png], summary="Нет воды третью неделю").status_code == 302
    confirm = client.get("/online/confirm").get_data(as_text=True)
    back = re.search(r'href="([^"]+)" data-link="back-to-form"', confirm).group(1).replace("&amp;", "&")
    page = client.get(back).get_data(as_text=True)
    form = form_on(page, "", having="summary")
    assert form.values["summary"] == "Нет воды третью неделю"
    assert form.values["phone"] == PHONE and form.values["text"] == TEXT
    assert form.values["consent"] and form.values["region"] and form.values["topic"]
    assert "data-files-again" in page  # the file must be chosen again, and the page says so
    # Sent again as it stands (corrected or not), it waits for a new code.
    again = submit(client, back, "", having="summary", summary="Нет холодной воды")
    assert again.status_code == 302 and again.location.endswith("/online/confirm")


def test_the_plain_form_is_empty(app, client, quick_forms):
    """Only "back" from this browser's own waiting submission fills the form; a fresh visit starts empty."""
    send_online(app, client)
    other = app.test_client()
    page = other.get("/online/?back=1").get_data(as_text=True)
    assert form_on(page, "", having="summary").values["summary"] == ""
    assert form_on(client.get("/online/").get_data(as_text=True), "", having="summary").values["summary"] == ""


def test_no_sms_a_new_code_is_sent_and_only_it_works(app, client, quick_forms):
    assert send_online(app, client).status_code == 302
    resent = submit(client, "/online/confirm", "/online/confirm/resend")
    assert resent.status_code == 302 and resent.location.endswith("/online/confirm")
    first, second = _codes_sent(app)
    confirm_page = client.get("/online/confirm").get_data(as_text=True)
    if first != second:
        assert submit(client, "/online/confirm", "", having="code", code=first).status_code == 400
    done = submit(client, "/online/confirm", "", having="code", code=second)
    assert done.status_code == 302 and done.location.endswith("/online/receipt")
    assert "+7 *** *** 45 67" in confirm_page
    with app.app_context():
        assert db.session.scalar(select(func.count(Appeal.id))) == 1
        # Neither code stays readable on the "sent messages" page.
        bodies = list(
            db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.dedupe_key.startswith("online:")))
        )
        assert len(bodies) == 2 and all("******" in b for b in bodies)


def test_new_codes_count_against_the_phones_limit(app, client, quick_forms, monkeypatch):
    monkeypatch.setitem(app.config, "ONLINE_CODE_LIMIT_PER_PHONE", "2 per hour")
    send_online(app, client)
    assert submit(client, "/online/confirm", "/online/confirm/resend").status_code == 302
    refused = submit(client, "/online/confirm", "/online/confirm/resend")
    assert refused.status_code == 302
    page = client.get(refused.location).get_data(as_text=True)
    assert "На этот телефон отправлено слишком много кодов" in page
    assert len(_codes_sent(app)) == 2


def _switch_language(client, page_html: str, code: str):
    """Press the language button as rendered: the switcher form posts its hidden `next` to /language/<code>."""
    (form,) = [f for f in forms_on(page_html) if "next" in f.names and f.action == ""]
    return client.post(f"/language/{code}", data=form.fill())


def test_the_language_switch_on_the_new_inquiry_page_comes_back_to_it(app, client, deputy):
    _email, ids = deputy
    queue = client.get("/deputy-queue/").get_data(as_text=True)
    (form,) = [f for f in forms_on(queue) if "ids" in f.names and f.method == "post"]
    data = form.fill()
    data["ids"] = [str(i) for i in ids]  # the deputy ticks the appeals, then presses "Deputy inquiry"
    page = client.post("/inquiries/new", data=data)
    assert page.status_code == 200
    switched = _switch_language(client, page.get_data(as_text=True), "kk")
    assert switched.status_code == 302
    again = client.get(switched.location)
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    assert '<html lang="kk">' in html
    assert form_on(html, "/inquiries/new", having="addressee").values["ids"] == ",".join(map(str, sorted(ids)))


def test_the_language_switch_on_the_status_result_keeps_the_appeal(app, client):
    _id, code, pin = make_appeal(app)
    result = look_up(client, code, pin)
    assert result.status_code == 200
    switched = _switch_language(client, result.get_data(as_text=True), "kk")
    page = client.get(switched.location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and code in html and '<html lang="kk">' in html


@pytest.mark.slow
def test_a_language_switch_keeps_what_is_typed_in_the_online_form(live_server, browser_page):
    page = browser_page
    page.goto(f"{live_server}/online/")
    page.fill("#full_name", "Сейткали Айгуль")
    page.fill("#summary", "Нет воды третью неделю")
    page.fill("#text", TEXT)
    page.check("#consent")
    page.click('button[data-lang="kk"]')
    page.wait_for_load_state("load")
    assert page.get_attribute("html", "lang") == "kk"
    assert page.input_value("#full_name") == "Сейткали Айгуль"
    assert page.input_value("#summary") == "Нет воды третью неделю"
    assert page.input_value("#text") == TEXT
    assert page.is_checked("#consent")
    # Put back once: a reload afterwards starts clean.
    page.reload()
    assert page.input_value("#summary") == ""


# --- GOV.UK's patterns: the error summary, "(optional)", check your answers --------------------------------


def test_a_form_with_errors_lists_them_at_the_top_each_linking_to_its_field(app, client, quick_forms):
    sent = send_online(app, client, iin="900101300018", phone="12345", summary="")
    html = sent.get_data(as_text=True)
    assert sent.status_code == 400
    summary = re.search(r"<div class=\"error-summary\".*?</div>", html, re.S).group(0)
    targets = re.findall(r'href="#([^"]+)"', summary)
    assert {"iin", "phone", "summary"} <= set(targets)
    for target in targets:
        assert f'id="{target}"' in html  # each link lands on its field
    assert re.search(r"<title>Ошибка:", html)


def test_optional_fields_say_so_and_required_ones_do_not(app, client):
    html = client.get("/online/").get_data(as_text=True)

    def label(name):
        return re.search(rf'<label for="{name}">(.*?)</label>', html, re.S).group(1)

    for name in ("email", "address", "district"):
        assert "(необязательно)" in label(name), name
    for name in ("full_name", "iin", "phone", "summary", "text", "region"):
        assert "(необязательно)" not in label(name), name


def test_the_code_page_shows_the_answers_to_check(app, client, quick_forms):
    send_online(app, client, summary="Нет воды третью неделю")
    html = client.get("/online/confirm").get_data(as_text=True)
    answers = re.search(r"<dl class=\"check-answers\".*?</dl>", html, re.S).group(0)
    assert "Нет воды третью неделю" in answers and PHONE in answers and "Жилищ" in answers


@pytest.mark.slow
def test_the_error_summary_takes_the_focus_and_its_links_lead_to_the_fields(live_server, browser_page, quick_forms):
    page = browser_page
    page.goto(f"{live_server}/online/")
    page.fill("#full_name", "Сейткали Айгуль")
    page.click("form.online button.primary")
    page.wait_for_load_state("load")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    page.click('[data-error-summary] a[href="#iin"]')
    assert page.evaluate("location.hash") == "#iin"


def test_a_birth_date_is_typed_as_day_month_and_year(app, client, make_user):
    from test_intake import walk_in

    from reception.accounts.models import Role
    from reception.appeals.models import Citizen

    _uid, email = make_user(Role.staff, "AST-01")
    Auth(client).login(email)
    with app.app_context():
        typed = walk_in(iin="")
        typed["iin"] = "900101300017"
    page = client.get("/appeals/new").get_data(as_text=True)
    assert re.search(r'<fieldset class="date-input" id="birth_date">\s*<legend>Дата рождения', page)
    for part in ("day", "month", "year"):
        assert f'<label for="birth_date-{part}">' in page

    wrong = submit(
        client,
        "/appeals/new",
        "",
        having="iin",
        **typed,
        **{"birth_date-day": "31", "birth_date-month": "2", "birth_date-year": "1990"},
    )
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422
    assert 'href="#birth_date-day"' in html  # the summary leads to the day box
    again = form_on(html, "", having="iin")
    assert [again.values[f"birth_date-{p}"] for p in ("day", "month", "year")] == ["31", "2", "1990"]

    right = client.post(
        "/appeals/new",
        data=again.fill(**{"birth_date-day": "1", "birth_date-month": "1"}),
        content_type="multipart/form-data",
    )
    assert right.status_code == 302
    with app.app_context():
        from datetime import date

        assert db.session.scalar(select(Citizen.birth_date)) == date(1990, 1, 1)
