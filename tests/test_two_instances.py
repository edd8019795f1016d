"""Two web instances on one PostgreSQL database and one Redis (issue #16, point 4): what one instance does,
the other sees — a sign-in, a rate limit, a lock. Each instance is its own gunicorn process on its own port,
so nothing can be shared through process memory; the requests go over HTTP with a browser's cookie jar."""

import http.cookiejar
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from factories import topic
from pageforms import form_on, record_sent
from sqlalchemy import select
from support import PASSWORD, free_port

from reception.accounts.models import Role
from reception.appeals.iin import check_digit
from reception.appeals.models import Appeal
from reception.extensions import db

PROJECT = Path(__file__).resolve().parent.parent
#: One worker process with threads per instance, as the deployment's gunicorn.conf.py does per core.
GUNICORN = [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's browser: a cookie jar shared by every instance it talks to (one host, two ports)."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def request(self, url: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(urllib.request.Request(url, data=body), timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def submit(self, base: str, page: str, action: str, having: str | None = None, **typed) -> tuple[int, str]:
        """Open `page` on the instance at `base`, fill in its form posting to `action` and send it there."""
        status, html = self.request(base + page)
        assert status == 200, (page, status)
        form = form_on(html, action, having)
        target = form.target(action) or page
        record_sent(target)
        return self.request(base + target, form.fill(**typed))


class Instance:
    """`gunicorn wsgi:app` on a free loopback port, configured from the environment as in production."""

    def __init__(self, database_url: str, redis_url: str, **settings: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(
            os.environ,
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            SECRET_KEY="test-secret",
            PIN_HMAC_KEY="test-pin-key",
            PYTHONUNBUFFERED="1",
            **settings,
        )
        self.process = subprocess.Popen(
            [*GUNICORN, "--bind", f"127.0.0.1:{self.port}", "wsgi:app"],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn on {self.port} exited:\n{self.process.stdout.read()}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn on {self.port} not ready within {seconds} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def two_instances(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("several machines share one PostgreSQL database; SQLite is one machine's file")
    database_url, redis_url = app.config["SQLALCHEMY_DATABASE_URI"], app.config["REDIS_URL"]
    instances = [Instance(database_url, redis_url, STATUS_LOOKUP_LIMIT="3 per minute") for _ in range(2)]
    try:
        for instance in instances:
            instance.wait_ready()
        yield instances
    finally:
        for instance in instances:
            instance.stop()


def sign_in(browser: Browser, base: str, email: str) -> None:
    status, _ = browser.submit(base, "/auth/login", "", having="email", email=email, password=PASSWORD)
    assert status == 302


@pytest.mark.slow
def test_a_sign_in_a_rate_limit_and_a_lock_hold_across_two_instances(app, make_user, two_instances):
    a, b = two_instances
    _, email = make_user(Role.staff, "ALM-03")

    # A sign-in on A is a sign-in on B: the session lives in the database, not in A's memory.
    clerk = Browser()
    sign_in(clerk, a.base, email)
    status, page = clerk.request(b.base + "/me")
    assert status == 200 and email in page
    # Signing out on B ends the session on A too.
    status, _ = clerk.submit(b.base, "/me", "/auth/logout")
    assert status == 302
    status, _ = clerk.request(a.base + "/me")
    assert status == 302

    # The status look-up limit (3 a minute here) counts the look-ups on both instances together, in Redis.
    citizen = Browser()
    answers = []
    for base in (a.base, b.base, a.base, b.base):
        status, _ = citizen.submit(base, "/status/", "/status/", having="pin", code="2345-6789-ABCD", pin="000000")
        answers.append(status)
    # A wrong code and PIN answer 404 ("not found"); the fourth look-up, wherever it lands, is refused.
    assert answers == [404, 404, 404, 429]

    # Clerks on both instances register appeals at once: the branch's counter row is locked in PostgreSQL, so
    # the numbers are unique and without a gap, whichever instance took each.
    other_email = make_user(Role.staff, "ALM-03")[1]
    clerks = []
    for base, who in ((a.base, email), (b.base, other_email)):
        browser = Browser()
        sign_in(browser, base, who)
        clerks.append((browser, base))
    with app.app_context():
        housing = str(topic().id)
    # Ten different citizens (one citizen's ten like appeals would each be held as a possible duplicate).
    iins = [f"{eleven}{check_digit(eleven)}" for eleven in (f"9001013{n:04d}" for n in range(40))]
    iins = [iin for iin in iins if not iin.endswith("None")][:10]
    assert len(iins) == 10
    failures = []

    def register(browser: Browser, base: str, n: int) -> None:
        for k in range(5):
            status, page = browser.submit(
                base,
                "/appeals/new",
                "",
                having="iin",
                iin=iins.pop(),
                full_name="Сейткали Айгуль Болатовна",
                phone="8 701 123 45 67",
                consent="y",
                type="complaint",
                topic=housing,
                summary=f"Нет воды {n}-{k}",
                text="Третью неделю нет холодной воды.",
            )
            if status != 302:
                failures.append((base, status, re.findall(r"(?s)class=\"[^\"]*error[^\"]*\"[^>]*>(.{0,200})", page)))

    threads = [threading.Thread(target=register, args=(*clerk, n)) for n, clerk in enumerate(clerks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    with app.app_context():
        sequences = db.session.scalars(select(Appeal.sequence).order_by(Appeal.sequence)).all()
    assert len(sequences) == 10 and sequences == list(range(sequences[0], sequences[0] + 10))
