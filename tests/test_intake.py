"""Intake as one operation: the walk-in page and the online form go through `intake_appeal`, which tells the
citizen in order and leaves no file without its row."""

from datetime import date

from factories import branch, district, make_deputy, topic
from flask_babel import force_locale, gettext
from pageforms import errors_at, form_on, submit
from sqlalchemy import event, func, select

from reception.accounts.models import Role
from reception.appeals.attachments import CheckedFile, storage_dir
from reception.appeals.intake import Intake, intake_appeal
from reception.appeals.models import AnonymousGround, Appeal, AppealState, AppealType, Attachment, Channel, Citizen
from reception.directory.models import Constituency, District, MandateType, Topic, constituency_districts
from reception.extensions import db
from reception.notifications.models import OutboxMessage
from reception.routing.models import RoutingRule, RuleTarget

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def route_alm03_to_its_single_mandate_deputy() -> int:
    district = db.session.get(District, branch("ALM-03").district_id)
    constituency = db.session.scalar(
        select(Constituency).join(constituency_districts).where(constituency_districts.c.district_id == district.id)
    )
    deputy = make_deputy("Одномандатник Округа", mandate=MandateType.single_mandate)
    deputy.constituency = constituency
    db.session.add(RoutingRule(position=10, name="single-mandate", target=RuleTarget.single_mandate))
    db.session.commit()
    return deputy.id


def test_the_citizen_hears_registered_before_passed_to_a_deputy(app, client, auth, make_user):
    with app.app_context():
        deputy_id = route_alm03_to_its_single_mandate_deputy()
        housing = str(db.session.scalar(select(Topic.id).where(Topic.code == "housing")))
    _, email = make_user(Role.staff, "ALM-03")
    auth.login(email)
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
        appeal = db.session.scalar(select(Appeal))
        assert appeal.state == AppealState.routed and appeal.deputy_id == deputy_id
        messages = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.appeal_id == appeal.id).order_by(OutboxMessage.id)
        ).all()
        # In the order they were written, which is the order they are sent: registered (SMS, e-mail), then routed.
        kinds = [(m.channel.value, "registered" if ":registered:" in m.dedupe_key else "routed") for m in messages]
        assert kinds == [("sms", "registered"), ("email", "registered"), ("sms", "routed"), ("email", "routed")]


def test_no_file_stays_on_disk_when_the_commit_fails(ctx):
    before = {p for p in storage_dir().rglob("*") if p.is_file()}
    topic = db.session.scalar(select(Topic).where(Topic.code == "housing"))
    intake = Intake(
        branch=branch("ALM-03"),
        type=AppealType.complaint,
        topic=topic,
        summary="Анонимно",
        text="Текст",
        channel=Channel.walk_in,
        language="ru",
        files=[CheckedFile("photo.png", "image/png", PNG), CheckedFile("scan.png", "image/png", PNG)],
        anonymous_ground=AnonymousGround.crime,
    )

    def database_gone(session):
        raise ConnectionError("the database went away at commit")

    event.listen(db.session, "before_commit", database_gone)
    try:
        try:
            intake_appeal(intake)
        except ConnectionError:
            pass
        else:
            raise AssertionError("the commit should have failed")
    finally:
        event.remove(db.session, "before_commit", database_gone)
    assert {p for p in storage_dir().rglob("*") if p.is_file()} == before
    assert db.session.scalar(select(func.count(Appeal.id))) == 0
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    # And the same intake, with the database back, stores the appeal and both files.
    registered = intake_appeal(intake)
    assert [a.filename for a in registered.appeal.attachments] == ["photo.png", "scan.png"]
    assert len({p for p in storage_dir().rglob("*") if p.is_file()} - before) == 2


