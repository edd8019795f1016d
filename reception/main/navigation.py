"""Navigation by role: each entry names the roles that see it, matching the views' own rules."""

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l

from ..accounts.access import ANY_USER, PUBLIC, declared_access


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object


#: Entries in display order; who sees one is decided by its view's declared access, so the menu
#: can never offer a page that would answer 403.
ITEMS = (
    NavItem("main.index", _l("Home")),
    NavItem("deputy_queue.index", _l("My queue")),
    NavItem("appeals.new", _l("New appeal")),
    NavItem("reports.index", _l("Board")),
    NavItem("inquiries.index", _l("Inquiries")),
    NavItem("mandates.board", _l("Voters' mandates")),
    NavItem("mandates.my_tasks", _l("My road-map tasks")),
    NavItem("appeals.index", _l("Appeals")),
    NavItem("directory.my_branch", _l("My branch")),
    NavItem("letters.post", _l("Letters to post")),
    NavItem("directory.index", _l("Directory")),
    NavItem("accounts.users", _l("Users")),
    NavItem("routing.rules", _l("Routing rules")),
    NavItem("appeals.calendar", _l("Work calendar")),
    NavItem("appeals.citizens", _l("Personal data requests")),
    NavItem("notifications.index", _l("Sent messages")),
    NavItem("jobs.index", _l("Background jobs")),
    NavItem("audit.index", _l("Audit log")),
)


def navigation_for(user) -> list[dict]:
    """The menu entries `user` may open."""
    items = []
    for item in ITEMS:
        rule = declared_access(item.endpoint)
        if rule is None:
            continue
        if rule in (PUBLIC, ANY_USER) or (user.is_authenticated and user.role in rule):
            items.append({"url": url_for(item.endpoint), "label": item.label, "endpoint": item.endpoint})
    return items
