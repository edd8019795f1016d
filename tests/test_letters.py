"""The letters an appeal produces: the written answer (decision, reasons, how to contest it), read back from the
DOCX (python-docx) and the PDF (pdftotext) in Kazakh and Russian; signed by the person who decided; on the
staff timeline and on the citizen's status page (with the PIN only); e-mailed as a link, once."""

import io
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from docx import Document
from factories import make_account, make_citizen, make_deputy, make_registration
from pageforms import submit
from sqlalchemy import func, select
from support import Auth, require
from test_public import look_up

from reception.accounts.models import Role, User
from reception.appeals import deadlines
from reception.appeals import operations as appeal_ops
from reception.appeals.models import AppealState
from reception.dbtypes import utcnow
from reception.extensions import db
from reception.letters.models import LetterKind, OutgoingLetter, PdfStatus, PostalDispatch
from reception.notifications.models import MessageChannel, OutboxMessage

S = AppealState
HEAD_NAME = "Жумабаев Ерлан Маратович"
#: How the name reads under a letter: the initial, then the surname.
SIGNED = "Е. Жумабаев"
DECISION = {
    "ru": "Водоснабжение дома по ул. Абая, 1 восстановлено.\nУправляющей компании выдано предписание.",
    "kk": "Абай көшесі, 1 үйдің сумен жабдықталуы қалпына келтірілді.\nБасқарушы компанияға нұсқама берілді.",
}
POSITION = {"ru": "Руководитель филиала", "kk": "Филиал басшысы"}


def docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def pdf_text(content: bytes) -> str:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        require("pdftotext", "apt-get install poppler-utils")
    text = subprocess.run([pdftotext, "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
    return " ".join(text.split())


def unbroken(text: str) -> str:
    return re.sub(r"[\s-]", "", text)


def flat(text: str) -> str:
    return " ".join(text.split())


def head_of(branch_code: str = "ALM-03", language: str = "ru", email: str = "head@test.kz") -> User:
    return make_account(
        Role.branch_head,
        email,
        full_name=HEAD_NAME,
        branch_code=branch_code,
        # Both languages on record: each letter takes the one it is written in.
        position=POSITION["ru"],
        position_kk=POSITION["kk"],
    )


def citizen_appeal(language: str = "ru", *, email: str = "aigul@example.kz", address: str = "г. Алматы, ул. Абая, 1"):
    citizen = make_citizen(email=email, address=address, language=language)
    return make_registration(
        citizen=citizen, summary="Нет воды", text="Третью неделю нет воды.", language=language, state=S.in_progress
    )


def letters(appeal_id: int, kind: LetterKind | None = None) -> list[OutgoingLetter]:
    stmt = select(OutgoingLetter).where(OutgoingLetter.appeal_id == appeal_id).order_by(OutgoingLetter.id)
    if kind is not None:
        stmt = stmt.where(OutgoingLetter.kind == kind)
    return list(db.session.scalars(stmt))


def run_documents_worker():
    from rq import SimpleWorker

    from reception.jobs.queues import get_queue, get_redis

    SimpleWorker([get_queue("documents")], connection=get_redis()).work(burst=True)


# --- the written answer ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_decision_makes_the_written_answer_signed_by_the_one_who_decided(ctx, language):
    head = head_of(language=language)
    appeal = citizen_appeal(language).appeal
    appeal_ops.resolve_appeal(appeal, user=head, comment=DECISION[language])
    db.session.commit()
    [letter] = letters(appeal.id)
    today = deadlines.local_date(utcnow())
    assert letter.kind == LetterKind.answer and letter.language == language
    assert letter.number == f"ALM-03/{today.year}/ш-000001" and letter.sequence == 1
    assert letter.event_id == appeal.events[-1].id and letter.pdf_status == PdfStatus.queued
    assert (letter.signer_name, letter.signer_position) == (HEAD_NAME, POSITION[language])
    text = flat(docx_text(letter.docx))
    outgoing = "Исх. №" if language == "ru" else "Шығ. №"
    assert f"{outgoing} {letter.number}" in text and today.strftime("%d.%m.%Y") in text
    assert "Сейткали Айгуль Болатовна" in text and "г. Алматы, ул. Абая, 1" in text
    assert appeal.registration_number in text
    for line in DECISION[language].split("\n"):
        assert line in text
    assert POSITION[language] in text and SIGNED in text
    if language == "ru":
        assert "Уважаемая Айгуль Болатовна!" in text
        assert "подать жалобу в вышестоящий орган" in text and "в течение трех месяцев" in text
        assert "статья 92 Административного процедурно-процессуального кодекса" in text
        assert "обратиться в суд с иском" in text and "в течение одного месяца" in text and "статья 136" in text
    else:
        assert "Құрметті Айгуль Болатовна!" in text
        assert "үш ай ішінде" in text and "шағым беруге" in text and "92-бабы" in text
        assert "бір ай ішінде" in text and "сотқа талап арыз беруге" in text and "136-бабы" in text
    # The file's own properties name the signer.
    assert Document(io.BytesIO(letter.docx)).core_properties.author == HEAD_NAME


@pytest.mark.parametrize(
    ("language", "mandate"),
    [
        ("ru", "Депутат Мажилиса Парламента Республики Казахстан"),
        ("kk", "Қазақстан Республикасы Парламенті Мәжілісінің депутаты"),
    ],
)
def test_a_deputy_signs_with_the_mandate_in_the_letters_language(ctx, language, mandate):
    """A deputy's letter is signed as deputies sign: the mandate from the directory, in the letter's language
    (not a position typed in one language), and the initial before the surname."""
    deputy = make_deputy("Нургалиева Жанар Жаксылыковна")
    account = make_account(Role.deputy, "deputy@test.kz", full_name=deputy.full_name, deputy=deputy)
    appeal = make_registration(
        citizen=make_citizen(language=language), language=language, deputy=deputy, state=S.in_progress
    ).appeal
    appeal_ops.resolve_appeal(appeal, user=account, comment=DECISION[language])
    db.session.commit()
    [letter] = letters(appeal.id)
    assert (letter.signer_name, letter.signer_position) == (deputy.full_name, mandate)
    text = flat(docx_text(letter.docx))
    assert f"{mandate} Ж. Нургалиева" in text


def test_a_refusal_says_so_and_the_signature_keeps_the_position_it_was_signed_in(ctx):
    head = head_of()
    appeal = citizen_appeal().appeal
    appeal_ops.reject_appeal(appeal, user=head, reason="Вопрос уже рассмотрен судом.")
    db.session.commit()
    head.position = "Заместитель председателя"
    db.session.commit()
    [letter] = letters(appeal.id)
    text = flat(docx_text(letter.docx))
    assert "в удовлетворении обращения отказано" in text and "Вопрос уже рассмотрен судом." in text
    assert letter.signer_position == POSITION["ru"] and POSITION["ru"] in text


def test_the_contest_terms_come_from_the_settings(app, ctx):
    shipped = {key: app.config[key] for key in ("LETTER_COMPLAINT_MONTHS", "LETTER_CLAIM_ARTICLE")}
    app.config.update(LETTER_COMPLAINT_MONTHS=6, LETTER_CLAIM_ARTICLE="133")
    try:
        head = head_of()
        appeal = citizen_appeal().appeal
        appeal_ops.reject_appeal(appeal, user=head, reason="Нет оснований.")
        db.session.commit()
        text = flat(docx_text(letters(appeal.id)[0].docx))
        assert "в течение шести месяцев" in text and "статья 133" in text
    finally:
        app.config.update(shipped)


def test_the_citizen_gets_one_sms_and_the_letter_by_email_or_by_post(ctx):
    head = head_of()
    appeal = citizen_appeal().appeal
    appeal_ops.resolve_appeal(appeal, user=head, comment="Решено.")
    db.session.commit()
    [letter] = letters(appeal.id)
    rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.appeal_id == appeal.id)))
    assert sorted(r.channel.value for r in rows) == ["email", "sms"]
    mail = next(r for r in rows if r.channel == MessageChannel.email)
    assert mail.dedupe_key == f"letter:{letter.id}:email"
    assert letter.number in mail.subject and appeal.tracking_code in mail.body and "/status/" in mail.body
    assert "Решено" not in mail.body  # what the letter says stays in the letter
    assert db.session.scalar(select(func.count(PostalDispatch.id))) == 0

    # Without an e-mail address the letter goes by post: the branch sees it in its list to print and mail.
    other = citizen_appeal(email="", address="г. Алматы, ул. Толе би, 5").appeal
    appeal_ops.resolve_appeal(other, user=head, comment="Решено.")
    db.session.commit()
    [posted] = letters(other.id)
    dispatch = db.session.scalar(select(PostalDispatch).where(PostalDispatch.letter_id == posted.id))
    assert dispatch.address == "г. Алматы, ул. Толе би, 5" and dispatch.posted_dt is None
    channels = db.session.scalars(select(OutboxMessage.channel).where(OutboxMessage.appeal_id == other.id)).all()
    assert channels == [MessageChannel.sms]


