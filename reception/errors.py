"""Friendly error pages in the user's language; no traceback ever reaches a user."""

from typing import NoReturn

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from .extensions import db

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


def handle_http_exception(exc: HTTPException):
    code = exc.code or 500
    if code not in MESSAGES:
        return exc  # redirects and the like pass through unchanged
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


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
