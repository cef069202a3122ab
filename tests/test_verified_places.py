"""Verified places: how each fact was verified, hours judged only when verified, the state's
holidays and working weekends (法定节假日、调休), a place's own closures, today's row and
when it next opens; and the three ways in (files, the editor, spreadsheets) agree on them.

The clock is set for every page: the demo places' hours were verified in the autumn of 2026.
"""

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest
from barrierfree import opening_hours
from barrierfree.content.files import ContentError, read_yaml
from barrierfree.content.loader import load_records
from barrierfree.database import db
from barrierfree.facilities import features, validation
from barrierfree.facilities.models import Facility
from barrierfree.facilities.spec import FACILITIES
from barrierfree.opening_hours import (
    CLOSED_ON_HOLIDAYS,
    OPEN_ON_HOLIDAYS,
    Hours,
    calendar_day,
    coming_days,
    next_opening,
    open_at,
    parse_closures,
    when_text,
)
from barrierfree.staff.bulk import columns, files, importing
from barrierfree.staff.models import Revision
from conftest import listed, make_loaded_app, parse
from sqlalchemy import select
from staff_helpers import answered, error_summary, form_fields, make_staff, signed_in

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
OFFICE = [
    {"days": WEEKDAYS, "opens": "08:30", "closes": "11:30"},
    {"days": WEEKDAYS, "opens": "13:30", "closes": "17:00"},
]
# Wednesday 25 November 2026: an ordinary week.
WEDNESDAY = date(2026, 11, 25)
NATIONAL_DAY = datetime(2026, 10, 1, 10, 0)  # a Thursday, in the 国庆节 holiday
WORKING_SATURDAY = datetime(2026, 10, 10, 10, 0)  # 调休: worked as a weekday
BEYOND = datetime(2027, 3, 3, 10, 0)  # a Wednesday in a year the calendar does not know yet
TOILETS_AND_PARKING = {"toilet-zhenxing", "toilet-boping", "parking-service-centre"}
LIBRARY = "library-blind-reading-room"  # keeps its weekly hours on holidays too
UNVERIFIED_HOURS = {"rukang-hantun", "rukang-jiazhai"}


def at(day: date, clock: str) -> datetime:
    """A local time on `day`."""
    hours, minutes = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes)


@pytest.fixture
def clock(monkeypatch):
    """Set the site's clock: clock(datetime) makes local_now() return that time."""

    def set_clock(when: datetime) -> None:
        monkeypatch.setattr(opening_hours, "local_now", lambda: when)

    return set_clock


def main_of(client, path: str):
    """The <main> of a page, which must be there."""
    response = client.get(path)
    assert response.status_code == 200, path
    return parse(response.data).find("main")


def heading(main, text: str):
    """The <h3> whose text is `text`."""
    return next(h3 for h3 in main.find_all("h3") if h3.text == text)


def open_now(client) -> set[str]:
    """The places the finder lists as open now."""
    return set(listed(client.get("/facilities/?open=now"), "facility-results", "/facilities/"))


# --- The state calendar -----------------------------------------------------------------------


def test_the_calendar_knows_national_day_and_its_working_saturday():
    assert calendar_day(NATIONAL_DAY.date()).holiday == "National Day"
    assert calendar_day(WORKING_SATURDAY.date()).working_weekend == "National Day"
    assert calendar_day(WEDNESDAY) == opening_hours.CalendarDay()


def test_a_day_beyond_the_calendar_is_unknown_not_an_error():
    assert calendar_day(date(2099, 1, 1)).known is False
    assert calendar_day(BEYOND.date()).known is False


def test_a_place_closed_on_holidays_is_closed_on_national_day(i18n_app):
    office = Hours(OFFICE, CLOSED_ON_HOLIDAYS)
    assert open_at(office, NATIONAL_DAY) is False
    with i18n_app.test_request_context():
        day = office.on(NATIONAL_DAY.date())
        assert (day.why, day.holiday, day.periods) == ("holiday", "国庆节", ())


def test_a_working_saturday_opens_with_the_weekday_hours(i18n_app):
    office = Hours(OFFICE, CLOSED_ON_HOLIDAYS)
    assert open_at(office, WORKING_SATURDAY) is True
    assert open_at(office, at(WORKING_SATURDAY.date(), "12:00")) is False
    with i18n_app.test_request_context():
        assert office.on(WORKING_SATURDAY.date()).labels() == ["08:30至11:30", "13:30至17:00"]


def test_a_working_saturday_of_uneven_weekdays_is_unconfirmed():
    """Which weekday a working Saturday stands for is not known: not guessed."""
    uneven = [*OFFICE, {"days": ["fri"], "opens": "17:00", "closes": "18:00"}]
    assert open_at(Hours(uneven, CLOSED_ON_HOLIDAYS), WORKING_SATURDAY) is None


def test_a_working_saturday_of_a_place_open_at_weekends_alone_is_unconfirmed():
    """It has no weekday hours to stand for: whether it keeps its Saturday is not known."""
    weekends = [{"days": ["sat", "sun"], "opens": "09:00", "closes": "12:00"}]
    assert open_at(Hours(weekends, CLOSED_ON_HOLIDAYS), WORKING_SATURDAY) is None


def test_a_place_open_on_holidays_keeps_its_weekly_hours():
    office = Hours(OFFICE, OPEN_ON_HOLIDAYS)
    assert open_at(office, NATIONAL_DAY) is True
    assert open_at(office, WORKING_SATURDAY) is False  # its Saturdays are closed
    assert open_at(office, BEYOND) is True  # the calendar does not matter to it


def test_a_place_that_has_not_said_how_it_keeps_holidays_is_unconfirmed_on_them():
    unsaid = Hours(OFFICE)
    assert open_at(unsaid, NATIONAL_DAY) is None
    assert open_at(unsaid, WORKING_SATURDAY) is None
    assert open_at(unsaid, at(WEDNESDAY, "10:00")) is True


