"""The latest value of an indicator, as staff enter it: a figure the indicator pages can
draw and read out with the indicator's unit, and a form that says what to write."""

from datetime import datetime

import pytest
from barrierfree import opening_hours
from barrierfree.content import files
from barrierfree.plan.spec import EARLIEST_STATISTICS, INDICATORS, indicator_problems
from barrierfree.staff.editing import forms
from conftest import CJK, PROJECT_ROOT
from werkzeug.datastructures import MultiDict

pytestmark = pytest.mark.no_database

RECORD = {"current_date": "2026-06-30", "current_source": "区残联 2026 年上半年统计报表"}


def posted(value: str) -> MultiDict:
    """The indicator form as posted with `value` as the latest value."""
    return MultiDict({**RECORD, "current_value": value})


@pytest.mark.parametrize("value", ["86.5", "95", ">90", "≥ 98", "＜5"])
def test_a_figure_the_pages_draw_is_accepted(i18n_app, value):
    with i18n_app.test_request_context():
        _text, parsed = forms.read_form(INDICATORS, posted(value))
    assert parsed["_errors"] == {} and parsed["_values"]["current_value"] == value


@pytest.mark.parametrize("value", ["98%（约）", "约98", "98%", "九十八", "86.5人"])
def test_a_value_with_a_unit_or_words_is_refused_beside_the_field(i18n_app, value):
    with i18n_app.test_request_context():
        _text, parsed = forms.read_form(INDICATORS, posted(value))
    assert list(parsed["_errors"]) == ["current_value"]
    assert "单位不用写" in parsed["_errors"]["current_value"]


def test_the_hint_does_not_point_at_a_unit_the_form_does_not_show(i18n_app):
    field = next(f for f in INDICATORS.form_fields if f.name == "current_value")
    with i18n_app.test_request_context():
        hint = str(field.hint)
    assert "上方" not in hint and "不要写单位" in hint


# --- What a latest value and its date may be ----------------------------------------------

TODAY = datetime(2026, 12, 6, 10, 0)  # the site's clock in these tests, Chiping time


@pytest.fixture
def clock(monkeypatch):
    """The site's clock stands at TODAY."""
    monkeypatch.setattr(opening_hours, "local_now", lambda: TODAY)


def problems(i18n_app, **record) -> dict[str, str]:
    """The indicator rules' problems with a record, by field (Chinese)."""
    with i18n_app.test_request_context():
        return {p.field: p.message for p in indicator_problems(record)}


@pytest.mark.parametrize("value", ["0", "100", "≥100", "99.95", "<5"])
def test_a_rate_between_0_and_100_is_accepted(i18n_app, value):
    assert problems(i18n_app, unit="%", current_value=value) == {}


@pytest.mark.parametrize("value", ["250", "100.5", ">100", "＞100"])
def test_a_rate_above_100_is_refused(i18n_app, value):
    found = problems(i18n_app, unit="%", current_value=value)
    assert list(found) == ["current_value"]
    assert "0 到 100 之间" in found["current_value"] and value in found["current_value"]


def test_a_count_above_100_is_accepted(i18n_app):
    assert problems(i18n_app, unit="户", current_value="250") == {}


@pytest.mark.parametrize("unit", ["%", "户", "人/次"])
@pytest.mark.parametrize("value", ["-5", "−5", "－ 0.5"])
def test_a_negative_value_is_refused_for_any_unit(i18n_app, unit, value):
    assert problems(i18n_app, unit=unit, current_value=value) == {
        "current_value": "“当前值”不能是负数。"
    }


@pytest.mark.parametrize("unit", ["%", "户"])
@pytest.mark.parametrize("value", ["99999999999999999999999999", "12345678", "86.555"])
def test_an_absurdly_long_number_is_refused(i18n_app, unit, value):
    found = problems(i18n_app, unit=unit, current_value=value)
    assert "数字太长了" in found["current_value"]


def test_the_longest_count_is_accepted(i18n_app):
    assert problems(i18n_app, unit="人/次", current_value="9999999.99") == {}


@pytest.mark.parametrize("day", ["2020-01-01", "2024-12-31", "2026-12-06"])
def test_a_date_from_the_plans_baseline_to_today_is_accepted(i18n_app, clock, day):
    assert problems(i18n_app, current_date=day) == {}


@pytest.mark.parametrize("day", ["2026-12-07", "2030-12-31", "9999-12-31"])
def test_a_date_after_today_in_chiping_is_refused(i18n_app, clock, day):
    found = problems(i18n_app, current_date=day)
    assert found["current_date"].startswith(f"统计日期 {day} 还没有到")
    assert "2026-12-06" in found["current_date"]


@pytest.mark.parametrize("day", ["2019-12-31", "0001-01-01"])
def test_a_date_before_the_plans_baseline_is_refused(i18n_app, clock, day):
    found = problems(i18n_app, current_date=day)
    assert found["current_date"].startswith(f"统计日期 {day} 太早了")
    assert EARLIEST_STATISTICS.isoformat() in found["current_date"]


def test_the_messages_are_in_english_on_english_pages(i18n_app, clock):
    with i18n_app.test_request_context(environ_overrides={"barrierfree.locale": "en"}):
        found = {
            p.field: p.message
            for p in indicator_problems(
                {"unit": "%", "current_value": "250", "current_date": "2030-12-31"}
            )
        }
    assert found["current_value"].startswith("This indicator's unit is %, so")
    assert found["current_date"].startswith("The date of the figure, 2030-12-31, has not come")
    assert not any(CJK.search(message) for message in found.values())


def test_every_problem_of_the_form_is_listed_at_once(i18n_app, clock):
    """A value the rules refuse is listed with the fields the form itself refuses, not on a
    second submit once those are mended."""
    form = MultiDict({"current_value": "abc", "current_date": "x", "current_source": ""})
    with i18n_app.test_request_context():
        _text, parsed = forms.read_form(INDICATORS, form)
    assert set(parsed["_errors"]) == {"current_value", "current_date", "current_source"}
    assert "单位不用写" in parsed["_errors"]["current_value"]
    assert "日期格式是 年-月-日" in parsed["_errors"]["current_date"]


def test_the_plans_indicators_pass_the_rules(i18n_app, clock):
    """Every indicator of content/ (with the demo pack) as the loader reads it, with no
    latest value (staff enter those), passes; so would its own 2025 target as its latest
    value, dated today."""
    indicators = files.read_all(PROJECT_ROOT / "content", demo=True)["indicators"]
    assert len(indicators) == 11
    with i18n_app.test_request_context():
        for record in indicators:
            assert INDICATORS.problems(record) == []
            reached = {"current_value": record["target_2025"], "current_date": "2026-12-06"}
            assert indicator_problems({**record, **reached}) == []
