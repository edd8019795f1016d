"""An analyst in a real browser: from a suggested group of alike appeals to a mandate, a programme point and a
road-map task, which the public road map then shows to anyone."""

import pytest
from factories import make_citizen
from mandate_fixture import APPEALS
from sqlalchemy import select
from test_browser import sign_in
from test_mandates import register_fixture

from reception.accounts.models import Role
from reception.extensions import db
from reception.mandates import suggestions
from reception.mandates.models import ProgrammePoint, RoadmapTask, VoterMandate

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_analyst_turns_a_suggested_group_into_a_public_road_map_task(app, live_server, browser_page, make_user):
    _, email = make_user(Role.analyst)
    with app.app_context():
        ids = register_fixture(make_citizen(may_be_told=True))
        # The job the board queues for missing sentence embeddings has run (the board waits for none).
        suggestions.embed_candidates()
    school = [ids[n] for n, row in enumerate(APPEALS) if row[0] == "school"]
    page = browser_page
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/mandates/")
    group = page.locator("form[data-suggestion]", has=page.locator(f'input[name=appeal][value="{school[0]}"]'))
    assert group.locator("input[name=appeal]").count() == len(school)
    group.locator(f'input[name=appeal][value="{school[-1]}"]').uncheck()  # the analyst corrects the group
    group.locator("input[name=title_kk]").fill("Нұрлы Жол шағын ауданында мектеп")
    group.locator("input[name=title_ru]").fill("Школа в микрорайоне Нурлы Жол")
    group.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "Школа в микрорайоне Нурлы Жол" in page.locator("h1").inner_text()
    assert page.locator("[data-appeals] tbody tr").count() == len(school) - 1
    # The map of where the appeals came from is drawn: the school's region (Almaty region) carries their number.
    square = page.locator('[data-map] svg g[data-region="ALM"]')
    assert square.is_visible() and square.bounding_box()["width"] > 20
    assert square.locator("text").nth(1).text_content() == str(len(school) - 1)
    assert page.locator('[data-map] svg g[data-region="AST"] text').nth(1).text_content() == "—"

    page.locator("textarea[name=text_kk]").fill("Нұрлы Жол шағын ауданында 900 орындық мектеп салу")
    page.locator("textarea[name=text_ru]").fill("Построить школу на 900 мест в микрорайоне Нурлы Жол")
    page.get_by_role("button", name="Принять как пункт программы").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-sources]").inner_text().endswith(str(len(school) - 1))

    page.locator("input[name=title_kk]").fill("Мектеп салуға жер телімін бөлу")
    page.locator("input[name=title_ru]").fill("Выделить участок под школу")
    page.locator("select[name=owner_kind]").select_option("faction")
    page.locator("input[name=owner_faction]").fill("Фракция партии")
    page.locator("textarea[name=expected_result]").fill("Участок выделен и поставлен на учёт")
    page.locator("input[name=deadline]").fill("2027-03-31")
    page.get_by_role("button", name="Добавить задачу").click()
    page.wait_for_load_state("load")
    assert "Выделить участок под школу" in page.locator("[data-tasks]").inner_text()
    with app.app_context():
        mandate = db.session.scalar(select(VoterMandate))
        assert mandate.point is not None and len(mandate.appeals) == len(school) - 1
        assert db.session.scalar(select(RoadmapTask)).point_id == db.session.scalar(select(ProgrammePoint.id))

    visitor = page.context.browser.new_context(locale="kk-KZ").new_page()
    visitor.goto(f"{live_server}/")
    visitor.locator('[data-go="roadmap"]').click()
    visitor.wait_for_load_state("load")
    point = visitor.locator('[data-point="1"]')
    assert "Нұрлы Жол шағын ауданында 900 орындық мектеп салу" in point.inner_text()
    assert "Выделить участок под школу" in point.inner_text() or "Мектеп салуға жер телімін бөлу" in point.inner_text()
    assert "Сейткали" not in visitor.content()


def test_the_mandate_pages_fit_a_phone_and_pass_axe(app, live_server, chromium, make_user, check_accessibility):
    from datetime import date

    from test_mobile_browser import CHECK, PHONE
    from test_mobile_browser import sign_in as phone_sign_in

    from reception.appeals.models import Appeal
    from reception.mandates import operations as ops
    from reception.mandates.models import OwnerKind

    _, email = make_user(Role.analyst)
    with app.app_context():
        ids = register_fixture()
        suggestions.embed_candidates()  # as the board's job would have
        gas = [db.session.get(Appeal, ids[n]) for n, row in enumerate(APPEALS) if row[0] == "gas"]
        mandate = ops.create_mandate(gas, title_kk="Жаңаталап ауылына газ", title_ru="Газ в село Жанаталап", user=None)
        point = ops.adopt_into_point([mandate], text_kk="Ауылға газ", text_ru="Газ в село", user=None)
        ops.add_task(
            point,
            title_kk="Жоба",
            title_ru="Проект газопровода",
            owner=ops.Owner(OwnerKind.faction, faction="Фракция"),
            expected_result="ПСД утверждена",
            deadline=date(2026, 1, 1),
            evidence_url="https://example.kz/" + "a" * 120,
        )
        db.session.commit()
        urls = ["/mandates/", f"/mandates/{mandate.id}", f"/mandates/points/{point.id}", "/roadmap/"]
    context = chromium.new_context(locale="ru-RU", viewport=PHONE)
    page = context.new_page()
    try:
        phone_sign_in(page, live_server, email)
        for url in urls:
            page.goto(live_server + url)
            found = page.evaluate(CHECK)
            assert found["scrollWidth"] <= PHONE["width"], (url, found["sticking"])
            check_accessibility(page)
    finally:
        context.close()
