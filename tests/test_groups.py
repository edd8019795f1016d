"""Appeals about one problem, linked into a group and acted on as one."""

import pytest
from factories import make_appeal, user
from sqlalchemy import select
from support import csrf_token

from reception.accounts.models import Role
from reception.appeals import operations as appeal_ops
from reception.appeals.models import AppealGroup, AppealState, AppealType
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


def test_linking_through_the_pages(app, client, auth, make_user):
    _, email = make_user(Role.staff, "ALM-03")
    with app.app_context():
        first, second = register(), register()
        db.session.commit()
        first_id, second_no = first.id, second.registration_number
    auth.login(email)
    token = csrf_token(client, f"/appeals/{first_id}")
    response = client.post(
        f"/appeals/{first_id}/group", data={"csrf_token": token, "numbers": second_no, "title": "Вода"}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-group="count">2<' in page and second_no in page
    with app.app_context():
        assert db.session.scalar(select(AppealGroup.title)) == "Вода"
        group_id = db.session.scalar(select(AppealGroup.id))
    auth.logout()
    _, stranger = make_user(Role.staff, "AST-01")
    auth.login(stranger)
    assert client.get(f"/appeals/groups/{group_id}").status_code == 404
