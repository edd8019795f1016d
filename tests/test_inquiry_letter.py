"""The inquiry letter as officials write and sign it, read back from the DOCX (python-docx) and from the PDF
(LibreOffice, pdftotext): a subject naming all its topics, the addressee in the dative, each signer's mandate,
прошу/просим, the law it is made under, the place for the session's date, and a Kazakh letter in Kazakh."""

import io
import re
import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest
from docx import Document
from factories import government_body, make_account, make_appeal, make_deputy
from pageforms import submit
from support import Auth
from test_inquiries import appeals_for

from reception.accounts.models import Role
from reception.appeals.models import Appeal
from reception.extensions import db
from reception.inquiries import documents, summaries
from reception.inquiries import operations as ops
from reception.inquiries.models import Inquiry

# (topic, registered): labour, business and health, from 18 August to 15 September 2026.
MIXED = [
    ("employment", datetime(2026, 8, 18, 6, tzinfo=UTC)),
    ("business", datetime(2026, 9, 1, 6, tzinfo=UTC)),
    ("healthcare", datetime(2026, 9, 15, 6, tzinfo=UTC)),
]


def letter_text(content: bytes) -> str:
    """Every paragraph and table cell of a DOCX, one per line."""
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def signature_rows(content: bytes) -> list[tuple[str, str]]:
    """The signature table: (mandate, name) per signer."""
    table = Document(io.BytesIO(content)).tables[0]
    return [(row.cells[0].text, row.cells[1].text) for row in table.rows]