def test_an_anonymous_appeal_gets_no_letter(ctx):
    head = head_of()
    appeal = make_registration(citizen=None).appeal
    appeal_ops.reject_appeal(appeal, user=head, reason="Анонимное обращение не рассматривается.")
    db.session.commit()
    assert letters(appeal.id) == []


def test_a_rolled_back_decision_leaves_no_letter_and_no_gap(ctx):
    head = head_of()
    first = citizen_appeal().appeal
    second = make_registration(citizen=first.citizen, summary="Свет", state=S.in_progress).appeal
    appeal_ops.resolve_appeal(first, user=head, comment="Решено.")
    db.session.rollback()
    appeal_ops.resolve_appeal(second, user=head, comment="Решено.")
    db.session.commit()
    assert [letter.sequence for letter in db.session.scalars(select(OutgoingLetter))] == [1]


# --- on the pages -----------------------------------------------------------------------------------------


def test_the_decision_from_the_appeal_page_shows_the_letter_on_the_timeline(app, client):
    with app.app_context():
        head_of()
        db.session.commit()
        registered = citizen_appeal()
        appeal_id = registered.appeal.id
    Auth(client).login("head@test.kz")
    done = submit(
        client,
        f"/appeals/{appeal_id}",
        f"/appeals/{appeal_id}/transition",
        carrying={"to_state": "rejected"},
        comment="Вопрос не относится к компетенции депутатов.",
    )
    assert done.status_code == 302
    page = client.get(f"/appeals/{appeal_id}").get_data(as_text=True)
    with app.app_context():
        [letter] = letters(appeal_id)
        number, letter_id = letter.number, letter.id
        assert letter.signer_name == HEAD_NAME
    assert f"№ {number}" in page and f"/letters/{letter_id}.docx" in page
    download = client.get(f"/letters/{letter_id}.docx")
    assert download.status_code == 200 and download.mimetype.endswith("wordprocessingml.document")
    assert "Вопрос не относится к компетенции депутатов." in docx_text(download.data)
    assert client.get(f"/letters/{letter_id}.pdf").status_code == 404  # not made yet

    # Staff of another branch do not learn the letter exists.
    other = app.test_client()
    with app.app_context():
        make_account(Role.staff, "other@test.kz", branch_code="AST-01")
        db.session.commit()
    Auth(other).login("other@test.kz")
    assert other.get(f"/letters/{letter_id}.docx").status_code == 404


def test_the_citizen_downloads_the_letter_with_the_pin_and_nobody_else_does(app, client):
    with app.app_context():
        head = head_of()
        registered = citizen_appeal()
        other = make_registration(citizen=registered.appeal.citizen, summary="Свет", state=S.in_progress)
        appeal_ops.resolve_appeal(registered.appeal, user=head, comment="Решено.")
        appeal_ops.resolve_appeal(other.appeal, user=head, comment="Тоже решено.")
        db.session.commit()
        mine, theirs = letters(registered.appeal.id)[0], letters(other.appeal.id)[0]
        mine_id, theirs_id, number = mine.id, theirs.id, mine.number
        code, pin = registered.appeal.tracking_code, registered.pin
    page = look_up(client, code, pin).get_data(as_text=True)
    assert f"№ {number}" in page
    link = re.search(r'href="(/status/letter/\d+\.docx)"', page).group(1)
    assert link == f"/status/letter/{mine_id}.docx"
    download = client.get(link)
    assert download.status_code == 200 and "Решено." in docx_text(download.data)
    # Another appeal's letter, even with this appeal's access: 404.
    assert client.get(f"/status/letter/{theirs_id}.docx").status_code == 404
    # Without the PIN: back to the look-up; with a wrong PIN: nothing.
    stranger = app.test_client()
    assert stranger.get(link).status_code == 302
    assert look_up(stranger, code, "000000" if pin != "000000" else "111111").status_code == 404
    assert stranger.get(link).status_code == 302


