"""The directory: what the shipped data holds, loading it again, and administrators editing it."""

import pytest
from pageforms import errors_at, submit
from sqlalchemy import func, select
from support import translated

from reception.accounts.models import Role
from reception.audit.models import AuditEntry
from reception.directory.loader import DATA_DIR, DirectoryDataError, load_directory
from reception.directory.models import (
    BodyKind,
    BodySeats,
    Branch,
    BranchLevel,
    Deputy,
    District,
    GovernmentBody,
    GovernmentBodyKind,
    MandateType,
    Region,
    RepresentativeBody,
    Topic,
)
from reception.extensions import db


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_twenty_regions_with_names_in_three_languages(ctx):
    regions = db.session.scalars(select(Region)).all()
    assert len(regions) == 20
    assert {r.code for r in regions} >= {"AST", "ALA", "SHY", "ABA", "ZHE", "ULY"}
    assert all(r.name_kk and r.name_ru and r.name_en for r in regions)
    assert sum(1 for r in regions if r.kind.value == "city") == 3


def test_249_branches_in_a_tree(ctx):
    assert count(Branch) == 249
    central = db.session.scalar(select(Branch).where(Branch.level == BranchLevel.central))
    assert central.code == "KZ-00" and central.parent is None
    assert count(Branch, Branch.level == BranchLevel.regional, Branch.parent_id == central.id) == 20
    district_branches = db.session.scalars(select(Branch).where(Branch.level == BranchLevel.district)).all()
    assert len(district_branches) == 228
    assert all(b.parent.level == BranchLevel.regional and b.parent.region_id == b.region_id for b in district_branches)


def test_representative_bodies_are_rows(ctx):
    mazhilis = db.session.scalar(select(RepresentativeBody).where(RepresentativeBody.code == "MAZHILIS"))
    seats = {s.mandate_type: s.count for s in mazhilis.seats}
    assert seats == {MandateType.party_list: 69, MandateType.single_mandate: 29}
    assert len(mazhilis.constituencies) == 29
    assert all(c.region is not None for c in mazhilis.constituencies)
    assert count(RepresentativeBody, RepresentativeBody.kind == BodyKind.maslikhat) == 223
    maslikhat_seats = db.session.scalar(
        select(func.sum(BodySeats.count)).join(RepresentativeBody).where(RepresentativeBody.kind == BodyKind.maslikhat)
    )
    assert maslikhat_seats == 3409  # 3,415 published; Astana set to its 2023 result (see bodies.json)


def test_government_bodies_and_topics(ctx):
    government = db.session.scalar(select(GovernmentBody).where(GovernmentBody.kind == GovernmentBodyKind.government))
    assert government.head_title_ru and government.head_name_ru and government.head_title_kk
    assert count(GovernmentBody, GovernmentBody.kind == GovernmentBodyKind.ministry) >= 15
    assert count(GovernmentBody, GovernmentBody.kind == GovernmentBodyKind.akimat_region) == 20
    topics = db.session.scalars(select(Topic.code).order_by(Topic.position)).all()
    assert len(topics) == 17 and topics[0] == "business" and topics[-1] == "other"


def test_the_directory_is_up_to_date_and_says_when_and_from_where(ctx):
    import json

    ministry = db.session.scalar(select(GovernmentBody).where(GovernmentBody.code == "MIN-DIGITAL"))
    assert (
        ministry.name_en == "Ministry of Artificial Intelligence and Digital Development of the Republic of Kazakhstan"
    )
    others = {
        b.code
        for b in db.session.scalars(select(GovernmentBody).where(GovernmentBody.kind == GovernmentBodyKind.other))
    }
    assert others == {"NATBANK", "PROSECUTOR-GENERAL"}
    names = dict(db.session.execute(select(Region.code, Region.name_ru)).all())
    assert (names["ABA"], names["ZHE"], names["ULY"]) == ("область Абай", "область Жетісу", "область Ұлытау")
    for name, code in (("government_bodies.json", "MIN-DIGITAL"), ("regions.json", "ULY"), ("bodies.json", "M-AST")):
        item = next(i for i in json.loads((DATA_DIR / name).read_text(encoding="utf-8"))["items"] if i["code"] == code)
        assert all(change["date"] and change["source"] for change in item["changes"]), (name, code)


def test_loading_again_changes_nothing(ctx):
    report = load_directory()
    assert report.created == {} and report.updated == {}
    assert count(Branch) == 249


