"""Appeals: intake through the page, the receipt, the lifecycle, deadlines, attachments, who sees what."""

import html
import io
import re
import threading
from datetime import UTC, date, datetime, timedelta

import pageforms
import pytest
from factories import make_appeal, make_citizen, make_deputy, user
from flask_babel import force_locale
from sqlalchemy import func, select, text
from support import csrf_token, translated

from reception.accounts.models import Role
from reception.appeals import operations as ops
from reception.appeals.models import (
    Appeal,
    AppealState,
    Attachment,
    CalendarTransferKind,
    Citizen,
)
from reception.audit.models import AuditEntry
from reception.directory.models import Topic
from reception.extensions import db

S = AppealState
VALID_IIN = "900101300017"


def intake_data(token, **overrides):
    data = {
        "csrf_token": token,
        "iin": VALID_IIN,
        "full_name": "Сейткали Айгуль Болатовна",
        "phone": "8 701 123 45 67",
        "email": "",
        "address": "г. Косшы, ул. Абая, 1",
        "language": "ru",
        "consent": "y",
        "type": "complaint",
        "channel": "walk_in",
        "summary": "Нет воды в доме",
        "text": "Третью неделю нет холодной воды в доме по ул. Абая, 1.",
    }
    with_topic = overrides.pop("topic_code", "housing")
    data["topic"] = str(db.session.scalar(select(Topic.id).where(Topic.code == with_topic)))
    data.update(overrides)
    return data


@pytest.fixture
def staff(app, client, auth, make_user):
    _, email = make_user(Role.staff, "ALM-03")
    auth.login(email)
    return client


def submit(app, client, **overrides):
    token = csrf_token(client, "/appeals/new")
    with app.app_context():
        data = intake_data(token, **overrides)
    return client.post("/appeals/new", data=data, content_type="multipart/form-data")


def register(iin=VALID_IIN, now=None) -> Appeal:
    """A committed appeal registered through the operations (a citizen with `iin`, or anonymous)."""
    citizen = make_citizen(iin, full_name="Тестова Айжан") if iin else None
    return make_appeal(
        citizen=citizen, summary="Ремонт дороги", text="Прошу отремонтировать дорогу.", registered_at=now
    )


# --- intake and receipt ---------------------------------------------------------------------------


def test_staff_register_a_walk_in_appeal_and_get_a_receipt(app, staff):
    response = submit(app, staff)
    assert response.status_code == 302
    receipt = staff.get(response.headers["Location"]).get_data(as_text=True)
    number = re.search(r'data-receipt="number">([^<]+)<', receipt).group(1)
    assert re.fullmatch(r"ALM-03/\d{4}/000001", number)
    pin = re.search(r'data-receipt="pin">(\d{6})<', receipt).group(1)
    code = re.search(r'data-receipt="code">([^<]+)<', receipt).group(1)
    assert "<svg" in receipt and f"/status/{code}" in receipt
    # The PIN is shown once: the receipt opened again does not show it.
    again = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert pin not in re.search(r'data-receipt="pin">(.*?)</dd>', again, re.S).group(1)
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert appeal.pin_hash != pin and len(appeal.pin_hash) == 64
        assert appeal.citizen.phone == "+77011234567"
        assert appeal.events[0].to_state == S.registered
    # The citizen sees the status with code and PIN.
    public = app.test_client()
    token = csrf_token(public, f"/status/{code}")
    page = public.post(f"/status/{code}", data={"csrf_token": token, "code": code, "pin": pin})
    assert page.status_code == 200 and 'data-status="state"' in page.get_data(as_text=True)
    wrong = public.post(
        f"/status/{code}", data={"csrf_token": token, "code": code, "pin": "000000" if pin != "000000" else "111111"}
    )
    assert wrong.status_code == 404


