"""The status page of an appeal past its deadline without a decision: what it means and what the citizen can do
(#14.5)."""

import re
from datetime import date, timedelta

from factories import make_citizen, make_registration
from test_public import look_up


def test_once_the_deadline_has_passed_the_status_page_says_what_it_means_and_what_to_do(app, client):
    """#14.5: an open appeal past its deadline tells the citizen it may complain, and where."""
    with app.app_context():
        late = make_registration(citizen=make_citizen("900101300017"), deadline=date.today() - timedelta(days=3))
        on_time = make_registration(citizen=make_citizen("850505400015"))
        late_code, late_pin = late.appeal.tracking_code, late.pin
        on_time_code, on_time_pin = on_time.appeal.tracking_code, on_time.pin
    page = look_up(app.test_client(), late_code, late_pin).get_data(as_text=True)
    help_text = re.search(r'data-status="overdue-help">(.*?)</section>', page, re.S).group(1)
    assert "Административному процедурно-процессуальному кодексу" in help_text and "в суд" in help_text
    assert 'data-status="overdue-help"' not in look_up(app.test_client(), on_time_code, on_time_pin).get_data(
        as_text=True
    )
