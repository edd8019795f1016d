"""The directory's pages: analysts and administrators read it, administrators edit it."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..accounts.access import acting_user, allow
from ..accounts.models import Role
from ..errors import Refused
from ..extensions import db
from ..formkit import int_id, options, with_blank
from . import handover
from . import operations as ops
from .choices import deputy_choices, deputy_label, district_choices, region_choices
from .forms import (
    BranchForm,
    CloseConvocationForm,
    DeputyForm,
    EndMandateForm,
    GovernmentBodyForm,
    NamesForm,
    SeatsForm,
    TopicForm,
)
from .models import (
    Branch,
    Constituency,
    Convocation,
    Deputy,
    District,
    GovernmentBody,
    GovernmentBodyKind,
    MandateType,
    Region,
    RepresentativeBody,
    Topic,
    serving_on,
)

bp = Blueprint("directory", __name__, url_prefix="/directory")

READERS = (Role.admin, Role.analyst)


def _like(query: str) -> str:
    return f"%{query.strip().lower()}%"


def _names_filter(model, query: str):
    like = _like(query)
    return or_(*(func.lower(getattr(model, f"name_{lang}")).like(like) for lang in ("kk", "ru", "en")))


def _save(form, record, fields):
    changes = ops.update_record(record, {f: getattr(form, f).data for f in fields}, user=acting_user())
    db.session.commit()
    flash(_("Saved.") if changes else _("Nothing changed."), "success" if changes else "info")


@bp.route("/")
@allow(*READERS)
def index():
    """Counts of everything in the directory, with links."""
    counts = {
        "regions": db.session.scalar(select(func.count(Region.id))),
        "districts": db.session.scalar(select(func.count(District.id))),
        "branches": db.session.scalar(select(func.count(Branch.id))),
        "bodies": db.session.scalar(select(func.count(RepresentativeBody.id))),
        "deputies": db.session.scalar(select(func.count(Deputy.id))),
        "government_bodies": db.session.scalar(select(func.count(GovernmentBody.id))),
        "topics": db.session.scalar(select(func.count(Topic.id))),
    }
    # Work still with deputies whose mandate ended: it should have been handed over (directory/handover.py).
    return render_template("directory/index.html", counts=counts, left=handover.left_with_former_deputies())


@bp.route("/my-branch")
@allow(Role.staff, Role.branch_head)
def my_branch():
    """The user's own branch, and for a branch head the branches under it, with their people."""
    from ..accounts.access import visible_branch_ids
    from ..accounts.models import User

    ids = visible_branch_ids(acting_user())
    branches = db.session.scalars(
        select(Branch).where(Branch.id.in_(ids)).options(selectinload(Branch.region)).order_by(Branch.code)
    ).all()
    people = db.session.scalars(
        select(User).where(User.branch_id.in_(ids), User.is_enabled.is_(True)).order_by(User.full_name)
    ).all()
    by_branch: dict[int, list] = {}
    for person in people:
        by_branch.setdefault(person.branch_id, []).append(person)
    own = next(b for b in branches if b.id == current_user.branch_id)
    return render_template("directory/my_branch.html", own=own, branches=branches, by_branch=by_branch)


# --- territory ------------------------------------------------------------------------------


@bp.route("/regions")
@allow(*READERS)
def regions():
    """The 20 regions with their number of districts."""
    rows = db.session.execute(
        select(Region, func.count(District.id)).outerjoin(District).group_by(Region.id).order_by(Region.code)
    ).all()
    return render_template("directory/regions.html", rows=rows)


@bp.route("/regions/<code>")
@allow(*READERS)
def region(code: str):
    """One region and its districts and cities."""
    region = db.first_or_404(select(Region).where(Region.code == code).options(selectinload(Region.districts)))
    return render_template("directory/region.html", region=region)


@bp.route("/regions/<code>/edit", methods=["GET", "POST"])
@allow(Role.admin)
def edit_region(code: str):
    """Rename a region."""
    region = db.first_or_404(select(Region).where(Region.code == code))
    form = NamesForm(obj=region)
    if form.validate_on_submit():
        _save(form, region, ("name_kk", "name_ru", "name_en"))
        return redirect(url_for("directory.region", code=code))
    return render_template(
        "directory/edit.html", form=form, title=region.name, back=url_for("directory.region", code=code)
    )


