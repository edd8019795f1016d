"""Refusals and friendly error pages in the user's language; no traceback ever reaches a user."""

from functools import wraps
from typing import NoReturn
from urllib.parse import urlsplit

from flask import Flask, flash, jsonify, make_response, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from .extensions import db
from .redirects import safe_local_url

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please check what you entered and try again.")),
    401: (_l("Sign-in required"), _l("Please sign in to continue.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("There is no such page, or you do not have access to it.")),
    405: (_l("Method not allowed"), _l("This page cannot be used that way.")),
    409: (_l("Conflict"), _l("The record was changed in the meantime. Please reload the page.")),
    413: (_l("File too large"), _l("The upload is larger than allowed. Please send a smaller file.")),
    429: (_l("Too many requests"), _l("Too many attempts. Please wait a while and try again.")),
    503: (_l("Temporarily unavailable"), _l("This service is temporarily unavailable. Please try again later.")),
    500: (_l("Something went wrong"), _l("An internal error occurred. It has been logged; please try again later.")),
}


class Refused(Exception):
    """An operation refused for a reason the person can act on; `message` is shown as is (translated when
    shown, if lazy) and `status` is the HTTP answer. Every domain's refusals derive from it."""

    status = 400

    def __init__(self, message, status: int | None = None):
        super().__init__(str(message))
        self.message = message
        if status is not None:
            self.status = status


def abort_with(code: int, message) -> NoReturn:
    """Stop the request with `code`, showing `message` (translated by the caller) on the error page."""
    exc = default_exceptions[code]()
    exc.user_message = str(message)
    raise exc


def _wants_json() -> bool:
    return (
        request.path.startswith("/api/")
        or request.path == "/healthz"
        or (request.accept_mimetypes.best == "application/json")
    )


def render_expired_form():
    """A form sent with an expired or missing CSRF token (signed out meanwhile, or a page kept open across a
    restart): say so, and show back what was typed so that nothing is lost."""
    hidden = ("csrf_token", "password", "current_password", "new_password", "confirm", "pin", "code", "started")
    typed = [
        (key, value)
        for key, value in request.form.items(multi=True)
        if value.strip() and key not in hidden and not key.startswith("_")
    ]
    back = _same_site_referrer()
    return render_template("errors/expired.html", typed=typed, back=back), 400


def render_error(code: int, description: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    # A handler-specific description (e.g. why a transition was refused) is shown when given.
    detail = description if description else str(message)
    if _wants_json():
        return jsonify(error=str(title), message=detail), code
    try:
        return render_template("errors/error.html", code=code, title=title, message=detail), code
    except Exception:
        from flask import current_app
        from markupsafe import escape

        current_app.logger.exception("error page could not be rendered")
        return f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(detail)}</p>", code


def _audit_denied(code: int) -> None:
    """A signed-in user refused a record (403, or 404 on an id in the URL): audited (ASVS 16.3.2), in a
    transaction of its own, whatever happened to the request's."""
    from flask_login import current_user

    from .audit.log import audit

    if not current_user or not current_user.is_authenticated:
        return
    ids = {k: v for k, v in (request.view_args or {}).items() if k.endswith("_id")}
    if code == 404 and not ids:
        return
    try:
        db.session.rollback()
        audit("access.denied", details={"status": code, "method": request.method, "path": request.path, **ids})
        db.session.commit()
    except Exception:
        db.session.rollback()
        from flask import current_app

        current_app.logger.exception("a denied access could not be audited")


def handle_http_exception(exc: HTTPException):
    code = exc.code or 500
    if code not in MESSAGES:
        return exc  # redirects and the like pass through unchanged
    if code in (403, 404):
        _audit_denied(code)
    if isinstance(exc, CSRFError):
        return render_expired_form()
    # werkzeug's default descriptions are English boilerplate; only our own are shown.
    description = getattr(exc, "user_message", None)
    return render_error(code, description)


def handle_unexpected(exc: Exception):
    db.session.rollback()
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    original = getattr(exc, "original_exception", exc)
    from flask import current_app

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path, exc_info=original)
    return render_error(500)


def _same_site_referrer() -> str | None:
    """The page the request came from, as a local path, if it is on this site."""
    if not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    if parts.netloc != request.host:
        return None
    return safe_local_url(parts.path + (f"?{parts.query}" if parts.query else ""), "") or None


def handle_refused(exc: Refused):
    """A refusal that reached no view of its own: nothing of the transaction is kept, the message is shown.

    A form sent from one of our pages goes back to that page with the message on it (the page is read
    fresh, so it shows what is stored now); anything else gets the error page with the message.
    """
    db.session.rollback()
    if not _wants_json() and request.method == "POST" and (back := _same_site_referrer()):
        flash(str(exc.message), "error")
        return redirect(back, 303)
    return render_error(exc.status if exc.status in MESSAGES else 400, str(exc.message))


def show_refusals_on(page):
    """For a view whose refusals show its own page again: `page(**view_args)` renders it fresh, with the
    message flashed, at the refusal's status (e.g. 409 for a stale form), after the rollback."""

    def decorate(view):
        @wraps(view)
        def wrapper(**kwargs):
            try:
                return view(**kwargs)
            except Refused as exc:
                db.session.rollback()
                flash(str(exc.message), "error")
                response = make_response(page(**kwargs))
                response.status_code = exc.status
                return response

        return wrapper

    return decorate


def handle_redis_down(exc: RedisError):
    """Redis (rate limits, code locks, queues) is unreachable: this page cannot work safely now, so it says
    so and asks to try later (a look-up is never let through without its limits)."""
    from flask import current_app

    db.session.rollback()
    current_app.logger.warning("Redis unreachable on %s %s: %s", request.method, request.path, exc)
    return render_error(
        503, str(_l("This part of the service is temporarily unavailable. Please try again in a few minutes."))
    )


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(Refused, handle_refused)
    app.register_error_handler(RedisError, handle_redis_down)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
