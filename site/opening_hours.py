"""Structured opening hours: weekly periods, so a page can say whether a place is open now.

A record's hours are a list of rules such as
``{"days": ["mon", "tue"], "opens": "08:30", "closes": "12:00"}``. A period whose closing
time is not after its opening time runs past midnight into the next day ("22:00"–"06:00");
"24:00" closes at the end of the day. None means the hours are not published.

Staff type hours as text (`from_text`): English day codes or Chinese day names, ranges and
lists of days, full-width characters. What is stored is always the rules as `as_text`
writes them back, so that every reader (the pages, schema.org, the open data) sees one form.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .i18n import date_text

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
        """The period as "08:30至12:00" ("08:30 to 12:00"), or "22:00至次日06:00" past
        midnight. Written in words, as a range of dates is: a screen reader reads a dash
        between two times as nothing ("八点三十 十一点三十")."""
        closes = _clock(self.closes % (24 * 60)) if self.closes != 24 * 60 else "24:00"
        if self.overnight:
            closes = _("次日%(time)s", time=closes)
        return _("%(first)s至%(last)s", first=_clock(self.opens), last=closes)


def _clock(minutes: int) -> str:
    """Minutes from midnight as HH:MM."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(value: object, where: str) -> int:
    """Parse "HH:MM" (00:00 to 24:00) into minutes, or raise ValueError naming `where`."""
    text = str(value)
    hours, sep, minutes = text.partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{where}: time {text!r} is not HH:MM (in YAML, quote it: '13:30')")
    total = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or total > 24 * 60:
        raise ValueError(f"{where}: time {text!r} is out of range")
    return total


def parse(rules: list[dict] | None, strict: bool = False) -> tuple[Period, ...] | None:
    """Validate stored rules and expand them into periods; None when hours are unpublished.

    With `strict` the rules are checked as staff save a place's hours: also refused when two
    periods of a day overlap (`_refuse_overlaps`) or one runs past midnight; what was saved
    before these rules is read as it is.
    """
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
        if strict and closes <= opens:
            raise ValueError(_night_message(days[0], rule["opens"], rule["closes"]))
        if closes <= opens:
            closes += 24 * 60
        periods += [Period(DAYS.index(day), opens, closes) for day in days]
    ordered = tuple(sorted(periods, key=lambda p: (p.day, p.opens, p.closes)))
    if strict:
        _refuse_overlaps(ordered)
    return ordered


def _night_message(day: str, opens: str, closes: str) -> str:
    """Why a period that closes no later than it opens is refused, and what to write."""
    return _(
        "开放时间里%(day)s的关门时间 %(closes)s 不晚于开门时间 %(opens)s。"
        "请检查是否写反了；全天开放写 %(day_code)s 00:00-24:00；"
        "过了半夜才关门的，分成两段，例如 mon 22:00-24:00; tue 00:00-02:00。",
        day=DAY_NAMES[day],
        opens=opens,
        closes=closes,
        day_code=day,
    )


def _refuse_overlaps(periods: tuple[Period, ...]) -> None:
    """Raise ValueError for the first two periods of a day that overlap (`periods` sorted
    by day and opening), naming the day, both periods and the one that joins them. Two
    periods that only touch (08:30-11:30, 11:30-12:00) do not overlap."""
    for first, second in zip(periods, periods[1:], strict=False):
        if first.day == second.day and second.opens < first.closes:
            code = DAYS[first.day]
            joined = Period(first.day, first.opens, max(first.closes, second.closes))
            raise ValueError(
                _(
                    "开放时间里%(day)s的 %(first)s 和 %(second)s 重叠了：同一天的几段时间不能重叠。"
                    "请合并成一段，写成 %(joined)s，或者改正其中一段。",
                    day=DAY_NAMES[code],
                    first=first.label(),
                    second=second.label(),
                    joined=f"{code} {_clock(joined.opens)}-{_clock(joined.closes)}",
                )
            )


def as_text(rules: list[dict] | None) -> str:
    """Rules in one line for a spreadsheet cell: "mon,tue 08:30-11:30; sat 09:00-12:00"."""
    return "; ".join(
        f"{','.join(rule['days'])} {rule['opens']}-{rule['closes']}" for rule in rules or []
    )


