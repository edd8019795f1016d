"""A lost PIN: the branch issues a new one on a new receipt, or the citizen has one sent by SMS to the phone
given with the appeal; the old PIN and the browsers let in with it stop working; nothing tells which codes exist."""

import re

from pageforms import submit
from sqlalchemy import select
from support import Auth, csrf_token
from test_public import PHONE, look_up, make_appeal

from reception.accounts.models import Role
from reception.appeals.codes import new_tracking_code
from reception.appeals.models import Appeal
from reception.audit.models import AuditEntry
from reception.extensions import db
from reception.notifications.models import MessageChannel, OutboxMessage

PIN_ON_RECEIPT = re.compile(r'data-receipt="pin">(\d{6})<')


def _pin_sms(app, appeal_id) -> list[OutboxMessage]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.appeal_id == appeal_id, OutboxMessage.dedupe_key.contains(":pin:"))
                .order_by(OutboxMessage.id)
            )
        )


def test_the_branch_issues_a_new_pin_on_a_new_receipt_and_the_old_one_stops_working(app, client, make_user):
    appeal_id, code, old_pin = make_appeal(app, branch_code="AST-01")
    _uid, email = make_user(Role.staff, "AST-01")
    Auth(client).login(email)
    done = submit(client, f"/appeals/{appeal_id}", f"/appeals/{appeal_id}/citizen/new-pin")
    assert done.status_code == 302 and done.location.endswith(f"/appeals/{appeal_id}/receipt")
    receipt = client.get(done.location).get_data(as_text=True)
    new_pin = PIN_ON_RECEIPT.search(receipt).group(1)
    # Shown once: the receipt opened again has no PIN.
    assert not PIN_ON_RECEIPT.search(client.get(done.location).get_data(as_text=True))

    citizen = app.test_client()
    assert look_up(citizen, code, old_pin).status_code == 404
    assert look_up(citizen, code, new_pin).status_code == 200
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "appeal.pin_reissued"))
        assert entry is not None and entry.details["channel"] == "branch"


def test_a_clerk_of_another_branch_cannot_issue_a_pin(app, client, make_user):
    appeal_id, code, pin = make_appeal(app, branch_code="AST-01")
    _uid, email = make_user(Role.staff, "ALM-03")
    Auth(client).login(email)
    page = client.get(f"/appeals/{appeal_id}")
    assert page.status_code in (403, 404)
    refused = client.post(f"/appeals/{appeal_id}/citizen/new-pin", data={"csrf_token": _token(client)})
    assert refused.status_code in (403, 404)
    assert look_up(app.test_client(), code, pin).status_code == 200


def _token(client) -> str:
    return csrf_token(client, "/appeals/")


def test_a_new_pin_ends_the_access_of_a_browser_let_in_with_the_old_one(app, client, make_user):
    appeal_id, code, old_pin = make_appeal(app, branch_code="AST-01")
    stranger = app.test_client()
    assert look_up(stranger, code, old_pin).status_code == 200
    assert stranger.get("/status/view").status_code == 200
    _uid, email = make_user(Role.staff, "AST-01")
    Auth(client).login(email)
    submit(client, f"/appeals/{appeal_id}", f"/appeals/{appeal_id}/citizen/new-pin")
    # The browser that knew the old PIN is sent back to the look-up.
    assert stranger.get("/status/view").status_code == 302


def test_a_citizen_gets_a_new_pin_by_sms_to_the_appeals_phone(app, client):
    appeal_id, code, old_pin = make_appeal(app)
    status_page = client.get(f"/status/{code}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" data-link="new-pin"', status_page).group(1)
    answered = submit(client, link.replace("&amp;", "&"), "/status/new-pin", code=code.lower().replace("-", " "))
    assert answered.status_code == 200 and 'data-new-pin="answered"' in answered.get_data(as_text=True)
    [sms] = _pin_sms(app, appeal_id)
    assert sms.channel == MessageChannel.sms and sms.recipient == PHONE
    new_pin = re.search(r"\b(\d{6})\b", sms.body).group(1)
    assert f"/status/{code}" in sms.body
    assert look_up(app.test_client(), code, old_pin).status_code == 404
    assert look_up(app.test_client(), code, new_pin).status_code == 200
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "appeal.pin_reissued"))
        assert entry.details["channel"] == "sms"


def test_the_answer_is_the_same_for_an_unknown_code_and_nothing_is_sent(app, client):
    _appeal_id, code, _pin = make_appeal(app)
    known = submit(client, "/status/new-pin", "/status/new-pin", code=code).get_data(as_text=True)
    unknown = submit(client, "/status/new-pin", "/status/new-pin", code=new_tracking_code()).get_data(as_text=True)
    malformed = submit(client, "/status/new-pin", "/status/new-pin", code="ABC").get_data(as_text=True)

    def answer(html):
        return re.search(r'data-new-pin="answered">(.*?)</div>', html, re.S).group(1)

    assert answer(known) == answer(unknown) == answer(malformed)
    with app.app_context():
        assert (
            len(list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.contains(":pin:"))))) == 1
        )


def test_nobody_can_keep_changing_a_citizens_pin(app, client):
    """Three new PINs a day per code; the fourth request answers the same and changes nothing."""
    appeal_id, code, _pin = make_appeal(app)
    for _ in range(4):
        assert submit(app.test_client(), "/status/new-pin", "/status/new-pin", code=code).status_code == 200
    sent = _pin_sms(app, appeal_id)
    assert len(sent) == 3
    last_pin = re.search(r"\b(\d{6})\b", sent[-1].body).group(1)
    assert look_up(app.test_client(), code, last_pin).status_code == 200


def test_a_new_pin_sms_is_in_the_citizens_language(app, client):
    appeal_id, code, _pin = make_appeal(app)
    with app.app_context():
        db.session.get(Appeal, appeal_id).citizen.language = "kk"
        db.session.commit()
    submit(client, "/status/new-pin", "/status/new-pin", code=code)
    [sms] = _pin_sms(app, appeal_id)
    assert sms.language == "kk" and "PIN" in sms.body and "жаңа PIN-коды" in sms.body


def test_a_pin_sent_by_a_gateway_is_never_readable_by_staff_and_is_not_kept(app, client, make_user, sms_gateway):
    """Only the citizen's phone shows a new PIN: "Sent messages" masks it, and once the gateway has it the stored
    text keeps none. (Without a gateway — `make run` — that page is where an SMS is read, so it shows it.)"""
    from reception.notifications.tasks import deliver_message

    appeal_id, code, _old = make_appeal(app)
    status_page = client.get(f"/status/{code}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" data-link="new-pin"', status_page).group(1)
    submit(client, link.replace("&amp;", "&"), "/status/new-pin", code=code)
    [sms] = _pin_sms(app, appeal_id)
    new_pin = re.search(r"\b(\d{6})\b", sms.body).group(1)
    admin = app.test_client()
    Auth(admin).login(make_user(Role.admin)[1])
    assert new_pin not in admin.get("/notifications/").get_data(as_text=True)  # queued, not yet sent
    with app.app_context():
        assert deliver_message(sms.id) == "sent"
    assert new_pin in sms_gateway.received[-1]["text"]
    [stored] = _pin_sms(app, appeal_id)
    assert new_pin not in stored.body and "••••••" in stored.body and f"/status/{code}" in stored.body
    assert new_pin not in admin.get("/notifications/").get_data(as_text=True)
    assert look_up(app.test_client(), code, new_pin).status_code == 200  # the PIN itself still works
