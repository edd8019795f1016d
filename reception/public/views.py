"""What citizens see without signing in: the status of their appeal, the online appeal, and what they say
back; and the two actions the branch takes about them (unlocking a code, deciding on a reopening)."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from redis.exceptions import RedisError

from ..accounts.access import acting_user, allow, public
from ..accounts.models import Role
from ..appeals import attachments
from ..appeals import feedback as feedback_ops
from ..appeals import operations as appeal_ops
from ..appeals.forms import ReopenDecisionForm
from ..appeals.models import Appeal, AppealFeedback, EventKind, Rating
from ..appeals.receipt import qr_svg, status_url
from ..appeals.views import keep_receipt_pin, receipt_pdf_response, visible_appeal_or_404
from ..directory.choices import district_choices, region_choices, topic_choices
from ..extensions import db, limiter
from ..i18n import current_language
from ..letters import operations as letter_ops
from ..letters.views import letter_download
from . import online, page_cache, pins
from . import operations as ops
from . import status as lookup
from .forms import ConfirmForm, InformationForm, NewPinForm, OnlineAppealForm, RatingForm

bp = Blueprint("public", __name__)


def _config(name: str):
    return lambda: current_app.config[name]


@bp.after_request
def no_store(response):
    """Nothing a citizen sees here (a status, a PIN, a form) may stay in a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the status page ------------------------------------------------------------------------------


@bp.route("/status/", methods=["GET", "POST"])
@bp.route("/status/<code>", methods=["GET", "POST"])
# STATUS_LOOKUP_LIMIT is counted by the look-up itself, in the same Redis round trip as the code's lock and the
# kept page (status.look_up), so Flask-Limiter has nothing to do here.
@limiter.exempt
@public
def status(code: str = ""):
    """Ask for the tracking code (pre-filled from the receipt's QR link) and PIN; show the appeal's status.

    Every failure answers the same page, whatever was wrong and without echoing what was typed."""
    if request.method == "GET":
        return render_template("public/status.html", code=code)
    result = lookup.look_up(request.form.get("code", ""), request.form.get("pin", ""), client=get_remote_address())
    if result.outcome == lookup.LIMITED:
        abort(429)  # the friendly page of every limit (errors.py)
    if result.outcome == lookup.FOUND:
        lookup.grant_access(result)
        return _found_page(result)
    if result.outcome == lookup.LOCKED:
        error = _(
            "Too many wrong PINs were typed for this code, so it is locked for an hour. The public "
            "reception that registered your appeal can unlock it."
        )
        return render_template("public/status.html", code="", error=error), 429
    return render_template("public/status.html", code="", error=_("The tracking code or PIN is wrong.")), 404


@bp.route("/status/new-pin", methods=["GET", "POST"])
@limiter.limit(_config("STATUS_LOOKUP_LIMIT"), methods=["POST"])
@public
def new_pin():
    """A citizen who lost the PIN asks for a new one by SMS to the phone given with the appeal.

    The answer is the same whether or not the code exists or has a phone, so the page reveals nothing."""
    form = NewPinForm()
    if request.method == "GET":
        form.code.data = request.args.get("code", "")
        return render_template("public/new_pin.html", form=form)
    if not form.validate_on_submit():
        return render_template("public/new_pin.html", form=form), 400
    pins.send_by_sms(form.code.data, request.remote_addr or "-")
    return render_template("public/new_pin.html", form=form, sent=True)


def _render_appeal(appeal: Appeal, rating_form=None, info_form=None, status: int = 200):
    page = lookup.status_page(appeal)
    return render_template(
        "public/appeal.html",
        page=page,
        letters=letter_ops.citizen_letters(appeal),
        rating_form=rating_form or RatingForm(),
        info_form=info_form or InformationForm(),
        # The page answers a POST; the language switch comes back to it through the browser's access.
        language_next=url_for("public.view"),
    ), status


def _found_page(result: lookup.Lookup):
    """The page after a right PIN: kept in Redis for the appeal's version and language, when it is the same
    for everyone (nobody signed in, no message waiting to be shown: those are in the layout)."""
    same_for_all = result.page_key is not None and not current_user.is_authenticated and "_flashes" not in session
    token = generate_csrf()
    if same_for_all and result.page is not None:
        return page_cache.serve(result.page, token)
    appeal = lookup.appeal_for_page(result.appeal_id)
    if appeal is None or appeal.pin_hash != result.pin_hash:
        # Erased, or given a new PIN, since the PIN was checked.
        return render_template("public/status.html", code="", error=_("The tracking code or PIN is wrong.")), 404
    html, http_status = _render_appeal(appeal)
    if same_for_all and result.versions is not None:
        page_cache.keep(result.page_key, result.versions, appeal.id, appeal.pin_hash, html, token)
    return html, http_status