# --- the PDF, by the job on the documents queue ------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_pdf_is_made_by_a_job_and_reads_the_same(ctx, soffice, language):
    head = head_of(language=language)
    appeal = citizen_appeal(language).appeal
    appeal_ops.resolve_appeal(appeal, user=head, comment=DECISION[language])
    db.session.commit()
    letter_id = letters(appeal.id)[0].id
    run_documents_worker()
    db.session.expire_all()
    letter = db.session.get(OutgoingLetter, letter_id)
    assert letter.pdf_status == PdfStatus.ready, letter.pdf_error
    text = pdf_text(letter.pdf)
    assert letter.number in text and SIGNED in text and POSITION[language] in text
    for line in DECISION[language].split("\n"):
        assert line in text
    # The articles of the terms (APPK art. 92 and 136); "136-" also where a line breaks after the hyphen.
    articles = ("статья 92", "статья 136") if language == "ru" else ("92-", "136-")
    assert all(a in text for a in articles) and ("трех месяцев" in text if language == "ru" else "үш ай" in text)


# --- the notice of extension ------------------------------------------------------------------------------

REASON = {
    "ru": "Направлен запрос в акимат района, ответ ожидается.",
    "kk": "Аудан әкімдігіне сауал жіберілді, жауап күтілуде.",
}


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_an_extension_makes_a_notice_with_the_reason_and_the_new_date(ctx, language):
    head = head_of(language=language)
    appeal = citizen_appeal(language).appeal
    until = appeal.deadline + timedelta(days=10)
    event = appeal_ops.extend_deadline(appeal, until, user=head, reason=REASON[language])
    db.session.commit()
    [notice] = letters(appeal.id)
    assert notice.kind == LetterKind.extension_notice and notice.event_id == event.id
    text = flat(docx_text(notice.docx))
    assert notice.number in text and REASON[language] in text and until.strftime("%d.%m.%Y") in text
    assert appeal.registration_number in text and SIGNED in text and POSITION[language] in text
    if language == "ru":
        assert "срок рассмотрения Вашего обращения" in text and "продлен" in text
        assert f"до {until.strftime('%d.%m.%Y')} включительно" in text
    else:
        assert "қарау мерзімі ұзартылғанын хабарлаймыз" in text
        assert f"Өтінішті қараудың жаңа мерзімі: {until.strftime('%d.%m.%Y')}" in text


def test_each_extension_reaches_the_citizen_once_and_twice_means_two_notices(ctx):
    from reception.letters.receivers import write_letters
    from reception.notifications.events import tell_citizen

    head = head_of()
    appeal = citizen_appeal().appeal
    first = appeal_ops.extend_deadline(appeal, appeal.deadline + timedelta(days=5), user=head, reason="Запрос.")
    db.session.commit()
    # The same extension heard again (a retried request, a second receiver) notifies nobody twice.
    assert write_letters(appeal, first) == [] and tell_citizen(appeal, first) == 0
    db.session.commit()

    def sent():
        return sorted(
            (m.channel.value, m.dedupe_key)
            for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.appeal_id == appeal.id))
        )

    notices = letters(appeal.id, LetterKind.extension_notice)
    assert len(notices) == 1
    assert sent() == [
        ("email", f"letter:{notices[0].id}:email"),
        ("sms", f"appeal:{appeal.id}:event:{first.id}:sms"),
    ]
    second = appeal_ops.extend_deadline(appeal, appeal.deadline + timedelta(days=5), user=head, reason="Ещё запрос.")
    db.session.commit()
    notices = letters(appeal.id, LetterKind.extension_notice)
    assert [n.event_id for n in notices] == [first.id, second.id]
    assert [channel for channel, _key in sent()] == ["email", "email", "sms", "sms"]


def test_without_an_email_the_notice_is_listed_to_post_within_three_working_days(app, client):
    with app.app_context():
        head = head_of()
        appeal = citizen_appeal(email="", address="г. Алматы, ул. Толе би, 5").appeal
        appeal_ops.extend_deadline(appeal, appeal.deadline + timedelta(days=5), user=head, reason="Запрос.")
        db.session.commit()
        [notice] = letters(appeal.id)
        dispatch = db.session.scalar(select(PostalDispatch))
        due = deadlines.extension_notice_deadline(deadlines.local_date(utcnow()), appeal_ops.work_calendar())
        assert dispatch.letter_id == notice.id and dispatch.due_date == due
        number, dispatch_id = notice.number, dispatch.id
        make_account(Role.staff, "clerk@test.kz", branch_code="ALM-03")
        make_account(Role.staff, "elsewhere@test.kz", branch_code="AST-01")
        db.session.commit()
    Auth(client).login("clerk@test.kz")
    page = client.get("/letters/post").get_data(as_text=True)
    assert number in page and "г. Алматы, ул. Толе би, 5" in page and due.strftime("%d.%m.%Y") in page
    done = submit(client, "/letters/post", f"/letters/post/{dispatch_id}")
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(PostalDispatch, dispatch_id).posted_dt is not None
    # Another branch's clerk neither sees nor marks it.
    other = app.test_client()
    Auth(other).login("elsewhere@test.kz")
    assert number not in other.get("/letters/post").get_data(as_text=True)


