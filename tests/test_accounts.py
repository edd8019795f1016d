"""Signing in and out, throttling, disabled accounts, sessions ending, and the users CLI."""

import re
import time

import pytest
from pageforms import submit
from sqlalchemy import select
from support import PASSWORD, Auth, csrf_token, make_config, translated

from reception import create_app
from reception.accounts import operations as ops
from reception.accounts.models import LoginFailure, Role, User
from reception.audit.models import AuditEntry
from reception.extensions import db


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def test_login_and_logout(client, auth, make_user):
    _, email = make_user(Role.staff)
    response = auth.login(email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "staff 1" in page
    assert auth.logout().status_code == 302
    # Signed out, the start page sends staff to sign in (and citizens to their pages).
    assert 'href="/auth/login"' in client.get("/").get_data(as_text=True)
    assert client.get("/appeals/").headers["Location"].startswith("/auth/login")


def test_login_redirects_back_to_a_local_page_only(client, auth, make_user):
    _, email = make_user(Role.admin)
    token = csrf_token(client)
    ok = client.post("/auth/login?next=/directory/", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert ok.headers["Location"] == "/directory/"
    auth.logout()
    token = csrf_token(client)
    evil = client.post(
        "/auth/login?next=//evil.example/x", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert evil.headers["Location"] == "/"


def test_unknown_user_and_wrong_password_get_the_same_message(client, auth, make_user):
    _, email = make_user(Role.staff)
    wrong = auth.login(email, "not the password")
    unknown = auth.login("nobody@test.kz", "whatever")
    assert wrong.status_code == unknown.status_code == 401
    message = "Неверная электронная почта или пароль."  # Russian is the default language
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_email_is_case_insensitive(client, auth, make_user):
    _, email = make_user(Role.staff)
    assert auth.login(email.upper()).status_code == 302


def test_ten_failures_lock_the_account_with_429(app, client, auth, make_user):
    _, email = make_user(Role.staff)
    for _ in range(10):
        assert auth.login(email, "bad password").status_code == 401
    locked = auth.login(email)  # even the right password is refused now
    assert locked.status_code == 429
    assert "Слишком много неудачных попыток" in locked.get_data(as_text=True)


def test_failures_from_one_ip_lock_that_ip_for_every_account(app, make_user):
    _, victim = make_user(Role.staff)
    attacker = app.test_client()
    for n in range(10):
        token = csrf_token(attacker)
        attacker.post(
            "/auth/login",
            data={"email": f"guess{n}@test.kz", "password": "x", "csrf_token": token},
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        )
    token = csrf_token(attacker)
    blocked = attacker.post(
        "/auth/login",
        data={"email": victim, "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert blocked.status_code == 429
    other = app.test_client()
    token = csrf_token(other)
    fine = other.post(
        "/auth/login",
        data={"email": victim, "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.1.1.1"},
    )
    assert fine.status_code == 302


def test_old_failures_fall_out_of_the_window(ctx, make_user):
    from datetime import timedelta

    from reception.dbtypes import utcnow

    _, email = make_user(Role.staff)
    old = utcnow() - timedelta(minutes=16)
    db.session.add_all([LoginFailure(email=email, ip="1.2.3.4", created_dt=old) for _ in range(10)])
    db.session.commit()
    assert not ops.is_throttled(email, "1.2.3.4")
    assert ops.purge_old_login_failures() == 10


def test_disabled_user_cannot_sign_in_and_is_signed_out_at_once(app, client, auth, make_user):
    _, email = make_user(Role.staff)
    auth.login(email)
    assert client.get("/me").status_code == 200
    with app.app_context():
        ops.disable_user(_user(email))
        db.session.commit()
    assert client.get("/me").status_code == 302  # the running session is gone
    response = auth.login(email)
    assert response.status_code == 401 and "Неверная электронная почта или пароль." in response.get_data(as_text=True)


def test_password_change_ends_other_sessions(app, make_user):
    _, email = make_user(Role.staff)
    laptop, phone = app.test_client(), app.test_client()
    for c in (laptop, phone):
        token = csrf_token(c)
        c.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    response = submit(
        laptop,
        "/auth/password",
        "",
        having="current_password",
        current_password=PASSWORD,
        new_password="a new secret 1",
        confirm="a new secret 1",
    )
    assert response.status_code == 302
    shown = laptop.get(response.headers["Location"]).get_data(as_text=True)
    # The session that changed it continues, and is told.
    assert translated(app, "ru", "Your password has been changed. Other sessions have been signed out.") in shown
    assert phone.get("/me").status_code == 302
    with app.app_context():
        assert _user(email).check_password("a new secret 1")


def test_login_starts_a_new_session(client, auth, make_user):
    _, email = make_user(Role.staff)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login(email)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_session_cookie_flags(client, auth, make_user):
    _, email = make_user(Role.staff)
    response = auth.login(email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookie_when_configured(database_url, redis_url, make_user):
    app = create_app(make_config(database_url, redis_url, SESSION_COOKIE_SECURE=True))
    client = app.test_client()
    response = client.get("/auth/login", base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


def test_demo_password_is_refused_in_production(database_url, redis_url, make_user):
    from reception.demo.users import DEMO_PASSWORD

    app = create_app(
        make_config(
            database_url, redis_url, ENV_NAME="production", SEALING_KEYS="k" * 43 + "=", PASSWORD_HASH_METHOD="scrypt"
        )
    )
    with app.app_context():
        ops.create_user(email="demo-admin@test.kz", full_name="Demo", password=DEMO_PASSWORD, role=Role.admin)
        db.session.commit()
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/auth/login", data={"email": "demo-admin@test.kz", "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 401


def test_login_and_failure_are_audited(app, auth, make_user):
    _, email = make_user(Role.staff)
    auth.login(email, "wrong")
    auth.login(email)
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["user.login_failed", "user.login"]


@pytest.mark.parametrize(
    "role, binding_error",
    [
        (Role.staff, "необходимо указать филиал"),
        (Role.deputy, "необходимо указать депутата"),
        (Role.assistant, "хотя бы за одним депутатом"),
    ],
)
def test_roles_need_their_binding(ctx, role, binding_error):
    with pytest.raises(ops.AccountError, match=binding_error):
        ops.create_user(email="x@test.kz", full_name="X", password=PASSWORD, role=role)


def test_passwords_are_hashed_with_werkzeug_default(ctx, make_user):
    _, email = make_user(Role.analyst)
    user = _user(email)
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:")) and PASSWORD not in user.password_hash


# --- CLI --------------------------------------------------------------------------------------


def test_cli_creates_disables_and_sets_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Cli@Test.kz",
            "--name",
            "Cli User",
            "--role",
            "staff",
            "--branch",
            "ALM-03",
        ],
        input="cli password 1\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = _user("cli@test.kz")
        assert user.role == Role.staff and user.branch.code == "ALM-03" and user.check_password("cli password 1")
    result = runner.invoke(args=["users", "set-password", "--email", "cli@test.kz"], input="another pass 2\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "disable", "--email", "cli@test.kz"])
    assert result.exit_code == 0
    with app.app_context():
        user = _user("cli@test.kz")
        assert user.check_password("another pass 2") and not user.is_enabled


def test_cli_reports_bad_input_clearly(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--email", "a@test.kz", "--role", "staff", "--branch", "NOPE"], input="long enough 1\n"
    )
    assert result.exit_code != 0 and "no branch NOPE" in result.output
    result = runner.invoke(
        args=["users", "create", "--email", "a@test.kz", "--role", "staff", "--branch", "AST-01"], input="short\n"
    )
    assert result.exit_code != 0 and "не менее 8 символов" in result.output
    with app.app_context():
        assert _user("a@test.kz") is None


# --- server-side sessions ----------------------------------------------------------------------------


def _signed_in(client) -> bool:
    """Whether the client's cookie still opens a staff page (a signed-out one is sent to the sign-in page)."""
    return client.get("/me").status_code == 200


def _copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_cookie_copied_before_logout_is_worthless_after_it(app, client, auth, make_user):
    _, email = make_user(Role.staff, "ALM-03")
    auth.login(email)
    thief = _copy_of(app, client)
    assert _signed_in(thief)
    assert auth.logout().status_code == 302
    assert not _signed_in(thief) and not _signed_in(client)
    # Nothing can be done with it either: the intake page sends it to sign in.
    assert thief.post("/appeals/new", data={}).status_code in (302, 400)
    with app.app_context():
        from reception.accounts.models import UserSession

        row = db.session.scalar(select(UserSession))
        assert row.ended_dt is not None and row.end_reason == "logout"


def test_signing_out_ends_only_that_session(app, make_user):
    from support import Auth

    _, email = make_user(Role.staff, "ALM-03")
    office, home = app.test_client(), app.test_client()
    Auth(office).login(email)
    Auth(home).login(email)
    Auth(office).logout()
    assert not _signed_in(office) and _signed_in(home)


def test_an_administrator_sees_a_users_sessions_and_signs_one_out(app, client, auth, make_user):
    from pageforms import submit
    from support import Auth

    staff_id, staff_email = make_user(Role.staff, "ALM-03")
    _, admin_email = make_user(Role.admin)
    phone = app.test_client()
    Auth(phone).login(staff_email)
    auth.login(admin_email)
    page = client.get(f"/accounts/users/{staff_id}").get_data(as_text=True)
    assert page.count("data-session=") == 1
    with app.app_context():
        from reception.accounts.models import UserSession

        session_id = db.session.scalar(select(UserSession.id).where(UserSession.user_id == staff_id))
    ended = submit(client, f"/accounts/users/{staff_id}", f"/accounts/users/{staff_id}/sessions/{session_id}/end")
    assert ended.status_code == 302
    assert not _signed_in(phone)
    assert "data-session=" not in client.get(f"/accounts/users/{staff_id}").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.end_session")) is not None


def test_a_stranger_cannot_lock_a_deputy_out(app, make_user):
    """Failures on one account from many addresses never lock it: the owner waits seconds, not minutes."""
    import time_machine
    from support import Auth

    from reception.dbtypes import utcnow

    _, email = make_user(Role.deputy)
    stranger = app.test_client()
    with time_machine.travel(utcnow(), tick=False) as clock:
        for n in range(12):
            clock.shift(61)  # slowly, from twelve addresses: under every per-address limit
            token = csrf_token(stranger)
            stranger.post(
                "/auth/login",
                data={"email": email, "password": "guess", "csrf_token": token},
                environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"},
            )
        owner = app.test_client()
        refused = Auth(owner).login(email, environ_base={"REMOTE_ADDR": "10.1.1.1"})
        # 2 ** (12 - 10) seconds to wait, not a lock
        assert refused.status_code == 429 and re.search(r"\b4\b", refused.get_data(as_text=True))
        clock.shift(5)
        assert Auth(owner).login(email, environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 302
    with app.app_context():
        throttled = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.login_throttled")).all()
        assert len(throttled) == 1 and throttled[0].details["email"] == email


def test_failures_on_one_account_from_one_address_block_only_that_pair(app, make_user):
    _, target = make_user(Role.staff)
    _, other = make_user(Role.staff)
    attacker = app.test_client()
    for _ in range(10):
        token = csrf_token(attacker)
        attacker.post(
            "/auth/login",
            data={"email": target, "password": "x", "csrf_token": token},
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        )
    with app.app_context():
        assert ops.throttle_wait(target, "10.9.9.9") is not None
        assert ops.throttle_wait(target, "10.1.1.1") is not None  # the account waits a moment everywhere ...
        assert ops.throttle_wait(target, "10.1.1.1") <= 2  # ... seconds, not a lock
        assert ops.throttle_wait(other, "10.1.1.1") is None


def test_an_unknown_e_mail_is_checked_against_a_hash_like_a_real_one(app):
    """So that it takes as long as a wrong password (bench/login_timing.py measures both)."""
    from werkzeug.security import generate_password_hash

    from config import Config

    with app.app_context():
        method = ops._dummy_hash().split("$")[0]
        assert method == generate_password_hash("anything", method=app.config["PASSWORD_HASH_METHOD"]).split("$")[0]
        app.config["PASSWORD_HASH_METHOD"] = Config.PASSWORD_HASH_METHOD  # the one every deployment has
        try:
            assert ops._dummy_hash().startswith("scrypt:")
            account = ops.create_user(email="hashed@test.kz", full_name="Hashed", password="x" * 12, role=Role.admin)
            assert account.password_hash.startswith("scrypt:") and account.check_password("x" * 12)
        finally:
            db.session.rollback()
            app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"


def test_production_accepts_only_scrypt_password_hashes(database_url, redis_url):
    config = make_config(
        database_url, redis_url, ENV_NAME="production", SEALING_KEYS="k" * 43 + "=", PASSWORD_HASH_METHOD="pbkdf2"
    )
    with pytest.raises(RuntimeError, match="PASSWORD_HASH_METHOD"):
        create_app(config)


# --- the second factor ------------------------------------------------------------------------------


def test_a_deputy_turns_the_second_factor_on_and_signs_in_with_a_code(app, client, auth, make_user):
    import pyotp
    from pageforms import submit

    _, email = make_user(Role.deputy)
    auth.login(email)
    page = client.get("/auth/two-factor").get_data(as_text=True)
    secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", page).group(1)
    assert submit(client, "/auth/two-factor", "", having="code", code="000000").status_code == 400
    turned_on = submit(client, "/auth/two-factor", "", having="code", code=pyotp.TOTP(secret).now())
    assert turned_on.status_code == 302
    auth.logout()
    # The password alone signs nobody in now.
    assert auth.login(email).headers["Location"].endswith("/auth/login/code")
    assert client.get("/me").status_code == 302
    wrong = submit(client, "/auth/login/code", "", having="code", code="123456")
    assert wrong.status_code == 400 and client.get("/me").status_code == 302
    # The next step's code (the one used to turn it on is spent; the app's clock may run a little ahead).
    code = pyotp.TOTP(secret).at(time.time() + 30)
    assert submit(client, "/auth/login/code", "", having="code", code=code).status_code == 302
    assert client.get("/me").status_code == 200
    # The same code never works twice.
    auth.logout()
    auth.login(email)
    assert submit(client, "/auth/login/code", "", having="code", code=code).status_code == 400
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert "user.totp_enable" in actions and actions.count("user.login_failed") == 2


def test_the_second_factor_secret_is_kept_sealed_and_the_keys_rotate(app, client, auth, make_user, database_url):
    """A copy of the users table gives no one the authenticator's secret; a new key in front of SEALING_KEYS and
    `flask users reseal` move every secret to it, after which the old key can go."""
    import pyotp
    from cryptography.fernet import Fernet
    from pageforms import submit
    from sqlalchemy import text

    from reception.sealing import SealingError, unseal

    _, email = make_user(Role.deputy)
    auth.login(email)
    page = client.get("/auth/two-factor").get_data(as_text=True)
    secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", page).group(1)
    assert submit(client, "/auth/two-factor", "", having="code", code=pyotp.TOTP(secret).now()).status_code == 302
    raw = text("SELECT totp_secret FROM users WHERE email = :email")
    with app.app_context():
        stored = db.session.scalar(raw, {"email": email})
        assert secret not in stored and stored.startswith("gAAAAA")
        assert db.session.scalar(select(User.totp_secret).where(User.email == email)) == secret

    old = app.extensions["sealing"]
    new_key = Fernet.generate_key().decode()
    try:
        app.extensions["sealing"] = type(old)([Fernet(new_key), *old._fernets])
        result = app.test_cli_runner().invoke(args=["users", "reseal"])
        assert result.exit_code == 0 and "resealed: 1" in result.output
        app.extensions["sealing"] = type(old)([Fernet(new_key)])  # the old key dropped
        with app.app_context():
            assert unseal(db.session.scalar(raw, {"email": email})) == secret
            db.session.remove()
        app.extensions["sealing"] = old  # and the old key alone no longer opens it
        with app.app_context(), pytest.raises(SealingError):
            unseal(db.session.scalar(raw, {"email": email}))
    finally:
        with app.app_context():
            db.session.remove()
        app.extensions["sealing"] = old


def test_staff_cannot_turn_a_second_factor_on(client, auth, make_user):
    _, email = make_user(Role.staff)
    auth.login(email)
    assert client.get("/auth/two-factor").status_code == 403


def test_an_administrator_signs_a_user_out_everywhere(app, client, auth, make_user):
    from pageforms import submit
    from support import Auth

    staff_id, staff_email = make_user(Role.staff, "ALM-03")
    _, admin_email = make_user(Role.admin)
    phone, laptop = app.test_client(), app.test_client()
    Auth(phone).login(staff_email)
    Auth(laptop).login(staff_email)
    auth.login(admin_email)
    ended = submit(client, f"/accounts/users/{staff_id}", f"/accounts/users/{staff_id}/sessions/end")
    assert ended.status_code == 302
    assert not _signed_in(phone) and not _signed_in(laptop) and _signed_in(client)


def test_the_second_factor_is_turned_off_with_the_password_and_a_code(app, client, auth, make_user):
    import pyotp
    from pageforms import submit

    _, email = make_user(Role.admin)
    auth.login(email)
    page = client.get("/auth/two-factor").get_data(as_text=True)
    secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", page).group(1)
    submit(client, "/auth/two-factor", "", having="code", code=pyotp.TOTP(secret).now())
    later = pyotp.TOTP(secret).at(time.time() + 30)
    wrong = submit(client, "/auth/two-factor", "", having="password", password="not it", code=later)
    assert wrong.status_code == 400
    off = submit(client, "/auth/two-factor", "", having="password", password=PASSWORD, code=later)
    assert off.status_code == 302
    assert 'data-two-factor="off"' in client.get("/auth/two-factor").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.totp_secret).where(User.email == email)) is None


def test_an_administrator_creates_an_account_and_later_disables_it_on_its_page(app, client, auth, make_user):
    from factories import branch

    _, admin_email = make_user(Role.admin)
    auth.login(admin_email)
    with app.app_context():
        branch_id = str(branch("ALM-03").id)
    created = submit(
        client,
        "/accounts/users/new",
        "",
        having="full_name",
        email="new.clerk@test.kz",
        full_name="Жаңа Қызметкер",
        role="staff",
        branch=branch_id,
        password="a first secret",
    )
    assert created.status_code == 302
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert translated(app, "ru", "The account has been created.") in page and "Жаңа Қызметкер" in page
    assert Auth(app.test_client()).login("new.clerk@test.kz", "a first secret").status_code == 302

    edit_url = created.headers["Location"]
    saved = submit(client, edit_url, "", having="full_name", full_name="Жаңа Қызметкер-Ұлы", is_enabled=None)
    assert saved.status_code == 302
    assert translated(app, "ru", "The account has been saved.") in client.get(edit_url).get_data(as_text=True)
    with app.app_context():
        clerk = _user("new.clerk@test.kz")
        assert clerk.full_name == "Жаңа Қызметкер-Ұлы" and not clerk.is_enabled
        assert clerk.branch.code == "ALM-03" and clerk.role == Role.staff  # kept as the page showed them
