"""Builds the shipped Word templates of the letters (reception/letters/docx/<kind>_<language>.docx).

Each template is an ordinary .docx with docxtpl (Jinja) tags, so a branch can restyle it in Word and upload
it on its settings page (see templates.py for the fields every template may use). The layout is the usual
one of an official letter: the branch's block and the outgoing number and date top left, the addressee block
top right, the salutation, the text, the signature (position left, name right). The Kazakh and Russian
texts are written each in its own language's official style, not translated word for word; the Kazakh text
puts dates after a colon or in brackets, so no case ending is needed after a date.
Run `flask letters build-templates` after changing this module.
"""

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

TEMPLATE_DIR = Path(__file__).resolve().parent / "docx"
LANGUAGES = ("kk", "ru")
KINDS = ("answer", "extension_notice", "forwarding", "copy_notice")

#: The head of every letter: the outgoing number and date, and the reference to the appeal.
HEAD = {
    "ru": {
        "outgoing": "Исх. № {{ number }} от {{ date }}",
        "reference": "На № {{ appeal_number }} от {{ appeal_date }}",
    },
    "kk": {
        "outgoing": "Шығ. № {{ number }}, {{ date }}",
        "reference": "Тіркеу № {{ appeal_number }}, {{ appeal_date }}",
    },
}

#: The text of each kind of letter, paragraph by paragraph (Jinja), in each language.
TEXTS = {
    ("answer", "ru"): [
        "Ваше обращение, зарегистрированное {{ appeal_date }} за № {{ appeal_number }}, по вопросу «{{ appeal_summary }}» рассмотрено.",
        "{% if rejected %}По результатам рассмотрения в удовлетворении обращения отказано по следующим основаниям.{% else %}По результатам рассмотрения сообщаем следующее.{% endif %}",
        "@decision",
        "Порядок обжалования. В случае несогласия с настоящим решением Вы вправе:",
        "1) подать жалобу {{ complaint_to }} в течение {{ complaint_term }} со дня, когда Вам стало известно о решении (статья {{ complaint_article }} Административного процедурно-процессуального кодекса Республики Казахстан);",
        "2) обратиться в суд с иском в порядке административного судопроизводства в течение {{ claim_term }} со дня получения решения по жалобе (статья {{ claim_article }} Административного процедурно-процессуального кодекса Республики Казахстан).",
    ],
    ("answer", "kk"): [
        "Сіздің «{{ appeal_summary }}» мәселесі бойынша өтінішіңіз (тіркеу нөмірі: {{ appeal_number }}, тіркелген күні: {{ appeal_date }}) қаралды.",
        "{% if rejected %}Қарау нәтижесінде өтінішіңізді қанағаттандырудан төмендегі негіздер бойынша бас тартылды.{% else %}Қарау нәтижесі бойынша мынаны хабарлаймыз.{% endif %}",
        "@decision",
        "Шағымдану тәртібі. Осы шешіммен келіспеген жағдайда Сіз:",
        "1) шешім туралы өзіңізге белгілі болған күннен бастап {{ complaint_term }} ішінде {{ complaint_to }} шағым беруге (Қазақстан Республикасы Әкімшілік рәсімдік-процестік кодексінің {{ complaint_article }}-бабы);",
        "2) шағым бойынша шешімді алған күннен бастап {{ claim_term }} ішінде әкімшілік сот ісін жүргізу тәртібімен сотқа талап арыз беруге (Қазақстан Республикасы Әкімшілік рәсімдік-процестік кодексінің {{ claim_article }}-бабы) құқылысыз.",
    ],
    ("extension_notice", "ru"): [
        "Уведомляем Вас, что срок рассмотрения Вашего обращения, зарегистрированного {{ appeal_date }} за № {{ appeal_number }}, по вопросу «{{ appeal_summary }}» продлен.",
        "Причина продления: {{ reason }}",
        "Новый срок рассмотрения обращения — до {{ new_deadline }} включительно.",
        "О результатах рассмотрения Вам будет сообщено письменно.",
    ],
    ("extension_notice", "kk"): [
        "Сіздің «{{ appeal_summary }}» мәселесі бойынша өтінішіңізді (тіркеу нөмірі: {{ appeal_number }}, тіркелген күні: {{ appeal_date }}) қарау мерзімі ұзартылғанын хабарлаймыз.",
        "Мерзімді ұзарту себебі: {{ reason }}",
        "Өтінішті қараудың жаңа мерзімі: {{ new_deadline }} (осы күнді қоса алғанда).",
        "Қарау нәтижесі туралы Сізге жазбаша хабарланады.",
    ],
    ("forwarding", "ru"): [
        "Направляем по компетенции обращение по вопросу «{{ appeal_summary }}», поступившее в наш филиал (рег. № {{ appeal_number }} от {{ appeal_date }}, заявитель: {{ applicant }}).",
        "Основание направления: {{ reason }}",
        "Просим рассмотреть обращение в срок, установленный законодательством Республики Казахстан, и направить ответ заявителю{% if not anonymous %} с уведомлением нашего филиала{% endif %}. {% if not anonymous %} Заявитель уведомлен о направлении обращения.{% endif %}",
    ],
    ("forwarding", "kk"): [
        "Біздің филиалға келіп түскен «{{ appeal_summary }}» мәселесі бойынша өтінішті (тіркеу нөмірі: {{ appeal_number }}, тіркелген күні: {{ appeal_date }}, өтініш беруші: {{ applicant }}) құзыретіңізге сәйкес қарау үшін жолдаймыз.",
        "Жолдау негізі: {{ reason }}",
        "Өтінішті Қазақстан Республикасының заңнамасында белгіленген мерзімде қарап, жауабын өтініш берушіге{% if not anonymous %} біздің филиалды хабардар ете отырып{% endif %} жіберуіңізді сұраймыз. {% if not anonymous %} Өтініш беруші өтініштің жолданғаны туралы хабардар етілді.{% endif %}",
    ],
    ("copy_notice", "ru"): [
        "Уведомляем Вас, что Ваше обращение, зарегистрированное {{ appeal_date }} за № {{ appeal_number }}, по вопросу «{{ appeal_summary }}» направлено по компетенции в {{ body_name }} (исх. № {{ forwarding_number }} от {{ forwarding_date }}).",
        "Причина: {{ reason }}",
        "Ответ на обращение Вам направит {{ body_name }} в срок, установленный законодательством.",
    ],
    ("copy_notice", "kk"): [
        "Сіздің «{{ appeal_summary }}» мәселесі бойынша өтінішіңіз (тіркеу нөмірі: {{ appeal_number }}, тіркелген күні: {{ appeal_date }}) құзыретіне сәйкес қарау үшін мына органға жолданғанын хабарлаймыз: {{ body_name }} (шығ. № {{ forwarding_number }}, {{ forwarding_date }}).",
        "Себебі: {{ reason }}",
        "Өтінішіңізге жауапты аталған орган заңнамада белгіленген мерзімде береді.",
    ],
}

