"""The inquiry pages as a deputy, a co-signer, another deputy, branch heads and a citizen use them."""

import html
import io
import re
from datetime import date

import pytest
from docx import Document
from factories import make_account, make_citizen, make_deputy, make_inquiry, make_registration, user
from pageforms import submit
from sqlalchemy import select
from support import Auth, csrf_token, translated
from test_inquiries import CITIZENS, appeals_for

from reception.accounts.models import Role
from reception.appeals.models import Appeal, AppealGroup, AppealState
from reception.directory.models import GovernmentBody
from reception.extensions import db
from reception.inquiries import operations as ops
from reception.inquiries.models import AnswerAssessment, Inquiry, InquiryDocument, InquiryState


def body_id(code="MIN-INTERNAL") -> int:
    from flask import has_app_context

    if not has_app_context():
        with CURRENT_APP[0].app_context():
            return body_id(code)
    return db.session.scalar(select(GovernmentBody.id).where(GovernmentBody.code == code))


#: The app of the running test, for helpers called outside its context.
CURRENT_APP = [None]


@pytest.fixture(autouse=True)
def _remember_app(app):
    CURRENT_APP[0] = app


@pytest.fixture
def deputy(app, client, auth, make_user):
    """A signed-in deputy with three appeals in the queue; returns (email, appeal ids)."""
    _, email = make_user(Role.deputy)
    with app.app_context():
        appeals = appeals_for(user(email).deputy)
        db.session.commit()
        ids = [a.id for a in appeals]
    auth.login(email)
    return email, ids


