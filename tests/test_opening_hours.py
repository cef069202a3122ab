"""Opening hours: whether a place is open at a given local time, and the week in words.

Every time here is fixed: the week of Monday 23 November 2026.
"""

from datetime import date, datetime

import pytest
from barrierfree import opening_hours
from barrierfree.opening_hours import as_text, from_text, is_open, parse, week

pytestmark = pytest.mark.no_database

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
# Office hours with a lunch break, and a Saturday morning.
OFFICE = [
    {"days": WEEKDAYS, "opens": "08:30", "closes": "12:00"},
    {"days": WEEKDAYS, "opens": "13:30", "closes": "17:00"},
    {"days": ["sat"], "opens": "09:00", "closes": "12:00"},
]
ALL_DAY = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "opens": "00:00", "closes": "24:00"}
]
# A night service on Fridays and Sundays only: past midnight into Saturday and Monday.
NIGHTS = [{"days": ["fri", "sun"], "opens": "22:00", "closes": "06:00"}]


def at(day: int, clock: str) -> datetime:
    """A local time in the week of Monday 23 November 2026 (day 23 = Monday ... 29 = Sunday)."""
    hours, minutes = map(int, clock.split(":"))
    return datetime(2026, 11, day, hours, minutes)


MONDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = 23, 25, 26, 27, 28, 29
NEXT_MONDAY = 30


def test_the_fixed_days_are_the_weekdays_they_are_named_after():
    assert [at(day, "12:00").strftime("%a") for day in (MONDAY, WEDNESDAY, SATURDAY, SUNDAY)] == [
        "Mon",
        "Wed",
        "Sat",
        "Sun",
    ]


@pytest.mark.parametrize(
    "day, clock, expected",
    [
        (WEDNESDAY, "10:00", True),
        (WEDNESDAY, "08:29", False),
        (WEDNESDAY, "08:30", True),
        (WEDNESDAY, "11:59", True),
        (WEDNESDAY, "12:00", False),
        (WEDNESDAY, "12:45", False),
        (WEDNESDAY, "13:30", True),
        (WEDNESDAY, "16:59", True),
        (WEDNESDAY, "17:00", False),
        (WEDNESDAY, "20:00", False),
        (SATURDAY, "10:00", True),
        (SATURDAY, "14:00", False),
        (SUNDAY, "10:00", False),
    ],
    ids=[
        "inside-morning",
        "minute-before-opening",
        "exact-opening-minute",
        "last-minute-of-morning",
        "exact-closing-minute",
        "lunch-break",
        "reopens-after-lunch",
        "last-minute-of-day",
        "exact-evening-closing",
        "evening",
        "saturday-morning",
        "saturday-afternoon",
        "sunday-not-in-days",
    ],
)
def test_is_open_with_office_hours(day, clock, expected):
    assert is_open(OFFICE, at(day, clock)) is expected


@pytest.mark.parametrize("day, clock", [(MONDAY, "00:00"), (WEDNESDAY, "12:00"), (SUNDAY, "23:59")])
def test_closing_at_24_00_means_open_until_the_end_of_the_day(day, clock):
    assert is_open(ALL_DAY, at(day, clock)) is True


def test_closing_at_24_00_ends_at_midnight():
    one_day = [{"days": ["mon"], "opens": "20:00", "closes": "24:00"}]
    assert is_open(one_day, at(MONDAY, "23:59")) is True
    assert is_open(one_day, at(24, "00:00")) is False


