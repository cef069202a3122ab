"""Each kind of content, declared once: its fields, and what each field is to the content
loader, the back office's editor, the spreadsheets, the open-data files and search.

A feature declares its kinds in its own `spec.py` (e.g. `facilities/spec.py`); the loader,
the editor, the spreadsheet layout, the exports and the search documents read them. Adding
a field is one `Field` line there, a migration and its label's translation.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Protocol, TypeAlias

from flask import current_app, has_app_context
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .database import PUBLISHED, db
from .i18n import Number

# New slugs become URLs: lowercase ASCII words joined by single hyphens, e.g. rukang-boping.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_LENGTH = 80


def quoted_last(message: str) -> str:
    """A message that ends by quoting a field's label. A label that is a question ends the
    sentence with its own mark: Choose “What colour is it?”, not “What colour is it?”."""
    return message.replace("?”.", "?”")


# A kind's model class (a subclass of database.Model). Code that serves every kind reads its
# columns by name (`model.slug`, `model.position`), which a type checker cannot follow.
ModelClass: TypeAlias = Any


class Row(Protocol):
    """A row of a kind's model, as the loader, the back office and search read it: every
    kind's model is `Tracked` and has an `id`. Only a kind that `has_status` has `status`,
    and only one whose `key` is "slug" a `slug`: code reads them only then."""

    id: int
    version: int
    loaded_hash: str | None
    updated_at: datetime
    status: str
    slug: str


def public(row: object) -> bool:
    """True when residents may see `row`: it is published, or of a kind without a status.
    A page links a related row (a contact's place, a place's services) only while this
    holds; the queries of lists say the same in SQL (`status == PUBLISHED`)."""
    return getattr(row, "status", PUBLISHED) == PUBLISHED


@dataclass(frozen=True)
class Problem:
    """Something wrong with a record, by the field it concerns."""

    field: str
    message: str


# The field types answered by choosing, not typing: on a form, their empty error says 请选择.
CHOICE_TYPES = ("radio", "select", "multi")
# The field types of one line of text (a name, a title, a number to call): typed or
# imported, their text keeps to the one-line rule (`query_args.clean_line`), the others to
# the rule of several lines (`clean_text`).
LINE_TYPES = ("text", "slug")


@dataclass(frozen=True)
class Field:
    """One field of a kind.

    `type` is text, textarea, markdown, select, multi, checkbox, hours, number, date, slug,
    integer, list (several lines of text), data (structured, loaded as it is) or feature
    (one accessibility feature, `feature` its code, kept in the record's `accessibility`).
    `relation` names (model, its key column) for a select or multi that links other rows;
    the record, the form, the spreadsheet and revisions hold the key. `choices` gives the
    allowed codes and their labels; `groups`, for radio buttons on a resident's form, the
    same choices under headings, {heading: {code: label}}, each heading the legend of a
    group of its own (so that a label need not repeat what its group says). The flags say
    who sees the field: `load` (content files), `edit` (the editor's form), `table` (a
    column of the spreadsheet and the open-data files) and `search` (its text is part of the
    item's search document). `description` says what the field means on the open-data page.
    `missing` is what the error says when a required field is left empty, in the form's own
    words (the resident's forms have them: 请选择您的问题和哪方面有关); without it, 请填写
    (请选择 for a choice on a form) and the label. `example` is a number field's example
    value, which its hint and the errors of the form and the spreadsheet quote.
    """

    name: str
    label: Any
    type: str = "text"
    required: bool = False
    max_length: int | None = None
    choices: Callable[[], dict] | None = None
    groups: Callable[[], dict] | None = None
    hint: Any = None
    lang: str | None = None
    relation: tuple | None = None
    feature: str | None = None
    load: bool = True
    edit: bool = True
    table: bool = True
    search: bool = False
    description: Any = None
    missing: Any = None
    example: str | None = None

    @property
    def one_line(self) -> bool:
        """True for a field of one line of text (`LINE_TYPES`): it shows in a page's title,
        a list, a line of the audit log, where a line break, a tab or a direction control
        would break or reorder what is read."""
        return self.type in LINE_TYPES

    def choice_names(self) -> dict:
        """The field's choices, {code: label}; none for a field that is typed, not chosen."""
        return self.choices() if self.choices is not None else {}

    @property
    def feature_code(self) -> str:
        """The code of the accessibility feature a field of type "feature" records."""
        if self.feature is None:
            raise TypeError(f"the field {self.name} records no accessibility feature")
        return self.feature

    @property
    def column(self) -> str:
        """The key of the field's spreadsheet column (a feature's own code)."""
        return self.feature or self.name

    def value_of(self, row: Row) -> object:
        """The field's value in a row as a record holds it: links by their key, dates as
        ISO text, a feature as its entry in the row's `accessibility`."""
        if self.type == "feature":
            return (getattr(row, "accessibility", None) or {}).get(self.feature)
        if self.relation and self.type == "multi":
            return [getattr(related, self.relation[1]) for related in getattr(row, self.name)]
        if self.relation:
            related = getattr(row, self.name)
            return getattr(related, self.relation[1]) if related is not None else None
        value = getattr(row, self.name)
        return value.isoformat() if isinstance(value, date) else value

    def problems(self, value: object, typed: bool = False) -> list[Problem]:
        """The field's own rules for a value: given when required, no longer than its
        `max_length`, one of its `choices`. A `typed` value was written out (a content
        file's, a spreadsheet cell's), not chosen on a form."""
        if value is None or value == "" or value == []:
            return [Problem(self.name, self.missing_message(typed))] if self.required else []
        if isinstance(value, str) and self.max_length and len(value) > self.max_length:
            message = _("“%(label)s”最多 %(n)s 个字。", label=self.label, n=Number(self.max_length))
            return [Problem(self.name, message)]
        if self.choices is not None:
            allowed = self.choices()
            if any(item not in allowed for item in (value if isinstance(value, list) else [value])):
                message = _("请从列出的选项中选择“%(label)s”。", label=self.label)
                return [Problem(self.name, message)]
        return []

    def missing_message(self, typed: bool = False) -> str:
        """What the error says when the field is required and left empty: a form's own
        words; otherwise choose, or fill in what is typed."""
        if self.missing is not None and not typed:
            return str(self.missing)
        if self.type in CHOICE_TYPES and not typed:
            return quoted_last(_("请选择“%(label)s”。", label=self.label))
        return quoted_last(_("请填写“%(label)s”。", label=self.label))


def translated(original: Field) -> tuple[Field, Field]:
    """A text field and its optional English translation, `<name>_en`, marked lang="en"."""
    english = replace(
        original,
        name=f"{original.name}_en",
        label=_l("%(label)s（英文，可不填）", label=original.label),
        required=False,
        hint=None,
        lang="en",
        description=None,
    )
    return original, english


def raise_first(found: list[Problem]) -> None:
    """Raise ValueError with the first of `found`, naming its field."""
    if found:
        raise ValueError(f"{found[0].field}: {found[0].message}")


def slug_problems(slug: object, kind: "Kind | None" = None) -> list[Problem]:
    """The rule for a new slug: it becomes part of a URL, so it is written as SLUG allows
    and, for a `kind` given, is none of the words its pages' addresses already use
    (`reserved_slugs`)."""
    if slug is None:
        return []
    if not (isinstance(slug, str) and len(slug) <= SLUG_LENGTH and SLUG.fullmatch(slug)):
        message = _(
            "网址名只能用小写英文字母、数字和单个连字符，以字母或数字开头和结尾，"
            "最多 %(n)d 个字符，例如 rukang-boping。",
            n=SLUG_LENGTH,
        )
        return [Problem("slug", message)]
    address = reserved_slugs(kind).get(slug) if kind is not None else None
    if address is not None:
        message = _(
            "网址名不能用“%(slug)s”：网址 %(address)s 已经留给网站上别的页面了。请换一个网址名。",
            slug=slug,
            address=address,
        )
        return [Problem("slug", message)]
    return []


# A public page named by its slug at the end of its address: /updates/<slug>.
SLUG_RULE = re.compile(r"(?P<prefix>/(?:[^<>]*/)?)<(?:string:)?slug>")


def reserved_slugs(kind: "Kind") -> dict[str, str]:
    """The words a new item of `kind` may not take as its slug, each with the address it
    would have had: the words that begin another of the site's addresses where the kind's
    pages are. /updates/feeds/ is the feeds' page, so an update called feeds would be sent
    there (/updates/feeds and /updates/feeds/ cannot be two pages), and
    /services/categories/<slug> leaves no room for a service called categories. Read from
    the site's routes, so a route added later is reserved without a list to keep; none
    outside a running app, which has no routes. Worked out once per app and kind (a
    spreadsheet checks every new row's slug), as the routes are fixed once it serves."""
    if not kind.public_endpoint or not has_app_context():
        return {}
    known = current_app.extensions.setdefault("reserved_slugs", {})
    if kind.public_endpoint not in known:
        rules = list(current_app.url_map.iter_rules())
        prefixes = {
            found["prefix"]
            for rule in rules
            if rule.endpoint == kind.public_endpoint
            and (found := SLUG_RULE.fullmatch(rule.rule)) is not None
        }
        reserved = {}
        for rule in rules:
            for prefix in prefixes:
                word = rule.rule[len(prefix) :].split("/")[0]
                if rule.rule.startswith(prefix) and word and "<" not in word:
                    reserved[word] = prefix + word
        known[kind.public_endpoint] = reserved
    return known[kind.public_endpoint]


@dataclass(frozen=True)
class Kind:
    """A kind of content: its model, its fields, and how staff and files handle it.

    `key` names a record (a slug, or a number for plan items). `parents` and collections
    come from the fields with a `relation`; `roles` says whether a record names `lead` and
    `participants` departments. `rules` finds what is wrong with a record as a whole,
    beyond each field's own type, length and choices (see `problems`). The rest is for the
    back office: `title_field`, `public_endpoint`, whether staff `can_create` items,
    whether items have a publishing status, which fields the authoring checks read
    (title, summary, markdown fields), the order of the items list, and what else happens
    when an item is published (`on_publish(row)`, in the publishing transaction).
    """

    name: str
    model: ModelClass  # its rows are `Row`s
    label: Any
    fields: tuple[Field, ...]
    key: str = "slug"
    title_field: str = "title"
    public_endpoint: str = ""  # none: the kind has no public page
    can_create: bool = True
    has_status: bool = True
    roles: bool = False
    rules: Callable[[dict], list[Problem]] | None = None
    authoring: tuple[str, str, tuple[str, ...]] | None = None
    order: tuple = field(default_factory=tuple)
    on_publish: Callable[[Any], None] | None = None

    def problems(self, record: dict, new: bool = True) -> list[Problem]:
        """What is wrong with a record (a content file's or a spreadsheet row's): each
        field's own rules (links are checked where they are looked up), the slug's rule for
        a `new` record, whose slug is about to become a URL, and the kind's `rules`."""
        found = [
            problem
            for f in self.loaded
            if not f.relation
            for problem in f.problems(record.get(f.name), typed=True)
        ]
        if new and self.key == "slug":
            found += slug_problems(record.get("slug"), self)
        return found + (self.rules(record) if self.rules else [])

    def check(self, record: dict) -> None:
        """Raise ValueError with the first problem, naming its field (the loader's way)."""
        raise_first(self.problems(record))

    def field(self, name: str) -> Field:
        """One of the declared fields, by name."""
        return next(f for f in self.fields if f.name == name)

    # --- what each reader of the declaration sees ---

    @property
    def loaded(self) -> tuple[Field, ...]:
        """The fields content files hold."""
        return tuple(f for f in self.fields if f.load and f.name != self.key)

    @property
    def columns(self) -> tuple[str, ...]:
        """The loaded fields that are the model's own columns (not links)."""
        return tuple(f.name for f in self.loaded if not f.relation)

    @property
    def parents(self) -> dict:
        """Loaded many-to-one links: {field: (model, key column)}."""
        return {f.name: f.relation for f in self.loaded if f.relation and f.type == "select"}

    @property
    def collections(self) -> dict:
        """Loaded many-to-many links: {field: (model, key column)}."""
        return {f.name: f.relation for f in self.loaded if f.relation and f.type == "multi"}

    @property
    def form_fields(self) -> tuple[Field, ...]:
        """The fields of the editor's form."""
        return tuple(f for f in self.fields if f.edit)

    def form_field(self, name: str) -> Field:
        """One of the editor's fields, by name."""
        return next(f for f in self.form_fields if f.name == name)

    @property
    def table_fields(self) -> tuple[Field, ...]:
        """The fields of the spreadsheet and the open-data CSV, the key first."""
        return tuple(f for f in self.fields if f.table)

    @property
    def search_fields(self) -> tuple[Field, ...]:
        """The fields whose text is part of the search document."""
        return tuple(f for f in self.fields if f.search)


def choices(mapping: dict) -> Callable[[], dict]:
    """Choices from a fixed {code: label} mapping, labels in the current language: each
    language's worked out once (a spreadsheet of 5,000 rows checks a choice per cell)."""
    by_language: dict[str, dict] = {}

    def labels() -> dict:
        language = str(get_locale())
        if language not in by_language:
            by_language[language] = {key: str(label) for key, label in mapping.items()}
        return dict(by_language[language])

    return labels


def slugs(model: ModelClass, label: str = "name") -> Callable[[], dict]:
    """Choices from the rows of `model`: {slug: label}, in the rows' order."""
    return lambda: {
        row.slug: getattr(row, label)
        for row in db.session.scalars(select(model).order_by(model.position))
    }


# --- Fields several kinds share ---

SLUG_FIELD = Field(
    "slug",
    _l("网址名"),
    "slug",
    hint=_l("小写字母、数字和连字符，例如 2026-rehab-notice。发布后不再改变；不填则自动生成。"),
    description=_l("固定标识，也是网址的一部分"),
)
TITLE = Field("title", _l("标题"), required=True, max_length=200, search=True)
NAME = Field(
    "name",
    _l("名称"),
    required=True,
    max_length=200,
    search=True,
)
SUMMARY = Field(
    "summary",
    _l("摘要"),
    "textarea",
    required=True,
    hint=_l("一两句话，显示在列表和搜索结果里。"),
    search=True,
)
BODY = Field(
    "body",
    _l("正文"),
    "markdown",
    hint=_l(
        "用 Markdown 书写：## 小标题，- 列表，[链接文字](地址)，![图片说明](图片地址)。"
        '纯装饰的图片写成 ![](图片地址 "装饰")。'
    ),
    search=True,
)
SAMPLE = Field(
    "sample",
    _l("示例数据"),
    "checkbox",
    hint=_l("演示用的虚构记录，不是事实；页面上会标明“示例数据”。"),
    description=_l("true 表示演示用的虚构记录，不是事实"),
)
HOURS = Field(
    "hours",
    _l("开放时间"),
    "hours",
    hint=_l(
        "例如 mon,tue,wed,thu,fri 08:30-11:30; mon,tue,wed,thu,fri 13:30-17:00。不填表示未公布。"
    ),
    description=_l(
        "开放时间：JSON 中是规则列表（days、opens、closes），CSV 中写成"
        "“mon,tue 08:30-11:30; sat 09:00-12:00”；关门时间不晚于开门时间表示开到第二天"
    ),
)
HOURS_NOTE = Field("hours_note", _l("开放时间说明"), "textarea", description=_l("开放时间的说明"))
POSITION = Field("position", _l("顺序"), "integer", edit=False, table=False)


def stored(*names: str) -> tuple[Field, ...]:
    """Fields only content files hold: loaded as they are, not edited, not in a table."""
    return tuple(Field(name, name, "data", edit=False, table=False) for name in names)
