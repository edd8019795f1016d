"""Pure rules behind appeals: the IIN, tracking codes and PINs, working days."""

from datetime import UTC, date, datetime

import pytest

from reception.appeals import deadlines
from reception.appeals.codes import (
    ALPHABET,
    check_pin,
    hash_pin,
    new_pin,
    new_tracking_code,
    normalize_tracking_code,
)
from reception.appeals.iin import InvalidIIN, parse_iin
from reception.appeals.workdays import WorkCalendar

# --- IIN ------------------------------------------------------------------------------------------


def test_valid_iin_gives_birth_date_and_sex():
    info = parse_iin("900101300017")
    assert info.birth_date == date(1990, 1, 1) and info.sex == "M"


@pytest.mark.parametrize(
    "iin, reason",
    [
        ("900101300015", "check digit"),
        ("90010130001", "12 digits"),
        ("9001013000170", "12 digits"),
        ("90010130001A", "digits only"),
        ("９００１０１３０００１７", "digits only"),  # full-width digits are not ASCII digits
        ("901301300017", "real date"),
        ("900230300017", "real date"),
        ("900101700017", "7th digit"),
    ],
)
def test_invalid_iin_says_why(iin, reason):
    with pytest.raises(InvalidIIN, match=reason):
        parse_iin(iin)


def test_second_weight_set_is_used_when_the_first_gives_ten():
    from reception.appeals.iin import check_digit

    def weighted(digits, weights):
        return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11

    # Find eleven digits for which weights 1..11 give 10, so the second set 3..11,1,2 decides.
    first = next(f"{n:011d}" for n in range(10**10, 10**10 + 10**5) if weighted(f"{n:011d}", range(1, 12)) == 10)
    second = weighted(first, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2))
    assert check_digit(first) == (second if second != 10 else None)


# --- tracking codes and PINs -------------------------------------------------------------------------


def test_tracking_codes_are_readable_and_self_checking():
    codes = {new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:200]:
        assert len(code) == 13 and code[4] == code[9] == "-"
        assert not set(code.replace("-", "")) & set("01OI")
        assert normalize_tracking_code(code.lower().replace("-", " ")) == code


def test_a_mistyped_tracking_code_is_rejected():
    code = new_tracking_code()
    compact = code.replace("-", "")
    for i in range(len(compact)):  # every single-symbol substitution is caught
        for other in ALPHABET:
            if other != compact[i]:
                wrong = compact[:i] + other + compact[i + 1 :]
                assert normalize_tracking_code(wrong) is None
    assert normalize_tracking_code("O" + compact[1:]) is None
    assert normalize_tracking_code(compact[:-2]) is None


def test_pins_are_six_digits_and_stored_as_keyed_hashes():
    pin = new_pin()
    assert len(pin) == 6 and pin.isdigit()
    stored = hash_pin(pin, "server key")
    assert pin not in stored and check_pin(pin, stored, "server key")
    assert not check_pin(pin, stored, "another key")
    assert not check_pin("000000" if pin != "000000" else "111111", stored, "server key")


# --- working days -----------------------------------------------------------------------------------

CAL = WorkCalendar()


def test_weekends_and_public_holidays_are_not_working_days():
    assert CAL.is_working_day(date(2026, 11, 25))  # a Wednesday
    assert not CAL.is_working_day(date(2026, 11, 28))  # Saturday
    assert not CAL.is_working_day(date(2026, 1, 1)) and not CAL.is_working_day(date(2026, 1, 2))
    assert not CAL.is_working_day(date(2026, 3, 23))  # Nauryz
    assert not CAL.is_working_day(date(2026, 3, 25))  # Nauryz, observed day


def test_counting_across_new_year():
    # 25 Dec 2025 (Thu): 15 working days skip the weekends, 1-2 Jan and 7 Jan.
    assert CAL.add_working_days(date(2025, 12, 25), 15) == date(2026, 1, 20)


def test_counting_across_nauryz_from_a_weekend():
    start = CAL.next_working_day(date(2026, 3, 21))  # Saturday and Nauryz: counts from Thursday 26 March
    assert start == date(2026, 3, 26)
    assert CAL.add_working_days(start, 15) == date(2026, 4, 16)


