"""What citizens see without signing in: the status of their appeal, by tracking code and PIN."""

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.access import public
from ..appeals.codes import check_pin, normalize_tracking_code
from ..appeals.models import Appeal
from ..audit.log import client_ip
from ..extensions import db
from ..jobs import get_redis

bp = Blueprint("public", __name__, url_prefix="/status")

#: Wrong PINs allowed per tracking code and per IP in the window before the page refuses to check.
MAX_PIN_FAILURES = 10
PIN_WINDOW_SECONDS = 15 * 60


def _throttle_keys(code: str) -> list[str]:
    return [f"pin-fail:code:{code}", f"pin-fail:ip:{client_ip()}"]


def _throttled(code: str) -> bool:
    values = get_redis().mget(_throttle_keys(code))
    return any(v is not None and int(v) >= MAX_PIN_FAILURES for v in values)


def _record_failure(code: str) -> None:
    pipe = get_redis().pipeline()
    for key in _throttle_keys(code):
        pipe.set(key, 0, ex=PIN_WINDOW_SECONDS, nx=True)  # the window starts at the first failure
        pipe.incr(key)
    pipe.execute()


@bp.route("/", methods=["GET", "POST"])
@bp.route("/<code>", methods=["GET", "POST"])
@public
def status(code: str = ""):
    """Ask for the tracking code and PIN; with both right, show the appeal's state and public timeline."""
    code = request.form.get("code", code)
    appeal, error, status = None, None, 200
    if request.method == "POST":
        canonical = normalize_tracking_code(code)
        pin = request.form.get("pin", "").strip()
        if canonical is None:
            error, status = _("This tracking code is not valid. Please check it against your receipt."), 400
        elif _throttled(canonical):
            error, status = _("Too many wrong attempts. Please try again in 15 minutes."), 429
        else:
            appeal = db.session.scalar(
                select(Appeal).where(Appeal.tracking_code == canonical).options(selectinload(Appeal.events))
            )
            if appeal is None or not check_pin(pin, appeal.pin_hash, current_app.config["PIN_HMAC_KEY"]):
                _record_failure(canonical)
                # One message for an unknown code and a wrong PIN: the page does not confirm codes exist.
                appeal, error, status = None, _("The tracking code or PIN is wrong."), 404
    return render_template("public/status.html", code=code, appeal=appeal, error=error), status