def test_a_day_beyond_the_calendar_is_unconfirmed_and_never_crashes():
    office = Hours(OFFICE, CLOSED_ON_HOLIDAYS)
    assert open_at(office, BEYOND) is None
    assert office.on(BEYOND.date()).why == "beyond-calendar"
    assert next_opening(office, BEYOND) is None
    # The last evening the calendar knows: its next opening would be in the unknown year.
    assert next_opening(office, datetime(2026, 12, 31, 18, 0)) is None


def test_the_coming_weeks_list_the_holiday_and_its_working_saturday_as_runs(i18n_app):
    with i18n_app.test_request_context():
        runs = coming_days(Hours(OFFICE, CLOSED_ON_HOLIDAYS), date(2026, 9, 28))
        found = [(day.why, day.holiday, day.date, last) for day, last in runs]
    assert found == [
        ("holiday", "国庆节", date(2026, 10, 1), date(2026, 10, 7)),
        ("working-weekend", "国庆节", date(2026, 10, 10), date(2026, 10, 10)),
    ]


# --- Closures ---------------------------------------------------------------------------------

RENOVATION = "2026-11-23 至 2026-11-25 装修暂停开放"


def test_a_closure_closes_the_place_on_its_days_only():
    office = Hours(OFFICE, CLOSED_ON_HOLIDAYS, parse_closures(RENOVATION))
    assert open_at(office, at(WEDNESDAY, "10:00")) is False
    assert office.on(WEDNESDAY).closure.note == "装修暂停开放"
    assert open_at(office, at(date(2026, 11, 26), "10:00")) is True
    assert next_opening(office, at(date(2026, 11, 23), "10:00")) == datetime(2026, 11, 26, 8, 30)


def test_after_a_closure_longer_than_two_weeks_the_next_opening_is_known():
    office = Hours(OFFICE, CLOSED_ON_HOLIDAYS, parse_closures("2026-11-02 至 2026-11-27 装修"))
    assert next_opening(office, at(date(2026, 11, 3), "10:00")) == datetime(2026, 11, 30, 8, 30)


def test_closures_are_read_one_a_line_and_a_single_day_is_one_date():
    closures = parse_closures("2026-12-08 设备检修\n\n2026-12-01 至 2026-12-05：装修暂停开放\n")
    assert [(c.start, c.end, c.note) for c in closures] == [
        (date(2026, 12, 1), date(2026, 12, 5), "装修暂停开放"),
        (date(2026, 12, 8), date(2026, 12, 8), "设备检修"),
    ]
    assert parse_closures(None) == ()


BAD_CLOSURES = {
    "ends-before-it-starts": ("2026-12-31 至 2026-12-01 装修暂停开放", "结束日期早于开始日期"),
    "no-note": ("2026-12-01 至 2026-12-31", "原因"),
    "a-day-that-does-not-exist": ("2026-02-30 至 2026-03-01 装修", "日期 2026-02-30 不存在"),
    "words-only": ("装修暂停开放", "看不懂"),
    "note-too-long": ("2026-12-01 " + "修" * 101, "最多 100 个字"),
    "too-many-lines": ("\n".join(["2026-12-01 检修"] * 21), "最多填写 20 段"),
}


@pytest.mark.parametrize("text, words", BAD_CLOSURES.values(), ids=BAD_CLOSURES.keys())
def test_a_bad_closure_is_refused_saying_why(i18n_app, text, words):
    with i18n_app.test_request_context(), pytest.raises(ValueError, match=words):
        parse_closures(text)


# --- 下次开放 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now, expected",
    [
        (at(WEDNESDAY, "07:00"), "今天 08:30"),
        (at(WEDNESDAY, "12:30"), "今天 13:30"),
        (at(WEDNESDAY, "18:00"), "明天 08:30"),
        (at(date(2026, 11, 27), "18:00"), "周一 08:30"),  # Friday evening
        (datetime(2026, 9, 30, 18, 0), "2026年10月8日（周四） 08:30"),  # before 国庆节
    ],
    ids=["morning", "lunch", "evening", "friday-evening", "before-a-long-holiday"],
)
def test_next_opening_is_said_as_a_resident_says_it(i18n_app, now, expected):
    following = next_opening(Hours(OFFICE, CLOSED_ON_HOLIDAYS), now)
    with i18n_app.test_request_context():
        assert when_text(following, now) == expected


def test_a_working_saturdays_opening_is_when_the_page_last_changed():
    """ "Open now" changed when it opened, though its weekly hours have no Saturday."""
    office = Hours(OFFICE, CLOSED_ON_HOLIDAYS)
    assert opening_hours.last_turn(office, WORKING_SATURDAY) == datetime(2026, 10, 10, 0, 30)
    # On a holiday it neither opens nor closes: the day before's closing (17:00) is the last.
    assert opening_hours.last_turn(office, NATIONAL_DAY) == datetime(2026, 9, 30, 9, 0)


# --- A place's page -------------------------------------------------------------------------


def test_todays_row_says_today_in_words_and_bold(client, clock):
    clock(at(WEDNESDAY, "10:00"))
    table = main_of(client, "/facilities/rukang-boping").find("table")
    today = [th for th in table.find_all("th", scope="row") if "（今天）" in th.text]
    assert [th.text for th in today] == ["星期三（今天）"]
    row = today[0].parent
    assert row.find("th").find("strong") is not None and row.find("td").find("strong") is not None


@pytest.mark.parametrize(
    "now, said",
    [
        (at(WEDNESDAY, "12:30"), "下次开放：今天 13:30"),
        (at(WEDNESDAY, "18:00"), "下次开放：明天 08:30"),
        (at(date(2026, 11, 27), "18:00"), "下次开放：周一 08:30"),
    ],
)
def test_a_closed_place_says_when_it_next_opens(client, clock, now, said):
    clock(now)
    main = main_of(client, "/facilities/rukang-boping")
    assert "现在休息" in main.find(class_="open-status").text
    assert said in main.text


