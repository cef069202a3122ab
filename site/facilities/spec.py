"""The facility and township kinds, declared once (see kinds.py)."""

from flask_babel import lazy_gettext as _l

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

FEATURE_FIELDS = tuple(
    Field(
        f"feature_{f.code}",
        f.name,
        "feature",
        feature=f.code,
        load=False,  # files hold them together, as `accessibility`
        hint=_l(
            "空着表示未核实。先写“是”或“否”，需要时加“; 说明=值”，"
            "例如：是; verified_on=2026-10-09; verified_by=区残联。可以加的说明：%(keys)s。",
            keys=", ".join(features.detail_keys(f)),
        ),
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
        Field(
            "latitude",
            _l("纬度"),
            "number",
            hint=_l("例如 36.58，不知道就不填。"),
            description=_l("纬度（WGS84）"),
        ),
        Field(
            "longitude",
            _l("经度"),
            "number",
            hint=_l("例如 116.25，不知道就不填。"),
            description=_l("经度（WGS84）"),
        ),
        HOURS,
        *translated(HOURS_NOTE),
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
                "以及测量细节、verified_on（核实日期）和 verified_by（核实人）。CSV 中每项一列"
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
