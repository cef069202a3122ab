"""What staff can edit: each kind of item, its form fields, and how a field's value moves
between the database, a revision (JSON) and the form (text).

One table of kinds drives the editor, the revisions, the diff and the authoring checks. A
new field is one line here for the editor; the model, its migration, the loader, the
spreadsheets, the search documents and the templates each need it too (CONTRIBUTING.md
lists every place).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import opening_hours
from ..contacts import channels
from ..contacts.models import ContactChannel
from ..database import db
from ..facilities import features, validation
from ..facilities.models import Facility, Township
from ..pages.models import Page
from ..plan.models import Department, Indicator
from ..query_args import clean_text
from ..services.models import Category, Service
from ..updates import models as updates
from ..updates.models import Update
from . import spreadsheets

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,78}$")
# The longest text any field takes: far beyond a real notice, well short of a pasted file.
TEXT_LIMIT = 100_000
LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")


@dataclass(frozen=True)
class Field:
    """One form field. `type` is text, textarea, markdown, select, multi, checkbox, hours,
    number, date or slug; `relation` names (model, its slug column) for a select that sets
    a foreign key (the form and revisions hold the slug)."""

    name: str
    label: object
    type: str = "text"
    required: bool = False
    max_length: int | None = None
    choices: Callable[[], dict] | None = None
    hint: object = None
    lang: str | None = None
    relation: tuple | None = None
    feature: str | None = None  # type "feature": the accessibility feature's code

    @property
    def attribute(self) -> str:
        return f"{self.name}_id" if self.relation else self.name


@dataclass(frozen=True)
class Kind:
    """An editable kind of item."""

    name: str
    model: type
    label: object
    fields: tuple[Field, ...]
    title_field: str
    public_endpoint: str | None
    can_create: bool = True
    has_status: bool = True
    # The fields checked before publishing: (title, summary, [markdown fields...]).
    authoring: tuple[str, str, tuple[str, ...]] | None = None
    rules: Callable[[dict], list[tuple[str, str]]] | None = None
    order: tuple = field(default_factory=tuple)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _choices(mapping: dict) -> Callable[[], dict]:
    return lambda: {key: str(label) for key, label in mapping.items()}


def _slugs(model, label: str = "name") -> Callable[[], dict]:
    return lambda: {
        row.slug: getattr(row, label)
        for row in db.session.scalars(select(model).order_by(model.position))
    }


def _english(*fields: Field) -> tuple[Field, ...]:
    """The English versions of text fields: optional, marked lang="en"."""
    return tuple(
        Field(
            f"{f.name}_en",
            _l("%(label)s（英文，可不填）", label=f.label),
            f.type,
            max_length=f.max_length,
            lang="en",
        )
        for f in fields
    )


TITLE = Field("title", _l("标题"), required=True, max_length=200)
SUMMARY = Field(
    "summary", _l("摘要"), "textarea", required=True, hint=_l("一两句话，显示在列表和搜索结果里。")
)
BODY = Field(
    "body",
    _l("正文"),
    "markdown",
    hint=_l(
        "用 Markdown 书写：## 小标题，- 列表，[链接文字](地址)，![图片说明](图片地址)。"
        '纯装饰的图片写成 ![](图片地址 "装饰")。'
    ),
)
NAME = Field("name", _l("名称"), required=True, max_length=200)
SLUG_FIELD = Field(
    "slug",
    _l("网址名"),
    "slug",
    hint=_l("小写字母、数字和连字符，例如 2026-rehab-notice。发布后不再改变；不填则自动生成。"),
)
SAMPLE = Field("sample", _l("示例数据（页面上会标明“示例数据，以区残联公布为准”）"), "checkbox")
HOURS = Field(
    "hours",
    _l("开放时间"),
    "hours",
    hint=_l(
        "例如 mon,tue,wed,thu,fri 08:30-11:30; mon,tue,wed,thu,fri 13:30-17:00。不填表示未公布。"
    ),
)
HOURS_NOTE = Field("hours_note", _l("开放时间说明"), "textarea")


FEATURE_READERS = {f.code: spreadsheets.feature_reader(f) for f in features.FEATURES}
FEATURE_FIELDS = tuple(
    Field(
        f"feature_{f.code}",
        f.name,
        "feature",
        feature=f.code,
        hint=_l(
            "空着表示未核实。先写“是”或“否”，需要时加“; 说明=值”，"
            "例如：是; verified_on=2026-10-09; verified_by=区残联。可以加的说明：%(keys)s。",
            keys=", ".join(
                key for key in features.COMMON_KEYS | dict(f.details) if key != "available"
            ),
        ),
    )
    for f in features.FEATURES
)
SERVICES = Field(
    "services", _l("在这里可以办的服务"), "multi", choices=_slugs(Service, "title"),
    relation=(Service, "slug"),
)  # fmt: skip


def facility_rules(values: dict) -> list[tuple[str, str]]:
    """The facility rules of `validation`, as messages next to the fields they concern."""
    problems = []
    latitude, longitude = values.get("latitude"), values.get("longitude")
    if (latitude is None) != (longitude is None):
        problems.append(("latitude", _("纬度和经度要同时填写，或都不填。")))
    else:
        try:
            validation.check_location(latitude, longitude)
        except ValueError:
            problems.append(("latitude", _("这个位置不在茌平区内。请检查纬度和经度是否写反。")))
    if values.get("sample"):
        for name in ("phone", "sms", "address"):
            if values.get(name):
                problems.append(
                    (
                        name,
                        _(
                            "示例数据不能填写电话、短信号码或地址：请填写核实过的信息并取消“示例数据”。"
                        ),
                    )
                )
    return problems


def contact_rules(values: dict) -> list[tuple[str, str]]:
    """The contact rules of `contacts.validation`, next to the fields they concern."""
    if values.get("sample") and values.get("value"):
        return [("value", _("示例数据不能填写号码或地址：请填写核实过的号码并取消“示例数据”。"))]
    if (
        not values.get("sample")
        and not values.get("value")
        and values.get("channel") != "in-person"
    ):
        return [("value", _("请填写号码、账号或地址；还没有核实的，请勾选“示例数据”。"))]
    return []


KINDS = {
    kind.name: kind
    for kind in (
        Kind(
            "updates",
            Update,
            _l("通知公告和工作动态"),
            (
                SLUG_FIELD,
                Field(
                    "kind",
                    _l("类别"),
                    "select",
                    required=True,
                    choices=lambda: {updates.NOTICE: _("通知公告"), updates.NEWS: _("工作动态")},
                ),
                TITLE,
                SUMMARY,
                BODY,
                *_english(TITLE, SUMMARY, BODY),
            ),
            "title",
            "updates.detail",
            authoring=("title", "summary", ("body",)),
            order=(Update.updated_at.desc(),),
        ),
        Kind(
            "pages",
            Page,
            _l("静态页面"),
            (TITLE, SUMMARY, BODY, *_english(TITLE, SUMMARY, BODY)),
            "title",
            "pages.static",
            can_create=False,
            authoring=("title", "summary", ("body",)),
            order=(Page.slug,),
        ),
        Kind(
            "services",
            Service,
            _l("服务事项"),
            (
                SLUG_FIELD,
                Field(
                    "category",
                    _l("分类"),
                    "select",
                    required=True,
                    choices=_slugs(Category),
                    relation=(Category, "slug"),
                ),
                TITLE,
                SUMMARY,
                Field("eligibility", _l("谁可以申请"), "markdown"),
                Field("benefits", _l("可以得到什么"), "markdown"),
                Field(
                    "amount",
                    _l("标准和金额"),
                    "markdown",
                    hint=_l("规划没有给出的金额不要填写，页面会说明并告诉居民问谁。"),
                ),
                Field("how_to_apply", _l("怎么申请"), "markdown"),
                Field("easy_read", _l("易读版"), "markdown", required=True),
                *_english(TITLE, SUMMARY),
            ),
            "title",
            "services.detail",
            authoring=(
                "title",
                "summary",
                ("eligibility", "benefits", "amount", "how_to_apply", "easy_read"),
            ),
            order=(Service.position,),
        ),  # fmt: skip
        Kind(
            "facilities",
            Facility,
            _l("无障碍场所"),
            (
                SLUG_FIELD,
                NAME,
                Field(
                    "type", _l("类型"), "select", required=True, choices=_choices(features.TYPES)
                ),
                Field(
                    "township",
                    _l("所在镇街"),
                    "select",
                    required=True,
                    choices=_slugs(Township),
                    relation=(Township, "slug"),
                ),
                SAMPLE,
                Field("summary", _l("简介"), "textarea", required=True),
                Field("address", _l("地址"), max_length=300),
                Field("latitude", _l("纬度"), "number", hint=_l("例如 36.58，不知道就不填。")),
                Field("longitude", _l("经度"), "number", hint=_l("例如 116.25，不知道就不填。")),
                HOURS,
                HOURS_NOTE,
                Field("phone", _l("电话"), max_length=40),
                Field("sms", _l("短信号码"), max_length=40),
                Field("transport", _l("怎么去（公交等）"), "textarea"),
                SERVICES,
                *FEATURE_FIELDS,
                *_english(
                    NAME,
                    Field("summary", _l("简介"), "textarea"),
                    Field("address", _l("地址"), max_length=300),
                ),
            ),
            "name",
            "facilities.detail",
            authoring=("name", "summary", ()),
            rules=facility_rules,
            order=(Facility.position,),
        ),  # fmt: skip
        Kind(
            "contacts",
            ContactChannel,
            _l("联系方式"),
            (
                SLUG_FIELD,
                NAME,
                Field(
                    "channel",
                    _l("方式"),
                    "select",
                    required=True,
                    choices=_choices(channels.CHANNELS),
                ),
                SAMPLE,
                Field("summary", _l("简介"), "textarea", required=True),
                Field("value", _l("号码、账号或地址"), max_length=200),
                Field(
                    "department",
                    _l("所属部门"),
                    "select",
                    choices=_slugs(Department),
                    relation=(Department, "slug"),
                ),
                Field(
                    "facility",
                    _l("所在场所（当面办理时）"),
                    "select",
                    choices=_slugs(Facility),
                    relation=(Facility, "slug"),
                ),
                SERVICES,
                HOURS,
                HOURS_NOTE,
                Field("needs", _l("适合哪些人"), "multi", choices=_choices(channels.NEEDS)),
                Field("languages", _l("语言"), "multi", choices=_choices(channels.LANGUAGES)),
                *_english(NAME, Field("summary", _l("简介"), "textarea")),
            ),
            "name",
            "contacts.detail",
            authoring=("name", "summary", ()),
            rules=contact_rules,
            order=(ContactChannel.position,),
        ),  # fmt: skip
        Kind(
            "indicators",
            Indicator,
            _l("主要指标当前值"),
            (
                Field(
                    "current_value",
                    _l("当前值"),
                    required=True,
                    max_length=32,
                    hint=_l("只填数字或规划里的写法，单位见上方。"),
                ),
                Field(
                    "current_date",
                    _l("统计日期"),
                    "date",
                    required=True,
                    hint=_l("格式：2026-06-30"),
                ),
                Field(
                    "current_source",
                    _l("数据来源"),
                    required=True,
                    max_length=300,
                    hint=_l("例如：区残联 2026 年上半年统计报表"),
                ),
            ),
            "name",
            "plan.indicators",
            can_create=False,
            has_status=False,
            order=(Indicator.number,),
        ),  # fmt: skip
    )
}


# --- values: database <-> revision (JSON) <-> form (text) ---


def value_of(row, f: Field):
    """The field's value as a revision keeps it (JSON-compatible)."""
    if f.type == "feature":
        return (row.accessibility or {}).get(f.feature)
    if f.relation and f.type == "multi":
        return [getattr(related, f.relation[1]) for related in getattr(row, f.name)]
    if f.relation:
        related = getattr(row, f.name)
        return getattr(related, f.relation[1]) if related is not None else None
    value = getattr(row, f.name)
    return value.isoformat() if isinstance(value, date) else value


