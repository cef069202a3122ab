"""The plan's kinds, declared once (see kinds.py). Content files hold them; staff edit only
the indicators' current values."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

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
from .progress import number


def _searched_body() -> tuple[Field, Field]:
    """The plan's text of an item that search indexes, and its English twin `body_en`,
    only ever loaded from files."""
    return translated(Field("body", "body", "data", edit=False, table=False, search=True))


def indicator_problems(record: dict) -> list[Problem]:
    """An indicator's latest value is a figure the indicator pages draw as a bar and read
    out with the indicator's unit (progress.number): a number, with >, ≥, < or ≤ before it
    as the plan writes some; "98%（约）" would be shown as typed, its unit twice."""
    value = record.get("current_value")
    if value and number(value) is None:
        message = _(
            "“当前值”只填数字，例如 86.5，需要时在数字前加 >、≥、< 或 ≤（例如 >90）。"
            "单位不用写，也不要写“约”之类的字。"
        )
        return [Problem("current_value", message)]
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