# What staff type for hours, read after NFKC has made full-width letters, digits and
# punctuation (０８：３０－１１：３０，ｍｏｎ；) plain ASCII. Between two days or two times:
# a hyphen or dash of any kind, a tilde, 至 or 到.
_TO = r"\s*(?:[-‐‑‒–—―−~〜]|至|到)\s*"
_TIME = r"[0-9]{1,2}:[0-9]{2}"
_SPAN = re.compile(rf"(?P<opens>{_TIME}){_TO}(?P<closes>{_TIME})")
# One rule: days, an optional colon, then one time range or more, separated by commas, 、
# or spaces ("周一至周五：08:30-11:30，13:30-17:00" is two rules of the same days).
_TEXT_RULE = re.compile(
    rf"(?P<days>.+?)\s*:?\s*(?P<spans>{_TIME}{_TO}{_TIME}(?:[\s,、]+{_TIME}{_TO}{_TIME})*)"
)
# A day's names: its code (any case), 周一, 星期一 and 礼拜一; Sunday is also 周天, 星期天
# and 礼拜天. 周末 is Saturday and Sunday, 每天 every day. 工作日 is not read: in China
# it is Monday to Friday in an ordinary week only (调休 moves it), which the place's
# `public_holidays` says, not its weekly hours; staff write 周一至周五 and choose that.
_DAY_WORDS = {code: (number,) for number, code in enumerate(DAYS)} | {
    f"{prefix}{name}": (number,)
    for prefix in ("周", "星期", "礼拜")
    for number, names in enumerate(("一", "二", "三", "四", "五", "六", "日天"))
    for name in names
}
_DAY_GROUPS = {"周末": (5, 6), "每天": tuple(range(7)), "每日": tuple(range(7))}


def _days(text: str) -> list[str] | None:
    """The day codes of a rule's days ("周一至周五、周日", "mon-fri,sun"), in week order,
    each once; None when a part is not a day, or a range runs backwards (周五至周一)."""
    numbers: set[int] = set()
    for item in filter(None, re.split(r"[\s,、]+", re.sub(_TO, "~", text.strip()))):
        ends = [_DAY_WORDS.get(word.lower()) for word in item.split("~")]
        if len(ends) == 1 and (ends[0] or _DAY_GROUPS.get(item)):
            numbers.update(ends[0] or _DAY_GROUPS[item])
        elif len(ends) == 2 and ends[0] and ends[1] and ends[0][0] <= ends[1][0]:
            numbers.update(range(ends[0][0], ends[1][0] + 1))
        else:
            return None
    return [DAYS[number] for number in sorted(numbers)] or None


def _padded(clock: str) -> str:
    """A time as HH:MM: "9:00" is stored as "09:00", as schema.org and the pages expect."""
    hours, _sep, minutes = clock.partition(":")
    return f"{int(hours):02d}:{minutes}"


def from_text(text: str) -> list[dict] | None:
    """The rules of hours written as text: as `as_text` writes them ("mon,tue 08:30-11:30;
    sat 09:00-12:00") or as staff type them ("周一至周五 8:30－11:30，13:30-17:00；周六
    9:00-12:00"); in the form `as_text` writes, so that what is stored is the same however
    it was typed. None for blank text (hours not published).

    Raises ValueError naming the rule it cannot read, or the first rule `parse` rejects.
    """
    parts = [part.strip() for part in re.split(r"[;\n]", unicodedata.normalize("NFKC", text or ""))]
    rules = []
    for number, part in enumerate(filter(None, parts), 1):
        found = _TEXT_RULE.fullmatch(part)
        days = _days(found["days"]) if found else None
        if found is None or days is None:
            raise ValueError(
                f"hours rule {number} ({part!r}): expected days and times like "
                "'mon,tue,wed 08:30-12:00'"
            )
        for span in _SPAN.finditer(found["spans"]):
            opens, closes = _padded(span["opens"]), _padded(span["closes"])
            rules.append({"days": list(days), "opens": opens, "closes": closes})
    if not rules:
        return None
    parse(rules)
    return rules


def in_chiping(moment: datetime) -> datetime:
    """A time stored in UTC without tzinfo, in Chiping's zone: what a public page shows
    (see i18n.date_time)."""
    return moment.replace(tzinfo=UTC).astimezone(LOCAL_TIME)