@pytest.mark.slow
def test_receipt_pdf_in_the_citizens_language_with_the_pin_once(app, staff, soffice):
    from pypdf import PdfReader

    response = submit(app, staff, language="kk")
    receipt_url = response.headers["Location"]
    page = staff.get(receipt_url).get_data(as_text=True)
    pin = re.search(r'data-receipt="pin">(\d{6})<', page).group(1)
    first = staff.get(receipt_url.replace("/receipt", "/receipt.pdf"))
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(first.data)).pages)
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        number, code = appeal.registration_number, appeal.tracking_code
    with app.test_request_context(), force_locale("kk"):
        from flask_babel import gettext

        heading = gettext("Receipt of an appeal")
    assert number in text and code in text and pin in text and heading in text
    again = staff.get(receipt_url.replace("/receipt", "/receipt.pdf"))
    assert pin not in " ".join(p.extract_text() for p in PdfReader(io.BytesIO(again.data)).pages)


@pytest.mark.parametrize("iin", ["900101300015", "90010130001", "9001013000170", "90010130001A", "901301300017"])
def test_bad_iin_is_a_field_error_in_the_clerks_language(app, staff, iin):
    """A clerk working in Kazakh reads the page's errors in Kazakh, whatever language the visitor's answer is in."""
    token = csrf_token(staff, "/appeals/new")
    staff.post("/language/kk", data={"csrf_token": token})
    response = submit(app, staff, iin=iin, language="ru")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    errors = [
        html.unescape(e) for e in re.findall(r'data-field="iin".*?<div class="error"[^>]*>([^<]+)</div>', body, re.S)
    ]
    assert errors
    from reception.appeals.forms import IIN_REASONS

    with app.test_request_context():
        with force_locale("kk"):
            kazakh = {str(m) for m in IIN_REASONS.values()}
        with force_locale("en"):
            english = {str(m) for m in IIN_REASONS.values()}
    assert errors[0] in kazakh and errors[0] not in english
    with app.app_context():
        assert db.session.scalar(select(func.count(Appeal.id))) == 0


def test_phone_is_normalised_and_bad_phone_refused(app, staff):
    assert submit(app, staff, phone="+7 (701) 765-43-21").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Citizen.phone)) == "+77017654321"
    assert submit(app, staff, phone="12345", topic_code="education").status_code == 422


def test_consent_is_required_unless_anonymous(app, staff):
    assert submit(app, staff, consent="").status_code == 422
    response = submit(app, staff, consent="", anonymous="y", anonymous_ground="crime", iin="", full_name="")
    assert response.status_code == 302
    receipt = staff.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert appeal.citizen is None
    assert "анонимное" in receipt.lower() or "anonymous" in receipt.lower()


def test_possible_duplicate_needs_a_reason(app, staff):
    assert submit(app, staff).status_code == 302
    second = submit(app, staff)
    assert second.status_code == 422 and 'id="duplicates"' in second.get_data(as_text=True)
    other_topic = submit(app, staff, topic_code="education")
    assert other_topic.status_code == 302
    forced = submit(app, staff, duplicate_override_reason="Новые обстоятельства")
    assert forced.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Appeal.id))) == 3
        assert db.session.scalar(select(func.count(Citizen.id))) == 1  # one citizen per IIN


def test_iin_lookup_finds_the_citizen_and_earlier_appeals(app, staff):
    submit(app, staff)
    data = staff.get(f"/appeals/citizen-lookup?iin={VALID_IIN}").get_json()
    assert data["found"] and data["full_name"] == "Сейткали Айгуль Болатовна"
    assert data["appeals"][0]["number"].startswith("ALM-03/")
    assert staff.get("/appeals/citizen-lookup?iin=123").status_code == 400
    assert staff.get("/appeals/citizen-lookup?iin=880101300015").get_json() == {"found": False}


# --- attachments ------------------------------------------------------------------------------------


