"""The dashboard (#17): every figure and table against appeals counted by hand, within each role's scope, and
the same tables exported as CSV and XLSX in the reader's language with formulas neutralised."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from factories import make_appeal, make_deputy, topic
from openpyxl import load_workbook
from pageforms import form_on

from reception.accounts.models import Role, User
from reception.appeals import operations as appeal_ops
from reception.appeals.models import AppealFeedback, AppealState, Channel, Rating, ReopenState
from reception.extensions import db

S = AppealState
PERIOD = "from=2026-01-01&to=2026-06-30"


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def appeal(code, topic_code, channel, registered: date, deputy, decided_after: int | None = None, deadline=None):
    """An appeal routed to `deputy`, decided (resolved) `decided_after` days after registration if given."""
    item = make_appeal(
        branch_code=code,
        topic_code=topic_code,
        channel=channel,
        registered_at=at(registered),
        deputy=deputy,
        deadline=deadline or registered + timedelta(days=15),
        commit=False,
    )
    if decided_after is not None:
        appeal_ops.transition(item, S.in_progress, user=None)
        event = appeal_ops.transition(item, S.resolved, user=None, comment="Решено")
        # Backdated as if decided then: the event and the appeal's decided_dt that transition() set with it.
        event.created_dt = item.decided_dt = at(registered + timedelta(days=decided_after))
    return item


def fixtures():
    """Six appeals registered in the first half of 2026 (four in the Almaty region, two in Astana) and one
    registered in December 2025 but decided in January; counted by hand in the tests below."""
    d1, d2 = make_deputy("Первый Депутат"), make_deputy("Второй Депутат")
    today = date.today()
    a1 = appeal("ALM-03", "housing", Channel.walk_in, date(2026, 1, 10), d1, decided_after=4)
    appeal("ALM-03", "housing", Channel.online, date(2026, 1, 20), d1, decided_after=10)
    a3 = appeal("ALM-03", "healthcare", Channel.walk_in, date(2026, 2, 5), d2, decided_after=20)  # late
    appeal("ALM-03", "healthcare", Channel.phone, date(2026, 2, 15), d2, deadline=date(2026, 3, 1))  # overdue
    appeal("AST-01", "housing", Channel.online, date(2026, 3, 3), d1, decided_after=2)
    appeal("AST-01", "housing", Channel.walk_in, date(2026, 3, 10), d2, deadline=today + timedelta(days=10))
    appeal("ALM-03", "housing", Channel.mail, date(2025, 12, 20), d1, decided_after=16)
    for item, rating, reopen in ((a1, Rating.satisfied, None), (a3, Rating.not_satisfied, ReopenState.pending)):
        db.session.add(AppealFeedback(appeal=item, decision_event=item.events[-1], rating=rating, reopen_state=reopen))
    db.session.commit()
    return d1.id, d2.id


def tables(page: str) -> dict[str, list[list[str]]]:
    """{report key: rows of its table as the page shows them}."""
    found = {}
    for key, body in re.findall(r'data-report="([a-z_]+)".*?<tbody>(.*?)</tbody>', page, re.S):
        rows = []
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            rows.append([unescape(c.strip()) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)])
        found[key] = rows
    return found


def figures(page: str) -> dict[str, str]:
    return dict(re.findall(r'<dd data-figure="([a-z0-9_]+)">([^<]*)</dd>', page))


def refresh_summary(app):
    """Run the periodic job that makes the dashboard's summary, as the scheduler does."""
    from reception.reports.tasks import refresh_summary as job

    with app.app_context():
        job()