def pdf_text(content: bytes) -> str:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        from support import require

        require("pdftotext", "apt-get install poppler-utils")
    out = subprocess.run([pdftotext, "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
    return " ".join(out.split())  # lines wrap where the page ends them


@pytest.fixture
def author(ctx):
    deputy = make_deputy("Ахметов Серик Болатович")
    account = make_account(Role.deputy, "letter@test.kz", full_name="Ахметов С. Б.", deputy=deputy)
    return deputy, account


def mixed_appeals(deputy, language="ru") -> list[Appeal]:
    return [
        make_appeal(
            topic_code=topic,
            summary=f"Проблема номер {n}: задержка выплат и закрытие поликлиники",
            text="Подробное описание на русском языке",
            registered_at=moment,
            language=language,
            deputy=deputy,
            commit=False,
        )
        for n, (topic, moment) in enumerate(MIXED, 1)
    ]


def draft(appeals, account, *, addressee="MIN-INTERNAL", language="ru", cosigners=()) -> Inquiry:
    inquiry = ops.create_inquiry(appeals, user=account, addressee=government_body(addressee), language=language)
    inquiry.cosigners = list(cosigners)
    db.session.flush()
    return inquiry


def retell(inquiry, account) -> None:
    summaries.set_letter_summaries(
        inquiry,
        {a.id: f"{n}-өтініш: жалақы кешігіп төленеді, емхана жабылды" for n, a in enumerate(inquiry.appeals, 1)},
        user=account,
    )


# --- the subject and the opening ------------------------------------------------------------------


def test_a_mixed_topic_inquiry_names_every_topic_counted_right(author):
    deputy, account = author
    inquiry = draft(mixed_appeals(deputy), account)
    topics = "«Занятость и трудовые отношения», «Защита бизнеса» и «Здравоохранение»"
    assert inquiry.subject.startswith(f"О проблемах граждан по темам {topics}")
    assert inquiry.body.startswith(
        f"С 18.08.2026 по 15.09.2026 в общественную приемную партии «AMANAT» поступили 3 обращения граждан "
        f"по темам {topics}."
    )
    text = letter_text(documents.generate(inquiry, user=account)[0].content)
    assert f"О проблемах граждан по темам {topics}" in text
    assert "поступили 3 обращения граждан" in text and "общественную приемную партии «AMANAT»" in text


def test_the_kazakh_opening_governs_its_dates_and_names_every_topic(author):
    deputy, account = author
    inquiry = draft(mixed_appeals(deputy), account, language="kk")
    topics = "«Жұмыспен қамту және еңбек қатынастары», «Бизнесті қорғау» және «Денсаулық сақтау»"
    assert inquiry.subject.startswith(f"{topics} тақырыптары бойынша азаматтардың мәселелері туралы")
    assert inquiry.body.startswith(
        f"2026 жылғы 18 тамыздан бастап 2026 жылғы 15 қыркүйекке дейін «AMANAT» партиясының қоғамдық қабылдау "
        f"бөлмесіне {topics} тақырыптары бойынша азаматтардан 3 өтініш түсті."
    )


def test_more_than_three_topics_name_the_main_ones_and_others(author):
    deputy, account = author
    appeals = mixed_appeals(deputy) + [
        make_appeal(topic_code=code, deputy=deputy, commit=False) for code in ("education", "healthcare")
    ]
    inquiry = draft(appeals, account)
    # Health has two appeals, so it leads; the rest by first appearance; a fourth topic is "others".
    assert inquiry.subject.startswith(
        "О проблемах граждан по темам «Здравоохранение», «Занятость и трудовые отношения», «Защита бизнеса» и другим"
    )
    assert "поступило 5 обращений граждан" in inquiry.body
    kk = draft(appeals, account, language="kk")
    assert kk.subject.startswith(
        "«Денсаулық сақтау», «Жұмыспен қамту және еңбек қатынастары», «Бизнесті қорғау» және басқа тақырыптар бойынша"
    )


# --- the addressee ----------------------------------------------------------------------------------

ADDRESSEES = [
    # code, ru title, ru name, kk title, kk name
    (
        "GOV",
        "Премьер-Министру Республики Казахстан",
        "Муканову Д.Е.",
        "Қазақстан Республикасының Премьер-Министрі",
        "Д.Е. Мұқановқа",
    ),
    (
        "MIN-LABOUR",
        "Министру труда и социальной защиты населения Республики Казахстан",
        "Жумабекову Н.Е.",
        "Қазақстан Республикасының Еңбек және халықты әлеуметтік қорғау министрі",
        "Н.Е. Жұмабековке",
    ),
    (
        "MIN-INTERNAL",
        "Министру внутренних дел Республики Казахстан",
        "Касымовой Ж.А.",
        "Қазақстан Республикасының Ішкі істер министрі",
        "Ж.А. Қасымоваға",
    ),
    ("AKIMAT-ABA", "Акиму области Абай", "Даулетову Б.А.", "Абай облысының әкімі", "Б.А. Дәулетовке"),
    ("AKIMAT-AST", "Акиму города Астаны", "Ахметовой А.Е.", "Астана қаласының әкімі", "А.Е. Ахметоваға"),
]


@pytest.mark.parametrize(("code", "ru_title", "ru_name", "kk_title", "kk_name"), ADDRESSEES)
def test_the_addressee_is_written_in_the_dative_in_both_languages(author, code, ru_title, ru_name, kk_title, kk_name):
    deputy, account = author
    appeals = appeals_for(deputy, count=1, with_citizens=False)
    ru = draft(appeals, account, addressee=code)
    assert (ru.addressee_title, ru.addressee_name) == (ru_title, ru_name)
    paragraphs = [p.text for p in Document(io.BytesIO(documents.generate(ru, user=account)[0].content)).paragraphs]
    assert paragraphs[1:3] == [ru_title, ru_name]  # under the outgoing number, the block top right
    kk = draft(appeals, account, addressee=code, language="kk")
    assert (kk.addressee_title, kk.addressee_name) == (kk_title, kk_name)
    retell(kk, account)
    paragraphs = [p.text for p in Document(io.BytesIO(documents.generate(kk, user=account)[0].content)).paragraphs]
    assert paragraphs[1:3] == [kk_title, kk_name]


def test_a_draft_from_before_keeps_addressing_in_the_dative(author):
    deputy, account = author
    inquiry = draft(appeals_for(deputy, count=1, with_citizens=False), account)
    inquiry.addressee_title, inquiry.addressee_name = "Министр", "Касымова Жанар Аскаровна"  # as drafts once held
    paragraphs = [p.text for p in Document(io.BytesIO(documents.generate(inquiry, user=account)[0].content)).paragraphs]
    assert paragraphs[1:3] == ["Министру внутренних дел Республики Казахстан", "Касымовой Ж.А."]


def test_the_addressee_forms_on_the_draft_page_are_the_letters(app, client, make_user):
    _, email = make_user(Role.deputy)
    with app.app_context():
        from factories import user

        appeals = appeals_for(user(email).deputy, count=1, with_citizens=False)
        inquiry = draft(appeals, user(email), addressee="MIN-LABOUR")
        db.session.commit()
        inquiry_id = inquiry.id
    Auth(client).login(email)
    page = client.get(f"/inquiries/{inquiry_id}/edit").get_data(as_text=True)
    assert 'value="Министру труда и социальной защиты населения Республики Казахстан"' in page
    assert 'value="Жумабекову Н.Е."' in page


# --- the signatures, the request, the law, the session ------------------------------------------------


def test_one_signer_asks_and_two_ask_together_with_their_mandates(author):
    deputy, account = author
    appeals = appeals_for(deputy, count=2, with_citizens=False)
    alone = draft(appeals, account)
    content = documents.generate(alone, user=account)[0].content
    text = letter_text(content)
    assert "На основании изложенного прошу:" in text and "просим" not in text
    assert signature_rows(content) == [("Депутат Мажилиса Парламента Республики Казахстан", "С. Ахметов")]
    together = draft(appeals, account, cosigners=[make_deputy("Соавторова Гульмира Ерлановна")])
    content = documents.generate(together, user=account)[0].content
    text = letter_text(content)
    assert "На основании изложенного просим:" in text and "прошу" not in text
    assert signature_rows(content) == [
        ("Депутат Мажилиса Парламента Республики Казахстан", "С. Ахметов"),
        ("Депутат Мажилиса Парламента Республики Казахстан", "Г. Соавторова"),
    ]
    assert (
        "Руководствуясь Конституционным законом Республики Казахстан «О Парламенте Республики Казахстан и статусе "
        "его депутатов», просим рассмотреть настоящий депутатский запрос" in text
    )
    assert "Оглашен на пленарном заседании Мажилиса Парламента Республики Казахстан «___» __________ 20__ г." in text


def test_kazakh_signers_ask_in_kazakh(author):
    deputy, account = author
    appeals = appeals_for(deputy, count=2, with_citizens=False)
    alone = draft(appeals, account, language="kk")
    retell(alone, account)
    content = documents.generate(alone, user=account)[0].content
    text = letter_text(content)
    assert "Жоғарыда баяндалғанның негізінде мыналарды сұраймын:" in text and "сұраймыз" not in text
    assert signature_rows(content) == [("Қазақстан Республикасы Парламенті Мәжілісінің депутаты", "С. Ахметов")]
    assert (
        "«Қазақстан Республикасының Парламенті және оның депутаттарының мәртебесі туралы» Қазақстан "
        "Республикасының Конституциялық заңына сәйкес осы депутаттық сауалды қарап" in text
    )
    assert "20__ жылғы «___» __________ Қазақстан Республикасы Парламенті Мәжілісінің жалпы отырысында" in text
    together = draft(appeals, account, language="kk", cosigners=[make_deputy("Соавторова Гүлмира Ерланқызы")])
    retell(together, account)
    text = letter_text(documents.generate(together, user=account)[0].content)
    assert "мыналарды сұраймыз:" in text and "жауап беруіңізді сұраймыз." in text and "сұраймын" not in text


def test_a_maslikhat_deputy_signs_with_the_maslikhats_mandate_and_law(ctx):
    deputy = make_deputy("Берікова Сауле Маратовна", body_code="M-ALA")
    account = make_account(Role.deputy, "maslikhat@test.kz", full_name="Берікова С. М.", deputy=deputy)
    appeals = appeals_for(deputy, count=1, with_citizens=False)
    inquiry = draft(appeals, account, addressee="AKIMAT-ALA")
    content = documents.generate(inquiry, user=account)[0].content
    text = letter_text(content)
    assert signature_rows(content) == [("Депутат маслихата города Алматы", "С. Берікова")]
    assert "Руководствуясь Законом Республики Казахстан «О местном государственном управлении" in text
    assert "Оглашен на сессии маслихата «___» __________ 20__ г." in text
    kk = draft(appeals, account, addressee="AKIMAT-ALA", language="kk")
    retell(kk, account)
    content = documents.generate(kk, user=account)[0].content
    assert signature_rows(content) == [("Алматы қаласы мәслихатының депутаты", "С. Берікова")]
    assert "мәслихат сессиясында жарияланды." in letter_text(content)


def test_the_legal_basis_is_a_setting_per_kind_of_body(app, author):
    deputy, account = author
    appeals = appeals_for(deputy, count=1, with_citizens=False)
    inquiry = draft(appeals, account)
    saved = app.config["INQUIRY_LEGAL_BASIS"]
    app.config["INQUIRY_LEGAL_BASIS"] = {
        **saved,
        "parliament_chamber": {"ru": "Конституционным законом «О Курултае»", "kk": "«Құрылтай туралы» заңға"},
    }
    try:
        text = letter_text(documents.generate(inquiry, user=account)[0].content)
    finally:
        app.config["INQUIRY_LEGAL_BASIS"] = saved
    assert "Руководствуясь Конституционным законом «О Курултае», прошу рассмотреть" in text


def test_an_announcement_date_fills_the_sessions_line(author):
    deputy, account = author
    appeals = appeals_for(deputy, count=1, with_citizens=False)
    inquiry = draft(appeals, account)
    inquiry.announced_date = date(2026, 9, 20)  # a column where the app records it; the letter only reads it
    text = letter_text(documents.generate(inquiry, user=account)[0].content)
    assert "Оглашен на пленарном заседании Мажилиса Парламента Республики Казахстан 20 сентября 2026 года." in text
    kk = draft(appeals, account, language="kk")
    kk.announced_date = date(2026, 9, 20)
    retell(kk, account)
    text = letter_text(documents.generate(kk, user=account)[0].content)
    assert "2026 жылғы 20 қыркүйекте Қазақстан Республикасы Парламенті Мәжілісінің жалпы отырысында жарияланды." in text


# --- a Kazakh letter in Kazakh ------------------------------------------------------------------------


def test_a_kazakh_letter_from_russian_appeals_carries_no_russian(author):
    deputy, account = author
    appeals = mixed_appeals(deputy)
    inquiry = draft(appeals, account, language="kk", cosigners=[make_deputy("Соавторова Гүлмира Ерланқызы")])
    assert inquiry.body.count("[өтініштің қазақ тіліндегі мазмұны қажет]") == 3
    with pytest.raises(ops.InquiryError) as refused:
        documents.generate(inquiry, user=account)
    assert all(a.registration_number in str(refused.value.message) for a in appeals)
    retell(inquiry, account)
    assert "[өтініштің" not in inquiry.body
    assert "— 2-өтініш: жалақы кешігіп төленеді, емхана жабылды (2026 жылғы 1 қыркүйектегі №" in inquiry.body
    text = letter_text(documents.generate(inquiry, user=account)[0].content)
    russian = {w.lower() for a in appeals for w in re.findall(r"[А-Яа-яЁё]{4,}", f"{a.summary} {a.text}")}
    assert russian and not russian & {w.lower() for w in re.findall(r"[^\W\d_]+", text)}
    assert "2026 жылғы 18 тамыздан бастап 2026 жылғы 15 қыркүйекке дейін" in text


def test_appeals_in_the_letters_language_need_no_retelling(author):
    deputy, account = author
    appeals = mixed_appeals(deputy, language="kk")
    inquiry = draft(appeals, account, language="kk")
    assert summaries.missing_summaries(inquiry) == []
    assert "Проблема номер 1" in inquiry.body  # the citizen's own words, in the letter's language already
    documents.generate(inquiry, user=account)


def test_the_draft_page_asks_for_summaries_and_refuses_the_letter_until_given(app, client, make_user):
    _, email = make_user(Role.deputy)
    with app.app_context():
        from factories import user

        appeals = appeals_for(user(email).deputy, count=2, with_citizens=False)
        inquiry = draft(appeals, user(email), language="kk")
        db.session.commit()
        inquiry_id, ids = inquiry.id, [a.id for a in appeals]
        numbers = [a.registration_number for a in appeals]
    Auth(client).login(email)
    page_url = f"/inquiries/{inquiry_id}"
    page = client.get(page_url).get_data(as_text=True)
    assert "Нет воды в доме 1" in page and f'name="summary-{ids[0]}"' in page  # the original and a field for it
    refused = submit(client, page_url, f"/inquiries/{inquiry_id}/documents", pdf="0")
    assert refused.status_code == 400
    message = refused.get_data(as_text=True)
    assert all(number in message for number in numbers)
    saved = submit(
        client,
        page_url,
        f"/inquiries/{inquiry_id}/summaries",
        **{f"summary-{ids[0]}": "1-үйде су жоқ", f"summary-{ids[1]}": "2-үйде су жоқ"},
    )
    assert saved.status_code == 302
    made = submit(client, page_url, f"/inquiries/{inquiry_id}/documents", pdf="0")
    assert made.status_code == 302
    with app.app_context():
        stored = db.session.get(Inquiry, inquiry_id)
        assert summaries.letter_summaries(stored) == {ids[0]: "1-үйде су жоқ", ids[1]: "2-үйде су жоқ"}
        text = letter_text(stored.documents[0].content)
        assert "1-үйде су жоқ" in text and "Нет воды" not in text


def test_a_summary_with_personal_data_is_refused(author):
    deputy, account = author
    appeals = appeals_for(deputy, count=1, with_citizens=False)
    inquiry = draft(appeals, account, language="kk")
    with pytest.raises(ops.InquiryError):
        summaries.set_letter_summaries(inquiry, {appeals[0].id: "Телефон +7 701 123 45 67"}, user=account)
    assert summaries.missing_summaries(inquiry) == appeals


# --- the PDF, as LibreOffice makes it --------------------------------------------------------------


@pytest.mark.slow
def test_the_pdf_reads_as_the_letter_in_both_languages(author, soffice):
    from reception.documents.convert import docx_to_pdf

    deputy, account = author
    appeals = mixed_appeals(deputy)
    cosigner = make_deputy("Соавторова Гульмира Ерлановна")
    ru = draft(appeals, account, addressee="MIN-LABOUR", cosigners=[cosigner])
    text = pdf_text(docx_to_pdf(documents.generate(ru, user=account)[0].content))
    assert "«Занятость и трудовые отношения», «Защита бизнеса» и «Здравоохранение»" in text
    assert "Министру труда и социальной защиты населения Республики Казахстан Жумабекову Н.Е." in text
    # The signature table's two columns interleave in pdftotext's reading order: the parts, each once per signer.
    assert text.count("Депутат Мажилиса Парламента") == 2 and "С. Ахметов" in text and "Г. Соавторова" in text
    assert "просим рассмотреть настоящий депутатский запрос" in text
    assert "Оглашен на пленарном заседании" in text
    kk = draft(appeals, account, addressee="MIN-LABOUR", language="kk")
    retell(kk, account)
    text = pdf_text(docx_to_pdf(documents.generate(kk, user=account)[0].content))
    assert "Н.Е. Жұмабековке" in text and "2026 жылғы 18 тамыздан бастап" in text
    assert "Қазақстан Республикасы Парламенті Мәжілісінің" in text and "депутаты" in text and "С. Ахметов" in text
    assert "сұраймын" in text and "емхана жабылды" in text and "Проблема" not in text