def test_attachments_checked_by_content(app, staff):
    token = csrf_token(staff, "/appeals/new")
    with app.app_context():
        data = intake_data(token)
    data["attachments"] = [(io.BytesIO(b"MZ\x90\x00 not a pdf"), "report.pdf")]
    response = staff.post("/appeals/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "report.pdf" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Appeal.id))) == 0
        assert db.session.scalar(select(func.count(Attachment.id))) == 0
    data["attachments"] = [
        (io.BytesIO(b"%PDF-1.4\n%test\n"), "scan.pdf"),
        (io.BytesIO(b"\x89PNG\r\n\x1a\n...."), "photo.png"),
    ]
    response = staff.post("/appeals/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert [(a.filename, a.content_type) for a in appeal.attachments] == [
            ("scan.pdf", "application/pdf"),
            ("photo.png", "image/png"),
        ]
        url = f"/appeals/{appeal.id}/attachments/{appeal.attachments[0].id}"
    download = staff.get(url)
    assert download.status_code == 200 and download.data.startswith(b"%PDF-1.4")
    download.close()


def test_oversize_upload_is_a_413_page_and_nothing_stored(app, staff):
    token = csrf_token(staff, "/appeals/new")
    with app.app_context():
        data = intake_data(token)
    data["attachments"] = [(io.BytesIO(b"%PDF-" + b"0" * (21 * 1024 * 1024)), "huge.pdf")]
    response = staff.post("/appeals/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    with app.app_context():
        assert db.session.scalar(select(func.count(Appeal.id))) == 0


# --- lifecycle ---------------------------------------------------------------------------------------

ALL_EDGES = [(a, b) for a in S for b in S]


def _appeal_in(state: AppealState, deputy) -> Appeal:
    from reception.directory.models import GovernmentBody

    appeal = register()
    appeal.state = state  # set up the starting state directly; the transition under test is the real one
    appeal.deputy = deputy
    appeal.redirected_to = db.session.scalar(select(GovernmentBody).where(GovernmentBody.code == "GOV"))
    db.session.commit()
    return appeal


@pytest.mark.parametrize("start, target", ALL_EDGES)
def test_every_transition_allowed_or_refused(ctx, make_user, start, target):
    admin = user(make_user(Role.admin)[1])
    deputy = make_deputy("Депутат Переходов")
    appeal = _appeal_in(start, deputy)
    allowed = target in ops.TRANSITIONS[start] and target not in ops.INTAKE_ONLY_MOVES
    if allowed:
        event = ops.transition(appeal, target, user=admin, comment="причина", deputy=deputy)
        db.session.commit()
        assert appeal.state == target and event.from_state == start and event.to_state == target
    else:
        with pytest.raises(ops.TransitionNotAllowed):
            ops.transition(appeal, target, user=admin, comment="причина", deputy=deputy)
        db.session.rollback()
        assert db.session.get(Appeal, appeal.id).state == start


def test_who_may_make_which_move(ctx, make_user):
    staff_user = user(make_user(Role.staff, "ALM-03")[1])
    other_staff = user(make_user(Role.staff, "AST-01")[1])
    deputy_user = user(make_user(Role.deputy)[1])
    analyst = user(make_user(Role.analyst)[1])
    appeal = register()
    with pytest.raises(ops.TransitionNotAllowed):
        ops.route_appeal(appeal, deputy_user.deputy, user=other_staff)  # another branch
    with pytest.raises(ops.TransitionNotAllowed):
        ops.route_appeal(appeal, deputy_user.deputy, user=analyst)  # reads only
    ops.route_appeal(appeal, deputy_user.deputy, user=staff_user)
    with pytest.raises(ops.TransitionNotAllowed):
        ops.take_into_work(appeal, user=staff_user)  # the deputy's move, not staff's
    ops.take_into_work(appeal, user=deputy_user)
    with pytest.raises(ops.AppealError):
        ops.reject_appeal(appeal, user=deputy_user, reason="  ")  # a rejection needs its reason
    ops.mark_inquiry_sent(appeal, user=deputy_user)
    ops.record_answer(appeal, user=deputy_user, comment="Ответ акимата")
    ops.resolve_appeal(appeal, user=deputy_user, comment="Вода подключена")
    ops.close_appeal(appeal, user=staff_user)
    with pytest.raises(ops.AppealError):
        ops.reopen_appeal(appeal, user=staff_user, reason="")
    ops.reopen_appeal(appeal, user=staff_user, reason="Вода снова отключена")
    db.session.commit()
    assert [e.to_state for e in appeal.events] == [
        S.registered,
        S.routed,
        S.in_progress,
        S.inquiry_sent,
        S.answer_received,
        S.resolved,
        S.closed,
        S.reopened,
    ]


def test_stale_form_is_refused_and_nothing_overwritten(app, client, auth, make_user):
    _, head_email = make_user(Role.branch_head, "ALM-00")
    with app.app_context():
        appeal = register()
        appeal_id, version = appeal.id, appeal.version
        ops.transition(appeal, S.rejected, user=user(head_email), comment="Вне компетенции", expected_version=version)
        db.session.commit()
    auth.login(head_email)
    token = csrf_token(client, f"/appeals/{appeal_id}")
    response = client.post(
        f"/appeals/{appeal_id}/transition",
        data={"csrf_token": token, "to_state": "closed", "version": str(version), "comment": ""},
    )
    assert response.status_code == 409
    assert "Обновите страницу" in response.get_data(as_text=True) or "Reload" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).state == S.rejected


def test_invalid_transition_in_the_ui_is_409_with_the_reason(app, client, auth, make_user):
    _, head_email = make_user(Role.branch_head, "ALM-00")
    with app.app_context():
        appeal = register()
        appeal_id, version = appeal.id, appeal.version
    auth.login(head_email)
    token = csrf_token(client, f"/appeals/{appeal_id}")
    response = client.post(
        f"/appeals/{appeal_id}/transition", data={"csrf_token": token, "to_state": "closed", "version": str(version)}
    )
    assert response.status_code == 409 and 'class="flash flash-error"' in response.get_data(as_text=True)


def test_decided_dt_is_set_by_the_decision_kept_by_closing_and_reset_by_reopening(app, client, auth, make_user):
    """The dashboard's time to decision reads appeals.decided_dt: set by the decision made on the appeal's page,
    kept when the appeal is then closed, cleared by a reopening and set again by the next decision."""
    _, email = make_user(Role.branch_head, "ALM-00")
    with app.app_context():
        appeal_id = register().id
    auth.login(email)
    page = f"/appeals/{appeal_id}"

    def move(target: str, comment: str = ""):
        response = pageforms.submit(
            client, page, f"/appeals/{appeal_id}/transition", carrying={"to_state": target}, comment=comment
        )
        assert response.status_code == 302, target
        with app.app_context():
            appeal = db.session.get(Appeal, appeal_id)
            assert appeal.state == S(target)
            return appeal.decided_dt

    before = datetime.now(UTC)
    decided = move("rejected", "Вне компетенции представительного органа")
    assert decided is not None and decided >= before - timedelta(seconds=1)
    assert move("closed") == decided
    assert move("reopened", "Гражданин принёс новые документы") is None
    assert move("in_progress") is None
    again = move("rejected", "Документы не меняют решения: вопрос вне компетенции")
    assert again is not None and again > decided


# --- deadlines ---------------------------------------------------------------------------------------


def test_deadline_counts_working_days_from_registration(ctx):
    # Registered on Saturday 21 March 2026 (Nauryz): counting starts Thursday 26 March.
    appeal = register(now=datetime(2026, 3, 21, 6, 0, tzinfo=UTC))
    assert appeal.counting_from == date(2026, 3, 26)
    assert appeal.deadline == date(2026, 4, 16)


def test_calendar_change_recomputes_open_deadlines(ctx, make_user):
    admin = user(make_user(Role.admin)[1])
    appeal = register(now=datetime(2026, 6, 24, 6, 0, tzinfo=UTC))
    before = appeal.deadline
    moved = ops.set_calendar_transfer(date(2026, 7, 3), CalendarTransferKind.day_off, note="Постановление", user=admin)
    db.session.commit()
    db.session.refresh(appeal)
    assert moved == 1 and appeal.deadline > before
    ops.set_calendar_transfer(date(2026, 7, 3), None, user=admin)
    db.session.commit()
    db.session.refresh(appeal)
    assert appeal.deadline == before


def test_an_administrator_adds_a_day_off_on_the_calendar_page_and_removes_it(app, client, auth, make_user):
    _, email = make_user(Role.admin)
    with app.app_context():
        appeal = register(now=datetime(2026, 6, 24, 6, 0, tzinfo=UTC))
        appeal_id, before = appeal.id, appeal.deadline
    auth.login(email)
    saved = pageforms.submit(
        client, "/appeals/calendar", "", having="day", day="2026-07-03", kind="day_off", note="Постановление № 1"
    )
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert translated(app, "ru", "Saved; %(count)s open appeals got a new deadline.", count=1) in page
    assert "03.07.2026" in page and "Постановление № 1" in page
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).deadline > before
    removed = pageforms.submit(client, "/appeals/calendar", "", having="remove", remove="2026-07-03")
    page = client.get(removed.headers["Location"]).get_data(as_text=True)
    assert translated(app, "ru", "Removed; %(count)s open appeals got a new deadline.", count=1) in page
    assert "Постановление № 1" not in page
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).deadline == before