def test_an_open_place_says_nothing_of_next_opening(client, clock):
    clock(at(WEDNESDAY, "10:00"))
    main = main_of(client, "/facilities/rukang-boping")
    assert main.find(class_="open-status").text == "现在开放"
    assert "下次开放" not in main.text


def test_a_place_on_national_day_says_it_is_closed_for_the_holiday(client, clock):
    clock(NATIONAL_DAY)
    main = main_of(client, "/facilities/rehabilitation-centre")
    assert main.find(class_="open-status").text == "现在休息"
    assert "今天是法定节假日（国庆节），不开放。" in main.text
    assert "下次开放：2026年10月8日（周四） 08:30" in main.text
    assert heading(main, "未来四周的节假日") is not None
    assert "2026年10月1日至2026年10月7日：国庆节，不开放" in main.text
    assert "2026年10月10日：国庆节调休上班，开放 08:30至11:30、13:30至17:00" in main.text


def test_the_finder_on_national_day_lists_only_places_open_on_holidays(client, clock):
    clock(NATIONAL_DAY)
    assert open_now(client) == TOILETS_AND_PARKING | {LIBRARY}


def test_a_working_saturday_opens_the_offices(client, clock):
    clock(WORKING_SATURDAY)
    found = open_now(client)
    assert {"rukang-boping", "rehabilitation-centre", "government-service-hall"} <= found
    assert not found & UNVERIFIED_HOURS
    # It has not said how it keeps holidays: a working Saturday is not guessed for it.
    assert "employment-service-centre" not in found
    main = main_of(client, "/facilities/rukang-boping")
    assert main.find(class_="open-status").text == "现在开放"
    assert "今天是调休上班日（国庆节），按工作日开放：08:30至11:30、13:30至17:00。" in main.text


def test_a_day_beyond_the_calendar_says_the_hours_are_unconfirmed(client, clock):
    clock(BEYOND)
    main = main_of(client, "/facilities/rukang-boping")
    assert main.find(class_="open-status").text == "今天的开放时间未确认"
    assert "本站还没有收录2027年的法定节假日安排，今天的开放时间未确认。" in main.text
    assert "现在开放" not in main.text and "下次开放：" not in main.text
    assert open_now(client) == TOILETS_AND_PARKING | {LIBRARY}


def test_a_closure_is_shown_and_honoured(client, clock):
    clock(datetime(2026, 12, 2, 10, 0))
    main = main_of(client, "/facilities/rukang-xinfa")
    assert main.find(class_="open-status").text == "现在休息"
    assert "今天暂停开放：装修暂停开放。" in main.text
    closures = heading(main, "暂停开放").find_next_sibling("ul")
    assert closures.text.strip() == "2026年12月1日至2027年1月31日：装修暂停开放"
    # It reopens in a year the calendar does not know yet: not promised.
    assert "下次什么时候开放，现在还不能确定。" in main.text
    assert "rukang-xinfa" not in open_now(client)
    assert "rukang-wenchen" in open_now(client)


def test_unverified_hours_are_shown_without_a_badge(client, clock):
    clock(at(WEDNESDAY, "10:00"))
    main = main_of(client, "/facilities/rukang-hantun")
    assert main.find(class_="open-status").text == "开放时间未核实"
    assert "现在开放" not in main.text and "现在休息" not in main.text
    assert "开放时间从未核实" in main.text
    assert main.find("table") is not None  # the hours themselves are shown


def test_unverified_hours_are_not_open_in_the_finder(client, clock):
    clock(at(WEDNESDAY, "10:00"))
    assert not open_now(client) & UNVERIFIED_HOURS
    results = parse(client.get("/facilities/?township=hantun").data).find(id="facility-results")
    card = results.find("li", class_="card")
    assert card.find(class_="open-status").text == "开放时间未核实"


# --- How each feature was verified --------------------------------------------------------


def verification_of(main, feature: str) -> str:
    """The verification line under a feature's heading."""
    title = heading(main, feature)
    siblings = [child for child in title.parent.children if not isinstance(child, str)]
    after = siblings[siblings.index(title) + 1 :]
    end = next((i for i, e in enumerate(after) if e.tag == "h3"), len(after))
    (line,) = [e for e in after[:end] if "verified" in e.classes]
    return line.text


@pytest.mark.parametrize(
    "feature, said",
    [
        ("无台阶入口", "2026年10月9日实地测量，示例核实人"),
        ("无障碍停车位", "2026年11月3日电话核实，示例核实人"),
        ("欢迎导盲犬", "2026年9月15日单位自报，示例核实人"),
        ("盲道", "这一项从未核实。"),
    ],
    ids=["on-site", "phone", "self-reported", "never"],
)
def test_each_feature_says_how_when_and_by_whom_it_was_verified(client, clock, feature, said):
    clock(at(WEDNESDAY, "10:00"))
    main = main_of(client, "/facilities/rehabilitation-centre")
    assert verification_of(main, feature) == said


def test_the_hours_say_how_they_were_verified(client, clock):
    clock(at(WEDNESDAY, "10:00"))
    main = main_of(client, "/facilities/rehabilitation-centre")
    assert "开放时间：2026年10月9日实地核实，示例核实人" in main.text
    assert "法定节假日：按国家安排，法定节假日休息，调休上班的周末开放。" in main.text


def test_the_open_data_carries_each_verification(tmp_path):
    app = make_loaded_app(tmp_path / "site.sqlite")
    with app.app_context():
        for place in db.session.scalars(select(Facility)):
            place.sample = False  # demo records never reach the open data
        db.session.commit()
    data = app.test_client().get("/data/facilities.json").get_json()
    records = (
        data if isinstance(data, list) else next(v for v in data.values() if isinstance(v, list))
    )
    centre = next(r for r in records if r["slug"] == "rehabilitation-centre")
    assert centre["accessibility"]["step_free_entrance"]["method"] == "on-site"
    assert (centre["hours_verified_method"], centre["hours_verified_on"]) == (
        "on-site",
        "2026-10-09",
    )
    assert centre["public_holidays"] == "closed"
    xinfa = next(r for r in records if r["slug"] == "rukang-xinfa")
    assert xinfa["closures"] == "2026-12-01 至 2027-01-31 装修暂停开放"
    # A detail's English with it, as a note's: the JSON gives each feature's record whole.
    hall = next(r for r in records if r["slug"] == "government-service-hall")
    assert hall["accessibility"]["sign_language"]["when_en"] == "Working-day mornings"
    # The list of details on /data/ names it.
    assert "when_en (服务时间（英文，可不填）)" in main_of(app.test_client(), "/data/").text