def _back_to_lookup():
    flash(_("Please enter the tracking code and PIN again."), "info")
    return redirect(url_for("public.status"))


@bp.route("/status/view")
@public
def view():
    """The status again, for the browser let in by a right PIN a short while ago."""
    appeal = lookup.granted_appeal()
    return _render_appeal(appeal) if appeal else _back_to_lookup()


@bp.route("/status/answer/<int:attachment_id>")
@public
def answer_file(attachment_id: int):
    """A file of the written answer, for the browser let in by the right PIN (404 for any other file)."""
    appeal = lookup.granted_appeal()
    if appeal is None:
        return _back_to_lookup()
    row = lookup.answer_file(appeal, attachment_id)
    if row is None:
        abort(404)
    return attachments.as_download(row)


@bp.route("/status/letter/<int:letter_id>.<fmt>")
@public
def letter_file(letter_id: int, fmt: str):
    """A letter about the appeal, for the browser let in by the right PIN (404 for another appeal's letter)."""
    appeal = lookup.granted_appeal()
    if appeal is None:
        return _back_to_lookup()
    letter = letter_ops.citizen_letter(appeal, letter_id)
    if letter is None:
        abort(404)
    return letter_download(letter, fmt)


@bp.route("/status/rate", methods=["POST"])
@limiter.limit(_config("STATUS_ACTION_LIMIT"))
@public
def rate():
    """The citizen rates the decision; "not satisfied" with a reason asks for a reopening."""
    appeal = lookup.granted_appeal()
    if appeal is None:
        return _back_to_lookup()
    form = RatingForm()
    if not form.validate_on_submit():
        return _render_appeal(appeal, rating_form=form, status=400)
    try:
        feedback = feedback_ops.rate_decision(appeal, Rating(form.rating.data), form.comment.data or "")
    except appeal_ops.AppealError as exc:
        db.session.rollback()
        form.comment.errors.append(str(exc.message))
        return _render_appeal(lookup.granted_appeal(), rating_form=form, status=exc.status)
    db.session.commit()
    flash(
        _("Thank you. Your request to reopen the appeal has been sent to the head of the public reception.")
        if feedback.reopen_state
        else _("Thank you for your rating."),
        "success",
    )
    return redirect(url_for("public.view"))


@bp.route("/status/add", methods=["POST"])
@limiter.limit(_config("STATUS_ACTION_LIMIT"))
@public
def add_information():
    """The citizen adds information to the open appeal."""
    appeal = lookup.granted_appeal()
    if appeal is None:
        return _back_to_lookup()
    form = InformationForm()
    if not form.validate_on_submit():
        return _render_appeal(appeal, info_form=form, status=400)
    try:
        feedback_ops.add_information(appeal, form.text.data)
    except appeal_ops.AppealError as exc:
        db.session.rollback()
        form.text.errors.append(str(exc.message))
        return _render_appeal(lookup.granted_appeal(), info_form=form, status=exc.status)
    db.session.commit()
    flash(_("Your information has been added to the appeal."), "success")
    return redirect(url_for("public.view"))


@bp.route("/status/leave", methods=["POST"])
@public
def leave():
    """Forget this browser's access to the appeal and any receipt it still holds (on a shared computer)."""
    lookup.revoke_access()
    session.pop(online.RECEIPT_KEY, None)
    return redirect(url_for("public.status"))


# --- the online appeal -----------------------------------------------------------------------------


def _fill_choices(form: OnlineAppealForm) -> None:
    form.region.choices = region_choices()
    form.district.choices = district_choices()
    form.topic.choices = topic_choices(active_only=True)


def _fill_from_pending(form: OnlineAppealForm) -> int:
    """Back from the code step: the form as the citizen sent it; returns how many files must be attached again."""
    token = online.pending_token()
    waiting = online.pending_submission(token) if token else None
    if waiting is None:
        return 0
    sent, files = waiting
    for name in ("iin", "full_name", "phone", "email", "address", "language", "type", "summary", "text"):
        getattr(form, name).data = getattr(sent, name)
    form.topic.data = str(sent.topic_id)
    form.region.data = str(sent.region_id)
    form.district.data = str(sent.district_id) if sent.district_id else ""
    form.may_be_named.data = sent.may_be_named
    form.may_be_told.data = sent.may_be_told
    form.consent.data = True  # given when it was sent; the box shows it, and unticking it still stops the form
    return files


def _submission(form: OnlineAppealForm) -> online.Submission:
    return online.Submission(
        iin=form.iin.data.strip(),
        full_name=form.full_name.data.strip(),
        phone=form.phone.data,
        email=(form.email.data or "").strip().lower(),
        address=(form.address.data or "").strip(),
        language=form.language.data,
        type=form.type.data,
        topic_id=int(form.topic.data),
        summary=form.summary.data,
        text=form.text.data,
        region_id=int(form.region.data),
        district_id=int(form.district.data) if form.district.data else None,
        may_be_named=bool(form.may_be_named.data),
        may_be_told=bool(form.may_be_told.data),
    )