@pytest.mark.parametrize(
    "day, clock, expected",
    [
        (FRIDAY, "21:59", False),
        (FRIDAY, "22:00", True),
        (FRIDAY, "23:30", True),
        (SATURDAY, "02:00", True),
        (SATURDAY, "05:59", True),
        (SATURDAY, "06:00", False),
        (SATURDAY, "22:30", False),
        (SUNDAY, "02:00", False),
        (SUNDAY, "23:00", True),
        (NEXT_MONDAY, "02:00", True),
        (NEXT_MONDAY, "06:00", False),
        (THURSDAY, "02:00", False),
    ],
    ids=[
        "friday-before-opening",
        "friday-opening",
        "friday-late",
        "saturday-2am-from-friday-night",
        "saturday-last-minute",
        "saturday-6am-closed",
        "saturday-night-not-in-days",
        "sunday-2am-saturday-had-no-night",
        "sunday-night",
        "monday-2am-wraps-from-sunday",
        "monday-6am-closed",
        "thursday-2am-wednesday-had-no-night",
    ],
)
def test_overnight_period_runs_into_the_next_morning(day, clock, expected):
    assert is_open(NIGHTS, at(day, clock)) is expected


def test_unknown_hours_are_neither_open_nor_closed():
    assert is_open(None, at(WEDNESDAY, "10:00")) is None
    assert week(None) is None
    assert parse(None) is None


def test_week_lists_seven_days_with_their_periods(i18n_app):
    with i18n_app.test_request_context():
        days = week(OFFICE)

    assert days == [
        ("星期一", ["08:30至12:00", "13:30至17:00"]),
        ("星期二", ["08:30至12:00", "13:30至17:00"]),
        ("星期三", ["08:30至12:00", "13:30至17:00"]),
        ("星期四", ["08:30至12:00", "13:30至17:00"]),
        ("星期五", ["08:30至12:00", "13:30至17:00"]),
        ("星期六", ["09:00至12:00"]),
        ("星期日", []),
    ]


def test_a_period_is_a_range_in_words_a_screen_reader_reads_as_one(i18n_app):
    """Hours written "08:30–11:30" were read "八点三十 十一点三十": the dash is silent."""
    with i18n_app.test_request_context(environ_overrides={"barrierfree.locale": "en"}):
        days = week(OFFICE + NIGHTS)
    assert days[0] == ("Monday", ["08:30 to 12:00", "13:30 to 17:00"])
    assert days[4][1][-1] == "22:00 to 06:00 next day"


def test_hours_that_never_close_are_one_line_not_seven_rows(i18n_app):
    with i18n_app.test_request_context():
        assert week(ALL_DAY) == "全天24小时"
    with i18n_app.test_request_context(environ_overrides={"barrierfree.locale": "en"}):
        assert week(ALL_DAY) == "24 hours, every day"
    overnight = [{"days": list(opening_hours.DAYS), "opens": "08:00", "closes": "08:00"}]
    six_days = [{**ALL_DAY[0], "days": list(opening_hours.DAYS[:6])}]
    short_night = [{**overnight[0], "closes": "07:59"}]
    with i18n_app.test_request_context():
        assert week(overnight) == "全天24小时"  # each night runs into the next day
        assert week(six_days)[0] == ("星期一", ["00:00至24:00"])
        assert week(short_night)[0] == ("星期一", ["08:00至次日07:59"])


def test_week_labels_midnight_closing_and_overnight_periods(i18n_app):
    with i18n_app.test_request_context():
        one_day = week([{**ALL_DAY[0], "days": ["mon"]}])
        nights = week(NIGHTS)

    assert one_day[0] == ("星期一", ["00:00至24:00"])
    assert [labels for _day, labels in nights] == [
        [],
        [],
        [],
        [],
        ["22:00至次日06:00"],
        [],
        ["22:00至次日06:00"],
    ]


def test_week_sorts_periods_within_a_day(i18n_app):
    afternoon_first = [OFFICE[1], OFFICE[0]]
    with i18n_app.test_request_context():
        assert week(afternoon_first)[0][1] == ["08:30至12:00", "13:30至17:00"]


def test_week_day_names_are_translated_on_the_english_site(i18n_app):
    with i18n_app.test_request_context(environ_overrides={"barrierfree.locale": "en"}):
        names = [name for name, _labels in week(OFFICE)]
    assert names[0] == "Monday" and names[6] == "Sunday"


