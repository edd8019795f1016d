"""Access is denied by default: every view declares its roles, and each role gets exactly those."""

import pytest
from support import csrf_token
from werkzeug.routing import IntegerConverter

from reception.accounts.access import ANY_USER, PUBLIC, visible_branch_ids
from reception.accounts.models import Role, User
from reception.extensions import db

#: Values for URL parameters; the access check runs before the view looks anything up.
SAMPLE_ARGS = {"int": "999999", "default": "NO-SUCH", "string": "NO-SUCH", "path": "NO-SUCH"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = rule.rule
        for arg in rule.arguments:
            converter = rule._converters[arg]
            if isinstance(converter, IntegerConverter):  # ours too (ids, reception/security.py)
                value = SAMPLE_ARGS["int"]
            else:
                value = {"UnicodeConverter": SAMPLE_ARGS["string"]}.get(type(converter).__name__, "NO-SUCH")
            url = _substitute(url, arg, value)
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        yield rule.endpoint, url, method


def _substitute(url: str, arg: str, value: str) -> str:
    import re

    return re.sub(r"<(?:[a-z]+:)?" + arg + ">", value, url)


def test_every_view_declares_who_may_use_it(app):
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and getattr(view, "allowed_roles", None) is None
    ]
    assert missing == [], f"views without an access rule: {missing}"


@pytest.mark.parametrize("role", [None, *Role])
def test_role_matrix(app, make_user, auth, client, role):
    """Every view × every role: allowed roles get past the check, everyone else gets 403 (or the login page)."""
    if role is not None:
        _, email = make_user(role)
        assert auth.login(email).status_code == 302
    token = csrf_token(client, "/me" if role else "/auth/login")
    problems = []
    for endpoint, url, method in _routes(app):
        rule = app.view_functions[endpoint].allowed_roles
        if endpoint in ("auth.logout", "main.set_language"):
            continue  # they change the session under test; covered by their own tests
        response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        allowed = rule == PUBLIC or (role is not None and (rule == ANY_USER or role in rule))
        if allowed:
            if response.status_code in (401, 403) or (
                response.status_code == 302
                and "/auth/login" in response.headers["Location"]
                and endpoint != "main.index"
            ):
                problems.append(f"{endpoint} {method} {url}: allowed but got {response.status_code}")
        elif role is None:
            if not (
                response.status_code == 401
                or (response.status_code == 302 and "/auth/login" in response.headers["Location"])
            ):
                problems.append(f"{endpoint} {method} {url}: anonymous got {response.status_code}")
        elif response.status_code != 403:
            problems.append(f"{endpoint} {method} {url}: {role.value} should get 403, got {response.status_code}")
    assert problems == []


def test_a_view_without_a_rule_is_refused(app, make_user, auth, client):
    """A new view that forgets to declare access answers 403 to everybody, administrators included."""
    from flask import Flask

    assert isinstance(app, Flask)
    view = app.view_functions["main.me"]
    saved = view.allowed_roles
    del view.allowed_roles
    try:
        _, email = make_user(Role.admin)
        auth.login(email)
        assert client.get("/me").status_code == 403
    finally:
        view.allowed_roles = saved


def test_branch_scope(ctx, make_user):
    from factories import branch

    staff_id, _ = make_user(Role.staff, "ALM-03")
    head_id, _ = make_user(Role.branch_head, "ALM-00")
    central_id, _ = make_user(Role.branch_head, "KZ-00")
    analyst_id, _ = make_user(Role.analyst)
    deputy_id, _ = make_user(Role.deputy)
    get = lambda i: db.session.get(User, i)  # noqa: E731
    assert visible_branch_ids(get(staff_id)) == {branch("ALM-03").id}
    regional = visible_branch_ids(get(head_id))
    assert branch("ALM-00").id in regional and branch("ALM-03").id in regional and branch("AST-01").id not in regional
    assert len(visible_branch_ids(get(central_id))) == 249
    assert visible_branch_ids(get(analyst_id)) is None
    assert visible_branch_ids(get(deputy_id)) == set()
