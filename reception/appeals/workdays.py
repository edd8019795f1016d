"""Working days in Kazakhstan: weekends, public holidays (the `holidays` package, observed days included)
and the government's day-off transfers, which administrators keep in a table.

Pure functions over a `WorkCalendar`, so the deadline rules are tested without a database.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("KZ", years=year))


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days: Monday to Friday, minus holidays, adjusted by transfers."""

    #: Weekdays the government moved a day off to (rest days).
    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    #: Weekend days the government made working days (the other half of a transfer).
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        return day.weekday() < 5 and day not in public_holidays(day.year)

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, count: int) -> date:
        """The `count`-th working day after `start` (`start` itself is not counted)."""
        day = start
        while count > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; negative if `end` is before `start`."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=n)))
