"""The inquiry pages: the registry, a new draft from chosen appeals, editing, the lifecycle, documents."""

from datetime import date

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.access import acting_user, allow
from ..accounts.models import Role
from ..appeals import attachments, deadlines
from ..appeals import operations as appeal_ops
from ..appeals.models import Appeal, AppealGroup
from ..dbtypes import utcnow
from ..directory.choices import government_body_choices, topic_choices
from ..directory.models import Deputy, GovernmentBody, Topic
from ..extensions import db
from ..formkit import int_id, options, version_of
from ..i18n import current_language
from . import documents, registry, summaries
from . import operations as ops
from .forms import AddToDraftForm, AnswerForm, EditForm, NewInquiryForm, SendForm, TermStartForm, TransitionForm
from .models import AnswerAssessment, DocumentStatus, Inquiry, InquiryDocument, InquiryState

bp = Blueprint("inquiries", __name__, url_prefix="/inquiries")
#: Who writes inquiries.
WRITERS = (Role.deputy, Role.assistant)
#: Who reads the registry: the writers, branch heads (their branches' appeals), analysts, the central office.
READERS = (Role.deputy, Role.assistant, Role.branch_head, Role.analyst, Role.admin)


def _today() -> date:
    return deadlines.local_date(utcnow())


def _visible_or_404(inquiry_id: int) -> Inquiry:
    inquiry = db.session.get(Inquiry, inquiry_id)
    if inquiry is None or not ops.can_see(acting_user(), inquiry):
        abort(404)  # someone else's draft: as if it did not exist
    return inquiry


def _int(value: str | None) -> int | None:
    return int_id(value)


def _enum(cls, value: str | None):
    if not value:
        return None
    try:
        return cls(value)
    except ValueError:
        abort(400)


@bp.route("/")
@allow(*READERS)
def index():
    """The registry: filters, counts by state, and how each addressee answers."""
    user, today = acting_user(), _today()
    f = registry.RegistryFilter(
        addressee_id=_int(request.args.get("addressee")),
        deputy_id=_int(request.args.get("deputy")),
        state=_enum(InquiryState, request.args.get("state")),
        topic_id=_int(request.args.get("topic")),
        overdue=request.args.get("overdue") == "1",
        assessment=_enum(AnswerAssessment, request.args.get("assessment")),
    )
    rows, next_before = registry.page(user, f, today, _int(request.args.get("before")))
    args = {k: v for k, v in request.args.items() if k != "before"}
    return render_template(
        "inquiries/index.html",
        rows=rows,
        f=f,
        args=args,
        today=today,
        next_before=next_before,
        counts=registry.counts_by_state(user, f, today),
        by_addressee=registry.by_addressee(user, today),
        states=list(InquiryState),
        assessments=list(AnswerAssessment),
        bodies=government_body_choices(),
        topics=topic_choices(),
        deputies=db.session.scalars(
            select(Deputy)
            .where(Deputy.id.in_(select(Inquiry.author_id).where(ops.visible_filter(user))))
            .order_by(Deputy.full_name)
        ).all(),
        is_overdue=ops.is_overdue,
    )


def _chosen_appeals() -> list[Appeal]:
    """The appeals named by `ids` (checkboxes or a comma list) or by a group, each visible to the user."""
    raw = request.form.getlist("ids") or request.args.getlist("ids")
    ids = [i for part in raw for i in map(int_id, part.split(",")) if i is not None]
    group_id = _int(request.form.get("group") or request.args.get("group"))
    user = acting_user()
    appeals = list(db.session.scalars(select(Appeal).where(Appeal.id.in_(ids)))) if ids else []
    if any(not appeal_ops.can_see(user, a) for a in appeals):
        abort(404)  # someone else's appeal: as if it did not exist
    if group_id is not None:
        # A group may span several deputies' queues: the user's own, still open members go in.
        group = db.session.get(AppealGroup, group_id)
        members = [a for a in group.appeals if appeal_ops.can_see(user, a)] if group else []
        if not members:
            abort(404)
        appeals += [a for a in members if a.id not in ids and a.state not in ops.FINISHED_APPEALS]
    return sorted(appeals, key=lambda a: (a.registered_dt, a.id))


