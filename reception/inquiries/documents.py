"""The inquiry as a document: DOCX from the Word template (docxtpl), PDF from that DOCX (LibreOffice) or, where
LibreOffice is not installed, from an HTML rendering of the same letter (WeasyPrint); each generation is kept
as a numbered version.

A DOCX renders in well under a second, so it is made in the request. A PDF needs LibreOffice, which takes
seconds, so it is made by an rq job on the `documents` queue; the row's status is the progress the page shows.
"""

import logging
from functools import lru_cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..accounts.models import User
from ..appeals.deadlines import local_date
from ..audit.log import audit
from ..dbtypes import utcnow
from ..directory.models import Deputy
from ..documents import cases, render
from ..documents.convert import ConversionFailed, ConversionUnavailable, docx_to_pdf, soffice_path
from ..documents.mandates import mandate
from ..extensions import db
from ..i18n import localized
from ..jobs.queues import enqueue_after_commit
from . import operations as ops
from . import summaries
from .letter_template import TEMPLATE_DIR, WORDS
from .models import DocumentStatus, Inquiry, InquiryDocument, InquiryEvent

logger = logging.getLogger(__name__)

#: Seconds a PDF job may run before rq gives up on it (LibreOffice's first start is slow).
PDF_JOB_TIMEOUT = 300
#: The PDF job, by name (see jobs.queues.job_name).
PDF_JOB = "reception.inquiries.tasks.make_pdf"
DOCX_TYPE = render.DOCX_TYPE


@lru_cache(maxsize=2)
def _template_bytes(language: str) -> bytes:
    return (TEMPLATE_DIR / f"inquiry_{language}.docx").read_bytes()


def salutation(name: str, language: str) -> str:
    """ "Уважаемая Жанар Аскаровна!" / "Құрметті Жанар Асқарқызы!" from "Surname Name Patronymic"."""
    parts = name.split()
    called = " ".join(parts[1:]) if len(parts) >= 2 else name
    if not called:
        return ""
    if language == "kk":
        return f"Құрметті {called}!"
    return f"{'Уважаемая' if cases.ru_gender(name) == 'f' else 'Уважаемый'} {called}!"


def _by_kind(setting: str, deputy: Deputy, language: str) -> str:
    """A per-body-kind letter setting (INQUIRY_LEGAL_BASIS, INQUIRY_ANNOUNCED_AT) in `language`, "" if unset."""
    return (current_app.config[setting].get(deputy.body.kind.value) or {}).get(language, "")


def request_sentences(inquiry: Inquiry) -> dict[str, str]:
    """The letter's own sentences that depend on who signs: "прошу"/"просим" (сұраймын/сұраймыз) by the number of
    signers, the law the inquiry is made under, and where it is announced (a blank to fill until a date is known)."""
    language, many = inquiry.language, len(inquiry.deputies) > 1
    law = _by_kind("INQUIRY_LEGAL_BASIS", inquiry.author, language)
    where = _by_kind("INQUIRY_ANNOUNCED_AT", inquiry.author, language)
    announced = getattr(inquiry, "announced_date", None)  # recorded by the session's secretary, where the app has it
    if language == "kk":
        ask = "сұраймыз" if many else "сұраймын"
        legal = f"{law} сәйкес осы" if law else "Осы"
        return {
            "therefore": f"Жоғарыда баяндалғанның негізінде мыналарды {ask}:",
            "legal": f"{legal} депутаттық сауалды қарап, заңда белгіленген мерзімде жауап беруіңізді {ask}.",
            "announced": (
                f"{cases.kk_date(announced, 'locative')} {where} жарияланды."
                if announced
                else f"20__ жылғы «___» __________ {where} жарияланды."
            )
            if where
            else "",
        }
    ask = "просим" if many else "прошу"
    legal = f"Руководствуясь {law}, {ask}" if law else ask.capitalize()
    return {
        "therefore": f"На основании изложенного {ask}:",
        "legal": f"{legal} рассмотреть настоящий депутатский запрос и дать ответ в установленный законом срок.",
        "announced": (
            f"Оглашен на {where} {cases.ru_date(announced)}."
            if announced
            else f"Оглашен на {where} «___» __________ 20__ г."
        )
        if where
        else "",
    }


def context(inquiry: Inquiry) -> dict:
    """What the template is filled with; everything in the letter's language."""
    language = inquiry.language
    signers = [
        {"title": mandate(d, language), "body": "", "name": cases.ru_short_name(d.full_name)} for d in inquiry.deputies
    ]
    appeals = [
        {
            "number": a.registration_number,
            "date": local_date(a.registered_dt).strftime("%d.%m.%Y"),
            "place": localized(a.district, "name", language)
            if a.district
            else (localized(a.region, "name", language) if a.region else ""),
            "topic": localized(a.topic, "name", language),
            "people": 1 + (a.cosigners or 0),
        }
        for a in inquiry.appeals
    ]
    sent = inquiry.sent_date.strftime("%d.%m.%Y") if inquiry.sent_date else ""
    title, name = inquiry.addressee_title, inquiry.addressee_name
    if (title, name) == (
        localized(inquiry.addressee, "head_title", language),
        localized(inquiry.addressee, "head_name", language),
    ):
        # A draft made before letters addressed people in the dative holds the directory's plain forms.
        title, name = ops.addressee_lines(inquiry.addressee, language)
    return {
        "outgoing_number": inquiry.outgoing_number,
        "sent_date": sent,
        "addressee_title": title,
        "addressee_name": name,
        "addressee_body": localized(inquiry.addressee, "name", language),
        "subject": inquiry.subject,
        # The greeting names the person in the nominative, which only the directory has in full.
        "salutation": salutation(localized(inquiry.addressee, "head_name", language), language),
        "paragraphs": [p.strip() for p in inquiry.body.split("\n\n") if p.strip()],
        "actions": inquiry.actions,
        "signers": signers,
        "appeals": appeals,
        "words": WORDS[language],
        "language": language,
        **request_sentences(inquiry),
    }