def local(moment: datetime) -> datetime:
    """A time stored in UTC without tzinfo, as the wall-clock time in Chiping."""
    return in_chiping(moment).replace(tzinfo=None)


def local_time(moment: datetime | None) -> str:
    """A stored UTC time as Chiping local time, to the minute, as the back office shows it."""
    if moment is None:
        return ""
    return f"{local(moment):%Y-%m-%d %H:%M}"


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


def week(rules: list[dict] | None) -> list[tuple[str, list[str]]] | str | None:
    """Each day of the week with its periods as labels (empty when closed); one line for
    hours that never close (全天24小时, not seven rows of 00:00至24:00); None if unknown."""
    periods = parse(rules)
    if periods is None:
        return None
    if always_open(periods):
        return _("全天24小时")
    return [
        (str(DAY_NAMES[code]), [p.label() for p in periods if p.day == number])
        for number, code in enumerate(DAYS)
    ]


def always_open(periods: tuple[Period, ...]) -> bool:
    """True when the periods leave no minute of the week closed (00:00 to 24:00 every day,
    or 08:00 to 08:00 the next day: a Sunday night runs into Monday)."""
    length = len(DAYS) * 24 * 60
    spans = []
    for p in periods:
        start, end = p.day * 24 * 60 + p.opens, p.day * 24 * 60 + p.closes
        spans += [(start, min(end, length))] + ([(0, end - length)] if end > length else [])
    covered = 0
    for start, end in sorted(spans):
        if start > covered:
            return False
        covered = max(covered, end)
    return covered >= length


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
    return utc(max(past))


def utc(moment: datetime) -> datetime:
    """A wall-clock time in Chiping as UTC without tzinfo, as times are stored."""
    return moment.replace(tzinfo=LOCAL_TIME).astimezone(UTC).replace(tzinfo=None)


# --- The calendar: public holidays, working weekends and closures ---------------------------
#
# The weekly hours are what a place does in an ordinary week. China moves days about: on a
# statutory holiday (法定节假日) offices close, and on a working weekend (调休) they open as
# on a weekday. `chinese-calendar` knows the State Council's arrangement for each year it
# was released with, and nothing later: a day beyond it is not guessed at, its hours are
# unconfirmed. A place says how it keeps the calendar (HOLIDAY_RULES), and staff enter its
# own closures (装修暂停开放) as dated lines.

# Why a day is not known: the calendar has no arrangement for its year yet (Day.why).
BEYOND_CALENDAR = "beyond-calendar"
CLOSED_ON_HOLIDAYS = "closed"
OPEN_ON_HOLIDAYS = "open"
HOLIDAY_RULES = {
    CLOSED_ON_HOLIDAYS: _l("按国家安排，法定节假日休息，调休上班的周末开放"),
    OPEN_ON_HOLIDAYS: _l("法定节假日也按每周时间开放"),
}
# chinese-calendar names holidays in English; residents read them in the site's words.
HOLIDAY_NAMES = {
    "New Year's Day": _l("元旦"),
    "Spring Festival": _l("春节"),
    "Tomb-sweeping Day": _l("清明节"),
    "Labour Day": _l("劳动节"),
    "Dragon Boat Festival": _l("端午节"),
    "National Day": _l("国庆节"),
    "Mid-autumn Festival": _l("中秋节"),
    "Anti-Fascist 70th Day": _l("抗战胜利纪念日"),
}
SHORT_DAY_NAMES = (
    _l("周一"), _l("周二"), _l("周三"), _l("周四"), _l("周五"), _l("周六"), _l("周日"),
)  # fmt: skip