def test_a_bad_file_is_refused_with_its_name(ctx, tmp_path):
    for name in ("regions.json", "topics.json", "bodies.json", "government_bodies.json"):
        (tmp_path / name).write_text((DATA_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "branches.json").write_text(
        '{"items": [{"code": "X-01", "level": "district", "region": "NOPE",'
        ' "name_kk": "a", "name_ru": "b", "name_en": "c"}]}',
        encoding="utf-8",
    )
    with pytest.raises(DirectoryDataError, match="unknown region code 'NOPE'"):
        load_directory(tmp_path)
    db.session.rollback()
    assert count(Branch, Branch.code == "X-01") == 0


def test_data_files_say_where_they_approximate(ctx):
    import json

    note = json.loads((DATA_DIR / "branches.json").read_text(encoding="utf-8"))["note"]
    assert "approximation" in note.lower()


def test_cli_import(app):
    result = app.test_cli_runner().invoke(args=["directory", "import"])
    assert result.exit_code == 0, result.output
    assert "directory imported" in result.output


# --- administrators' pages ----------------------------------------------------------------------


@pytest.fixture
def admin(client, auth, make_user):
    _, email = make_user(Role.admin)
    auth.login(email)
    return client


@pytest.fixture
def restore_directory(app):
    """Tests that edit the directory put the shipped data back afterwards."""
    yield
    with app.app_context():
        db.session.execute(
            db.delete(Topic).where(
                Topic.code.notin_(
                    [t["code"] for t in __import__("json").loads((DATA_DIR / "topics.json").read_text())["items"]]
                )
            )
        )
        load_directory()
        db.session.commit()


def test_admin_edits_a_branch_and_it_is_audited(app, admin, restore_directory):
    response = submit(
        admin,
        "/directory/branches/ALM-03",
        "",
        having="name_ru",
        name_ru="Новое имя приемной",
        address_ru="г. Конаев, ул. Новая, 1",
        phone="+77272000000",
        email="alm-03@qabyldau.kz",
    )
    assert response.status_code == 302
    listing = admin.get(response.headers["Location"], headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Новое имя приемной" in listing and translated(app, "ru", "Saved.") in listing
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "directory.update_branches"))
        assert entry.details["changes"]["name_ru"][1] == "Новое имя приемной"
        assert db.session.scalar(select(Branch.is_active).where(Branch.code == "ALM-03"))  # kept as shown


def test_bad_branch_input_is_a_form_error_and_nothing_changes(app, admin, restore_directory):
    response = submit(admin, "/directory/branches/ALM-03", "", having="name_ru", name_kk="", name_ru="X", phone="12345")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert errors_at(body, "name_kk") and errors_at(body, "phone")
    with app.app_context():
        assert db.session.scalar(select(Branch.name_ru).where(Branch.code == "ALM-03")) != "X"


def test_admin_adds_a_topic_and_changes_seats(app, admin, restore_directory):
    response = submit(
        admin,
        "/directory/topics/new",
        "",
        having="code",
        code="culture",
        name_kk="Мәдениет",
        name_ru="Культура",
        name_en="Culture",
        position="18",
    )
    assert response.status_code == 302
    assert "Культура" in admin.get(response.headers["Location"]).get_data(as_text=True)
    duplicate = submit(
        admin, "/directory/topics/new", "", having="code", code="culture", name_kk="a", name_ru="b", name_en="c"
    )
    assert errors_at(duplicate.get_data(as_text=True), "code") == ["Тема с таким кодом уже существует."]
    assert 'href="/directory/bodies/MAZHILIS/seats"' in admin.get("/directory/bodies/MAZHILIS").get_data(as_text=True)
    response = submit(
        admin, "/directory/bodies/MAZHILIS/seats", "", having="party_list", party_list="0", single_mandate="100"
    )
    assert response.status_code == 302
    assert "100" in admin.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        body = db.session.scalar(select(RepresentativeBody).where(RepresentativeBody.code == "MAZHILIS"))
        assert {s.mandate_type: s.count for s in body.seats} == {MandateType.single_mandate: 100}


