"""The demo data for `make run`: loads once, and every demo user signs in and sees their menu."""

import re

import pytest
from sqlalchemy import func, select
from support import csrf_token

from reception.accounts.models import Role, User
from reception.demo.cli import load_demo
from reception.demo.users import DEMO_PASSWORD
from reception.directory.models import Deputy
from reception.extensions import db


@pytest.fixture
def demo(app):
    with app.app_context():
        first = load_demo(appeals=30)
        second = load_demo(appeals=30)
    return first, second  # deputies and users are emptied after each test like all non-directory rows


def test_demo_load_is_idempotent(app, demo):
    first, second = demo
    assert first["deputies"] == 145 + 98 + 3409 and first["users"]
    assert first["appeals"] == 30
    assert first["routing_rules"] == 2
    assert second == {"deputies": 0, "users": [], "routing_rules": 0, "appeals": 0, "inquiries": 0}
    with app.app_context():
        assert db.session.scalar(select(func.count(Deputy.id))) == 145 + 98 + 3409
        roles = set(db.session.scalars(select(User.role)))
        from reception.notifications.models import OutboxMessage

        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0  # demo history notifies nobody
    assert roles == set(Role)


def test_every_demo_user_signs_in(app, demo):
    with app.app_context():
        users = db.session.execute(select(User.email, User.role)).all()
    for email, role in users:
        client = app.test_client()
        token = csrf_token(client)
        response = client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
        assert response.status_code == 302, email
        page = client.get("/").get_data(as_text=True)
        nav = set(re.findall(r'data-nav="([^"]+)"', page))
        assert ("accounts.users" in nav) == (role == Role.admin), email
