"""Reception staff's intake, the receipt, the appeal page and its actions, search, and the work calendar."""

import json
from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.access import acting_user, allow, visible_branch_ids
from ..accounts.models import Role
from ..audit.log import audit
from ..dbtypes import utcnow
from ..directory.choices import (
    DEPUTY_LABEL_LOADS,
    deputy_label,
    deputy_pairs,
    district_choices,
    government_body_choices,
    region_choices,
    topic_choices,
)
from ..directory.models import Deputy, District, GovernmentBody, Region, Topic, deputy_regions, serving_on
from ..documents.convert import ConversionUnavailable, docx_to_pdf
from ..errors import Refused, abort_with, show_refusals_on
from ..extensions import db, limiter
from ..formkit import int_id, version_of, with_blank
from ..i18n import current_language
from ..letters import operations as letter_ops
from ..routing import groups
from . import attachments, deadlines, listing, personal_data
from . import feedback as feedback_ops
from . import operations as ops
from .forms import CalendarTransferForm, ExtendForm, IntakeForm, ReopenDecisionForm, TransitionForm
from .iin import parse_iin
from .intake import Intake, intake_appeal
from .models import (
    AnonymousGround,
    Appeal,
    AppealFeedback,
    AppealGroup,
    AppealState,
    AppealType,
    CalendarTransfer,
    CalendarTransferKind,
    Channel,
)
from .receipt import qr_svg, receipt_docx, status_url

bp = Blueprint("appeals", __name__, url_prefix="/appeals")

INTAKE_ROLES = (Role.staff, Role.branch_head)
READ_ROLES = (Role.staff, Role.branch_head, Role.deputy, Role.assistant, Role.analyst, Role.admin)
#: The last page the appeals list serves (5 million appeals at 50 a page); past it a 404, not an overflowing offset.
MAX_PAGE = 100_000
#: Keys in the session under which the PIN waits for the receipt page and its PDF (each used once).
PIN_KEY = "receipt_pins"
PDF_PIN_KEY = "receipt_pdf_pins"


def _keep_pin(key: str, appeal_id: int, pin: str) -> None:
    pins = dict(session.get(key, {}))
    pins[str(appeal_id)] = pin
    session[key] = pins


def _take_pin(key: str, appeal: Appeal) -> str | None:
    pins = dict(session.get(key, {}))
    pin = pins.pop(str(appeal.id), None)
    session[key] = pins
    return pin


def keep_receipt_pin(appeal: Appeal, pin: str) -> None:
    """Let the next opening of the appeal's receipt (and then its PDF) show `pin`, once."""
    _keep_pin(PIN_KEY, appeal.id, pin)


def visible_appeal_or_404(appeal_id: int) -> Appeal:
    """The appeal if the user may see it; 404 otherwise, so that its existence is not revealed."""
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None or not ops.can_see(acting_user(), appeal):
        abort(404)
    return appeal


def _fill_intake_choices(form: IntakeForm) -> None:
    form.citizen_region.choices = form.region.choices = region_choices()
    form.citizen_district.choices = form.district.choices = district_choices()
    form.topic.choices = topic_choices(active_only=True)


def _get(model, value):
    return db.session.get(model, number) if (number := int_id(value)) is not None else None


@bp.route("/new", methods=["GET", "POST"])
@allow(*INTAKE_ROLES)
def new():
    """Log a walk-in visitor's appeal; the page speaks the clerk's language, the answer goes in the visitor's."""
    form = IntakeForm()
    _fill_intake_choices(form)
    if request.method == "GET":
        # The answer's language starts at the clerk's, when that is one an answer can be written in.
        form.language.data = current_language() if current_language() in ("kk", "ru") else "ru"
        return render_template("appeals/new.html", form=form, errors={}, duplicates=[])
    topic = _get(Topic, form.topic.data) if form.topic.data else None
    valid = form.validate_on_submit()
    duplicates = _possible_duplicates(form, topic) if valid and topic is not None else []
    files = _checked_files(form) if valid and not form.duplicate_override_reason.errors else None
    if files is not None:
        try:
            registered = intake_appeal(_intake(form, acting_user(), topic, files))
        except Refused as exc:
            flash(str(exc.message), "error")
        else:
            _keep_pin(PIN_KEY, registered.appeal_id, registered.pin)
            flash(_("Appeal %(number)s registered.", number=registered.number), "success")
            return redirect(url_for("appeals.receipt", appeal_id=registered.appeal_id))
    errors = {field.name: [str(e) for e in field.errors] for field in form if field.errors}
    return render_template("appeals/new.html", form=form, errors=errors, duplicates=duplicates), 422