@bp.route("/online/", methods=["GET", "POST"])
@limiter.limit(_config("ONLINE_SUBMIT_LIMIT"), methods=["POST"])
@public
def online_appeal():
    """A citizen files an appeal; it waits for the code sent by SMS before it is registered."""
    form = OnlineAppealForm()
    _fill_choices(form)
    if request.method == "GET":
        form.language.data = current_language() if current_language() in ("kk", "ru") else "ru"
        form.started.data = online.fill_token()
        files_again = _fill_from_pending(form) if request.args.get("back") else 0
        return render_template("public/online.html", form=form, files_again=files_again)
    try:
        # Robots first: a refused form stores nothing and sends nothing.
        online.check_not_a_robot(form.website.data, form.started.data)
    except online.Refused as exc:
        form.started.data = online.fill_token()
        return render_template("public/online.html", form=form, refusal=str(exc.message)), exc.status
    if not form.validate_on_submit():
        return render_template("public/online.html", form=form), 400
    submission = _submission(form)
    try:
        online.check_submission(submission)
        files = attachments.check_uploads(request.files.getlist(form.attachments.name))
        online.start_confirmation(submission, files)
    except attachments.AttachmentRejected as exc:
        form.attachments.errors.append(exc.message)
        return render_template("public/online.html", form=form), 400
    except online.Refused as exc:
        db.session.rollback()
        return render_template("public/online.html", form=form, refusal=str(exc.message)), exc.status
    return redirect(url_for("public.online_confirm"))


@bp.route("/online/confirm", methods=["GET", "POST"])
@public
def online_confirm():
    """Type the code from the SMS; the right one registers the appeal and shows its receipt."""
    token = online.pending_token()
    if token is None:
        flash(_("The confirmation has expired. Please send the appeal again."), "error")
        return redirect(url_for("public.online_appeal"))
    form = ConfirmForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _confirm_page(token, form, 400 if request.method == "POST" else 200)
    try:
        confirmed = online.confirm(token, form.code.data)
    except online.Refused as exc:
        db.session.rollback()
        if exc.status == 410:
            flash(str(exc.message), "error")
            return redirect(url_for("public.online_appeal"))
        form.code.errors.append(str(exc.message))
        return _confirm_page(token, form, exc.status)
    session[online.RECEIPT_KEY] = {"id": confirmed.appeal.id, "pin": confirmed.pin, "pdf_pin": confirmed.pin}
    return redirect(url_for("public.online_receipt"))


def _answers(token: str) -> list[tuple[str, str]]:
    """What the citizen sent, as (question, answer) for the check-your-answers list on the code page."""
    waiting = online.pending_submission(token)
    if waiting is None:
        return []
    sent, files = waiting
    labels = OnlineAppealForm(meta={"csrf": False})
    _fill_choices(labels)
    chosen = {
        name: {str(choice[0]): str(choice[1]) for choice in getattr(labels, name).iter_choices()}
        for name in ("language", "type", "topic", "region", "district")
    }
    rows = [
        (labels.full_name.label.text, sent.full_name),
        (labels.iin.label.text, sent.iin),
        (labels.phone.label.text, sent.phone),
        (labels.email.label.text, sent.email or "—"),
        (labels.address.label.text, sent.address or "—"),
        (labels.language.label.text, chosen["language"].get(sent.language, sent.language)),
        (labels.type.label.text, chosen["type"].get(sent.type, sent.type)),
        (labels.topic.label.text, chosen["topic"].get(str(sent.topic_id), "")),
        (labels.region.label.text, chosen["region"].get(str(sent.region_id), "")),
        (labels.district.label.text, chosen["district"].get(str(sent.district_id or ""), "") or "—"),
        (labels.summary.label.text, sent.summary),
        (labels.text.label.text, sent.text),
        (labels.attachments.label.text, str(files) if files else "—"),
        (labels.may_be_named.label.text, _("Yes") if sent.may_be_named else _("No")),
        (labels.may_be_told.label.text, _("Yes") if sent.may_be_told else _("No")),
    ]
    return rows


def _confirm_page(token: str, form: ConfirmForm, status: int):
    return render_template(
        "public/confirm.html", form=form, phone=online.masked_phone(token), answers=_answers(token)
    ), status