@bp.route("/districts/<code>/edit", methods=["GET", "POST"])
@allow(Role.admin)
def edit_district(code: str):
    """Rename a district or city."""
    district = db.first_or_404(select(District).where(District.code == code))
    back = url_for("directory.region", code=district.region.code)
    form = NamesForm(obj=district)
    if form.validate_on_submit():
        _save(form, district, ("name_kk", "name_ru", "name_en"))
        return redirect(back)
    return render_template("directory/edit.html", form=form, title=district.name, back=back)


# --- branches -------------------------------------------------------------------------------


@bp.route("/branches")
@allow(*READERS)
def branches():
    """All branches, filterable by region and by code or name."""
    region_code = request.args.get("region", "")
    query = request.args.get("q", "")
    stmt = select(Branch).options(selectinload(Branch.region)).order_by(Branch.code)
    if region_code:
        stmt = stmt.join(Region, Branch.region_id == Region.id).where(Region.code == region_code)
    if query:
        stmt = stmt.where(or_(Branch.code.ilike(_like(query)), _names_filter(Branch, query)))
    page = db.paginate(stmt, per_page=100)
    all_regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    return render_template("directory/branches.html", page=page, regions=all_regions, region_code=region_code, q=query)


@bp.route("/branches/<code>", methods=["GET", "POST"])
@allow(Role.admin)
def edit_branch(code: str):
    """Edit a branch's names, address and contacts, or close it."""
    branch = db.first_or_404(select(Branch).where(Branch.code == code))
    form = BranchForm(obj=branch)
    if form.validate_on_submit():
        _save(
            form, branch, ("name_kk", "name_ru", "name_en", "address_kk", "address_ru", "phone", "email", "is_active")
        )
        return redirect(url_for("directory.branches", q=code))
    return render_template(
        "directory/edit.html", form=form, title=f"{branch.code} {branch.name}", back=url_for("directory.branches")
    )


# --- representative bodies and deputies ------------------------------------------------------


@bp.route("/bodies")
@allow(*READERS)
def bodies():
    """The Mazhilis and the maslikhats, with their seats."""
    query = request.args.get("q", "")
    stmt = (
        select(RepresentativeBody)
        .options(selectinload(RepresentativeBody.seats))
        .order_by(RepresentativeBody.level, RepresentativeBody.code)
    )
    if query:
        stmt = stmt.where(or_(RepresentativeBody.code.ilike(_like(query)), _names_filter(RepresentativeBody, query)))
    page = db.paginate(stmt, per_page=100)
    totals = dict(
        db.session.execute(
            select(RepresentativeBody.kind, func.count(RepresentativeBody.id)).group_by(RepresentativeBody.kind)
        ).all()
    )
    return render_template("directory/bodies.html", page=page, q=query, totals=totals)


@bp.route("/bodies/<code>")
@allow(*READERS)
def body(code: str):
    """A body: its seats by mandate type and its single-mandate districts."""
    body = db.first_or_404(
        select(RepresentativeBody)
        .where(RepresentativeBody.code == code)
        .options(
            selectinload(RepresentativeBody.seats),
            selectinload(RepresentativeBody.constituencies).selectinload(Constituency.districts),
            selectinload(RepresentativeBody.constituencies).selectinload(Constituency.region),
        )
    )
    deputies = db.session.scalar(select(func.count(Deputy.id)).where(Deputy.body_id == body.id))
    return render_template("directory/body.html", body=body, deputies=deputies)


@bp.route("/bodies/<code>/seats", methods=["GET", "POST"])
@allow(Role.admin)
def edit_seats(code: str):
    """Change how many seats of each mandate type a body has."""
    body = db.first_or_404(select(RepresentativeBody).where(RepresentativeBody.code == code))
    form = SeatsForm()
    if request.method == "GET":
        counts = {s.mandate_type: s.count for s in body.seats}
        form.party_list.data = counts.get(MandateType.party_list, 0)
        form.single_mandate.data = counts.get(MandateType.single_mandate, 0)
    if form.validate_on_submit():
        ops.set_seats(
            body,
            {
                MandateType.party_list: form.party_list.data or 0,
                MandateType.single_mandate: form.single_mandate.data or 0,
            },
            user=acting_user(),
        )
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("directory.body", code=code))
    return render_template("directory/edit.html", form=form, title=body.name, back=url_for("directory.body", code=code))