def rule(**changes) -> dict:
    """A valid rule with `changes` applied; a value of None removes the key."""
    base = {"days": ["mon"], "opens": "08:30", "closes": "12:00"}
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


BAD_RULES = {
    "empty-list": [],
    "not-a-list": {"days": ["mon"], "opens": "08:30", "closes": "12:00"},
    "unknown-day": [rule(days=["mon", "funday"])],
    "day-not-in-a-list": [rule(days="mon")],
    "no-days": [rule(days=[])],
    "hour-25": [rule(closes="25:00")],
    "one-digit-minutes": [rule(opens="8:3")],
    "minute-60": [rule(closes="12:60")],
    "no-colon": [rule(opens="0830")],
    "not-digits": [rule(opens="ab:cd")],
    "missing-key": [rule(closes=None)],
    "extra-key": [rule(note="by appointment")],
    "opens-at-24": [rule(opens="24:00", closes="06:00")],
    "yaml-int-time": [rule(closes=810)],
    "rule-not-a-mapping": ["mon 08:30-12:00"],
}


@pytest.mark.parametrize("rules", BAD_RULES.values(), ids=BAD_RULES.keys())
def test_parse_rejects_bad_rules(rules):
    # The message names the hours and the rule, not a ValueError from deeper down (int()).
    with pytest.raises(ValueError, match=r"^hours( rule 1)?: "):
        parse(rules)


def test_parse_accepts_the_valid_rule_the_bad_ones_are_made_from():
    assert parse([rule()]) == (opening_hours.Period(0, 8 * 60 + 30, 12 * 60),)


def test_unquoted_yaml_time_error_says_to_quote_it():
    """YAML reads an unquoted 13:30 as the integer 810 (base 60)."""
    with pytest.raises(ValueError, match="quote") as raised:
        parse([rule(closes=810)])
    assert "810" in str(raised.value)


def test_parse_error_names_the_rule():
    with pytest.raises(ValueError, match="hours rule 2"):
        parse([rule(), rule(opens="25:00")])


def test_as_text_writes_rules_on_one_line():
    assert as_text(OFFICE) == (
        "mon,tue,wed,thu,fri 08:30-12:00; mon,tue,wed,thu,fri 13:30-17:00; sat 09:00-12:00"
    )
    assert as_text(NIGHTS) == "fri,sun 22:00-06:00"


def test_as_text_of_unknown_hours_is_empty():
    assert as_text(None) == ""


# --- Hours as staff type them ---------------------------------------------------------------

MON_FRI = ["mon", "tue", "wed", "thu", "fri"]
TYPED = {
    "english-range": ("mon-fri 08:30-11:30", [(MON_FRI, "08:30", "11:30")]),
    "chinese-range": ("周一至周五 08:30-11:30", [(MON_FRI, "08:30", "11:30")]),
    "xingqi-dao": ("星期一到星期五 08:30-11:30", [(MON_FRI, "08:30", "11:30")]),
    "libai-dash": ("礼拜一—礼拜五 08:30—11:30", [(MON_FRI, "08:30", "11:30")]),
    "no-space-and-a-colon": ("周一至周五：8:30-11:30", [(MON_FRI, "08:30", "11:30")]),
    "full-width": ("ＭＯＮ，ｔｕｅ　０８：３０－１１：３０", [(["mon", "tue"], "08:30", "11:30")]),
    "wave-dash": ("周一〜周二 08:30〜11:30", [(["mon", "tue"], "08:30", "11:30")]),
    "list-and-range": (
        "星期一、星期三至星期五 08:30~11:30", [(["mon", "wed", "thu", "fri"], "08:30", "11:30")]
    ),
    "sunday-as-tian": ("星期天 9:00 至 12:00", [(["sun"], "09:00", "12:00")]),
    "weekend": ("周末 09:00-12:00", [(["sat", "sun"], "09:00", "12:00")]),
    "every-day": ("每天 00:00-24:00", [(list(opening_hours.DAYS), "00:00", "24:00")]),
    "days-out-of-order-and-twice": (
        "fri, mon, fri 08:00-09:00", [(["mon", "fri"], "08:00", "09:00")]
    ),
    "two-periods-one-day-list": (
        "周一至周五 8:30－11:30，13:30-17:00；周六 9:00-12:00",
        [(MON_FRI, "08:30", "11:30"), (MON_FRI, "13:30", "17:00"), (["sat"], "09:00", "12:00")],
    ),
}  # fmt: skip


