"""Deputy inquiries: drafting from appeals without personal data, the lifecycle, the answer that reaches every
appeal and citizen, deadlines, access, and the registry."""

import io
import re
from datetime import UTC, date, datetime

import pytest
from docx import Document
from factories import branch, make_account, make_appeal, make_citizen, make_deputy, make_inquiry
from factories import government_body as body
from sqlalchemy import select

from config import AnswerRule, parse_answer_rules
from reception.accounts.models import Role
from reception.appeals import operations as appeal_ops
from reception.appeals.models import Appeal, AppealState, AppealType
from reception.directory.models import Deputy
from reception.extensions import db
from reception.inquiries import documents, registry, summaries
from reception.inquiries import operations as ops
from reception.inquiries.drafting import personal_data_in, redact
from reception.inquiries.models import AnswerAssessment, Inquiry, InquiryState
from reception.notifications.models import OutboxMessage

S = InquiryState

CITIZENS = [
    # iin, name, phone, address, may be named
    ("900101300017", "Сейткали Айгуль Болатовна", "+77011234567", "г. Алматы, ул. Абая, д. 10, кв. 5", False),
    ("850615400123", "Ержанов Марат Серикович", "+77770001122", "Медеуский район, мкр. Самал-2, д. 33", True),
    ("920304500456", "Нурланова Дана Ермековна", "+77471239988", "пос. Алатау, ул. Садовая, 7", False),
]


def appeals_for(deputy: Deputy, *, count=3, with_citizens=True, topic_code="housing") -> list[Appeal]:
    """Appeals in `deputy`'s queue, taken into work; their texts carry the citizens' own personal data."""
    made = []
    for n in range(count):
        citizen = None
        iin, name, phone, address, named = CITIZENS[n % len(CITIZENS)]
        if with_citizens:
            citizen = make_citizen(iin, full_name=name, phone=phone, address=address, may_be_named=named)
        summary = (
            f"Нет воды в доме {n + 1}, звоните {phone.replace('+7', '8 ')}, ИИН {iin}"
            if with_citizens
            else f"Нет воды в доме {n + 1}"
        )
        appeal = make_appeal(
            topic_code=topic_code,
            citizen=citizen,
            type=AppealType.complaint,
            summary=summary,
            text=f"Я, {name}, живу по адресу {address}. Воды нет третью неделю.",
            district=branch("ALM-03").district,
            cosigners=5 if n == 2 else 0,
            deputy=deputy,
            commit=False,
        )
        made.append(appeal)
    return made


@pytest.fixture
def setup(ctx):
    """A deputy with a user account, three appeals in their queue, and an inquiry drafted from them."""
    deputy = make_deputy("Ахметов Серик Болатович")
    account = make_account(Role.deputy, "author@test.kz", full_name="Ахметов С. Б.", deputy=deputy)
    appeals = appeals_for(deputy)
    inquiry = make_inquiry(appeals, user=account)
    db.session.commit()
    return deputy, account, appeals, inquiry


# --- drafting -------------------------------------------------------------------------------------


def test_draft_is_written_from_the_appeals_without_personal_data(setup):
    _deputy, _account, appeals, inquiry = setup
    text = "\n".join([inquiry.subject, inquiry.body, inquiry.requested_actions])
    for iin, name, phone, address, named in CITIZENS:
        assert iin not in text
        assert phone not in text and phone[-10:] not in re.sub(r"\D", "", text)
        assert address not in text
        assert (name in text) == named  # only the citizen who agreed is named
    assert "3 обращения" in inquiry.body or "3 обращений" in inquiry.body
    assert "8 человек" in inquiry.body  # 3 authors + 5 co-signers of the collective one
    for appeal in appeals:
        assert appeal.registration_number in inquiry.body
    # The addressee as the letter addresses them: title and name in the dative.
    assert inquiry.addressee_title == "Министру внутренних дел Республики Казахстан"
    assert inquiry.addressee_name == "Касымовой Ж.А." == body().head_name_dative_ru
    assert inquiry.topic is not None and inquiry.state == S.draft
    assert [e.kind for e in inquiry.events] == ["created"]
    assert personal_data_in(text, appeals) == []