def _possible_duplicates(form: IntakeForm, topic: Topic) -> list[Appeal]:
    """The citizen's open appeals on the topic; an error at the reason field if the clerk gave none."""
    citizen = None if form.anonymous.data else ops.find_citizen(form.iin.data)
    duplicates = ops.possible_duplicates(citizen, topic)
    if duplicates and not (form.duplicate_override_reason.data or "").strip():
        form.duplicate_override_reason.errors.append(_("A possible duplicate: give the reason to register it anyway."))
    return duplicates


def _checked_files(form: IntakeForm) -> list[attachments.CheckedFile] | None:
    try:
        return attachments.check_uploads(request.files.getlist(form.attachments.name))
    except attachments.AttachmentRejected as exc:
        form.attachments.errors.append(exc.message)
        return None


def _intake(form: IntakeForm, user, topic: Topic, files: list[attachments.CheckedFile]) -> Intake:
    citizen = None
    if not form.anonymous.data:
        info = parse_iin(form.iin.data)
        home = _get(District, form.citizen_district.data)
        citizen = ops.CitizenData(
            iin=info.iin,
            full_name=form.full_name.data,
            birth_date=form.birth_date.data or info.birth_date,
            phone=form.phone.data or "",
            email=form.email.data or "",
            address=form.address.data or "",
            region=_get(Region, form.citizen_region.data) or (home.region if home else None),
            district=home,
            language=form.language.data,
            may_be_named=form.may_be_named.data,
            may_be_told=form.may_be_told.data,
        )
    return Intake(
        branch=user.branch,
        citizen=citizen,
        consent=form.consent.data,
        type=AppealType(form.type.data),
        topic=topic,
        summary=form.summary.data,
        text=form.text.data,
        channel=Channel(form.channel.data),
        language=form.language.data,
        region=_get(Region, form.region.data),
        district=_get(District, form.district.data),
        is_collective=form.is_collective.data,
        cosigners=form.cosigners.data or 0,
        registered_by=user,
        duplicate_override_reason=form.duplicate_override_reason.data or "",
        files=files,
        anonymous_ground=AnonymousGround(form.anonymous_ground.data) if form.anonymous.data else None,
    )


def _per_user() -> str:
    return f"user:{acting_user().id}"


@bp.route("/citizen-lookup")
@allow(*INTAKE_ROLES)
@limiter.limit(lambda: current_app.config["CITIZEN_LOOKUP_LIMIT"], key_func=_per_user)
def citizen_lookup():
    """JSON for the intake form: only what intake needs about the citizen with this IIN (the name, whether
    contacts are on record, this branch's earlier appeals); every look-up, found or not, is audited."""
    iin = request.args.get("iin", "").strip()
    if len(iin) != 12 or not iin.isascii() or not iin.isdigit():
        return jsonify(found=False, error=_("Enter the 12 digits of the IIN.")), 400
    citizen = ops.find_citizen(iin)
    audit("citizen.lookup", citizen, details={"iin": "********" + iin[-4:], "found": citizen is not None})
    db.session.commit()
    if citizen is None:
        return jsonify(found=False)
    branches = visible_branch_ids(acting_user())
    earlier = db.session.execute(
        select(Appeal.registration_number, Appeal.registered_dt, Appeal.state, Topic.code)
        .join(Topic, Appeal.topic_id == Topic.id)
        .where(Appeal.citizen_id == citizen.id, Appeal.branch_id.in_(branches or []))
        .order_by(Appeal.registered_dt.desc())
        .limit(20)
    ).all()
    return jsonify(
        found=True,
        full_name=citizen.full_name,
        language=citizen.language,
        has_phone=bool(citizen.phone),
        has_email=bool(citizen.email),
        has_address=bool(citizen.address),
        appeals=[{"number": n, "date": dt.date().isoformat(), "state": s.label, "topic": t} for n, dt, s, t in earlier],
    )


