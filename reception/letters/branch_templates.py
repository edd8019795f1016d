"""A branch's own Word templates: checked at upload by filling them with sample data, so a broken one is refused
with a clear message then, and never fails a letter later."""

import io
import zipfile
from datetime import date

from docxtpl import DocxTemplate
from flask_babel import lazy_gettext as _l
from jinja2 import Environment, StrictUndefined, TemplateError
from sqlalchemy import select

from ..audit.log import audit
from ..dbtypes import utcnow
from ..directory.models import Branch
from ..errors import Refused
from ..extensions import db
from .letter_template import LANGUAGES, TEXTS
from .models import LetterKind, LetterTemplate

#: The largest template accepted (a letterhead with a logo is a few hundred kilobytes).
MAX_TEMPLATE_BYTES = 2 * 1024 * 1024


class TemplateRejected(Refused):
    """An uploaded template that cannot make letters, with the reason shown at the file field."""

    status = 400


def sample_context(kind: LetterKind, language: str) -> dict:
    """Every field a letter's template may use, filled with plausible values (see the templates page)."""
    day = date(2026, 8, 18).strftime("%d.%m.%Y")
    return {
        "number": "ALM-03/2026/ш-000012",
        "date": day,
        "language": language,
        "branch_name": "Қоғамдық қабылдау бөлмесі" if language == "kk" else "Общественная приемная",
        "branch_address": "Алматы, Абай даңғылы, 1" if language == "kk" else "Алматы, пр. Абая, 1",
        "branch_phone": "+77270000000",
        "addressee_name": "Сейткали Айгуль Болатовна",
        "addressee_address": "Алматы, Төле би көшесі, 5",
        "salutation": "Құрметті Айгуль Болатовна!" if language == "kk" else "Уважаемая Айгуль Болатовна!",
        "anonymous": False,
        "applicant": "Сейткали Айгуль Болатовна",
        "applicant_address": "Алматы, Төле би көшесі, 5",
        "appeal_number": "ALM-03/2026/000153",
        "appeal_date": day,
        "appeal_summary": "Су жоқ" if language == "kk" else "Нет воды",
        "appeal_paragraphs": ["…"],
        "topic": "ТКШ" if language == "kk" else "ЖКХ",
        "files": ["photo.pdf"],
        "decision_paragraphs": ["…"],
        "reason": "…",
        "rejected": kind == LetterKind.answer,
        "new_deadline": day,
        "complaint_to": "…",
        "complaint_term": "үш ай" if language == "kk" else "трех месяцев",
        "complaint_article": "92",
        "claim_term": "бір ай" if language == "kk" else "одного месяца",
        "claim_article": "136",
        "body_name": "Алматы қаласының әкімдігі" if language == "kk" else "Акимат города Алматы",
        "addressee_title": "Әкім" if language == "kk" else "Аким",
        "body_head_name": "…",
        "forwarding_number": "ALM-03/2026/ш-000011",
        "forwarding_date": day,
        "annex_line": "…",
        "signer_name": "Жумабаев Ерлан Маратович",
        "signer_position": "Филиал басшысы" if language == "kk" else "Руководитель филиала",
    }


#: The fields, as the templates page lists them.
FIELDS = tuple(sample_context(LetterKind.answer, "ru"))


def check_template(content: bytes, kind: LetterKind, language: str) -> None:
    """Refuse a file that is not a Word document, cannot be filled with the letter's fields, or would not print
    the letter's number."""
    if len(content) > MAX_TEMPLATE_BYTES:
        raise TemplateRejected(_l("The template is larger than 2 MB."))
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise TemplateRejected(_l("This is not a Word document (.docx)."))
    sample = sample_context(kind, language)
    try:
        document = DocxTemplate(io.BytesIO(content))
        # Strict: a misspelt field is an error now, not an empty gap in every letter.
        document.render(sample, jinja_env=Environment(undefined=StrictUndefined, autoescape=True))
        out = io.BytesIO()
        document.save(out)
    except TemplateError as exc:
        raise TemplateRejected(_l("The template has an error in its fields: %(error)s", error=str(exc))) from exc
    except Exception as exc:  # a damaged or non-Word zip: python-docx and lxml raise many kinds
        raise TemplateRejected(_l("The file cannot be read as a Word template (%(error)s).", error=str(exc))) from exc
    text = _document_text(out.getvalue())
    if sample["number"] not in text:
        raise TemplateRejected(_l("The template must print the letter's number: put {{ number }} in it."))


def _document_text(content: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.header.paragraphs)
    return "\n".join(parts)


def save_template(
    branch: Branch, kind: LetterKind, language: str, *, filename: str, content: bytes, user
) -> LetterTemplate:
    """Check and store the branch's template for `kind` in `language`, replacing its previous one."""
    if language not in LANGUAGES or (kind.value, language) not in TEXTS:
        raise TemplateRejected(_l("Choose the letter and its language."))
    check_template(content, kind, language)
    row = db.session.scalar(
        select(LetterTemplate).where(
            LetterTemplate.branch_id == branch.id, LetterTemplate.kind == kind, LetterTemplate.language == language
        )
    )
    if row is None:
        row = LetterTemplate(branch_id=branch.id, kind=kind, language=language)
        db.session.add(row)
    row.filename, row.content = filename[:255] or "template.docx", content
    row.uploaded_dt, row.uploaded_by_id = utcnow(), user.id
    db.session.flush()
    audit("letter.template", branch, user=user, details={"kind": kind.value, "language": language})
    return row


def remove_template(row: LetterTemplate, *, user) -> None:
    """Go back to the shipped template (letters already made keep their files)."""
    audit("letter.template_removed", user=user, details={"kind": row.kind.value, "language": row.language})
    db.session.delete(row)


def templates_of(branch: Branch) -> dict[tuple[str, str], LetterTemplate]:
    rows = db.session.scalars(select(LetterTemplate).where(LetterTemplate.branch_id == branch.id))
    return {(r.kind.value, r.language): r for r in rows}