# --- The three ways in agree ----------------------------------------------------------------

# (changes to a demo record, the field the editor and spreadsheet blame, words of the
# editor's message); a feature's control is "<field>.<part>": the editor shows the error at
# that control, the loader and the spreadsheet at the feature.
BROKEN = {
    "unknown-feature-method": (
        {"accessibility": {"lift": {"available": True, "method": "measured",
                                    "verified_on": "2026-11-20"}}},
        "feature_lift.method",
        "核实方式",
    ),
    "feature-method-without-a-date": (
        {"accessibility": {"lift": {"available": True, "method": "phone"}}},
        "feature_lift.verified_on",
        "核实日期",
    ),
    "closure-ending-before-it-starts": (
        {"closures": "2026-12-31 至 2026-12-01 装修暂停开放"},
        "closures",
        "结束日期早于开始日期",
    ),
    "closure-without-a-note": ({"closures": "2026-12-01 至 2026-12-31"}, "closures", "原因"),
    "closure-on-a-day-that-does-not-exist": (
        {"closures": "2026-02-30 设备检修"},
        "closures",
        "日期 2026-02-30 不存在",
    ),
    "overlapping-hours": (
        {"hours": [{"days": ["mon"], "opens": "08:30", "closes": "11:30"},
                   {"days": ["mon"], "opens": "10:00", "closes": "12:00"}]},
        "hours",
        "星期一的 08:30至11:30 和 10:00至12:00 重叠了",
    ),
    "hours-past-midnight": (
        {"hours": [{"days": ["mon"], "opens": "17:00", "closes": "08:00"}]},
        "hours",
        "关门时间 08:00 不晚于开门时间 17:00",
    ),
    "hours-verified-on-a-day-to-come": (
        {"hours_verified_on": "2099-01-01"},
        "hours_verified_on",
        "核实日期 2099-01-01 还没有到",
    ),
    "hours-verified-before-the-plan": (
        {"hours_verified_on": "1900-01-01"},
        "hours_verified_on",
        "核实日期 1900-01-01 太早了",
    ),
    "feature-verified-on-a-day-to-come": (
        {"accessibility": {"lift": {"available": True, "method": "on-site",
                                    "verified_on": "2099-01-01"}}},
        "feature_lift.verified_on",
        "核实日期 2099-01-01 还没有到",
    ),
    "feature-verified-before-the-plan": (
        {"accessibility": {"lift": {"available": True, "verified_on": "1900-01-01"}}},
        "feature_lift.verified_on",
        "核实日期 1900-01-01 太早了",
    ),
    "closure-reasons-in-english-not-line-for-line": (
        {"closures": "2026-12-01 至 2026-12-31 装修暂停开放",
         "closures_en": "Closed for renovation\nClosed for inspection"},
        "closures_en",
        "英文原因有 2 行，暂停开放的日子有 1 行",
    ),
    "closure-reason-in-english-with-its-dates": (
        {"closures": "2026-12-01 至 2026-12-31 装修暂停开放",
         "closures_en": "2026-12-01 Closed for renovation"},
        "closures_en",
        "只写原因，不写日期",
    ),
    "closure-whose-qi-reads-two-ways": (
        {"closures": "2026-12-01起重机检修"},
        "closures",
        "也可能是原因的第一个字",
    ),
    "unknown-hours-method": (
        {"hours_verified_method": "measured", "hours_verified_on": "2026-11-20",
         "hours_verified_by": "区残联"},
        "hours_verified_method",
        "请从列出的选项中选择",
    ),
    "hours-verified-without-a-method": (
        {"hours_verified_method": None, "hours_verified_on": "2026-11-20",
         "hours_verified_by": "区残联"},
        "hours_verified_method",
        "核实方式",
    ),
}  # fmt: skip
NEW_SLUG = "new-place"


@pytest.fixture(scope="module")
def demo_place() -> dict:
    """A demo place as its file holds it, under a new slug."""
    path = Path(__file__).resolve().parent.parent / "content" / "demo" / "facilities.yaml"
    first = read_yaml(path)["facilities"][0]
    return {**first, "slug": NEW_SLUG}


@pytest.fixture
def site(loaded_app):
    """A site with content/ and the demo pack loaded, and a publisher's account."""
    make_staff(loaded_app, "publisher", "publisher")
    return loaded_app


def feature_cells(record: dict) -> dict:
    """A record's accessibility as the editor's and the spreadsheet's text, by feature code."""
    return {
        code: columns.feature_text(measured)
        for code, measured in (record.get("accessibility") or {}).items()
    }


