"""The plan's kinds, declared once (see kinds.py). Content files hold them; staff edit only
the indicators' current values."""

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import opening_hours
from ..kinds import POSITION, Field, Kind, Problem, choices, stored, translated
from .models import (
    INDICATOR_ATTRIBUTES,
    Box,
    Department,
    Indicator,
    Measure,
    PlanPart,
    PlanSection,
    Project,
)
from .progress import FIGURE


def _searched_body() -> tuple[Field, Field]:
    """The plan's text of an item that search indexes, and its English twin `body_en`,
    only ever loaded from files."""
    return translated(Field("body", "body", "data", edit=False, table=False, search=True))


# The earliest statistics date a latest value may carry: the plan's own figures are as of
# 2020 (专栏1's "2020年" column, the baseline of the 2021–2025 plan), the earliest date they
# carry. A latest value dated before its own baseline is a slip (0001-01-01, a spreadsheet's
# zero), not news to publish.
EARLIEST_STATISTICS = date(2020, 1, 1)
# The most digits a latest value has before and after its point. Every count of 专栏1 (people
# trained, homes adapted) is of the district's own disabled residents, far below ten million;
# a longer figure is a slip of the keyboard that residents would read as the official one
# (the column holds 32 characters, so it would have been saved). Two decimal places are
# finer than any figure the plan prints (whole numbers).
MOST_DIGITS, MOST_DECIMALS = 7, 2
# A minus sign as typed: ASCII, the typographic one, the full-width one.
NEGATIVE = re.compile(r"^\s*[-−－]\s*[0-9]")
PERCENT = "%"


def indicator_problems(record: dict) -> list[Problem]:
    """What is wrong with an indicator's latest value and its statistics date, by field.

    The value is a figure the indicator pages draw as a bar and read out with the
    indicator's unit (progress.number): a number, with >, ≥, < or ≤ before it as the plan
    writes some ("98%（约）" would be shown as typed, its unit twice); never negative, no
    longer than MOST_DIGITS, and for a rate (unit "%": every one of 专栏1's is a share or a
    coverage) at most 100. The date lies between EARLIEST_STATISTICS and today in Chiping.
    Each field is judged alone (with the plan's unit), so a form that refused the other
    field still has this one's problem listed (forms.read_form)."""
    return _value_problems(record.get("current_value"), record.get("unit")) + _date_problems(
        record.get("current_date")
    )


def _value_problems(value: object, unit: object) -> list[Problem]:
    """The rules of a latest value in the indicator's `unit` (see indicator_problems)."""
    if not value or not isinstance(value, str):
        return []
    if NEGATIVE.match(value):
        return [Problem("current_value", _("“当前值”不能是负数。"))]
    match = FIGURE.match(value)
    if match is None:
        message = _(
            "“当前值”只填数字，例如 86.5，需要时在数字前加 >、≥、< 或 ≤（例如 >90）。"
            "单位不用写，也不要写“约”之类的字。"
        )
        return [Problem("current_value", message)]
    sign, figure = match.groups()
    whole, _point, decimals = figure.partition(".")
    if len(whole) > MOST_DIGITS or len(decimals) > MOST_DECIMALS:
        message = _(
            "“当前值”的数字太长了：小数点前最多 %(digits)d 位，小数点后最多 %(decimals)d 位。"
            "请核对统计报表上的数字。",
            digits=MOST_DIGITS,
            decimals=MOST_DECIMALS,
        )
        return [Problem("current_value", message)]
    # "高于100%" is as impossible as 101%.
    if unit == PERCENT and (float(figure) > 100 or (float(figure) == 100 and sign in (">", "＞"))):
        message = _(
            "这个指标的单位是 %%，“当前值”要在 0 到 100 之间（%(value)s 不可能）。"
            "只填百分数的数字，例如 86.5。",
            value=value,
        )
        return [Problem("current_value", message)]
    return []