def render_docx(inquiry: Inquiry) -> bytes:
    """The letter, its file's properties naming the signing deputy as author and today as created."""
    return render.render_docx(
        _template_bytes(inquiry.language),
        context(inquiry),
        author=inquiry.author.full_name,
        title=inquiry.subject,
        language=inquiry.language,
    )


def _next_number(inquiry: Inquiry) -> int:
    current = db.session.scalar(
        select(func.max(InquiryDocument.number)).where(InquiryDocument.inquiry_id == inquiry.id)
    )
    return (current or 0) + 1


def generate(inquiry: Inquiry, *, user: User, pdf: bool = False) -> list[InquiryDocument]:
    """A new numbered version: the DOCX now, and (if asked) its PDF by a job after the commit. Refused while an
    appeal in the other language has no summary in the letter's language."""
    summaries.check_summaries(inquiry)
    number = _next_number(inquiry)
    content = render_docx(inquiry)
    docx = InquiryDocument(
        inquiry=inquiry,
        number=number,
        format="docx",
        status=DocumentStatus.ready,
        content=content,
        size=len(content),
        created_by_id=user.id,
        finished_dt=utcnow(),
    )
    made = [docx]
    db.session.add(docx)
    if pdf:
        pdf_row = InquiryDocument(
            inquiry=inquiry, number=number, format="pdf", status=DocumentStatus.queued, created_by_id=user.id
        )
        db.session.add(pdf_row)
        made.append(pdf_row)
    db.session.flush()
    if pdf:
        enqueue_after_commit(PDF_JOB, made[1].id, queue="documents", job_timeout=PDF_JOB_TIMEOUT)
    inquiry.events.append(
        InquiryEvent(kind="document", user_id=user.id, comment=str(_l("Version %(number)d generated.", number=number)))
    )
    audit("inquiry.document", inquiry, user=user, details={"version": number, "pdf": pdf})
    return made


def retry_pdf(document: InquiryDocument) -> None:
    """Queue a failed (or stuck) PDF again."""
    document.status, document.error = DocumentStatus.queued, ""
    enqueue_after_commit(PDF_JOB, document.id, queue="documents", job_timeout=PDF_JOB_TIMEOUT)


def build_pdf(document_id: int) -> InquiryDocument | None:
    """Fill a queued PDF row: its DOCX sibling converted by LibreOffice. Idempotent: a ready row is left alone."""
    document = db.session.get(InquiryDocument, document_id)
    if document is None or document.status == DocumentStatus.ready:
        return document
    document.status = DocumentStatus.converting
    db.session.commit()  # the page polling the row shows the step
    source = db.session.scalar(
        select(InquiryDocument).where(
            InquiryDocument.inquiry_id == document.inquiry_id,
            InquiryDocument.number == document.number,
            InquiryDocument.format == "docx",
        )
    )
    try:
        if source is None or source.content is None:
            raise ConversionFailed("the DOCX of this version is missing")
        content = render_pdf(document.inquiry, source.content)
    except Exception as exc:
        # Whatever went wrong, the row must not stay "converting": the page would wait for ever.
        db.session.rollback()
        document = db.session.get(InquiryDocument, document_id)
        document.status, document.error, document.finished_dt = DocumentStatus.failed, str(exc)[:2000], utcnow()
        db.session.commit()
        logger.warning("PDF of inquiry %s v%s failed: %s", document.inquiry_id, document.number, exc)
        if not isinstance(exc, (ConversionFailed, ConversionUnavailable)):
            raise  # unexpected: rq keeps the traceback among failed jobs
        return document
    document.content, document.size = content, len(content)
    document.status, document.finished_dt = DocumentStatus.ready, utcnow()
    db.session.commit()
    return document


def pdf_converter() -> str:
    """ "libreoffice" or "weasyprint": PDF_CONVERTER, where "auto" takes LibreOffice when it is installed."""
    choice = current_app.config["PDF_CONVERTER"]
    if choice == "auto":
        return "libreoffice" if soffice_path() else "weasyprint"
    return choice


def render_pdf(inquiry: Inquiry, docx: bytes) -> bytes:
    """The PDF of a version: LibreOffice renders the very DOCX; WeasyPrint renders the same letter from HTML."""
    if pdf_converter() == "libreoffice":
        return docx_to_pdf(docx)
    from weasyprint import HTML  # imported late: it loads Pango, which only this path needs

    # The template alone, without the app's context processors: a worker has no request or signed-in user.
    html = current_app.jinja_env.get_template("inquiries/letter.html").render(**context(inquiry))
    try:
        return HTML(string=html).write_pdf()
    except Exception as exc:  # WeasyPrint raises many kinds; the row records the message
        raise ConversionFailed(f"WeasyPrint failed: {exc}") from exc