@pytest.mark.parametrize("text, expected", TYPED.values(), ids=TYPED.keys())
def test_hours_are_read_as_staff_type_them_and_stored_in_one_form(text, expected):
    rules = from_text(text)
    assert rules == [{"days": d, "opens": o, "closes": c} for d, o, c in expected]
    # What is stored reads back as the form every reader knows.
    assert from_text(as_text(rules)) == rules


@pytest.mark.parametrize(
    "text",
    [
        "工作日 08:30-11:30",  # 调休 moves working days: 周一至周五 and the holiday setting say it
        "周五至周一 08:30-11:30",  # a range that runs backwards
        "周八 08:30-11:30",
        "周一至周五 上午",
        "mon 08:30－25:00",
    ],
)
def test_hours_that_are_not_days_and_times_are_refused(text):
    with pytest.raises(ValueError, match="hours rule 1"):
        from_text(text)


def test_overlapping_periods_are_refused_naming_the_day_both_periods_and_what_to_write(i18n_app):
    rules = from_text("mon-fri 08:30-11:30; mon 10:00-12:00")
    with i18n_app.test_request_context(), pytest.raises(ValueError) as refused:
        parse(rules, strict=True)
    assert str(refused.value) == (
        "开放时间里星期一的 08:30至11:30 和 10:00至12:00 重叠了：同一天的几段时间不能重叠。"
        "请合并成一段，写成 mon 08:30-12:00，或者改正其中一段。"
    )
    # Saved before the rule, they are still read, for the page.
    assert len(parse(rules)) == 6


def test_overlapping_periods_are_refused_in_english_too(i18n_app):
    environ = {"barrierfree.locale": "en"}
    with (
        i18n_app.test_request_context(environ_overrides=environ),
        pytest.raises(ValueError) as refused,
    ):
        parse(from_text("tue 08:30-11:30, 08:00-17:00"), strict=True)
    assert str(refused.value) == (
        "Opening hours: on Tuesday, 08:00 to 17:00 and 08:30 to 11:30 overlap. The periods "
        "of one day must not overlap. Join them into one period, tue 08:00-17:00, or correct "
        "one of them."
    )


@pytest.mark.parametrize("text", ["mon 17:00-08:00", "mon 08:00-08:00"])
def test_a_period_closing_before_it_opens_is_refused_when_saved(i18n_app, text):
    opens, closes = text.split()[1].split("-")
    with i18n_app.test_request_context(), pytest.raises(ValueError) as refused:
        parse(from_text(text), strict=True)
    assert str(refused.value) == (
        f"开放时间里星期一的关门时间 {closes} 不晚于开门时间 {opens}。请检查是否写反了；"
        "全天开放写 mon 00:00-24:00；过了半夜才关门的，分成两段，"
        "例如 mon 22:00-24:00; tue 00:00-02:00。"
    )
    # A night saved before the rule is still read as one.
    assert parse(from_text(text))[0].overnight


def test_a_period_closing_before_it_opens_is_refused_in_english_too(i18n_app):
    environ = {"barrierfree.locale": "en"}
    with (
        i18n_app.test_request_context(environ_overrides=environ),
        pytest.raises(ValueError) as refused,
    ):
        parse(NIGHTS, strict=True)
    assert str(refused.value) == (
        "Opening hours: on Friday the closing time 06:00 is not after the opening time 22:00. "
        "Check whether the two times are the wrong way round. For a place open all day, write "
        "fri 00:00-24:00. If it closes after midnight, write two periods, for example "
        "mon 22:00-24:00; tue 00:00-02:00."
    )