def test_redact_and_detect_every_way_of_writing_a_phone(ctx):
    for written in ("+7 701 123 45 67", "8(701)123-45-67", "87011234567", "+77011234567"):
        assert "phone" in personal_data_in(f"Звоните {written}", [])
        assert written not in redact(f"Звоните {written}", [])
    assert "iin" in personal_data_in("ИИН 900101300017", [])
    assert personal_data_in("Решение от 12.03.2026 № 45-17/2026, 300 семей", []) == []


@pytest.mark.parametrize(
    "bad, kind",
    [
        ("Заявитель ИИН 900101300017 просит", "ИИН"),
        ("Позвоните по номеру 8 701 123 45 67", "номер телефона"),
        ("Проживает: г. Алматы, ул. Абая, д. 10, кв. 5.", "адрес"),
        ("Сейткали Айгуль Болатовна просит помочь", "не согласившегося"),
    ],
)
def test_an_edit_carrying_personal_data_is_refused_and_nothing_is_lost(setup, bad, kind):
    _deputy, account, _appeals, inquiry = setup
    before = inquiry.body
    with pytest.raises(ops.InquiryError) as refused:
        ops.update_draft(
            inquiry,
            user=account,
            subject=inquiry.subject,
            body=before + "\n\n" + bad,
            requested_actions=inquiry.requested_actions,
            addressee=inquiry.addressee,
            addressee_title=inquiry.addressee_title,
            addressee_name=inquiry.addressee_name,
            language="ru",
            topic=inquiry.topic,
            cosigners=[],
        )
    assert kind in str(refused.value)
    db.session.rollback()
    assert db.session.get(Inquiry, inquiry.id).body == before


def test_kazakh_draft_and_changing_the_addressee_takes_the_officials_name(setup):
    _deputy, account, appeals, _inquiry = setup
    inquiry = ops.create_inquiry(appeals, user=account, addressee=body("GOV"), language="kk")
    assert "өтініш" in inquiry.body and inquiry.addressee_title == body("GOV").head_title_kk
    assert inquiry.addressee_name == "Д.Е. Мұқановқа"
    ops.update_draft(
        inquiry,
        user=account,
        subject="Су мәселесі туралы",
        body=inquiry.body,
        requested_actions="Тексеру жүргізу",
        addressee=body(),
        addressee_title=inquiry.addressee_title,
        addressee_name=inquiry.addressee_name,
        language="kk",
        topic=None,
        cosigners=[],
    )
    assert inquiry.addressee_title == "Қазақстан Республикасының Ішкі істер министрі"
    assert inquiry.addressee_name == "Ж.А. Қасымоваға" == body().head_name_dative_kk


def test_decided_or_foreign_appeals_cannot_be_used(setup, make_user):
    _deputy, account, appeals, _inquiry = setup
    other = make_deputy("Чужой Депутат")
    foreign = appeals_for(other, count=1, with_citizens=False)
    with pytest.raises(ops.InquiryNotAllowed):
        ops.create_inquiry(foreign, user=account, addressee=body(), language="ru")
    appeal_ops.take_into_work(appeals[0], user=account)
    appeal_ops.resolve_appeal(appeals[0], user=account, comment="Решено")
    with pytest.raises(ops.InquiryError, match=r"решено|Решено|decided|уже"):
        ops.create_inquiry([appeals[0]], user=account, addressee=body(), language="ru")


# --- the lifecycle --------------------------------------------------------------------------------


def walk(inquiry, account, *states):
    for state in states:
        ops.transition(inquiry, state, user=account)