def _drafts_of(user) -> list[Inquiry]:
    stmt = (
        select(Inquiry)
        .where(ops.visible_filter(user), Inquiry.state == InquiryState.draft)
        .options(selectinload(Inquiry.cosigners))
        .order_by(Inquiry.id.desc())
    )  # can_edit reads them
    return [i for i in db.session.scalars(stmt) if ops.can_edit(user, i)]


@bp.route("/new", methods=["GET", "POST"])
@allow(*WRITERS)
def new():
    """From the appeals chosen in the queue or a group: a new draft, or more appeals for an existing one."""
    user = acting_user()
    appeals = _chosen_appeals()
    if not appeals:
        flash(_("Choose at least one appeal."), "error")
        return redirect(url_for("deputy_queue.index"))
    ids = ",".join(str(a.id) for a in appeals)
    form = NewInquiryForm()
    if not request.form.get("create"):
        # A letter's language starts at the deputy's interface language when it is Kazakh or Russian.
        form.language.data = current_language() if current_language() in ("kk", "ru") else "ru"
    form.ids.data = ids  # the queue posts one `ids` per checkbox; the form carries them as one list
    form.author.choices = options((str(d.id), d.full_name) for d in ops.author_choices(user))
    form.addressee.choices = government_body_choices()
    add_form = AddToDraftForm(prefix="add")
    drafts = _drafts_of(user)
    add_form.inquiry.choices = options((str(i.id), f"#{i.id} · {i.subject[:80]}") for i in drafts)
    status = 200
    if request.form.get("create") and form.validate_on_submit():
        try:
            inquiry = ops.create_inquiry(
                appeals,
                user=user,
                addressee=db.get_or_404(GovernmentBody, int(form.addressee.data)),
                language=form.language.data,
                author=db.get_or_404(Deputy, int(form.author.data)),
            )
        except ops.InquiryError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
            status = exc.status
        else:
            db.session.commit()
            flash(_("The draft is ready: check and edit it."), "success")
            return redirect(url_for("inquiries.edit", inquiry_id=inquiry.id))
    elif request.form.get("add-submit") and add_form.validate_on_submit():
        inquiry = _visible_or_404(int(add_form.inquiry.data))
        try:
            count = ops.add_appeals(inquiry, appeals, user=user)
        except ops.InquiryError as exc:
            db.session.rollback()
            add_form.form_errors.append(str(exc.message))
            status = exc.status
        else:
            db.session.commit()
            flash(_("Appeals added to the draft: %(count)s.", count=count), "success")
            return redirect(url_for("inquiries.edit", inquiry_id=inquiry.id))
    elif request.form.get("create") or request.form.get("add-submit"):
        status = 400
    return render_template(
        "inquiries/new.html",
        form=form,
        add_form=add_form,
        appeals=appeals,
        drafts=drafts,
        people=sum(1 + (a.cosigners or 0) for a in appeals),
        # The language switch comes back to this page with the same appeals (it answers GET too).
        language_next=url_for("inquiries.new", ids=ids),
    ), status


def _detail(inquiry: Inquiry, *, send_form=None, answer_form=None, term_form=None, transition_error=None, status=200):
    user = acting_user()
    moves = ops.moves_for(user, inquiry)
    today = _today()
    send_form = send_form or SendForm(version=inquiry.version, sent_date=today)
    answer_form = answer_form or AnswerForm(version=inquiry.version, answer_date=today)
    return render_template(
        "inquiries/detail.html",
        inquiry=inquiry,
        moves=moves,
        can_edit=ops.can_edit(user, inquiry),
        send_form=send_form,
        answer_form=answer_form,
        transition_form=TransitionForm(version=inquiry.version),
        transition_error=transition_error,
        overdue=ops.is_overdue(inquiry, today),
        awaiting_start=ops.awaiting_start(inquiry),
        starts=ops.STARTS,
        can_record_start=ops.can_record_start(user, inquiry),
        term_rule=_term_rule(inquiry),
        term_form=term_form
        or TermStartForm(
            version=inquiry.version,
            received_date=inquiry.received_date,
            received_number=inquiry.received_number,
            announced_date=inquiry.announced_date,
            announced_session=inquiry.announced_session,
        ),
        today=today,
        S=InquiryState,
        people=sum(1 + (a.cosigners or 0) for a in inquiry.appeals),
        to_retell=summaries.needing_summary(inquiry),
        letter_summaries=summaries.letter_summaries(inquiry),
        summaries_form=FlaskForm(),
    ), status