@pytest.mark.parametrize("changes, blamed, words", BROKEN.values(), ids=BROKEN.keys())
def test_loader_editor_and_spreadsheet_refuse_the_same_record(
    site, demo_place, changes, blamed, words
):
    broken = {**demo_place, **changes}
    loaded_field = "accessibility" if blamed.startswith("feature_") else blamed

    # The loader: the file is refused, naming the field.
    with site.app_context():
        with pytest.raises(ContentError, match=f"{loaded_field}"):
            load_records({"facilities": [broken]}, kinds=(FACILITIES,))
        db.session.rollback()

    # The editor: the new-place form shows the problem beside the field.
    client = signed_in(site, "publisher")
    fields = form_fields(client.get("/staff/facilities/new").data, "edit-form")
    for name, value in broken.items():
        if value is True:
            fields[name] = ["1"]
        elif name in fields and not isinstance(value, list | dict):
            fields[name] = ["" if value is None else str(value)]
    for code, text in feature_cells(broken).items():
        fields[f"feature_{code}"] = [text]
    fields["hours"] = [opening_hours.as_text(broken["hours"])]
    response = client.post("/staff/facilities/new", data={**fields, "action": "save"})
    assert response.status_code == 400
    error = parse(response.data).find(id=f"field-{blamed.replace('.', '-')}-error")
    assert error is not None and words in error.text

    # The spreadsheet: a row of the record is refused in the field's column.
    column_key = blamed.removeprefix("feature_").split(".")[0]
    with site.test_request_context():
        body, _mimetype, _filename = files.export("facilities", "csv")
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        keys = [heading.split()[-1] for heading in rows[0]]
        row = list(rows[1])
        for name, value in {**broken, **feature_cells(broken)}.items():
            if name in keys and not isinstance(value, list | dict):
                row[keys.index(name)] = "" if value is None else str(value)
        row[keys.index("hours")] = opening_hours.as_text(broken["hours"])
        row[keys.index("slug")] = NEW_SLUG
        row[keys.index("version")] = ""
        out = io.StringIO()
        csv.writer(out).writerows([rows[0], row])
        plan = importing.read("facilities", "facilities.csv", out.getvalue().encode())
        column = next(c.header for c in columns.layout(FACILITIES) if c.key == column_key)
        assert [(e.row, e.column) for e in plan.errors] == [(2, column)]


def test_hours_typed_in_chinese_are_saved_and_shown_back_in_the_one_stored_form(site):
    client, url, fields = place_form(site)
    typed = "周一至周五：8:30－11:30，13:30-17:00；星期六 9:00 至 12:00"
    response = client.post(url, data={**fields, "hours": typed, "action": "save"})
    assert answered(client, response).status_code == 303
    shown = "mon,tue,wed,thu,fri 08:30-11:30; mon,tue,wed,thu,fri 13:30-17:00; sat 09:00-12:00"
    with site.app_context():
        place = db.session.scalar(select(Facility).where(Facility.slug == "rukang-hantun"))
        assert opening_hours.as_text(place.hours) == shown
        assert place.hours[0] == {"days": WEEKDAYS, "opens": "08:30", "closes": "11:30"}
    assert form_fields(client.get(url).data, "edit-form")["hours"] == [shown]


VERIFIED = {"hours": OFFICE, "hours_verified_method": "phone", "hours_verified_by": "区残联"}


# A verification date refused (on 2026-11-25): one to come, one before the plan's period;
# the same words for a place's hours and for each feature (validation's one rule).
DAYS_REFUSED = [
    (
        "2026-11-26",
        "The date it was verified, 2026-11-26, has not come yet. Enter the day it was "
        "actually verified: today (2026-11-25) at the latest.",
    ),
    (
        "2020-12-31",
        "The date it was verified, 2020-12-31, is too early: it cannot be before "
        "2021-01-01 (the first day of the plan's period). Enter the date it was last "
        "verified, for example 2026-11-25.",
    ),
]


@pytest.mark.parametrize("day", ["2021-01-01", "2026-11-25"])
def test_hours_verified_from_the_plans_start_to_today_are_accepted(i18n_app, clock, day):
    clock(at(WEDNESDAY, "10:00"))
    with i18n_app.test_request_context():
        assert validation.problems({**VERIFIED, "hours_verified_on": day}) == []


@pytest.mark.parametrize(
    "day, message",
    DAYS_REFUSED,
)
def test_hours_verified_on_a_day_to_come_or_before_the_plan_are_refused_in_english_too(
    i18n_app, clock, day, message
):
    clock(at(WEDNESDAY, "10:00"))
    environ = {"barrierfree.locale": "en"}
    with i18n_app.test_request_context(environ_overrides=environ):
        found = validation.problems({**VERIFIED, "hours_verified_on": day})
    assert [(problem.field, problem.message) for problem in found] == [
        ("hours_verified_on", message)
    ]


@pytest.mark.parametrize("day", ["2021-01-01", "2026-11-25"])
def test_features_verified_from_the_plans_start_to_today_are_accepted(i18n_app, clock, day):
    clock(at(WEDNESDAY, "10:00"))
    lift = {"available": True, "method": "phone", "verified_on": day}
    with i18n_app.test_request_context():
        assert validation.problems({"accessibility": {"lift": lift}}) == []


@pytest.mark.parametrize(
    "day, message",
    DAYS_REFUSED,
)
def test_a_feature_verified_on_a_day_to_come_or_before_the_plan_is_refused_at_its_date(
    i18n_app, clock, day, message
):
    clock(at(WEDNESDAY, "10:00"))
    lift = {"available": True, "verified_on": day}
    with i18n_app.test_request_context(environ_overrides={"barrierfree.locale": "en"}):
        found = validation.problems({"accessibility": {"lift": lift}})
        with pytest.raises(features.DetailError) as refused:
            features.validate({"lift": lift})
        # The editor and the spreadsheet show it at the feature's date, as it is.
        with pytest.raises(columns.CellError) as cell:
            columns.feature_reader(features.BY_CODE["lift"])(f"是; verified_on={day}")
    assert [(p.field, p.message) for p in found] == [
        ("accessibility", f"accessibility.lift.verified_on: {message}")
    ]
    assert (refused.value.key, refused.value.staff_message) == ("verified_on", message)
    assert (cell.value.key, str(cell.value), cell.value.as_is) == ("verified_on", message, True)


def test_a_feature_verified_before_the_rule_is_still_shown(site):
    with site.app_context():
        place = db.session.scalar(select(Facility).where(Facility.slug == "rukang-hantun"))
        place.accessibility = {"lift": {"available": True, "verified_on": "2020-05-01"}}
        db.session.commit()
    page = site.test_client().get("/facilities/rukang-hantun")
    assert page.status_code == 200 and "2020年5月1日" in page.text