def snapshot(kind: Kind, row) -> dict:
    """Every editable field of `row`, and its status, as a revision keeps them."""
    data = {f.name: value_of(row, f) for f in kind.fields}
    if kind.has_status:
        data["status"] = row.status
    return data


def as_text(f: Field, value) -> str | list[str]:
    """A stored value as the form shows it."""
    if value is None:
        return [] if f.type == "multi" else ""
    if f.type == "hours":
        return opening_hours.as_text(value)
    if f.type == "feature":
        return spreadsheets.feature_text(value) or ""
    if f.type == "multi":
        return list(value)
    if f.type == "checkbox":
        return "1" if value else ""
    return str(value)


def form_values(kind: Kind, data: dict) -> dict:
    """A revision's or row's data as form text."""
    return {f.name: as_text(f, data.get(f.name)) for f in kind.fields}


def read_form(kind: Kind, form, row=None) -> tuple[dict, dict]:
    """The submitted fields as form text (to show again) and as values, with errors by field.

    Returns (text, values, errors) folded into two dicts: `text` holds what to show in the
    form, `values` the parsed values (only when there are no errors) under "_values".
    """
    text, values, errors = {}, {}, {}
    for f in kind.fields:
        if f.type == "slug" and row is not None:
            continue
        raw = form.getlist(f.name) if f.type == "multi" else form.get(f.name, "")
        text[f.name] = raw
        try:
            values[f.name] = parse(f, raw)
        except ValueError as error:
            errors[f.name] = str(error)
    if kind.rules and not errors:
        for name, message in kind.rules(values):
            errors.setdefault(name, message)
    if "slug" in values and not errors.get("slug"):
        slug = values["slug"]
        if slug and db.session.scalar(select(kind.model.id).where(kind.model.slug == slug)):
            errors["slug"] = _("这个网址名已被使用，请换一个。")
    return text, {"_values": values, "_errors": errors}


