"""The letters' files for staff who may see the appeal, the branch's list of letters to post, and the branch's
own Word templates."""

from urllib.parse import quote

from flask import Blueprint, abort, make_response

from ..accounts.access import acting_user, allow
from ..accounts.models import Role
from ..appeals import operations as appeal_ops
from ..extensions import db
from .models import OutgoingLetter, PdfStatus
from .operations import DOCX_TYPE

bp = Blueprint("letters", __name__, url_prefix="/letters")

READ_ROLES = (Role.staff, Role.branch_head, Role.deputy, Role.assistant, Role.analyst, Role.admin)


def letter_download(letter: OutgoingLetter, fmt: str):
    """The letter's DOCX or PDF as a download, never cached (404 for a PDF not made yet)."""
    if fmt == "docx":
        content, mimetype = letter.docx, DOCX_TYPE
    elif fmt == "pdf" and letter.pdf_status == PdfStatus.ready and letter.pdf:
        content, mimetype = letter.pdf, "application/pdf"
    else:
        abort(404)
    name = f"{letter.number.replace('/', '_')}.{fmt}"
    response = make_response(content)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"letter-{letter.id}.{fmt}\"; filename*=UTF-8''{quote(name)}"
    )
    response.headers["Cache-Control"] = "no-store"  # it carries personal data
    return response


@bp.route("/<int:letter_id>.<any(docx, pdf):fmt>")
@allow(*READ_ROLES)
def download(letter_id: int, fmt: str):
    """A letter of an appeal the user may see (404 otherwise, so its existence is not revealed)."""
    letter = db.session.get(OutgoingLetter, letter_id)
    if letter is None or not appeal_ops.can_see(acting_user(), letter.appeal):
        abort(404)
    return letter_download(letter, fmt)
