"""The latest value of an indicator, as staff enter it: a figure the indicator pages can
draw and read out with the indicator's unit, and a form that says what to write."""

import pytest
from barrierfree.plan.spec import INDICATORS
from barrierfree.staff.editing import forms
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