@bp.route("/deputies")
@allow(*READERS)
def deputies():
    """Deputies, filterable by body, region and name."""
    body_code = request.args.get("body", "")
    region_code = request.args.get("region", "")
    query = request.args.get("q", "")
    stmt = select(Deputy).options(
        selectinload(Deputy.body),
        selectinload(Deputy.region),
        selectinload(Deputy.district),
        selectinload(Deputy.topics),
        selectinload(Deputy.convocation),
        selectinload(Deputy.assigned_regions),
    )
    if body_code:
        stmt = stmt.join(RepresentativeBody, Deputy.body_id == RepresentativeBody.id).where(
            RepresentativeBody.code == body_code
        )
    if region_code:
        stmt = stmt.join(Region, Deputy.region_id == Region.id).where(Region.code == region_code)
    if query:
        stmt = stmt.where(func.lower(Deputy.full_name).like(_like(query)))
    page = db.paginate(stmt.order_by(Deputy.full_name, Deputy.id), per_page=50)
    all_regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    return render_template(
        "directory/deputies.html",
        page=page,
        q=query,
        body_code=body_code,
        region_code=region_code,
        regions=all_regions,
        today=handover.today(),
    )


def _deputy_choices(form: DeputyForm) -> None:
    form.body.choices = options(
        (b.id, b.name)
        for b in db.session.scalars(
            select(RepresentativeBody).order_by(RepresentativeBody.level, RepresentativeBody.code)
        )
    )
    form.convocation.choices = with_blank(
        (str(c.id), convocation_label(c))
        for c in db.session.scalars(
            select(Convocation)
            .options(selectinload(Convocation.body))
            .order_by(Convocation.body_id, Convocation.number)
        )
    )
    form.mandate_type.choices = options(
        [
            (MandateType.party_list.value, _("party list")),
            (MandateType.single_mandate.value, _("single-mandate district")),
            (MandateType.other.value, _("other")),
        ]
    )
    form.constituency.choices = with_blank(
        (str(c.id), f"{c.body.name}, №{c.number} {c.name}")
        for c in db.session.scalars(
            select(Constituency)
            .options(selectinload(Constituency.body))
            .order_by(Constituency.body_id, Constituency.number)
        )
    )
    form.region.choices = region_choices()
    form.district.choices = district_choices()
    form.assigned_regions.choices = options(
        (r.id, r.name) for r in db.session.scalars(select(Region).order_by(Region.code))
    )
    form.topics.choices = options((t.id, t.name) for t in db.session.scalars(select(Topic).order_by(Topic.position)))


def convocation_label(convocation: Convocation) -> str:
    """ "Mazhilis …, 8: 29.03.2023–30.06.2026", the end left open while it sits."""
    end = f"{convocation.end_date:%d.%m.%Y}" if convocation.end_date else ""
    return f"{convocation.body.name}, {convocation.number}: {convocation.start_date:%d.%m.%Y}–{end}"


def _deputy_values(form: DeputyForm) -> dict:
    def opt(model, value):
        return db.session.get(model, number) if (number := int_id(value)) is not None else None

    return {
        "full_name": form.full_name.data.strip(),
        "body": db.session.get(RepresentativeBody, form.body.data),
        "mandate_type": MandateType(form.mandate_type.data),
        "convocation": opt(Convocation, form.convocation.data),
        "mandate_start": form.mandate_start.data,
        "mandate_end": form.mandate_end.data,
        "constituency": opt(Constituency, form.constituency.data),
        "region": opt(Region, form.region.data),
        "district": opt(District, form.district.data),
        "assigned_regions": list(
            db.session.scalars(
                select(Region).where(Region.id.in_(form.assigned_regions.data or [])).order_by(Region.code)
            )
        ),
        "topics": list(
            db.session.scalars(select(Topic).where(Topic.id.in_(form.topics.data or [])).order_by(Topic.position))
        ),
        "email": form.email.data or "",
        "phone": form.phone.data or "",
        "is_active": form.is_active.data,
    }


