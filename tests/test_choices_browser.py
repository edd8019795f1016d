"""In a real browser: the district list follows the region chosen, the IIN fills in the date of birth, and a
picker of thousands of deputies is searched by typing and chosen with the keyboard."""

from datetime import date

import pytest
from factories import branch, district, make_appeal, make_deputy, representative_body, topic
from flask_babel import force_locale, gettext
from playwright.sync_api import expect
from sqlalchemy import select
from test_browser import sign_in

from reception.accounts.models import Role
from reception.appeals.models import Appeal
from reception.extensions import db
from reception.routing.models import RoutingRule, RuleTarget

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
    assert page.locator("#birth_date-year").input_value() == ""
    page.locator("#iin").fill("9001 0130 0017")
    born = [page.locator(f"#birth_date-{part}").input_value() for part in ("day", "month", "year")]
    assert born == ["1", "1", "1990"]

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


def test_an_admin_finds_a_deputy_among_hundreds_by_typing_and_chooses_with_enter(
    app, live_server, browser_page, make_user
):
    with app.app_context():
        for n in range(300):
            make_deputy(f"Депутатов Депутат {n:03d}")
        chosen_id = make_deputy("Сейткали Ахмет Бекович").id
        mazhilis = representative_body().name_ru
        db.session.commit()
    with app.test_request_context(), force_locale("ru"):
        picker_label = gettext("Deputy (for a specific-deputy target)")
        target = gettext("A specific deputy")
    _, email = make_user(Role.admin)
    page = browser_page
    errors = console_errors(page)
    sign_in(page, live_server, email)
    page.goto(live_server + "/routing/rules/new")

    page.locator("#name").fill("Вопросы к Ахмету")
    page.locator("#target").select_option(label=target)
    picker = page.get_by_role("combobox", name=picker_label)  # the field's label names the search box
    picker.focus()
    page.keyboard.type("ахмет")
    # One match, labelled with the name and the body in the reader's language (as deputy_label writes it).
    expect(page.locator(".ts-dropdown .option")).to_have_text([f"Сейткали Ахмет Бекович · {mazhilis}"])
    page.keyboard.press("Enter")
    assert page.locator("#target_deputy").input_value() == str(chosen_id)
    page.get_by_role("button", name="Сохранить").click()

    page.wait_for_url("**/routing/rules")
    with app.app_context():
        rule = db.session.scalar(select(RoutingRule))
        assert (rule.name, rule.target, rule.target_deputy_id) == ("Вопросы к Ахмету", RuleTarget.deputy, chosen_id)
    assert errors == []


def test_staff_route_an_appeal_to_a_deputy_found_by_typing_in_the_picker(app, live_server, browser_page, make_user):
    with app.app_context():
        astana = branch("AST-01").region
        for n in range(150):
            make_deputy(f"Депутатов Депутат {n:03d}", region=astana)
        chosen_id = make_deputy("Сейткали Ахмет Бекович", region=astana).id
        appeal_id = make_appeal(branch_code="AST-01").id
    _, email = make_user(Role.staff, "AST-01")
    page = browser_page
    errors = console_errors(page)
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/appeals/{appeal_id}")

    route = page.locator('form[data-action="routed"]')
    route.get_by_role("combobox", name="Депутат").press_sequentially("ахмет")
    page.keyboard.press("Enter")
    assert route.locator("select[name=deputy]").input_value() == str(chosen_id)
    route.get_by_role("button", name="Направить депутату").click()
    page.wait_for_selector(".flash-success")
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).deputy_id == chosen_id
    assert errors == []
