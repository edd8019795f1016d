"""The status page kept in Redis (reception/public/page_cache.py): a change to the appeal shows at once in every
language, the page is only ever served for its own code after a right PIN, wrong PINs still count and lock, a new
PIN ends the old one, and each browser gets its own CSRF token in a kept page."""

import re

from flask_babel import force_locale
from pageforms import submit
from redis import Redis
from sqlalchemy import event
from support import Auth, csrf_token, free_port
from test_public import look_up, make_appeal
from test_query_counts import counted_statements

from reception.accounts.models import Role, User
from reception.appeals.codes import new_tracking_code
from reception.appeals.models import Appeal, AppealState
from reception.directory.models import Branch
from reception.extensions import db
from reception.jobs.queues import get_redis
from reception.public import pins

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


def statements_of_look_up(app, client, code: str, pin: str):
    """The look-up's answer and the SQL statements it ran (the form's page is fetched outside the count)."""
    token = csrf_token(client, "/status/")
    with app.app_context():
        engine = db.engine
    with counted_statements(engine) as statements:
        response = client.post("/status/", data={"csrf_token": token, "code": code, "pin": pin})
    return response, statements


def test_a_kept_page_is_served_with_no_sql_statement_at_all(app):
    _appeal_id, code, pin = make_appeal(app)
    citizen = app.test_client()
    first, rendered = statements_of_look_up(app, citizen, code, pin)
    assert first.status_code == 200 and rendered  # the first look-up reads the appeal and keeps its page
    again, statements = statements_of_look_up(app, app.test_client(), code, pin)
    assert again.status_code == 200 and f"<dd>{code}</dd>" in again.get_data(as_text=True)
    assert statements == []


def test_a_wrong_pin_on_a_kept_page_goes_to_the_database_like_an_unknown_code_and_counts(app):
    _appeal_id, code, pin = make_appeal(app)
    assert look_up(app.test_client(), code, pin).status_code == 200 and kept_pages(app, code)
    refused, on_kept = statements_of_look_up(app, app.test_client(), code, wrong(pin))
    unknown, on_unknown = statements_of_look_up(app, app.test_client(), new_tracking_code(), "123456")
    assert refused.status_code == unknown.status_code == 404
    assert 'data-status="state"' not in refused.get_data(as_text=True)
    assert len(on_kept) == len(on_unknown) == 1  # the same indexed query, so no faster answer gives a code away
    with app.app_context():
        assert int(get_redis().get(f"status:wrong-pins:{code}")) == 1


def test_a_new_pin_ends_the_old_one_even_if_redis_is_gone_after_the_commit(app, make_user):
    """The kept page must not open with the old PIN when Redis misses the bump that follows the commit."""
    appeal_id, code, old_pin = make_appeal(app, branch_code="AST-01")
    assert look_up(app.test_client(), code, old_pin).status_code == 200 and kept_pages(app, code)
    user_id, _email = make_user(Role.staff, "AST-01")
    with app.app_context():
        live = get_redis()

        def redis_goes_away(_session):
            app.extensions["redis"] = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)

        # Runs before the page cache's own after-commit listener, which then cannot reach Redis.
        event.listen(db.session, "after_commit", redis_goes_away, insert=True)
        try:
            new_pin = pins.reissue_at_branch(db.session.get(Appeal, appeal_id), user=db.session.get(User, user_id))
            db.session.commit()
        finally:
            event.remove(db.session, "after_commit", redis_goes_away)
            app.extensions["redis"] = live
    old = look_up(app.test_client(), code, old_pin)
    assert old.status_code == 404 and 'data-status="state"' not in old.get_data(as_text=True)
    assert f"<dd>{code}</dd>" in look_up(app.test_client(), code, new_pin).get_data(as_text=True)


def test_a_new_pin_asked_for_by_sms_ends_the_old_one_though_the_page_is_kept(app):
    _appeal_id, code, old_pin = make_appeal(app)
    assert look_up(app.test_client(), code, old_pin).status_code == 200 and kept_pages(app, code)
    asked = submit(app.test_client(), "/status/new-pin", "/status/new-pin", code=code)
    assert asked.status_code == 200
    old = look_up(app.test_client(), code, old_pin)
    assert old.status_code == 404 and 'data-status="state"' not in old.get_data(as_text=True)


def test_redis_holds_neither_the_pin_nor_its_hash_from_the_database(app):
    appeal_id, code, pin = make_appeal(app)
    look_up(app.test_client(), code, pin)
    with app.app_context():
        stored = db.session.get(Appeal, appeal_id).pin_hash
        redis = get_redis()
        keys = list(redis.scan_iter("status:*"))
        assert keys and not any(pin.encode() in key for key in keys)
        values = [redis.get(key) or b"" for key in keys if redis.type(key) == b"string"]
        assert not any(stored.encode() in value for value in values)


def test_a_browser_looking_again_soon_gets_no_new_session_cookie(app):
    _appeal_id, code, pin = make_appeal(app)
    citizen = app.test_client()
    assert "Set-Cookie" in look_up(citizen, code, pin).headers  # let in to the appeal: the session changed
    again = look_up(citizen, code, pin)
    assert again.status_code == 200 and "Set-Cookie" not in again.headers
    # Still let in: the form on the page works.
    assert citizen.get("/status/view").status_code == 200
