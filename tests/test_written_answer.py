"""The deputy's decision as a written answer (several lines and files) that the citizen reads and downloads on the
status page; every comment box says whether the citizen reads it, and notes stay internal unless ticked."""

import io
import re

from factories import make_registration, user
from pageforms import forms_on, submit
from sqlalchemy import select
from support import Auth
from test_public import look_up

from reception.accounts.models import Role
from reception.appeals.models import Appeal, AppealState, Attachment
from reception.extensions import db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 100
DECISION = "Водоснабжение восстановлено 12.12.2026.\nУправляющей компании вынесено предписание."


def _deputy_with_appeal(app, make_user, state=AppealState.in_progress) -> tuple[str, int, str, str]:
    _uid, email = make_user(Role.deputy)
    with app.app_context():
        from factories import make_citizen

        citizen = make_citizen("900101300017", phone="+77011234567")
        registered = make_registration(citizen=citizen, deputy=user(email).deputy, state=state)
        return email, registered.appeal.id, registered.appeal.tracking_code, registered.pin


def test_a_deputy_resolves_with_a_written_answer_the_citizen_reads_and_downloads(app, client, make_user):
    email, appeal_id, code, pin = _deputy_with_appeal(app, make_user)
    Auth(client).login(email)
    done = submit(
        client,
        f"/appeals/{appeal_id}",
        f"/appeals/{appeal_id}/transition",
        carrying={"to_state": "resolved"},
        comment=DECISION,
        files={"answer_files": [(io.BytesIO(PDF), "otvet.pdf")]},
    )
    assert done.status_code == 302
    staff_page = client.get(f"/appeals/{appeal_id}").get_data(as_text=True)
    assert "otvet.pdf" in staff_page and "data-answer-file" in staff_page

    citizen = app.test_client()
    page = look_up(citizen, code, pin).get_data(as_text=True)
    answer = re.search(r'data-status="answer">(.*?)</p>', page, re.S).group(1)
    assert answer == DECISION.replace("\n", "\r\n") or answer == DECISION
    link = re.search(r'href="([^"]+)" data-status="answer-file">otvet.pdf<', page).group(1)
    download = citizen.get(link)
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    # Another browser, without the PIN, gets nothing.
    assert app.test_client().get(link).status_code == 302
    with app.app_context():
        row = db.session.scalar(select(Attachment).where(Attachment.appeal_id == appeal_id))
        assert row.event_id is not None and db.session.get(Appeal, appeal_id).state == AppealState.resolved


def test_an_empty_decision_is_an_error_at_its_field_and_nothing_changes(app, client, make_user):
    email, appeal_id, _code, _pin = _deputy_with_appeal(app, make_user)
    Auth(client).login(email)
    refused = submit(
        client,
        f"/appeals/{appeal_id}",
        f"/appeals/{appeal_id}/transition",
        carrying={"to_state": "resolved"},
        comment="",
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    form = next(f for f in forms_on(html) if f.values.get("to_state") == "resolved")
    assert form.values["comment"] == ""
    assert re.search(r'data-action="resolved".*?class="error" role="alert"', html, re.S)
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).state == AppealState.in_progress


def test_a_note_is_internal_unless_ticked(app, client, make_user):
    email, appeal_id, code, pin = _deputy_with_appeal(app, make_user, state=AppealState.routed)
    Auth(client).login(email)
    taken = submit(
        client,
        f"/appeals/{appeal_id}",
        f"/appeals/{appeal_id}/transition",
        carrying={"to_state": "in_progress"},
        comment="Позвонить в акимат до пятницы",
    )
    assert taken.status_code == 302
    staff_page = client.get(f"/appeals/{appeal_id}").get_data(as_text=True)
    assert 'data-note="internal"' in staff_page
    citizen_page = look_up(app.test_client(), code, pin).get_data(as_text=True)
    assert 'data-step="transition"' in citizen_page  # the step is shown...
    assert "Позвонить в акимат" not in citizen_page  # ...its note is not


def test_a_ticked_note_is_read_by_the_citizen(app, client, make_user):
    email, appeal_id, code, pin = _deputy_with_appeal(app, make_user, state=AppealState.routed)
    Auth(client).login(email)
    submit(
        client,
        f"/appeals/{appeal_id}",
        f"/appeals/{appeal_id}/transition",
        carrying={"to_state": "in_progress"},
        comment="Запрошены документы в акимате",
        comment_public="y",
    )
    assert "Запрошены документы в акимате" in look_up(app.test_client(), code, pin).get_data(as_text=True)


def test_every_comment_box_says_who_reads_it(app, client, make_user):
    email, appeal_id, _code, _pin = _deputy_with_appeal(app, make_user)
    Auth(client).login(email)
    html = client.get(f"/appeals/{appeal_id}").get_data(as_text=True)
    boxes = re.findall(r'<textarea id="([^"]+)" name="(comment|reason)"', html)
    assert len(boxes) >= 3
    for box_id, _name in boxes:
        label = re.search(rf'<label for="{box_id}">(.*?)</label>', html, re.S)
        assert label and "data-reader=" in label.group(1), box_id
