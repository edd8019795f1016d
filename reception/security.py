"""What every request and response goes through: crafted input refused or cleaned before any view sees it,
and security headers on every response (no framing, no sniffing, no inline scripts, no referrer leaks)."""

import re

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from .errors import abort_with
from .formkit import MAX_ID

#: The last page number of any list (`?page=`, read by Flask-SQLAlchemy's paginate): beyond, nothing is listed.
MAX_PAGE = 100_000
#: Control characters nobody types (tab, line feed and carriage return are text).
CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


class IdConverter(IntegerConverter):
    """`<int:...>` in our URLs: an id as the database holds it; a larger number is simply not found (404)."""

    def __init__(self, url_map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _cleaned(values: ImmutableMultiDict) -> ImmutableMultiDict | None:
    """`values` without stray control characters, or None if there were none (the common case)."""
    if not any(CONTROL.search(k) or CONTROL.search(v) for k, v in values.items(multi=True)):
        return None
    return ImmutableMultiDict([(CONTROL.sub("", k), CONTROL.sub("", v)) for k, v in values.items(multi=True)])


def guard_input() -> None:
    """A NUL byte is refused (no database stores it, and nobody types it); other stray control characters
    (pasted from elsewhere) are dropped, so that no field stores them."""
    for values in (request.args, request.form):
        if any("\x00" in k or "\x00" in v for k, v in values.items(multi=True)):
            abort_with(400, _l("The request contains a character that cannot be stored (NUL). Please remove it."))
    if (args := _cleaned(request.args)) is not None:
        request.args = args
    page = request.args.get("page", "")
    if page.isascii() and page.isdigit() and int(page) > MAX_PAGE:
        abort_with(404, _l("There is no such page of this list."))  # its OFFSET would overflow the database
    if request.method == "POST" and (form := _cleaned(request.form)) is not None:
        request.form = form


#: Scripts only from our own static files (none inline); styles may be inline (the letter's print styles);
#: nothing may frame a page (clickjacking), and forms post only here.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
#: A year, once the site is reached over TLS (behind a proxy, PROXY_FIX_HOPS makes that visible).
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # Tracking codes are in some URLs (/status/<code>): other sites never see our paths.
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static" and current_user and current_user.is_authenticated:
        # Staff pages carry personal data (a full IIN once revealed, a receipt's PIN): never kept in a cache.
        headers["Cache-Control"] = "no-store"
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, the same cookies, with the signing serializer made once per key instead of
    twice a request (reading and saving the cookie): 5–10 % of a citizen's status look-up."""

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = app.extensions.get("session_serializer")
        if kept is None or kept[0] != keys:  # a test (or a key rotation) may set another key
            kept = (keys, super().get_signing_serializer(app))
            app.extensions["session_serializer"] = kept
        return kept[1]


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.url_map.converters["int"] = IdConverter
    app.before_request(guard_input)
    app.after_request(add_security_headers)
