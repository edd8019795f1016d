"""Appeals retold in the letter's language: a citizen who wrote in Russian is told in Kazakh in a Kazakh letter
(and the other way round) by the deputy's side, never by pasting the citizen's words into the other language."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..accounts.models import User
from ..appeals.models import Appeal
from ..audit.log import audit
from ..extensions import db
from ..versioning import check_version, flush_or_stale
from . import drafting
from . import operations as ops
from .models import Inquiry, inquiry_appeals

#: The longest retelling of one appeal, in characters.
MAX_SUMMARY = 5000


def letter_summaries(inquiry: Inquiry) -> dict[int, str]:
    """Each linked appeal's retelling for the letter, by appeal id ("" where none was written)."""
    rows = db.session.execute(
        select(inquiry_appeals.c.appeal_id, inquiry_appeals.c.letter_summary).where(
            inquiry_appeals.c.inquiry_id == inquiry.id
        )
    )
    return {appeal_id: summary or "" for appeal_id, summary in rows}


def needing_summary(inquiry: Inquiry) -> list[Appeal]:
    """The linked appeals written in the other language than the letter's."""
    return [a for a in inquiry.appeals if drafting.needs_letter_summary(a, inquiry.language)]


def missing_summaries(inquiry: Inquiry) -> list[Appeal]:
    """The appeals in the other language that still have no retelling in the letter's language."""
    summaries = letter_summaries(inquiry)
    return [a for a in needing_summary(inquiry) if not summaries.get(a.id, "").strip()]


def check_summaries(inquiry: Inquiry) -> None:
    """Refuse a letter that would lack an appeal's summary in its language, naming the appeals."""
    missing = missing_summaries(inquiry)
    if missing:
        raise ops.InquiryError(
            _l(
                "Write the summary in the letter's language for these appeals first: %(numbers)s.",
                numbers=", ".join(a.registration_number for a in missing),
            )
        )


def set_letter_summaries(
    inquiry: Inquiry, values: dict[int, str], *, user: User, expected_version: int | None = None
) -> int:
    """Store the deputy's retellings (appeal id -> text) and put them into the draft's text where it still has the
    gap the draft left for them. Returns how many changed."""
    check_version(inquiry, expected_version, ops._stale)
    if not ops.can_edit(user, inquiry):
        raise ops.InquiryNotAllowed(_l("Only a draft can be edited, by its author, co-signers and their assistants."))
    linked = {a.id: a for a in inquiry.appeals}
    current = letter_summaries(inquiry)
    changed = {}
    for appeal_id, text in values.items():
        text = (text or "").strip()
        if appeal_id in linked and text != current.get(appeal_id, ""):
            if len(text) > MAX_SUMMARY:
                raise ops.InquiryError(_l("A summary is at most %(num)d characters.", num=MAX_SUMMARY))
            changed[appeal_id] = text
    if not changed:
        return 0
    ops.check_personal_data(inquiry, *changed.values())
    for appeal_id, text in changed.items():
        db.session.execute(
            update(inquiry_appeals)
            .where(inquiry_appeals.c.inquiry_id == inquiry.id, inquiry_appeals.c.appeal_id == appeal_id)
            .values(letter_summary=text)
        )
    inquiry.body = _fill_gaps(inquiry, changed, linked)
    ops._event(inquiry, "edited", user, comment=str(_l("Summaries in the letter's language were written.")))
    flush_or_stale(inquiry, ops._stale)
    audit("inquiry.letter_summaries", inquiry, user=user, details={"appeals": sorted(changed)})
    return len(changed)


def _fill_gaps(inquiry: Inquiry, changed: dict[int, str], linked: dict[int, Appeal]) -> str:
    """The body with each changed appeal's line (the gap, or an earlier retelling) written from its new summary."""
    citizens = drafting._citizens(list(linked.values()))
    paragraphs = inquiry.body.split("\n\n")
    for appeal_id, text in changed.items():
        line = drafting.summary_line(linked[appeal_id], inquiry.language, text, citizens)
        source = line[line.rindex(" (") :]  # "(обращение № X от 18.08.2026)." names the appeal's own line
        for index, paragraph in enumerate(paragraphs):
            if paragraph.startswith("— ") and paragraph.rstrip().endswith(source):
                paragraphs[index] = line
                break
    return "\n\n".join(paragraphs)
