"""The facility and township kinds, declared once (see kinds.py)."""

from dataclasses import replace

from flask_babel import lazy_gettext as _l

from .. import opening_hours
from ..kinds import (
    HOURS,
    HOURS_NOTE,
    NAME,
    POSITION,
    SAMPLE,
    SLUG_FIELD,
    Field,
    Kind,
    choices,
    slugs,
    stored,
    translated,
)
from ..services.models import Service
from . import features, validation
from .models import Facility, Township

TOWNSHIPS = Kind(
    "townships",
    Township,
    _l("乡镇（街道）"),
    (*stored("name", "name_en", "kind", "latitude", "longitude"), POSITION),
    title_field="name",
)


# A place's own closures, and their English twin, which holds only the reasons, one a line in
# the order of the Chinese lines (`opening_hours.closure_notes_en`): the dates are the
# Chinese lines' own, never typed twice.
_CLOSURES, _CLOSURES_EN = translated(
    Field(
        "closures",
        _l("暂停开放的日子"),
        "textarea",
        max_length=3000,
        hint=_l(
            "每行一段：开始日期 至 结束日期 原因，例如 2026-12-01 至 2026-12-31 装修暂停开放。"
            "只有一天就只写一个日期。还不知道哪天恢复开放的，不写结束日期，在“起”后面空一格，"
            "例如 2026-12-01 起 无限期暂停开放。日期最晚写到%(years)s年以后。",
            years=opening_hours.CLOSURE_YEARS,
        ),
        description=_l(
            "暂停开放的日子，每行一段：开始日期 至 结束日期 原因；英文（closures_en）只有原因，"
            "每行一个，和中文一行对一行，- 表示这一行的原因只有中文"
        ),
    )
)
CLOSURES = (
    _CLOSURES,
    replace(
        _CLOSURES_EN,
        label=_l("暂停开放的原因（英文，可不填）"),
        max_length=6000,
        hint=_l(
            "只写原因，每行一个，和上面暂停开放的日子一行对一行、顺序相同，"
            "例如 Closed for renovation。还没有英文的那一行写一个 -。"
            "不填时，英文页面写出日期，并说明原因只有中文。"
        ),
    ),
)


def _coordinate(name: str, label: object, example: str, description: object) -> Field:
    """A coordinate, whose example its hint and the errors of a wrong number quote."""
    return Field(
        name,
        label,
        "number",
        example=example,
        hint=_l("例如 %(example)s，不知道就不填。", example=example),
        description=description,
    )


FEATURE_FIELDS = tuple(
    Field(
        f"feature_{f.code}",
        f.name,
        "feature",
        feature=f.code,
        load=False,  # files hold them together, as `accessibility`
        # The editor shows its parts as controls (staff/_field.html, feature_visit).
    )
    for f in features.FEATURES
)

FACILITIES = Kind(
    "facilities",
    Facility,
    _l("无障碍场所"),
    (
        SLUG_FIELD,
        *translated(NAME),
        Field(
            "type",
            _l("类型"),
            "select",
            required=True,
            choices=choices(features.TYPES),
            description=_l("场所类型的代码"),
        ),
        Field(
            "township",
            _l("所在镇街"),
            "select",
            required=True,
            choices=slugs(Township),
            relation=(Township, "slug"),
            description=_l("所在乡镇（街道）的标识"),
        ),
        SAMPLE,
        *translated(Field("summary", _l("简介"), "textarea", required=True, search=True)),
        *translated(
            Field(
                "address",
                _l("地址"),
                max_length=300,
                search=True,
                description=_l("地址；空表示尚未公布"),
            )
        ),
        _coordinate("latitude", _l("纬度"), "36.58", _l("纬度（WGS84）")),
        _coordinate("longitude", _l("经度"), "116.25", _l("经度（WGS84）")),
        # A place's hours are saved stricter than a contact line's (validation.hours_problems:
        # no period past midnight), and staff type them in Chinese as often as not.
        replace(
            HOURS,
            hint=_l(
                "例如 周一至周五 08:30-11:30，13:30-17:00；周六 09:00-12:00，"
                "也可以写 mon-fri 08:30-11:30。几段时间之间用分号隔开；全天开放写 00:00-24:00。"
                "保存后会统一写成 mon,tue,wed,thu,fri 08:30-11:30 这样。不填表示未公布。"
            ),
        ),
        *translated(HOURS_NOTE),
        Field(
            "public_holidays",
            _l("法定节假日"),
            "select",
            choices=choices(opening_hours.HOLIDAY_RULES),
            hint=_l("不填表示没有说明：节假日和调休的日子，页面上说开放时间未确认。"),
            description=_l("怎样过法定节假日和调休；空表示没有说明"),
        ),
        *CLOSURES,
        Field(
            "hours_verified_method",
            _l("开放时间的核实方式"),
            "select",
            choices=choices(features.HOURS_METHODS),
            hint=_l("开放时间核实过，页面才会说“现在开放”或“现在休息”。"),
            description=_l("开放时间的核实方式；空表示未核实"),
        ),
        Field(
            "hours_verified_on",
            _l("开放时间的核实日期"),
            "date",
            hint=_l("格式：2026-06-30"),
            description=_l("开放时间的核实日期"),
        ),
        Field(
            "hours_verified_by",
            _l("开放时间的核实人"),
            max_length=100,
            hint=_l("单位或职务，例如 区残联。"),
            description=_l("开放时间的核实人（单位或职务）"),
        ),
        Field("phone", _l("电话"), max_length=40, description=_l("电话；空表示尚未公布")),
        Field("sms", _l("短信号码"), max_length=40, description=_l("短信号码；空表示尚未公布")),
        *translated(
            Field("transport", _l("怎么去（公交等）"), "textarea", description=_l("公共交通"))
        ),
        Field(
            "services",
            _l("在这里可以办的服务"),
            "multi",
            choices=slugs(Service, "title"),
            relation=(Service, "slug"),
            description=_l("在这里可以办的服务的标识"),
        ),
        *FEATURE_FIELDS,
        Field(
            "accessibility",
            _l("无障碍设施"),
            "data",
            edit=False,
            table=False,
            description=_l(
                "无障碍设施：每项有 available（true 有，false 没有；缺少这一项表示未核实），"
                "以及测量细节、method（核实方式：on-site 实地测量，phone 电话核实，"
                "self-reported 单位自报）、verified_on（核实日期）和 verified_by（核实人）。"
                "CSV 中每项一列"
            ),
        ),
        POSITION,
    ),
    title_field="name",
    public_endpoint="facilities.detail",
    rules=validation.problems,
    authoring=("name", "summary", ()),
    order=(Facility.position,),
)
