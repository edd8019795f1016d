"""Error pages, the health check, the language switcher and navigation by role."""

import re

import pytest
from support import csrf_token

from reception.accounts.models import Role, User
from reception.extensions import db

ERROR_TITLES = {
    "en": {404: "Page not found", 403: "Access denied", 405: "Method not allowed"},
    "ru": {404: "Страница не найдена", 403: "Доступ запрещён", 405: "Метод не поддерживается"},
    "kk": {404: "Бет табылмады", 403: "Қол жеткізу тыйым салынған", 405: "Бұл әдіс қолданылмайды"},
}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_error_pages_in_each_language(client, auth, make_user, lang):
    _, email = make_user(Role.staff)
    auth.login(email)
    token = csrf_token(client, "/me")
    client.post(f"/language/{lang}", data={"csrf_token": token, "next": "/me"})
    not_found = client.get("/no/such/page")
    assert not_found.status_code == 404
    assert ERROR_TITLES[lang][404] in not_found.get_data(as_text=True)
    forbidden = client.get("/accounts/users")
    assert forbidden.status_code == 403 and ERROR_TITLES[lang][403] in forbidden.get_data(as_text=True)
    wrong_method = client.put("/me")
    assert wrong_method.status_code == 405 and ERROR_TITLES[lang][405] in wrong_method.get_data(as_text=True)


def test_server_error_shows_no_traceback(app, client):
    def boom():
        raise RuntimeError("secret internals")

    boom.allowed_roles = "public"
    original = app.view_functions["main.index"]
    app.view_functions["main.index"] = boom
    try:
        response = client.get("/")
    finally:
        app.view_functions["main.index"] = original
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body
    assert "Something went wrong" in body or "Что-то пошло не так" in body


def test_bad_csrf_is_a_400_page(client):
    response = client.post("/auth/login", data={"email": "a@test.kz", "password": "x"})
    assert response.status_code == 400 and "Traceback" not in response.get_data(as_text=True)


def test_too_large_upload_is_a_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = client.post("/auth/login", data={"email": "x" * 5000})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 20 * 1024 * 1024
    assert response.status_code == 413


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "ok"
    assert data["checks"]["database"]["ok"] and data["checks"]["redis"]["ok"]


def test_language_is_remembered_per_user(app, make_user):
    _, email = make_user(Role.staff)
    first = app.test_client()
    token = csrf_token(first)
    first.post("/auth/login", data={"email": email, "password": "correct horse battery", "csrf_token": token})
    token = csrf_token(first, "/me")
    first.post("/language/kk", data={"csrf_token": token, "next": "/me"})
    second = app.test_client()  # another browser: same user, fresh session
    token = csrf_token(second)
    second.post("/auth/login", data={"email": email, "password": "correct horse battery", "csrf_token": token})
    page = second.get("/me").get_data(as_text=True)
    assert '<html lang="kk">' in page
    with app.app_context():
        assert db.session.scalar(db.select(User.locale).where(User.email == email)) == "kk"


def test_default_language_is_russian(client):
    page = client.get("/auth/login", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="ru">' in page and "Вход" in page


def test_unknown_language_is_404(client):
    token = csrf_token(client)
    assert client.post("/language/xx", data={"csrf_token": token}).status_code == 404


NAV = {
    Role.staff: {"appeals.new", "appeals.index", "directory.my_branch", "letters.post"},
    Role.branch_head: {
        "appeals.new",
        "reports.index",
        "appeals.index",
        "directory.my_branch",
        "letters.post",
        "inquiries.index",
        "mandates.my_tasks",
    },
    Role.deputy: {"deputy_queue.index", "appeals.index", "inquiries.index", "mandates.my_tasks"},
    Role.assistant: {"deputy_queue.index", "appeals.index", "inquiries.index"},
    Role.analyst: {"reports.index", "appeals.index", "directory.index", "inquiries.index", "mandates.board"},
    Role.admin: {
        "reports.index",
        "appeals.index",
        "directory.index",
        "accounts.users",
        "routing.rules",
        "appeals.calendar",
        "appeals.citizens",
        "inquiries.index",
        "mandates.board",
        "letters.post",
        "notifications.index",
        "jobs.index",
        "audit.index",
    },
}


@pytest.mark.parametrize("role", list(Role))
def test_navigation_shows_only_the_roles_pages(client, auth, make_user, role):
    import re

    _, email = make_user(role)
    auth.login(email)
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    shown = set(re.findall(r'data-nav="([^"]+)"', page)) - {"main.index"}
    assert shown == NAV[role]
    for endpoint in shown:  # and every entry shown opens
        url = re.search(rf'href="([^"]+)" data-nav="{re.escape(endpoint)}"', page).group(1)
        assert client.get(url).status_code == 200


def test_the_start_page_tells_a_citizen_and_staff_where_to_go(client):
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'href="/status/"' in html and 'href="/online/"' in html and 'href="/auth/login"' in html
    login = client.get("/login")
    assert login.status_code == 301 and login.headers["Location"].endswith("/auth/login")
    icon = client.get("/favicon.ico")
    assert icon.status_code == 301 and client.get(icon.headers["Location"]).status_code == 200
    assert 'rel="icon"' in html


def test_the_bell_needs_no_emoji_font(client, auth, make_user):
    from reception.accounts.models import Role

    _, email = make_user(Role.staff, "ALM-03")
    auth.login(email)
    html = client.get("/").get_data(as_text=True)
    bell = re.search(r'<a [^>]*class="bell".*?</a>', html, re.S).group(0)
    assert "<svg" in bell and "&#128276;" not in bell and "\U0001f514" not in bell


def test_in_a_kazakh_interface_the_answer_and_the_letter_start_in_kazakh(app, client, auth, make_user):
    from pageforms import form_on
    from support import csrf_token

    from reception.accounts.models import Role

    _, email = make_user(Role.staff, "ALM-03")
    auth.login(email)
    client.post("/language/kk", data={"csrf_token": csrf_token(client, "/me")})
    intake = form_on(client.get("/appeals/new").get_data(as_text=True), "", having="iin")
    assert intake.values["language"] == "kk"