@bp.route("/<int:appeal_id>/receipt")
@allow(*INTAKE_ROLES)
def receipt(appeal_id: int):
    """The printable receipt; the PIN appears only the first time it is opened."""
    appeal = visible_appeal_or_404(appeal_id)
    pin = _take_pin(PIN_KEY, appeal)
    if pin:
        # The PDF of this receipt may carry the PIN once more; after that it is gone for good.
        _keep_pin(PDF_PIN_KEY, appeal.id, pin)
    language = appeal.citizen.language if appeal.citizen else appeal.language
    url = status_url(appeal.tracking_code)
    with force_locale(language):
        return render_template(
            "appeals/receipt.html", appeal=appeal, pin=pin, status_url=url, qr=qr_svg(url), receipt_language=language
        )


@bp.route("/<int:appeal_id>/receipt.pdf")
@allow(*INTAKE_ROLES)
def receipt_pdf(appeal_id: int):
    """The receipt as a PDF (A5), in the citizen's language."""
    appeal = visible_appeal_or_404(appeal_id)
    return receipt_pdf_response(appeal, _take_pin(PDF_PIN_KEY, appeal))


def receipt_pdf_response(appeal: Appeal, pin: str | None):
    """The receipt as a PDF in the citizen's language, for staff and for the online receipt alike."""
    language = appeal.citizen.language if appeal.citizen else appeal.language
    with force_locale(language):
        document = receipt_docx(appeal, pin, status_url(appeal.tracking_code))
    try:
        pdf = docx_to_pdf(document)
    except ConversionUnavailable:
        abort_with(503, _("PDF is not available on this server; print the receipt page instead."))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="receipt-{appeal.tracking_code}.pdf"'
    response.headers["Cache-Control"] = "no-store"  # it may carry the PIN
    return response


@bp.route("/<int:appeal_id>")
@allow(*READ_ROLES)
def detail(appeal_id: int):
    """The appeal: citizen card (masked), text, timeline, deadline, and what the user may do."""
    appeal = db.session.scalar(
        select(Appeal)
        .where(Appeal.id == appeal_id)
        .options(
            joinedload(Appeal.citizen),
            joinedload(Appeal.topic),
            joinedload(Appeal.branch),
            selectinload(Appeal.events),
            selectinload(Appeal.attachments),
        )
    )
    if appeal is None or not ops.can_see(acting_user(), appeal):
        abort(404)
    return _render_detail(appeal)


def _render_detail(
    appeal: Appeal, revealed: bool = False, status: int = 200, transition_form=None, extend_form=None, move_errors=None
):
    user = acting_user()
    calendar = ops.work_calendar()
    today = deadlines.local_date(ops.utcnow())
    moves = sorted(ops.moves_for(user, appeal), key=lambda s: list(AppealState).index(s))
    transition_form = transition_form or TransitionForm(version=appeal.version)
    if AppealState.routed in moves:
        transition_form.deputy.choices = with_blank((str(d.id), deputy_label(d)) for d in _deputies_for(appeal))
    else:
        transition_form.deputy.choices = with_blank([])
    transition_form.body.choices = government_body_choices() if AppealState.redirected in moves else with_blank([])
    extend_form = extend_form or ExtendForm(version=appeal.version)
    return render_template(
        "appeals/detail.html",
        appeal=appeal,
        revealed=revealed,
        moves=moves,
        reasons=ops.REASON_REQUIRED,
        written_answers=ops.WRITTEN_ANSWERS,
        internal_comments=ops.INTERNAL_COMMENTS,
        move_errors=move_errors or {},
        transition_form=transition_form,
        extend_form=extend_form,
        letters=letter_ops.letters_by_event(appeal.id),
        can_extend=ops.can_extend(user, appeal),
        days_left=deadlines.working_days_left(appeal.deadline, today, calendar),
        overdue=deadlines.is_overdue(appeal.deadline, today) and appeal.state in ops.OPEN_STATES,
        latest_extension=deadlines.latest_extension(appeal.registered_dt),
        # Only while it is still to be forwarded (deadlines.py): a routed appeal is with a competent deputy.
        forward_by=listing.forwarding_dates([appeal], calendar).get(appeal.id),
        today=today,
    ), status


