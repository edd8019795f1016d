"""Small helpers shared by the forms of every domain."""

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice


def options(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def with_blank(pairs: Iterable[tuple], blank: str = "—") -> list[SelectChoice]:
    """Choices with an empty first option, for optional selects."""
    return options([("", blank), *pairs])