#: The annex of the forwarding letter: the appeal's particulars, its text and its files.
ANNEX = {
    "ru": {
        "title": "Приложение: обращение № {{ appeal_number }}",
        "rows": [
            ("Регистрационный номер", "{{ appeal_number }}"),
            ("Дата регистрации", "{{ appeal_date }}"),
            ("Заявитель", "{{ applicant }}"),
            ("Адрес заявителя", "{{ applicant_address }}"),
            ("Тема", "{{ topic }}"),
            ("Краткое содержание", "{{ appeal_summary }}"),
        ],
        "text": "Текст обращения:",
        "files": "Файлы обращения ({{ files|length }}):",
        "no_files": "Файлов к обращению не приложено.",
    },
    "kk": {
        "title": "Қосымша: № {{ appeal_number }} өтініш",
        "rows": [
            ("Тіркеу нөмірі", "{{ appeal_number }}"),
            ("Тіркелген күні", "{{ appeal_date }}"),
            ("Өтініш беруші", "{{ applicant }}"),
            ("Өтініш берушінің мекенжайы", "{{ applicant_address }}"),
            ("Тақырыбы", "{{ topic }}"),
            ("Қысқаша мазмұны", "{{ appeal_summary }}"),
        ],
        "text": "Өтініштің мәтіні:",
        "files": "Өтінішке қоса берілген файлдар ({{ files|length }}):",
        "no_files": "Өтінішке файл қоса берілмеген.",
    },
}


