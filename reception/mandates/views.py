"""The mandate pages: the analyst's board (suggested groups, growing mandates, overdue tasks), a mandate, a programme
point and its road map, an owner's tasks, and the public road map (no sign-in, no personal data)."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..accounts.access import acting_user, allow, public, visible_branch_ids
from ..accounts.models import Role
from ..appeals import attachments, deadlines
from ..appeals.models import Appeal
from ..dbtypes import utcnow
from ..directory.choices import branch_choices, deputy_choices, government_body_choices
from ..directory.models import Deputy
from ..extensions import db
from ..formkit import int_id
from ..inquiries.models import Inquiry, InquiryState
from ..reports import tilemap
from . import operations as ops
from . import suggestions
from .forms import AcceptForm, AdoptForm, AppealsForm, StatusForm, TaskForm
from .models import OwnerKind, ProgrammePoint, RoadmapDocument, RoadmapTask, TaskStatus, VoterMandate

bp = Blueprint("mandates", __name__, url_prefix="/mandates")
roadmap_bp = Blueprint("roadmap", __name__, url_prefix="/roadmap")
#: Who gathers mandates and keeps the programme: the central office's analysts and administrators.
ANALYSTS = (Role.analyst, Role.admin)
#: The largest suggested groups the board shows at once; accepting them brings the next ones up.
SHOWN_GROUPS = 20
#: Owners who see their own road-map tasks.
OWNERS = (Role.deputy, Role.branch_head)


def _today() -> date:
    return deadlines.local_date(utcnow())


def _get(model, ident: int):
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


def _appeals(ids: list[str]) -> list[Appeal]:
    wanted = {i for i in (int_id(v) for v in ids) if i}
    return list(db.session.scalars(select(Appeal).where(Appeal.id.in_(wanted)).order_by(Appeal.id))) if wanted else []


@bp.route("/")
@allow(*ANALYSTS)
def board():
    """Suggested groups to accept, new appeals that match a mandate, the mandates, points and overdue tasks."""
    today = _today()
    groups = suggestions.suggest_groups()
    return render_template(
        "mandates/board.html",
        groups=groups[:SHOWN_GROUPS],
        hidden_groups=max(0, len(groups) - SHOWN_GROUPS),
        growth=suggestions.suggest_growth(),
        # After both suggestions, which may have queued the job.
        matching_pending=suggestions.embeddings_pending(),
        mandates=list(db.session.scalars(select(VoterMandate).order_by(VoterMandate.id.desc()))),
        points=list(db.session.scalars(select(ProgrammePoint).order_by(ProgrammePoint.number))),
        overdue=ops.overdue_tasks(today),
        today=today,
        accept_form=AcceptForm(),
        add_form=AppealsForm(),
    )


@bp.route("/accept", methods=["POST"])
@allow(*ANALYSTS)
def accept():
    """A suggested group, as the analyst ticked it, becomes a mandate."""
    form = AcceptForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        mandate = ops.create_mandate(
            _appeals(request.form.getlist("appeal")),
            title_kk=form.title_kk.data or "",
            title_ru=form.title_ru.data or "",
            user=acting_user(),
        )
    except ops.MandateError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for(".board"))
    db.session.commit()
    flash(_("The mandate is created."), "success")
    return redirect(url_for(".detail", mandate_id=mandate.id))


@bp.route("/join", methods=["POST"])
@allow(*ANALYSTS)
def join():
    """A suggested group, as ticked, joins a mandate the analyst chose instead of making a new one."""
    if not AcceptForm().validate_on_submit():
        abort(400)
    mandate = db.session.get(VoterMandate, int_id(request.form.get("mandate")) or 0)
    if mandate is None:
        flash(_("Choose the mandate to add the appeals to."), "error")
        return redirect(url_for(".board"))
    try:
        added = ops.add_appeals(mandate, _appeals(request.form.getlist("appeal")), user=acting_user())
    except ops.MandateError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for(".board"))
    db.session.commit()
    flash(_("Appeals added to the mandate: %(count)d.", count=added), "success")
    return redirect(url_for(".detail", mandate_id=mandate.id))


def _places(mandate: VoterMandate) -> dict:
    """Where a mandate's appeals came from: the table by district and the tile map of regions."""
    cells = ops.map_cells(mandate)
    return {"places": ops.by_region(mandate), "tiles": tilemap.tiles(cells), "tile": tilemap.TILE}


