"""Small helpers shared by the forms of every domain."""

import re
from collections.abc import Iterable
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value


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


#: Fields a person may leave empty when nothing requires them (a select only when it has an empty choice).
_EMPTYABLE = {
    "StringField",
    "TextAreaField",
    "DateField",
    "IntegerField",
    "EmailField",
    "TelField",
    "DayMonthYearField",
}
_FILES = {"MultipleFileField", "FileField"}


def is_optional(field) -> bool:
    """Whether the page marks the field "(optional)": it may be left empty and no validator requires it."""
    if field.flags.required or field.type in ("HiddenField", "CSRFTokenField", "BooleanField", "SubmitField"):
        return False
    if field.type in _EMPTYABLE or field.type in _FILES:
        return True
    if field.type == "SelectField":
        return any(value == "" for value, *_rest in field.iter_choices())
    return False


def error_list(form, errors: dict | None = None) -> list[tuple[str, str]]:
    """(the id to link to, the message) for every error of the form, in the order of its fields, for the error
    summary at the top of the page. `errors` replaces the fields' own (e.g. made in another language)."""
    listed = []
    for message in getattr(form, "form_errors", []):
        listed.append(("", str(message)))
    for field in form:
        messages = errors.get(field.name, []) if errors is not None else field.errors
        if isinstance(messages, dict):  # a FormField's nested errors are listed on their own fields
            continue
        target = {"RadioField": f"{field.id}-0", "DayMonthYearField": f"{field.id}-day"}.get(field.type, field.id)
        listed.extend((target, f"{field.label.text}: {message}") for message in messages)
    return listed


class DayMonthYearField(Field):
    """A date typed as day, month and year in three boxes (GOV.UK's date input, for dates people know, such as
    a birth date): no calendar to scroll back decades through. The inputs are `<name>-day`, `-month`, `-year`."""

    widget = None  # rendered by the `field` macro (templates/_forms.html), which lays out the three boxes

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.parts = {"day": "", "month": "", "year": ""}

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.data = data if isinstance(data, date) else None
        if self.data is not None:
            self.parts = {"day": str(self.data.day), "month": str(self.data.month), "year": str(self.data.year)}
        if formdata is None:
            return
        typed = {part: (formdata.get(f"{self.name}-{part}") or "").strip() for part in self.parts}
        if not any(f"{self.name}-{part}" in formdata for part in self.parts):
            return
        self.parts = typed
        self.data = None
        # What was typed, for validators such as Optional, which look at raw_data.
        self.raw_data = ["-".join(typed.values())] if any(typed.values()) else []
        if not any(typed.values()):
            return
        try:
            year = int(typed["year"])
            if not 1000 <= year <= 9999:
                raise ValueError
            self.data = date(year, int(typed["month"]), int(typed["day"]))
        except (ValueError, OverflowError):  # a 20-digit month or day overflows C's long inside date()
            self.process_errors.append(_l("Enter a real date: day, month and a year of four digits."))

    def _value(self) -> str:
        return self.data.isoformat() if self.data else ""