def create_via_pages(client, ids, language="ru") -> tuple[int, str]:
    token = csrf_token(client, "/deputy-queue/")
    chosen = client.post("/inquiries/new", data={"csrf_token": token, "ids": [str(i) for i in ids]})
    assert chosen.status_code == 200
    page = chosen.get_data(as_text=True)
    author = re.search(r'<select[^>]*name="author"[^>]*>\s*<option[^>]*value="(\d+)"', page).group(1)
    created = client.post(
        "/inquiries/new",
        data={
            "csrf_token": token,
            "ids": ",".join(map(str, ids)),
            "author": author,
            "addressee": str(body_id()),
            "language": language,
            "create": "1",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    assert f'value="{",".join(map(str, ids))}"' in page  # the create form carries every chosen appeal
    inquiry_id = int(re.search(r"/inquiries/(\d+)/edit", created.headers["Location"]).group(1))
    return inquiry_id, token


def edit_data(client, inquiry_id, **changes) -> dict:
    page = client.get(f"/inquiries/{inquiry_id}/edit").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(client, f"/inquiries/{inquiry_id}/edit"),
        "version": re.search(r'name="version"[^>]*value="(\d+)"', page).group(1),
        "addressee": str(body_id()),
        "addressee_title": "Министру внутренних дел Республики Казахстан",
        "addressee_name": "Касымовой Ж. А.",
        "language": "ru",
        "subject": "О водоснабжении посёлка Алатау",
        "topic": "",
        "body": "Жители посёлка третью неделю без воды.",
        "requested_actions": "Проверить\nПринять меры",
    }
    data.update(changes)
    return data


def test_deputy_creates_edits_and_downloads_an_inquiry(app, client, deputy):
    _email, ids = deputy
    inquiry_id, token = create_via_pages(client, ids)
    assert client.post(f"/inquiries/{inquiry_id}/edit", data=edit_data(client, inquiry_id)).status_code == 302
    detail = client.get(f"/inquiries/{inquiry_id}").get_data(as_text=True)
    assert "О водоснабжении посёлка Алатау" in detail and "Проверить" in detail
    generated = client.post(f"/inquiries/{inquiry_id}/documents", data={"csrf_token": token, "pdf": "0"})
    assert generated.status_code == 302
    with app.app_context():
        document_id = db.session.scalar(select(InquiryDocument.id).where(InquiryDocument.inquiry_id == inquiry_id))
    download = client.get(f"/inquiries/{inquiry_id}/documents/{document_id}")
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
    assert "attachment" in download.headers["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(download.data)).paragraphs)
    assert "О водоснабжении посёлка Алатау" in text and "Министру внутренних дел Республики Казахстан" in text
    assert "1. Проверить" in text and "2. Принять меры" in text


def test_an_edit_with_personal_data_is_refused_with_the_reason_and_the_draft_kept(app, client, deputy):
    _email, ids = deputy
    inquiry_id, _ = create_via_pages(client, ids)
    with app.app_context():
        before = db.session.get(Inquiry, inquiry_id).body
    refused = client.post(
        f"/inquiries/{inquiry_id}/edit",
        data=edit_data(client, inquiry_id, body=f"Звонить {CITIZENS[0][2]}, ИИН {CITIZENS[0][0]}"),
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "ИИН" in page and "номер телефона" in page and "Удалите персональные данные" in page
    with app.app_context():
        assert db.session.get(Inquiry, inquiry_id).body == before


def test_another_deputy_gets_404_everywhere_and_a_cosigner_may_edit(app, client, deputy, make_user):
    _email, ids = deputy
    inquiry_id, token = create_via_pages(client, ids)
    client.post(f"/inquiries/{inquiry_id}/documents", data={"csrf_token": token, "pdf": "0"})
    with app.app_context():
        document_id = db.session.scalar(select(InquiryDocument.id).where(InquiryDocument.inquiry_id == inquiry_id))
    _, other_email = make_user(Role.deputy)
    other = app.test_client()
    Auth(other).login(other_email)
    token = csrf_token(other, "/me")
    for url in (
        f"/inquiries/{inquiry_id}",
        f"/inquiries/{inquiry_id}/edit",
        f"/inquiries/{inquiry_id}/documents/{document_id}",
        f"/inquiries/{inquiry_id}/documents/{document_id}/status",
    ):
        assert other.get(url).status_code == 404, url
    assert (
        other.post(
            f"/inquiries/{inquiry_id}/transition",
            data={"csrf_token": token, "version": "1", "to_state": "under_review"},
        ).status_code
        == 404
    )
    assert f'data-inquiry="{inquiry_id}"' not in other.get("/inquiries/").get_data(as_text=True)
    # The other deputy's own appeal cannot be put into anyone's inquiry via the page either.
    with app.app_context():
        foreign = appeals_for(user(other_email).deputy, count=1, with_citizens=False)[0].id
        db.session.commit()
    assert (
        client.post("/inquiries/new", data={"csrf_token": csrf_token(client, "/me"), "ids": [str(foreign)]}).status_code
        == 404
    )
    # Made a co-signer, the other deputy sees and edits the draft.
    with app.app_context():
        inquiry = db.session.get(Inquiry, inquiry_id)
        inquiry.cosigners = [user(other_email).deputy]
        db.session.commit()
    assert other.get(f"/inquiries/{inquiry_id}").status_code == 200
    assert (
        other.post(
            f"/inquiries/{inquiry_id}/edit",
            data=edit_data(
                other, inquiry_id, subject="Правка соавтора", cosigners=[str(user_deputy_id(app, other_email))]
            ),
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Inquiry, inquiry_id).subject == "Правка соавтора"


def user_deputy_id(app, email) -> int:
    with app.app_context():
        return user(email).deputy_id


def test_branch_heads_see_inquiries_from_their_branches_only(app, client, deputy, make_user, auth):
    _email, ids = deputy
    inquiry_id, _ = create_via_pages(client, ids)
    auth.logout()
    for branch_code, expected in (("ALM-03", 200), ("AST-01", 404), ("KZ-00", 200)):
        _, head = make_user(Role.branch_head, branch_code)
        auth.login(head)
        assert client.get(f"/inquiries/{inquiry_id}").status_code == expected, branch_code
        auth.logout()


def test_queue_filter_by_inquiry_and_the_overdue_inquiry_on_the_boards(app, client, deputy, make_user, auth):
    email, ids = deputy
    inquiry_id, _ = create_via_pages(client, ids[:2])
    with app.app_context():
        numbers = {a.id: a.registration_number for a in db.session.scalars(select(Appeal).where(Appeal.id.in_(ids)))}
    linked = client.get("/deputy-queue/?inquiry=1").get_data(as_text=True)
    unlinked = client.get("/deputy-queue/?inquiry=0").get_data(as_text=True)
    assert all(numbers[i] in linked for i in ids[:2]) and numbers[ids[2]] not in linked
    assert numbers[ids[2]] in unlinked and numbers[ids[0]] not in unlinked
    with app.app_context():
        inquiry = db.session.get(Inquiry, inquiry_id)
        account = user(email)
        for state in (InquiryState.under_review, InquiryState.approved):
            ops.transition(inquiry, state, user=account)
        ops.mark_sent(inquiry, user=account, outgoing_number="01-02/3", sent_date=date(2026, 1, 12))
        db.session.commit()
    assert "data-overdue-inquiries" not in client.get("/deputy-queue/").get_data(as_text=True)  # no term yet
    with app.app_context():
        inquiry = db.session.get(Inquiry, inquiry_id)
        ops.record_term_start(
            inquiry, user=user(email), announced_date=date(2026, 1, 13), announced_session="Пленарное заседание"
        )
        db.session.commit()
    queue = client.get("/deputy-queue/").get_data(as_text=True)
    assert "data-overdue-inquiries" in queue and f"/inquiries/{inquiry_id}" in queue
    auth.logout()
    _, central = make_user(Role.branch_head, "KZ-00")
    auth.login(central)
    board = client.get("/reports/").get_data(as_text=True)
    assert re.search(r'data-count="overdue-inquiries">1<', board) and f"/inquiries/{inquiry_id}" in board
    registry = client.get("/inquiries/?overdue=1").get_data(as_text=True)
    assert f'data-inquiry="{inquiry_id}"' in registry


def test_the_board_lists_the_five_oldest_overdue_inquiries_and_counts_them_all(app, client, deputy, make_user, auth):
    email, ids = deputy
    with app.app_context():
        account = user(email)
        appeals = list(db.session.scalars(select(Appeal).where(Appeal.id.in_(ids))))
        made = []
        for n in range(7):  # announced a day apart: the first made is due first
            inquiry = make_inquiry(appeals[:1], user=account, state=InquiryState.approved)
            ops.mark_sent(inquiry, user=account, outgoing_number=f"01-02/{n}", sent_date=date(2026, 1, 12))
            ops.record_term_start(
                inquiry, user=account, announced_date=date(2026, 1, 13 + n), announced_session="Пленарное заседание"
            )
            made.append(inquiry.id)
        db.session.commit()
    auth.logout()
    _, central = make_user(Role.branch_head, "KZ-00")
    auth.login(central)
    board = client.get("/reports/").get_data(as_text=True)
    assert re.search(r'data-count="overdue-inquiries">7<', board)
    listed = [int(i) for i in re.findall(r'href="/inquiries/(\d+)">#', board)]
    assert listed == made[:5]
    assert translated(app, "ru", "All of them: %(count)s", count=7) in board


def test_the_answer_shows_on_the_citizens_status_page(app, client, make_user):
    from reception.appeals.models import AppealType

    with app.app_context():
        deputy = make_deputy("Ахметов Серик Болатович")
        account = make_account(Role.deputy, "author@test.kz", full_name="Ахметов", password="x" * 12, deputy=deputy)
        iin, name, phone, address, _named = CITIZENS[0]
        citizen = make_citizen(iin, full_name=name, phone=phone, address=address)
        registered = make_registration(
            citizen=citizen,
            type=AppealType.complaint,
            summary="Нет воды",
            text="Нет воды",
            deputy=deputy,
            commit=False,
        )
        inquiry = make_inquiry([registered.appeal], user=account, state=InquiryState.approved)
        ops.mark_sent(inquiry, user=account, outgoing_number="01-02/3", sent_date=date(2026, 11, 20))
        ops.record_answer(
            inquiry,
            user=account,
            answer_date=date(2026, 11, 24),
            answer_number="ИО-1",
            answer_text="Внутренний текст ответа",
            public_summary="Водопровод починят до 1 декабря.",
            assessment=AnswerAssessment.substantive,
        )
        db.session.commit()
        code, pin = registered.appeal.tracking_code, registered.pin
        assert registered.appeal.state == AppealState.answer_received
    token = csrf_token(client, f"/status/{code}")
    page = client.post(f"/status/{code}", data={"csrf_token": token, "code": code, "pin": pin}).get_data(as_text=True)
    assert "Водопровод починят до 1 декабря." in page
    assert "Министерство внутренних дел" in page
    assert "Внутренний текст ответа" not in page


def test_one_inquiry_for_a_whole_group(app, client, deputy):
    _email, ids = deputy
    with app.app_context():
        group = AppealGroup(title="Вода в Алатау")
        group.appeals = list(db.session.scalars(select(Appeal).where(Appeal.id.in_(ids))))
        db.session.add(group)
        db.session.commit()
        group_id = group.id
    token = csrf_token(client, f"/appeals/groups/{group_id}")
    page = client.post("/inquiries/new", data={"csrf_token": token, "group": str(group_id)}).get_data(as_text=True)
    assert page.count("<tr data-appeal=") == 3


def test_more_appeals_go_into_an_existing_draft(app, client, deputy):
    _email, ids = deputy
    inquiry_id, token = create_via_pages(client, ids[:2])
    page = client.post("/inquiries/new", data={"csrf_token": token, "ids": [str(ids[2])]}).get_data(as_text=True)
    add_token = re.search(r'name="add-csrf_token"[^>]*value="([^"]+)"', page).group(1)
    added = client.post(
        "/inquiries/new",
        data={"add-csrf_token": add_token, "ids": str(ids[2]), "add-inquiry": str(inquiry_id), "add-submit": "1"},
    )
    assert added.status_code == 302
    with app.app_context():
        assert sorted(a.id for a in db.session.get(Inquiry, inquiry_id).appeals) == sorted(ids)


def test_the_page_follows_the_pdf_job_until_the_file_is_ready(app, client, deputy):
    from rq import SimpleWorker

    from reception.jobs.queues import get_queue, get_redis

    _email, ids = deputy
    inquiry_id, token = create_via_pages(client, ids)
    app.config["PDF_CONVERTER"] = "weasyprint"
    try:
        client.post(f"/inquiries/{inquiry_id}/documents", data={"csrf_token": token, "pdf": "1"})
        page = client.get(f"/inquiries/{inquiry_id}").get_data(as_text=True)
        poll = re.search(r'data-poll="([^"]+)"', page).group(1)
        assert client.get(poll).get_json()["status"] == "queued"
        assert "В очереди" in page
        with app.app_context():
            SimpleWorker([get_queue("documents")], connection=get_redis()).work(burst=True)
        status = client.get(poll).get_json()
        assert status["status"] == "ready"
        pdf = client.get(status["url"])
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    finally:
        app.config["PDF_CONVERTER"] = "auto"


def test_a_deputy_removes_an_appeal_from_a_draft_and_writes_the_text_again(app, client, deputy):
    _email, ids = deputy
    inquiry_id, _ = create_via_pages(client, ids)
    with app.app_context():
        dropped = db.session.get(Appeal, ids[2]).registration_number
        assert dropped in db.session.get(Inquiry, inquiry_id).body
    removed = submit(client, f"/inquiries/{inquiry_id}", f"/inquiries/{inquiry_id}/appeals/{ids[2]}/remove")
    assert removed.status_code == 302
    page = client.get(removed.headers["Location"]).get_data(as_text=True)
    assert translated(app, "ru", "Removed.") in page and f'data-appeal="{dropped}"' not in page
    rewritten = submit(client, f"/inquiries/{inquiry_id}/edit", f"/inquiries/{inquiry_id}/redraft")
    assert rewritten.status_code == 302, rewritten.get_data(as_text=True)[:1500]
    page = client.get(rewritten.headers["Location"]).get_data(as_text=True)
    assert translated(app, "ru", "The text was written again from the appeals.") in page
    with app.app_context():
        body = db.session.get(Inquiry, inquiry_id).body
        assert dropped not in body and db.session.get(Appeal, ids[0]).registration_number in body


@pytest.mark.slow
def test_a_failed_pdf_says_why_and_the_deputy_makes_it_again(app, client, deputy, monkeypatch):
    from rq import SimpleWorker

    from reception.jobs.queues import get_queue, get_redis

    def work():
        with app.app_context():
            SimpleWorker([get_queue("documents")], connection=get_redis()).work(burst=True)

    _email, ids = deputy
    inquiry_id, _ = create_via_pages(client, ids)
    page = f"/inquiries/{inquiry_id}"
    monkeypatch.setenv("SOFFICE_PATH", "/bin/false")  # a converter that fails
    app.config["PDF_CONVERTER"] = "libreoffice"
    try:
        submit(client, page, f"/inquiries/{inquiry_id}/documents", pdf="1")
        work()
        with app.app_context():
            pdf_id = db.session.scalar(
                select(InquiryDocument.id).where(
                    InquiryDocument.inquiry_id == inquiry_id, InquiryDocument.format == "pdf"
                )
            )
        shown = client.get(page).get_data(as_text=True)
        assert 'data-document="pdf" data-version="1" data-status="failed"' in shown and "LibreOffice failed" in shown
        app.config["PDF_CONVERTER"] = "weasyprint"
        again = submit(client, page, f"/inquiries/{inquiry_id}/documents/{pdf_id}/retry")
        assert again.status_code == 302
        work()
        shown = client.get(page).get_data(as_text=True)
        assert 'data-document="pdf" data-version="1" data-status="ready"' in shown
        pdf = client.get(f"/inquiries/{inquiry_id}/documents/{pdf_id}")
        assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    finally:
        app.config["PDF_CONVERTER"] = "auto"


def test_an_inquiry_goes_from_draft_to_answered_through_its_pages_as_rendered(app, client, deputy):
    """Every step submitted with the page's own hidden fields (the version among them): the step "mark as
    sent" once answered 409 every time, because its test posted no version."""
    _email, ids = deputy
    inquiry_id, _token = create_via_pages(client, ids)
    page = f"/inquiries/{inquiry_id}"
    for target in ("under_review", "approved"):
        moved = submit(client, page, f"/inquiries/{inquiry_id}/transition", carrying={"to_state": target})
        assert moved.status_code == 302, moved.get_data(as_text=True)[:1500]
    sent = submit(client, page, f"/inquiries/{inquiry_id}/send", outgoing_number="01-15/2045", sent_date="2026-11-20")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:1500]
    detail = client.get(page).get_data(as_text=True)
    assert "01-15/2045" in detail
    # No made-up deadline: the Mazhilis's term runs from the announcement at a plenary session.
    assert 'data-answer-due="awaiting"' in detail
    assert translated(app, "ru", "Awaiting confirmation of receipt") in detail
    registry_row = re.search(
        rf'<tr data-inquiry="{inquiry_id}".*?</tr>', client.get("/inquiries/").get_data(as_text=True), re.S
    )
    assert "data-awaiting-receipt" in registry_row.group(0)
    missing = submit(client, page, f"/inquiries/{inquiry_id}/term", received_date="2026-11-23", received_number="")
    assert missing.status_code == 400
    assert html.unescape(translated(app, "ru", "Give the incoming number the addressee gave the inquiry.")) in (
        html.unescape(missing.get_data(as_text=True))
    )
    recorded = submit(
        client,
        page,
        f"/inquiries/{inquiry_id}/term",
        received_date="2026-11-23",
        received_number="вх-5521",
        announced_date="2026-11-20",
        announced_session="Пленарное заседание Мажилиса, протокол № 12",
    )
    assert recorded.status_code == 302, recorded.get_data(as_text=True)[:1500]
    detail = client.get(page).get_data(as_text=True)
    # 15 calendar days from Friday 20.11 end on Saturday 5.12: due on Monday 7.12.
    assert 'data-answer-due="2026-12-07"' in detail and "вх-5521" in detail
    assert translated(app, "ru", "The answer is now due by %(date)s.", date="07.12.2026") in detail
    answered = submit(
        client,
        page,
        f"/inquiries/{inquiry_id}/answer",
        answer_date="2026-11-27",
        answer_number="ИО-77",
        assessment="substantive",
        answer_text="Министерство проверило водоснабжение.",
        public_summary="Водопровод отремонтируют до конца года.",
    )
    assert answered.status_code == 302, answered.get_data(as_text=True)[:1500]
    with app.app_context():
        inquiry = db.session.get(Inquiry, inquiry_id)
        assert inquiry.state == InquiryState.answered and inquiry.outgoing_number == "01-15/2045"
        assert {a.state for a in inquiry.appeals} == {AppealState.answer_received}


def test_a_deputy_working_in_kazakh_starts_a_letter_in_kazakh(app, client, deputy):
    from pageforms import form_on

    _email, ids = deputy
    token = csrf_token(client, "/deputy-queue/")
    client.post("/language/kk", data={"csrf_token": token})
    chosen = client.post("/inquiries/new", data={"csrf_token": token, "ids": [str(i) for i in ids]})
    form = form_on(chosen.get_data(as_text=True), "/inquiries/new", having="addressee")
    assert form.values["language"] == "kk"