def test_admin_renames_a_region_and_a_district_from_the_regions_page(app, admin, restore_directory):
    with app.app_context():
        district_code = db.session.scalar(
            select(District.code).join(Region).where(Region.code == "ALA").order_by(District.code).limit(1)
        )
    renamed = submit(admin, "/directory/regions/ALA/edit", "", having="name_ru", name_ru="Город Алматы (переим.)")
    assert renamed.status_code == 302
    page = admin.get(renamed.headers["Location"]).get_data(as_text=True)
    assert "Город Алматы (переим.)" in page and f"/directory/districts/{district_code}/edit" in page
    renamed = submit(admin, f"/directory/districts/{district_code}/edit", "", having="name_ru", name_ru="Новый район")
    assert renamed.status_code == 302
    assert "Новый район" in admin.get(renamed.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(District.name_ru).where(District.code == district_code)) == "Новый район"


def test_admin_retires_a_topic_and_names_a_new_head_of_a_ministry(app, admin, restore_directory):
    retired = submit(admin, "/directory/topics/other", "", having="name_ru", name_ru="Прочее", is_active=None)
    assert retired.status_code == 302
    assert "Прочее" in admin.get(retired.headers["Location"]).get_data(as_text=True)
    changed = submit(
        admin, "/directory/government-bodies/MIN-INTERNAL", "", having="head_name_ru", head_name_ru="Новый Министр"
    )
    assert changed.status_code == 302
    assert "MIN-INTERNAL" in admin.get(changed.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Topic.is_active).where(Topic.code == "other")) is False
        ministry = db.session.scalar(select(GovernmentBody).where(GovernmentBody.code == "MIN-INTERNAL"))
        assert ministry.head_name_ru == "Новый Министр" and ministry.is_active  # the rest kept as shown


def test_loaded_bodies_carry_the_forms_a_letter_addresses_their_heads_by(ctx):
    government = db.session.scalar(select(GovernmentBody).where(GovernmentBody.code == "GOV"))
    assert government.head_title_dative_ru == "Премьер-Министру Республики Казахстан"
    assert government.head_title_dative_kk == "Қазақстан Республикасының Премьер-Министрі"
    ministry = db.session.scalar(select(GovernmentBody).where(GovernmentBody.code == "MIN-INTERNAL"))
    assert ministry.head_title_dative_ru == "Министру внутренних дел Республики Казахстан"
    assert ministry.head_name_dative_ru == "Касымовой Ж.А." and ministry.head_name_dative_kk == "Ж.А. Қасымоваға"
    assert ministry.head_title_dative_kk == "Қазақстан Республикасының Ішкі істер министрі"


def test_admin_corrects_an_address_form_and_a_new_head_gets_new_ones(app, admin, restore_directory):
    corrected = submit(
        admin,
        "/directory/government-bodies/MIN-FOREIGN",
        "",
        having="head_name_dative_ru",
        head_name_dative_ru="Даулетову К. К.",
    )
    assert corrected.status_code == 302
    with app.app_context():
        ministry = db.session.scalar(select(GovernmentBody).where(GovernmentBody.code == "MIN-FOREIGN"))
        assert ministry.head_name_dative_ru == "Даулетову К. К."  # the correction is kept as typed
        assert ministry.head_name_dative_kk == "Қ.Қ. Дәулетовке"
    load_directory_again = submit(
        admin,
        "/directory/government-bodies/MIN-DEFENCE",
        "",
        having="head_name_ru",
        head_name_ru="Алиева Динара Маратовна",
        head_name_kk="Әлиева Динара Маратқызы",
    )
    assert load_directory_again.status_code == 302
    with app.app_context():
        ministry = db.session.scalar(select(GovernmentBody).where(GovernmentBody.code == "MIN-DEFENCE"))
        assert ministry.head_name_dative_ru == "Алиевой Д.М."  # the rules' form followed the new head
        assert ministry.head_name_dative_kk == "Д.М. Әлиеваға"


def test_admin_adds_a_deputy_and_then_corrects_the_phone(app, admin):
    with app.app_context():
        mazhilis = str(db.session.scalar(select(RepresentativeBody.id).where(RepresentativeBody.code == "MAZHILIS")))
        housing = str(db.session.scalar(select(Topic.id).where(Topic.code == "housing")))
    added = submit(
        admin,
        "/directory/deputies/new",
        "",
        having="full_name",
        full_name="Жаңа Депутат Ұлы",
        body=mazhilis,
        mandate_type="party_list",
        topics=[housing],
        phone="+77010000001",
    )
    assert added.status_code == 302
    edit_url = added.headers["Location"]
    assert "Жаңа Депутат Ұлы" in admin.get(edit_url).get_data(as_text=True)
    corrected = submit(admin, edit_url, "", having="full_name", phone="+77010000002")
    assert corrected.status_code == 302
    with app.app_context():
        deputy = db.session.scalar(select(Deputy).where(Deputy.full_name == "Жаңа Депутат Ұлы"))
        assert deputy.phone == "+77010000002" and deputy.mandate_type == MandateType.party_list
        assert [t.code for t in deputy.topics] == ["housing"] and deputy.body.code == "MAZHILIS"  # kept as shown


