"""The letters' files for staff who may see the appeal, the branch's list of letters to post, and the branch's
own Word templates."""

from urllib.parse import quote

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ..accounts.access import acting_user, allow, visible_branch_ids
from ..accounts.models import Role
from ..appeals import operations as appeal_ops
from ..appeals.deadlines import local_date
from ..dbtypes import utcnow
from ..extensions import db
from ..formkit import options
from . import branch_templates, delivery
from .forms import TemplateUploadForm
from .letter_template import LANGUAGES
from .models import LetterKind, OutgoingLetter, PdfStatus, PostalDispatch
from .operations import DOCX_TYPE, shipped_template

bp = Blueprint("letters", __name__, url_prefix="/letters")

READ_ROLES = (Role.staff, Role.branch_head, Role.deputy, Role.assistant, Role.analyst, Role.admin)


def letter_download(letter: OutgoingLetter, fmt: str):
    """The letter's DOCX or PDF as a download, never cached (404 for a PDF not made yet)."""
    if fmt == "docx" and letter.docx:  # empty once the retention job erased it
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


@bp.route("/<int:letter_id>.<fmt>")
@allow(*READ_ROLES)
def download(letter_id: int, fmt: str):
    """A letter of an appeal the user may see (404 otherwise, so its existence is not revealed)."""
    letter = db.session.get(OutgoingLetter, letter_id)
    if letter is None or not appeal_ops.can_see(acting_user(), letter.appeal):
        abort(404)
    return letter_download(letter, fmt)


#: Who prints and posts the branch's letters.
BRANCH_ROLES = (Role.staff, Role.branch_head, Role.admin)


@bp.route("/post")
@allow(*BRANCH_ROLES)
def post():
    """The letters to print and mail to citizens who gave no e-mail, the earliest due first."""
    branch_ids = visible_branch_ids(acting_user())
    return render_template(
        "letters/post.html",
        dispatches=delivery.dispatches_for(branch_ids),
        form=FlaskForm(),
        today=local_date(utcnow()),
    )


@bp.route("/post/<int:dispatch_id>", methods=["POST"])
@allow(*BRANCH_ROLES)
def posted(dispatch_id: int):
    """Mark a letter as printed and handed to the post."""
    dispatch = db.session.get(PostalDispatch, dispatch_id)
    branch_ids = visible_branch_ids(acting_user())
    if dispatch is None or (branch_ids is not None and dispatch.branch_id not in branch_ids):
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    delivery.mark_posted(dispatch, user=acting_user())
    db.session.commit()
    flash(_("Letter № %(number)s is marked as posted.", number=dispatch.letter.number), "success")
    return redirect(url_for("letters.post"))


# --- the branch's own templates ------------------------------------------------------------------------------


def _own_branch():
    """The branch whose templates the signed-in branch head manages."""
    branch = acting_user().branch
    if branch is None:
        abort(404)
    return branch


def _upload_form() -> TemplateUploadForm:
    form = TemplateUploadForm()
    form.kind.choices = options(LetterKind.choices())
    return form


def _templates_page(form: TemplateUploadForm, status: int = 200):
    branch = _own_branch()
    return render_template(
        "letters/templates.html",
        branch=branch,
        form=form,
        remove_form=FlaskForm(),
        kinds=list(LetterKind),
        letter_languages=LANGUAGES,
        own=branch_templates.templates_of(branch),
        fields=branch_templates.FIELDS,
    ), status


@bp.route("/templates", methods=["GET", "POST"])
@allow(Role.branch_head)
def templates():
    """The branch's Word templates of its letters: the shipped ones, or its own uploaded instead."""
    form = _upload_form()
    if request.method == "GET":
        return _templates_page(form)
    if not form.validate_on_submit():
        return _templates_page(form, 400)
    upload = form.file.data
    try:
        branch_templates.save_template(
            _own_branch(),
            LetterKind(form.kind.data),
            form.language.data,
            filename=upload.filename or "",
            content=upload.read(branch_templates.MAX_TEMPLATE_BYTES + 1),
            user=acting_user(),
        )
    except branch_templates.TemplateRejected as exc:
        db.session.rollback()
        form.file.errors = [str(exc)]
        return _templates_page(form, 400)
    db.session.commit()
    flash(_("The template is saved: the branch's new letters of this kind use it."), "success")
    return redirect(url_for("letters.templates"))


@bp.route("/templates/<kind>_<language>.docx")
@allow(Role.branch_head)
def template_file(kind: str, language: str):
    """The template in use for a kind and language: the branch's own, or the shipped one to start from."""
    try:
        letter_kind = LetterKind(kind)
    except ValueError:
        abort(404)
    if language not in LANGUAGES:
        abort(404)
    own = branch_templates.templates_of(_own_branch()).get((kind, language))
    response = make_response(own.content if own is not None else shipped_template(kind, language))
    response.headers["Content-Type"] = DOCX_TYPE
    response.headers["Content-Disposition"] = f'attachment; filename="{letter_kind.value}_{language}.docx"'
    return response


@bp.route("/templates/remove", methods=["POST"])
@allow(Role.branch_head)
def remove_template():
    """Go back to the shipped template for a kind and language."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    own = branch_templates.templates_of(_own_branch()).get(
        (request.form.get("kind", ""), request.form.get("language", ""))
    )
    if own is None:
        abort(404)
    branch_templates.remove_template(own, user=acting_user())
    db.session.commit()
    flash(_("The shipped template is used again."), "success")
    return redirect(url_for("letters.templates"))
