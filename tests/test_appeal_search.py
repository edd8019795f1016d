"""Staff search on the appeals list by a citizen's name or a word (#16): what the page finds, counts and orders,
within the user's branch, and on PostgreSQL by which indexes (a trigram index on names, the full-text index)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from factories import copy_appeals, make_appeal, make_citizen
from flask_babel import force_locale, format_number, gettext
from sqlalchemy import event, func, insert, select, text
from support import text_of

from reception.accounts.models import Role
from reception.appeals.fulltext import PG_INDEX as FULLTEXT_INDEX
from reception.appeals.listing import COUNT_CAP
from reception.appeals.models import Appeal, Citizen
from reception.appeals.name_search import PG_INDEX as NAME_INDEX
from reception.appeals.name_search import PG_PREFIX_INDEX as NAME_PREFIX_INDEX
from reception.extensions import db

KK = {"Accept-Language": "kk"}


def shown(page: str) -> list[str]:
    return re.findall(r'data-appeal="([^"]+)"', page)


def total(page: str) -> int:
    return int(re.search(r'data-total="(\d+)"', page).group(1))


@pytest.fixture
def appeals(app):
    """Appeals in ALM-03 (and one in AST-01) whose citizen is named, or whose words say, "Жаксыбекова"."""
    start = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    with app.app_context():
        named = make_citizen("990101300017", full_name="Жаксыбекова Айгуль Сериковна")
        other = make_citizen("990101400016", full_name="Омаров Ерлан")
        by_name = make_appeal(citizen=named, summary="Нет воды", registered_at=start)
        by_word = make_appeal(
            citizen=other, summary="Соседка Жаксыбековой жалуется на шум", registered_at=start + timedelta(days=1)
        )
        both = make_appeal(citizen=named, summary="Жаксыбекова: нет света", registered_at=start + timedelta(days=2))
        neither = make_appeal(citizen=other, summary="Ремонт дороги", registered_at=start + timedelta(days=3))
        elsewhere = make_appeal(citizen=named, branch_code="AST-01", summary="Нет воды", registered_at=start)
        return {
            name: a.registration_number
            for name, a in (
                ("by_name", by_name),
                ("by_word", by_word),
                ("both", both),
                ("neither", neither),
                ("elsewhere", elsewhere),
            )
        }


def test_a_surname_search_finds_the_citizens_appeals_in_the_branch_newest_first(app, client, auth, make_user, appeals):
    auth.login(make_user(Role.staff, "ALM-03")[1])
    for query in ("Жаксыбекова", "жаксыбекова айгуль", "ЖАКСЫБЕК"):
        page = client.get("/appeals/", query_string={"q": query}).get_data(as_text=True)
        if query == "ЖАКСЫБЕК":  # a piece of the name, and the word's prefix ("Жаксыбековой") too
            assert shown(page) == [appeals["both"], appeals["by_word"], appeals["by_name"]], query
            assert total(page) == 3
        elif query == "Жаксыбекова":  # the name, or the word as written
            assert shown(page) == [appeals["both"], appeals["by_name"]], query
            assert total(page) == 2
        else:  # two words: the name holds both; no summary does
            assert shown(page) == [appeals["both"], appeals["by_name"]], query
            assert total(page) == 2
    # The same citizen's appeal in another branch is not this staff member's to see.
    auth.logout()
    auth.login(make_user(Role.staff, "AST-01")[1])
    page = client.get("/appeals/", query_string={"q": "Жаксыбекова"}).get_data(as_text=True)
    assert shown(page) == [appeals["elsewhere"]] and total(page) == 1


def test_a_word_search_finds_the_summaries_and_names_with_it(app, client, auth, make_user, appeals):
    auth.login(make_user(Role.admin)[1])
    page = client.get("/appeals/", query_string={"q": "шум"}).get_data(as_text=True)
    assert shown(page) == [appeals["by_word"]] and total(page) == 1
    page = client.get("/appeals/", query_string={"q": "нет"}).get_data(as_text=True)
    # Newest first; of two registered at the same moment, the later registered first.
    assert shown(page) == [appeals["both"], appeals["elsewhere"], appeals["by_name"]]
    assert total(page) == 3
    # The list's filters apply to each branch of the search.
    page = client.get("/appeals/", query_string={"q": "Жаксыбекова", "state": "closed"}).get_data(as_text=True)
    assert shown(page) == [] and total(page) == 0


def test_past_the_cap_the_count_says_more_than_and_the_pages_go_on(app, client, auth, make_user):
    start = datetime(2025, 1, 6, 5, 0, tzinfo=UTC)
    with app.app_context():
        first = make_appeal(citizen=make_citizen(), summary="Уличное освещение не работает", registered_at=start)
        # One more than the cap, each registered a minute after the last: the newest is the last copy.
        copy_appeals(first, [{"registered_dt": start + timedelta(minutes=n)} for n in range(1, COUNT_CAP + 1)])
        db.session.commit()
        newest = db.session.execute(
            text("SELECT registration_number FROM appeals ORDER BY registered_dt DESC, id DESC LIMIT 100")
        ).scalars()
        newest = list(newest)
    auth.login(make_user(Role.staff, "ALM-03")[1])
    page = client.get("/appeals/", query_string={"q": "освещение"}, headers=KK).get_data(as_text=True)
    assert "data-capped" in page and total(page) == COUNT_CAP
    with app.test_request_context(), force_locale("kk"):
        more_than = gettext(
            "Appeals found: more than %(count)s. Narrow the search to count them.", count=format_number(COUNT_CAP)
        )
        page_two = gettext("Page %(page)s", page=2)
    assert re.sub(r"\s+", " ", more_than) in text_of(page)  # the number's spaces are no-break ones
    assert shown(page) == newest[:50] and "data-next" in page
    second = client.get("/appeals/", query_string={"q": "освещение", "page": 2}, headers=KK).get_data(as_text=True)
    assert shown(second) == newest[50:100] and "data-next" in second
    assert page_two in text_of(second)


def test_a_name_past_the_cap_is_past_it_whether_it_starts_the_names_or_not(app, client, auth, make_user):
    """The names that start with the query are counted first (operations.search_subsets); a piece inside the names
    is found past the cap all the same, by the trigram branch."""
    start = datetime(2025, 1, 6, 5, 0, tzinfo=UTC)
    with app.app_context():
        first = make_appeal(citizen=make_citizen(full_name="Серикова Алия"), summary="Ремонт", registered_at=start)
        copy_appeals(first, [{"registered_dt": start + timedelta(minutes=n)} for n in range(1, COUNT_CAP + 1)])
        db.session.commit()
        newest = list(
            db.session.execute(
                text("SELECT registration_number FROM appeals ORDER BY registered_dt DESC, id DESC LIMIT 50")
            ).scalars()
        )
    auth.login(make_user(Role.staff, "ALM-03")[1])
    for query in ("Серикова", "ерикова", "Алия"):
        page = client.get("/appeals/", query_string={"q": query}).get_data(as_text=True)
        assert "data-capped" in page and total(page) == COUNT_CAP and shown(page) == newest, query


def test_a_word_under_the_cap_as_a_whole_word_but_past_it_as_a_prefix_is_past_the_cap(app, client, auth, make_user):
    """The whole word is counted first (operations.search_subsets); below the cap, the prefix decides."""
    start = datetime(2025, 1, 6, 5, 0, tzinfo=UTC)
    half = COUNT_CAP // 2 + 50
    with app.app_context():
        first = make_appeal(citizen=make_citizen(), summary="Погас свет", registered_at=start)
        # The newest alternate: "свет" as a word (under the cap), then "светофор" (only the prefix matches it).
        copy_appeals(
            first,
            [
                {"registered_dt": start + timedelta(minutes=n), "summary": "Погас свет" if n % 2 else "Сломан светофор"}
                for n in range(1, 2 * half)
            ],
        )
        db.session.commit()
        newest = list(
            db.session.execute(
                text("SELECT registration_number FROM appeals ORDER BY registered_dt DESC, id DESC LIMIT 100")
            ).scalars()
        )
    auth.login(make_user(Role.staff, "ALM-03")[1])
    for query, capped in (("свет", True), ("светофор", False)):
        page = client.get("/appeals/", query_string={"q": query}).get_data(as_text=True)
        assert ("data-capped" in page) == capped, query
        if capped:
            assert total(page) == COUNT_CAP and shown(page) == newest[:50]
        else:
            assert total(page) == half - 1 and shown(page) == newest[1:100:2]


def test_past_the_cap_a_rare_branch_s_matches_take_their_place_among_the_newest(app, client, auth, make_user):
    """A word past the cap (its newest walked by date) and a name below it (its matches sorted as found): the
    pages show both merged newest first, the count says "more than", another branch's match stays out."""
    start = datetime(2025, 1, 6, 5, 0, tzinfo=UTC)
    with app.app_context():
        first = make_appeal(citizen=make_citizen(), summary="Уличное освещение не работает", registered_at=start)
        copy_appeals(first, [{"registered_dt": start + timedelta(minutes=n)} for n in range(1, COUNT_CAP + 1)])
        db.session.commit()
        # "освещен" is the prefix of the summaries' word and a piece of this citizen's name (and of no summary here).
        named = make_citizen("990101600014", full_name="Освещенова Алия")
        for minutes in (COUNT_CAP + 0.5, COUNT_CAP - 9.5, COUNT_CAP - 59.5, 0.5):  # newest, page 1, page 2, last page
            make_appeal(citizen=named, summary="Ремонт дороги", registered_at=start + timedelta(minutes=minutes))
        make_appeal(citizen=named, branch_code="AST-01", summary="Ремонт", registered_at=start + timedelta(days=1))
        newest = db.session.execute(
            text(
                "SELECT registration_number FROM appeals WHERE registration_number LIKE 'ALM-03/%' "
                "ORDER BY registered_dt DESC, id DESC LIMIT 100"
            )
        ).scalars()
        newest = list(newest)
        named_id = named.id
    auth.login(make_user(Role.staff, "ALM-03")[1])
    page = client.get("/appeals/", query_string={"q": "освещен"}).get_data(as_text=True)
    assert "data-capped" in page and total(page) == COUNT_CAP
    assert shown(page) == newest[:50] and "data-next" in page
    second = client.get("/appeals/", query_string={"q": "освещен", "page": 2}).get_data(as_text=True)
    assert shown(second) == newest[50:100]
    # Three of the citizen's appeals among the first 100, the newest of all on top.
    with app.app_context():
        ids = db.session.scalars(select(Appeal.registration_number).where(Appeal.citizen_id == named_id)).all()
    assert newest[0] in ids and len(set(ids) & set(newest[:100])) == 3