def test_a_refused_closure_stays_in_the_form_as_typed(site):
    with site.app_context():
        place_id = db.session.scalar(
            select(Facility.id).where(Facility.slug == "rehabilitation-centre")
        )
    client = signed_in(site, "publisher")
    fields = form_fields(client.get(f"/staff/facilities/{place_id}").data, "edit-form")
    typed = "2026-10-08 设备检修\n2026-12-01起重机检修"
    fields["closures"] = [typed]
    response = client.post(f"/staff/facilities/{place_id}", data={**fields, "action": "save"})
    assert response.status_code == 400
    assert "2026-12-01：起重机检修" in parse(response.data).find(id="field-closures-error").text
    assert form_fields(response.data, "edit-form")["closures"] == [typed]


# --- A verification visit, recorded in the back office --------------------------------------


def test_a_feature_in_the_edit_form_is_controls_that_keep_its_verification(site):
    with site.app_context():
        place_id = db.session.scalar(
            select(Facility.id).where(Facility.slug == "rehabilitation-centre")
        )
    client = signed_in(site, "publisher")
    fields = form_fields(client.get(f"/staff/facilities/{place_id}").data, "edit-form")
    assert {key: value[0] for key, value in fields.items() if key.startswith("feature_lift.")} == {
        "feature_lift.available": "是",
        "feature_lift.method": "on-site",
        "feature_lift.verified_on": "2026-10-09",
        "feature_lift.verified_by": "示例核实人",
        "feature_lift.note": "",
        "feature_lift.note_en": "",
    }
    # Saved as it is, the record is unchanged.
    before = FACILITIES.field("feature_lift")
    response = client.post(f"/staff/facilities/{place_id}", data={**fields, "action": "save"})
    assert response.status_code == 303
    with site.app_context():
        assert before.value_of(db.session.get(Facility, place_id))["method"] == "on-site"


def test_a_verification_without_saying_whether_the_feature_is_there_is_refused(site):
    with site.app_context():
        place_id = db.session.scalar(select(Facility.id).where(Facility.slug == "rukang-hantun"))
    client = signed_in(site, "publisher")
    url = f"/staff/facilities/{place_id}"
    fields = form_fields(client.get(url).data, "edit-form")
    response = client.post(url, data={**fields, "feature_lift.method": "phone", "action": "save"})
    assert response.status_code == 400
    assert "有”还是“没有" in parse(response.data).find(id="field-feature_lift-error").text
    # What was chosen is still chosen.
    assert form_fields(response.data, "edit-form")["feature_lift.method"] == ["phone"]


def place_form(site):
    """A publisher's client, the edit form's address of a place and what the form sends."""
    with site.app_context():
        place_id = db.session.scalar(select(Facility.id).where(Facility.slug == "rukang-hantun"))
    client = signed_in(site, "publisher")
    url = f"/staff/facilities/{place_id}"
    return client, url, form_fields(client.get(url).data, "edit-form")


def entrance_visit(part: str, value: str) -> dict:
    """The step-free entrance's controls after an on-site visit, with one part as given."""
    control = "feature_step_free_entrance."
    visit = {"available": "是", "method": "on-site", "verified_on": "2026-11-24", part: value}
    return {control + key: text for key, text in visit.items()}


@pytest.mark.parametrize(
    "part, value, message",
    [
        ("steps", "三", "“台阶数”要填 0 到 99999 之间的整数"),
        ("steps", "+3", "“台阶数”要填 0 到 99999 之间的整数"),
        ("door_width_cm", "-5", "“门宽（厘米）”要填 0 到 99999 之间的整数"),
        ("door_width_cm", "100000", "“门宽（厘米）”要填 0 到 99999 之间的整数"),
        ("verified_on", "11月24日", "核实日期的格式是 年-月-日"),
        ("ramp", "maybe", "请从列出的选项中选择“坡道”"),
        ("method", "guess", "请从列出的核实方式中选择"),
    ],
)
def test_a_wrong_control_of_a_feature_is_named_at_that_control(site, part, value, message):
    client, url, fields = place_form(site)
    response = client.post(url, data={**fields, **entrance_visit(part, value), "action": "save"})
    assert response.status_code == 400
    doc = parse(response.data)
    control = f"field-feature_step_free_entrance-{part}"
    link = error_summary(response.data).find("a", href=f"#{control}")
    assert link is not None and message in link.text
    assert "=" not in link.text and "verified_by" not in link.text  # the form's words
    assert message in doc.find(id=f"{control}-error").text
    assert f"{control}-error" in doc.find(id=control)["aria-describedby"].split()
    # What was typed is still there.
    assert form_fields(response.data, "edit-form")[f"feature_step_free_entrance.{part}"] == [value]


def test_a_count_typed_in_full_width_digits_is_kept_as_the_number(site):
    client, url, fields = place_form(site)
    visit = entrance_visit("steps", "１２")
    response = answered(client, client.post(url, data={**fields, **visit, "action": "save"}))
    assert response.status_code == 303
    with site.app_context():
        place = db.session.scalar(select(Facility).where(Facility.slug == "rukang-hantun"))
        assert place.accessibility["step_free_entrance"]["steps"] == 12


def test_a_method_without_a_date_asks_for_the_date(site):
    client, url, fields = place_form(site)
    visit = {
        "feature_lift.available": "是",
        "feature_lift.method": "phone",
        "feature_lift.verified_on": "",
    }
    response = client.post(url, data={**fields, **visit, "action": "save"})
    assert response.status_code == 400
    link = error_summary(response.data).find("a", href="#field-feature_lift-verified_on")
    assert link is not None and "核实日期" in link.text