def test_all_day_periods_that_only_touch_and_a_night_in_two_parts_are_accepted(i18n_app):
    with i18n_app.test_request_context():
        assert parse(ALL_DAY, strict=True) == parse(ALL_DAY)
        assert parse(OFFICE, strict=True) == parse(OFFICE)
        assert len(parse(from_text("mon 08:30-11:30, 11:30-12:00"), strict=True)) == 2
        assert len(parse(from_text("mon 22:00-24:00; tue 00:00-02:00"), strict=True)) == 2


# --- A place's hours on a date: the calendar, closures (more in test_verified_places.py) ----


@pytest.mark.parametrize("rules", [OFFICE, ALL_DAY, NIGHTS], ids=["office", "all-day", "nights"])
@pytest.mark.parametrize(
    "holidays", [opening_hours.CLOSED_ON_HOLIDAYS, opening_hours.OPEN_ON_HOLIDAYS]
)
def test_in_an_ordinary_week_open_at_agrees_with_the_weekly_hours(rules, holidays):
    """The week of 23 November 2026 has no holiday: the calendar changes nothing."""
    hours = opening_hours.Hours(rules, holidays)
    for day in (MONDAY, WEDNESDAY, FRIDAY, SATURDAY, SUNDAY):
        for clock in ("00:30", "05:59", "08:30", "12:00", "13:30", "22:30", "23:59"):
            assert opening_hours.open_at(hours, at(day, clock)) is is_open(rules, at(day, clock))


def test_open_at_without_hours_is_unknown():
    assert opening_hours.open_at(opening_hours.Hours(None), at(WEDNESDAY, "10:00")) is None
    assert opening_hours.next_opening(opening_hours.Hours(None), at(WEDNESDAY, "10:00")) is None


def test_a_night_that_began_on_a_closure_day_does_not_run_on():
    closures = opening_hours.parse_closures("2026-11-27 停电检修")  # Friday
    hours = opening_hours.Hours(NIGHTS, opening_hours.OPEN_ON_HOLIDAYS, closures)
    assert opening_hours.open_at(hours, at(SATURDAY, "02:00")) is False
    assert opening_hours.open_at(hours, at(NEXT_MONDAY, "02:00")) is True


# --- Closures: stepped over whole, never walked a day at a time --------------------------------

OFFICE_ALL_YEAR = opening_hours.OPEN_ON_HOLIDAYS  # the calendar never stops the look-ahead


def looked_at(monkeypatch) -> list[date]:
    """The days `Hours.on` is asked about from now on."""
    days: list[date] = []
    on = opening_hours.Hours.on

    def counted(hours, day):
        days.append(day)
        return on(hours, day)

    monkeypatch.setattr(opening_hours.Hours, "on", counted)
    return days


def test_next_opening_steps_over_adjacent_and_overlapping_closures_at_once(monkeypatch):
    closures = opening_hours.parse_closures(
        "2026-11-25 至 2026-11-27 设备检修\n"
        "2026-11-28 至 2026-11-30 搬家\n"  # begins the day after the first ends
        "2026-11-29 至 2026-12-02 消防检查"  # begins before the second ends
    )
    hours = opening_hours.Hours(OFFICE, OFFICE_ALL_YEAR, closures)
    days = looked_at(monkeypatch)
    assert opening_hours.next_opening(hours, at(WEDNESDAY, "10:00")) == datetime(2026, 12, 3, 8, 30)
    assert days == [date(2026, 12, 3)]


