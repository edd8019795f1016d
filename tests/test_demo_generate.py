"""`flask demo generate`: bulk demo appeals that the app takes as its own (issue #16).

The command runs as a person runs it (the CLI), on top of `flask demo load --appeals 0`; what it made is then read
through the pages: the appeals list, a citizen's status look-up with the demo PIN, the next intake's number, a
demo deputy's queue. On PostgreSQL the indexes and foreign keys it set aside must come back exactly as they were.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise

import pytest
from pageforms import submit
from sqlalchemy import func, select
from support import Auth, csrf_token

from reception.accounts.models import Role, User
from reception.appeals import deadlines
from reception.appeals import operations as ops
from reception.appeals.codes import normalize_tracking_code
from reception.appeals.iin import parse_iin
from reception.appeals.models import Appeal, AppealEvent, AppealState, Citizen, RegistrationCounter
from reception.demo.bulk import DEMO_PIN
from reception.demo.cli import load_demo
from reception.demo.indexes import foreign_keys, index_definitions
from reception.demo.users import DEMO_PASSWORD
from reception.directory.models import Branch, Convocation, Deputy, Topic
from reception.extensions import db

COUNT = 500
TABLES = ("citizens", "appeals", "appeal_events")


def constraints(conn) -> dict:
    return {table: (index_definitions(conn, table), foreign_keys(conn, table)) for table in TABLES}


@pytest.fixture
def generated(app):
    """The demo world without appeals, then COUNT appeals by the command; yields the PostgreSQL index
    definitions before and after (None on SQLite)."""
    with app.app_context():
        load_demo(appeals=0)
        db.session.commit()
        postgres = db.engine.dialect.name == "postgresql"
        before = constraints(db.session.connection()) if postgres else None
        # The demo's voters' mandates come with a few appeals of their own, registered one by one.
        already = db.session.scalar(select(func.count(Appeal.id)))
        last_id = db.session.scalar(select(func.max(Appeal.id))) or 0
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["demo", "generate", "--appeals", str(COUNT)])
    assert result.exit_code == 0, result.output
    assert f"{COUNT} appeals" in result.output
    with app.app_context():
        after = constraints(db.session.connection()) if postgres else None
        db.session.commit()
    yield Generated(before, after, already, last_id)
    with app.app_context():  # the convocations are reference data: the Mazhilis's is reopened
        db.session.execute(db.update(Convocation).values(handed_over_dt=None))
        db.session.commit()


@dataclass
class Generated:
    #: The PostgreSQL index and foreign key definitions before and after (None on SQLite).
    before: dict | None
    after: dict | None
    #: Appeals there were before, and the last id among them.
    already: int
    last_id: int


def sign_in(app, email: str):
    client = app.test_client()
    response = client.post(
        "/auth/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302, email
    return client


# One generation (with the demo load before it) takes half a minute: the tests below each check several things.


def test_what_the_app_shows_of_the_generated_appeals(app, generated, make_user):
    check_the_appeals_list_counts_them(app, generated)
    check_one_is_looked_up_with_its_code_and_the_demo_pin(app, generated)
    check_a_demo_deputys_queue_has_some(app)
    check_the_next_intake_in_a_generated_branch_takes_the_next_number(app, make_user)


def test_the_rows_hold_what_the_app_relies_on_and_the_indexes_are_as_they_were(app, generated):
    check_the_generated_rows(app, generated)
    if generated.before is not None:  # PostgreSQL; SQLite keeps its indexes while it loads
        check_the_indexes_and_foreign_keys_came_back(generated)


def check_the_indexes_and_foreign_keys_came_back(generated):
    assert len(generated.before["appeals"][0]) >= 18 and generated.before["appeals"][1]  # what there is to set aside
    assert generated.after == generated.before


def check_the_appeals_list_counts_them(app, generated):
    client = sign_in(app, "admin@demo.kz")
    page = client.get("/appeals/").get_data(as_text=True)
    assert re.search(r"data-total=\"(\d+)\"", page).group(1) == str(generated.already + COUNT)


def check_one_is_looked_up_with_its_code_and_the_demo_pin(app, generated):
    with app.app_context():
        appeal = db.session.scalar(
            select(Appeal).where(Appeal.id > generated.last_id, Appeal.state == AppealState.resolved).limit(1)
        )
        code, number = appeal.tracking_code, appeal.registration_number
    client = app.test_client()
    wrong = client.post("/status/", data={"csrf_token": csrf_token(client, "/status/"), "code": code, "pin": "000001"})
    assert number not in wrong.get_data(as_text=True)
    found = client.post("/status/", data={"csrf_token": csrf_token(client, "/status/"), "code": code, "pin": DEMO_PIN})
    page = found.get_data(as_text=True)
    assert found.status_code == 200 and number in page and 'data-status="state"' in page


def check_the_next_intake_in_a_generated_branch_takes_the_next_number(app, make_user):
    year = deadlines.local_date(ops.utcnow()).year
    with app.app_context():
        branch_id, code, last = db.session.execute(
            select(Appeal.branch_id, Branch.code, func.max(Appeal.sequence))
            .join(Branch, Branch.id == Appeal.branch_id)
            .where(Appeal.year == year)
            .group_by(Appeal.branch_id, Branch.code)
            .order_by(func.count().desc(), Appeal.branch_id)
            .limit(1)
        ).one()
        housing = str(db.session.scalar(select(Topic.id).where(Topic.code == "housing")))
    assert last >= 2
    _, email = make_user(Role.staff, code)
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    response = submit(
        client,
        "/appeals/new",
        "",
        having="iin",
        iin="900101300017",
        full_name="Сейткали Айгуль Болатовна",
        phone="8 701 123 45 67",
        email="aigul@example.kz",
        address="г. Косшы, ул. Абая, 1",
        language="kk",
        consent="y",
        type="complaint",
        topic=housing,
        channel="walk_in",
        summary="Нет воды в доме",
        text="Третью неделю нет холодной воды.",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        newest = db.session.scalar(select(Appeal).where(Appeal.branch_id == branch_id).order_by(Appeal.id.desc()))
        assert newest.registration_number == f"{code}/{year}/{last + 1:06d}"


def check_a_demo_deputys_queue_has_some(app):
    client = sign_in(app, "deputy@demo.kz")
    page = client.get("/deputy-queue/").get_data(as_text=True)
    assert page.count("data-appeal=") > 0


def check_the_generated_rows(app, generated):
    with app.app_context():
        everyone = db.session.scalars(select(Appeal)).all()
        appeals = [a for a in everyone if a.id > generated.last_id]
        assert len(appeals) == COUNT
        # Numbers: gap-free per branch and year after those registered before, the counter at the last one.
        sequences = defaultdict(list)
        for appeal in everyone:
            sequences[(appeal.branch_id, appeal.year)].append(appeal.sequence)
            code = db.session.get(Branch, appeal.branch_id).code
            assert appeal.registration_number == f"{code}/{appeal.year}/{appeal.sequence:06d}"
        counters = {(c.branch_id, c.year): c.last_value for c in db.session.scalars(select(RegistrationCounter))}
        for key, numbers in sequences.items():
            assert sorted(numbers) == list(range(1, len(numbers) + 1)) and counters[key] == len(numbers)
        # Tracking codes: unique and well formed.
        codes = [a.tracking_code for a in appeals]
        assert len(set(codes)) == COUNT and all(normalize_tracking_code(c) == c for c in codes)
        calendar = ops.work_calendar()
        events = defaultdict(list)
        for event in db.session.scalars(select(AppealEvent).order_by(AppealEvent.id)):
            events[event.appeal_id].append(event)
        states = set()
        for appeal in appeals:
            states.add(appeal.state)
            assert appeal.deadline == deadlines.decision_deadline(appeal.registered_dt, calendar)
            assert appeal.counting_from == deadlines.counting_start(appeal.registered_dt, calendar)
            path = events[appeal.id]
            assert path[0].from_state is None and path[0].to_state == AppealState.registered
            assert path[0].created_dt == appeal.registered_dt
            for earlier, later in pairwise(path):
                assert later.from_state == earlier.to_state and later.to_state in ops.TRANSITIONS[earlier.to_state]
                assert earlier.created_dt <= later.created_dt <= ops.utcnow()
            assert path[-1].to_state == appeal.state and appeal.version == len(path)
            decided = [e.created_dt for e in path if e.to_state in ops.DECIDED_STATES]
            assert appeal.decided_dt == (decided[0] if decided else None)
            assert (appeal.closed_dt is not None) == (appeal.state == AppealState.closed)
            if appeal.deputy_id is not None:
                deputy = db.session.get(Deputy, appeal.deputy_id)
                assert deputy.serves_on(deadlines.local_date(appeal.registered_dt))
            if appeal.citizen_id is None:
                assert appeal.anonymous_ground is not None
                assert (appeal.state == AppealState.not_considered) == (appeal.anonymous_ground.value == "no_ground")
        assert {AppealState.registered, AppealState.routed, AppealState.resolved, AppealState.closed} <= states
        citizens = db.session.scalars(select(Citizen).where(Citizen.id.in_({a.citizen_id for a in appeals}))).all()
        assert citizens
        for citizen in citizens:
            info = parse_iin(citizen.iin)
            assert info.birth_date == citizen.birth_date
            assert citizen.consent_dt is not None and citizen.consent_version == ops.CONSENT_VERSION
        admin = db.session.scalar(select(User.id).where(User.role == Role.admin))
        assert {c.consent_taken_by_id for c in citizens} == {admin}
