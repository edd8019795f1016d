"""The status page kept in Redis (reception/public/page_cache.py): a change to the appeal shows at once in every
language, the page is only ever served for its own code after a right PIN, wrong PINs still count and lock, a new
PIN ends the old one, and each browser gets its own CSRF token in a kept page."""

import re

from flask_babel import force_locale
from pageforms import submit
from support import Auth
from test_public import look_up, make_appeal

from reception.accounts.models import Role
from reception.appeals.models import Appeal, AppealState
from reception.directory.models import Branch
from reception.extensions import db
from reception.jobs.queues import get_redis

S = AppealState
LANGUAGES = ("kk", "ru", "en")
STATE = re.compile(r'data-status="state">([^<]+)<')
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PIN_ON_RECEIPT = re.compile(r'data-receipt="pin">(\d{6})<')


def citizen_in(app, language: str):
    client = app.test_client()
    assert submit(client, "/status/", f"/language/{language}").status_code == 302
    return client


def label(app, state: AppealState, language: str) -> str:
    with app.test_request_context(), force_locale(language):
        return str(state.label)


def kept_pages(app, code: str) -> list[bytes]:
    with app.app_context():
        return sorted(get_redis().scan_iter(f"status:page:{code}:*"))


def wrong(pin: str) -> str:
    return "000000" if pin != "000000" else "111111"


def test_a_change_to_the_appeal_shows_at_once_on_the_kept_page_in_each_language(app, make_user):
    appeal_id, code, pin = make_appeal(app)
    citizens = {language: citizen_in(app, language) for language in LANGUAGES}
    before = {}
    for language, citizen in citizens.items():
        page = look_up(citizen, code, pin).get_data(as_text=True)
        assert STATE.search(page).group(1) == label(app, S.registered, language)
        before[language] = len(re.findall(r"data-step=", page))
    assert len(kept_pages(app, code)) == 3  # one per language
    for language, citizen in citizens.items():  # served from Redis, the same as rendered
        assert STATE.search(look_up(citizen, code, pin).get_data(as_text=True)).group(1) == label(
            app, S.registered, language
        )

    # The branch head refuses the appeal on its page, with the reason the citizen reads as the answer.
    _, email = make_user(Role.branch_head, "ALM-03")
    staff = app.test_client()
    Auth(staff).login(email)
    refused = submit(
        staff,
        f"/appeals/{appeal_id}",
        f"/appeals/{appeal_id}/transition",
        carrying={"to_state": "rejected"},
        comment="Вопрос не относится к компетенции маслихата",
    )
    assert refused.status_code == 302
    for language, citizen in citizens.items():
        page = look_up(citizen, code, pin).get_data(as_text=True)
        assert STATE.search(page).group(1) == label(app, S.rejected, language), language
        assert len(re.findall(r"data-step=", page)) == before[language] + 1
        assert re.search(r'data-status="answer">Вопрос не относится к компетенции маслихата<', page)


def test_a_kept_page_follows_a_change_of_the_branchs_contacts(app):
    _appeal_id, code, pin = make_appeal(app)
    citizen = app.test_client()
    assert "+7 700 000 00 01" not in look_up(citizen, code, pin).get_data(as_text=True)
    with app.app_context():
        db.session.scalar(db.select(Branch).where(Branch.code == "ALM-03")).phone = "+7 700 000 00 01"
        db.session.commit()
    assert "+7 700 000 00 01" in look_up(citizen, code, pin).get_data(as_text=True)


def test_a_kept_page_is_never_shown_for_another_code_or_a_wrong_pin(app):
    _first_id, first_code, first_pin = make_appeal(app)
    _second_id, second_code, second_pin = make_appeal(app)
    citizen = app.test_client()
    for _ in range(2):  # rendered, then kept
        assert f"<dd>{first_code}</dd>" in look_up(citizen, first_code, first_pin).get_data(as_text=True)
        second = look_up(citizen, second_code, second_pin).get_data(as_text=True)
        assert f"<dd>{second_code}</dd>" in second and first_code not in second
    refused = look_up(app.test_client(), first_code, second_pin)
    assert refused.status_code == 404 and 'data-status="state"' not in refused.get_data(as_text=True)
    with app.app_context():
        assert int(get_redis().get(f"status:wrong-pins:{first_code}")) == 1  # counted like any wrong PIN


def test_wrong_pins_still_lock_a_code_whose_page_is_kept(app):
    _appeal_id, code, pin = make_appeal(app)
    citizen = app.test_client()
    assert look_up(citizen, code, pin).status_code == 200 and kept_pages(app, code)
    assert [look_up(citizen, code, wrong(pin)).status_code for _ in range(5)] == [404] * 5
    locked = look_up(app.test_client(), code, pin)
    assert locked.status_code == 429 and 'data-status="state"' not in locked.get_data(as_text=True)


def test_a_new_pin_ends_the_old_one_though_the_page_is_kept(app, make_user):
    appeal_id, code, old_pin = make_appeal(app, branch_code="AST-01")
    assert look_up(app.test_client(), code, old_pin).status_code == 200 and kept_pages(app, code)
    _uid, email = make_user(Role.staff, "AST-01")
    staff = app.test_client()
    Auth(staff).login(email)
    done = submit(staff, f"/appeals/{appeal_id}", f"/appeals/{appeal_id}/citizen/new-pin")
    new_pin = PIN_ON_RECEIPT.search(staff.get(done.location).get_data(as_text=True)).group(1)
    old = look_up(app.test_client(), code, old_pin)
    assert old.status_code == 404 and 'data-status="state"' not in old.get_data(as_text=True)
    assert f"<dd>{code}</dd>" in look_up(app.test_client(), code, new_pin).get_data(as_text=True)


def test_each_browser_gets_its_own_csrf_token_in_a_kept_page(app):
    appeal_id, code, pin = make_appeal(app)
    first, second = app.test_client(), app.test_client()
    first_tokens = set(TOKEN.findall(look_up(first, code, pin).get_data(as_text=True)))
    kept = look_up(second, code, pin).get_data(as_text=True)
    second_tokens = set(TOKEN.findall(kept))
    assert len(second_tokens) == 1 and second_tokens != first_tokens and "\x00" not in kept
    # The kept page's form works for the browser it was served to.
    added = second.post("/status/add", data={"csrf_token": second_tokens.pop(), "text": "Дополняю: воды нет и сегодня"})
    assert added.status_code == 302
    with app.app_context():
        assert any("воды нет и сегодня" in (e.comment or "") for e in db.session.get(Appeal, appeal_id).events)


def test_an_erased_appeal_drops_its_public_comments_from_the_kept_page(app, make_user):
    """Retention erases with direct updates, which the session does not track: it marks the page itself."""
    from reception.appeals.retention import erase_appeal

    appeal_id, code, pin = make_appeal(app)
    _, email = make_user(Role.branch_head, "ALM-03")
    staff = app.test_client()
    Auth(staff).login(email)
    comment = "Вопрос не относится к компетенции маслихата"
    submit(
        staff,
        f"/appeals/{appeal_id}",
        f"/appeals/{appeal_id}/transition",
        carrying={"to_state": "rejected"},
        comment=comment,
    )
    citizen = app.test_client()
    assert comment in look_up(citizen, code, pin).get_data(as_text=True)
    with app.app_context():
        erase_appeal(db.session.get(Appeal, appeal_id))
        db.session.commit()
    assert comment not in look_up(citizen, code, pin).get_data(as_text=True)
