"""The branch head's board: true counts within the head's scope, each a link to the list of exactly those appeals."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

from factories import branch, copy_appeals, make_appeal, make_deputy, topic
from sqlalchemy import select
from support import Auth, translated

from reception.accounts.models import Role
from reception.appeals import operations as appeal_ops
from reception.appeals.deadlines import local_date
from reception.appeals.models import Appeal, AppealFeedback, AppealState, Rating, ReopenState
from reception.extensions import db

S = AppealState


def register(branch_code, days_ago=0):
    return make_appeal(
        branch_code=branch_code,
        summary="Вопрос",
        registered_at=datetime.now(UTC) - timedelta(days=days_ago),
        commit=False,
    )


def figures(page: str) -> dict[str, int]:
    """Every count on the board that links to the appeals list: {link: count}."""
    found = {}
    for href, number in re.findall(r'<a href="(/appeals/\?[^"]*)"[^>]*>(\d+)</a>', page):
        found[unescape(href)] = int(number)
    return found


def total_on(client, href: str) -> int:
    page = client.get(href).get_data(as_text=True)
    return int(re.search(r'data-total="(\d+)"', page).group(1))


def rows_on_all_pages(client, href: str) -> list[str]:
    """The appeal numbers the list shows, following its "Next" links to the end."""
    numbers = []
    while href:
        page = client.get(href).get_data(as_text=True)
        numbers += re.findall(r'<tr data-appeal="([^"]+)"', page)
        following = re.search(r'<a href="([^"]+)" data-next>', page)
        href = unescape(following.group(1)) if following else None
    return numbers


def many_appeals(deputies) -> dict[str, int]:
    """160 appeals in the Almaty region (ALM-03, ALM-05), 30 in Astana (AST-01), in every open state, of every
    age, overdue, due soon and later, held by two deputies or nobody; some closed. Returns what a regional
    head of ALM-00 should count, and "country": the open ones everywhere."""
    now = datetime.now(UTC)
    today = local_date(now)
    housing, other = topic("housing"), topic("healthcare")
    states = [S.registered, S.routed, S.in_progress, S.inquiry_sent, S.answer_received, S.reopened, S.closed]
    expected = {"open": 0, "overdue": 0, "escalated": 0, "country": 0}
    for code, count, alm in (("ALM-03", 100, True), ("ALM-05", 60, True), ("AST-01", 30, False)):
        template = register(code)
        changes = []
        for n in range(count):
            state = states[n % len(states)]
            holder = None if state == S.registered else deputies[n % 2].id
            deadline = today + timedelta(days=(-3, 1, 2, 20)[n % 4])
            escalated = n % 9 == 0 and state != S.closed
            changes.append(
                {
                    "state": state,
                    "deputy_id": holder,
                    "registered_dt": now - timedelta(days=n % 45, hours=1),
                    "deadline": deadline,
                    "topic_id": (housing if n % 3 else other).id,
                    "escalation_level": 1 if escalated else 0,
                    "escalated_to_branch_id": branch("ALM-00" if alm else "AST-00").id if escalated else None,
                }
            )
            expected["country"] += state != S.closed
            if alm and state != S.closed:
                expected["open"] += 1
                expected["overdue"] += deadline < today
                expected["escalated"] += escalated
        copy_appeals(template, changes)
        expected["country"] += 1  # the template itself: registered today
        if alm:
            expected["open"] += 1
    return expected


def test_the_board_counts_every_open_appeal_and_each_count_opens_exactly_those_appeals(app, client, auth, make_user):
    with app.app_context():
        deputies = [make_deputy("Загруженный Депутат"), make_deputy("Второй Депутат")]
        busiest = deputies[0].id
        expected = many_appeals(deputies)
        decided = register("ALM-03", days_ago=3)
        decided.state = S.closed
        db.session.add(
            AppealFeedback(
                appeal=decided,
                decision_event=decided.events[0],
                rating=Rating.not_satisfied,
                comment="Воды нет",
                reopen_state=ReopenState.pending,
            )
        )
        db.session.commit()
    assert expected["open"] > 100
    _, email = make_user(Role.branch_head, "ALM-00")
    auth.login(email)
    board = client.get("/reports/").get_data(as_text=True)
    assert len(board) < 60_000  # counts and links, not lists of appeals

    headline = {name: int(n) for name, n in re.findall(r'data-figure="(\w+)">(\d+)</a>', board)}
    assert headline["open"] == expected["open"]
    assert headline["overdue"] == expected["overdue"]
    assert headline["escalated"] == expected["escalated"]
    assert headline["reopen"] == 1

    links = figures(board)
    assert len(links) > 30  # the state × age table, topics, deputies, and the headline figures
    for href, number in links.items():
        assert total_on(client, href) == number, href

    # The totals are the rows: the open list, page after page, shows that many appeals and only the region's.
    open_href = next(h for h in links if parse_qs(urlsplit(h).query) == {"state": ["open"]})
    numbers = rows_on_all_pages(client, open_href)
    assert len(numbers) == len(set(numbers)) == expected["open"]
    assert all(n.startswith(("ALM-03/", "ALM-05/")) for n in numbers)

    # Each deputy's open appeals: the board's workload row opens their list.
    row = re.search(rf'<tr data-deputy="{busiest}">(.*?)</tr>', board, re.S).group(1)
    assert "Загруженный Депутат" in row
    open_href = unescape(re.search(r'<a href="([^"]+)"', row).group(1))
    assert parse_qs(urlsplit(open_href).query) == {"state": ["open"], "deputy": [str(busiest)]}
    assert "Загруженный Депутат" in client.get(open_href).get_data(as_text=True)


def test_the_central_office_counts_the_whole_country(app, client, auth, make_user):
    with app.app_context():
        deputies = [make_deputy("Первый"), make_deputy("Второй")]
        expected = many_appeals(deputies)
        db.session.commit()
    _, email = make_user(Role.branch_head, "KZ-00")
    auth.login(email)
    board = client.get("/reports/").get_data(as_text=True)
    count = int(re.search(r'data-figure="open">(\d+)<', board).group(1))
    assert count == expected["country"] > expected["open"]  # Astana's too
    open_href = unescape(re.search(r'<a href="([^"]+)" data-figure="open"', board).group(1))
    assert total_on(client, open_href) == count


def test_board_shows_the_regions_appeals_only(app, client, auth, make_user):
    with app.app_context():
        deputy = make_deputy("Загруженный Депутат")
        fresh = register("ALM-03")
        old = register("ALM-05", days_ago=20)
        appeal_ops.route_appeal(old, deputy, user=None)
        old.deadline = local_date(datetime.now(UTC)) - timedelta(days=1)
        elsewhere = register("AST-01")
        db.session.commit()
        fresh_no, old_no, elsewhere_no = (
            fresh.registration_number,
            old.registration_number,
            elsewhere.registration_number,
        )
    _, email = make_user(Role.branch_head, "ALM-00")
    auth.login(email)
    page = client.get("/reports/").get_data(as_text=True)
    registered_row = re.search(r'data-state-row="registered">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r">(\d+)</a>", registered_row) == ["1", "0", "0", "0", "1"]
    routed_row = re.search(r'data-state-row="routed">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r">(\d+)</a>", routed_row) == ["0", "0", "1", "0", "1"]
    assert "Загруженный Депутат" in re.search(r'data-board="workload">(.*?)</table>', page, re.S).group(1)
    triage = client.get(unescape(re.search(r'<a href="([^"]+)" data-figure="triage"', page).group(1)))
    triage = triage.get_data(as_text=True)
    assert fresh_no in triage and old_no not in triage and elsewhere_no not in triage
    overdue = client.get(unescape(re.search(r'<a href="([^"]+)" data-figure="overdue"', page).group(1)))
    overdue = overdue.get_data(as_text=True)
    assert old_no in overdue and fresh_no not in overdue
    assert elsewhere_no not in client.get("/appeals/?state=open").get_data(as_text=True)


def test_the_board_names_the_ten_busiest_deputies_and_the_workload_page_all_of_them(app, client, auth, make_user):
    with app.app_context():
        deputies = [make_deputy(f"Депутат № {n:02d}") for n in range(12)]
        template = register("ALM-03")
        copy_appeals(
            template, [{"state": S.routed, "deputy_id": d.id} for n, d in enumerate(deputies) for _ in range(n + 1)]
        )
        db.session.commit()
    _, email = make_user(Role.branch_head, "ALM-03")
    auth.login(email)
    board = client.get("/reports/").get_data(as_text=True)
    shown = re.findall(r"<td>Депутат № (\d+)</td>", board)
    assert shown == [f"{n:02d}" for n in range(11, 1, -1)]  # busiest first
    assert 'data-link="workload"' in board
    page = client.get("/reports/workload").get_data(as_text=True)
    assert 'data-total="12"' in page
    assert re.findall(r"<td>Депутат № (\d+)</td>", page) == [f"{n:02d}" for n in range(11, -1, -1)]
    for href, number in figures(page).items():
        assert total_on(client, href) == number, href


def test_staff_and_deputies_have_no_board(client, auth, make_user):
    _, email = make_user(Role.staff)
    auth.login(email)
    assert client.get("/reports/").status_code == 403


AS_OF = (
    "Figures as of %(time)s, counted again every %(minutes)s minutes; each one opens the list of those appeals as it"
    " is now."
)


def headline_of(page: str) -> dict[str, int]:
    return {name: int(n) for name, n in re.findall(r'data-figure="(\w+)">(\d+)</a>', page)}


def workload_of(page: str) -> dict[int, list[int]]:
    """{deputy id: [open, overdue]} of the board's workload table."""
    rows = re.findall(r'<tr data-deputy="(\d+)">(.*?)</tr>', page, re.S)
    return {int(d): [int(n) for n in re.findall(r">(\d+)</a>", row)] for d, row in rows}