def test_every_transition_of_the_lifecycle(setup):
    _deputy, account, _appeals, inquiry = setup
    walk(inquiry, account, S.under_review, S.draft, S.under_review, S.approved, S.draft, S.under_review, S.approved)
    ops.mark_sent(inquiry, user=account, outgoing_number="02-15/123", sent_date=date(2026, 11, 20))
    assert inquiry.state == S.sent and inquiry.answer_due is None and ops.awaiting_start(inquiry)
    announced(inquiry, account, on=date(2026, 11, 20))
    assert inquiry.answer_due == date(2026, 12, 7)  # 15 calendar days: Saturday 5.12, so Monday
    ops.record_answer(
        inquiry,
        user=account,
        answer_date=date(2026, 12, 1),
        answer_number="ИО-77",
        answer_text="Ремонт водопровода до 15.12.2026",
        public_summary="Водопровод отремонтируют до 15 декабря.",
        assessment=AnswerAssessment.substantive,
    )
    assert inquiry.state == S.answered
    ops.close(inquiry, user=account)
    assert inquiry.state == S.closed
    assert [e.to_state for e in inquiry.events if e.kind == "transition"] == [
        S.under_review,
        S.draft,
        S.under_review,
        S.approved,
        S.draft,
        S.under_review,
        S.approved,
        S.sent,
        S.answered,
        S.closed,
    ]
    for target in S:
        with pytest.raises(ops.InquiryError):
            ops.transition(inquiry, target, user=account)


@pytest.mark.parametrize("path", [[], [S.under_review], [S.under_review, S.approved], "sent"])
def test_withdrawal_from_every_open_state_needs_a_reason(setup, path):
    _deputy, account, _appeals, inquiry = setup
    if path == "sent":
        walk(inquiry, account, S.under_review, S.approved)
        ops.mark_sent(inquiry, user=account, outgoing_number="1", sent_date=date(2026, 11, 20))
    else:
        walk(inquiry, account, *path)
    with pytest.raises(ops.InquiryError):
        ops.withdraw(inquiry, user=account, reason=" ")
    ops.withdraw(inquiry, user=account, reason="Проблема решена без запроса")
    assert inquiry.state == S.withdrawn and ops.moves_for(account, inquiry) == frozenset()


def test_transitions_out_of_order_are_refused(setup):
    _deputy, account, _appeals, inquiry = setup
    for target in (S.approved, S.sent, S.answered, S.closed):
        with pytest.raises(ops.InquiryError):
            ops.transition(inquiry, target, user=account)
    with pytest.raises(ops.InquiryError):
        ops.mark_sent(inquiry, user=account, outgoing_number="1", sent_date=date(2026, 11, 20))
    assert inquiry.state == S.draft


def test_only_the_author_approves_and_withdraws(setup):
    deputy, account, _appeals, inquiry = setup
    cosigner = make_deputy("Соавторов Ерлан")
    cosigner_user = make_account(Role.deputy, "co@test.kz", full_name="Соавторов", deputy=cosigner)
    assistant = make_account(Role.assistant, "as@test.kz", full_name="Помощник", deputies=[deputy])
    inquiry.cosigners = [cosigner]
    ops.submit_for_review(inquiry, user=cosigner_user)
    for someone in (cosigner_user, assistant):
        assert S.approved not in ops.moves_for(someone, inquiry)
        with pytest.raises(ops.InquiryNotAllowed):
            ops.approve(inquiry, user=someone)
        with pytest.raises(ops.InquiryNotAllowed):
            ops.withdraw(inquiry, user=someone, reason="нет")
    ops.approve(inquiry, user=account)
    ops.mark_sent(inquiry, user=assistant, outgoing_number="7", sent_date=date(2026, 11, 20))  # the office work
    assert inquiry.state == S.sent


# --- the answer closes the loop -------------------------------------------------------------------


def sent(inquiry, account, on=date(2026, 11, 20)):
    walk(inquiry, account, S.under_review, S.approved)
    ops.mark_sent(inquiry, user=account, outgoing_number="02-15/123", sent_date=on)


def announced(inquiry, account, on):
    """Record that the inquiry was announced at a plenary session on `on` (the Mazhilis's rule)."""
    return ops.record_term_start(
        inquiry, user=account, announced_date=on, announced_session="Пленарное заседание, протокол № 12", today=on
    )


