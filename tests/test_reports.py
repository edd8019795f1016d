"""The branch head's board: by state and age, awaiting triage, overdue, workload, within the head's scope."""

import re
from datetime import UTC, date, datetime, timedelta

from factories import make_appeal, make_deputy

from reception.accounts.models import Role
from reception.appeals import operations as appeal_ops
from reception.extensions import db


def register(branch_code, days_ago=0):
    return make_appeal(
        branch_code=branch_code,
        summary="Вопрос",
        registered_at=datetime.now(UTC) - timedelta(days=days_ago),
        commit=False,
    )


def test_board_shows_the_regions_appeals_only(app, client, auth, make_user):
    with app.app_context():
        deputy = make_deputy("Загруженный Депутат")
        fresh = register("ALM-03")
        old = register("ALM-05", days_ago=20)
        appeal_ops.route_appeal(old, deputy, user=None)
        old.deadline = date(2020, 1, 1)
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
    triage = re.search(r'data-board="triage">(.*?)</ul>', page, re.S).group(1)
    overdue = re.search(r'data-board="overdue">(.*?)</ul>', page, re.S).group(1)
    assert fresh_no in triage and old_no not in triage and elsewhere_no not in page
    assert old_no in overdue
    registered_row = re.search(r'data-state-row="registered">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", registered_row) == ["1", "0", "0", "0", "1"]
    routed_row = re.search(r'data-state-row="routed">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", routed_row) == ["0", "0", "1", "0", "1"]
    assert "Загруженный Депутат" in re.search(r'data-board="workload">(.*?)</table>', page, re.S).group(1)


def test_staff_and_deputies_have_no_board(client, auth, make_user):
    _, email = make_user(Role.staff)
    auth.login(email)
    assert client.get("/reports/").status_code == 403