def test_overdue_on_the_board_is_the_hand_count_as_of_the_periodic_count(app, client, auth, make_user):
    """Hand-counted: which open appeals are past their deadline, per region and deputy; the board shows them as of
    the job's last run, says when that was, and counts again when the job runs."""
    from reception.reports.tasks import refresh_board

    with app.app_context():
        today = local_date(datetime.now(UTC))
        first, second = make_deputy("Первый Депутат"), make_deputy("Второй Депутат")
        day = timedelta(days=1)
        for code, rows in (
            (
                "ALM-03",
                [
                    (S.routed, first, today - day),  # overdue
                    (S.in_progress, first, today - 10 * day),  # overdue
                    (S.routed, first, today),  # due today: not overdue, due soon
                    (S.closed, first, today - 5 * day),  # decided: never overdue
                    (S.in_progress, first, today + 2 * day),  # due soon
                    (S.inquiry_sent, second, today - day),  # overdue
                ],
            ),
            ("AST-01", [(S.routed, second, today - 3 * day), (S.resolved, second, today - 3 * day)]),
        ):
            template = register(code)
            copy_appeals(template, [{"state": s, "deputy_id": d.id, "deadline": due} for s, d, due in rows])
            template.state = S.closed
        db.session.commit()
        first_id, second_id = first.id, second.id
        refresh_board()
    _, regional = make_user(Role.branch_head, "ALM-00")
    _, central = make_user(Role.branch_head, "KZ-00")
    auth.login(regional)
    page = client.get("/reports/").get_data(as_text=True)
    figures_now = headline_of(page)
    assert (figures_now["open"], figures_now["overdue"], figures_now["due_soon"]) == (5, 3, 2)
    assert workload_of(page) == {first_id: [4, 2], second_id: [1, 1]}
    for href, number in figures(page).items():
        assert total_on(client, href) == number, href  # nothing changed since the count: the lists agree
    before, after = translated(app, "ru", AS_OF, time="\x00", minutes=5).split("\x00")
    assert unescape(before) in unescape(page) and unescape(after) in unescape(page)
    assert re.search(r'data-as-of="\d{4}-\d\d-\d\dT', page)

    head = app.test_client()
    Auth(head).login(central)
    page = head.get("/reports/").get_data(as_text=True)
    assert headline_of(page)["overdue"] == 4
    assert workload_of(page) == {first_id: [4, 2], second_id: [2, 2]}

    # Due today becomes overdue (as at midnight): the board keeps its count until the job counts again.
    with app.app_context():
        due_today = db.session.scalar(select(Appeal).where(Appeal.deadline == today, Appeal.state == S.routed))
        due_today.deadline = today - day
        db.session.commit()
    assert headline_of(client.get("/reports/").get_data(as_text=True))["overdue"] == 3
    with app.app_context():
        refresh_board()
    page = client.get("/reports/").get_data(as_text=True)
    assert (headline_of(page)["overdue"], headline_of(page)["due_soon"]) == (4, 1)
    assert workload_of(page)[first_id] == [4, 3]
