"""The deputy's queue: only their appeals, due first, filters, keyset pages, a fixed number of queries."""

import re
from datetime import date, timedelta

import pytest
from factories import branch, make_account, make_appeal, user
from pageforms import submit
from sqlalchemy import event, select
from support import csrf_token, translated

from reception.accounts.models import Role
from reception.appeals import operations as appeal_ops
from reception.appeals.models import Appeal, AppealState
from reception.directory.models import Topic
from reception.extensions import db

S = AppealState
OPEN = appeal_ops.OPEN_STATES


def fill(deputy, count, topic_code="housing", first_deadline=date(2026, 12, 1)):
    """`count` appeals routed to `deputy`, deadlines one day apart."""
    made = [
        make_appeal(
            topic_code=topic_code,
            summary=f"Вопрос {n}",
            text="Текст обращения",
            district=branch("ALM-03").district,
            deputy=deputy,
            deadline=first_deadline + timedelta(days=n),
            commit=False,
        )
        for n in range(count)
    ]
    db.session.commit()
    return made


@pytest.fixture
def deputy_client(app, client, auth, make_user):
    _, email = make_user(Role.deputy)
    auth.login(email)
    with app.app_context():
        deputy_id = user(email).deputy_id
    return client, deputy_id


def numbers(html: str) -> list[str]:
    import re

    return re.findall(r'<tr data-appeal="([^"]+)"', html)


def test_queue_shows_own_appeals_due_first_and_pages_by_key(app, deputy_client, make_user):
    client, deputy_id = deputy_client
    _, other_email = make_user(Role.deputy)
    with app.app_context():
        from reception.directory.models import Deputy

        mine = fill(db.session.get(Deputy, deputy_id), 60)
        theirs = fill(user(other_email).deputy, 3)
        expected = [a.registration_number for a in sorted(mine, key=lambda a: (a.deadline, a.id))]
        foreign = {a.registration_number for a in theirs}
    first = client.get("/deputy-queue/").get_data(as_text=True)
    assert numbers(first) == expected[:50]
    import re

    next_url = re.search(r'href="([^"]+)" data-next', first).group(1).replace("&amp;", "&")
    # A new appeal due earliest arrives between the pages: the second page stays stable.
    with app.app_context():
        fill(db.session.get(Deputy, deputy_id), 1, first_deadline=date(2026, 11, 1))
    second = client.get(next_url).get_data(as_text=True)
    assert numbers(second) == expected[50:]
    assert not foreign & set(numbers(first) + numbers(second))


def test_filters_and_counts(app, deputy_client):
    client, deputy_id = deputy_client
    with app.app_context():
        from reception.directory.models import Deputy

        deputy = db.session.get(Deputy, deputy_id)
        housing = fill(deputy, 3)
        fill(deputy, 2, topic_code="education")
        appeal_ops.take_into_work(db.session.get(Appeal, housing[0].id), user=None)
        db.session.commit()
        topic_id = db.session.scalar(select(Topic.id).where(Topic.code == "education"))
    page = client.get(f"/deputy-queue/?topic={topic_id}").get_data(as_text=True)
    assert len(numbers(page)) == 2
    page = client.get("/deputy-queue/?state=in_progress").get_data(as_text=True)
    assert len(numbers(page)) == 1
    with app.app_context():
        alm03, ast01 = branch("ALM-03"), branch("AST-01")
        district_id, other_district_id, alm03_id, ast01_id = alm03.district_id, ast01.district_id, alm03.id, ast01.id
    assert len(numbers(client.get(f"/deputy-queue/?district={district_id}").get_data(as_text=True))) == 5
    assert len(numbers(client.get(f"/deputy-queue/?district={other_district_id}").get_data(as_text=True))) == 0
    assert len(numbers(client.get(f"/deputy-queue/?branch={alm03_id}").get_data(as_text=True))) == 5
    assert len(numbers(client.get(f"/deputy-queue/?branch={ast01_id}").get_data(as_text=True))) == 0
    assert 'data-count="open">5<' in page
    assert client.get("/deputy-queue/?state=nonsense").status_code == 400