def test_a_branch_head_extends_a_deadline_on_the_appeal_page(app, client, auth, make_user):
    _, email = make_user(Role.branch_head, "ALM-00")
    with app.app_context():
        appeal = register()
        appeal_id, until = appeal.id, appeal.deadline + timedelta(days=7)
    auth.login(email)
    extended = pageforms.submit(
        client,
        f"/appeals/{appeal_id}",
        f"/appeals/{appeal_id}/extend",
        until=until.isoformat(),
        reason="Запрос в акимат",
    )
    assert extended.status_code == 302
    page = client.get(extended.headers["Location"]).get_data(as_text=True)
    assert translated(app, "ru", "The deadline is now %(date)s.", date=until.strftime("%d.%m.%Y")) in page
    assert "Запрос в акимат" in page
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).deadline == until


def test_extension_limited_to_two_months_and_reasoned(ctx, make_user):
    head = user(make_user(Role.branch_head, "ALM-00")[1])
    appeal = register(now=datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    in_time = date(2026, 3, 10)
    with pytest.raises(ops.AppealError):
        ops.extend_deadline(appeal, date(2026, 4, 30), user=head, reason="", today=in_time)
    with pytest.raises(ops.AppealError):
        ops.extend_deadline(appeal, date(2026, 5, 4), user=head, reason="Запрос в министерство", today=in_time)
    ops.extend_deadline(appeal, date(2026, 5, 2), user=head, reason="Запрос в министерство", today=in_time)
    db.session.commit()
    assert appeal.deadline == date(2026, 5, 2) and appeal.events[-1].kind == "extension"


def test_an_extension_after_the_deadline_is_refused(app, client, make_user):
    """#14.3: the term is extended within the term; once it has passed the page offers no extension, and a
    POST made anyway is refused with the reason and changes nothing."""
    from datetime import timedelta

    from factories import make_registration
    from support import Auth, csrf_token

    _uid, email = make_user(Role.branch_head, "ALM-00")
    with app.app_context():
        late = make_registration(deadline=date.today() - timedelta(days=1)).appeal
        on_time = make_registration().appeal
        late_id, late_deadline, version, on_time_id = late.id, late.deadline, late.version, on_time.id
    Auth(client).login(email)
    assert 'data-action="extend"' in client.get(f"/appeals/{on_time_id}").get_data(as_text=True)
    assert 'data-action="extend"' not in client.get(f"/appeals/{late_id}").get_data(as_text=True)
    refused = client.post(
        f"/appeals/{late_id}/extend",
        data={
            "csrf_token": csrf_token(client, f"/appeals/{late_id}"),
            "version": str(version),
            "until": (date.today() + timedelta(days=10)).isoformat(),
            "reason": "Запрос в министерство",
        },
        follow_redirects=True,
    )
    assert refused.status_code == 409
    assert "продление решается до истечения срока" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Appeal, late_id).deadline == late_deadline