@pytest.mark.parametrize("summarised", [False, True], ids=["counted-now", "from-summary"])
def test_every_figure_and_chart_table_matches_the_hand_count(app, client, auth, make_user, summarised):
    with app.app_context():
        fixtures()
    if summarised:
        refresh_summary(app)
    _, email = make_user(Role.analyst)
    auth.login(email)
    page = client.get(f"/reports/dashboard?{PERIOD}").get_data(as_text=True)
    assert bool(re.search(r'data-as-of="\d{4}', page)) == summarised
    assert figures(page) == {
        "registered": "6",
        "decided": "4",
        "median": "7.0",  # 2, 4, 10, 20 days
        "p90": "17.0",  # 10 + 0.7 × (20 − 10)
        "on_time": "75.0%",  # the 20-day one missed its 15-day deadline
        "overdue": "1",
        "satisfied": "50.0%",
        "reopen": "1",
    }
    shown = tables(page)
    months = {row[0]: row[1:] for row in shown["by_month"]}
    assert months["2026-01"] == ["2", "3"]  # decided in January: two of January and the December one
    assert months["2026-02"] == ["2", "1"]
    assert months["2026-03"] == ["2", "1"]
    assert months["2026-06"] == ["0", "0"]
    assert len(months) == 6
    with app.app_context():
        housing, health = topic("housing").name, topic("healthcare").name
    assert shown["by_topic"] == [[housing, "4"], [health, "2"]]
    assert {r[0]: r[1] for r in shown["by_channel"]} == {"Личный приём": "3", "Онлайн": "2", "Телефон": "1"}
    regions = {r[0]: r[1:] for r in shown["by_region"] if r[1] != "0"}
    assert len(regions) == 2
    assert sorted(v[0] for v in regions.values()) == ["2", "4"]
    # 4 appeals per 1,596,331 residents of the Almaty region (1 January 2026), per 10,000: 0.03
    assert ["4", "0.03"] in regions.values()
    assert {r[0]: r[1:] for r in shown["workload"]} == {
        "Первый Депутат": ["3", "0", "0"],
        "Второй Депутат": ["3", "2", "1"],
    }
    assert 'data-region="ALM"' in page and page.count("<rect") >= 20 + 5  # the 20 tiles and the legend


@pytest.mark.parametrize("summarised", [False, True], ids=["counted-now", "from-summary"])
def test_each_role_sees_its_own_scope_and_filters_narrow_it(app, client, auth, make_user, summarised):
    with app.app_context():
        d1, _ = fixtures()
        from factories import branch

        ast = branch("AST-01").id
    if summarised:
        refresh_summary(app)
    cases = [
        (make_user(Role.branch_head, "ALM-00"), "", "4"),  # the regional head: the region's branches
        (make_user(Role.staff, "AST-01"), "", "2"),  # staff: their branch
        (make_user(Role.analyst), "", "6"),
        (make_user(Role.analyst), f"&branch={ast}", "2"),
        (make_user(Role.analyst), f"&deputy={d1}", "3"),
        (make_user(Role.analyst), "&channel=walk_in", "3"),
        (make_user(Role.analyst), "&to=2026-06-30&from=2026-02-01", "4"),
    ]
    for (_, email), extra, registered in cases:
        auth.login(email)
        query = extra[1:] if extra.startswith("&to=") else PERIOD + extra
        page = client.get(f"/reports/dashboard?{query}").get_data(as_text=True)
        assert figures(page)["registered"] == registered, (email, extra)
        csv_text = client.get(f"/reports/dashboard/export.csv?{query}").get_data().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(csv_text)))
        assert rows[2][1] == registered  # Summary, its header, then "Registered"
        auth.logout()
    # A deputy sees only the appeals they hold.
    _, email = make_user(Role.deputy)
    auth.login(email)
    assert figures(client.get(f"/reports/dashboard?{PERIOD}").get_data(as_text=True))["registered"] == "0"


def test_the_filter_form_is_used_from_the_page(app, client, auth, make_user):
    with app.app_context():
        fixtures()
        from factories import branch

        region = branch("AST-01").region_id
    _, email = make_user(Role.analyst)
    auth.login(email)
    page = client.get(f"/reports/dashboard?{PERIOD}").get_data(as_text=True)
    form = form_on(page, "/reports/dashboard", having="region", method="get").values
    assert form["from"] == "2026-01-01"
    form["region"] = str(region)
    shown = client.get("/reports/dashboard", query_string=form).get_data(as_text=True)
    assert figures(shown)["registered"] == "2"
    assert f'value="{region}" selected' in shown


def test_xlsx_in_kazakh_and_russian_neutralises_formulas(app, client, auth, make_user):
    with app.app_context():
        deputy = make_deputy('=HYPERLINK("http://evil")')
        make_appeal(branch_code="ALM-03", registered_at=at(date(2026, 1, 10)), deputy=deputy)
    for language, header, deputy_header in (("kk", "Көрсеткіш", "Депутат"), ("ru", "Показатель", "Депутат")):
        user_id, email = make_user(Role.analyst)
        with app.app_context():
            db.session.get(User, user_id).locale = language
            db.session.commit()
        auth.login(email)
        body = client.get(f"/reports/dashboard/export.xlsx?{PERIOD}").get_data()
        book = load_workbook(io.BytesIO(body))
        summary = book.worksheets[0]
        assert summary.cell(1, 1).value == header
        assert summary.cell(2, 2).value == 1
        workload = book.worksheets[-1]
        assert workload.cell(1, 1).value == deputy_header
        assert workload.cell(2, 1).value == '\'=HYPERLINK("http://evil")'
        assert workload.cell(2, 1).data_type == "s"
        csv_text = client.get(f"/reports/dashboard/export.csv?{PERIOD}").get_data().decode("utf-8-sig")
        assert "'=HYPERLINK" in csv_text and header in csv_text
        auth.logout()