def parse(f: Field, raw) -> object:
    """A form field's text as the value to store; ValueError with a message for bad text."""
    if f.type == "multi":
        allowed = f.choices()
        chosen = [value for value in raw if value in allowed]
        if len(chosen) != len(raw):
            raise ValueError(_("请从列出的选项中选择。"))
        # A value sent twice (an edited form, a double click) is one choice, not two links.
        return list(dict.fromkeys(chosen))
    raw = clean_text(raw.strip().replace("\r\n", "\n"), f.label)
    if f.type == "feature":
        return FEATURE_READERS[f.feature](raw)
    if f.type == "checkbox":
        return raw == "1"
    if not raw:
        if f.required:
            raise ValueError(_("请填写“%(label)s”。", label=f.label))
        return None
    limit = f.max_length or TEXT_LIMIT
    if len(raw) > limit:
        raise ValueError(_("“%(label)s”最多 %(n)d 个字。", label=f.label, n=limit))
    if f.type == "select":
        if raw not in f.choices():
            raise ValueError(_("请从列出的选项中选择“%(label)s”。", label=f.label))
        return raw
    if f.type == "slug":
        if not SLUG.match(raw):
            raise ValueError(_("网址名只能用小写字母、数字和连字符，以字母或数字开头。"))
        return raw
    if f.type == "number":
        try:
            return float(raw)
        except ValueError:
            raise ValueError(_("“%(label)s”要填数字，例如 36.58。", label=f.label)) from None
    if f.type == "date":
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ValueError(_("日期格式是 年-月-日，例如 2026-06-30。")) from None
    if f.type == "hours":
        try:
            return opening_hours.from_text(raw)
        except ValueError:
            raise ValueError(
                _(
                    "看不懂这段开放时间。格式：星期 开门-关门，"
                    "例如 mon,tue 08:30-11:30; sat 09:00-12:00。"
                )
            ) from None
    return raw