def test_analyst_reads_but_cannot_edit(client, auth, make_user):
    _, email = make_user(Role.analyst)
    auth.login(email)
    assert client.get("/directory/branches").status_code == 200
    assert client.get("/directory/branches/ALM-03").status_code == 403


def test_staff_see_only_their_branch_and_heads_their_region(client, auth, make_user):
    make_user(Role.staff, "ALM-05")
    _, email = make_user(Role.staff, "ALM-03")
    auth.login(email)
    page = client.get("/directory/my-branch").get_data(as_text=True)
    assert 'data-branch="ALM-03"' in page and 'data-branch="ALM-05"' not in page
    auth.logout()
    _, head = make_user(Role.branch_head, "ALM-00")
    auth.login(head)
    page = client.get("/directory/my-branch").get_data(as_text=True)
    assert 'data-branch="ALM-03"' in page and 'data-branch="ALM-05"' in page and 'data-branch="AST-01"' not in page


def test_loading_updated_files_renames_in_place_and_keeps_every_link(ctx, tmp_path, restore_directory):
    """A database loaded from last year's files takes this year's names on a new load; deputies, appeals,
    routing rules and inquiries keep pointing at the same rows (updated by code, never re-created)."""
    import json

    from factories import make_account, make_appeal, make_deputy, make_inquiry

    from reception.routing.models import RoutingRule, RuleTarget

    old = {
        "regions.json": {"ABA": {"name_ru": "Абайская область"}},
        "government_bodies.json": {
            "MIN-DIGITAL": {"name_ru": "Министерство цифрового развития, инноваций и аэрокосмической промышленности"}
        },
        "bodies.json": {"M-AST": {"seats": [{"mandate_type": "party_list", "count": 20}]}},
    }
    for name in ("regions.json", "topics.json", "branches.json", "bodies.json", "government_bodies.json"):
        document = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
        for item in document["items"]:
            item.update(old.get(name, {}).get(item["code"], {}))
        (tmp_path / name).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    load_directory(tmp_path)
    db.session.flush()
    region = db.session.scalar(select(Region).where(Region.code == "ABA"))
    ministry = db.session.scalar(select(GovernmentBody).where(GovernmentBody.code == "MIN-DIGITAL"))
    assert region.name_ru == "Абайская область"
    deputy = make_deputy("Абай Депутаты", "KURULTAI", MandateType.party_list, region=region)
    appeal = make_appeal(branch_code="ABA-00", deputy=deputy, commit=False)
    rule = RoutingRule(position=1, name="Абай", region=region, target=RuleTarget.deputy, target_deputy=deputy)
    db.session.add(rule)
    inquiry = make_inquiry(
        [appeal], user=make_account(Role.deputy, "aba@test.kz", deputy=deputy), addressee_code="MIN-DIGITAL"
    )
    ids = (region.id, ministry.id, deputy.id, appeal.id, rule.id, inquiry.id)
    report = load_directory()
    db.session.flush()
    db.session.expire_all()
    assert report.updated["regions"] >= 1 and report.updated["government_bodies"] >= 1
    assert report.created == {}  # nothing re-created
    region, ministry = db.session.get(Region, ids[0]), db.session.get(GovernmentBody, ids[1])
    assert region.name_ru == "область Абай"
    assert ministry.name_ru == "Министерство искусственного интеллекта и цифрового развития Республики Казахстан"
    assert db.session.get(Deputy, ids[2]).region_id == region.id
    assert db.session.get(RoutingRule, ids[4]).region_id == region.id
    from reception.appeals.models import Appeal
    from reception.inquiries.models import Inquiry

    assert db.session.get(Appeal, ids[3]).region_id in (None, region.id)
    assert db.session.get(Inquiry, ids[5]).addressee_id == ministry.id
    astana = db.session.scalar(select(RepresentativeBody).where(RepresentativeBody.code == "M-AST"))
    assert {s.mandate_type: s.count for s in astana.seats}[MandateType.party_list] == 17
    db.session.rollback()  # before restore_directory loads the shipped files in its own transaction