def test_the_public_page_shows_totals_with_small_counts_suppressed(app, client):
    with app.app_context():
        fixtures()
        template = make_appeal(branch_code="AST-01", registered_at=at(date(2026, 4, 1)), commit=False)
        from factories import copy_appeals

        copy_appeals(template, [{} for _ in range(5)])  # Astana: 2 + 1 + 5 = 8
        db.session.commit()
    start = client.get("/").get_data(as_text=True)
    assert 'href="/reports/public"' in start
    page = client.get(f"/reports/public?{PERIOD}").get_data(as_text=True)
    shown = tables(page)
    regions = {r[0]: r[1] for r in shown["by_region"]}
    assert "8" in regions.values()
    assert "4" not in regions.values() and "&lt;5" not in regions.values()
    assert list(regions.values()).count("<5") == 19  # Almaty region's 4 and the 18 regions with none
    with app.app_context():
        housing, health = topic("housing").name, topic("healthcare").name
    assert {r[0]: r[1] for r in shown["by_topic"]} == {housing: "10", health: "<5"}
    assert "Первый Депутат" not in page and "Нет воды" not in page


def inquiries():
    """Five inquiries sent in 2026 by one deputy: three to the Ministry of Health (two answered, one in substance;
    one overdue), two to the Ministry of Internal Affairs (one answered in substance, one waiting in term)."""
    from factories import make_account, make_inquiry

    from reception.inquiries import operations as inquiry_ops
    from reception.inquiries.models import AnswerAssessment, InquiryState

    deputy = make_deputy("Сауал Авторы")
    account = make_account(Role.deputy, "inq-author@test.kz", deputy=deputy)
    plan = [
        ("MIN-HEALTH", AnswerAssessment.substantive, None),
        ("MIN-HEALTH", AnswerAssessment.formal, None),
        ("MIN-HEALTH", None, date(2026, 3, 1)),  # overdue
        ("MIN-INTERNAL", AnswerAssessment.substantive, None),
        ("MIN-INTERNAL", None, date.today() + timedelta(days=20)),
    ]
    for n, (body, assessment, due) in enumerate(plan):
        item = make_appeal(branch_code="ALM-03", registered_at=at(date(2026, 1, 5)), deputy=deputy, commit=False)
        inquiry = make_inquiry([item], user=account, addressee_code=body, state=InquiryState.approved)
        inquiry_ops.mark_sent(inquiry, user=account, outgoing_number=f"01-{n}", sent_date=date(2026, 2, 1 + n))
        if assessment is not None:
            inquiry_ops.record_answer(
                inquiry,
                user=account,
                answer_date=date(2026, 3, 1),
                answer_number=f"A-{n}",
                answer_text="Ответ",
                public_summary="Ответ",
                assessment=assessment,
            )
        else:
            inquiry.answer_due = due
    db.session.commit()


def test_inquiries_by_addressee_and_topic_match_the_hand_count(app, client, auth, make_user):
    with app.app_context():
        inquiries()
        from factories import government_body

        health, internal = government_body("MIN-HEALTH").name, government_body("MIN-INTERNAL").name
    _, email = make_user(Role.analyst)
    auth.login(email)
    shown = tables(client.get(f"/reports/dashboard?{PERIOD}").get_data(as_text=True))
    # body: sent, answered, substantive share of answered, overdue
    assert shown["inquiries_by_addressee"] == [[health, "3", "2", "50.0", "1"], [internal, "2", "1", "100.0", "0"]]
    assert sum(int(r[1]) for r in shown["inquiries_by_topic"]) == 5
    public = tables(client.get(f"/reports/public?{PERIOD}").get_data(as_text=True))
    assert public["inquiries_by_addressee"] == [
        [health, "<5", "<5", "50.0", "<5"],
        [internal, "<5", "<5", "100.0", "<5"],
    ]


def test_the_printable_pdf_has_the_period_figures_and_map_in_the_reader_language(
    app, client, auth, make_user, tmp_path
):
    import subprocess

    with app.app_context():
        fixtures()
    _, email = make_user(Role.branch_head, "ALM-00")
    auth.login(email)
    page = client.get(f"/reports/dashboard?{PERIOD}").get_data(as_text=True)
    link = unescape(re.search(r'href="([^"]+)" data-export="pdf"', page).group(1))
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "dashboard.pdf"
    pdf.write_bytes(response.get_data())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Панель показателей" in text and "Период: 2026-01-01 – 2026-06-30" in text
    assert re.search(r"Зарегистрировано\s+4", text)  # the regional head's four appeals
    assert "Обращения по регионам" in text and "ALM" in text  # the tile map's labels
    assert "город Астана" in text  # every region is listed, Astana with none for this head