def test_two_clerks_registering_the_same_new_citizen_at_once_both_succeed(app):
    """Both look the IIN up before either has committed; the loser of the race on its unique key takes its
    appeal in again instead of answering 500."""
    import threading

    from reception.appeals.models import Citizen
    from reception.appeals.operations import CitizenData

    barrier = threading.Barrier(2, timeout=10)
    results, errors = [], []

    def wait_for_the_other(session, _context, _instances):
        # The first flush of each request that adds a citizen waits until both have looked the IIN up.
        if any(isinstance(o, Citizen) for o in session.new) and not getattr(threading.current_thread(), "met", False):
            threading.current_thread().met = True
            barrier.wait()

    def clerk(n: int) -> None:
        with app.app_context():
            try:
                topic = db.session.scalar(select(Topic).where(Topic.code == "housing"))
                registered = intake_appeal(
                    Intake(
                        branch=branch("ALM-03"),
                        type=AppealType.complaint,
                        topic=topic,
                        summary=f"Обращение {n}",
                        text="Текст",
                        channel=Channel.walk_in,
                        language="ru",
                        consent=True,
                        citizen=CitizenData(
                            iin="900101300017",
                            full_name="Сейткали Айгуль Болатовна",
                            birth_date=None,
                            phone="+77011234567",
                            email="",
                            address="",
                            region=None,
                            district=None,
                            language="ru",
                        ),
                    )
                )
                results.append(registered.appeal.id)
            except Exception as exc:
                errors.append(repr(exc))

    event.listen(db.session, "before_flush", wait_for_the_other)
    try:
        threads = [threading.Thread(target=clerk, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        event.remove(db.session, "before_flush", wait_for_the_other)
    assert errors == [] and len(results) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count(Citizen.id))) == 1
        assert db.session.scalar(select(func.count(Appeal.id))) == 2


def walk_in(**typed) -> dict:
    """What a clerk types for a walk-in visitor (no birth date: the IIN carries it)."""
    return {
        "iin": "900101300017",
        "full_name": "Сейткали Айгуль Болатовна",
        "phone": "8 701 123 45 67",
        "consent": "y",
        "type": "complaint",
        "topic": str(topic().id),
        "summary": "Нет воды в доме",
        "text": "Третью неделю нет холодной воды.",
        **typed,
    }


def test_a_district_outside_the_chosen_region_is_an_error_at_that_field_and_what_was_typed_stays(
    app, client, auth, make_user
):
    with app.app_context():
        astana = str(branch("AST-01").region_id)
        # Three districts are called "Есіл ауданы": Astana's, Akmola region's and North Kazakhstan's.
        akmola_esil, astana_esil = str(district("AKM.13").id), str(district("AST.03").id)
        typed = walk_in(citizen_region=astana, citizen_district=akmola_esil, region=astana, district=akmola_esil)
    with app.test_request_context(), force_locale("ru"):
        message = gettext("The district is not in the chosen region.")
    _, email = make_user(Role.staff, "AST-01")
    auth.login(email)

    response = submit(client, "/appeals/new", "", having="iin", **typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert errors_at(page, "district") == [message] and errors_at(page, "citizen_district") == [message]
    assert 'class="flash flash-error"' not in page  # at the fields, where it can be put right
    with app.app_context():
        assert db.session.scalar(select(func.count(Appeal.id))) == 0
        assert db.session.scalar(select(func.count(Citizen.id))) == 0

    # Everything typed is on the page again: the clerk changes only the districts and sends it.
    again = form_on(page, "", having="iin")
    for name in ("iin", "full_name", "summary", "text", "topic", "citizen_region", "region"):
        assert again.values[name] == typed[name], name
    data = again.fill(citizen_district=astana_esil, district=astana_esil)
    assert client.post("/appeals/new", data=data, content_type="multipart/form-data").status_code == 302
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert (appeal.region.code, appeal.district.code) == ("AST", "AST.03")
        assert (appeal.citizen.region.code, appeal.citizen.district.code) == ("AST", "AST.03")


def test_a_birth_date_left_empty_is_taken_from_the_iin(app, client, auth, make_user):
    with app.app_context():
        typed = walk_in(iin="9001 0130 0017")
    _, email = make_user(Role.staff, "AST-01")
    auth.login(email)
    response = submit(client, "/appeals/new", "", having="iin", **typed)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        assert db.session.scalar(select(Citizen.birth_date)) == date(1990, 1, 1)


def test_the_clerk_records_whether_the_citizen_may_be_told_what_comes_of_the_appeal(app, client, auth, make_user):
    """The box is unticked on the page; ticked, the citizen may hear of the mandate and programme point."""
    with app.app_context():
        typed = walk_in()
    _, email = make_user(Role.staff, "AST-01")
    auth.login(email)
    page = client.get("/appeals/new").get_data(as_text=True)
    assert "may_be_told" in form_on(page, "", having="iin").names
    assert "may_be_told" not in form_on(page, "", having="iin").values  # unticked by default
    assert submit(client, "/appeals/new", "", having="iin", may_be_told="y", **typed).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Citizen.may_be_told)) is True
