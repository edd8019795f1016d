"""A fixed number of SQL statements per list page, whatever the rows (issue #16, point 3).

Each page is opened with a few rows and again with ten times as many: the number of statements the request
runs must be the same, so a list that loads something per row (an N+1) fails here. The page must also show
more with more rows, so the guard cannot pass on an empty page.
"""

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from factories import IIN, branch, make_account, make_appeal, make_citizen, make_deputy, make_inquiry, user
from sqlalchemy import event

from reception.accounts.models import Role
from reception.extensions import db

FEW, MANY = 3, 30


@contextmanager
def counted_statements(engine):
    """Count the SQL statements sent on `engine` inside the block (a list whose length is the count)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_for(app, client, url: str) -> tuple[int, str]:
    """How many statements GET `url` runs, and the page it answers (which must be 200)."""
    with app.app_context():
        engine = db.engine
    with counted_statements(engine) as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements), response.get_data(as_text=True)


def sent_for(engine, client, url: str):
    """The (statement, parameters) GET `url` sends, as the driver gets them (for EXPLAIN), and the response."""
    sent = []

    def keep(_conn, _cursor, statement, parameters, *_args):
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return sent, response


def assert_fixed(app, client, url: str, grow) -> None:
    """`grow(n)` adds n rows the page at `url` lists; the count with FEW rows equals the count with MANY."""
    with app.app_context():
        grow(FEW)
    client.get(url)  # warm the per-process caches (menus, translations) so both counts are steady
    few, few_page = statements_for(app, client, url)
    with app.app_context():
        grow(MANY - FEW)
    many, many_page = statements_for(app, client, url)
    assert len(many_page) > len(few_page), f"{url} shows no more with {MANY} rows than with {FEW}"
    assert many == few, f"{url}: {few} statements with {FEW} rows, {many} with {MANY} (a query per row?)"


counter = iter(range(1, 1_000_000))


def appeals(n: int, *, deputy=None, branch_code: str = "ALM-03", notify: bool = False) -> list:
    made = []
    for _ in range(n):
        k = next(counter)
        citizen = make_citizen(f"{int(IIN) + k:012d}"[-12:], full_name=f"Гражданин Номер {k}")
        made.append(
            make_appeal(
                branch_code=branch_code,
                citizen=citizen,
                summary=f"Вопрос {k}",
                district=branch(branch_code).district,
                deputy=deputy,
                deadline=date(2026, 12, 1) + timedelta(days=k % 40) if deputy else None,
                notify=notify,
                commit=False,
            )
        )
    db.session.commit()
    return made


@pytest.fixture
def signed_in(app, client, auth, make_user):
    """Sign `client` in with a fresh account of `role`; returns its e-mail."""

    def sign_in(role: Role, **kwargs) -> str:
        _, email = make_user(role, **kwargs)
        auth.login(email)
        return email

    return sign_in


def test_appeals_list(app, client, signed_in):
    signed_in(Role.staff, branch_code="ALM-03")
    assert_fixed(app, client, "/appeals/", lambda n: appeals(n))


def test_appeals_list_searched_by_a_word(app, client, signed_in):
    signed_in(Role.admin)
    assert_fixed(app, client, "/appeals/?q=Вопрос", lambda n: appeals(n))


def test_deputy_queue(app, client, signed_in):
    email = signed_in(Role.deputy)
    assert_fixed(app, client, "/deputy-queue/", lambda n: appeals(n, deputy=user(email).deputy))


def test_letters_to_post(app, client, signed_in):
    """Extension notices to citizens without an e-mail: each is a letter to post."""
    from reception.appeals import operations as appeal_ops
    from reception.appeals.models import AppealState

    signed_in(Role.staff, branch_code="ALM-03")
    with app.app_context():
        head = make_account(
            Role.branch_head, "head@test.kz", branch_code="ALM-03", position="Руководитель", position_kk="Басшы"
        )
        db.session.commit()
        head_id = head.id

    def notices(n):
        from reception.accounts.models import User

        head = db.session.get(User, head_id)
        for _ in range(n):
            k = next(counter)
            citizen = make_citizen(f"{int(IIN) + k:012d}"[-12:], email="", address=f"г. Алматы, ул. Абая, {k}")
            appeal = make_appeal(citizen=citizen, summary=f"Вопрос {k}", state=AppealState.in_progress)
            appeal_ops.extend_deadline(appeal, appeal.deadline + timedelta(days=5), user=head, reason="Запрос.")
            db.session.commit()

    assert_fixed(app, client, "/letters/post", notices)


def test_sent_messages(app, client, signed_in):
    signed_in(Role.admin)
    assert_fixed(app, client, "/notifications/", lambda n: appeals(n, notify=True))


def test_users_and_audit_log(app, client, signed_in):
    signed_in(Role.admin)

    def accounts(n):
        for _ in range(n):
            make_account(Role.staff, f"clerk{next(counter)}@test.kz", branch_code="ALM-03")
        db.session.commit()

    assert_fixed(app, client, "/accounts/users", accounts)
    assert_fixed(app, client, "/audit/", accounts)


def test_directory_deputies(app, client, signed_in):
    signed_in(Role.admin)

    def deputies(n):
        for _ in range(n):
            make_deputy(f"Депутатов Депутат {next(counter)}", topics=("housing",))
        db.session.commit()

    assert_fixed(app, client, "/directory/deputies", deputies)


def test_inquiries_registry(app, client, signed_in):
    email = signed_in(Role.deputy)

    def inquiries(n):
        me = user(email)
        for appeal in appeals(n, deputy=me.deputy):
            make_inquiry([appeal], user=me, author=me.deputy)
        db.session.commit()

    assert_fixed(app, client, "/inquiries/", inquiries)


@pytest.mark.parametrize("url", ["/reports/dashboard", "/reports/public", "/roadmap/", "/mandates/"])
def test_figures_and_boards_do_not_grow_with_the_appeals(app, client, signed_in, url):
    """Pages of figures: more appeals change the figures, never the number of statements."""
    signed_in(Role.admin)
    with app.app_context():
        appeals(FEW)
    client.get(url)
    few, _ = statements_for(app, client, url)
    with app.app_context():
        appeals(MANY - FEW)
    many, _ = statements_for(app, client, url)
    assert many == few, f"{url}: {few} statements with {FEW} appeals, {many} with {MANY}"


def test_deputy_queue_first_page_uses_an_index_on_postgresql(app, client, signed_in):
    """The queue's first page, as the page sends it, reads the deputy's rows by index, not the whole table."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("EXPLAIN plans are PostgreSQL's")
        engine = db.engine
    email = signed_in(Role.deputy)
    with app.app_context():
        appeals(3, deputy=user(email).deputy)
    sent, page = sent_for(engine, client, "/deputy-queue/")
    assert page.status_code == 200
    first_page = [(s, p) for s, p in sent if "FROM appeals" in s and "ORDER BY appeals.deadline" in s]
    assert len(first_page) == 1, [s for s, _ in sent]
    statement, parameters = first_page[0]
    with engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    assert "Seq Scan on appeals" not in plan, plan


def test_deputy_queue_overdue_filter_counts_from_the_covering_index_on_postgresql(app, client, signed_in):
    """The overdue filter's counts (header, states, branches: one grouped query) come from the index
    (deputy_id, state, deadline) INCLUDE (branch_id, id), not from the table or from ix_appeals_state."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("EXPLAIN plans are PostgreSQL's")
        engine = db.engine
    email = signed_in(Role.deputy)
    with app.app_context():
        appeals(3, deputy=user(email).deputy)
    sent, page = sent_for(engine, client, "/deputy-queue/?overdue=1")
    assert page.status_code == 200
    grouped = [(s, p) for s, p in sent if "FROM appeals" in s and "GROUP BY appeals.state, appeals.branch_id" in s]
    assert len(grouped) == 1, [s for s, _ in sent]
    statement, parameters = grouped[0]
    with engine.connect() as connection:
        # Only reading an index alone is left to the planner (on a few rows it would as soon read any index and the
        # table): the query must be answerable from one index, and that index must be the new one.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_indexscan"):
            connection.exec_driver_sql(f"SET {setting} = off")
        plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    assert "using ix_appeals_deputy_state_deadline on appeals" in plan, plan
    assert "Index Only Scan" in plan, plan
