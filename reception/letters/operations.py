"""Issuing letters: the next number of the branch's outgoing register, the Word document from the template
(the branch's own, or the shipped one), the PDF by a job, and the letter's way to the citizen.

A letter is made inside the transaction of the step it belongs to (the decision, the extension, the
forwarding), so the step and its letter are committed together or not at all: a rolled-back step leaves no
letter and no gap in the register (the counter's increment is rolled back with it).
"""

import logging
from datetime import date
from functools import lru_cache

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ..accounts.models import User
from ..appeals import deadlines
from ..appeals.models import Appeal, AppealEvent
from ..audit.log import audit
from ..dbtypes import utcnow
from ..directory.models import Branch, GovernmentBody
from ..documents import cases, render
from ..documents.convert import ConversionFailed, ConversionUnavailable, docx_to_pdf
from ..documents.mandates import mandate
from ..extensions import db
from ..i18n import localized
from ..jobs.queues import enqueue_after_commit
from .letter_template import LANGUAGES, template_path
from .models import LetterCounter, LetterKind, LetterTemplate, OutgoingLetter, PdfStatus

logger = logging.getLogger(__name__)

#: The PDF job, by name (see jobs.queues.job_name), and the seconds it may run (LibreOffice starts slowly).
PDF_JOB = "reception.letters.tasks.make_letter_pdf"
PDF_JOB_TIMEOUT = 300
DOCX_TYPE = render.DOCX_TYPE

# --- the outgoing register --------------------------------------------------------------------------------


def next_letter_sequence(branch_id: int, year: int) -> int:
    """The next number of a branch's outgoing register in a year, inside the caller's transaction.

    One upsert increments the counter row and returns the new value; a concurrent transaction waits on the
    row's lock until this one ends, so no two letters share a number, and a rollback takes the increment
    back with the letter, so no number is skipped.
    """
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(LetterCounter).values(branch_id=branch_id, year=year, last_value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["branch_id", "year"], set_={"last_value": LetterCounter.last_value + 1}
    ).returning(LetterCounter.last_value)
    return db.session.execute(stmt).scalar_one()


def letter_number(branch: Branch, year: int, sequence: int) -> str:
    """ "ALM-03/2026/ш-000012": the branch, the year, the register's mark (LETTER_NUMBER_MARK) and the sequence."""
    return f"{branch.code}/{year}/{current_app.config['LETTER_NUMBER_MARK']}-{sequence:06d}"


# --- what a letter says --------------------------------------------------------------------------------------


_MONTHS = {
    "ru": {1: "одного месяца", 2: "двух месяцев", 3: "трех месяцев", 6: "шести месяцев", 12: "двенадцати месяцев"},
    "kk": {1: "бір ай", 2: "екі ай", 3: "үш ай", 6: "алты ай", 12: "он екі ай"},
}


def months_words(months: int, language: str) -> str:
    """ "трех месяцев" / "үш ай": a term as the letter's sentence needs it."""
    known = _MONTHS[language].get(months)
    if known:
        return known
    return f"{months} мес." if language == "ru" else f"{months} ай"


def salutation(full_name: str, language: str) -> str:
    """ "Уважаемая Айгуль Болатовна!" / "Құрметті Айгуль Болатовна!" from "Surname Name Patronymic"."""
    parts = full_name.split()
    called = " ".join(parts[1:]) if len(parts) >= 2 else full_name
    if not called:
        return ""
    if language == "kk":
        return f"Құрметті {called}!"
    female = parts[-1].endswith(("вна", "кызы", "қызы")) if parts else False
    return f"{'Уважаемая' if female else 'Уважаемый'} {called}!"


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n") if p.strip()]


_ANONYMOUS = {"ru": "не указан (анонимное обращение)", "kk": "көрсетілмеген (жасырын өтініш)"}
_ANNEX_LINE = {
    "ru": "Приложение: обращение № {number} (текст и сведения о заявителе){files}.",
    "kk": "Қосымша: № {number} өтініш (мәтіні және өтініш беруші туралы мәліметтер){files}.",
}
_ANNEX_FILES = {"ru": ", перечень приложенных файлов: {n}", "kk": ", қоса берілген файлдар тізбесі: {n}"}
_COMPLAINT_TO = {
    "ru": "в вышестоящий орган (вышестоящему должностному лицу) – {higher} –",
    "kk": "жоғары тұрған органға (лауазымды адамға) – {higher} –",
}


def letter_language(appeal: Appeal) -> str:
    return appeal.language if appeal.language in LANGUAGES else "ru"


