"""Working days in Chiping: the target answer time is counted in them.

With the `chinese-calendar` package, public holidays and the weekend days worked in their
place follow the State Council's calendar; without it (or for a year it does not know),
Monday to Friday are working days.
"""

from datetime import date, timedelta

try:
    import chinese_calendar
except ImportError:  # pragma: no cover - the package is optional
    chinese_calendar = None


def is_working_day(day: date) -> bool:
    """True when `day` is a working day in mainland China (weekdays when unknown)."""
    if chinese_calendar is not None:
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:  # a year the package has no calendar for
            pass
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (`start` itself is not counted)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days come after `start` up to and including `end` (0 if none)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
