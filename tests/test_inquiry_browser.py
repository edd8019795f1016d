"""In a real browser: a deputy turns three appeals of the queue into an inquiry to a ministry, edits it and
downloads the DOCX."""

import io
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select
from test_browser import sign_in
from test_inquiries import appeals_for

from reception.accounts.models import Role, User
from reception.extensions import db

#: Chromium through Playwright: slow, left out of `make test-fast`.
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_deputy_drafts_an_inquiry_from_three_appeals_and_downloads_the_docx(app, live_server, browser_page, make_user):
    _, email = make_user(Role.deputy)
    with app.app_context():
        deputy = db.session.scalar(select(User).where(User.email == email)).deputy
        appeals = appeals_for(deputy, count=4)
        db.session.commit()
        chosen = [a.registration_number for a in appeals[:3]]
        left_out = appeals[3].registration_number
    page = browser_page
    sign_in(page, live_server, email)
    page.locator('[data-nav="deputy_queue.index"]').click()
    for number in chosen:
        page.get_by_label(number, exact=True).check()
    page.locator('button[data-action="inquiry"]').click()

    page.wait_for_url("**/inquiries/new")
    assert sorted(
        page.locator("[data-chosen] tr[data-appeal]").evaluate_all("rows => rows.map(r => r.dataset.appeal)")
    ) == sorted(chosen)
    # The addressee is one of 274 bodies: typed into the searchable picker and chosen with Enter.
    page.get_by_role("combobox", name="Адресат").press_sequentially("Министерство здравоохранения")
    page.keyboard.press("Enter")
    assert page.locator("#addressee option:checked").inner_text() == "Министерство здравоохранения Республики Казахстан"
    page.get_by_role("button", name="Создать проект").click()

    page.wait_for_url("**/edit")
    body = page.get_by_label("Текст")
    assert "Граждане сообщают следующее:" in body.input_value()
    page.get_by_label("Предмет запроса").fill("О лекарственном обеспечении в Медеуском районе")
    body.fill(body.input_value() + "\n\nПрошу обратить особое внимание на детей.")
    page.get_by_label("Просьбы к адресату, по одной в строке").fill("Провести проверку\nОбеспечить лекарствами")
    page.get_by_role("button", name="Сохранить").click()

    page.wait_for_selector("[data-subject]")
    assert page.locator("[data-subject]").inner_text() == "О лекарственном обеспечении в Медеуском районе"
    assert page.locator("[data-appeals] tr[data-appeal]").count() == 3
    assert page.locator(f'[data-appeals] tr[data-appeal="{left_out}"]').count() == 0
    page.locator('button[data-generate="docx"]').click()
    link = page.locator('li[data-document="docx"][data-status="ready"] a')
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith("-v1.docx")
    doc = Document(io.BytesIO(Path(download.path()).read_bytes()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "О лекарственном обеспечении в Медеуском районе" in text
    assert "Прошу обратить особое внимание на детей." in text
    assert "1. Провести проверку" in text and "2. Обеспечить лекарствами" in text
    assert "ДЕПУТАТСКИЙ ЗАПРОС" in text