# --- forwarding to the competent body, and the citizen's copy-notice -------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 100
FORWARD_REASON = {
    "ru": "Вопрос благоустройства двора относится к компетенции акимата.",
    "kk": "Аулаларды абаттандыру мәселесі әкімдіктің құзыретіне жатады.",
}


def _with_a_file(appeal):
    from werkzeug.datastructures import FileStorage

    from reception.appeals import attachments

    checked = attachments.check_uploads([FileStorage(io.BytesIO(PDF), filename="photo-dvora.pdf")])
    attachments.store(appeal, checked, None)


def _body(code: str = "AKIMAT-ALM"):
    from factories import government_body

    return government_body(code)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_forwarding_writes_the_letter_to_the_body_with_the_appeal_and_a_notice_to_the_citizen(ctx, language):
    from reception.i18n import localized

    head = head_of(language=language)
    registered = citizen_appeal(language)
    appeal = registered.appeal
    _with_a_file(appeal)
    body = _body()
    appeal_ops.redirect_appeal(appeal, body, user=head, reason=FORWARD_REASON[language])
    db.session.commit()
    forwarding, notice = letters(appeal.id)
    assert (forwarding.kind, notice.kind) == (LetterKind.forwarding, LetterKind.copy_notice)
    assert appeal.state == S.redirected and appeal.outgoing_letter_number == forwarding.number
    assert (forwarding.sequence, notice.sequence) == (1, 2)
    body_name = localized(body, "name", language)
    assert forwarding.recipient == body.name

    text = flat(docx_text(forwarding.docx))
    assert forwarding.number in text and body_name in text and FORWARD_REASON[language] in text
    assert SIGNED in text and POSITION[language] in text
    # The annex: the appeal's particulars, its text and its files.
    for fact in (appeal.registration_number, "Сейткали Айгуль Болатовна", "г. Алматы, ул. Абая, 1"):
        assert fact in text
    assert "Третью неделю нет воды." in text and "photo-dvora.pdf" in text
    assert ("Приложение: обращение" if language == "ru" else "Қосымша:") in text

    text = flat(docx_text(notice.docx))
    assert notice.number in text and body_name in text and forwarding.number in text
    assert FORWARD_REASON[language] in text and "Сейткали Айгуль Болатовна" in text
    assert ("направлено по компетенции" if language == "ru" else "жолданғанын хабарлаймыз") in text

    # The citizen is told once: one SMS, and the notice's e-mail (not the forwarding letter's).
    rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.appeal_id == appeal.id)))
    assert sorted((r.channel.value, r.dedupe_key) for r in rows) == [
        ("email", f"letter:{notice.id}:email"),
        ("sms", f"appeal:{appeal.id}:event:{appeal.events[-1].id}:sms"),
    ]


def test_an_anonymous_appeal_is_forwarded_with_its_letter_and_nobody_is_notified(ctx):
    head = head_of()
    appeal = make_registration(citizen=None, text="Во дворе нет освещения.").appeal
    appeal_ops.redirect_appeal(appeal, _body(), user=head, reason="Компетенция акимата.")
    db.session.commit()
    [forwarding] = letters(appeal.id)
    assert forwarding.kind == LetterKind.forwarding
    text = flat(docx_text(forwarding.docx))
    assert "не указан (анонимное обращение)" in text and "Во дворе нет освещения." in text
    assert "Заявитель уведомлен" not in text
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_a_letter_sent_outside_the_system_keeps_its_typed_number(ctx):
    head = head_of()
    appeal = citizen_appeal().appeal
    appeal_ops.redirect_appeal(appeal, _body(), "01-12/345", user=head, reason="Компетенция акимата.")
    db.session.commit()
    assert appeal.outgoing_letter_number == "01-12/345" and "01-12/345" in appeal.events[-1].comment
    # The register still numbers the letters it writes.
    assert [letter.kind for letter in letters(appeal.id)] == [LetterKind.forwarding, LetterKind.copy_notice]