CLOSURE_LINES = 20
CLOSURE_NOTE_LENGTH = 100
# A reason in English takes about three times the characters of the Chinese.
CLOSURE_NOTE_EN_LENGTH = 300
# What an English line holds for a closure that has no English reason yet: the English page
# gives that one's reason in Chinese, and says so.
NO_ENGLISH_REASON = ("-", "－")
# How far ahead a closure may name a day. A closure with no end in sight is written without
# an end ("2026-12-01 起 无限期暂停开放"), never with a made-up one (9999-12-31): a page
# that looks for the place's next opening looks no further than this either.
CLOSURE_YEARS = 2
# "2026-12-01 至 2026-12-31 装修暂停开放" (spaces optional); one day alone: "2026-10-08 设备检修";
# no end in sight: "2026-12-01 起 无限期暂停开放".
_CLOSURE = re.compile(
    r"(?P<start>\d{4}-\d{2}-\d{2})"
    r"(?:\s*(?:(?:至|到|~|～|—)\s*(?P<end>\d{4}-\d{2}-\d{2})|(?P<onwards>起|onwards)))?"
    r"(?:[\s：:，,]*(?P<note>.*))?"
)
# A note that begins like an end date the pattern could not read ("至 2027-1-5",
# "至 无限期"): the line is not a one-day closure with an odd reason.
_UNREAD_END = re.compile(r"(?:至|到|~|～|—)")
# What may follow 起 for it to mean "from this day on": a space, punctuation or the end of
# the line, or a plain open-end phrase ("2026-12-01起无限期暂停开放"); an end marker too,
# so that "起至 …" gets the unread end's message. Anything else can be read with 起:
# "2026-12-01起重机检修" is as likely a day's crane maintenance (起重机检修), and the line
# is refused rather than guessed at.
_PLAIN_ONWARDS = re.compile(
    r"$|[\s：:，,、。；;]|至|到|~|～|—|无限期|长期|暂停|停止|停业|歇业|关闭|闭馆|不再"
)
# An English line that begins with a date: the whole Chinese line typed again, in English.
_DATE_FIRST = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


@dataclass(frozen=True)
class Closure:
    """A closure a place announced: from `start` to `end`, both days included, and why
    (`note`, and `note_en` in English when staff gave it); `end` is None when it has no end
    in sight."""

    start: date
    end: date | None
    note: str
    note_en: str | None = None

    def covers(self, day: date) -> bool:
        """True when the place is closed on `day` for this reason."""
        return self.start <= day and (self.end is None or day <= self.end)


def latest_closure_day(today: date) -> date:
    """The last day a closure may name, CLOSURE_YEARS from `today`; a later end counts as
    no end in sight."""
    if today.year + CLOSURE_YEARS > MAXYEAR:
        return date.max
    if (today.month, today.day) == (2, 29):
        today -= timedelta(days=1)
    return today.replace(year=today.year + CLOSURE_YEARS)