def test_a_verification_visit_saved_in_the_edit_form_is_in_the_revision_diff(site, clock):
    clock(at(WEDNESDAY, "10:00"))
    with site.app_context():
        place = db.session.scalar(select(Facility).where(Facility.slug == "rukang-hantun"))
        place_id = place.id
    client = signed_in(site, "publisher")
    url = f"/staff/facilities/{place_id}"
    fields = form_fields(client.get(url).data, "edit-form")
    # Feature by feature, in the controls of each: whether it is there, how, when and by
    # whom it was verified, and what was measured.
    visit = {
        "feature_lift.available": "否",
        "feature_lift.method": "on-site",
        "feature_lift.verified_on": "2026-11-24",
        "feature_lift.verified_by": "区残联",
        "feature_step_free_entrance.available": "是",
        "feature_step_free_entrance.steps": "0",
        "feature_step_free_entrance.ramp": "是",
        "feature_step_free_entrance.door_width_cm": "95",
        "feature_step_free_entrance.method": "on-site",
        "feature_step_free_entrance.verified_on": "2026-11-24",
        "feature_step_free_entrance.verified_by": "区残联",
        "public_holidays": "closed",
        "hours_verified_method": "phone",
        "hours_verified_on": "2026-11-24",
        "hours_verified_by": "区残联",
        "closures": "2026-12-28 至 2026-12-31 设备检修",
    }
    assert set(visit) <= set(fields)  # every one is a control of the form
    response = client.post(
        url,
        data={
            **fields,
            **{k: [v] for k, v in visit.items()},
            "action": "publish",
            "confirm": "yes",
        },
    )
    assert response.status_code == 303, parse(response.data).find("main").text[:800]

    with site.app_context():
        saved = db.session.get(Facility, place_id)
        assert saved.accessibility["lift"] == {
            "available": False, "method": "on-site", "verified_on": "2026-11-24",
            "verified_by": "区残联",
        }  # fmt: skip
        visited = saved.accessibility["step_free_entrance"]
        assert {key: visited[key] for key in ("steps", "ramp", "door_width_cm", "method")} == {
            "steps": 0, "ramp": True, "door_width_cm": 95, "method": "on-site",
        }  # fmt: skip
        assert (saved.hours_verified_method, saved.hours_verified_by) == ("phone", "区残联")
        revisions = list(
            db.session.scalars(
                select(Revision)
                .where(Revision.kind == "facilities", Revision.item_id == place_id)
                .order_by(Revision.id)
            )
        )
        first = revisions[0]
        assert revisions[-1].data["hours_verified_on"] == "2026-11-24"

    diff = parse(client.get(f"{url}/revisions/{first.id}").data)
    changed = [section.find("h2").text for section in diff.find_all("section", class_="diff")]
    assert {
        "无台阶入口",
        "电梯",
        "法定节假日",
        "暂停开放的日子",
        "开放时间的核实方式",
        "开放时间的核实日期",
        "开放时间的核实人",
    } <= set(changed)
    assert "核实方式：实地测量" in diff.find(id="diff-feature_lift").parent.text
    assert "2026-12-28 至 2026-12-31 设备检修" in diff.find(id="diff-closures").parent.text

    # The page now judges its hours, and says how the lift was verified.
    main = main_of(site.test_client(), "/facilities/rukang-hantun")
    assert main.find(class_="open-status").text == "现在开放"
    assert verification_of(main, "电梯") == "2026年11月24日实地测量，区残联"


# --- A detail in English: when a place offers sign language ---------------------------------

BOPING = "rukang-boping"
WEDNESDAYS = "每周三上午，需提前一天预约"
WEDNESDAYS_EN = "Wednesday mornings, book one day ahead"


def under(main, feature: str) -> list:
    """The elements between a feature's heading and the next."""
    title = heading(main, feature)
    siblings = [child for child in title.parent.children if not isinstance(child, str)]
    after = siblings[siblings.index(title) + 1 :]
    end = next((i for i, e in enumerate(after) if e.tag == "h3"), len(after))
    return after[:end]


def sign_language_lines(client, path: str, feature: str) -> list:
    """The details (<li>) and the note (<p> not the verification) shown under sign language."""
    elements = under(main_of(client, path), feature)
    details = [li for e in elements if e.tag == "ul" for li in e.find_all("li")]
    notes = [e for e in elements if e.tag == "p" and "verified" not in e.classes]
    return details + notes[1:]  # the first says whether it is there


def marked_chinese(line) -> str | None:
    """The text of a line marked lang="zh-CN": the whole line, or a span in it."""
    if line.get("lang") == "zh-CN":
        return line.text
    span = line.find("span", lang="zh-CN")
    return span.text if span else None


def test_the_english_page_gives_sign_languages_hours_in_english(client):
    (hours,) = sign_language_lines(client, f"/en/facilities/{BOPING}", "Sign language service")
    assert hours.text == f"Hours: {WEDNESDAYS_EN}"
    assert marked_chinese(hours) is None
    (hours,) = sign_language_lines(client, f"/facilities/{BOPING}", "手语服务")
    assert hours.text == f"服务时间：{WEDNESDAYS}"  # the English is no line of its own


@pytest.mark.parametrize(
    "measured, english, chinese",
    [
        # (what the English page shows, the text of it marked as Chinese for screen readers)
        # Without its English, the Chinese is shown, marked.
        (
            {"when": WEDNESDAYS, "note": "请在前台登记"},
            [("Hours: " + WEDNESDAYS, WEDNESDAYS), ("请在前台登记", "请在前台登记")],
            [f"服务时间：{WEDNESDAYS}", "请在前台登记"],
        ),
        (
            {"when": WEDNESDAYS, "when_en": WEDNESDAYS_EN, "note": "请在前台登记",
             "note_en": "Ask at the front desk"},
            [("Hours: " + WEDNESDAYS_EN, None), ("Ask at the front desk", None)],
            [f"服务时间：{WEDNESDAYS}", "请在前台登记"],
        ),
        # An English text alone is shown on the English site only, as a note's is.
        ({"when_en": WEDNESDAYS_EN}, [("Hours: " + WEDNESDAYS_EN, None)], []),
    ],
    ids=["chinese-only", "both", "english-only"],
)  # fmt: skip
def test_a_detail_and_a_note_fall_back_to_the_chinese_marked_as_chinese(
    site, measured, english, chinese
):
    with site.app_context():
        place = db.session.scalar(select(Facility).where(Facility.slug == BOPING))
        place.accessibility = {
            **place.accessibility,
            "sign_language": {"available": True, **measured},
        }
        db.session.commit()
    client = site.test_client()
    shown = sign_language_lines(client, f"/en/facilities/{BOPING}", "Sign language service")
    assert [(line.text, marked_chinese(line)) for line in shown] == english
    shown = sign_language_lines(client, f"/facilities/{BOPING}", "手语服务")
    assert [line.text for line in shown] == chinese


