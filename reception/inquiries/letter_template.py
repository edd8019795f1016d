"""Builds the two Word templates of the inquiry letter (reception/inquiries/docx/inquiry_{kk,ru}.docx).

The templates are ordinary .docx files with docxtpl (Jinja) tags, so an office can restyle them in Word and
drop them in place; this module writes the shipped ones, in the usual form of an official letter: outgoing
number and date top left, the addressee block top right, the title, the subject, the body, the requested
actions, the request to answer in the legal time, the signatures, and the list of appeals as an annex.
Run `flask inquiries build-templates` after changing it.
"""

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

TEMPLATE_DIR = Path(__file__).resolve().parent / "docx"

#: The fixed words of the letter in each language (the sentences that depend on the signers, the law and the
#: session come from documents.request_sentences: "therefore", "legal", "announced").
WORDS = {
    "ru": {
        "outgoing": "Исх. №",
        "of": "от",
        "blank_date": "«___» __________ 20__ г.",
        "title": "ДЕПУТАТСКИЙ ЗАПРОС",
        "annex": "Приложение: перечень обращений граждан",
        "number": "Рег. номер",
        "date": "Дата",
        "place": "Место",
        "topic": "Тема",
        "people": "Заявителей",
    },
    "kk": {
        "outgoing": "Шығ. №",
        "of": "",
        "blank_date": "20__ ж. «___» __________",
        "title": "ДЕПУТАТТЫҚ САУАЛ",
        "annex": "Қосымша: азаматтардың өтініштерінің тізбесі",
        "number": "Тірк. нөмірі",
        "date": "Күні",
        "place": "Орны",
        "topic": "Тақырыбы",
        "people": "Өтініш берушілер",
    },
}


def _paragraph(
    doc, text: str = "", *, align=None, bold=False, italic=False, indent_left=None, space_after=None, first_line=None
):
    p = doc.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
    if align is not None:
        p.alignment = align
    if indent_left is not None:
        p.paragraph_format.left_indent = indent_left
    if first_line is not None:
        p.paragraph_format.first_line_indent = first_line
    if space_after is not None:
        p.paragraph_format.space_after = space_after
    return p


def build(language: str) -> Document:
    words = WORDS[language]
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(14)
    normal.paragraph_format.space_after = Pt(0)

    of = f" {words['of']} " if words["of"] else " "
    _paragraph(
        doc,
        f"{words['outgoing']} {{{{ outgoing_number or '______' }}}}{of}{{{{ sent_date or '{words['blank_date']}' }}}}",
        space_after=Pt(12),
    )
    block = Cm(8.5)  # the addressee block sits in the right half of the page
    # As official letters address people: "Министру ... Республики Казахстан / Касымовой Ж.А." (the title names
    # the body), "Қазақстан Республикасының ... министрі / Ж.А. Қасымоваға".
    _paragraph(doc, "{{ addressee_title }}", indent_left=block, bold=True)
    _paragraph(doc, "{{ addressee_name }}", indent_left=block, bold=True, space_after=Pt(18))
    _paragraph(doc, words["title"], align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    _paragraph(doc, "{{ subject }}", align=WD_ALIGN_PARAGRAPH.CENTER, italic=True, space_after=Pt(12))
    _paragraph(doc, "{{ salutation }}", align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(12))
    _paragraph(doc, "{%p for paragraph in paragraphs %}")
    _paragraph(doc, "{{ paragraph }}", align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=Cm(1.25), space_after=Pt(6))
    _paragraph(doc, "{%p endfor %}")
    _paragraph(doc, "{{ therefore }}", first_line=Cm(1.25), space_after=Pt(6))
    _paragraph(doc, "{%p for action in actions %}")
    _paragraph(doc, "{{ loop.index }}. {{ action }}", align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=Cm(1.25))
    _paragraph(doc, "{%p endfor %}")
    _paragraph(doc, "{{ legal }}", align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=Cm(1.25), space_after=Pt(24))

    signatures = doc.add_table(rows=1, cols=2)
    signatures.alignment = WD_TABLE_ALIGNMENT.CENTER
    row = signatures.rows[0].cells
    row[0].text = "{%tr for s in signers %}"
    signatures.add_row()
    cells = signatures.rows[1].cells
    cells[0].text = "{{ s.title }}"
    cells[0].paragraphs[0].runs[0].bold = True
    cells[1].text = "{{ s.name }}"
    cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    cells[1].paragraphs[0].runs[0].bold = True
    signatures.add_row().cells[0].text = "{%tr endfor %}"

    # Where the inquiry was announced (a plenary session, a maslikhat's session): a blank until the date is known.
    _paragraph(doc, "{{ announced }}", italic=True, space_after=Pt(12))
    _paragraph(doc, "")
    _paragraph(doc, f"{words['annex']} ({{{{ appeals|length }}}})", bold=True, space_after=Pt(6))
    annex = doc.add_table(rows=3, cols=5)
    annex.style = "Table Grid"
    for cell, key in zip(annex.rows[0].cells, ("number", "date", "place", "topic", "people"), strict=False):
        cell.text = words[key]
        cell.paragraphs[0].runs[0].bold = True
    annex.rows[1].cells[0].text = "{%tr for a in appeals %}"
    for cell, key in zip(annex.rows[2].cells, ("number", "date", "place", "topic", "people"), strict=False):
        cell.text = f"{{{{ a.{key} }}}}"
    annex.add_row().cells[0].text = "{%tr endfor %}"
    for row in annex.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(10)
    return doc


def build_all(folder: Path = TEMPLATE_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for language in WORDS:
        path = folder / f"inquiry_{language}.docx"
        build(language).save(path)
        written.append(path)
    return written