@bp.route("/<int:mandate_id>")
@allow(*ANALYSTS)
def detail(mandate_id: int):
    """A mandate: the appeals behind it (number, date, place; no names), by place, and its adoption."""
    mandate = _get(VoterMandate, mandate_id)
    return render_template(
        "mandates/detail.html",
        mandate=mandate,
        **_places(mandate),
        adopt_form=AdoptForm(),
        remove_form=AppealsForm(),
    )


@bp.route("/<int:mandate_id>/add", methods=["POST"])
@allow(*ANALYSTS)
def add(mandate_id: int):
    """New appeals the board found alike join the mandate."""
    mandate = _get(VoterMandate, mandate_id)
    if not AppealsForm().validate_on_submit():
        abort(400)
    try:
        added = ops.add_appeals(mandate, _appeals(request.form.getlist("appeal")), user=acting_user())
    except ops.MandateError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for(".board"))
    db.session.commit()
    flash(_("Appeals added to the mandate: %(count)d.", count=added), "success")
    return redirect(url_for(".detail", mandate_id=mandate.id))


@bp.route("/<int:mandate_id>/remove/<int:appeal_id>", methods=["POST"])
@allow(*ANALYSTS)
def remove(mandate_id: int, appeal_id: int):
    """An appeal that does not belong leaves the mandate (it stays a suggestion candidate)."""
    mandate = _get(VoterMandate, mandate_id)
    if not AppealsForm().validate_on_submit():
        abort(400)
    try:
        ops.remove_appeal(mandate, _get(Appeal, appeal_id), user=acting_user())
    except ops.MandateError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for(".detail", mandate_id=mandate.id))
    db.session.commit()
    flash(_("The appeal is taken out of the mandate."), "success")
    return redirect(url_for(".detail", mandate_id=mandate.id))


@bp.route("/<int:mandate_id>/adopt", methods=["POST"])
@allow(*ANALYSTS)
def adopt(mandate_id: int):
    """The mandate becomes a point of the programme."""
    mandate = _get(VoterMandate, mandate_id)
    form = AdoptForm()
    if not form.validate_on_submit():
        return render_template(
            "mandates/detail.html",
            mandate=mandate,
            **_places(mandate),
            adopt_form=form,
            remove_form=AppealsForm(),
        ), 422
    try:
        point = ops.adopt_into_point(
            [mandate], text_kk=form.text_kk.data, text_ru=form.text_ru.data, user=acting_user()
        )
    except ops.MandateError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for(".detail", mandate_id=mandate.id))
    db.session.commit()
    flash(_("The mandate is adopted into the programme."), "success")
    return redirect(url_for(".point", point_id=point.id))


#: Inquiries that may serve as a task's evidence: those sent, and their answers.
EVIDENT = (InquiryState.sent, InquiryState.answered, InquiryState.closed)


def _inquiry_choices() -> list[tuple[str, str]]:
    rows = db.session.scalars(select(Inquiry).where(Inquiry.state.in_(EVIDENT)).order_by(Inquiry.id.desc()))
    return [(str(i.id), f"№{i.id} · {i.outgoing_number or '—'} · {i.subject[:80]}") for i in rows]


def _task_form(point: ProgrammePoint, formdata=None) -> TaskForm:
    # The deputies who may own a task: active ones of the regions the point's mandates come from, and those with no
    # region (party-list deputies); thousands of maslikhat deputies elsewhere would only bury them.
    regions = {m.region_id for m in point.mandates if m.region_id}
    return TaskForm(
        formdata=formdata,
        deputies=deputy_choices(
            Deputy.is_active.is_(True), or_(Deputy.region_id.in_(regions), Deputy.region_id.is_(None))
        ),
        branches=branch_choices(),
        bodies=government_body_choices(),
        inquiries=_inquiry_choices(),
    )