def test_overdue_filter(app, deputy_client):
    client, deputy_id = deputy_client
    with app.app_context():
        from reception.directory.models import Deputy

        fill(db.session.get(Deputy, deputy_id), 2, first_deadline=date(2020, 1, 1))
        fill(db.session.get(Deputy, deputy_id), 2, first_deadline=date(2100, 1, 1))
    page = client.get("/deputy-queue/?overdue=1").get_data(as_text=True)
    assert len(numbers(page)) == 2 and 'data-count="overdue">2<' in page


def state_counts(page: str) -> dict[str, int]:
    """The count beside each state in the state filter's menu."""
    import re

    menu = page.split('<select name="state">')[1].split("</select>")[0]
    return {state: int(n) for state, n in re.findall(r'<option value="(\w+)"[^>]*>[^<]*\((\d+)\)</option>', menu)}


def test_header_and_state_counts_are_the_hand_count_under_each_filter(app, deputy_client):
    """Counted in one grouped query: the header (open, due this week, overdue) and each state's count under the
    other filters, which must be the rows the list shows once that state is chosen too."""
    from reception.appeals.deadlines import local_date
    from reception.dbtypes import utcnow

    client, deputy_id = deputy_client
    with app.app_context():
        from reception.directory.models import Deputy

        deputy = db.session.get(Deputy, deputy_id)
        today = local_date(utcnow())
        day = timedelta(days=1)
        week_end = today + timedelta(days=6 - today.weekday())
        rows = [  # (branch, state, deadline)
            ("ALM-03", S.routed, today - 2 * day),  # overdue
            ("ALM-03", S.in_progress, today - day),  # overdue
            ("ALM-03", S.in_progress, today),  # due this week, not overdue
            ("ALM-03", S.resolved, today - 3 * day),  # decided: not overdue
            ("AST-01", S.routed, today - 5 * day),  # overdue
            ("AST-01", S.routed, today + 40 * day),
            ("AST-01", S.closed, today + day),
        ]
        for code, state, deadline in rows:
            appeal = make_appeal(branch_code=code, summary="Вопрос", deputy=deputy, commit=False)
            appeal.state, appeal.deadline = state, deadline
        db.session.commit()
        alm03 = branch("ALM-03").id
    page = client.get("/deputy-queue/").get_data(as_text=True)
    header = {name: int(n) for name, n in re.findall(r'data-count="(\w+)">(\d+)<', page)}
    this_week = sum(1 for _c, s, d in rows if s in OPEN and today <= d <= week_end)
    assert header == {"open": 5, "due_this_week": this_week, "overdue": 3, "resolved_this_month": 0}
    assert state_counts(page) == {"routed": 3, "in_progress": 2, "resolved": 1, "closed": 1} | {
        s.value: 0 for s in S if s not in (S.routed, S.in_progress, S.resolved, S.closed)
    }
    expected = {
        "overdue=1": {"routed": 2, "in_progress": 1},
        "due_within=1": {"routed": 2, "in_progress": 2},
        f"branch={alm03}": {"routed": 1, "in_progress": 2, "resolved": 1},
        f"branch={alm03}&overdue=1": {"routed": 1, "in_progress": 1},
    }
    for query, counts in expected.items():
        page = client.get(f"/deputy-queue/?{query}").get_data(as_text=True)
        shown = {state: n for state, n in state_counts(page).items() if n}
        assert shown == counts, query
        for state, n in counts.items():
            listed = client.get(f"/deputy-queue/?{query}&state={state}").get_data(as_text=True)
            assert len(numbers(listed)) == n, (query, state)
    # A state chosen does not change the counts beside the states (each says what choosing it would show).
    page = client.get(f"/deputy-queue/?overdue=1&state=routed&branch={alm03}").get_data(as_text=True)
    assert {state: n for state, n in state_counts(page).items() if n} == {"routed": 1, "in_progress": 1}


