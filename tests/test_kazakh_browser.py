"""Staff who work in Kazakh, in a real browser: whoever switched the interface to Kazakh sees Kazakh on every
page of a journey (headings, buttons, messages, the charts' labels, the letter), not only where the pages were
first written. The same journeys in Russian are in test_journeys_browser, test_handover_browser and
test_dashboard_browser."""

import pytest
from docx import Document
from factories import make_account, make_citizen, make_registration, user
from test_browser import sign_in
from test_dashboard import fixtures
from test_dashboard_browser import charts_and_map_drawn
from test_handover import held_work, reopen_the_mazhilis  # noqa: F401 (the fixture puts the data back)
from test_public_browser import in_kk

from reception.accounts.models import Role
from reception.appeals.models import AppealState
from reception.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def to_kazakh(page) -> None:
    """The interface's language switch, as a person clicks it after signing in."""
    page.locator('button[data-lang="kk"]').click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "kk"


def flash(page) -> str:
    return page.locator(".flash-success").inner_text().strip()


def test_a_deputy_working_in_kazakh_decides_and_the_citizen_downloads_a_kazakh_letter(
    app, live_server, chromium, make_user, tmp_path
):
    _uid, email = make_user(Role.deputy)
    with app.app_context():
        citizen = make_citizen("900101300017", phone="+77011234567", language="kk")
        done = make_registration(
            citizen=citizen, deputy=user(email).deputy, state=AppealState.in_progress, language="kk"
        )
        appeal_id, code, pin = done.appeal.id, done.appeal.tracking_code, done.pin
    deputy_context = chromium.new_context(locale="ru-RU")  # a deputy whose browser is in Russian
    page = deputy_context.new_page()
    sign_in(page, live_server, email)
    to_kazakh(page)
    page.goto(f"{live_server}/appeals/{appeal_id}")
    assert page.locator("html").get_attribute("lang") == "kk"
    decision = page.locator('form[data-action="resolved"]')
    decision.locator("textarea[name=comment]").fill("Су 12.12.2026 берілді.\nКомпанияға нұсқама берілді.")
    decision.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert flash(page) == in_kk(app, "The appeal is now “%(state)s”.", state=in_kk(app, "Resolved"))
    deputy_context.close()

    # The citizen reads Kazakh: the status page and the letter are in Kazakh.
    context = chromium.new_context(locale="kk-KZ", accept_downloads=True)
    citizen_page = context.new_page()
    try:
        citizen_page.goto(f"{live_server}/status/{code}")
        assert citizen_page.locator("html").get_attribute("lang") == "kk"
        citizen_page.get_by_label("PIN").fill(pin)
        citizen_page.get_by_role("button", name=in_kk(app, "Show the status")).click()
        assert "Компанияға нұсқама берілді." in citizen_page.locator('[data-status="answer"]').inner_text()
        letter = citizen_page.locator('[data-letter="answer"]')
        shown = letter.inner_text()
        assert "№" in shown
        with citizen_page.expect_download() as download_info:
            letter.get_by_role("link", name="DOCX").click()
        saved = tmp_path / "hat.docx"
        download_info.value.save_as(saved)
    finally:
        context.close()
    text = "\n".join(p.text for p in Document(str(saved)).paragraphs)
    assert "Компанияға нұсқама берілді." in text and "Шағымдану тәртібі" in text
    assert "Порядок обжалования" not in text
    assert shown.split("№ ")[1].split(",")[0] in text  # the number the page shows is the letter's


def test_an_admin_working_in_kazakh_hands_over_a_convocation(app, live_server, browser_page, make_user):
    _, admin = make_user(Role.admin)
    with app.app_context():
        work = held_work()
        first, second = work["takers"]
        make_account(Role.deputy, "first@test.kz", deputy=first)
        chosen_id = work["appeals"][0].id
        second_id = second.id
        db.session.commit()
    page = browser_page
    sign_in(page, live_server, admin)
    to_kazakh(page)
    page.goto(f"{live_server}/directory/bodies/MAZHILIS")
    page.locator('[data-link="close-convocation"]').click()
    assert page.locator("html").get_attribute("lang") == "kk"
    page.locator('[data-action="plan"]').click()
    page.wait_for_load_state("load")
    assert page.locator("[data-plan] tbody tr").count() == 7
    page.locator(f'select[name="item-appeal-{chosen_id}"]').select_option(str(second_id))
    page.locator('[data-action="apply"]').click()
    page.wait_for_load_state("load")
    assert flash(page) == in_kk(
        app,
        "Done. Handed over: %(appeals)s appeals, %(inquiries)s inquiries, %(rules)s routing rules.",
        appeals=4,
        inquiries=2,
        rules=1,
    )

    # The deputy who takes the work over reads the queue in Kazakh too, once switched.
    page.context.clear_cookies()
    sign_in(page, live_server, "first@test.kz")
    to_kazakh(page)
    page.goto(f"{live_server}/deputy-queue/")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.locator("[data-appeal]").count() >= 1


def test_the_central_office_reads_the_dashboard_in_kazakh(app, live_server, browser_page, make_user, tmp_path):
    with app.app_context():
        fixtures()
    _, email = make_user(Role.branch_head, "KZ-00")
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, email)
    to_kazakh(page)
    page.goto(live_server + "/reports/dashboard?from=2026-01-01&to=2026-06-30")
    assert page.locator("html").get_attribute("lang") == "kk"
    charts_and_map_drawn(page)
    assert page.locator('[data-figure="registered"]').inner_text() == "6"

    form = page.locator('form[data-form="dashboard-filters"]')
    form.locator('select[name="region"]').select_option(label="Астана қаласы")
    form.get_by_role("button").click()
    page.wait_for_url("**region=*")
    charts_and_map_drawn(page)
    assert page.locator('[data-figure="registered"]').inner_text() == "2"
    # The map names the regions in Kazakh, and the topic table its topics.
    titles = page.locator("[data-map] svg title").evaluate_all("titles => titles.map(t => t.textContent)")
    assert any(t.startswith("Астана қаласы") for t in titles), titles
    assert not any(t.startswith("город Астана") for t in titles)
    page.screenshot(path=tmp_path / "dashboard-kk.png", full_page=True)