@bp.route("/deputies/new", methods=["GET", "POST"])
@bp.route("/deputies/<int:deputy_id>", methods=["GET", "POST"])
@allow(Role.admin)
def edit_deputy(deputy_id: int | None = None):
    """Add a deputy or change one: body, mandate, territory, topics, contacts."""
    deputy = db.get_or_404(Deputy, deputy_id) if deputy_id else None
    form = DeputyForm(obj=deputy)
    _deputy_choices(form)
    if request.method == "GET" and deputy:
        form.body.data = deputy.body_id
        form.mandate_type.data = deputy.mandate_type.value
        form.convocation.data = str(deputy.convocation_id or "")
        form.assigned_regions.data = [r.id for r in deputy.assigned_regions]
        form.constituency.data = str(deputy.constituency_id or "")
        form.region.data = str(deputy.region_id or "")
        form.district.data = str(deputy.district_id or "")
        form.topics.data = [t.id for t in deputy.topics]
    if form.validate_on_submit():
        values = _deputy_values(form)
        if deputy is None:
            deputy = Deputy(full_name=values["full_name"], body=values["body"], mandate_type=values["mandate_type"])
            db.session.add(deputy)
        ops.update_record(deputy, values, user=acting_user())
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("directory.edit_deputy", deputy_id=deputy.id))
    title = deputy.full_name if deputy else _("New deputy")
    return render_template("directory/edit.html", form=form, title=title, back=url_for("directory.deputies"))


# --- the end of a convocation or of one mandate -------------------------------------------------


def _handover_page(*, leaving, form, starts, title: str, back: str, apply):
    """The shared page: the last day and a successor for everything, the plan (a dry run) with a choice per
    item, then `apply(end_date, successor, picked)` on "apply". Returns a response."""
    today = handover.today()
    form.successor.choices = with_blank(deputy_choices(serving_on(today)))
    plan = None
    valid = form.validate_on_submit()
    if valid and starts is not None and form.end_date.data < starts:
        form.end_date.errors.append(_("The mandate cannot end before it began."))
        valid = False
    if valid:
        successor = db.session.get(Deputy, number) if (number := int_id(form.successor.data)) is not None else None
        plan = handover.plan_handover(leaving, successor=successor)
        # Per-item choices from the plan's page (empty: as planned).
        picked = {
            item.key: deputy
            for item in plan.items
            if (number := int_id(request.form.get(f"item-{item.key}"))) is not None
            and (deputy := db.session.get(Deputy, number)) is not None
        }
        if picked:
            plan = handover.plan_handover(leaving, successor=successor, choices=picked)
        if request.form.get("action") == "apply":
            try:
                moved = apply(form.end_date.data, successor, picked)
            except Refused as exc:
                db.session.rollback()
                flash(str(exc.message), "error")
            else:
                db.session.commit()
                flash(
                    _(
                        "Done. Handed over: %(appeals)s appeals, %(inquiries)s inquiries, %(rules)s routing rules.",
                        appeals=moved["appeal"],
                        inquiries=moved["inquiry"],
                        rules=moved["rule"],
                    ),
                    "success",
                )
                return redirect(back)
    return render_template(
        "directory/handover.html",
        title=title,
        back=back,
        form=form,
        plan=plan,
        label=deputy_label,
        left=handover.left_with_former_deputies(today),
    )


@bp.route("/convocations/<int:convocation_id>/close", methods=["GET", "POST"])
@allow(Role.admin)
def close_convocation(convocation_id: int):
    """Close a convocation: set its last day, review who takes over each open item (changing none), apply."""
    convocation = db.get_or_404(Convocation, convocation_id)
    form = CloseConvocationForm()
    if request.method == "GET":
        form.end_date.process(None, convocation.end_date or handover.today())

    def apply(end_date, successor, picked):
        return handover.close_convocation(
            convocation, end_date=end_date, user=acting_user(), successor=successor, choices=picked
        )

    return _handover_page(
        leaving=handover.convocation_deputies(convocation),
        form=form,
        starts=convocation.start_date,
        title=_("Close the convocation") + f": {convocation.body.name}, {convocation.number}",
        back=url_for("directory.body", code=convocation.body.code),
        apply=apply,
    )