def test_sending_and_the_answer_reach_every_linked_appeal_and_citizen(setup):
    _deputy, account, appeals, inquiry = setup
    sent(inquiry, account)
    db.session.commit()
    assert {a.state for a in appeals} == {AppealState.inquiry_sent}
    for appeal in appeals:
        public = [e for e in appeal.events if e.is_public and e.to_state == AppealState.inquiry_sent]
        assert public and "Министерство внутренних дел" in public[-1].comment
    ops.record_answer(
        inquiry,
        user=account,
        answer_date=date(2026, 12, 1),
        answer_number="ИО-77",
        answer_text="Полный текст ответа министерства",
        public_summary="Водопровод отремонтируют до 15 декабря.",
        assessment=AnswerAssessment.partial,
    )
    db.session.commit()
    for appeal in appeals:
        db.session.refresh(appeal)
        assert appeal.state == AppealState.answer_received
        answer = [e for e in appeal.events if e.to_state == AppealState.answer_received]
        assert answer[-1].is_public and "Водопровод отремонтируют до 15 декабря." in answer[-1].comment
        assert "Полный текст" not in answer[-1].comment  # only the public summary
    sms = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.appeal_id.in_([a.id for a in appeals]), OutboxMessage.dedupe_key.like("%:sms")
        )
    ).all()
    answered = [m for m in sms if "получен ответ на запрос депутата" in m.body]
    assert sorted(m.recipient for m in answered) == sorted(c[2] for c in CITIZENS)
    told_of_sending = [m for m in sms if "депутат направил по нему запрос" in m.body]
    assert len(told_of_sending) == len(CITIZENS)


def test_an_appeal_in_two_inquiries_still_shows_the_second_answer(setup):
    _deputy, account, appeals, first = setup
    second = ops.create_inquiry(appeals[:1], user=account, addressee=body("GOV"), language="ru")
    sent(first, account)
    sent(second, account)
    ops.record_answer(
        first,
        user=account,
        answer_date=date(2026, 12, 1),
        answer_number="1",
        answer_text="a",
        public_summary="Первый ответ",
        assessment=AnswerAssessment.formal,
    )
    ops.record_answer(
        second,
        user=account,
        answer_date=date(2026, 12, 2),
        answer_number="2",
        answer_text="b",
        public_summary="Второй ответ",
        assessment=AnswerAssessment.substantive,
    )
    public = [e.comment for e in appeals[0].events if e.is_public]
    assert any("Первый ответ" in c for c in public) and any("Второй ответ" in c for c in public)


def test_answer_needs_a_public_summary_without_personal_data(setup):
    _deputy, account, _appeals, inquiry = setup
    sent(inquiry, account)
    for summary in ("", "Гражданке Сейткали Айгуль Болатовна позвонят: +7 701 123 45 67"):
        with pytest.raises(ops.InquiryError):
            ops.record_answer(
                inquiry,
                user=account,
                answer_date=date(2026, 12, 1),
                answer_number="1",
                answer_text="Текст",
                public_summary=summary,
                assessment=AnswerAssessment.partial,
            )
    assert inquiry.state == S.sent


# --- deadlines -------------------------------------------------------------------------------------


