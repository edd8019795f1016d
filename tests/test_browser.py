"""In a real browser: sign in, then switch the interface to Kazakh."""

import pytest

from conftest import PASSWORD
from reception.accounts.models import Role

pytestmark = pytest.mark.browser


def test_sign_in_and_switch_to_kazakh(live_server, browser_page, make_user):
    _, email = make_user(Role.admin)
    page = browser_page
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "ru"
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