@bp.route("/online/confirm/resend", methods=["POST"])
@limiter.limit(_config("ONLINE_SUBMIT_LIMIT"))
@public
def online_resend():
    """No SMS came: a new code to the same phone; what was typed waits as it was."""
    token = online.pending_token()
    if token is None:
        flash(_("The confirmation has expired. Please send the appeal again."), "error")
        return redirect(url_for("public.online_appeal"))
    try:
        online.resend_code(token)
    except online.Refused as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        if exc.status == 410:
            return redirect(url_for("public.online_appeal"))
    else:
        flash(_("A new code has been sent. The earlier code no longer works."), "success")
    return redirect(url_for("public.online_confirm"))


def _receipt_appeal() -> tuple[Appeal, dict]:
    held = dict(session.get(online.RECEIPT_KEY) or {})
    appeal = db.session.get(Appeal, held.get("id", 0)) if held else None
    if appeal is None:
        abort(404)
    return appeal, held


@bp.route("/online/receipt")
@public
def online_receipt():
    """The receipt of the appeal just registered, the same as a walk-in's; the PIN shows only once."""
    appeal, held = _receipt_appeal()
    pin = held.pop("pin", None)
    session[online.RECEIPT_KEY] = held
    url = status_url(appeal.tracking_code)
    return render_template("public/receipt.html", appeal=appeal, pin=pin, status_url=url, qr=qr_svg(url))


@bp.route("/online/receipt.pdf")
@public
def online_receipt_pdf():
    """The receipt as a PDF; it carries the PIN once more, the first time it is opened."""
    appeal, held = _receipt_appeal()
    pin = held.pop("pdf_pin", None)
    session[online.RECEIPT_KEY] = held
    return receipt_pdf_response(appeal, pin)


# --- the branch's side ------------------------------------------------------------------------------


@bp.route("/appeals/<int:appeal_id>/citizen/unlock", methods=["POST"])
@allow(Role.staff, Role.branch_head, Role.admin)
def unlock_code(appeal_id: int):
    """Unlock the appeal's tracking code after the citizen typed wrong PINs (they asked the branch)."""
    appeal = visible_appeal_or_404(appeal_id)
    ops.unlock_status_code(appeal, user=acting_user())
    db.session.commit()
    flash(_("The tracking code is unlocked."), "success")
    return redirect(url_for("appeals.detail", appeal_id=appeal.id))


@bp.route("/appeals/<int:appeal_id>/citizen/new-pin", methods=["POST"])
@allow(Role.staff, Role.branch_head, Role.admin)
def reissue_pin(appeal_id: int):
    """The branch gives the citizen a new PIN on a new receipt; the old PIN stops working."""
    appeal = visible_appeal_or_404(appeal_id)
    pin = pins.reissue_at_branch(appeal, user=acting_user())
    db.session.commit()
    keep_receipt_pin(appeal, pin)
    flash(_("A new PIN is issued; the old one no longer works. Print the receipt for the citizen."), "success")
    return redirect(url_for("appeals.receipt", appeal_id=appeal.id))


def _lock_minutes(appeal: Appeal) -> int | None:
    """Minutes the tracking code stays locked (0: not locked); None while Redis, which keeps the locks, is out."""
    try:
        return -(-lookup.lock_seconds_left(appeal.tracking_code) // 60)
    except RedisError:
        return None


@bp.app_template_global()
def citizen_side(appeal: Appeal) -> dict:
    """For the staff's appeal page: whether the code is locked, the citizen's ratings, a pending request."""
    user = acting_user()
    return {
        "lock_minutes": _lock_minutes(appeal),
        "can_unlock": ops.can_unlock(user, appeal),
        "can_reissue": pins.can_reissue(user, appeal),
        "feedback": list(
            db.session.scalars(
                db.select(AppealFeedback).where(AppealFeedback.appeal_id == appeal.id).order_by(AppealFeedback.id)
            )
        ),
        "pending": feedback_ops.pending_reopen_request(appeal),
        "can_decide": feedback_ops.can_decide_reopening(user, appeal),
        "decision_form": ReopenDecisionForm(),
    }


@bp.app_template_global()
def citizen_event_title(event) -> str:
    """The title of an event the citizen caused, for the staff's timeline ("" for other events)."""
    return {
        EventKind.citizen_info: _("The citizen added information"),
        EventKind.rating: _("The citizen rated the decision"),
        EventKind.reopen_request: _("The citizen asks to reopen the appeal"),
        EventKind.reopen_declined: _("Reopening declined"),
    }.get(event.kind, "")


@bp.app_template_global()
def citizen_event_comment(event) -> str:
    """An event's comment as staff read it: a rating's stored value ("partly: ...") becomes its label."""
    if event.kind == EventKind.rating:
        value, _sep, comment = event.comment.partition(": ")
        try:
            label = Rating(value).label
        except ValueError:
            return event.comment
        return f"{label}: {comment}" if comment else label
    return event.comment
