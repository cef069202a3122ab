"""Structured opening hours: weekly periods, so a page can say whether a place is open now.

A record's hours are a list of rules such as
``{"days": ["mon", "tue"], "opens": "08:30", "closes": "12:00"}``. A period whose closing
time is not after its opening time runs past midnight into the next day ("22:00"–"06:00");
"24:00" closes at the end of the day. None means the hours are not published.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

LOCAL_TIME = ZoneInfo("Asia/Shanghai")

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = {
    "mon": _l("星期一"),
    "tue": _l("星期二"),
    "wed": _l("星期三"),
    "thu": _l("星期四"),
    "fri": _l("星期五"),
    "sat": _l("星期六"),
    "sun": _l("星期日"),
}


@dataclass(frozen=True)
class Period:
    """One opening period on one day of the week, in minutes from that day's midnight."""

    day: int  # 0 = Monday
    opens: int
    closes: int  # may exceed 24 * 60: the period runs into the next day

    @property
    def overnight(self) -> bool:
        """True when the period ends on the next day."""
        return self.closes > 24 * 60

    def label(self) -> str:
        """The period as "08:30–12:00", or "22:00–次日06:00" past midnight."""
        closes = _clock(self.closes % (24 * 60)) if self.closes != 24 * 60 else "24:00"
        if self.overnight:
            closes = _("次日%(time)s", time=closes)
        return f"{_clock(self.opens)}–{closes}"


def _clock(minutes: int) -> str:
    """Minutes from midnight as HH:MM."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(value, where: str) -> int:
    """Parse "HH:MM" (00:00 to 24:00) into minutes, or raise ValueError naming `where`."""
    text = str(value)
    hours, sep, minutes = text.partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{where}: time {text!r} is not HH:MM (in YAML, quote it: '13:30')")
    total = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or total > 24 * 60:
        raise ValueError(f"{where}: time {text!r} is out of range")
    return total


def parse(rules: list[dict] | None) -> tuple[Period, ...] | None:
    """Validate stored rules and expand them into periods; None when hours are unpublished."""
    if rules is None:
        return None
    if not isinstance(rules, list) or not rules:
        raise ValueError("hours: expected a non-empty list of rules, or nothing")
    periods = []
    for number, rule in enumerate(rules, 1):
        where = f"hours rule {number}"
        if not isinstance(rule, dict) or set(rule) != {"days", "opens", "closes"}:
            raise ValueError(f"{where}: expected exactly days, opens and closes")
        days = rule["days"]
        if not isinstance(days, list) or not days or any(day not in DAYS for day in days):
            raise ValueError(f"{where}: days must be a list of {', '.join(DAYS)}")
        opens = _minutes(rule["opens"], where)
        closes = _minutes(rule["closes"], where)
        if opens == 24 * 60:
            raise ValueError(f"{where}: a period cannot open at 24:00")
        if closes <= opens:
            closes += 24 * 60
        periods += [Period(DAYS.index(day), opens, closes) for day in days]
    return tuple(sorted(periods, key=lambda p: (p.day, p.opens)))


def as_text(rules: list[dict] | None) -> str:
    """Rules in one line for a spreadsheet cell: "mon,tue 08:30-11:30; sat 09:00-12:00"."""
    return "; ".join(
        f"{','.join(rule['days'])} {rule['opens']}-{rule['closes']}" for rule in rules or []
    )


# One rule as `as_text` writes it; also what people type instead: full-width commas, spaces
# after the commas, upper-case days, an en dash or a tilde between the times.
_TEXT_RULE = re.compile(
    r"(?P<days>.+?)\s+(?P<opens>\d{1,2}:\d{2})\s*[-–~]\s*(?P<closes>\d{1,2}:\d{2})"
)


def from_text(text: str) -> list[dict] | None:
    """The rules `as_text` wrote; None for blank text (hours not published).

    Raises ValueError naming the rule it cannot read, or the first rule `parse` rejects.
    """
    parts = [part.strip() for part in re.split(r"[;；]", text or "")]
    rules = []
    for number, part in enumerate(filter(None, parts), 1):
        found = _TEXT_RULE.fullmatch(part)
        if found is None:
            raise ValueError(
                f"hours rule {number} ({part!r}): expected days and times like "
                "'mon,tue,wed 08:30-12:00'"
            )
        days = [day.lower() for day in re.split(r"[,，\s]+", found["days"]) if day]
        rules.append({"days": days, "opens": found["opens"], "closes": found["closes"]})
    if not rules:
        return None
    parse(rules)
    return rules


def local(moment: datetime) -> datetime:
    """A time stored in UTC without tzinfo, as the wall-clock time in Chiping."""
    return moment.replace(tzinfo=UTC).astimezone(LOCAL_TIME).replace(tzinfo=None)


def local_now() -> datetime:
    """The current time in Chiping, without tzinfo (periods are local wall-clock times)."""
    return datetime.now(LOCAL_TIME).replace(tzinfo=None)


def is_open(rules: list[dict] | None, at: datetime) -> bool | None:
    """Whether the hours include the local time `at`; None when the hours are unknown."""
    periods = parse(rules)
    if periods is None:
        return None
    for days_back in (0, 1):
        day: date = at.date() - timedelta(days=days_back)
        midnight = datetime.combine(day, time())
        for period in periods:
            if period.day != day.weekday():
                continue
            start = midnight + timedelta(minutes=period.opens)
            end = midnight + timedelta(minutes=period.closes)
            if start <= at < end:
                return True
    return False


def week(rules: list[dict] | None) -> list[tuple[str, list[str]]] | None:
    """Each day of the week with its periods as labels (empty when closed); None if unknown."""
    periods = parse(rules)
    if periods is None:
        return None
    return [
        (str(DAY_NAMES[code]), [p.label() for p in periods if p.day == number])
        for number, code in enumerate(DAYS)
    ]


def last_opening_or_closing(hours: Iterable[list[dict] | None], now: datetime) -> datetime | None:
    """The last time up to the local time `now` that any of these opening hours opened or
    closed (UTC, as stored): a page that says "open now" changed then; None without hours."""
    turns = []
    for rules in hours:
        for period in parse(rules) or ():
            for days_back in range(8):  # the last seven days and today
                day = now.date() - timedelta(days=days_back)
                if day.weekday() == period.day:
                    midnight = datetime.combine(day, time())
                    turns += [midnight + timedelta(minutes=period.opens),
                              midnight + timedelta(minutes=period.closes)]  # fmt: skip
    past = [turn for turn in turns if turn <= now]
    if not past:
        return None
    return max(past).replace(tzinfo=LOCAL_TIME).astimezone(UTC).replace(tzinfo=None)