def _date_problems(value: object) -> list[Problem]:
    """The rules of a latest value's statistics date, an ISO date (the form's date field has
    read it): not after today in Chiping, not before EARLIEST_STATISTICS."""
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return []  # the field's own rule says so
    if day is None:
        return []
    today = opening_hours.local_now().date()
    if day > today:
        message = _(
            "统计日期 %(day)s 还没有到。请填写这个数字实际统计到的那一天，"
            "最晚是今天（%(today)s）。",
            day=day.isoformat(),
            today=today.isoformat(),
        )
        return [Problem("current_date", message)]
    if day < EARLIEST_STATISTICS:
        message = _(
            "统计日期 %(day)s 太早了：不能早于 %(earliest)s（规划的数字是 2020 年的，"
            "最新的值不会比它们更早）。请核对统计报表上的日期。",
            day=day.isoformat(),
            earliest=EARLIEST_STATISTICS.isoformat(),
        )
        return [Problem("current_date", message)]
    return []


def _parent(name: str, model: type, key: str = "slug") -> Field:
    """A link to the item this one belongs to, only ever loaded from files."""
    return Field(name, name, "select", relation=(model, key), edit=False, table=False)


DEPARTMENTS = Kind(
    "departments",
    Department,
    _l("部门"),
    (*stored("name", "full_name", "name_en"), POSITION),
    title_field="name",
)
PARTS = Kind(
    "parts",
    PlanPart,
    _l("规划的部分"),
    (*stored("number", "title", "title_en", "body", "body_en"), POSITION),
)
SECTIONS = Kind(
    "sections",
    PlanSection,
    _l("规划的章节"),
    (
        *stored("number", "title", "title_en"),
        *_searched_body(),
        POSITION,
        _parent("part", PlanPart),
    ),
    roles=True,
)
MEASURES = Kind(
    "measures",
    Measure,
    _l("措施"),
    (
        *stored("number", "title", "title_en"),
        *_searched_body(),
        _parent("section", PlanSection),
    ),
    roles=True,
)
BOXES = Kind(
    "boxes",
    Box,
    _l("专栏"),
    (*stored("title", "title_en", "after_measure"), _parent("section", PlanSection)),
    key="number",
)
INDICATORS = Kind(
    "indicators",
    Indicator,
    _l("主要指标当前值"),
    (
        Field("name", _l("指标"), edit=False, description=_l("指标的名称（规划原文）")),
        Field("unit", _l("单位"), edit=False, description=_l("单位（规划原文）")),
        *stored("name_en", "unit_en"),
        Field(
            "value_2020", _l("2020年"), edit=False, description=_l("2020年的值；空表示规划没有给出")
        ),
        Field("target_2025", _l("2025年目标"), edit=False, description=_l("2025年的目标值")),
        Field(
            "attribute",
            _l("指标属性"),
            "select",
            edit=False,
            choices=choices(INDICATOR_ATTRIBUTES),
            description=_l("指标属性的代码"),
        ),
        _parent("box", Box, "number"),
        Field(
            "current_value",
            _l("当前值"),
            required=True,
            max_length=32,
            # A bare figure in the indicator's own unit, which the form shows read-only above
            # the field with the plan's figures (staff/_indicator_plan.html), never typed here.
            # (A lazy hint is written into the page as it is: no "<" in it.)
            hint=_l(
                "只填数字，例如 86.5；需要时在数字前加 >、≥ 或 ≤ 等符号，例如 >90。不要写单位和"
                "“约”之类的字：单位就是规划里这个指标的单位，公开的指标页面写在指标名称后面。"
            ),
            load=False,
            description=_l("最新的值；空表示区残联尚未公布"),
        ),
        Field(
            "current_date",
            _l("统计日期"),
            "date",
            required=True,
            hint=_l("格式：2026-06-30"),
            load=False,
            description=_l("最新的值的统计日期"),
        ),
        Field(
            "current_source",
            _l("数据来源"),
            required=True,
            max_length=300,
            hint=_l("例如：区残联 2026 年上半年统计报表"),
            load=False,
            description=_l("最新的值从哪里来"),
        ),
    ),
    key="number",
    title_field="name",
    rules=indicator_problems,
    public_endpoint="plan.indicators",
    can_create=False,
    has_status=False,
    order=(Indicator.number,),
)
PROJECTS = Kind(
    "projects",
    Project,
    _l("重点项目"),
    (
        *stored("title", "title_en"),
        *_searched_body(),
        POSITION,
        _parent("box", Box, "number"),
    ),
)
