"""Crafted input costs nothing: random Unicode, control characters, NUL bytes and huge numbers, sent to every
form and every query string each role can reach, give no 500 and store no control character."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pageforms import forms_on
from sqlalchemy import String, Text, select
from support import Auth

from reception.accounts.models import Role
from reception.extensions import db

#: What an attacker types: any Unicode, control characters, NUL, numbers far past 2**31, ids with signs.
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=8),
    st.sampled_from(["\x00", "a\x00b", "99999999999", "2147483648", "-1", "0", "abc", "²", "١٢", "1e9", "", " "]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
#: Query-string names the list pages read, besides those their filter forms show.
QUERY_NAMES = ["q", "page", "after", "before", "state", "topic", "region", "district", "branch", "deputy", "kind"]
#: Pages without arguments each role opens.
PAGES = {
    None: ["/", "/status/", "/online/", "/auth/login"],
    Role.staff: ["/appeals/", "/appeals/new", "/directory/", "/directory/deputies", "/me", "/notifications/inbox"],
    Role.branch_head: ["/appeals/", "/reports/", "/directory/branches", "/directory/government-bodies"],
    Role.deputy: ["/deputy-queue/", "/inquiries/", "/appeals/", "/auth/password"],
    Role.admin: [
        "/accounts/users",
        "/accounts/users/new",
        "/routing/rules/new",
        "/routing/dry-run",
        "/appeals/calendar",
        "/audit/",
        "/notifications/",
        "/directory/topics/new",
        "/directory/deputies/new",
    ],
}
#: Forms not to fuzz: signing out or switching the language would only end the run's own session or page.
SKIP_ACTIONS = ("/auth/logout",)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _targets(client, page: str) -> list:
    response = client.get(page)
    assert response.status_code < 500, f"GET {page}: {response.status_code}"
    if response.status_code != 200:
        return []
    return [
        f
        for f in forms_on(response.get_data(as_text=True))
        if not any(f.action.endswith(s) for s in SKIP_ACTIONS) and "language" not in f.names
    ]


def _record_pages(app, role, user_id) -> list[str]:
    """The pages of records this role works on (an appeal; for a deputy its inquiry too), with their forms:
    moves, extension, groups, reveal, the inquiry's edit, send and answer forms."""
    from factories import make_citizen, make_inquiry, make_registration

    from reception.accounts.models import User

    with app.app_context():
        user = db.session.get(User, user_id)
        if role == Role.deputy:
            appeal = make_registration(citizen=make_citizen(), deputy=user.deputy).appeal
            inquiry = make_inquiry([appeal], user=user)
            db.session.commit()
            return [f"/appeals/{appeal.id}", f"/inquiries/{inquiry.id}", f"/inquiries/{inquiry.id}/edit"]
        if role in (Role.staff, Role.branch_head):
            appeal = make_registration(citizen=make_citizen(), branch_code="ALM-03").appeal
            db.session.commit()
            return [f"/appeals/{appeal.id}"]
        return []


@pytest.mark.parametrize("role", list(PAGES), ids=lambda r: r.value if r else "citizen")
def test_hostile_input_to_every_form_and_query_string_gives_no_500(app, make_user, role):
    client = app.test_client()
    pages = list(PAGES[role])
    if role is not None:
        user_id, email = make_user(role, "ALM-03" if role in (Role.staff, Role.branch_head) else None)
        Auth(client).login(email)
        pages += _record_pages(app, role, user_id)
    forms = {page: _targets(client, page) for page in pages}

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(data=st.data())
    def attack(data):
        for page in pages:
            query = {name: data.draw(HOSTILE) for name in QUERY_NAMES}
            response = client.get(page, query_string=query)
            assert response.status_code < 500, f"GET {page}?{query}: {response.status_code}"
            for form in forms[page]:
                values = dict(form.values)
                for name in form.names:
                    if name != "csrf_token":
                        values[name] = data.draw(HOSTILE)
                target = form.action or page
                if form.method == "post":
                    response = client.post(target, data=values)
                else:
                    response = client.get(target, query_string=values)
                assert response.status_code < 500, f"{form.method.upper()} {target} {values}: {response.status_code}"

    attack()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            for row in db.session.execute(select(*columns)) if columns else []:
                for column, value in zip(columns, row, strict=True):
                    assert not (isinstance(value, str) and CONTROL.search(value)), f"{table.name}.{column.name}"


def test_crafted_ids_and_bytes_get_a_clear_4xx(app, client, auth, make_user):
    _, email = make_user(Role.staff, "ALM-03")
    auth.login(email)
    for path in ("/appeals/3000000000", "/appeals/2147483648/receipt", "/inquiries/99999999999999999999"):
        assert client.get(path).status_code == 404, path
    assert client.get("/appeals/", query_string={"q": "a\x00b"}).status_code == 400
    refused = client.get("/appeals/", query_string={"q": "\x00"})
    assert "NUL" in refused.get_data(as_text=True)
    anonymous = app.test_client()
    assert anonymous.post("/auth/login", data={"email": "a\x00@b.kz", "password": "x"}).status_code == 400


def test_a_page_number_past_any_list_is_404_not_a_database_error(app, client, auth, make_user):
    _, email = make_user(Role.staff, "ALM-03")
    auth.login(email)
    for path in ("/appeals/",):
        assert client.get(path, query_string={"page": "184467443334479872"}).status_code == 404, path
        assert client.get(path, query_string={"page": "2"}).status_code in (200, 404), path