def _term_rule(inquiry: Inquiry):
    """The answer term's rule for a sent inquiry, None otherwise or when none is configured (the form then
    refuses with the reason instead of the page failing)."""
    if inquiry.state != InquiryState.sent:
        return None
    try:
        return ops.answer_rule(inquiry)
    except ops.InquiryError:
        return None


@bp.route("/<int:inquiry_id>")
@allow(*READERS)
def detail(inquiry_id: int):
    """The inquiry: its text, appeals, timeline, documents and the next steps."""
    return _detail(_visible_or_404(inquiry_id))


def _fill_edit_choices(form: EditForm, inquiry: Inquiry) -> None:
    form.addressee.choices = government_body_choices()
    form.topic.choices = topic_choices()
    # Co-signers sit in the author's representative body: Mazhilis deputies sign with Mazhilis deputies.
    deputies = db.session.scalars(
        select(Deputy)
        .where(Deputy.is_active.is_(True), Deputy.id != inquiry.author_id, Deputy.body_id == inquiry.author.body_id)
        .order_by(Deputy.full_name)
    )
    form.cosigners.choices = options((str(d.id), d.full_name) for d in deputies)  # all of the author's body


@bp.route("/<int:inquiry_id>/edit", methods=["GET", "POST"])
@allow(*WRITERS)
def edit(inquiry_id: int):
    """Edit a draft in the browser; a text carrying personal data is refused with the reason."""
    user = acting_user()
    inquiry = _visible_or_404(inquiry_id)
    if not ops.can_edit(user, inquiry):
        flash(_("Only a draft can be edited, by its author, co-signers and their assistants."), "error")
        return redirect(url_for("inquiries.detail", inquiry_id=inquiry.id))
    form = EditForm(obj=inquiry) if request.method == "GET" else EditForm()
    _fill_edit_choices(form, inquiry)
    if request.method == "GET":
        form.addressee.data = str(inquiry.addressee_id)
        form.topic.data = str(inquiry.topic_id or "")
        form.cosigners.data = [str(d.id) for d in inquiry.cosigners]
    status = 200
    if form.validate_on_submit():
        cosigner_ids = [i for i in map(int_id, form.cosigners.data) if i is not None]
        try:
            ops.update_draft(
                inquiry,
                user=user,
                subject=form.subject.data,
                body=form.body.data,
                requested_actions=form.requested_actions.data or "",
                addressee=db.get_or_404(GovernmentBody, int(form.addressee.data)),
                addressee_title=form.addressee_title.data or "",
                addressee_name=form.addressee_name.data or "",
                language=form.language.data,
                topic=db.session.get(Topic, topic_id) if (topic_id := int_id(form.topic.data)) else None,
                cosigners=list(db.session.scalars(select(Deputy).where(Deputy.id.in_(cosigner_ids)))),
                expected_version=version_of(form.version.data),
            )
        except ops.InquiryError as exc:
            db.session.rollback()
            inquiry = _visible_or_404(inquiry_id)
            form.form_errors.append(str(exc.message))
            status = exc.status if exc.status != 403 else 400
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("inquiries.detail", inquiry_id=inquiry.id))
    elif request.method == "POST":
        status = 400
    return render_template("inquiries/edit.html", form=form, inquiry=inquiry), status


def _act(inquiry_id: int, action) -> Response:
    """Run `action(inquiry)`; a refusal shows on the inquiry's page with its status code."""
    inquiry = _visible_or_404(inquiry_id)
    try:
        message = action(inquiry)
    except ops.InquiryError as exc:
        db.session.rollback()
        return _detail(_visible_or_404(inquiry_id), transition_error=str(exc.message), status=exc.status)
    db.session.commit()
    if message:
        flash(message, "success")
    return redirect(url_for("inquiries.detail", inquiry_id=inquiry_id))