def _deputies_for(appeal: Appeal) -> list[Deputy]:
    """Deputies to route to: those working the appeal's region (or the branch's), and their topic first."""
    region_id = appeal.region_id or appeal.branch.region_id
    # Only deputies with a current mandate take new work; list deputies by the regions assigned to them too.
    stmt = select(Deputy).options(*DEPUTY_LABEL_LOADS).where(serving_on(deadlines.local_date(utcnow())))
    if region_id:
        assigned = select(deputy_regions.c.deputy_id).where(deputy_regions.c.region_id == region_id)
        stmt = stmt.where((Deputy.region_id == region_id) | Deputy.id.in_(assigned))
    return list(db.session.scalars(stmt.order_by(Deputy.full_name).limit(300)))


@bp.route("/<int:appeal_id>/attachments/<int:attachment_id>")
@allow(*READ_ROLES)
def attachment(appeal_id: int, attachment_id: int):
    """Download an attachment of an appeal the user may see (404 otherwise)."""
    appeal = visible_appeal_or_404(appeal_id)
    row = next((a for a in appeal.attachments if a.id == attachment_id), None)
    if row is None:
        abort(404)
    return attachments.as_download(row)


@bp.route("/<int:appeal_id>/reveal", methods=["POST"])
@allow(Role.staff, Role.branch_head, Role.deputy, Role.assistant, Role.admin)
def reveal(appeal_id: int):
    """Show the citizen's full IIN and phone; an audited action."""
    appeal = visible_appeal_or_404(appeal_id)
    if appeal.citizen is None:
        abort(404)
    audit("citizen.view_personal_data", appeal.citizen, details={"appeal": appeal.registration_number})
    db.session.commit()
    return _render_detail(appeal, revealed=True)


def _fresh_detail(appeal_id: int, **_ignored):
    """The appeal's page as stored now, for a refused action (see errors.show_refusals_on)."""
    return _render_detail(db.session.get(Appeal, appeal_id))


@bp.route("/<int:appeal_id>/transition", methods=["POST"])
@allow(Role.staff, Role.branch_head, Role.deputy, Role.assistant, Role.admin)
@show_refusals_on(_fresh_detail)
def move(appeal_id: int):
    """Move the appeal to another state; a refused move answers 409 with the reason."""
    appeal = visible_appeal_or_404(appeal_id)
    form = TransitionForm()
    form.deputy.choices = with_blank(deputy_pairs(_deputies_for(appeal)))
    form.body.choices = government_body_choices()
    if not form.validate_on_submit():
        abort(400)
    try:
        target, version = AppealState(form.to_state.data), version_of(form.version.data)
    except ValueError:
        abort(400)
    written = target in ops.WRITTEN_ANSWERS
    files = attachments.check_uploads(request.files.getlist(form.answer_files.name)) if written else []
    if target in (AppealState.resolved, AppealState.answer_received) and not (form.comment.data or "").strip():
        # The citizen reads this as the answer: an empty one tells them nothing.
        error = _("Write the decision: the citizen reads it on the status page.")
        return _render_detail(appeal, status=400, transition_form=form, move_errors={target: [error]})
    move = ops.Move(
        comment=form.comment.data or "",
        is_public=form.is_public.data,
        comment_public=bool(form.comment_public.data),
        deputy=_get(Deputy, form.deputy.data),
        body=_get(GovernmentBody, form.body.data),
        letter_number=form.letter_number.data or "",
        files=tuple(files),
    )
    event = ops.move_appeal(appeal, target, move, user=acting_user(), expected_version=version)
    try:
        db.session.commit()
    except Exception:
        for row in event.files:
            attachments.path_of(row).unlink(missing_ok=True)
        raise
    flash(_("The appeal is now “%(state)s”.", state=appeal.state.label), "success")
    return redirect(url_for("appeals.detail", appeal_id=appeal.id))


