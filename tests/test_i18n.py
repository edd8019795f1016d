"""Every message in the code and templates is translated in every catalogue, and times show in Almaty."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

PROJECT = Path(__file__).resolve().parent.parent
TRANSLATIONS = PROJECT / "reception" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def _source_messages() -> set[str]:
    found = set()
    for directory, method in ((PROJECT / "reception", "python"), (PROJECT / "templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            directory, method_map=[(pattern, method)], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_code_has_messages():
    messages = _source_messages()
    assert "Sign in" in messages and "Wrong e-mail or password." in messages


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_catalogue_translates_every_message(lang):
    path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        catalog = read_po(f, locale=lang)
    missing, untranslated, fuzzy = [], [], []
    for message in sorted(_source_messages()):
        entry = catalog.get(message)
        if entry is None:
            missing.append(message)
        elif entry.fuzzy:
            fuzzy.append(message)
        elif not (all(entry.string) if isinstance(entry.string, (list, tuple)) else entry.string):
            untranslated.append(message)
    assert (missing, untranslated, fuzzy) == ([], [], []), f"{lang}: run `make update-translations` and translate"


def test_compiled_catalogues_are_used(app):
    from flask_babel import force_locale, gettext

    with app.test_request_context():
        with force_locale("kk"):
            assert gettext("Sign in") != "Sign in"
        with force_locale("ru"):
            assert gettext("Sign in") == "Вход"


def test_times_are_shown_in_almaty(app):
    from reception.i18n import local_time

    with app.app_context():
        # 2026-03-21 18:30 UTC is 23:30 in Almaty (UTC+5 since 2024).
        assert local_time(datetime(2026, 3, 21, 18, 30, tzinfo=UTC)) == "21.03.2026 23:30"
