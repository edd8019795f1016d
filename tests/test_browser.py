"""In a real browser: sign in, then switch the interface to Kazakh."""

import pytest
from support import PASSWORD

from reception.accounts.models import Role

#: Chromium through Playwright: slow, left out of `make test-fast`.
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def sign_in(page, base_url: str, email: str) -> None:
    """Sign in through the login page, in Russian (the default language)."""
    page.goto(base_url + "/auth/login")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Вход").click()


def test_sign_in_and_switch_to_kazakh(live_server, browser_page, make_user):
    _, email = make_user(Role.admin)
    page = browser_page
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "ru"
    page.locator('[data-go="login"]').click()  # the start page sends staff to sign in
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Вход").click()
    page.wait_for_url(live_server + "/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Добро пожаловать")

    page.locator('button[data-lang="kk"]').click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Қош келдіңіз")
    assert page.locator('[data-nav="directory.index"]').inner_text() == "Анықтамалық"

    # The choice is remembered: the directory page opens in Kazakh too.
    page.locator('[data-nav="directory.index"]').click()
    assert page.locator("html").get_attribute("lang") == "kk"


def test_staff_log_a_walk_in_appeal_print_the_receipt_and_open_its_qr_link(live_server, browser_page, make_user):
    _, email = make_user(Role.staff, "ALM-03")
    page = browser_page
    sign_in(page, live_server, email)
    page.locator('[data-nav="appeals.new"]').click()

    page.locator("#iin").fill("900101300017")
    page.locator("#full_name").fill("Сейткали Айгуль Болатовна")
    page.locator("#phone").fill("8 701 123 45 67")
    page.locator("#consent").check()
    page.locator("#topic").select_option(label="Жилищно-коммунальное хозяйство (ЖКХ)")
    page.locator("#summary").fill("Нет воды в доме")
    page.locator("#text").fill("Третью неделю нет холодной воды.")
    page.locator("form.intake button[type=submit]").click()

    page.wait_for_url("**/receipt")
    number = page.locator('[data-receipt="number"]').inner_text()
    assert number.startswith("ALM-03/")
    pin = page.locator('[data-receipt="pin"]').inner_text().strip()
    assert len(pin) == 6 and pin.isdigit()
    assert page.locator(".qr svg").count() == 1
    status_url = page.locator('[data-receipt="status-url"]').get_attribute("href")

    # The QR code on the page draws exactly the encoding of the link printed beside it.
    import re

    from reception.appeals.receipt import qr_svg

    drawn = page.locator(".qr svg path").get_attribute("d")
    assert drawn == re.search(r'<path[^>]* d="([^"]+)"', str(qr_svg(status_url))).group(1)
    page.goto(status_url)
    page.locator("#pin").fill(pin)
    page.locator("main form button.primary").click()
    assert page.locator('[data-status="state"]').inner_text() == "Зарегистрировано"


def test_deputy_filters_overdue_opens_the_first_and_takes_it_into_work(app, live_server, browser_page, make_user):
    from datetime import date

    from factories import make_appeal, user
    from sqlalchemy import select

    from reception.appeals.models import Appeal, AppealState
    from reception.extensions import db

    _, email = make_user(Role.deputy)
    with app.app_context():
        deputy = user(email).deputy
        numbers = []
        for n, deadline in enumerate((date(2020, 3, 2), date(2020, 3, 1), date(2100, 1, 1))):
            appeal = make_appeal(summary=f"Обращение {n}", deputy=deputy, deadline=deadline, commit=False)
            numbers.append(appeal.registration_number)
        db.session.commit()
    page = browser_page
    sign_in(page, live_server, email)
    page.locator('[data-nav="deputy_queue.index"]').click()
    page.locator('input[name="overdue"]').check()
    page.locator("form.filters button[type=submit]").click()
    rows = page.locator("tr[data-appeal]")
    assert rows.count() == 2 and rows.first.get_attribute("data-appeal") == numbers[1]  # the most overdue first
    rows.first.locator("a").click()
    page.locator('form[data-action="in_progress"] button').click()
    assert page.locator("[data-state]").get_attribute("data-state") == "in_progress"
    with app.app_context():
        assert (
            db.session.scalar(select(Appeal.state).where(Appeal.registration_number == numbers[1]))
            == AppealState.in_progress
        )
