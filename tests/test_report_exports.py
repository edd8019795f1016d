"""Exports of the appeals list (#17): from the list page's form, in the reader's language, personal data only for
branch roles, formulas neutralised; a list over the threshold is written by a real rq worker with progress."""

import csv
import io

from factories import copy_appeals, make_appeal, make_citizen
from openpyxl import load_workbook
from pageforms import form_on, submit

from reception.accounts.models import Role, User
from reception.extensions import db


def run_documents_worker():
    from rq import SimpleWorker

    from reception.jobs.queues import get_queue, get_redis

    SimpleWorker([get_queue("documents")], connection=get_redis()).work(burst=True)


def some_appeals(n_copies=0):
    citizen = make_citizen(full_name="Айгүл Серікова")
    template = make_appeal(branch_code="ALM-03", citizen=citizen, summary="=1+2 вода", commit=False)
    make_appeal(branch_code="AST-01", summary="Астана", commit=False)
    if n_copies:
        copy_appeals(template, [{} for _ in range(n_copies)])
    db.session.commit()


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_staff_export_their_branch_with_citizens_analysts_everything_without(app, client, auth, make_user):
    with app.app_context():
        some_appeals()
    _, email = make_user(Role.staff, "ALM-03")
    auth.login(email)
    rows = read_csv(submit(client, "/appeals/?state=open", "/reports/exports/appeals", format="csv"))
    assert rows[0][:2] == ["Номер", "Зарегистрировано"] and "Гражданин" in rows[0]
    assert len(rows) == 2  # the header and their branch's one appeal
    assert "Айгүл Серікова" in rows[1]
    assert "'=1+2 вода" in rows[1]  # the summary is neutralised, not a formula
    auth.logout()

    _, email = make_user(Role.analyst)
    auth.login(email)
    rows = read_csv(submit(client, "/appeals/", "/reports/exports/appeals", format="csv"))
    assert len(rows) == 3 and "Гражданин" not in rows[0]
    assert not any("Айгүл" in cell for row in rows for cell in row)


def test_xlsx_of_the_list_in_kazakh(app, client, auth, make_user):
    with app.app_context():
        some_appeals()
    user_id, email = make_user(Role.branch_head, "ALM-00")
    with app.app_context():
        db.session.get(User, user_id).locale = "kk"
        db.session.commit()
    auth.login(email)
    response = submit(client, "/appeals/", "/reports/exports/appeals", format="xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[0] == "Нөмірі" and len(list(sheet.rows)) == 2
    summary = header.index("Қысқаша мазмұны")
    assert sheet.cell(2, summary + 1).value == "'=1+2 вода"


def test_a_long_export_runs_as_a_job_shows_progress_and_downloads(app, client, auth, make_user):
    app.config["REPORT_EXPORT_ASYNC_ROWS"] = 10
    try:
        with app.app_context():
            some_appeals(n_copies=1500)
        _, email = make_user(Role.branch_head, "ALM-00")
        auth.login(email)
        response = submit(client, "/appeals/", "/reports/exports/appeals", format="csv")
        assert response.status_code == 303
        status_url = response.headers["Location"]
        page = client.get(status_url).get_data(as_text=True)
        assert 'value="0"' in page and "data-download" in page and "hidden" in page
        assert client.get(status_url + "?poll=1").get_json()["status"] == "queued"
        with app.app_context():
            run_documents_worker()
        state = client.get(status_url + "?poll=1").get_json()
        assert state == {"status": "ready", "label": "Готово", "done": 1501, "total": 1501}
        page = client.get(status_url).get_data(as_text=True)
        assert 'value="1501"' in page
        rows = read_csv(client.get(status_url + "/download"))
        assert len(rows) == 1502 and "Гражданин" in rows[0]
        # Someone else cannot see it.
        auth.logout()
        _, other = make_user(Role.branch_head, "ALM-00")
        auth.login(other)
        assert client.get(status_url + "/download").status_code == 404
    finally:
        app.config["REPORT_EXPORT_ASYNC_ROWS"] = 100_000


def test_the_export_form_carries_the_list_filters(app, client, auth, make_user):
    _, email = make_user(Role.analyst)
    auth.login(email)
    page = client.get("/appeals/?state=open&topic=1").get_data(as_text=True)
    form = form_on(page, "/reports/exports/appeals")
    assert form.values["state"] == "open" and form.values["topic"] == "1"


def test_the_inquiries_registry_downloads_with_its_filters_within_the_scope(app, client, auth, make_user):
    from test_dashboard import inquiries

    with app.app_context():
        inquiries()
        from factories import government_body

        health = government_body("MIN-HEALTH")
        health_id, health_name = health.id, health.name
    _, email = make_user(Role.analyst)
    auth.login(email)
    rows = read_csv(submit(client, f"/inquiries/?addressee={health_id}", "/reports/exports/inquiries", format="csv"))
    assert rows[0][:3] == ["Исходящий номер", "Автор", "Адресат"]
    assert len(rows) == 4 and {r[2] for r in rows[1:]} == {health_name}
    assert sorted(r[9] for r in rows[1:]) == ["", "Ответ по существу", "Отписка"]
    response = submit(client, "/inquiries/?overdue=1", "/reports/exports/inquiries", format="xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    assert sheet.cell(2, 1).value == "01-2" and sheet.max_row == 2  # the one overdue
    auth.logout()
    # Another deputy sees none of these inquiries.
    _, email = make_user(Role.deputy)
    auth.login(email)
    assert len(read_csv(submit(client, "/inquiries/", "/reports/exports/inquiries", format="csv"))) == 1


def test_exported_files_are_deleted_after_their_keeping_time(app, client, auth, make_user):
    from datetime import timedelta

    from reception.dbtypes import utcnow
    from reception.reports.models import ReportExport
    from reception.reports.tasks import purge_exports

    app.config["REPORT_EXPORT_ASYNC_ROWS"] = 1
    try:
        with app.app_context():
            some_appeals()
        _, email = make_user(Role.branch_head, "ALM-00")
        auth.login(email)
        old_url = submit(client, "/appeals/", "/reports/exports/appeals", format="csv").headers["Location"]
        new_url = submit(client, "/appeals/", "/reports/exports/appeals", format="csv").headers["Location"]
        with app.app_context():
            run_documents_worker()
            old = db.session.get(ReportExport, int(old_url.rstrip("/").rsplit("/", 1)[1]))
            old.created_dt = utcnow() - timedelta(days=app.config["REPORT_EXPORT_KEEP_DAYS"], hours=1)
            db.session.commit()
            assert purge_exports() == 1
        assert client.get(old_url + "/download").status_code == 404
        assert client.get(new_url + "/download").status_code == 200
    finally:
        app.config["REPORT_EXPORT_ASYNC_ROWS"] = 100_000