@bp.route("/<int:appeal_id>/extend", methods=["POST"])
# Everyone who sees appeals reaches the operation, so a role the law does not give the decision to reads why.
@allow(Role.staff, Role.branch_head, Role.deputy, Role.assistant, Role.admin)
@show_refusals_on(_fresh_detail)
def extend(appeal_id: int):
    """Extend the deadline by a reasoned decision."""
    appeal = visible_appeal_or_404(appeal_id)
    form = ExtendForm()
    if not form.validate_on_submit():
        return _render_detail(appeal, status=400, extend_form=form)
    ops.extend_deadline(
        appeal,
        form.until.data,
        user=acting_user(),
        reason=form.reason.data,
        expected_version=version_of(form.version.data),
    )
    db.session.commit()
    flash(_("The deadline is now %(date)s.", date=appeal.deadline.strftime("%d.%m.%Y")), "success")
    return redirect(url_for("appeals.detail", appeal_id=appeal.id))


@bp.route("/<int:appeal_id>/group", methods=["POST"])
@allow(Role.staff, Role.branch_head, Role.deputy, Role.assistant, Role.admin)
def link_group(appeal_id: int):
    """Link this appeal with others (by registration number) about the same problem."""
    appeal = visible_appeal_or_404(appeal_id)
    numbers = list(request.form.get("numbers", "").replace(";", ",").split(","))
    group = groups.link_appeals(
        [appeal.registration_number, *numbers],
        user=acting_user(),
        title=request.form.get("title", ""),
        group=appeal.group,
    )
    db.session.commit()
    return redirect(url_for("appeals.group", group_id=group.id))


def _group_or_404(group_id: int):
    group = db.get_or_404(AppealGroup, group_id)
    visible = [a for a in group.appeals if ops.can_see(acting_user(), a)]
    if not visible:
        abort(404)
    return group, visible


@bp.route("/groups/<int:group_id>")
@allow(*READ_ROLES)
def group(group_id: int):
    """A group of appeals about one problem: its members (those the user may see) and joint actions."""
    group, visible = _group_or_404(group_id)
    deputies = []
    if acting_user().role in (Role.staff, Role.branch_head, Role.admin):
        deputies = [(d.id, deputy_label(d)) for d in _deputies_for(visible[0])]
    return render_template(
        "appeals/group.html",
        group=group,
        appeals=visible,
        deputies=deputies,
        can_resolve=any(AppealState.resolved in ops.moves_for(acting_user(), a) for a in visible),
    )


@bp.route("/groups/<int:group_id>/route", methods=["POST"])
@allow(Role.staff, Role.branch_head, Role.admin)
def route_group(group_id: int):
    """Route the whole group to one deputy."""
    group, _visible = _group_or_404(group_id)
    deputy = _get(Deputy, request.form.get("deputy", ""))
    if deputy is None:
        abort(400)
    moved = groups.route_group(group, deputy, user=acting_user())
    db.session.commit()
    flash(_("Routed: %(count)s.", count=moved), "success")
    return redirect(url_for("appeals.group", group_id=group_id))


@bp.route("/groups/<int:group_id>/resolve", methods=["POST"])
@allow(Role.deputy, Role.assistant, Role.branch_head, Role.admin)
def resolve_group(group_id: int):
    """Give the group's appeals one answer and resolve them."""
    group, _visible = _group_or_404(group_id)
    resolved = groups.resolve_group(group, user=acting_user(), answer=request.form.get("answer", ""))
    db.session.commit()
    flash(_("Resolved: %(count)s.", count=resolved), "success")
    return redirect(url_for("appeals.group", group_id=group_id))


@bp.route("/<int:appeal_id>/citizen/reopen/<int:feedback_id>", methods=["POST"])
@allow(Role.branch_head, Role.admin)
def decide_reopening(appeal_id: int, feedback_id: int):
    """The branch head reopens the appeal at the citizen's request, or declines with a reason."""
    appeal = visible_appeal_or_404(appeal_id)
    request_row = db.session.get(AppealFeedback, feedback_id)
    form = ReopenDecisionForm()
    if request_row is None or request_row.appeal_id != appeal.id or not form.validate_on_submit():
        abort(400)
    accept = request.form.get("decision") == "accept"
    feedback_ops.decide_reopening(request_row, user=acting_user(), accept=accept, comment=form.comment.data or "")
    db.session.commit()
    flash(_("The appeal is reopened.") if accept else _("The request to reopen is declined."), "success")
    return redirect(url_for("appeals.detail", appeal_id=appeal.id))


