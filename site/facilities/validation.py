"""The rules a facility record keeps beyond each field's own (type, length, choices: see
kinds.py), whoever writes it: content files, the editor or a spreadsheet. Each finds its
problems by field; the loader refuses the file at the first, the editor shows each beside
its field, the spreadsheet in its column."""

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from flask_babel import gettext as _

from .. import opening_hours, phone_numbers
from ..kinds import Problem
from . import features

# The district's bounds, generously: a point outside is a typo (or latitude and longitude
# swapped), not a place in Chiping.
LATITUDE = (36.3, 36.9)
LONGITUDE = (115.9, 116.6)
# The earliest day a verification may be dated: the first day of the plan's period (the
# 14th five-year plan, 2021 to 2025). A fact checked before the plan began is not the
# plan's to publish, and a date that early is a typo (1900-01-01, a spreadsheet's zero).
EARLIEST_VERIFICATION = date(2021, 1, 1)


def problems(record: dict) -> list[Problem]:
    """Every rule the facility record breaks, by field."""
    found = raised("hours", hours_problems, record.get("hours"))
    found += raised("accessibility", features.validate, record.get("accessibility") or {})
    # The English reasons are matched with the closures only once those can be read.
    found += raised("closures", closure_problems, record.get("closures")) or raised(
        "closures_en", closure_english_problems, record
    )
    found += hours_verification_problems(record)
    found += location_problems(record.get("latitude"), record.get("longitude"))
    if record.get("sample"):
        # An invented number could ring a stranger, an invented address send someone to the
        # wrong door: sample records carry neither.
        found += [
            Problem(
                name,
                _("示例数据不能填写电话、短信号码或地址：请填写核实过的信息并取消“示例数据”。"),
            )
            for name in ("phone", "sms", "address")
            if record.get(name)
        ]
    else:
        found += number_problems(record)
    return found


def number_problems(record: dict) -> list[Problem]:
    """The place's phone is one a phone dials, its text number one a text reaches: each
    becomes a link residents press (see contacts.validation.link)."""
    found = []
    for name, check in (
        ("phone", phone_numbers.call_problem),
        ("sms", phone_numbers.text_problem),
    ):
        if record.get(name) and (message := check(record[name])) is not None:
            found.append(Problem(name, message))
    return found


def hours_problems(rules: list[dict] | None) -> None:
    """Raise ValueError for hours that cannot be read, that overlap on a day, or that run
    past midnight: a place is open in the day, and a period closing before it opens is
    a slip (08:00 and 17:00 swapped) far more often than a night. All day is 00:00-24:00.
    Hours saved before these rules are still read (see opening_hours.parse)."""
    opening_hours.parse(rules, strict=True)


def closure_problems(text: str | None) -> None:
    """Raise ValueError for closures that cannot be read, or that name a day too far ahead
    of today (a closure saved before that rule is still read: see Facility.opening)."""
    opening_hours.parse_closures(text, today=opening_hours.local_now().date())


def closure_english_problems(record: dict) -> None:
    """Raise ValueError for English reasons that do not match the closures line for line, or
    that cannot be shown (see opening_hours.closure_notes_en); the closures must be read."""
    count = len(opening_hours.parse_closures(record.get("closures")))
    opening_hours.closure_notes_en(record.get("closures_en"), count)


def hours_verification_problems(record: dict) -> list[Problem]:
    """Verified hours say how, when and by whom, and there are hours to verify: the page
    judges "open now" only by verified hours."""
    verification = {
        name: record.get(name)
        for name in ("hours_verified_method", "hours_verified_on", "hours_verified_by")
    }
    if not any(verification.values()):
        return []
    if record.get("hours") is None:
        return [Problem("hours", _("填写了开放时间的核实，请同时填写开放时间。"))]
    found = [
        Problem(name, message)
        for name, message in (
            ("hours_verified_method", _("请选择开放时间的核实方式。")),
            ("hours_verified_on", _("请填写开放时间的核实日期。")),
            ("hours_verified_by", _("请填写是谁核实的开放时间，例如 区残联。")),
        )
        if not verification[name]
    ]
    day = verification["hours_verified_on"]
    if day and not _is_date(day):
        found.append(Problem("hours_verified_on", _("日期格式是 年-月-日，例如 2026-06-30。")))
    elif day and (message := verification_date_problem(day)):
        found.append(Problem("hours_verified_on", message))
    return found


def verification_date_problem(day: str) -> str | None:
    """What is wrong with the ISO date `day` as the day hours were verified, if anything:
    a day that has not come yet (in Chiping), or one before EARLIEST_VERIFICATION."""
    today = opening_hours.local_now().date()
    if date.fromisoformat(day) > today:
        return _(
            "核实日期 %(day)s 还没有到。请填写实际核实的那一天，最晚是今天（%(today)s）。",
            day=day,
            today=today.isoformat(),
        )
    if date.fromisoformat(day) < EARLIEST_VERIFICATION:
        return _(
            "核实日期 %(day)s 太早了：核实日期不能早于 %(earliest)s（本规划时期的第一天）。"
            "请填写最近一次核实的日期，例如 %(today)s。",
            day=day,
            earliest=EARLIEST_VERIFICATION.isoformat(),
            today=today.isoformat(),
        )
    return None


def _is_date(value: object) -> bool:
    """True for an ISO date such as 2026-06-30."""
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def location_problems(latitude: object, longitude: object) -> list[Problem]:
    """Both coordinates or neither, numbers, inside the district; the problem is put on
    the coordinate that is wrong."""
    if latitude is None and longitude is None:
        return []
    if latitude is None or longitude is None:
        missing = "latitude" if latitude is None else "longitude"
        return [Problem(missing, _("纬度和经度要同时填写，或都不填。"))]
    for name, value in (("latitude", latitude), ("longitude", longitude)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return [Problem(name, _("纬度和经度要填数字，例如 36.58 和 116.25。"))]
    assert isinstance(latitude, int | float) and isinstance(longitude, int | float)
    if _inside(latitude, LATITUDE) and _inside(longitude, LONGITUDE):
        return []
    # Latitude is right when it is inside the district's band; otherwise blame it first.
    wrong = "longitude" if _inside(latitude, LATITUDE) else "latitude"
    message = _(
        "这个位置不在茌平区内：纬度在 %(south)s 到 %(north)s 之间，经度在 %(west)s 到 "
        "%(east)s 之间。请检查纬度和经度是否写反。",
        south=LATITUDE[0],
        north=LATITUDE[1],
        west=LONGITUDE[0],
        east=LONGITUDE[1],
    )
    return [Problem(wrong, message)]


def _inside(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


_V = TypeVar("_V")


def raised(name: str, check: Callable[[_V], object], value: _V) -> list[Problem]:
    """`check(value)`'s ValueError as a problem of field `name`, or none."""
    try:
        check(value)
    except ValueError as error:
        return [Problem(name, str(error))]
    return []