def _paragraph(doc, text: str = "", *, align=None, bold=False, indent_left=None, space_after=None, first_line=None):
    p = doc.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold = bold
    if align is not None:
        p.alignment = align
    if indent_left is not None:
        p.paragraph_format.left_indent = indent_left
    if first_line is not None:
        p.paragraph_format.first_line_indent = first_line
    if space_after is not None:
        p.paragraph_format.space_after = space_after
    return p


def build(kind: str, language: str) -> Document:
    """The template of one kind of letter in one language."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(13)
    normal.paragraph_format.space_after = Pt(0)

    _paragraph(doc, "{{ branch_name }}", bold=True)
    _paragraph(doc, "{{ branch_address }}{% if branch_phone %}, {{ branch_phone }}{% endif %}", space_after=Pt(6))
    _paragraph(doc, HEAD[language]["outgoing"], space_after=Pt(0 if kind != "forwarding" else 12))
    if kind != "forwarding":  # a reply to the citizen names their appeal; the forwarding letter is no reply
        _paragraph(doc, HEAD[language]["reference"], space_after=Pt(12))
    block = Cm(8.5)  # the addressee block sits in the right half of the page
    if kind == "forwarding":
        _paragraph(doc, "{% if addressee_title %}{{ addressee_title }}{% endif %}", indent_left=block, bold=True)
        _paragraph(doc, "{{ body_name }}", indent_left=block, bold=True)
        _paragraph(doc, "{{ body_head_name }}", indent_left=block, space_after=Pt(18))
    else:
        _paragraph(doc, "{{ addressee_name }}", indent_left=block, bold=True)
        _paragraph(doc, "{{ addressee_address }}", indent_left=block, space_after=Pt(18))
        _paragraph(doc, "{{ salutation }}", align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(12))
    for text in TEXTS[(kind, language)]:
        if text == "@decision":
            _paragraph(doc, "{%p for paragraph in decision_paragraphs %}")
            _paragraph(doc, "{{ paragraph }}", align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=Cm(1.25), space_after=Pt(6))
            _paragraph(doc, "{%p endfor %}")
        else:
            _paragraph(doc, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=Cm(1.25), space_after=Pt(6))
    if kind == "forwarding":
        _paragraph(doc, "{{ annex_line }}", first_line=Cm(1.25), space_after=Pt(6))

    _paragraph(doc, "", space_after=Pt(18))
    signature = doc.add_table(rows=1, cols=2)
    cells = signature.rows[0].cells
    cells[0].text = "{{ signer_position }}"
    cells[1].text = "{{ signer_name }}"
    cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    cells[1].paragraphs[0].runs[0].bold = True

    if kind == "forwarding":
        annex = ANNEX[language]
        doc.add_page_break()
        _paragraph(doc, annex["title"], bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(12))
        table = doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, value in annex["rows"]:
            row = table.add_row().cells
            row[0].text, row[1].text = label, value
        _paragraph(doc, "", space_after=Pt(6))
        _paragraph(doc, annex["text"], bold=True, space_after=Pt(6))
        _paragraph(doc, "{%p for paragraph in appeal_paragraphs %}")
        _paragraph(doc, "{{ paragraph }}", align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=Cm(1.25), space_after=Pt(6))
        _paragraph(doc, "{%p endfor %}")
        _paragraph(doc, "{%p if files %}")
        _paragraph(doc, annex["files"], bold=True, space_after=Pt(6))
        _paragraph(doc, "{%p for f in files %}")
        _paragraph(doc, "{{ loop.index }}. {{ f }}")
        _paragraph(doc, "{%p endfor %}")
        _paragraph(doc, "{%p else %}")
        _paragraph(doc, annex["no_files"])
        _paragraph(doc, "{%p endif %}")
    return doc


def template_path(kind: str, language: str, folder: Path = TEMPLATE_DIR) -> Path:
    return folder / f"{kind}_{language}.docx"


def build_all(folder: Path = TEMPLATE_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        for language in LANGUAGES:
            path = template_path(kind, language, folder)
            build(kind, language).save(path)
            written.append(path)
    return written
