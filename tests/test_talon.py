"""The receipt is the law's talon: called so in both languages, and it names who accepted the appeal (#14.4)."""

import io
import re

from docx import Document
from factories import make_citizen, make_registration
from flask_babel import force_locale
from pageforms import submit
from support import Auth
from test_intake import walk_in

from reception.accounts.models import Role, User
from reception.appeals.models import Appeal
from reception.appeals.receipt import receipt_docx
from reception.extensions import db


def test_the_talon_names_the_position_and_name_of_who_accepted_the_appeal(app, client, make_user):
    _admin_id, admin_email = make_user(Role.admin)
    clerk_id, clerk_email = make_user(Role.staff, "AST-01")
    admin = app.test_client()
    Auth(admin).login(admin_email)
    # The administrator gives the clerk a position on the user's page, as rendered.
    saved = submit(
        admin,
        f"/accounts/users/{clerk_id}",
        "",
        having="position_kk",
        position="Специалист общественной приёмной",
        position_kk="Қоғамдық қабылдау бөлмесінің маманы",
    )
    assert saved.status_code == 302
    with app.app_context():
        clerk = db.session.get(User, clerk_id)
        assert (clerk.position, clerk.position_kk) == (
            "Специалист общественной приёмной",
            "Қоғамдық қабылдау бөлмесінің маманы",
        )
        clerk_name = db.session.get(User, clerk_id).full_name
        typed = walk_in()

    Auth(client).login(clerk_email)
    registered = submit(client, "/appeals/new", "", having="iin", **typed)
    assert registered.status_code == 302
    talon = client.get(registered.location).get_data(as_text=True)
    assert "Талон о принятии обращения" in talon
    accepted = re.search(r'data-receipt="accepted-by">([^<]+)<', talon).group(1)
    assert accepted == f"Специалист общественной приёмной, {clerk_name}"

    with app.app_context():
        appeal = db.session.scalar(db.select(Appeal))
        with app.test_request_context(), force_locale("kk"):
            text = "\n".join(
                [p.text for p in Document(io.BytesIO(receipt_docx(appeal, None, "http://x"))).paragraphs]
                + [
                    c.text
                    for t in Document(io.BytesIO(receipt_docx(appeal, None, "http://x"))).tables
                    for r in t.rows
                    for c in r.cells
                ]
            )
    assert "Өтінішті қабылдау туралы талон" in text and "Қабылдаған" in text
    # A Kazakh talon names the position in Kazakh.
    assert f"Қоғамдық қабылдау бөлмесінің маманы, {clerk_name}" in text and "Специалист" not in text


def test_an_online_appeals_talon_says_it_was_filed_online(app):
    with app.app_context():
        from reception.appeals.models import Channel

        appeal = make_registration(citizen=make_citizen("900101300017"), channel=Channel.online).appeal
        with app.test_request_context(), force_locale("ru"):
            tables = Document(io.BytesIO(receipt_docx(appeal, None, "http://x"))).tables
            cells = [c.text for t in tables for r in t.rows for c in r.cells]
    assert "Подано гражданином онлайн" in cells
