"""Issue #15 in a real browser: an administrator closes the Mazhilis's convocation, reviews the plan, picks
another deputy for one appeal, applies it, and the Kurultai deputies' queues show the handed-over appeals."""

import pytest
from factories import make_account
from sqlalchemy import select
from test_browser import sign_in
from test_handover import held_work, reopen_the_mazhilis  # noqa: F401 (the fixture puts the data back)

from reception.accounts.models import Role
from reception.appeals.models import Appeal
from reception.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_admin_closes_a_convocation_and_the_deputies_queues_show_the_appeals(
    app, live_server, browser_page, make_user
):
    _, admin = make_user(Role.admin)
    with app.app_context():
        work = held_work()
        first, second = work["takers"]
        make_account(Role.deputy, "first@test.kz", deputy=first)
        make_account(Role.deputy, "second@test.kz", deputy=second)
        codes = {a.id: a.registration_number for a in work["appeals"]}
        chosen_id = work["appeals"][0].id
        former_id, first_id, second_id = work["former"][0].id, first.id, second.id
        db.session.commit()
    page = browser_page
    sign_in(page, live_server, admin)
    page.goto(f"{live_server}/directory/bodies/MAZHILIS")
    page.locator('[data-link="close-convocation"]').click()
    page.locator('[data-action="plan"]').click()
    page.wait_for_load_state("load")
    assert page.locator("[data-plan] tbody tr").count() == 7  # 4 appeals, 2 inquiries, 1 rule
    # The plan is only a plan: the appeal is still with the former deputy.
    with app.app_context():
        assert db.session.get(Appeal, chosen_id).deputy_id == former_id
    page.locator(f'select[name="item-appeal-{chosen_id}"]').select_option(str(second_id))
    page.locator('[data-action="apply"]').click()
    page.wait_for_load_state("load")
    assert page.locator(".flash-success").is_visible()
    with app.app_context():
        holders = {a.id: a.deputy_id for a in db.session.scalars(select(Appeal).where(Appeal.id.in_(codes)))}
    assert holders[chosen_id] == second_id
    for email, deputy_id in (("first@test.kz", first_id), ("second@test.kz", second_id)):
        page.context.clear_cookies()  # the next person on a fresh session
        sign_in(page, live_server, email)
        page.goto(f"{live_server}/deputy-queue/")
        shown = {
            page.locator("[data-appeal]").nth(i).get_attribute("data-appeal")
            for i in range(page.locator("[data-appeal]").count())
        }
        assert shown == {codes[i] for i, holder in holders.items() if holder == deputy_id}