def test_the_number_of_statements_does_not_grow_with_the_appeals(app, client, auth, make_user):
    """Aggregations in SQL: three times the appeals, the same statements (counted now and from the summary)."""
    from factories import copy_appeals
    from sqlalchemy import event

    with app.app_context():
        fixtures()
        engine = db.engine
    _, email = make_user(Role.analyst)
    auth.login(email)
    statements = []

    def count(url):
        statements.clear()
        listener = lambda *a, **k: statements.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    urls = [f"/reports/dashboard?{PERIOD}", f"/reports/dashboard?{PERIOD}&channel=online"]
    before = [count(url) for url in urls]
    with app.app_context():
        template = make_appeal(branch_code="AST-01", registered_at=at(date(2026, 4, 1)), commit=False)
        copy_appeals(template, [{"channel": Channel.online} for _ in range(40)])
        db.session.commit()
        template_id = template.id
    assert [count(url) for url in urls] == before
    refresh_summary(app)
    summarised = count(urls[0])
    with app.app_context():
        from reception.appeals.models import Appeal

        copy_appeals(db.session.get(Appeal, template_id), [{} for _ in range(40)])
        db.session.commit()
    refresh_summary(app)
    assert count(urls[0]) == summarised


def varied_appeals(d1: int, d2: int) -> None:
    """Forty more appeals over three branches, both topics, three channels and four states, registered and
    decided at odd hours (days to a decision with fractions), some decided in a later month."""
    from factories import copy_appeals

    from reception.directory.models import Deputy

    holder = db.session.get(Deputy, d2)
    templates = [
        appeal(code, "healthcare", Channel.online, date(2026, 2, 3), holder) for code in ("ALM-03", "ALM-05", "AST-01")
    ]
    topics = [topic("housing").id, topic("healthcare").id]
    channels = [Channel.walk_in, Channel.online, Channel.phone]
    states = [S.resolved, S.in_progress, S.closed, S.routed]
    changes: list[list[dict]] = [[], [], []]
    for n in range(40):
        registered = datetime(2025, 12, 1, tzinfo=UTC) + timedelta(days=n * 4.3, hours=n % 7)
        state = states[n % 4]
        decided = registered + timedelta(days=n % 9 * 1.7, minutes=n * 37) if state in (S.resolved, S.closed) else None
        changes[n % 3].append(
            {
                "topic_id": topics[n % 2],
                "channel": channels[n % 3 if n % 5 else 1],
                "state": state,
                "deputy_id": (d1, d2, None)[n % 3 if n % 4 else 0],
                "registered_dt": registered,
                "decided_dt": decided,
                "deadline": (registered + timedelta(days=(6, 15, 30)[n % 3])).date(),
            }
        )
    for template, copies in zip(templates, changes, strict=True):
        copy_appeals(template, copies)
    db.session.commit()


def summary_equals_counting(f, user, today, refreshed) -> bool:
    """The summary answers filter `f` for `user` with the figures counted from the appeals, chart by chart and on
    the map; True when there are decisions enough to take percentiles of."""
    from reception.reports import figures
    from reception.reports import summary as cube

    assert cube.fits(f, user, refreshed)
    summarised, counted = figures.from_summary(f, user), figures.counted(f, user, today)
    assert summarised.headline == counted.headline, f
    for mine, theirs in zip(summarised.tables, counted.tables, strict=True):
        assert mine.rows == theirs.rows, (f, mine.key)
    assert [(c.region.code, c.appeals) for c in summarised.cells] == [(c.region.code, c.appeals) for c in counted.cells]
    return summarised.headline.decided > 1


