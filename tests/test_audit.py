"""The audit helper: who, what, which record, when, from where; and rows never change."""

import pytest
from factories import branch
from sqlalchemy import select

from reception.accounts.models import Role, User
from reception.audit.log import audit
from reception.audit.models import AuditEntry, AuditLogIsAppendOnly
from reception.extensions import db


def test_audit_records_user_target_ip_and_time(app, make_user):
    user_id, _ = make_user(Role.staff)
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "192.0.2.7"}):
        user = db.session.get(User, user_id)
        target = branch("AST-01")
        entry = audit("branch.view", target, user=user, details={"why": "test"})
        db.session.commit()
        stored = db.session.get(AuditEntry, entry.id)
        assert (stored.action, stored.user_id, stored.target_type, stored.target_id, stored.ip) == (
            "branch.view",
            user_id,
            "Branch",
            str(target.id),
            "192.0.2.7",
        )
        assert stored.details == {"why": "test"}
        assert stored.created_dt.tzinfo is not None  # stored in UTC, returned aware


def test_audit_joins_the_callers_transaction(ctx):
    audit("system.test")
    db.session.rollback()
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "system.test")) is None


def test_entries_cannot_be_changed_or_deleted(ctx):
    entry = audit("system.test")
    db.session.commit()
    entry.action = "forged"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id).action == "system.test"


def test_admin_sees_the_audit_log(client, auth, make_user):
    _, email = make_user(Role.admin)
    auth.login(email)
    page = client.get("/audit/?action=user.").get_data(as_text=True)
    assert "user.login" in page and email in page
