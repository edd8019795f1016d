"""Small helpers shared by the forms of every domain."""

import re
from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice


def options(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def with_blank(pairs: Iterable[tuple], blank: str = "—") -> list[SelectChoice]:
    """Choices with an empty first option, for optional selects."""
    return options([("", blank), *pairs])


#: The largest id a table has (PostgreSQL's integer): a bigger number in a URL or a form names nothing.
MAX_ID = 2**31 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")


def int_id(value) -> int | None:
    """An id typed in a query string or a form, or None: "", "abc", "²", "-1", "0" and 99999999999 name no row."""
    text = value if isinstance(value, str) else ""
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def version_of(value) -> int:
    """The record version a form was loaded with; a missing or forged one is a bad request, never "any"."""
    from flask import abort

    number = int_id(value)
    if number is None:
        abort(400)
    return number