@bp.route("/<int:inquiry_id>/summaries", methods=["POST"])
@allow(*WRITERS)
def letter_summaries(inquiry_id: int):
    """Save the summaries, in the letter's language, of appeals written in the other language."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    version = version_of(request.form.get("version"))
    values = {}
    for name, text in request.form.items():
        if name.startswith("summary-") and (appeal_id := int_id(name.removeprefix("summary-"))) is not None:
            values[appeal_id] = text
    return _act(
        inquiry_id,
        lambda i: (
            _("Summaries saved.")
            if summaries.set_letter_summaries(i, values, user=acting_user(), expected_version=version)
            else _("Nothing changed.")
        ),
    )


@bp.route("/<int:inquiry_id>/redraft", methods=["POST"])
@allow(*WRITERS)
def redraft(inquiry_id: int):
    """Write the text again from the linked appeals."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    version = version_of(request.form.get("version"))
    return _act(
        inquiry_id,
        lambda i: (
            ops.redraft(i, user=acting_user(), expected_version=version)
            or _("The text was written again from the appeals.")
        ),
    )


@bp.route("/<int:inquiry_id>/appeals/<int:appeal_id>/remove", methods=["POST"])
@allow(*WRITERS)
def remove_appeal(inquiry_id: int, appeal_id: int):
    """Unlink one appeal from a draft."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    appeal = db.get_or_404(Appeal, appeal_id)
    return _act(inquiry_id, lambda i: ops.remove_appeal(i, appeal, user=acting_user()) or _("Removed."))


@bp.route("/<int:inquiry_id>/transition", methods=["POST"])
@allow(*READERS)
def move(inquiry_id: int):
    """Submit for review, approve, return to drafting, withdraw or close."""
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    to_state = _enum(InquiryState, form.to_state.data)
    if to_state not in ops.MOVES:
        abort(400)  # sent and answered carry data: their own forms
    operation = ops.MOVES[to_state]
    return _act(
        inquiry_id,
        lambda i: (
            operation(i, form.comment.data or "", user=acting_user(), expected_version=version_of(form.version.data))
            and to_state.label
        ),
    )


@bp.route("/<int:inquiry_id>/send", methods=["POST"])
@allow(*WRITERS)
def send(inquiry_id: int):
    """Record the letter as sent, with its outgoing number and date."""
    inquiry = _visible_or_404(inquiry_id)
    form = SendForm()
    if not form.validate_on_submit():
        return _detail(inquiry, send_form=form, status=400)
    return _act(
        inquiry_id,
        lambda i: (
            ops.mark_sent(
                i,
                user=acting_user(),
                outgoing_number=form.outgoing_number.data,
                sent_date=form.sent_date.data,
                expected_version=version_of(form.version.data),
            )
            and _("Recorded as sent.")
        ),
    )


@bp.route("/<int:inquiry_id>/term", methods=["POST"])
@allow(Role.deputy, Role.assistant, Role.admin)
def record_term_start(inquiry_id: int):
    """Record the addressee's receipt or the announcement at a session: the answer's due date follows."""
    inquiry = _visible_or_404(inquiry_id)
    form = TermStartForm()
    if not form.validate_on_submit():
        return _detail(inquiry, term_form=form, status=400)
    try:
        ops.record_term_start(
            inquiry,
            user=acting_user(),
            received_date=form.received_date.data,
            received_number=form.received_number.data or "",
            announced_date=form.announced_date.data,
            announced_session=form.announced_session.data or "",
            today=_today(),
            expected_version=version_of(form.version.data),
        )
    except ops.InquiryError as exc:
        db.session.rollback()
        # The page again with what was typed, and the reason.
        return _detail(
            _visible_or_404(inquiry_id), term_form=form, transition_error=str(exc.message), status=exc.status
        )
    db.session.commit()
    flash(_("The answer is now due by %(date)s.", date=inquiry.answer_due.strftime("%d.%m.%Y")), "success")
    return redirect(url_for("inquiries.detail", inquiry_id=inquiry_id))


@bp.route("/<int:inquiry_id>/answer", methods=["POST"])
@allow(Role.deputy, Role.assistant, Role.admin)
def answer(inquiry_id: int):
    """Record the addressee's answer: every linked appeal and its citizen hear of it."""
    inquiry = _visible_or_404(inquiry_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _detail(inquiry, answer_form=form, status=400)
    upload = None
    if form.file.data and form.file.data.filename:
        try:
            upload = attachments.check_uploads([form.file.data])[0]
        except attachments.AttachmentRejected as exc:
            form.file.errors.append(str(exc.message))
            return _detail(inquiry, answer_form=form, status=400)
    return _act(
        inquiry_id,
        lambda i: (
            ops.record_answer(
                i,
                user=acting_user(),
                answer_date=form.answer_date.data,
                answer_number=form.answer_number.data or "",
                answer_text=form.answer_text.data or "",
                public_summary=form.public_summary.data,
                assessment=AnswerAssessment(form.assessment.data),
                file_name=upload.filename if upload else "",
                file_type=upload.content_type if upload else "",
                file_content=upload.data if upload else None,
                expected_version=version_of(form.version.data),
            )
            and _("The answer is recorded; the citizens will be told.")
        ),
    )


@bp.route("/<int:inquiry_id>/answer-file")
@allow(*READERS)
def answer_file(inquiry_id: int):
    inquiry = _visible_or_404(inquiry_id)
    content = db.session.scalar(select(Inquiry.answer_file).where(Inquiry.id == inquiry.id))
    if not content:
        abort(404)
    return Response(
        content,
        mimetype=inquiry.answer_file_type,
        headers={
            "Content-Disposition": f'attachment; filename="{inquiry.answer_file_name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/<int:inquiry_id>/documents", methods=["POST"])
@allow(*WRITERS)
def generate(inquiry_id: int):
    """A new version of the document: DOCX at once, PDF by a job."""
    inquiry = _visible_or_404(inquiry_id)
    if not ops.is_participant(acting_user(), inquiry):
        abort(403)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        made = documents.generate(inquiry, user=acting_user(), pdf=request.form.get("pdf") == "1")
    except ops.InquiryError as exc:
        db.session.rollback()
        return _detail(_visible_or_404(inquiry_id), transition_error=str(exc.message), status=exc.status)
    db.session.commit()
    flash(
        _("Version %(number)d is ready as DOCX.", number=made[0].number)
        + (" " + _("The PDF is being made.") if len(made) > 1 else ""),
        "success",
    )
    return redirect(url_for("inquiries.detail", inquiry_id=inquiry.id, _anchor="documents"))


def _document_or_404(inquiry: Inquiry, document_id: int) -> InquiryDocument:
    document = db.session.get(InquiryDocument, document_id)
    if document is None or document.inquiry_id != inquiry.id:
        abort(404)
    return document


@bp.route("/<int:inquiry_id>/documents/<int:document_id>")
@allow(*READERS)
def download(inquiry_id: int, document_id: int):
    """Download one version of the document."""
    inquiry = _visible_or_404(inquiry_id)
    document = _document_or_404(inquiry, document_id)
    if document.status != DocumentStatus.ready:
        abort(404)
    content = db.session.scalar(select(InquiryDocument.content).where(InquiryDocument.id == document.id))
    mimetype = documents.DOCX_TYPE if document.format == "docx" else "application/pdf"
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{document.filename}"', "Cache-Control": "no-store"},
    )


@bp.route("/<int:inquiry_id>/documents/<int:document_id>/status")
@allow(*READERS)
def document_status(inquiry_id: int, document_id: int):
    """The job's progress, for the page to poll."""
    document = _document_or_404(_visible_or_404(inquiry_id), document_id)
    return jsonify(
        status=document.status.value,
        label=document.status.label,
        error=document.error,
        url=url_for("inquiries.download", inquiry_id=inquiry_id, document_id=document_id)
        if document.status == DocumentStatus.ready
        else None,
    )


@bp.route("/<int:inquiry_id>/documents/<int:document_id>/retry", methods=["POST"])
@allow(*WRITERS)
def retry(inquiry_id: int, document_id: int):
    inquiry = _visible_or_404(inquiry_id)
    document = _document_or_404(inquiry, document_id)
    if not ops.is_participant(acting_user(), inquiry):
        abort(403)
    if not FlaskForm().validate_on_submit() or document.status == DocumentStatus.ready:
        abort(400)
    documents.retry_pdf(document)
    db.session.commit()
    return redirect(url_for("inquiries.detail", inquiry_id=inquiry.id, _anchor="documents"))