NO_END_IN_SIGHT = {
    "open-ended": "2026-11-25 起 无限期暂停开放",
    "saved-as-9999": "2026-11-25 至 9999-12-31 无限期暂停开放",
    "saved-as-2300": "2026-11-25 至 2300-01-01 搬迁",
    "chained-into-9999": "2026-11-25 至 2026-11-30 装修\n2026-12-01 至 9999-12-31 搬迁",
}


@pytest.mark.parametrize("text", NO_END_IN_SIGHT.values(), ids=NO_END_IN_SIGHT.keys())
def test_a_closure_with_no_end_in_sight_has_no_next_opening_and_is_not_walked(monkeypatch, text):
    """It was walked a day at a time: 100 seconds to 9999, then OverflowError."""
    hours = opening_hours.Hours(OFFICE, OFFICE_ALL_YEAR, opening_hours.parse_closures(text))
    days = looked_at(monkeypatch)
    assert opening_hours.next_opening(hours, at(WEDNESDAY, "10:00")) is None
    assert days == []
    assert opening_hours.open_at(hours, at(WEDNESDAY, "10:00")) is False


def test_a_closure_ending_within_the_look_ahead_still_gives_its_next_opening():
    closures = opening_hours.parse_closures("2026-11-25 至 2028-11-24 搬迁")  # to a Friday
    hours = opening_hours.Hours(OFFICE, OFFICE_ALL_YEAR, closures)
    following = opening_hours.next_opening(hours, at(WEDNESDAY, "10:00"))
    assert following == datetime(2028, 11, 25, 9, 0)  # the Saturday morning after


@pytest.mark.parametrize(
    "text", ["9999-12-30 至 9999-12-31 检修", "9999-12-31 起 检修", "9999-12-31 检修", ""]
)
@pytest.mark.parametrize("now", [datetime(9999, 12, 30, 10, 0), datetime(9999, 12, 31, 23, 59)])
def test_days_near_the_last_date_there_is_never_overflow(text, now):
    hours = opening_hours.Hours(OFFICE, OFFICE_ALL_YEAR, opening_hours.parse_closures(text))
    following = opening_hours.next_opening(hours, now)
    assert following is None or following.date() == date(9999, 12, 30)
    assert opening_hours.open_at(hours, now) in (True, False)
    assert opening_hours.closed_through(hours.closures, now.date()) in (None, date.max)


def test_closed_through_runs_one_closure_into_the_next():
    closures = opening_hours.parse_closures(
        "2026-11-25 至 2026-11-27 检修\n2026-11-28 搬家\n2026-12-05 起 停业"
    )
    assert opening_hours.closed_through(closures, date(2026, 11, 26)) == date(2026, 11, 28)
    assert opening_hours.closed_through(closures, date(2026, 11, 29)) is None
    assert opening_hours.closed_through(closures, date(2026, 12, 6)) == date.max


def test_a_closure_with_no_end_is_written_with_qi():
    [closure] = opening_hours.parse_closures("2026-12-01起无限期暂停开放")
    assert (closure.start, closure.end, closure.note) == (date(2026, 12, 1), None, "无限期暂停开放")
    assert closure.covers(date(2099, 1, 1)) and not closure.covers(date(2026, 11, 30))


@pytest.mark.parametrize(
    "today, latest",
    [
        (date(2026, 11, 25), date(2028, 11, 25)),
        (date(2028, 2, 29), date(2030, 2, 28)),
        (date(9998, 6, 1), date.max),
    ],
    ids=["ordinary", "29-february", "near-the-last-year"],
)
def test_a_closure_names_days_up_to_two_years_ahead(today, latest):
    assert opening_hours.latest_closure_day(today) == latest


TODAY = date(2026, 11, 25)
TOO_FAR = {
    "9999": "2026-12-01 至 9999-12-31 无限期暂停开放",
    "2300": "2026-12-01 至 2300-01-01 搬迁",
    "a-day-after-the-limit": "2026-12-01 至 2028-11-26 搬迁",
    "a-start-too-far": "2030-01-01 起 停业",
    "a-single-day-too-far": "2030-01-01 检修",
}