def boping_form(site, prefix: str = ""):
    """A publisher's client, the edit form's address of rukang-boping and what it sends."""
    with site.app_context():
        place_id = db.session.scalar(select(Facility.id).where(Facility.slug == BOPING))
    client = signed_in(site, "publisher")
    url = f"{prefix}/staff/facilities/{place_id}"
    return client, url, client.get(url).data


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_edit_form_has_a_control_for_the_hours_in_english_marked_english(site, prefix):
    _client, _url, page = boping_form(site, prefix)
    fields = form_fields(page, "edit-form")
    assert fields["feature_sign_language.when"] == [WEDNESDAYS]
    assert fields["feature_sign_language.when_en"] == [WEDNESDAYS_EN]
    doc = parse(page)
    assert doc.find(id="field-feature_sign_language-when_en")["lang"] == "en"
    assert doc.find(id="field-feature_sign_language-when").get("lang") == (
        "zh-CN" if prefix else None
    )
    label = doc.find("label", for_="field-feature_sign_language-when_en").text.strip()
    assert label == ("Hours (in English, optional)" if prefix else "服务时间（英文，可不填）")


def test_the_hours_in_english_saved_in_the_edit_form_are_kept_and_in_the_revision_diff(site):
    client, url, page = boping_form(site)
    fields = form_fields(page, "edit-form")
    fields["feature_sign_language.when_en"] = ["Wednesday mornings, by appointment"]
    response = answered(client, client.post(url, data={**fields, "action": "save"}))
    assert response.status_code == 303
    with site.app_context():
        place = db.session.scalar(select(Facility).where(Facility.slug == BOPING))
        assert place.accessibility["sign_language"] == {
            "available": True, "when": WEDNESDAYS, "when_en": "Wednesday mornings, by appointment",
        }  # fmt: skip
        first = db.session.scalars(
            select(Revision)
            .where(Revision.kind == "facilities", Revision.item_id == place.id)
            .order_by(Revision.id)
        ).first()
    diff = client.get(f"{url}/revisions/{first.id}")
    text = parse(diff.data).find(id="diff-feature_sign_language").parent.text
    # The part by its name in the form's words, the words changed marked.
    assert "服务时间（英文，可不填）：Wednesday mornings," in text
    assert "新增：appointment" in text


def sign_language_cell(rows: list[list[str]], slug: str) -> str:
    """The sign-language cell of a place's row in an exported spreadsheet."""
    keys = [heading.split()[-1] for heading in rows[0]]
    row = next(row for row in rows[1:] if row[keys.index("slug")] == slug)
    return row[keys.index("sign_language")]


def test_the_spreadsheet_carries_the_hours_in_english_in_the_features_column(site):
    with site.test_request_context():
        body, _mimetype, _filename = files.export("facilities", "csv")
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        # No column of its own: a detail, in the feature's cell, as a note's English is.
        assert not any(heading.endswith("when_en") for heading in rows[0])
        cell = sign_language_cell(rows, BOPING)
        assert cell == f"是; when={WEDNESDAYS}; when_en={WEDNESDAYS_EN}"
        keys = [heading.split()[-1] for heading in rows[0]]
        row = next(row for row in rows[1:] if row[keys.index("slug")] == BOPING)
        row[keys.index("sign_language")] = f"是; when={WEDNESDAYS}; when_en=Wednesdays, 9 to 11"
        out = io.StringIO()
        csv.writer(out).writerows([rows[0], row])
        plan = importing.read("facilities", "facilities.csv", out.getvalue().encode())
    assert plan.valid, plan.errors
    (change,) = plan.changes
    assert change.fields == ["accessibility"]
    assert change.after["accessibility"]["sign_language"]["when_en"] == "Wednesdays, 9 to 11"


@pytest.mark.parametrize(
    "cell, measured",
    [
        # As a spreadsheet downloaded before the English was asked for writes it.
        (f"是; when={WEDNESDAYS}", {"available": True, "when": WEDNESDAYS}),
        (
            f"是；when＝{WEDNESDAYS}；when_en＝Wednesdays; by appointment",
            {"available": True, "when": WEDNESDAYS, "when_en": "Wednesdays; by appointment"},
        ),
    ],
    ids=["without-english", "full-width-and-a-semicolon-in-the-english"],
)
def test_a_sign_language_cell_reads_with_or_without_its_english(cell, measured):
    assert columns.feature_reader(features.BY_CODE["sign_language"])(cell) == measured


def test_the_hours_in_english_must_be_text_in_the_content_files(site, demo_place):
    broken = {
        **demo_place,
        "accessibility": {"sign_language": {"available": True, "when_en": ["Wednesdays"]}},
    }
    with site.app_context():
        with pytest.raises(ContentError, match="accessibility.sign_language.when_en"):
            load_records({"facilities": [broken]}, kinds=(FACILITIES,))
        db.session.rollback()


def test_every_demo_place_giving_sign_language_hours_gives_them_in_english_too():
    path = Path(__file__).resolve().parent.parent / "content" / "demo" / "facilities.yaml"
    places = read_yaml(path)["facilities"]
    given = [
        p["accessibility"]["sign_language"]
        for p in places
        if "sign_language" in p.get("accessibility", {})
    ]
    assert given and all(bool(s.get("when")) == bool(s.get("when_en")) for s in given)