def test_a_government_transfer_moves_a_day_off():
    # The government moves Friday 3 July 2026 off and makes Saturday 11 July a working day.
    cal = WorkCalendar(extra_days_off=frozenset({date(2026, 7, 3)}), extra_working_days=frozenset({date(2026, 7, 11)}))
    assert not cal.is_working_day(date(2026, 7, 3)) and cal.is_working_day(date(2026, 7, 11))
    assert CAL.add_working_days(date(2026, 7, 1), 5) == date(2026, 7, 9)
    # 6 July is Capital Day; with the transfer the 5th working day after 1 July moves to the 10th,
    # and the 6th is the working Saturday.
    assert cal.add_working_days(date(2026, 7, 1), 5) == date(2026, 7, 10)
    assert cal.add_working_days(date(2026, 7, 1), 6) == date(2026, 7, 11)


def test_working_days_between():
    assert CAL.working_days_between(date(2026, 11, 23), date(2026, 11, 30)) == 5
    assert CAL.working_days_between(date(2026, 11, 30), date(2026, 11, 23)) == -5


# --- deadline rules -----------------------------------------------------------------------------------


def test_decision_is_due_fifteen_working_days_after_registration():
    # Wednesday 25 November 2026, 10:00 in Almaty.
    registered = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
    assert deadlines.counting_start(registered, CAL) == date(2026, 11, 25)
    assert deadlines.decision_deadline(registered, CAL) == date(2026, 12, 17)  # 16 December is a holiday


def test_registration_late_in_the_evening_counts_in_local_time():
    # 23:30 in Almaty on Friday 27 November is 18:30 UTC: still Friday there, so counting starts Friday.
    registered = datetime(2026, 11, 27, 18, 30, tzinfo=UTC)
    assert deadlines.counting_start(registered, CAL) == date(2026, 11, 27)
    # 00:30 on Saturday in Almaty (19:30 UTC Friday) counts from Monday.
    assert deadlines.counting_start(datetime(2026, 11, 27, 19, 30, tzinfo=UTC), CAL) == date(2026, 11, 30)


def test_forwarding_within_three_working_days():
    registered = datetime(2026, 12, 30, 5, 0, tzinfo=UTC)  # Wednesday before New Year
    assert deadlines.forwarding_deadline(registered, CAL) == date(2027, 1, 6)


def test_extension_limit_and_notice():
    registered = datetime(2026, 12, 31, 5, 0, tzinfo=UTC)
    assert deadlines.latest_extension(registered) == date(2027, 2, 28)  # two calendar months, clamped
    # 31 Dec, then 1-2 January 2027 and the observed Monday 4 January are off: 31 Dec, 5 Jan, 6 Jan.
    assert deadlines.extension_notice_deadline(date(2026, 12, 30), CAL) == date(2027, 1, 6)


def test_days_left_and_overdue():
    assert deadlines.working_days_left(date(2026, 11, 30), date(2026, 11, 25), CAL) == 3
    assert deadlines.is_overdue(date(2026, 11, 24), date(2026, 11, 25))
    assert not deadlines.is_overdue(date(2026, 11, 25), date(2026, 11, 25))


@pytest.mark.parametrize(
    "typed, e164",
    [
        ("8 701 123 45 67", "+77011234567"),
        ("+7 (701) 123-45-67", "+77011234567"),
        ("87011234567", "+77011234567"),
        ("+77011234567", "+77011234567"),
        ("8 (7172) 55-00-01", "+77172550001"),
    ],
)
def test_phones_are_normalised_to_e164(typed, e164):
    from reception.appeals.forms import normalize_phone

    assert normalize_phone(typed) == e164


@pytest.mark.parametrize("typed", ["12345", "+1 202 555 0100", "+7 916 123 45 67", "телефон"])
def test_foreign_or_broken_phones_are_refused(typed):
    from reception.appeals.forms import normalize_phone

    with pytest.raises(ValueError):
        normalize_phone(typed)