@pytest.mark.parametrize("text", TOO_FAR.values(), ids=TOO_FAR.keys())
def test_a_closure_too_far_ahead_is_refused_saying_what_to_write(i18n_app, text):
    with i18n_app.test_request_context(), pytest.raises(ValueError) as refused:
        opening_hours.parse_closures(f"2026-10-08 设备检修\n{text}", today=TODAY)
    assert str(refused.value) == (
        "第 2 行的日期太远了：最晚只能写到 2028-11-25（2 年之内）。"
        "如果还不知道哪天恢复开放，就不写结束日期，写成 2026-12-01 起 无限期暂停开放。"
    )
    # What was saved before the rule is still read, for the page.
    assert len(opening_hours.parse_closures(text)) == 1


def test_a_closure_too_far_ahead_is_refused_in_english_too(i18n_app):
    environ = {"barrierfree.locale": "en"}
    with (
        i18n_app.test_request_context(environ_overrides=environ),
        pytest.raises(ValueError) as refused,
    ):
        opening_hours.parse_closures(TOO_FAR["9999"], today=TODAY)
    assert str(refused.value) == (
        "Line 1: the date is too far ahead. The latest a closure may name is 2028-11-25 "
        "(within 2 years). If it is not known when the place reopens, leave the last day "
        "out: 2026-12-01 onwards closed until further notice."
    )


def test_the_last_day_allowed_and_an_open_end_are_accepted(i18n_app):
    text = "2026-12-01 至 2028-11-25 搬迁\n2026-12-01 起 无限期暂停开放"
    with i18n_app.test_request_context():
        assert len(opening_hours.parse_closures(text, today=TODAY)) == 2


@pytest.mark.parametrize(
    "text",
    ["2026-12-01 至 无限期暂停开放", "2026-12-01 至 2027-1-5 装修", "2026-12-01 ~ 待定 装修"],
)
def test_an_end_that_cannot_be_read_is_refused_not_taken_for_a_one_day_closure(i18n_app, text):
    with (
        i18n_app.test_request_context(),
        pytest.raises(ValueError, match="结束日期看不懂") as refused,
    ):
        opening_hours.parse_closures(text)
    assert "2026-12-01 起 无限期暂停开放" in str(refused.value)


PLAIN_ONWARDS = {
    "space-after": ("2026-12-01起 无限期暂停开放", "无限期暂停开放"),
    "spaces-around": ("2026-12-01 起 装修暂停开放", "装修暂停开放"),
    "comma-after": ("2026-12-01起，装修暂停开放", "装修暂停开放"),
    "colon-after": ("2026-12-01 起：搬迁", "搬迁"),
    "open-end-phrase": ("2026-12-01起无限期暂停开放", "无限期暂停开放"),
    "open-end-phrase-after-a-space": ("2026-12-01 起暂停开放", "暂停开放"),
    "closed-for-business": ("2026-12-01起停业", "停业"),
}


@pytest.mark.parametrize("text, note", PLAIN_ONWARDS.values(), ids=PLAIN_ONWARDS.keys())
def test_qi_followed_by_a_separator_or_an_open_end_phrase_means_from_this_day_on(
    i18n_app, text, note
):
    with i18n_app.test_request_context():
        [closure] = opening_hours.parse_closures(text, today=TODAY)
    assert (closure.start, closure.end, closure.note) == (date(2026, 12, 1), None, note)


