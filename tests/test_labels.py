"""What a person reads is a label in their language, never a stored code: the timeline's routing and escalation
steps, the routing rules, deputies (their body and place), branches in the user form, the jobs page.

Each page is rendered in Kazakh and in Russian (the staff member's browser asks for it)."""

import re
from datetime import UTC, datetime

import pytest
from factories import branch, district, make_appeal, make_deputy, representative_body, topic, user
from support import text_of, translated

from reception.accounts.models import Role
from reception.appeals.models import Appeal
from reception.extensions import db
from reception.i18n import localized
from reception.routing import engine
from reception.routing.escalation import escalate_appeals
from reception.routing.models import RoutingRule, RuleTarget

LANGUAGES = ("kk", "ru")
ROUTED = "Routed to %(deputy)s by the rule «%(rule)s» (%(conditions)s)"


def page_in(client, url: str, language: str) -> str:
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response.get_data(as_text=True)


def name_in(record, language: str) -> str:
    return localized(record, "name", language)


def timeline_of(page: str) -> str:
    return text_of(page.split('class="timeline"', 1)[1].split("</ol>", 1)[0])


def test_the_timeline_says_in_words_who_got_the_appeal_by_which_rule(app, client, auth, make_user):
    with app.app_context():
        chosen = make_deputy("Жильцова Анна Петровна", region=representative_body("MAZHILIS").region)
        db.session.add(
            RoutingRule(
                position=10,
                name="ЖКХ — депутату",
                target=RuleTarget.deputy,
                target_deputy=chosen,
                topic=topic("housing"),
                district=district("ALM.03"),
            )
        )
        routed = make_appeal(commit=False)
        engine.route_by_rules(routed)
        unplaced = make_appeal(topic_code="banking", commit=False)
        engine.route_by_rules(unplaced)  # no rule: the central office's triage
        db.session.commit()
        routed_id, unplaced_id = routed.id, unplaced.id
        housing, balkash, central = topic("housing"), district("ALM.03"), branch("KZ-00")
        names = {lang: (name_in(housing, lang), name_in(balkash, lang), name_in(central, lang)) for lang in LANGUAGES}
    _, email = make_user(Role.admin)
    auth.login(email)
    for language in LANGUAGES:
        topic_name, district_name, central_name = names[language]
        conditions = ", ".join(
            [
                translated(app, language, "topic: %(name)s", name=topic_name),
                translated(app, language, "district: %(name)s", name=district_name),
            ]
        )
        timeline = timeline_of(page_in(client, f"/appeals/{routed_id}", language))
        expected = translated(
            app, language, ROUTED, deputy="Жильцова Анна Петровна", rule="ЖКХ — депутату", conditions=conditions
        )
        assert expected in timeline
        for raw in ("rule #", "#10", "topic=", "housing", "ALM.03", "district="):
            assert raw not in timeline
        timeline = timeline_of(page_in(client, f"/appeals/{unplaced_id}", language))
        assert (
            translated(app, language, "Sent for triage to %(branch)s: no rule matched", branch=central_name) in timeline
        )
        assert "KZ-00" not in timeline and "no rule matched" not in timeline.replace(
            translated(app, language, "Sent for triage to %(branch)s: no rule matched", branch=central_name), ""
        )

        rules = text_of(page_in(client, "/routing/rules", language))
        assert conditions in rules and "topic=" not in rules and "housing" not in rules


def test_an_escalation_names_the_branch_and_the_reason_in_the_readers_language(app, client, auth, make_user):
    registered = datetime(2026, 11, 20, 6, tzinfo=UTC)
    with app.app_context():
        appeal = make_appeal(registered_at=registered, deputy=make_deputy(), routed_at=registered)
        assert escalate_appeals(datetime(2026, 11, 25, 6, tzinfo=UTC)) == 1  # not taken into work in 2 days
        appeal = db.session.get(Appeal, appeal.id)
        names = {lang: name_in(appeal.escalated_to_branch, lang) for lang in LANGUAGES}
        appeal_id = appeal.id
    _, email = make_user(Role.admin)
    auth.login(email)
    for language in LANGUAGES:
        timeline = timeline_of(page_in(client, f"/appeals/{appeal_id}", language))
        reason = translated(app, language, "not taken into work within 2 working days")
        expected = translated(
            app, language, "Escalated to %(branch)s: %(reason)s", branch=names[language], reason=reason
        )
        assert expected in timeline and "ALM-03" not in timeline


def test_deputies_are_shown_by_their_bodys_and_places_names(app, client, auth, make_user):
    with app.app_context():
        maslikhat = make_deputy("Маслихатова Айгерим", "M-AST", region=representative_body("M-AST").region)
        maslikhat.district = district("AST.01")
        db.session.commit()
        body = representative_body("M-AST")
        names = {lang: (name_in(body, lang), name_in(district("AST.01"), lang)) for lang in LANGUAGES}
    _, email = make_user(Role.admin)
    auth.login(email)
    for language in LANGUAGES:
        body_name, district_name = names[language]
        listing = text_of(page_in(client, "/directory/deputies?q=Маслихатова", language))
        assert body_name in listing and district_name in listing
        assert "M-AST" not in listing
        # The pickers: the routing rule's target deputy and the user form's deputy.
        for url in ("/routing/rules/new", "/accounts/users/new"):
            page = page_in(client, url, language)
            option = re.search(r"<option [^>]*>(Маслихатова Айгерим[^<]*)</option>", page)
            assert option is not None, url
            assert option.group(1) == f"Маслихатова Айгерим · {body_name} · {district_name}"
            assert "MAZHILIS" not in text_of(page) and "M-AST" not in text_of(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_new_user_forms_branches_are_named_in_the_readers_language(app, client, auth, make_user, language):
    with app.app_context():
        ast01 = branch("AST-01")
        own, other = name_in(ast01, language), name_in(ast01, "ru" if language == "kk" else "kk")
    _, email = make_user(Role.admin)
    auth.login(email)
    page = page_in(client, "/accounts/users/new", language)
    select = page.split('name="branch"', 1)[1].split("</select>", 1)[0]
    assert f"AST-01 · {own}" in select
    assert other not in select


def test_the_queue_names_branches(app, client, auth, make_user):
    _, email = make_user(Role.deputy)
    with app.app_context():
        make_appeal(deputy=user(email).deputy)
        names = {lang: name_in(branch("ALM-03"), lang) for lang in LANGUAGES}
    auth.login(email)
    for language in LANGUAGES:
        page = page_in(client, "/deputy-queue/", language)
        rows = text_of(page.split("<tbody>", 1)[1])
        assert names[language] in rows and "ALM-03 " not in rows.replace("ALM-03/", "")


def test_the_audit_log_names_actions_and_records(app, client, auth, make_user):
    _, email = make_user(Role.admin)
    auth.login(email)
    for language in LANGUAGES:
        page = page_in(client, "/audit/", language)
        rows = text_of(page.split("<tbody>", 1)[1])
        assert translated(app, language, "Signed in") in rows and translated(app, language, "User") in rows
        assert "user.login" not in rows and " User " not in rows.replace(translated(app, language, "User"), "")
        # The filter offers the actions by name.
        assert f'<option value="user.login">{translated(app, language, "Signed in")}</option>' in page