def test_answer_deadline_by_kind_of_body_and_overdue(setup, app):
    """#14.3: the term runs from the announcement at a session (or the receipt, where that is the body's rule),
    in the unit the setting names, and a due date on a day off moves to the next working day."""
    _deputy, account, _appeals, inquiry = setup
    local = make_deputy("Маслихатов Депутат", body_code="M-ALA")
    local_account = make_account(Role.deputy, "local@test.kz", deputy=local)
    local_appeals = appeals_for(local, count=1, with_citizens=False)
    other = make_inquiry(local_appeals, user=local_account, addressee_code="AKIMAT-ALA")  # a maslikhat asks its akim
    sent(other, local_account, on=date(2026, 11, 2))
    sent(inquiry, account, on=date(2026, 11, 2))
    db.session.commit()
    # Sent, not yet announced: no deadline is made up, nothing is overdue.
    assert other.answer_due is None and inquiry.answer_due is None
    assert not ops.is_overdue(inquiry, date(2027, 1, 1))
    assert registry.overdue_list(account, date(2027, 1, 1)) == []
    with pytest.raises(ops.InquiryError):  # the Mazhilis's rule counts from the announcement
        ops.record_term_start(inquiry, user=account, received_date=date(2026, 11, 3), received_number="вх-1")
    with pytest.raises(ops.InquiryError):  # a receipt needs its evidence
        ops.record_term_start(inquiry, user=account, received_date=date(2026, 11, 3), announced_date=date(2026, 11, 3))
    with pytest.raises(ops.InquiryError):  # not before it was sent
        announced(inquiry, account, on=date(2026, 11, 1))
    announced(inquiry, account, on=date(2026, 11, 2))
    assert inquiry.answer_due == date(2026, 11, 17)  # 15 calendar days, a Tuesday
    app.config["INQUIRY_ANSWER_RULES"] = dict(
        app.config["INQUIRY_ANSWER_RULES"], maslikhat=AnswerRule("received", 5, "working")
    )
    try:
        with pytest.raises(ops.InquiryError):  # the maslikhat's rule (here) counts from the receipt
            announced(other, local_account, on=date(2026, 11, 3))
        ops.record_term_start(other, user=local_account, received_date=date(2026, 11, 3), received_number="вх-77")
        assert other.answer_due == date(2026, 11, 10)  # 5 working days after Tuesday 3.11
        ops.record_term_start(other, user=local_account, received_date=date(2026, 11, 6), received_number="вх-77")
        assert other.answer_due == date(2026, 11, 13)  # corrected: the weekend is not counted
        app.config["INQUIRY_ANSWER_RULES"]["maslikhat"] = AnswerRule("received", 3, "calendar")
        ops.record_term_start(
            other,
            user=local_account,
            received_date=date(2026, 12, 13),
            received_number="вх-77",
            today=date(2026, 12, 13),
        )
        # 3 calendar days end on Wednesday 16.12, Independence Day: so Thursday 17.12
        assert other.answer_due == date(2026, 12, 17)
        ops.record_term_start(other, user=local_account, received_date=date(2026, 11, 3), received_number="вх-77")
    finally:
        app.config["INQUIRY_ANSWER_RULES"] = parse_answer_rules(
            "kurultai=announced:15:calendar,parliament_chamber=announced:15:calendar,maslikhat=announced:15:calendar"
        )
    assert other.answer_due == date(2026, 11, 6)
    assert not ops.is_overdue(inquiry, date(2026, 11, 17)) and ops.is_overdue(inquiry, date(2026, 11, 18))
    db.session.commit()
    assert [i.id for i in registry.overdue_list(local_account, date(2026, 11, 18))] == [other.id]
    assert [i.id for i in registry.overdue_list(account, date(2026, 11, 18))] == [inquiry.id]
    rows, _ = registry.page(local_account, registry.RegistryFilter(overdue=True), date(2026, 11, 14))
    assert [i.id for i in rows] == [other.id]
    assert registry.page(account, registry.RegistryFilter(overdue=True), date(2026, 11, 14))[0] == []
    ops.record_answer(
        inquiry,
        user=account,
        answer_date=date(2026, 11, 20),
        answer_number="1",
        answer_text="a",
        public_summary="Ответ",
        assessment=AnswerAssessment.formal,
    )
    assert not ops.is_overdue(inquiry, date(2026, 12, 31))


# --- access ----------------------------------------------------------------------------------------