def context(
    appeal: Appeal,
    kind: LetterKind,
    *,
    number: str,
    letter_date: date,
    language: str,
    signer_name: str,
    signer_position: str,
    comment: str = "",
    rejected: bool = False,
    body: GovernmentBody | None = None,
    forwarding: OutgoingLetter | None = None,
) -> dict:
    """Everything a letter's template may use, in the letter's language (see the branch templates page)."""
    config = current_app.config
    citizen = appeal.citizen
    branch = appeal.branch
    higher = branch.parent if branch.parent is not None else branch
    files = [a.filename for a in appeal.attachments if a.event_id is None]
    applicant = citizen.full_name if citizen is not None else _ANONYMOUS[language]
    target = body or appeal.redirected_to
    return {
        "number": number,
        "date": letter_date.strftime("%d.%m.%Y"),
        "language": language,
        "branch_name": localized(branch, "name", language),
        "branch_address": localized(branch, "address", language),
        "branch_phone": branch.phone,
        "addressee_name": applicant if citizen is not None else "",
        "addressee_address": citizen.address if citizen is not None else "",
        "salutation": salutation(citizen.full_name, language) if citizen is not None else "",
        "anonymous": citizen is None,
        "applicant": applicant,
        "applicant_address": (citizen.address or "—") if citizen is not None else "—",
        "appeal_number": appeal.registration_number,
        "appeal_date": deadlines.local_date(appeal.registered_dt).strftime("%d.%m.%Y"),
        "appeal_summary": appeal.summary,
        "appeal_paragraphs": paragraphs(appeal.text),
        "topic": localized(appeal.topic, "name", language),
        "files": files,
        "decision_paragraphs": paragraphs(comment),
        "reason": comment.strip(),
        "rejected": rejected,
        "new_deadline": appeal.deadline.strftime("%d.%m.%Y"),
        "complaint_to": _COMPLAINT_TO[language].format(higher=localized(higher, "name", language)),
        "complaint_term": months_words(config["LETTER_COMPLAINT_MONTHS"], language),
        "complaint_article": config["LETTER_COMPLAINT_ARTICLE"],
        "claim_term": months_words(config["LETTER_CLAIM_MONTHS"], language),
        "claim_article": config["LETTER_CLAIM_ARTICLE"],
        "body_name": localized(target, "name", language) if target is not None else "",
        "addressee_title": localized(target, "head_title", language) if target is not None else "",
        "body_head_name": localized(target, "head_name", language) if target is not None else "",
        "forwarding_number": forwarding.number if forwarding is not None else "",
        "forwarding_date": forwarding.letter_date.strftime("%d.%m.%Y") if forwarding is not None else "",
        "annex_line": _ANNEX_LINE[language].format(
            number=appeal.registration_number,
            files=_ANNEX_FILES[language].format(n=len(files)) if files else "",
        ),
        "signer_name": signer_name,
        "signer_position": signer_position,
    }


# --- the template and the document ---------------------------------------------------------------------------


@lru_cache(maxsize=16)
def shipped_template(kind: str, language: str) -> bytes:
    return template_path(kind, language).read_bytes()


def branch_template(branch_id: int, kind: LetterKind, language: str) -> LetterTemplate | None:
    return db.session.scalar(
        select(LetterTemplate).where(
            LetterTemplate.branch_id == branch_id, LetterTemplate.kind == kind, LetterTemplate.language == language
        )
    )


TITLES = {
    LetterKind.answer: {"ru": "Ответ на обращение", "kk": "Өтінішке жауап"},
    LetterKind.extension_notice: {"ru": "Уведомление о продлении срока", "kk": "Мерзімді ұзарту туралы хабарлама"},
    LetterKind.forwarding: {"ru": "Направление обращения по компетенции", "kk": "Өтінішті құзыреті бойынша жолдау"},
    LetterKind.copy_notice: {
        "ru": "Уведомление о направлении обращения",
        "kk": "Өтініштің жолданғаны туралы хабарлама",
    },
}


# --- issuing ------------------------------------------------------------------------------------------------


def signature(user: User | None, language: str) -> tuple[str, str]:
    """Who signs, as the register keeps it: the full name, and the position in the letter's language — a deputy's
    mandate from the directory ("Депутат Мажилиса …" / "… Мәжілісінің депутаты"), staff's own position."""
    if user is None:
        return "", ""
    if user.deputy is not None:
        return user.full_name, mandate(user.deputy, language)
    return user.full_name, user.position_in(language)


