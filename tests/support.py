"""Helpers and constants for the tests that are not fixtures: requiring a server, the test configuration,
signing in through the pages (CSRF token, Auth), loopback ports, the SMS gateway's state, Chromium, axe-core.

Import them as `from support import ...` (tests/ is on sys.path); conftest.py holds only fixtures.
"""

import os
import re
import socket
import tempfile
import threading
from pathlib import Path

import pytest
from pageforms import submit

from config import Config, parse_bool

IN_CI = parse_bool(os.environ.get("CI"), False)
PASSWORD = "correct horse battery"

#: The databases every database test runs on: TEST_DATABASES (comma-separated), by default both.
ALL_DATABASES = ("sqlite", "postgresql")

#: Tables whose rows the directory load creates once per session; all others are emptied after each test.
REFERENCE_TABLES = {
    "regions",
    "districts",
    "branches",
    "representative_bodies",
    "body_seats",
    "constituencies",
    "constituency_districts",
    "convocations",
    "convocation_seats",
    "government_bodies",
    "topics",
}


def require(what: str, why: str):
    """A missing server or browser: fail in CI, skip elsewhere, saying what is missing."""
    message = f"{what} is not available: {why}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: required)")
    pytest.skip(message)


def databases_under_test() -> list[str]:
    """TEST_DATABASES (e.g. `sqlite` for the inner loop), else both databases; unknown names are an error."""
    wanted = [name.strip() for name in os.environ.get("TEST_DATABASES", "").split(",") if name.strip()]
    unknown = sorted(set(wanted) - set(ALL_DATABASES))
    if unknown:
        raise pytest.UsageError(f"TEST_DATABASES: unknown {unknown}; choose from {list(ALL_DATABASES)}")
    return [name for name in ALL_DATABASES if name in wanted] or list(ALL_DATABASES)


def make_config(database_url: str, redis_url: str, **overrides) -> type:
    class TestConfig(Config):
        ATTACHMENTS_DIR = tempfile.mkdtemp(prefix="qabyldau-attachments-")
        TESTING = True
        SECRET_KEY = "test-secret"
        PIN_HMAC_KEY = "test-pin-key"
        #: Cheap: scrypt would be ~0.5 s of CPU per account made and per sign-in (the default's own test is in
        #: test_accounts).
        PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
        SQLALCHEMY_DATABASE_URI = database_url
        REDIS_URL = redis_url
        SERVER_NAME = None

    for key, value in overrides.items():
        setattr(TestConfig, key, value)
    return TestConfig


# --- signing in through the pages ---------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str = "/auth/login") -> str:
    """The CSRF token of the client's session, read from a page as a browser would."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, **kwargs):
        token = csrf_token(self.client)
        return self.client.post(
            "/auth/login", data={"email": email, "password": password, "csrf_token": token}, **kwargs
        )

    def logout(self):
        """Press "Sign out" in the page header, as rendered."""
        return submit(self.client, "/me", "/auth/logout")


# --- loopback servers ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmsGateway:
    """The state of the loopback SMS gateway (the `sms_gateway` fixture).

    It keeps the contract the SMS adapter relies on: a request's `reference` is an idempotency key, so a
    repeated reference is answered with the first message's id and delivers nothing new.
    """

    def __init__(self):
        #: Delivered messages (the JSON bodies), one per reference.
        self.received: list[dict] = []
        #: Every request that reached the handler, delivered or not.
        self.requests: list[dict] = []
        #: Status codes to answer the next requests with instead of delivering.
        self.fail_with: list[int] = []
        #: When set, requests wait (after `arrived` is set) until `release` is set.
        self.hold = False
        #: When set, the request of this number (1 for the first) and those after it are held as by `hold`.
        self.hold_from: int | None = None
        self.arrived = threading.Event()
        self.release = threading.Event()
        #: Whether a held request, once released, is delivered (the gateway had taken it) or dropped.
        self.deliver_held = True
        self.ids: dict[str, str] = {}
        self.url = ""


# --- the browser --------------------------------------------------------------------------------

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: axe-core, the accessibility checker the browser tests run in the page; fetched from the npm registry
#: once into .venv/ (like the Python packages), never committed.
AXE_VERSION = "4.10.3"
AXE_CACHE = Path(__file__).resolve().parent.parent / ".venv" / f"axe-core-{AXE_VERSION}"


# --- what a person reads ------------------------------------------------------------------------


def text_of(html: str) -> str:
    """The words a page shows: its markup without tags, attributes, scripts and styles, spaces collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", html)
    text = text.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    text = text.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
    return re.sub(r"\s+", " ", text)


def translated(app, language: str, message: str, **values) -> str:
    """`message` (an English msgid) as a reader of `language` reads it."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale(language):
        return gettext(message, **values)