def test_another_deputy_cannot_see_or_edit_a_draft_unless_cosigning(setup):
    _deputy, _account, _appeals, inquiry = setup
    stranger = make_account(Role.deputy, "stranger@test.kz", full_name="Чужой", deputy=make_deputy("Чужой Депутат"))
    assert not ops.can_see(stranger, inquiry) and not ops.can_edit(stranger, inquiry)
    assert registry.page(stranger, registry.RegistryFilter(), date(2026, 11, 25))[0] == []
    with pytest.raises(ops.InquiryNotAllowed):
        ops.update_draft(
            inquiry,
            user=stranger,
            subject="x",
            body="y",
            requested_actions="",
            addressee=body(),
            addressee_title="",
            addressee_name="",
            language="ru",
            topic=None,
            cosigners=[],
        )
    inquiry.cosigners = [stranger.deputy]
    assert ops.can_see(stranger, inquiry) and ops.can_edit(stranger, inquiry)
    assert [i.id for i in registry.page(stranger, registry.RegistryFilter(), date(2026, 11, 25))[0]] == [inquiry.id]


def test_registry_counts_and_the_share_of_substantive_answers(setup):
    _deputy, account, appeals, _inquiry = setup
    outcomes = [AnswerAssessment.substantive, AnswerAssessment.formal, AnswerAssessment.substantive, None]
    for outcome in outcomes:
        i = ops.create_inquiry(appeals, user=account, addressee=body("GOV"), language="ru")
        sent(i, account)
        if outcome:
            ops.record_answer(
                i,
                user=account,
                answer_date=date(2026, 11, 25),
                answer_number="1",
                answer_text="t",
                public_summary="Ответ",
                assessment=outcome,
            )
    db.session.commit()
    today = date(2026, 11, 25)
    counts = registry.counts_by_state(account, registry.RegistryFilter(), today)
    assert counts == {S.draft: 1, S.answered: 3, S.sent: 1}
    gov = next(r for r in registry.by_addressee(account, today) if r.body.code == "GOV")
    assert (gov.sent, gov.answered, gov.substantive, gov.formal) == (4, 3, 2, 1)
    assert gov.substantive_share == pytest.approx(2 / 3)
    rows, _ = registry.page(account, registry.RegistryFilter(assessment=AnswerAssessment.formal), today)
    assert len(rows) == 1


# --- documents ------------------------------------------------------------------------------------

KAZAKH_LETTERS = "әғқңөұүһі"


def retell_in_kazakh(inquiry, account) -> None:
    """The deputy's side tells each Russian-language appeal in Kazakh, as a Kazakh letter needs."""
    summaries.set_letter_summaries(
        inquiry, {a.id: f"{n}-үйде үш апта бойы су жоқ" for n, a in enumerate(inquiry.appeals, 1)}, user=account
    )


def docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_docx_has_the_official_form_in_russian(setup):
    _deputy, account, appeals, inquiry = setup
    cosigner = make_deputy("Соавторова Гульмира Ерлановна")
    inquiry.cosigners = [cosigner]
    made = documents.generate(inquiry, user=account)
    db.session.commit()
    content = made[0].content
    doc = Document(io.BytesIO(content))
    paragraphs = [p.text for p in doc.paragraphs]
    text = docx_text(content)
    # Addressee block top right: the first paragraphs after the outgoing number, indented to the right half.
    addressee = [p for p in doc.paragraphs if p.text in (inquiry.addressee_title, inquiry.addressee_name)]
    assert len(addressee) == 2 and all(p.paragraph_format.left_indent.cm > 8 for p in addressee)
    assert (
        paragraphs.index(inquiry.addressee_title)
        < paragraphs.index("ДЕПУТАТСКИЙ ЗАПРОС")
        < paragraphs.index(inquiry.subject)
    )
    assert "Уважаемая Жанар Аскаровна!" in paragraphs
    for n, action in enumerate(inquiry.actions, 1):
        assert f"{n}. {action}" in paragraphs
    assert "просим рассмотреть настоящий депутатский запрос и дать ответ в установленный законом срок" in text
    assert "С. Ахметов" in text and "Г. Соавторова" in text
    assert "Депутат Мажилиса Парламента Республики Казахстан" in text
    for appeal in appeals:
        assert appeal.registration_number in text
    for iin, _name, phone, address, _named in CITIZENS:
        assert iin not in text and phone not in text and address not in text
    # The file's own properties are the deputy's and today's, not the library's defaults.
    properties = doc.core_properties
    assert properties.author == properties.last_modified_by == inquiry.author.full_name
    assert properties.title == inquiry.subject and properties.language == "ru-RU"
    assert properties.created.date() == properties.modified.date() == datetime.now(UTC).date()


