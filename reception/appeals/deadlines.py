"""The legal deadlines of an appeal, in working days (Administrative Procedural-Process Code of Kazakhstan).

All deadline rules live here:
- a decision is due 15 working days after registration;
- an appeal registered on a non-working day is counted as if registered on the next working day;
- an appeal outside the recipient's competence is forwarded within 3 working days (see "To be forwarded");
- a reasoned extension may move the deadline to at most 2 months after registration in total, and the
  citizen must be told of it within 3 working days.

The source of the first, third and fourth (checked 2026-11-30): APPK (29.06.2020 No. 350-VI) art. 76, as quoted
on emhana1krg.kz, "Порядок рассмотрения обращений": "Срок административной процедуры, возбужденной на основании
обращения, составляет пятнадцать рабочих дней со дня поступления обращения, если иное не предусмотрено законами
Республики Казахстан. Указанный срок может быть продлен мотивированным решением руководителя административного
органа или его заместителя на разумный срок, но не более чем до двух месяцев ..., о чем извещается участник
административной процедуры в течение трех рабочих дней со дня продления срока." and "Заявление, ..., рассмотрение
которого не входит в компетенцию административного органа в срок не позднее трех рабочих дней со дня его
поступления перенаправляется уполномоченному административному органу ...". The Code counts from the day the
appeal comes in ("со дня поступления"), which is the day it is registered here; the second rule above is this
project's reading of how a day off is counted, not a sentence of the Code.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from .workdays import WorkCalendar

DECISION_WORKING_DAYS = 15
FORWARD_WORKING_DAYS = 3
EXTENSION_NOTICE_WORKING_DAYS = 3
EXTENSION_MAX_MONTHS = 2
LEGAL_ZONE = ZoneInfo("Asia/Almaty")


def local_date(moment: datetime) -> date:
    """The calendar day in Kazakhstan at `moment` (deadlines are counted in local days)."""
    return moment.astimezone(LEGAL_ZONE).date()


def counting_start(registered: datetime, calendar: WorkCalendar) -> date:
    """The day counting starts from: the registration day, or the next working day if it was not one."""
    return calendar.next_working_day(local_date(registered))


def decision_deadline(registered: datetime, calendar: WorkCalendar) -> date:
    """The last day for a decision: 15 working days after the (effective) registration day."""
    return calendar.add_working_days(counting_start(registered, calendar), DECISION_WORKING_DAYS)


def forwarding_deadline(registered: datetime, calendar: WorkCalendar) -> date:
    """The last day to forward an appeal outside the recipient's competence."""
    return calendar.add_working_days(counting_start(registered, calendar), FORWARD_WORKING_DAYS)


def forwarding_due(counting_from: date, calendar: WorkCalendar) -> date:
    """The forwarding deadline from an appeal's stored first counted day (see "To be forwarded")."""
    return calendar.add_working_days(counting_from, FORWARD_WORKING_DAYS)


def forwarding_passed_before(today: date, calendar: WorkCalendar) -> date:
    """The latest first counted day whose forwarding deadline is before `today`: appeals counted from this day or
    earlier are late to forward (a date bound, so lists filter in SQL)."""
    day = today - timedelta(days=1)
    while calendar.add_working_days(day, FORWARD_WORKING_DAYS) >= today:
        day -= timedelta(days=1)
    return day


def latest_extension(registered: datetime) -> date:
    """An extension may not go past two months after registration."""
    return local_date(registered) + relativedelta(months=EXTENSION_MAX_MONTHS)


def extension_notice_deadline(extended_on: date, calendar: WorkCalendar) -> date:
    """The citizen must be told of an extension within 3 working days of the decision."""
    return calendar.add_working_days(extended_on, EXTENSION_NOTICE_WORKING_DAYS)


def answer_deadline(start: date, count: int, unit: str, calendar: WorkCalendar) -> date:
    """The day an answer counted `count` calendar or working days after `start` is due; a term in calendar days
    that ends on a day off ends on the next working day (Civil Code art. 173, the rule every term here follows)."""
    if unit == "working":
        return calendar.add_working_days(start, count)
    return calendar.next_working_day(start + timedelta(days=count))


def working_days_left(deadline: date, today: date, calendar: WorkCalendar) -> int:
    """Working days from `today` to `deadline` (0 on the day itself, negative once overdue)."""
    return calendar.working_days_between(today, deadline)


def is_overdue(deadline: date, today: date) -> bool:
    return today > deadline
