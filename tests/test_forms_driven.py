"""Every state-changing form is driven at least once as a person drives it: found on its page as rendered
(hidden fields included) and sent, by `pageforms.submit` or by the browser. A form that only ever gets a
POST built by a test can break on its page unnoticed: the 409 of issue #12.1 did.

This runs after the rest of the suite, and only when the whole suite runs (conftest), since it reads what
the other tests sent (`pageforms.SENT_TO`)."""

import pytest
from pageforms import SENT_TO
from werkzeug.exceptions import HTTPException


def driven_endpoints(app) -> set[str]:
    adapter = app.url_map.bind("localhost")
    found = set()
    for path in SENT_TO:
        try:
            endpoint, _args = adapter.match(path, method="POST")
        except HTTPException:
            continue
        found.add(endpoint)
    return found


@pytest.mark.slow
def test_every_state_changing_form_is_driven_as_rendered(app):
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    missing = sorted(posting - driven_endpoints(app))
    assert not missing, f"forms no test finds on their page and sends: {missing}"
