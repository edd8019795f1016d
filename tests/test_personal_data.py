"""A citizen's personal data at their request, through an administrator: everything held, exported; and
erasure. Both audited, both only for administrators."""

import io
import json
import re

from factories import make_citizen, make_registration
from pageforms import submit
from sqlalchemy import select

from reception.accounts.models import Role
from reception.appeals import operations as appeal_ops
from reception.appeals.models import Appeal, AppealState, Citizen
from reception.audit.models import AuditEntry
from reception.extensions import db

IIN = "900101300017"


def _open_appeal(app) -> tuple[int, str]:
    with app.app_context():
        citizen = make_citizen(IIN, email="aigul@example.kz", address="ул. Абая, 1")
        appeal = make_registration(citizen=citizen, branch_code="ALM-03", summary="Нет воды", notify=True).appeal
        return appeal.id, appeal.registration_number


def test_an_administrator_exports_all_that_is_held_about_an_iin(app, client, auth, make_user):
    _appeal_id, number = _open_appeal(app)
    _, admin_email = make_user(Role.admin)
    auth.login(admin_email)
    response = submit(client, "/appeals/citizens", "/appeals/citizens/export", iin=IIN, format="json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["citizen"]["iin"] == IIN and data["citizen"]["email"] == "aigul@example.kz"
    assert [a["registration_number"] for a in data["appeals"]] == [number]
    assert data["appeals"][0]["timeline"] and {m["to"] for m in data["messages"]} == {
        "+77011234567",
        "aigul@example.kz",
    }
    pdf = submit(client, "/appeals/citizens", "/appeals/citizens/export", iin=IIN, format="pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert number in text
    # A person reads labels, not codes (#12.6): the admin works in Russian here.
    assert "ИИН" in text and "Зарегистрировано" in text and "full_name" not in text and "registered" not in text
    assert not re.search(r"\b(sms|email|transition)\b", text)  # codes are lower case; the labels are not
    with app.app_context():
        assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "citizen.export")).all()) == 2
    assert IIN not in response.headers.get("Location", "") and IIN not in str(response.request.url)


def test_only_administrators_may_export_or_erase(app, client, auth, make_user):
    _open_appeal(app)
    _, staff_email = make_user(Role.staff, "ALM-03")
    auth.login(staff_email)
    assert client.get("/appeals/citizens").status_code == 403


def test_erasure_on_request_waits_for_open_appeals_then_erases_everything(app, client, auth, make_user):
    appeal_id, _ = _open_appeal(app)
    _, admin_email = make_user(Role.admin)
    auth.login(admin_email)
    refused = submit(client, "/appeals/citizens", "/appeals/citizens/anonymise", iin=IIN, reason="Заявление № 5")
    assert refused.status_code == 409  # refused, with the reason on the page
    with app.app_context():
        assert db.session.scalar(select(Citizen.iin)) == IIN  # nothing erased while the appeal is open
        admin = db.session.scalar(select(AuditEntry.user_id).where(AuditEntry.action == "user.login"))
        appeal = db.session.get(Appeal, appeal_id)
        from reception.accounts.models import User

        appeal_ops.reject_appeal(appeal, user=db.session.get(User, admin), reason="Вне компетенции")
        db.session.commit()
        assert appeal.state == AppealState.rejected
    erased = submit(client, "/appeals/citizens", "/appeals/citizens/anonymise", iin=IIN, reason="Заявление № 5")
    assert erased.status_code == 302
    with app.app_context():
        citizen = db.session.scalar(select(Citizen))
        assert citizen.iin is None and citizen.phone == "" and citizen.anonymised_dt is not None
        appeal = db.session.get(Appeal, appeal_id)
        assert appeal.text == "" and appeal.contact_phone == ""
        reasons = db.session.scalars(select(AuditEntry.details).where(AuditEntry.action == "citizen.anonymise")).all()
        assert reasons and reasons[0]["reason"].startswith("request:")