def test_forwarding_from_the_appeal_page_needs_no_typed_number(app, client):
    with app.app_context():
        head_of()
        db.session.commit()
        registered = citizen_appeal()
        appeal_id, code, pin = registered.appeal.id, registered.appeal.tracking_code, registered.pin
        body_id = _body().id
    Auth(client).login("head@test.kz")
    done = submit(
        client,
        f"/appeals/{appeal_id}",
        f"/appeals/{appeal_id}/transition",
        carrying={"to_state": "redirected"},
        comment=FORWARD_REASON["ru"],
        body=str(body_id),
    )
    assert done.status_code == 302
    page = client.get(f"/appeals/{appeal_id}").get_data(as_text=True)
    with app.app_context():
        forwarding, notice = letters(appeal_id)
        numbers = forwarding.number, notice.number
        assert (
            db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.channel == MessageChannel.sms))
            == 1
        )
    assert all(f"№ {n}" in page for n in numbers)
    # The citizen sees both: the notice, and the letter that carried their appeal to the body.
    status = look_up(app.test_client(), code, pin).get_data(as_text=True)
    assert all(f"№ {n}" in status for n in numbers)


# --- every kind, as the PDF reads ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_kind_reads_the_same_in_its_pdf(ctx, soffice, language):
    from reception.i18n import localized

    head = head_of(language=language)
    answered = citizen_appeal(language).appeal
    appeal_ops.resolve_appeal(answered, user=head, comment=DECISION[language])
    extended = make_registration(
        citizen=answered.citizen, summary="Свет", language=language, state=S.in_progress
    ).appeal
    until = extended.deadline + timedelta(days=7)
    appeal_ops.extend_deadline(extended, until, user=head, reason=REASON[language])
    forwarded = make_registration(
        citizen=answered.citizen, summary="Двор", text="Во дворе нет освещения.", language=language
    ).appeal
    _with_a_file(forwarded)
    appeal_ops.redirect_appeal(forwarded, _body(), user=head, reason=FORWARD_REASON[language])
    db.session.commit()
    run_documents_worker()
    db.session.expire_all()
    made = {letter.kind: letter for letter in db.session.scalars(select(OutgoingLetter))}
    assert set(made) == set(LetterKind)
    texts = {}
    for kind, letter in made.items():
        assert letter.pdf_status == PdfStatus.ready, letter.pdf_error
        texts[kind] = pdf_text(letter.pdf)
        assert letter.number in texts[kind]
        assert SIGNED in texts[kind] and POSITION[language] in texts[kind]
    assert DECISION[language].split("\n")[0] in texts[LetterKind.answer]
    articles = ("статья 92", "статья 136") if language == "ru" else ("92-", "136-")
    assert all(a in texts[LetterKind.answer] for a in articles)
    assert REASON[language] in texts[LetterKind.extension_notice]
    assert until.strftime("%d.%m.%Y") in texts[LetterKind.extension_notice]
    body_name = localized(_body(), "name", language)
    assert body_name in texts[LetterKind.forwarding] and "Во дворе нет освещения." in texts[LetterKind.forwarding]
    assert "photo-dvora.pdf" in texts[LetterKind.forwarding]
    assert body_name in texts[LetterKind.copy_notice]
    # Inside a justified paragraph the number may break at its hyphen, which pdftotext then drops.
    assert unbroken(made[LetterKind.forwarding].number) in unbroken(texts[LetterKind.copy_notice])


# --- the branch's own templates -----------------------------------------------------------------------------