@bp.route("/")
@allow(*READ_ROLES)
def index():
    """Appeals the user may see, newest first, with search and filters, and how many there are."""
    user = acting_user()
    f = listing.AppealFilter.from_args(request.args)
    now = utcnow()
    today = deadlines.local_date(now)
    number = request.args.get("page", 1, type=int)
    if not 1 <= number <= MAX_PAGE:
        abort(404)
    page = listing.list_page(f, user, now, today, number)
    if not page.items and number != 1:
        abort(404)
    deputy = db.session.get(Deputy, f.deputy_id) if f.deputy_id is not None else None
    return render_template(
        "appeals/index.html",
        page=page,
        forward_by=listing.forwarding_dates(page.items, ops.work_calendar()),
        f=f,
        args=f.to_args(),
        total=page.total,
        today=today,
        open_states=ops.OPEN_STATES,
        states=list(AppealState),
        topics=db.session.scalars(select(Topic).order_by(Topic.position)).all(),
        deputy=deputy,
    )


@bp.route("/calendar", methods=["GET", "POST"])
@allow(Role.admin)
def calendar():
    """Government day-off transfers; saving one recomputes the deadlines of open appeals."""
    form = CalendarTransferForm()
    if form.validate_on_submit():
        moved = ops.set_calendar_transfer(
            form.day.data, CalendarTransferKind(form.kind.data), note=form.note.data or "", user=acting_user()
        )
        db.session.commit()
        flash(_("Saved; %(count)s open appeals got a new deadline.", count=moved), "success")
        return redirect(url_for("appeals.calendar"))
    if request.method == "POST" and request.form.get("remove"):
        try:
            day = date.fromisoformat(request.form["remove"])
        except ValueError:
            abort(400)
        moved = ops.set_calendar_transfer(day, None, user=acting_user())
        db.session.commit()
        flash(_("Removed; %(count)s open appeals got a new deadline.", count=moved), "success")
        return redirect(url_for("appeals.calendar"))
    rows = db.session.scalars(select(CalendarTransfer).order_by(CalendarTransfer.day.desc())).all()
    return render_template("appeals/calendar.html", form=form, rows=rows)


@bp.route("/citizens", methods=["GET"])
@allow(Role.admin)
def citizens():
    """A citizen's request about their personal data: export all that is held, or erase it."""
    return render_template("appeals/citizens.html")


def _citizen_from_form():
    if not FlaskForm().validate_on_submit():
        abort(400)
    return personal_data.citizen_or_refuse(request.form.get("iin", ""))


@bp.route("/citizens/export", methods=["POST"])
@allow(Role.admin)
def export_citizen():
    """All that is held about an IIN, as JSON or PDF (the IIN travels in the form, never in a URL); audited."""
    citizen = _citizen_from_form()
    data = personal_data.export_citizen(citizen, user=acting_user())
    db.session.commit()
    name = f"citizen-{date.today().isoformat()}"
    if request.form.get("format") == "pdf":
        from weasyprint import HTML  # loaded only here: it brings Pango

        html = render_template("appeals/citizen_export.html", data=personal_data.readable(data))
        response = make_response(HTML(string=html).write_pdf())
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    else:
        response = make_response(json.dumps(data, ensure_ascii=False, indent=2))
        response.headers["Content-Type"] = "application/json; charset=utf-8"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/citizens/anonymise", methods=["POST"])
@allow(Role.admin)
def anonymise_citizen():
    """Erase a citizen's personal data at their request (refused while an appeal is open); audited."""
    citizen = _citizen_from_form()
    erased = personal_data.anonymise_on_request(citizen, user=acting_user(), reason=request.form.get("reason", ""))
    db.session.commit()
    flash(_("The citizen's personal data is erased; appeals erased: %(count)s.", count=erased), "success")
    return redirect(url_for("appeals.citizens"))