@bp.route("/deputies/<int:deputy_id>/end-mandate", methods=["GET", "POST"])
@allow(Role.admin)
def end_mandate(deputy_id: int):
    """End one deputy's mandate early (resignation, a new post, a court's decision) and hand their work over."""
    deputy = db.get_or_404(Deputy, deputy_id)
    form = EndMandateForm()
    if request.method == "GET":
        form.end_date.process(None, deputy.mandate_end or handover.today())

    def apply(end_date, successor, picked):
        return handover.end_mandate(deputy, end_date=end_date, user=acting_user(), successor=successor, choices=picked)

    return _handover_page(
        leaving=[deputy],
        form=form,
        starts=deputy.mandate_start,
        title=_("End the mandate") + f": {deputy.full_name}",
        back=url_for("directory.deputies", q=deputy.full_name),
        apply=apply,
    )


# --- addressees and topics -------------------------------------------------------------------


@bp.route("/government-bodies")
@allow(*READERS)
def government_bodies():
    """The Government, ministries, agencies and akimats, filterable by kind and name."""
    kind = request.args.get("kind", "")
    query = request.args.get("q", "")
    stmt = select(GovernmentBody).order_by(GovernmentBody.kind, GovernmentBody.code)
    if kind in {k.value for k in GovernmentBodyKind}:
        stmt = stmt.where(GovernmentBody.kind == GovernmentBodyKind(kind))
    if query:
        stmt = stmt.where(or_(GovernmentBody.code.ilike(_like(query)), _names_filter(GovernmentBody, query)))
    page = db.paginate(stmt, per_page=100)
    return render_template(
        "directory/government_bodies.html", page=page, kind=kind, q=query, kinds=list(GovernmentBodyKind)
    )


@bp.route("/government-bodies/<code>", methods=["GET", "POST"])
@allow(Role.admin)
def edit_government_body(code: str):
    """Change an addressee's names and its current head."""
    record = db.first_or_404(select(GovernmentBody).where(GovernmentBody.code == code))
    form = GovernmentBodyForm(obj=record)
    if form.validate_on_submit():
        values = {name: value for name, value in form.data.items() if name != "csrf_token"}
        changes = ops.update_record(record, ops.with_address_forms(record, values), user=acting_user())
        db.session.commit()
        flash(_("Saved.") if changes else _("Nothing changed."), "success" if changes else "info")
        return redirect(url_for("directory.government_bodies", q=code))
    return render_template(
        "directory/edit.html", form=form, title=record.name, back=url_for("directory.government_bodies")
    )


@bp.route("/topics")
@allow(*READERS)
def topics():
    """Appeal topics in list order."""
    rows = db.session.scalars(select(Topic).order_by(Topic.position, Topic.code)).all()
    return render_template("directory/topics.html", topics=rows)


@bp.route("/topics/new", methods=["GET", "POST"])
@allow(Role.admin)
def create_topic():
    """Add an appeal topic."""
    form = TopicForm()
    if form.validate_on_submit():
        values = {k: v for k, v in form.data.items() if k != "csrf_token"}
        values["position"] = values["position"] or 0
        try:
            ops.create_topic(values, user=acting_user())
        except ops.DirectoryError as exc:
            form.code.errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("directory.topics"))
    return render_template("directory/edit.html", form=form, title=_("New topic"), back=url_for("directory.topics"))


@bp.route("/topics/<code>", methods=["GET", "POST"])
@allow(Role.admin)
def edit_topic(code: str):
    """Rename, reorder or retire a topic (its code stays: appeals refer to it)."""
    topic = db.first_or_404(select(Topic).where(Topic.code == code))
    form = TopicForm(obj=topic)
    del form.code
    if form.validate_on_submit():
        form.position.data = form.position.data or 0
        _save(form, topic, ("name_kk", "name_ru", "name_en", "position", "is_active"))
        return redirect(url_for("directory.topics"))
    return render_template("directory/edit.html", form=form, title=topic.name, back=url_for("directory.topics"))