@pytest.mark.parametrize("text", ["2026-12-01起重机检修", "2026-12-01 起重机检修"])
def test_qi_run_into_other_words_is_refused_showing_both_ways_to_write_it(i18n_app, text):
    """起重机检修 is a day's crane maintenance, or 重机检修 from this day on: never guessed."""
    with i18n_app.test_request_context(), pytest.raises(ValueError) as refused:
        opening_hours.parse_closures(f"2026-10-08 设备检修\n{text}", today=TODAY)
    assert str(refused.value) == (
        "第 2 行日期后面的“起”可能是“从这天起”，也可能是原因的第一个字，请写清楚："
        "从这天起一直暂停开放的，在“起”后面空一格，写成 2026-12-01 起 重机检修；"
        "只暂停这一天的，在日期后面加冒号，写成 2026-12-01：起重机检修。"
    )
    # Each way the message shows is read as it says.
    with i18n_app.test_request_context():
        [onwards] = opening_hours.parse_closures("2026-12-01 起 重机检修", today=TODAY)
        [one_day] = opening_hours.parse_closures("2026-12-01：起重机检修", today=TODAY)
    assert (onwards.end, onwards.note) == (None, "重机检修")
    assert (one_day.end, one_day.note) == (date(2026, 12, 1), "起重机检修")


def test_qi_run_into_other_words_is_refused_in_english_too(i18n_app):
    environ = {"barrierfree.locale": "en"}
    with (
        i18n_app.test_request_context(environ_overrides=environ),
        pytest.raises(ValueError) as refused,
    ):
        opening_hours.parse_closures("2026-12-01起重机检修", today=TODAY)
    assert str(refused.value) == (
        "Line 1: the character right after the date (qǐ, “from”) can mean “from this day on”, "
        "or it can be the first character of the reason. If the place is closed from that day "
        "on, put a space after that character: 2026-12-01 起 重机检修. If it is closed on that "
        "day only, put a colon after the date: 2026-12-01：起重机检修."
    )


@pytest.mark.parametrize(
    "text, day",
    [
        ("2026-02-30 设备检修", "2026-02-30"),
        ("2026-04-01 至 2026-04-31 装修", "2026-04-31"),
        ("2026-13-01 起 停业", "2026-13-01"),
    ],
)
def test_a_date_that_does_not_exist_is_named(i18n_app, text, day):
    with i18n_app.test_request_context(), pytest.raises(ValueError) as refused:
        opening_hours.parse_closures(f"2026-10-08 设备检修\n{text}", today=TODAY)
    assert str(refused.value) == (
        f"第 2 行的日期 {day} 不存在，请检查月份和日子，"
        "例如二月最多到 29 日，四月、六月、九月、十一月最多到 30 日。"
    )


def test_a_date_that_does_not_exist_is_named_in_english_too(i18n_app):
    environ = {"barrierfree.locale": "en"}
    with (
        i18n_app.test_request_context(environ_overrides=environ),
        pytest.raises(ValueError) as refused,
    ):
        opening_hours.parse_closures("2026-02-30 设备检修")
    assert str(refused.value) == (
        "Line 1: the date 2026-02-30 does not exist. Check the month and the day: February "
        "has at most 29 days, and April, June, September and November have 30."
    )


def test_a_closure_typed_with_full_width_digits_is_read():
    [closure] = opening_hours.parse_closures(
        "２０２６-１２-０１ 至 ２０２６-１２-３１ 装修", today=TODAY
    )
    assert (closure.start, closure.end) == (date(2026, 12, 1), date(2026, 12, 31))


def test_qi_run_into_other_words_saved_before_the_rule_is_still_read():
    [closure] = opening_hours.parse_closures("2026-12-01起重机检修")
    assert (closure.start, closure.end, closure.note) == (date(2026, 12, 1), None, "重机检修")


def test_qi_before_an_end_day_gets_the_end_days_message(i18n_app):
    with (
        i18n_app.test_request_context(),
        pytest.raises(ValueError, match="结束日期看不懂"),
    ):
        opening_hours.parse_closures("2026-12-01起至2026-12-31 装修", today=TODAY)


def test_utc_is_eight_hours_behind_chiping():
    assert opening_hours.utc(datetime(2026, 11, 25, 8, 0)) == datetime(2026, 11, 25, 0, 0)