def parse_closures(
    text: str | None, today: date | None = None, english: str | None = None
) -> tuple[Closure, ...]:
    """Closures, one a line ("2026-12-01 至 2026-12-31 装修暂停开放"), in date order. With
    `today` the text is checked as staff save it, and refused when a day is further ahead
    than `latest_closure_day` or when 起 after the date could be read two ways
    (`_PLAIN_ONWARDS`); what was saved before these rules is read as it is.

    `english` gives each closure its `note_en`, line for line (`closure_notes_en`); English
    lines that do not match the Chinese ones are left out, never paired with the wrong
    closure (the rules refuse them as staff save them).

    Raises ValueError saying which line is wrong and how to write it.
    """
    lines = _lines(text)
    if len(lines) > CLOSURE_LINES:
        raise ValueError(_("最多填写 %(n)d 段暂停开放的日子。", n=CLOSURE_LINES))
    closures = []
    for number, line in enumerate(lines, 1):
        found = _CLOSURE.fullmatch(line)
        if found:
            # A day written in the right shape that no calendar has (2026-02-30): say so,
            # not that the line cannot be read.
            for day in (found["start"], found["end"]):
                if day and _calendar_date(day) is None:
                    raise ValueError(
                        _(
                            "第 %(n)d 行的日期 %(day)s 不存在，请检查月份和日子，"
                            "例如二月最多到 29 日，四月、六月、九月、十一月最多到 30 日。",
                            n=number,
                            day=day,
                        )
                    )
        start = _calendar_date(found["start"]) if found else None
        end = _calendar_date(found["end"] or found["start"]) if found else None
        if found is None or start is None or end is None:
            raise ValueError(
                _(
                    "第 %(n)d 行看不懂。每行写一段：开始日期 至 结束日期 原因，"
                    "例如 2026-12-01 至 2026-12-31 装修暂停开放。",
                    n=number,
                )
            )
        note = (found["note"] or "").strip()
        if (
            today is not None
            and found["onwards"] == "起"
            and not _PLAIN_ONWARDS.match(line, found.end("onwards"))
        ):
            rest = line[found.end("onwards") :]
            raise ValueError(
                _(
                    "第 %(n)d 行日期后面的“起”可能是“从这天起”，也可能是原因的第一个字，请写清楚："
                    "从这天起一直暂停开放的，在“起”后面空一格，写成 %(onwards)s；"
                    "只暂停这一天的，在日期后面加冒号，写成 %(one_day)s。",
                    n=number,
                    onwards=f"{found['start']} 起 {rest}",
                    one_day=f"{found['start']}：起{rest}",
                )
            )
        if _UNREAD_END.match(note):
            raise ValueError(
                _(
                    "第 %(n)d 行的结束日期看不懂：日期要写成 2026-12-31 这样。"
                    "如果还不知道哪天恢复开放，就不写结束日期，写成 2026-12-01 起 无限期暂停开放。",
                    n=number,
                )
            )
        if end < start:
            raise ValueError(_("第 %(n)d 行的结束日期早于开始日期。", n=number))
        if not note:
            raise ValueError(_("第 %(n)d 行请写明暂停开放的原因，例如 装修暂停开放。", n=number))
        if len(note) > CLOSURE_NOTE_LENGTH:
            raise ValueError(
                _("第 %(n)d 行的原因最多 %(limit)d 个字。", n=number, limit=CLOSURE_NOTE_LENGTH)
            )
        if today is not None and end > latest_closure_day(today):
            raise ValueError(
                _(
                    "第 %(n)d 行的日期太远了：最晚只能写到 %(last)s（%(years)d 年之内）。"
                    "如果还不知道哪天恢复开放，就不写结束日期，写成 2026-12-01 起 无限期暂停开放。",
                    n=number,
                    last=latest_closure_day(today).isoformat(),
                    years=CLOSURE_YEARS,
                )
            )
        closures.append(Closure(start, None if found["onwards"] else end, note))
    try:
        notes_en = closure_notes_en(english, len(closures))
    except ValueError:
        notes_en = ()
    if notes_en:
        closures = [replace(c, note_en=note) for c, note in zip(closures, notes_en, strict=True)]
    return tuple(sorted(closures, key=lambda closure: (closure.start, closure.end or date.max)))


def closure_notes_en(text: str | None, count: int) -> tuple[str | None, ...]:
    """The English reasons of a place's `count` closure lines: one a line, in the order of
    the Chinese lines, "-" (NO_ENGLISH_REASON) for one without; None for that one, and ()
    when no English is given at all.

    Raises ValueError when the lines do not match the Chinese ones one for one, or when a
    line is too long or gives the dates again (they are the Chinese line's).
    """
    lines = _lines(text)
    if not lines:
        return ()
    if len(lines) != count:
        raise ValueError(
            ngettext(
                "英文原因有 %(english)d 行，暂停开放的日子有 %(chinese)d 行。请每行写一个英文原因，"
                "和暂停开放的日子一行对一行、顺序相同；还没有英文的那一行写一个 -。",
                "英文原因有 %(english)d 行，暂停开放的日子有 %(chinese)d 行。请每行写一个英文原因，"
                "和暂停开放的日子一行对一行、顺序相同；还没有英文的那一行写一个 -。",
                len(lines),
                english=len(lines),
                chinese=count,
            )
        )
    notes: list[str | None] = []
    for number, line in enumerate(lines, 1):
        if line in NO_ENGLISH_REASON:
            notes.append(None)
            continue
        if _DATE_FIRST.match(unicodedata.normalize("NFKC", line)):
            raise ValueError(
                _(
                    "英文原因的第 %(n)d 行只写原因，不写日期（日期用暂停开放的日子里同一行的），"
                    "例如 Closed for renovation。",
                    n=number,
                )
            )
        if len(line) > CLOSURE_NOTE_EN_LENGTH:
            raise ValueError(
                _(
                    "英文原因的第 %(n)d 行最多 %(limit)d 个字符。",
                    n=number,
                    limit=CLOSURE_NOTE_EN_LENGTH,
                )
            )
        notes.append(line)
    return tuple(notes)