# --- who sees what ------------------------------------------------------------------------------------


def test_staff_of_another_branch_get_404_by_url_search_and_attachment(app, client, auth, make_user):
    with app.app_context():
        appeal = register()
        appeal.attachments.append(
            Attachment(
                filename="a.pdf", content_type="application/pdf", size=5, sha256="0" * 64, storage_key="x/never-served"
            )
        )
        db.session.commit()
        appeal_id, number, attachment_id = appeal.id, appeal.registration_number, appeal.attachments[0].id
    _, stranger = make_user(Role.staff, "AST-01")
    auth.login(stranger)
    assert client.get(f"/appeals/{appeal_id}").status_code == 404
    assert client.get(f"/appeals/{appeal_id}/receipt").status_code == 404
    assert client.get(f"/appeals/{appeal_id}/attachments/{attachment_id}").status_code == 404
    assert f'data-appeal="{number}"' not in client.get(f"/appeals/?q={number}").get_data(as_text=True)
    auth.logout()
    _, own = make_user(Role.staff, "ALM-03")
    auth.login(own)
    assert f'data-appeal="{number}"' in client.get(f"/appeals/?q={number}").get_data(as_text=True)
    assert client.get(f"/appeals/{appeal_id}").status_code == 200


def test_masked_personal_data_and_audited_reveal(app, client, auth, make_user):
    with app.app_context():
        appeal_id = register().id
    _, email = make_user(Role.staff, "ALM-03")
    auth.login(email)
    page = client.get(f"/appeals/{appeal_id}").get_data(as_text=True)
    assert "********0017" in page and VALID_IIN not in page
    revealed = pageforms.submit(client, f"/appeals/{appeal_id}", f"/appeals/{appeal_id}/reveal")
    assert VALID_IIN in revealed.get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "citizen.view_personal_data"))
        assert entry is not None and entry.user.email == email