def apply(kind: Kind, row, values: dict) -> None:
    """Write parsed values (a form's or a revision's) into the row."""
    # A new row is not in the session yet: looking up a linked row must not flush it half
    # made (through the link it already has).
    with db.session.no_autoflush:
        for f in kind.fields:
            if f.name in values and not (f.type == "slug" and row.id is not None):
                _apply_field(kind, row, f, values[f.name])


def _apply_field(kind: Kind, row, f: Field, value) -> None:
    """Write one parsed value into the row."""
    if f.type == "feature":
        measured = dict(getattr(row, "accessibility", None) or {})
        measured.pop(f.feature, None)
        if value:
            measured[f.feature] = value
        row.accessibility = measured  # a new dict, so the JSON column sees the change
    elif f.relation and f.type == "multi":
        model, column = f.relation
        setattr(row, f.name, _rows_in_order(model, column, value))
    elif f.relation:
        model, column = f.relation
        related = (
            db.session.scalar(select(model).where(getattr(model, column) == value))
            if value
            else None
        )
        setattr(row, f.name, related)
    elif f.type == "date" and value:
        setattr(row, f.name, date.fromisoformat(value))
    elif value is None and not kind.model.__table__.c[f.name].nullable:
        setattr(row, f.name, "")  # an empty text where the column holds "" for none
    else:
        setattr(row, f.name, value)


def _rows_in_order(model, column: str, keys: list[str]) -> list:
    """The rows whose `column` is one of `keys`, in the order of `keys`."""
    rows = {
        getattr(r, column): r
        for r in db.session.scalars(select(model).where(getattr(model, column).in_(keys)))
    }
    return [rows[key] for key in keys if key in rows]