def test_name_and_word_searches_use_their_indexes_on_postgresql(app, client, auth, make_user, appeals):
    """The list page's statements for a name or word search: each match on its own index (the trigram index
    on names, the full-text index), none reading every appeal or every citizen."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("the plans are PostgreSQL's")
    with app.app_context():
        # A branch with thousands of citizens and appeals, analysed: on a few rows any plan is as good.
        model = make_citizen("990101500015", full_name="Омаров Ерлан")
        columns = {a.key: getattr(model, a.key) for a in Citizen.__mapper__.column_attrs if a.key != "id"}
        rows = [{**columns, "iin": f"{800000000000 + n}", "full_name": f"Гражданин {n} Номерович"} for n in range(3000)]
        db.session.execute(insert(Citizen), rows)
        first = db.session.scalar(select(func.min(Citizen.id)).where(Citizen.iin.like("8%")))
        appeal = make_appeal(citizen=model, summary="Вопрос")
        copy_appeals(appeal, [{"citizen_id": first + n, "summary": f"Вопрос {n}"} for n in range(3000)])
        db.session.commit()
        db.session.execute(text("ANALYZE citizens"))
        db.session.execute(text("ANALYZE appeals"))
        db.session.commit()
    auth.login(make_user(Role.staff, "ALM-03")[1])
    for query in ("Жаксыбекова", "шум"):
        captured = []

        def keep(conn, cursor, statement, parameters, context, executemany, captured=captured):
            if "full_name) LIKE" in statement or "to_tsvector" in statement:
                captured.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", keep)
        try:
            assert client.get("/appeals/", query_string={"q": query}).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", keep)
        assert captured, query
        with engine.connect() as conn:
            # With whole-table reads priced out (a sequential scan, or an index scan with no condition walking
            # every key, which is what a small table gets), a plan still reads one only where no index applies.
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_indexscan = off")
            plans = []
            for statement, parameters in captured:
                plans.append("\n".join(conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars()))
            conn.rollback()
        every = "\n".join(plans)
        assert "Seq Scan" not in every, (query, every)
        assert NAME_INDEX in every and FULLTEXT_INDEX in every, (query, every)
        assert NAME_PREFIX_INDEX in every, (query, every)  # the names that start with it, counted first