def test_search_by_number_code_name_iin_and_words(ctx, make_user):
    admin = user(make_user(Role.admin)[1])
    appeal = register()
    for query in (appeal.registration_number, appeal.tracking_code.lower(), "Тестова", VALID_IIN, "отремонтировать"):
        found = db.session.scalars(
            select(Appeal.id).where(ops.visible_appeals_filter(admin), ops.search_filter(query))
        ).all()
        assert found == [appeal.id], query
    # An IIN typed with spaces, a number in lower case: still found.
    for query in (f"{VALID_IIN[:6]} {VALID_IIN[6:]}", appeal.registration_number.lower()):
        found = db.session.scalars(select(Appeal.id).where(ops.search_filter(query))).all()
        assert found == [appeal.id], query


def test_searches_by_iin_number_and_code_use_their_index_on_postgresql(ctx, make_user):
    """A query shaped like an IIN, a registration number or a tracking code is sent to that column's index
    (an OR of every kind of match lets none apply, and a rare match walks the whole table)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the plans are PostgreSQL's")
    appeal = register()
    db.session.commit()
    # With sequential scans priced out, a plan still scans the table only where no index can apply.
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    for query in (VALID_IIN, appeal.registration_number, appeal.tracking_code):
        statement = select(Appeal.id).where(ops.search_filter(query))
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = "\n".join(db.session.execute(text(f"EXPLAIN {compiled}")).scalars())
        assert "Seq Scan" not in plan, (query, plan)
        assert "Index" in plan, (query, plan)


# --- concurrency -----------------------------------------------------------------------------------


def test_fifty_concurrent_intakes_get_unique_numbers(app):
    errors = []
    barrier = threading.Barrier(50)

    def worker(n):
        with app.app_context():
            try:
                barrier.wait(10)
                register(iin=None)
            except Exception as exc:
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with app.app_context():
        rows = db.session.execute(select(Appeal.registration_number, Appeal.tracking_code)).all()
    assert len(rows) == 50
    assert len({r[0] for r in rows}) == 50 and len({r[1] for r in rows}) == 50
    assert sorted(int(r[0].rsplit("/", 1)[1]) for r in rows) == list(range(1, 51))


def test_redirect_records_the_body_and_letter(app, client, auth, make_user):
    from reception.directory.models import GovernmentBody

    _, email = make_user(Role.branch_head, "ALM-00")
    with app.app_context():
        appeal = register()
        appeal_id, version = appeal.id, appeal.version
        body_id = db.session.scalar(select(GovernmentBody.id).where(GovernmentBody.code == "AKIMAT-ALM"))
        head = user(email)
        with pytest.raises(ops.AppealError):
            ops.redirect_appeal(appeal, None, "", user=head, reason="Вне компетенции")
        with pytest.raises(ops.AppealError):
            ops.transition(appeal, S.redirected, user=head, comment="без органа")
        db.session.rollback()
    auth.login(email)
    token = csrf_token(client, f"/appeals/{appeal_id}")
    response = client.post(
        f"/appeals/{appeal_id}/transition",
        data={
            "csrf_token": token,
            "to_state": "redirected",
            "version": str(version),
            "comment": "Вопрос акимата",
            "body": str(body_id),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        appeal = db.session.get(Appeal, appeal_id)
        assert appeal.state == S.redirected and appeal.redirected_to.code == "AKIMAT-ALM"
        # No number is typed: the forwarding letter's comes from the branch's outgoing register.
        assert re.fullmatch(r"ALM-03/\d{4}/ш-000001", appeal.outgoing_letter_number)


def test_the_iin_look_up_shows_only_what_intake_needs_is_limited_and_audited(app, staff, make_user):
    from reception.audit.models import AuditEntry

    submit(app, staff)  # at ALM-03, with phone and address
    with app.app_context():
        from factories import make_appeal, make_citizen

        make_appeal(branch_code="AST-01", citizen=make_citizen(iin=VALID_IIN, address="г. Косшы, ул. Абая, 1"))
    data = staff.get(f"/appeals/citizen-lookup?iin={VALID_IIN}").get_json()
    assert set(data) == {"found", "full_name", "language", "has_phone", "has_email", "has_address", "appeals"}
    assert data["has_phone"] and data["has_address"]
    assert [a["number"][:7] for a in data["appeals"]] == ["ALM-03/"]  # not the other branch's appeal
    assert staff.get("/appeals/citizen-lookup?iin=880101300015").get_json() == {"found": False}
    with app.app_context():
        looked_up = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "citizen.lookup").order_by(AuditEntry.id)
        ).all()
        assert [e.details["found"] for e in looked_up] == [True, False]
        assert all(VALID_IIN not in str(e.details) for e in looked_up)
    app.config["CITIZEN_LOOKUP_LIMIT"] = "3 per hour"
    try:
        answers = [staff.get(f"/appeals/citizen-lookup?iin={VALID_IIN}").status_code for _ in range(4)]
    finally:
        app.config["CITIZEN_LOOKUP_LIMIT"] = "60 per hour"
    assert answers[-1] == 429


def test_a_known_citizens_contacts_stay_when_the_clerk_leaves_them_empty(app, staff):
    submit(app, staff)
    assert submit(app, staff, topic_code="education", phone="", address="").status_code == 302
    with app.app_context():
        citizen = db.session.scalar(select(Citizen))
        assert citizen.phone == "+77011234567" and citizen.address == "г. Косшы, ул. Абая, 1"
        assert {a.contact_phone for a in db.session.scalars(select(Appeal))} == {"+77011234567"}


def test_an_iin_typed_with_spaces_is_taken_and_one_born_in_the_future_is_not(app, staff):
    from reception.appeals.iin import check_digit

    assert submit(app, staff, iin="900101 300 017").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Citizen.iin)) == "900101300017"
    # 1 January 2099, born in the 2000s: a real date, a right check digit, and no such person yet.
    first = "990101" + "5" + "0001"
    future = first + str(check_digit(first))
    response = submit(app, staff, iin=future, topic_code="education")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-field="iin"' in body
    errors = [
        html.unescape(e) for e in re.findall(r'data-field="iin".*?<div class="error"[^>]*>([^<]+)</div>', body, re.S)
    ]
    with app.test_request_context(), force_locale("ru"):  # the clerk's interface language
        from reception.appeals.forms import IIN_REASONS

        assert errors == [str(IIN_REASONS["the date of birth is in the future"])]


def test_only_the_branch_head_and_the_holding_deputy_extend(app, client, auth, make_user):
    """#14.3: the law gives the extension to the head of the body or the deputy holding the appeal; an
    assistant, a clerk and the central office's administrator are refused and are not offered the form."""
    from factories import make_account
    from support import Auth

    with app.app_context():
        holder = make_deputy("Депутат Держатель")
        appeal = make_appeal(deputy=holder)
        for role, email, bind in (
            (Role.deputy, "holder@test.kz", {"deputy": holder}),
            (Role.assistant, "helper@test.kz", {"deputies": [holder]}),
            (Role.admin, "office@test.kz", {}),
            (Role.staff, "clerk@test.kz", {"branch_code": "ALM-03"}),
        ):
            make_account(role, email, **bind)
        db.session.commit()
        appeal_id, version, until = appeal.id, appeal.version, appeal.deadline + timedelta(days=5)
        for email in ("helper@test.kz", "office@test.kz", "clerk@test.kz"):
            with pytest.raises(ops.TransitionNotAllowed) as refused:
                ops.extend_deadline(appeal, until, user=user(email), reason="Запрос")
            assert str(refused.value.message) == translated(
                app, "ru", "Only the head of the branch or the deputy holding the appeal may extend its deadline."
            )
        db.session.rollback()
    for email in ("helper@test.kz", "office@test.kz", "clerk@test.kz"):
        Auth(client).login(email)
        page = client.get(f"/appeals/{appeal_id}").get_data(as_text=True)
        assert 'data-action="extend"' not in page
        posted = client.post(
            f"/appeals/{appeal_id}/extend",
            data={
                "csrf_token": csrf_token(client, f"/appeals/{appeal_id}"),
                "version": str(version),
                "until": until.isoformat(),
                "reason": "Запрос",
            },
        )
        assert posted.status_code == 409
        assert translated(
            app, "ru", "Only the head of the branch or the deputy holding the appeal may extend its deadline."
        ) in html.unescape(posted.get_data(as_text=True))
        Auth(client).logout()
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).deadline == until - timedelta(days=5)
    auth.login("holder@test.kz")
    extended = pageforms.submit(
        client, f"/appeals/{appeal_id}", f"/appeals/{appeal_id}/extend", until=until.isoformat(), reason="Запрос"
    )
    assert extended.status_code == 302
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).deadline == until


