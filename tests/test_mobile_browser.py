"""Staff and deputy pages on a phone, in a real browser at 360×800: for each role, every page the menu leads
to and the pages those link to (one of each kind: an appeal, an inquiry, a user, a rule…) scrolls only down,
never sideways, and every field of a filter form has a label a person can see."""

from urllib.parse import urlsplit

import pytest
from factories import make_account, make_appeal, make_citizen, make_deputy, make_inquiry, user
from support import PASSWORD
from werkzeug.exceptions import HTTPException

from reception.accounts.models import Role
from reception.appeals import operations as appeal_ops
from reception.extensions import db
from reception.routing.models import RoutingRule, RuleTarget

#: Chromium through Playwright: slow, left out of `make test-fast`.
pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 360, "height": 800}

#: Not pages: files, JSON, redirects to elsewhere.
NOT_PAGES = {
    "static",
    "main.favicon",
    "main.healthz",
    "main.login_alias",
    "appeals.receipt_pdf",
    "appeals.attachment",
    "appeals.citizen_lookup",
    "deputy_queue.export",
    "reports.dashboard_csv",
    "reports.dashboard_xlsx",
    "reports.dashboard_pdf",
    "reports.export_download",
    "inquiries.download",
    "letters.download",
    "letters.template_file",
    "inquiries.answer_file",
    "inquiries.document_status",
    "public.online_receipt_pdf",
}

#: The pages each role must have reached (besides whatever else the menu and its pages link to).
MUST_SEE = {
    Role.staff: {"appeals.index", "appeals.detail", "appeals.new", "directory.my_branch", "notifications.inbox"},
    Role.branch_head: {"reports.index", "appeals.index", "appeals.detail", "inquiries.index", "inquiries.detail"},
    Role.admin: {
        "reports.index",
        "appeals.detail",
        "accounts.users",
        "accounts.edit_user",
        "routing.rules",
        "routing.edit_rule",
        "jobs.index",
        "audit.index",
        "notifications.index",
        "directory.deputies",
        "directory.edit_deputy",
        "appeals.calendar",
    },
    Role.deputy: {"deputy_queue.index", "appeals.detail", "inquiries.index", "inquiries.detail", "inquiries.edit"},
}

#: Sideways scrolling, and filter fields whose label is missing or invisible, on the page shown.
CHECK = """() => {
  const wide = document.documentElement.scrollWidth > window.innerWidth;
  const shown = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const unlabelled = [];
  for (const form of document.querySelectorAll('main form')) {
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'get') continue;
    for (const el of form.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden' || el.type === 'submit' || el.type === 'button' || !shown(el)) continue;
      const labels = [...el.labels].filter(l => shown(l) && l.textContent.trim());
      if (!labels.length) unlabelled.push(el.name || el.outerHTML.slice(0, 60));
    }
  }
  // The innermost elements sticking out, to name in the failure.
  const out = el => el.getBoundingClientRect().right > window.innerWidth + 1;
  const sticking = wide ? [...document.querySelectorAll('body *')]
      .filter(el => out(el) && ![...el.children].some(out))
      .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') +
                 (el.name ? '[' + el.name + ']' : '') + ' ' + (el.textContent || '').trim().slice(0, 30))
      .slice(0, 6) : [];
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, unlabelled, sticking};
}"""


def world(app) -> dict:
    """A clerk of ALM-03, the region's head, an administrator and a deputy holding an appeal of ALM-03 that is
    in a draft inquiry; a routing rule. Returns the e-mail of each role."""
    with app.app_context():
        deputy = make_deputy("Ахметов Серик Болатович")
        accounts = {
            Role.staff: make_account(Role.staff, "clerk@test.kz", full_name="Сейткали Айгуль", branch_code="ALM-03"),
            Role.branch_head: make_account(
                Role.branch_head, "head@test.kz", full_name="Жумабаев Ерлан", branch_code="ALM-00"
            ),
            Role.admin: make_account(Role.admin, "admin@test.kz", full_name="Администратор Системы"),
            Role.deputy: make_account(Role.deputy, "deputy@test.kz", full_name="Ахметов Серик", deputy=deputy),
        }
        citizen = make_citizen(address="г. Конаев, ул. Абая, 1")
        appeals = [
            make_appeal(citizen=citizen, summary=f"Нет холодной воды в доме № {n}", deputy=deputy, commit=False)
            for n in range(3)
        ]
        make_appeal(summary="Ремонт дороги до села", commit=False)
        appeal_ops.take_into_work(appeals[0], user=user("deputy@test.kz"))
        make_inquiry(appeals[:2], user=user("deputy@test.kz"))
        db.session.add(RoutingRule(position=10, name="Мажилис: одномандатные", target=RuleTarget.single_mandate))
        db.session.commit()
        return {role: account.email for role, account in accounts.items()}


def sign_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/auth/login")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Вход").click()
    page.wait_for_url(base_url + "/")


def endpoint_of(app, url: str) -> str | None:
    """The view a same-site GET link leads to, or None for another site, a file or a redirect."""
    parts = urlsplit(url)
    try:
        endpoint, _args = app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        return None
    return None if endpoint in NOT_PAGES else endpoint


def walk(app, page, base_url: str) -> dict[str, dict]:
    """Open the menu's pages, then what they link to (two steps deep), one page per view; returns what CHECK
    found on each, by view."""
    page.goto(base_url + "/")
    start = page.locator("a[data-nav], header a.bell, header a.me").evaluate_all("els => els.map(a => a.href)")
    todo = [(href, 0) for href in start]
    found = {}
    while todo:
        url, depth = todo.pop(0)
        if not url.startswith(base_url):
            continue
        endpoint = endpoint_of(app, url)
        if endpoint is None or endpoint in found:
            continue
        response = page.goto(url)
        if response is None or not response.ok or "text/html" not in response.headers.get("content-type", ""):
            continue
        found[endpoint] = dict(page.evaluate(CHECK), url=url)
        if depth < 2:
            hrefs = page.locator("main a[href]").evaluate_all("els => els.map(a => a.href)")
            todo += [(href.split("#")[0], depth + 1) for href in hrefs]
    return found


@pytest.mark.parametrize("language", ["ru", "kk"])
@pytest.mark.parametrize("role", [Role.staff, Role.branch_head, Role.admin, Role.deputy], ids=lambda r: r.value)
def test_every_page_of_a_role_fits_a_phone_and_labels_its_filters(app, live_server, chromium, role, language):
    """In Russian and in Kazakh, whose words run longer: a label that fits in one may push a page sideways in the
    other."""
    emails = world(app)
    context = chromium.new_context(locale="ru-RU", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, live_server, emails[role])
        if language != "ru":
            page.locator(f'button[data-lang="{language}"]').click()  # the switch, as a person uses it
            page.wait_for_load_state("load")
            assert page.locator("html").get_attribute("lang") == language
        found = walk(app, page, live_server)
        assert page.locator("html").get_attribute("lang") == language  # still, after every page
    finally:
        context.close()
    assert MUST_SEE[role] <= set(found), f"not reached: {MUST_SEE[role] - set(found)}"
    wide = {
        e: (r["url"], r["scrollWidth"], r["sticking"]) for e, r in found.items() if r["scrollWidth"] > PHONE["width"]
    }
    assert not wide, f"pages wider than the phone: {wide}"
    unlabelled = {e: (r["url"], r["unlabelled"]) for e, r in found.items() if r["unlabelled"]}
    assert not unlabelled, f"filter fields without a visible label: {unlabelled}"