def test_query_count_does_not_grow_with_the_page(app, deputy_client, make_user):
    client, deputy_id = deputy_client
    _, few_email = make_user(Role.deputy)
    with app.app_context():
        from reception.directory.models import Deputy

        fill(db.session.get(Deputy, deputy_id), 55)
        fill(user(few_email).deputy, 5)
        engine = db.engine
    few_client = app.test_client()
    token = csrf_token(few_client)
    few_client.post("/auth/login", data={"email": few_email, "password": "correct horse battery", "csrf_token": token})
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    client.get("/deputy-queue/")  # the filter menus, built once a minute for every page (deputy_queue/menus.py)
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert len(numbers(client.get("/deputy-queue/").get_data(as_text=True))) == 50
        with_50_rows = len(statements)
        statements.clear()
        assert len(numbers(few_client.get("/deputy-queue/").get_data(as_text=True))) == 5
        with_5_rows = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # The user, the acting deputies, the page, the grouped counts, the resolved this month, the branches, the
    # assistants, the overdue inquiries (12 before the grouped counts and the kept menus).
    assert with_50_rows == with_5_rows == 8


def test_bulk_take_into_work(app, deputy_client):
    client, deputy_id = deputy_client
    with app.app_context():
        from reception.directory.models import Deputy

        ids = [a.id for a in fill(db.session.get(Deputy, deputy_id), 3)]
    response = submit(client, "/deputy-queue/", "/deputy-queue/take", ids=[str(i) for i in ids[:2]], action="take")
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert translated(app, "ru", "Taken into work: %(count)s.", count=2) in shown
    with app.app_context():
        states = [db.session.get(Appeal, i).state for i in ids]
    assert states == [AppealState.in_progress, AppealState.in_progress, AppealState.routed]


def test_another_deputys_appeal_is_404_by_url_and_bulk_action(app, deputy_client, make_user):
    client, _ = deputy_client
    _, other_email = make_user(Role.deputy)
    with app.app_context():
        theirs = fill(user(other_email).deputy, 1)[0].id
    assert client.get(f"/appeals/{theirs}").status_code == 404
    token = csrf_token(client, "/deputy-queue/")
    assert client.post("/deputy-queue/take", data={"csrf_token": token, "ids": [str(theirs)]}).status_code == 404
    with app.app_context():
        assert db.session.get(Appeal, theirs).state == AppealState.routed


def test_assistant_works_the_queues_of_both_deputies(app, client, auth, make_user):
    _, email = make_user(Role.assistant)
    with app.app_context():
        first, second = user(email).deputies
        made = fill(first, 2) + fill(second, 2)
        expected = {a.registration_number for a in made}
    auth.login(email)
    assert set(numbers(client.get("/deputy-queue/").get_data(as_text=True))) == expected


def test_deputy_gives_appeals_to_an_assistant_who_filters_them(app, client, auth, make_user):
    _, assistant_email = make_user(Role.assistant)
    with app.app_context():
        assistant = user(assistant_email)
        deputy = assistant.deputies[0]
        make_account(Role.deputy, "own.deputy@test.kz", full_name="Сам Депутат", deputy=deputy)
        db.session.commit()
        ids = [a.id for a in fill(deputy, 3)]
        assistant_id = assistant.id
    auth.login("own.deputy@test.kz")
    response = submit(
        client,
        "/deputy-queue/",
        "/deputy-queue/take",
        ids=[str(ids[0]), str(ids[1])],
        action="assign",
        assistant=str(assistant_id),
    )
    assert response.status_code == 302
    auth.logout()
    auth.login(assistant_email)
    mine = numbers(client.get("/deputy-queue/?mine=1").get_data(as_text=True))
    with app.app_context():
        assert mine == [db.session.get(Appeal, i).registration_number for i in ids[:2]]


def test_deputy_cannot_find_another_deputys_appeal_by_search_or_filter(app, deputy_client, make_user):
    client, _ = deputy_client
    _, other_email = make_user(Role.deputy)
    with app.app_context():
        theirs = fill(user(other_email).deputy, 1)[0]
        number, topic_id = theirs.registration_number, theirs.topic_id
    assert f'data-appeal="{number}"' not in client.get(f"/appeals/?q={number}").get_data(as_text=True)
    assert number not in numbers(client.get(f"/deputy-queue/?topic={topic_id}&q=Текст").get_data(as_text=True))