def _lines(text: str | None) -> list[str]:
    """The lines of a text that hold something, without the spaces around them."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _calendar_date(text: str) -> date | None:
    """The date "2026-12-01" names (digits typed full-width too), None when it does not
    exist."""
    try:
        return date.fromisoformat(unicodedata.normalize("NFKC", text))
    except ValueError:
        return None


def closed_through(closures: Iterable[Closure], day: date) -> date | None:
    """The last day of the closures that keep a place shut from `day` on, each running
    into the next (date.max when one has no end); None when none covers `day`."""
    closures = tuple(closures)
    last = None
    while ends := [closure.end or date.max for closure in closures if closure.covers(day)]:
        last = max(ends)
        if last == date.max:
            break
        day = last + timedelta(days=1)
    return last


@dataclass(frozen=True)
class CalendarDay:
    """What the state calendar makes of a day: the holiday it is off for, or the holiday
    whose working weekend (调休) it is; `known` is false beyond the calendar's years."""

    holiday: str | None = None
    working_weekend: str | None = None
    known: bool = True


def calendar_day(day: date) -> CalendarDay:
    """The state calendar's word on `day`; unknown (never an error) beyond its years."""
    try:
        off, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return CalendarDay(known=False)
    if name is None:
        return CalendarDay()
    return CalendarDay(holiday=name) if off else CalendarDay(working_weekend=name)


def holiday_name(name: str | None) -> str | None:
    """A holiday's name in the visitor's language."""
    return None if name is None else str(HOLIDAY_NAMES.get(name, name))


@dataclass(frozen=True)
class Day:
    """A place's hours on one date: its periods, in minutes from that day's midnight, or
    None when they cannot be confirmed; and why the day differs from an ordinary week.

    `why` is "" (an ordinary day), "closure" (the place's own), "holiday" (a statutory
    holiday), "working-weekend" (调休: a weekend day worked as a weekday) or
    "beyond-calendar" (the calendar does not know the year yet). A holiday or working
    weekend of a place that has not said how it keeps them has no periods (None).
    """

    date: date
    periods: tuple[tuple[int, int], ...] | None
    why: str = ""
    holiday: str | None = None
    closure: Closure | None = None

    def labels(self) -> list[str]:
        """The periods as "08:30–12:00" labels."""
        return [Period(self.date.weekday(), *period).label() for period in self.periods or ()]

    def same_as(self, other: "Day") -> bool:
        """True when `other` is the same kind of day, for the same reason and hours."""
        return (self.why, self.holiday, self.closure, self.periods) == (
            other.why,
            other.holiday,
            other.closure,
            other.periods,
        )


@dataclass(frozen=True)
class Hours:
    """Everything that decides when a place is open: its weekly rules, how it keeps the
    state's holidays (a HOLIDAY_RULES code, or None when it has not said) and its closures."""

    rules: list[dict] | None
    holidays: str | None = None
    closures: tuple[Closure, ...] = ()

    def on(self, day: date) -> Day:
        """The place's hours on the date `day`."""
        weekly = parse(self.rules) or ()
        ordinary = tuple((p.opens, p.closes) for p in weekly if p.day == day.weekday())
        closure = next((closure for closure in self.closures if closure.covers(day)), None)
        if closure is not None:
            return Day(day, (), "closure", closure=closure)
        if self.holidays == OPEN_ON_HOLIDAYS:
            return Day(day, ordinary)
        state = calendar_day(day)
        if not state.known:
            return Day(day, None, BEYOND_CALENDAR)
        if state.holiday:
            periods: tuple[tuple[int, int], ...] | None
            periods = () if self.holidays == CLOSED_ON_HOLIDAYS else None
            return Day(day, periods, "holiday", holiday_name(state.holiday))
        if state.working_weekend:
            periods = _working_day(weekly) if self.holidays == CLOSED_ON_HOLIDAYS else None
            return Day(day, periods, "working-weekend", holiday_name(state.working_weekend))
        return Day(day, ordinary)


def _working_day(weekly: tuple[Period, ...]) -> tuple[tuple[int, int], ...] | None:
    """The hours of a working weekend: those of Monday to Friday when they are the same
    every weekday; otherwise which weekday it stands for is not known, so None. A place
    open at weekends alone may keep its weekend hours on it or not: None too."""
    days = {tuple((p.opens, p.closes) for p in weekly if p.day == number) for number in range(5)}
    if len(days) != 1 or (days == {()} and weekly):
        return None
    return days.pop()