def _own_template(marker: str, body: str = "{{ number }} {{ date }} {{ signer_name }}") -> bytes:
    """A branch's letterhead: a plain Word document with the branch's words and the letter's fields."""
    document = Document()
    document.add_paragraph(marker)
    document.add_paragraph(body)
    document.add_paragraph("{%p for paragraph in decision_paragraphs %}")
    document.add_paragraph("{{ paragraph }}")
    document.add_paragraph("{%p endfor %}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _head_client(app, client):
    with app.app_context():
        head_of()
        db.session.commit()
    Auth(client).login("head@test.kz")
    return client


def test_a_branch_uploads_its_own_template_and_its_letters_use_it(app, client):
    from pageforms import errors_at

    _head_client(app, client)
    page = client.get("/directory/my-branch").get_data(as_text=True)
    assert "/letters/templates" in page
    done = submit(
        client,
        "/letters/templates",
        "/letters/templates",
        kind="answer",
        language="ru",
        files={"file": (io.BytesIO(_own_template("БЛАНК ФИЛИАЛА ALM-03")), "blank.docx")},
    )
    assert done.status_code == 302, errors_at(done.get_data(as_text=True), "file")
    assert "blank.docx" in client.get("/letters/templates").get_data(as_text=True)
    with app.app_context():
        head = db.session.scalar(select(User).where(User.email == "head@test.kz"))
        here = citizen_appeal().appeal
        there = make_registration(
            citizen=here.citizen, branch_code="AST-01", summary="Свет", state=S.in_progress
        ).appeal
        appeal_ops.resolve_appeal(here, user=head, comment="Решено по-нашему.")
        appeal_ops.resolve_appeal(there, user=head_of("AST-01", email="head2@test.kz"), comment="Решено.")
        db.session.commit()
        mine, theirs = letters(here.id)[0], letters(there.id)[0]
        text = flat(docx_text(mine.docx))
        assert "БЛАНК ФИЛИАЛА ALM-03" in text and mine.number in text and "Решено по-нашему." in text
        assert mine.template_id is not None
        # Another branch, and the Kazakh letters of this one, keep the shipped template.
        assert "БЛАНК ФИЛИАЛА" not in docx_text(theirs.docx) and theirs.template_id is None
    # Back to the shipped template.
    assert submit(client, "/letters/templates", "/letters/templates/remove").status_code == 302
    assert "blank.docx" not in client.get("/letters/templates").get_data(as_text=True)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (_own_template("Бланк", "{% if number %}{{ number }}"), "endif"),
        (_own_template("Бланк", "{{ number }} {{ nomer_pisma }}"), "nomer_pisma"),
        (_own_template("Бланк", "{{ date }}"), "{{ number }}"),
        (b"%PDF-1.4 not a Word file", ".docx"),
    ],
    ids=["broken-tag", "unknown-field", "no-number", "not-docx"],
)
def test_a_broken_template_is_refused_at_upload_with_a_clear_error(app, client, content, expected):
    from pageforms import errors_at

    from reception.letters.models import LetterTemplate

    _head_client(app, client)
    refused = submit(
        client,
        "/letters/templates",
        "/letters/templates",
        kind="answer",
        language="kk",
        files={"file": (io.BytesIO(content), "blank.docx")},
    )
    assert refused.status_code == 400
    errors = " ".join(errors_at(refused.get_data(as_text=True), "file"))
    with app.app_context():
        assert db.session.scalar(select(func.count(LetterTemplate.id))) == 0
    assert expected in errors


def test_the_retention_job_erases_the_letters_but_keeps_the_register(app, client):
    from reception.appeals.retention import erase_appeal

    with app.app_context():
        head = head_of()
        appeal = citizen_appeal(email="", address="г. Алматы, ул. Толе би, 5").appeal
        appeal_ops.resolve_appeal(appeal, user=head, comment="Решено.")
        db.session.commit()
        erase_appeal(appeal)
        db.session.commit()
        db.session.expire_all()
        [letter] = letters(appeal.id)
        assert letter.docx == b"" and letter.pdf is None and letter.recipient == ""
        assert letter.number and letter.signer_name == HEAD_NAME
        assert db.session.scalar(select(PostalDispatch.address)) == ""
        letter_id = letter.id
    Auth(client).login("head@test.kz")
    assert client.get(f"/letters/{letter_id}.docx").status_code == 404


def test_a_notice_not_posted_by_its_legal_date_is_flagged_in_the_list(app, client):
    with app.app_context():
        head = head_of()
        appeal = citizen_appeal(email="").appeal
        appeal_ops.extend_deadline(appeal, appeal.deadline + timedelta(days=5), user=head, reason="Запрос.")
        db.session.commit()
        dispatch = db.session.scalar(select(PostalDispatch))
        page_before = dispatch.id
        # Three working days went by (the due date is in the past now).
        dispatch.due_date = deadlines.local_date(utcnow()) - timedelta(days=1)
        db.session.commit()
    Auth(client).login("head@test.kz")
    page = client.get("/letters/post").get_data(as_text=True)
    assert f'data-dispatch="{page_before}"' in page and "data-overdue" in page
