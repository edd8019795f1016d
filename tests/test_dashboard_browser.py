"""In a real browser (#17): the central office opens the dashboard, changes the period and the region with the
filter form, and the charts (canvas) and the tile map (SVG) are drawn each time."""

import pytest
from test_browser import sign_in
from test_dashboard import fixtures

from reception.accounts.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Drawn: a canvas with a non-transparent pixel somewhere (ECharts draws on a canvas).
CANVAS_DRAWN = """(box) => {
  const canvas = box.querySelector('canvas');
  if (!canvas || !canvas.width) return false;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
  return false;
}"""


def charts_and_map_drawn(page) -> None:
    boxes = page.locator("[data-chart-for]")
    assert boxes.count() >= 4
    for n in range(boxes.count()):
        box = boxes.nth(n)
        box.locator("canvas").wait_for()
        assert box.evaluate(CANVAS_DRAWN), box.get_attribute("data-chart-for")
    assert page.locator("[data-map] svg rect").count() >= 20


def test_central_office_changes_period_and_region_and_sees_charts_and_map(
    app, live_server, browser_page, make_user, tmp_path, check_accessibility
):
    with app.app_context():
        fixtures()
    _, email = make_user(Role.branch_head, "KZ-00")
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, email)
    page.goto(live_server + "/reports/dashboard?from=2026-01-01&to=2026-06-30")
    charts_and_map_drawn(page)
    assert page.locator('[data-figure="registered"]').inner_text() == "6"
    check_accessibility(page)
    page.screenshot(path=tmp_path / "dashboard.png", full_page=True)

    form = page.locator('form[data-form="dashboard-filters"]')
    form.locator('input[name="from"]').fill("2026-02-01")
    form.locator('select[name="region"]').select_option(label="город Астана")
    form.get_by_role("button").click()
    page.wait_for_url("**region=*")
    charts_and_map_drawn(page)
    assert page.locator('[data-figure="registered"]').inner_text() == "2"
    page.screenshot(path=tmp_path / "dashboard-astana.png", full_page=True)
    assert (tmp_path / "dashboard-astana.png").stat().st_size > 10_000


def test_a_large_export_shows_its_progress_and_downloads(app, live_server, browser_page, make_user, tmp_path):
    from test_report_exports import run_documents_worker, some_appeals

    app.config["REPORT_EXPORT_ASYNC_ROWS"] = 10
    try:
        with app.app_context():
            some_appeals(n_copies=1200)
        _, email = make_user(Role.branch_head, "ALM-00")
        page = browser_page
        sign_in(page, live_server, email)
        page.goto(live_server + "/appeals/")
        page.locator('form[data-form="export-appeals"] button[value="xlsx"]').click()
        page.wait_for_url("**/reports/exports/*")
        progress = page.locator("progress")
        assert progress.get_attribute("max") == "1201" and progress.get_attribute("value") == "0"
        assert page.locator("[data-export-link]").is_hidden()
        with app.app_context():
            run_documents_worker()
        page.locator("[data-download]").wait_for(state="visible")  # the page's poll saw the job finish
        assert page.locator("progress").evaluate("p => p.value") == 1201
        page.screenshot(path=tmp_path / "export-ready.png")
        with page.expect_download() as download:
            page.locator("[data-download]").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        from openpyxl import load_workbook

        assert load_workbook(saved).worksheets[0].max_row == 1202
    finally:
        app.config["REPORT_EXPORT_ASYNC_ROWS"] = 100_000


def test_the_public_figures_page_is_accessible_without_signing_in(app, live_server, browser_page, check_accessibility):
    with app.app_context():
        fixtures()
    page = browser_page
    page.goto(live_server + "/")
    page.locator('[data-go="figures"]').click()
    page.wait_for_url("**/reports/public")
    assert page.locator('[data-report="by_region"] tbody tr').count() == 20
    check_accessibility(page)