def open_at(hours: Hours, at: datetime) -> bool | None:
    """Whether the place is open at the local time `at`, holidays and closures counted;
    None when that cannot be confirmed (unpublished hours, a day the calendar does not know)."""
    if hours.rules is None:
        return None
    today = hours.on(at.date())
    yesterday = hours.on(at.date() - timedelta(days=1))
    for day in (yesterday, today):
        midnight = datetime.combine(day.date, time())
        for opens, closes in day.periods or ():
            if midnight + timedelta(minutes=opens) <= at < midnight + timedelta(minutes=closes):
                return True
    if today.periods is None:
        return None
    if yesterday.periods is None:
        # A night that began yesterday, on a day whose hours cannot be confirmed.
        end = datetime.combine(yesterday.date, time())
        weekday = yesterday.date.weekday()
        if any(
            p.day == weekday and end + timedelta(minutes=p.closes) > at
            for p in parse(hours.rules) or ()
        ):
            return None
    return False


def next_opening(hours: Hours, at: datetime, days: int = 14) -> datetime | None:
    """When the place next opens after the local time `at`, within `days` days that no
    closure takes (a closure is stepped over whole, never walked a day at a time); None
    when it is not known: a day on the way cannot be confirmed, it opens on none of them,
    or a closure has no end in sight (none, or past `latest_closure_day`)."""
    if hours.rules is None:
        return None
    horizon = latest_closure_day(at.date())
    day, looked = at.date(), 0
    while looked <= days:
        shut = closed_through(hours.closures, day)
        if shut is not None:
            if shut > horizon or shut == date.max:
                return None
            day = shut + timedelta(days=1)
            continue
        found = hours.on(day)
        if found.periods is None:
            return None
        midnight = datetime.combine(day, time())
        starts = [midnight + timedelta(minutes=opens) for opens, _closes in found.periods]
        later = [start for start in starts if start > at]
        if later:
            return min(later)
        if day == date.max:
            return None
        day, looked = day + timedelta(days=1), looked + 1
    return None


def when_text(moment: datetime, now: datetime) -> str:
    """A coming time as a resident says it: 今天 13:30, 明天 08:30, 周一 08:30, 12月9日 08:30."""
    ahead = (moment.date() - now.date()).days
    clock = _clock(moment.hour * 60 + moment.minute)
    if ahead == 0:
        return _("今天 %(time)s", time=clock)
    if ahead == 1:
        return _("明天 %(time)s", time=clock)
    if ahead < 7:
        return _("%(day)s %(time)s", day=SHORT_DAY_NAMES[moment.weekday()], time=clock)
    return _(
        "%(date)s（%(day)s） %(time)s",
        date=date_text(moment.date()),
        day=SHORT_DAY_NAMES[moment.weekday()],
        time=clock,
    )


def coming_days(hours: Hours, start: date, days: int = 28) -> list[tuple[Day, date]]:
    """The state calendar's days from `start` on (today included) that differ from an
    ordinary week, as (first day, last day) runs of the same kind; the place's own closures
    are listed apart."""
    runs: list[tuple[Day, date]] = []
    for ahead in range(days):
        day = hours.on(start + timedelta(days=ahead))
        if not day.why or day.why == "closure":
            continue
        if runs and runs[-1][0].same_as(day) and runs[-1][1] == day.date - timedelta(days=1):
            runs[-1] = (runs[-1][0], day.date)
        else:
            runs.append((day, day.date))
    return runs


def last_turn(hours: Hours | None, now: datetime) -> datetime | None:
    """The last time up to the local time `now` that the place opened or closed on its
    actual hours of today or yesterday (a working weekend's opening counted, a holiday's
    left out), in UTC as stored; None without one."""
    if hours is None:
        return None
    turns = []
    for days_back in (0, 1):
        day = hours.on(now.date() - timedelta(days=days_back))
        midnight = datetime.combine(day.date, time())
        for opens, closes in day.periods or ():
            turns += [midnight + timedelta(minutes=opens), midnight + timedelta(minutes=closes)]
    past = [turn for turn in turns if turn <= now]
    return utc(max(past)) if past else None
