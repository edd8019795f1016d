"""In a real browser: the district list follows the region chosen, and the IIN fills in the date of birth."""

from datetime import date

import pytest
from factories import district, topic
from sqlalchemy import select
from test_browser import sign_in

from reception.accounts.models import Role
from reception.appeals.models import Appeal
from reception.extensions import db

#: Chromium through Playwright: slow, left out of `make test-fast`.
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def console_errors(page) -> list[str]:
    """Errors the page's scripts log or throw from now on (a CSP refusal is one of them)."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def option_texts(select) -> list[str]:
    return select.locator("option").evaluate_all("options => options.map(o => o.textContent)")


def test_the_district_list_follows_the_region_and_the_iin_fills_the_birth_date(
    app, live_server, browser_page, make_user
):
    with app.app_context():
        akmola_esil = district("AKM.13")
        akmola_id, akmola_esil_id = str(akmola_esil.region_id), str(akmola_esil.id)
        housing = topic().name_ru
    _, email = make_user(Role.staff, "AST-01")
    page = browser_page
    errors = console_errors(page)
    sign_in(page, live_server, email)
    page.goto(live_server + "/appeals/new")

    districts = page.locator("#district")
    # Before a region is chosen, every region's districts, under its name: "Есильский район" twice, told apart.
    assert districts.locator("optgroup").count() == 20
    assert option_texts(districts).count("Есильский район") == 2
    page.locator("#region").select_option(label="Акмолинская область")
    assert districts.locator("optgroup").evaluate_all("groups => groups.map(g => g.label)") == ["Акмолинская область"]
    assert option_texts(districts).count("Есильский район") == 1
    assert set(districts.locator("option[data-region]").evaluate_all("os => os.map(o => o.dataset.region)")) == {
        akmola_id
    }
    districts.select_option(label="Есильский район")
    # Another region: the Akmola district is no longer offered, nor chosen.
    page.locator("#region").select_option(label="Северо-Казахстанская область")
    assert districts.input_value() == ""
    assert "Аршалынский район" not in option_texts(districts)
    page.locator("#region").select_option(label="Акмолинская область")
    districts.select_option(label="Есильский район")

    # A district of residence picked with no region chosen names its region.
    page.locator("#citizen_district").select_option(akmola_esil_id)
    assert page.locator("#citizen_region").input_value() == akmola_id

    # A wrong IIN fills in nothing; a valid one, typed with spaces, fills in its date of birth.
    page.locator("#iin").fill("900101300018")
    assert page.locator("#birth_date").input_value() == ""
    page.locator("#iin").fill("9001 0130 0017")
    assert page.locator("#birth_date").input_value() == "1990-01-01"

    page.locator("#full_name").fill("Сейткали Айгуль Болатовна")
    page.locator("#consent").check()
    page.locator("#topic").select_option(label=housing)
    page.locator("#summary").fill("Нет воды в доме")
    page.locator("#text").fill("Третью неделю нет холодной воды.")
    page.locator("form.intake button[type=submit]").click()
    page.wait_for_url("**/receipt")
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert appeal.district.code == "AKM.13" and appeal.citizen.district.code == "AKM.13"
        assert appeal.citizen.birth_date == date(1990, 1, 1)
    assert errors == []