def issue_letter(
    appeal: Appeal,
    kind: LetterKind,
    *,
    event: AppealEvent | None,
    user: User | None,
    comment: str = "",
    rejected: bool = False,
    body: GovernmentBody | None = None,
    forwarding: OutgoingLetter | None = None,
    recipient: str = "",
) -> OutgoingLetter:
    """Number, write and store a letter about `appeal`, signed by `user`; its PDF is made by a job after the
    commit. The caller commits."""
    language = letter_language(appeal)
    today = deadlines.local_date(utcnow())
    sequence = next_letter_sequence(appeal.branch_id, today.year)
    number = letter_number(appeal.branch, today.year, sequence)
    signer_name, signer_position = signature(user, language)
    values = context(
        appeal,
        kind,
        number=number,
        letter_date=today,
        language=language,
        signer_name=cases.ru_short_name(signer_name),
        signer_position=signer_position,
        comment=comment,
        rejected=rejected,
        body=body,
        forwarding=forwarding,
    )
    own = branch_template(appeal.branch_id, kind, language)
    properties = {"author": signer_name or values["branch_name"], "title": TITLES[kind][language], "language": language}
    content = None
    if own is not None:
        try:
            content = render.render_docx(own.content, values, **properties)
        except Exception as exc:
            # Checked at upload with sample data; should real data still break it, the decision must not fail:
            # the letter is made from the shipped template, and the log says whose template to fix.
            logger.warning(
                "branch %s template %s/%s failed, shipped one used: %s", appeal.branch_id, kind.value, language, exc
            )
            own = None
    if content is None:
        content = render.render_docx(shipped_template(kind.value, language), values, **properties)
    letter = OutgoingLetter(
        kind=kind,
        number=number,
        branch_id=appeal.branch_id,
        year=today.year,
        sequence=sequence,
        letter_date=today,
        language=language,
        appeal_id=appeal.id,
        event_id=event.id if event is not None else None,
        signer_id=user.id if user is not None else None,
        signer_name=signer_name,
        signer_position=signer_position,
        recipient=recipient or values["applicant"],
        template_id=own.id if own is not None else None,
        docx=content,
        pdf_status=PdfStatus.queued,
        created_by_id=user.id if user is not None else None,
    )
    db.session.add(letter)
    db.session.flush()
    enqueue_after_commit(PDF_JOB, letter.id, queue="documents", job_timeout=PDF_JOB_TIMEOUT)
    audit("letter.issue", appeal, user=user, details={"number": number, "kind": kind.value})
    logger.info("letter %s (%s) issued for appeal %s", number, kind.value, appeal.registration_number)
    return letter


def build_pdf(letter_id: int) -> OutgoingLetter | None:
    """Fill a letter's PDF from its DOCX (LibreOffice). Idempotent: a ready PDF is left alone."""
    letter = db.session.get(OutgoingLetter, letter_id)
    if letter is None or letter.pdf_status == PdfStatus.ready:
        return letter
    letter.pdf_status = PdfStatus.converting
    db.session.commit()  # a page polling the letter shows the step
    try:
        content = docx_to_pdf(letter.docx)
    except Exception as exc:
        # Whatever went wrong, the row must not stay "converting": the page would wait for ever.
        db.session.rollback()
        letter = db.session.get(OutgoingLetter, letter_id)
        letter.pdf_status, letter.pdf_error = PdfStatus.failed, str(exc)[:2000]
        db.session.commit()
        logger.warning("PDF of letter %s failed: %s", letter_id, exc)
        if not isinstance(exc, (ConversionFailed, ConversionUnavailable)):
            raise  # unexpected: rq keeps the traceback among failed jobs
        return letter
    letter.pdf, letter.pdf_status, letter.pdf_error = content, PdfStatus.ready, ""
    db.session.commit()
    return letter


# --- which letters a page shows ------------------------------------------------------------------------------


def letters_of(appeal_id: int) -> list[OutgoingLetter]:
    """The appeal's letters, oldest first, in one query (without their files' bytes)."""
    return list(
        db.session.scalars(
            select(OutgoingLetter).where(OutgoingLetter.appeal_id == appeal_id).order_by(OutgoingLetter.id)
        )
    )


def letters_by_event(appeal_id: int) -> dict[int, list[OutgoingLetter]]:
    """The appeal's letters grouped by their timeline step, for the appeal page."""
    grouped: dict[int, list[OutgoingLetter]] = {}
    for letter in letters_of(appeal_id):
        grouped.setdefault(letter.event_id or 0, []).append(letter)
    return grouped


def citizen_letters(appeal: Appeal) -> list[OutgoingLetter]:
    """The letters the citizen sees on the status page: those addressed to them, and the forwarding letter
    (it carries their own appeal to the body, and tells them what was sent on their behalf)."""
    if appeal.citizen_id is None:
        return []
    return letters_of(appeal.id)


def citizen_letter(appeal: Appeal, letter_id: int) -> OutgoingLetter | None:
    return next((letter for letter in citizen_letters(appeal) if letter.id == letter_id), None)