def _owner(form: TaskForm) -> ops.Owner:
    return ops.Owner(
        kind=OwnerKind(form.owner_kind.data),
        deputy_id=int_id(form.owner_deputy.data),
        branch_id=int_id(form.owner_branch.data),
        body_id=int_id(form.owner_body.data),
        faction=form.owner_faction.data or "",
    )


@bp.route("/points/<int:point_id>")
@allow(*ANALYSTS)
def point(point_id: int):
    """A programme point: its text, its mandates and every appeal behind them, and its road map."""
    point = _get(ProgrammePoint, point_id)
    return render_template(
        "mandates/point.html", point=point, form=_task_form(point), status_form=StatusForm(), today=_today()
    )


@bp.route("/points/<int:point_id>/tasks", methods=["POST"])
@allow(*ANALYSTS)
def add_task(point_id: int):
    """A task joins the point's road map."""
    point = _get(ProgrammePoint, point_id)
    form = _task_form(point, request.form)
    error = None
    if form.validate_on_submit():
        try:
            ops.add_task(
                point,
                title_kk=form.title_kk.data or "",
                title_ru=form.title_ru.data or "",
                owner=_owner(form),
                expected_result=form.expected_result.data,
                deadline=form.deadline.data,
                evidence_url=form.evidence_url.data or "",
                inquiry_id=int_id(form.inquiry.data),
            )
        except ops.MandateError as refusal:
            error = str(refusal)
        else:
            db.session.commit()
            flash(_("The task is added to the road map."), "success")
            return redirect(url_for(".point", point_id=point.id))
    if error:
        form.owner_kind.errors = [*form.owner_kind.errors, error]
    return render_template("mandates/point.html", point=point, form=form, status_form=StatusForm(), today=_today()), 422


@bp.route("/tasks/<int:task_id>/status", methods=["POST"])
@allow(*ANALYSTS)
def task_status(task_id: int):
    """A task moves along (planned, in progress, done), with a link to its evidence."""
    task = _get(RoadmapTask, task_id)
    form = StatusForm()
    if not form.validate_on_submit():
        flash(_("Choose a status; the evidence is a link (https://…)."), "error")
        return redirect(url_for(".point", point_id=task.point_id))
    try:
        files = attachments.check_uploads(request.files.getlist("documents"))
    except attachments.AttachmentRejected as refusal:
        flash(str(refusal), "error")
        return redirect(url_for(".point", point_id=task.point_id))
    ops.set_task_status(task, TaskStatus(form.status.data), evidence_url=form.evidence_url.data)
    stored = ops.add_documents(task, files, user=acting_user())
    try:
        db.session.commit()
    except Exception:
        for document in stored:
            ops.document_path(document).unlink(missing_ok=True)
        raise
    flash(_("The task's status is saved."), "success")
    return redirect(url_for(".point", point_id=task.point_id))


@bp.route("/documents/<int:document_id>")
@allow(*ANALYSTS)
def document(document_id: int):
    """A task's evidence document, as a download under its own name."""
    row = _get(RoadmapDocument, document_id)
    return send_file(
        ops.document_path(row), mimetype=row.content_type, as_attachment=True, download_name=row.filename, max_age=0
    )


@bp.route("/my-tasks")
@allow(*OWNERS)
def my_tasks():
    """The road-map tasks a deputy or a branch owns, overdue first."""
    user, today = acting_user(), _today()
    query = select(RoadmapTask)
    if user.role is Role.deputy:
        query = query.where(RoadmapTask.owner_deputy_id == (user.deputy_id or 0))
    else:
        branches = visible_branch_ids(user)
        if branches is not None:
            query = query.where(RoadmapTask.owner_branch_id.in_(branches))
    tasks = sorted(
        db.session.scalars(query), key=lambda t: (not t.is_overdue(today), t.status is TaskStatus.done, t.deadline)
    )
    return render_template("mandates/my_tasks.html", tasks=tasks, today=today)


@roadmap_bp.route("/")
@public
def index():
    """The public road map: each programme point, its tasks and progress by region and topic; no personal data."""
    points = list(db.session.scalars(select(ProgrammePoint).order_by(ProgrammePoint.number)))
    regions, topics = ops.progress(points)
    return render_template("mandates/roadmap.html", points=points, regions=regions, topics=topics, today=_today())
