"""Appeals about one problem, linked into a group and acted on as one."""

import pytest
from factories import branch, make_account, make_appeal, make_deputy, user
from pageforms import submit
from sqlalchemy import select
from support import translated

from reception.accounts.models import Role
from reception.appeals import operations as appeal_ops
from reception.appeals.models import Appeal, AppealGroup, AppealState, AppealType
from reception.extensions import db
from reception.routing import groups


def register(branch_code="ALM-03", cosigners=0):
    return make_appeal(
        branch_code=branch_code,
        type=AppealType.complaint,
        summary="Нет воды в селе",
        text="Водопровод не работает",
        cosigners=cosigners,
        commit=False,
    )


def test_link_route_and_resolve_as_one(ctx, make_user):
    staff = user(make_user(Role.staff, "ALM-03")[1])
    holder = user(make_user(Role.deputy)[1])
    appeals = [register(), register(cosigners=40), register()]
    group = groups.link_appeals([a.registration_number for a in appeals], user=staff, title="Вода в селе")
    assert group.people == 1 + 41 + 1
    assert groups.route_group(group, holder.deputy, user=staff) == 3
    for appeal in appeals:
        appeal_ops.take_into_work(appeal, user=holder)
    with pytest.raises(appeal_ops.AppealError):
        groups.resolve_group(group, user=holder, answer=" ")
    assert groups.resolve_group(group, user=holder, answer="Водопровод отремонтирован") == 3
    db.session.commit()
    assert {a.state for a in appeals} == {AppealState.resolved}
    assert all(a.events[-1].comment == "Водопровод отремонтирован" for a in appeals)


def test_cannot_link_what_one_cannot_see(ctx, make_user):
    staff = user(make_user(Role.staff, "ALM-03")[1])
    own, foreign = register(), register("AST-01")
    with pytest.raises(appeal_ops.AppealError, match=foreign.registration_number):
        groups.link_appeals([own.registration_number, foreign.registration_number], user=staff)
    with pytest.raises(appeal_ops.AppealError):
        groups.link_appeals([own.registration_number], user=staff)  # a group needs two


def test_linking_routing_and_resolving_through_the_pages(app, client, auth, make_user):
    _, email = make_user(Role.staff, "ALM-03")
    with app.app_context():
        first, second = register(), register()
        holder = make_deputy("Алматинский Депутат", region=branch("ALM-03").region)
        make_account(Role.deputy, "holder@test.kz", deputy=holder)
        db.session.commit()
        first_id, second_no, holder_id = first.id, second.registration_number, str(holder.id)
    auth.login(email)
    response = submit(client, f"/appeals/{first_id}", f"/appeals/{first_id}/group", numbers=second_no, title="Вода")
    assert response.status_code == 302
    group_url = response.headers["Location"]
    page = client.get(group_url).get_data(as_text=True)
    assert 'data-group="count">2<' in page and second_no in page
    with app.app_context():
        assert db.session.scalar(select(AppealGroup.title)) == "Вода"
        group_id = db.session.scalar(select(AppealGroup.id))

    routed = submit(client, group_url, f"/appeals/groups/{group_id}/route", deputy=holder_id)
    assert translated(app, "ru", "Routed: %(count)s.", count=2) in client.get(routed.headers["Location"]).get_data(
        as_text=True
    )
    auth.logout()

    auth.login("holder@test.kz")
    with app.app_context():
        for appeal in db.session.scalars(select(Appeal).where(Appeal.group_id == group_id)):
            appeal_ops.take_into_work(appeal, user=user("holder@test.kz"))
        db.session.commit()
    resolved = submit(client, group_url, f"/appeals/groups/{group_id}/resolve", answer="Водопровод отремонтирован")
    assert translated(app, "ru", "Resolved: %(count)s.", count=2) in client.get(resolved.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        appeals = db.session.scalars(select(Appeal).where(Appeal.group_id == group_id)).all()
        assert {a.state for a in appeals} == {AppealState.resolved}
        assert {a.deputy_id for a in appeals} == {int(holder_id)}
        assert all(a.events[-1].comment == "Водопровод отремонтирован" for a in appeals)
    auth.logout()

    _, stranger = make_user(Role.staff, "AST-01")
    auth.login(stranger)
    assert client.get(f"/appeals/groups/{group_id}").status_code == 404