def test_the_summary_answers_every_filter_as_counting_the_appeals_does(app, make_user):
    """Every combination of region, branch, topic and channel the page offers, over two periods: the figures
    from the summary equal those counted from the appeals, chart by chart (percentiles too)."""
    from itertools import product

    from factories import branch

    from reception.reports import summary as cube
    from reception.reports.dashboard import DashboardFilter

    with app.app_context():
        d1, d2 = fixtures()
        varied_appeals(d1, d2)
    refresh_summary(app)
    analyst, _ = make_user(Role.analyst)
    head, _ = make_user(Role.branch_head, "ALM-00")
    with app.app_context():
        today = date.today()
        almaty = branch("ALM-03").region_id
        places = [(None, None), (almaty, None), (None, branch("ALM-03").id), (None, branch("AST-01").id)]
        places.append((almaty, branch("ALM-03").id))
        topics = [None, topic("housing").id, topic("healthcare").id]
        channels = ["", Channel.walk_in.value, Channel.online.value]
        whole, late = (date(2026, 1, 1), date(2026, 6, 30)), (date(2025, 12, 1), date(2026, 2, 28))
        refreshed = cube.latest()
        checked = 0
        for (user_id, (start, end)), (region, branch_id), topic_id, channel in product(
            ((analyst, whole), (analyst, late), (head, whole)), places, topics, channels
        ):
            f = DashboardFilter(start, end, region, branch_id, topic_id, None, channel)
            checked += summary_equals_counting(f, db.session.get(User, user_id), today, refreshed)
        assert checked > 50  # most combinations have decisions to take percentiles of


def test_a_topic_or_channel_filter_is_read_from_the_summary(app, client, auth, make_user):
    with app.app_context():
        fixtures()
        housing = topic("housing").id
    refresh_summary(app)
    _, email = make_user(Role.analyst)
    auth.login(email)
    for extra, registered in (
        (f"&topic={housing}", "4"),
        ("&channel=walk_in", "3"),
        (f"&topic={housing}&channel=online", "2"),
    ):
        page = client.get(f"/reports/dashboard?{PERIOD}{extra}").get_data(as_text=True)
        assert re.search(r'data-as-of="\d{4}', page), extra
        assert figures(page)["registered"] == registered, extra


def test_a_deputy_filter_is_read_from_the_summary_as_counting_the_appeals_does(app, make_user):
    """A deputy with a region, a branch, a topic or a channel (region + deputy above all, the slowest to count
    at a million appeals): the summary's figures equal those counted from the appeals, chart by chart."""
    from itertools import product

    from factories import branch

    from reception.reports import summary as cube
    from reception.reports.dashboard import DashboardFilter

    with app.app_context():
        d1, d2 = fixtures()
        varied_appeals(d1, d2)
    refresh_summary(app)
    analyst, _ = make_user(Role.analyst)
    head, _ = make_user(Role.branch_head, "ALM-00")
    with app.app_context():
        today = date.today()
        almaty, astana = branch("ALM-03").region_id, branch("AST-01").region_id
        places = [
            (None, None),
            (almaty, None),
            (astana, None),
            (None, branch("ALM-03").id),
            (almaty, branch("ALM-05").id),
        ]
        whole, late = (date(2026, 1, 1), date(2026, 6, 30)), (date(2025, 12, 1), date(2026, 2, 28))
        refreshed = cube.latest()
        checked = 0
        for (user_id, (start, end)), (region, branch_id), deputy, topic_id, channel in product(
            ((analyst, whole), (analyst, late), (head, whole)),
            places,
            (d1, d2),
            (None, topic("housing").id),
            ("", Channel.online.value),
        ):
            f = DashboardFilter(start, end, region, branch_id, topic_id, deputy, channel)
            checked += summary_equals_counting(f, db.session.get(User, user_id), today, refreshed)
        assert checked > 20


@pytest.mark.parametrize("summarised", [False, True], ids=["counted-now", "from-summary"])
def test_region_and_deputy_match_the_hand_count(app, client, auth, make_user, summarised):
    """The Almaty region and the second deputy: the fixtures' two appeals of ALM-03 in February (one decided in
    20 days, past its deadline, its citizen not satisfied and asking to reopen; one open and overdue)."""
    from factories import branch

    with app.app_context():
        _, d2 = fixtures()
        almaty = branch("ALM-03").region_id
    if summarised:
        refresh_summary(app)
    _, email = make_user(Role.analyst)
    auth.login(email)
    page = client.get(f"/reports/dashboard?{PERIOD}&region={almaty}&deputy={d2}").get_data(as_text=True)
    assert bool(re.search(r'data-as-of="\d{4}', page)) == summarised
    assert figures(page) == {
        "registered": "2",
        "decided": "1",
        "median": "20.0",
        "p90": "20.0",
        "on_time": "0.0%",
        "overdue": "1",
        "satisfied": "0.0%",
        "reopen": "1",
    }
    shown = tables(page)
    assert {r[0]: r[1:] for r in shown["workload"]} == {"Второй Депутат": ["2", "1", "1"]}
    months = {row[0]: row[1:] for row in shown["by_month"]}
    assert months["2026-02"] == ["2", "1"] and months["2026-03"] == ["0", "0"]  # decided 25 February
    assert {r[0]: r[1] for r in shown["by_channel"]} == {"Личный приём": "1", "Телефон": "1"}