def test_docx_in_kazakh_keeps_every_kazakh_letter_and_versions_are_numbered(setup):
    _deputy, account, appeals, _ = setup
    inquiry = ops.create_inquiry(appeals, user=account, addressee=body("GOV"), language="kk")
    ops.update_draft(
        inquiry,
        user=account,
        subject=f"Ауыз су мәселесі туралы ({KAZAKH_LETTERS})",
        body=inquiry.body,
        requested_actions="Тексеру жүргізу\nШара қолдану",
        addressee=inquiry.addressee,
        addressee_title=inquiry.addressee_title,
        addressee_name=inquiry.addressee_name,
        language="kk",
        topic=None,
        cosigners=[],
    )
    with pytest.raises(ops.InquiryError, match="ALM-03/2026/000001"):
        documents.generate(inquiry, user=account)  # the Russian-speaking citizens' appeals are not yet told in Kazakh
    retell_in_kazakh(inquiry, account)
    first = documents.generate(inquiry, user=account)[0]
    second = documents.generate(inquiry, user=account)[0]
    assert (first.number, second.number) == (1, 2)
    text = docx_text(second.content)
    assert "ДЕПУТАТТЫҚ САУАЛ" in text and KAZAKH_LETTERS in text
    assert "1. Тексеру жүргізу" in text and "2. Шара қолдану" in text
    assert body("GOV").head_title_kk in text and "Құрметті" in text


@pytest.mark.slow
@pytest.mark.parametrize("converter", ["libreoffice", "weasyprint"])
def test_pdf_is_made_by_a_job_on_the_documents_queue(setup, app, request, converter):
    import shutil
    import subprocess

    from rq import SimpleWorker

    from reception.jobs.queues import get_queue, get_redis

    if converter == "libreoffice":
        request.getfixturevalue("soffice")
    app.config["PDF_CONVERTER"] = converter
    request.addfinalizer(lambda: app.config.update(PDF_CONVERTER="auto"))
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        from support import require

        require("pdftotext", "apt-get install poppler-utils")
    _deputy, account, appeals, _ = setup
    inquiry = ops.create_inquiry(appeals, user=account, addressee=body("GOV"), language="kk")
    inquiry.subject = f"Ауыз су мәселесі туралы {KAZAKH_LETTERS}"
    retell_in_kazakh(inquiry, account)
    made = documents.generate(inquiry, user=account, pdf=True)
    db.session.commit()
    pdf_id = made[1].id
    assert made[1].status.value == "queued"
    SimpleWorker([get_queue("documents")], connection=get_redis()).work(burst=True)
    db.session.expire_all()
    pdf = db.session.get(documents.InquiryDocument, pdf_id)
    assert pdf.status.value == "ready", pdf.error
    assert pdf.content.startswith(b"%PDF-")
    text = subprocess.run([pdftotext, "-", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode()
    assert "Ауыз су мәселесі туралы" in text and KAZAKH_LETTERS in text


def test_cosigners_come_from_the_authors_body(setup):
    deputy, account, _appeals, inquiry = setup
    maslikhat = db.session.scalars(select(Deputy).where(Deputy.body_id != deputy.body_id)).first()
    with pytest.raises(ops.InquiryError, match="того же представительного органа"):
        ops.update_draft(
            inquiry,
            user=account,
            subject=inquiry.subject,
            body=inquiry.body,
            requested_actions="",
            addressee=inquiry.addressee,
            addressee_title="",
            addressee_name="",
            language="ru",
            topic=None,
            cosigners=[maslikhat or make_deputy("Маслихатов", body_code="M-ALA")],
        )