def test_export_is_the_filtered_queue_and_nothing_else(app, deputy_client, make_user):
    import csv
    import io

    client, deputy_id = deputy_client
    _, other_email = make_user(Role.deputy)
    with app.app_context():
        from reception.directory.models import Deputy

        mine = fill(db.session.get(Deputy, deputy_id), 3)
        theirs = fill(user(other_email).deputy, 2)
        expected = [a.registration_number for a in mine]
        foreign = {a.registration_number for a in theirs}
    response = client.get("/deputy-queue/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    exported = [r[0] for r in rows[1:]]
    assert exported == expected and not foreign & set(exported)


def test_the_queue_search_finds_an_appeal_by_its_number_or_tracking_code(app, deputy_client):
    from pageforms import form_on

    client, deputy_id = deputy_client
    with app.app_context():
        from reception.directory.models import Deputy

        appeals = fill(db.session.get(Deputy, deputy_id), 3)
        number, code = appeals[1].registration_number, appeals[1].tracking_code
    search = form_on(client.get("/deputy-queue/").get_data(as_text=True), "", having="q", method="get")
    for typed in (number, number.lower(), code, code.lower().replace("-", " ")):
        found = numbers(client.get("/deputy-queue/", query_string=search.fill(q=typed)).get_data(as_text=True))
        assert found == [number], typed


def test_the_queue_menus_are_kept_per_language_and_only_for_a_minute(app, deputy_client):
    """The topic menu, kept in Redis for every web host, is the reader's language's, and expires (the directory's
    changes show within MENU_SECONDS)."""
    from reception.deputy_queue.menus import MENU_SECONDS
    from reception.jobs.queues import get_redis

    client, _ = deputy_client
    with app.app_context():
        housing = db.session.scalar(select(Topic).where(Topic.code == "housing"))
        name_ru, name_kk = housing.name_ru, housing.name_kk
    assert name_ru != name_kk

    def topic_menu() -> str:
        return (
            client.get("/deputy-queue/").get_data(as_text=True).split('<select name="topic">')[1].split("</select>")[0]
        )

    assert name_ru in topic_menu() and name_kk not in topic_menu()  # built, then read from Redis
    assert submit(client, "/me", "/language/kk").status_code == 302
    assert name_kk in topic_menu() and name_ru not in topic_menu()
    with app.app_context():
        for language in ("ru", "kk"):
            assert 0 < get_redis().ttl(f"deputy_queue:menus:{language}") <= MENU_SECONDS


def test_home_page_shows_the_queue_in_figures_that_lead_to_it(app, deputy_client, make_user):
    """A deputy's start page answers "what needs me": open, overdue, due this week and unanswered inquiries,
    the same figures as the queue's, and the overdue figure opens the queue filtered to them."""
    client, deputy_id = deputy_client
    _, other_email = make_user(Role.deputy)
    with app.app_context():
        from reception.appeals.deadlines import local_date
        from reception.dbtypes import utcnow
        from reception.directory.models import Deputy

        today = local_date(utcnow())
        fill(db.session.get(Deputy, deputy_id), 3, first_deadline=today - timedelta(days=2))  # 2 overdue
        fill(user(other_email).deputy, 4, first_deadline=today - timedelta(days=30))  # not theirs
    home = client.get("/").get_data(as_text=True)

    def figure(page, name):
        return int(re.search(rf'data-count="{name}">(\d+)<', page).group(1))

    queue = client.get("/deputy-queue/").get_data(as_text=True)
    for name in ("open", "overdue", "due_this_week"):
        assert figure(home, name) == figure(queue, name)
    assert (figure(home, "open"), figure(home, "overdue"), figure(home, "overdue_inquiries")) == (3, 2, 0)
    link = re.search(r'href="([^"]+)" data-count="overdue"', home).group(1).replace("&amp;", "&")
    assert len(numbers(client.get(link).get_data(as_text=True))) == 2


def test_home_page_of_other_roles_has_no_queue_figures(app, client, auth, make_user):
    _, email = make_user(Role.staff)
    auth.login(email)
    assert 'data-home="queue"' not in client.get("/").get_data(as_text=True)