def test_the_forwarding_deadline_shows_on_the_boards_and_is_flagged_once_passed(app, client, auth, make_user):
    """#14.3: an appeal awaiting triage shows the day it must be forwarded by (3 working days after registration),
    flagged once passed, on the appeals list, the appeal's page and the branch head's board."""
    from reception.appeals import deadlines

    _, email = make_user(Role.branch_head, "ALM-03")
    with app.app_context():
        late = make_appeal(registered_at=datetime.now(UTC) - timedelta(days=10), summary="Давно в разборе")
        fresh = make_appeal(summary="Только что")
        routed = make_appeal(deputy=make_deputy("Депутат Компетентный"), summary="У депутата")
        db.session.commit()
        calendar = ops.work_calendar()
        late_by = deadlines.forwarding_due(late.counting_from, calendar)
        fresh_by = deadlines.forwarding_due(fresh.counting_from, calendar)
        numbers = late.registration_number, fresh.registration_number, routed.registration_number
        late_id = late.id
    auth.login(email)
    listing_page = client.get("/appeals/?state=open").get_data(as_text=True)
    rows = {n: re.search(rf'<tr data-appeal="{re.escape(n)}".*?</tr>', listing_page, re.S).group(0) for n in numbers}
    assert f'data-forward-by="{late_by.isoformat()}"' in rows[numbers[0]] and "data-forwarding-late" in rows[numbers[0]]
    assert 'class="overdue-row"' in rows[numbers[0]]
    assert f'data-forward-by="{fresh_by.isoformat()}"' in rows[numbers[1]]
    assert "data-forwarding-late" not in rows[numbers[1]]
    assert "data-forward-by" not in rows[numbers[2]]
    flagged = client.get("/appeals/?forwarding_late=1").get_data(as_text=True)
    assert numbers[0] in flagged and numbers[1] not in flagged and numbers[2] not in flagged
    board = client.get("/reports/").get_data(as_text=True)
    assert re.search(r'data-figure="forwarding_late">1<', board)
    detail = client.get(f"/appeals/{late_id}").get_data(as_text=True)
    assert "data-forwarding-late" in detail
    assert translated(app, "ru", "not forwarded in time") in detail
