"""The IIN (individual identification number) of Kazakhstan: 12 digits with a date, century/sex and a check digit."""

from dataclasses import dataclass
from datetime import date

_WEIGHTS_1 = tuple(range(1, 12))
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
#: Digit 7: century of birth and sex.
_CENTURY = {1: (1800, "M"), 2: (1800, "F"), 3: (1900, "M"), 4: (1900, "F"), 5: (2000, "M"), 6: (2000, "F")}


class InvalidIIN(ValueError):
    """The reason is a plain English sentence; forms translate their own message."""


@dataclass(frozen=True)
class IINInfo:
    iin: str
    birth_date: date
    sex: str


def check_digit(first_eleven: str) -> int | None:
    """The 12th digit for these 11, or None when no valid check digit exists."""
    digits = [int(c) for c in first_eleven]
    for weights in (_WEIGHTS_1, _WEIGHTS_2):
        value = sum(d * w for d, w in zip(digits, weights, strict=False)) % 11
        if value != 10:
            return value
    return None


def parse_iin(text: str) -> IINInfo:
    """Validate an IIN and return its birth date and sex; raises InvalidIIN saying what is wrong. Spaces and
    dashes typed between the digits (as on some documents) are ignored."""
    iin = "".join(text.split()).replace("-", "")
    if len(iin) != 12:
        raise InvalidIIN("an IIN has 12 digits")
    if not iin.isascii() or not iin.isdigit():
        raise InvalidIIN("an IIN has digits only")
    century_digit = int(iin[6])
    if century_digit not in _CENTURY:
        raise InvalidIIN("the 7th digit (century and sex) must be 1 to 6")
    century, sex = _CENTURY[century_digit]
    try:
        born = date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        raise InvalidIIN("the first six digits are not a real date") from None
    expected = check_digit(iin[:11])
    if expected is None or expected != int(iin[11]):
        raise InvalidIIN("the check digit is wrong")
    if born > date.today():
        raise InvalidIIN("the date of birth is in the future")
    return IINInfo(iin=iin, birth_date=born, sex=sex)
