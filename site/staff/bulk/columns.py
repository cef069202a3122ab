"""Facilities and contact channels as spreadsheets (CSV or XLSX), for staff who keep them there.

The layout, the same for both formats:

- One sheet. Row 1 is the header: each heading is a label in the current locale, a space and
  the field key, e.g. ``名称 name``, ``乡镇（街道） township``, ``电梯 lift``. Only the key (the
  last word) counts when a file is read back, so labels may be reworded and columns moved;
  columns with any other key are ignored, and every column of the layout must be there.
- Every further row is one record; empty rows are skipped. Row numbers in messages are the
  ones the spreadsheet shows, the header being row 1.
- `slug` names the record: a row whose slug exists updates that record, a row with a new slug
  creates one. Records that are not in the file are left as they are: an import never deletes.
- Cells: text as it is, an empty cell meaning "none". `sample`: 是 or 否 (yes/no, true/false
  and 1/0 are read too). `latitude`, `longitude`: decimal degrees (WGS84). `type`,
  `township`, `channel`, `department`, `facility`: one code or slug, or its Chinese or
  English name (`Choices`: any case, any spaces). `services`, `needs`, `languages`: such
  values separated by "、" (";" and "," are read too). Dates: 2026-06-30, and
  as Excel and WPS save them (2026/6/30, a date cell) or as people write them
  (2026年6月30日). `hours`: as
  `opening_hours.as_text` writes it, ``mon,tue,wed,thu,fri 08:30-11:30; sat 09:00-12:00``,
  or as staff type it (``周一至周五 8:30-11:30；周六 9:00-12:00``), empty when not published.
- Facilities have one column per accessibility feature: empty when not verified, else 是 (it
  is there) or 否 (it is not), then any details as ``; key=value`` with the keys of
  content/README.md, e.g. ``是; steps=0; ramp=是; door_width_cm=100; verified_on=2026-10-09``.
- A cell a spreadsheet would run as a formula is written with a leading "'", which reading
  drops again.
- Text of several lines (a summary, a note) may hold new lines; Word's line break
  (U+000B) is read as one. A one-line text (a name, a number) may not: a line break, a
  tab or another invisible control in it is refused, naming its column, and zero-width
  spaces and soft hyphens are dropped (`query_args.clean_line`). Other control characters
  cannot be written into XML (the feed, the sitemap), so a cell with one is refused,
  naming its column.
- An XLSX file has at most `files.MAX_COLUMNS` columns and `files.MAX_CELLS` cells: it is
  measured as it is unpacked, before a row of it is read.

`files.export` writes the layout; `importing.read` turns a file into a `Plan`, checked
with the kinds' own rules, and applies nothing; `importing.apply` writes a valid plan
into the session. Each kind's columns come from its declaration (kinds.py).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ... import opening_hours
from ...contacts.spec import CONTACTS
from ...content.loader import LOAD_ORDER
from ...database import db
from ...facilities import features
from ...facilities.spec import FACILITIES
from ...i18n import EN, ZH, current_locale, force_locale
from ...kinds import Field, Kind
from ...tabular import FULL_WIDTH_DIGITS, iso_date

YES, NO = "是", "否"
FLAG_WORDS = {
    **dict.fromkeys(("是", "有", "yes", "y", "true", "1"), True),
    **dict.fromkeys(("否", "无", "没有", "no", "n", "false", "0"), False),
}
MAX_DIGITS = 9
LIST_SEPARATOR = "、"
LIST_SPLIT = re.compile(r"\s*[、;；,，]\s*")


class CellError(ValueError):
    """A cell that cannot be read; the message says what is wrong and what is allowed.

    In a feature's cell, `key` names the part that is wrong ("available", "steps"), and
    `as_is` is true when the message names nothing of the spreadsheet's syntax, so that the
    editor shows it as it is too.
    """

    def __init__(self, message: str = "", key: str | None = None, as_is: bool = False) -> None:
        super().__init__(message)
        self.key = key
        self.as_is = as_is


@dataclass(frozen=True)
class Codec:
    """How one kind of cell is written (`write`: value → cell) and read back (`read`)."""

    write: Callable[[Any], Any]
    read: Callable[[str], Any]


_T = TypeVar("_T")


def _same(value: _T) -> _T:
    """The value itself."""
    return value


def _text_or_none(text: str) -> str | None:
    """A text cell: empty means none."""
    return text or None


def _flag(text: str) -> bool:
    """是 or 否 (and their usual spellings); empty means 否."""
    if not text:
        return False
    if text.lower() not in FLAG_WORDS:
        raise CellError(_("请填写“是”或“否”。"))
    return FLAG_WORDS[text.lower()]


def _number(text: str, example: str | None = None) -> float | None:
    """A decimal number; empty means none. `example` is the field's (`Field.example`)."""
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        if example is None:
            raise CellError(_("请填写数字；不知道就空着。")) from None
        message = _("请填写数字，例如 %(example)s；不知道就空着。", example=example)
        raise CellError(message) from None


def _date(text: str) -> str | None:
    """A date as the kinds keep it (2026-06-30), however the spreadsheet program wrote it;
    empty means none."""
    if not text:
        return None
    day = iso_date(text)
    if day is None:
        raise CellError(
            _(
                "看不懂这个日期“%(text)s”。请写 年-月-日，例如 2026-06-30；"
                "也可以写 2026/6/30 或 2026年6月30日。",
                text=text,
            )
        )
    return day


def _hours(text: str) -> list[dict] | None:
    """Opening hours in the words of `opening_hours.as_text`, or as staff type them."""
    try:
        return opening_hours.from_text(text)
    except ValueError:
        raise CellError(hours_refusal(text)) from None


def hours_refusal(text: str) -> str:
    """Why hours typed as text cannot be read, in the clerk's language, for the editor and
    the spreadsheet alike: the part that cannot be read, and what is accepted. The reason
    `from_text` gives is written for the content files, in English and in their terms
    (hours rule 1: expected days and times…), so it is not shown.

    A part with 工作日 is told why that word is refused (`opening_hours` does not read it:
    调休 moves the working days, which the weekly hours cannot say) and what to write."""
    part = _unreadable_part(text)
    if "工作日" in part:
        return _(
            "开放时间里的“%(part)s”不能用“工作日”：调休会把有的周末变成工作日，"
            "每周的开放时间写不出来。请写成 周一至周五，例如 周一至周五 08:30-12:00；"
            "地点的节假日和调休怎么开放，在“法定节假日”一项里选择。",
            part=part,
        )
    return _(
        "看不懂开放时间里的“%(part)s”。请这样写：周一至周五 08:30-12:00；周六 09:00-12:00，"
        "也可以写 mon-fri 08:30-12:00; sat 09:00-12:00。星期写 周一 到 周日、星期一 到 星期日，"
        "或 mon tue wed thu fri sat sun，连续几天用“至”连起来，不连续的用顿号或逗号隔开；"
        "开门和关门时间用“时:分”（00:00 到 24:00），中间用“-”；几段时间之间用分号隔开或换行。"
        "没有公布就空着。",
        part=part,
    )


def _unreadable_part(text: str) -> str:
    """The first part of hours text (between semicolons or lines) that cannot be read on
    its own; the whole text when each part can (then they do not fit together)."""
    for part in re.split(r"[;；\n]", text):
        try:
            opening_hours.from_text(part)
        except ValueError:
            return part.strip()
    return text.strip()


def _codes(text: str) -> list[str]:
    """Codes separated by "、", ";" or ","."""
    return [code for code in LIST_SPLIT.split(text) if code]


def _join(values: list[str] | None) -> str:
    """Codes separated by "、"."""
    return LIST_SEPARATOR.join(values or [])


def _flag_text(value: bool) -> str:
    """是 or 否."""
    return YES if value else NO


def feature_text(measured: dict | None) -> str | None:
    """A feature as 是/否 followed by its details, "; key=value" each."""
    if not measured:
        return None
    details = [
        f"{key}={_flag_text(value) if isinstance(value, bool) else value}"
        for key, value in measured.items()
        if key != "available" and value is not None
    ]
    return "; ".join([_flag_text(bool(measured.get("available"))), *details])


def feature_reader(feature: features.Feature) -> Callable[[str], dict | None]:
    """The reader of one feature's column."""
    types = features.COMMON_KEYS | dict(feature.details)
    keys = features.detail_keys(feature)
    # Split only before a known key, so a note may itself contain a semicolon.
    split = re.compile(rf"\s*[;；]\s*(?=(?:{'|'.join(keys)})\s*[=＝])")

    def unreadable(text: str, key: str) -> CellError:
        return CellError(
            _(
                "看不懂“%(text)s”。请先写“是”或“否”，需要时再加“; 说明=值”，例如"
                "“是; verified_on=2026-10-09; verified_by=区残联”。这一列可以加的说明："
                "%(keys)s。",
                text=text,
                keys=", ".join(keys),
            ),
            key,
        )

    def read(text: str) -> dict | None:
        """是/否 and "; key=value" details, checked like the content files; empty: unknown."""
        if not text:
            return None
        first, *details = split.split(text.rstrip(";； "))
        # Details without 是 or 否 say nothing of whether the feature is there.
        if not first.strip():
            raise unreadable(text, "available")
        try:
            measured: dict[str, object] = {"available": _flag(first)}
        except CellError:
            raise unreadable(text, "available") from None
        for detail in details:
            key, _sep, value = (part.strip() for part in re.split("([=＝])", detail, maxsplit=1))
            if value and key == "verified_on":
                try:
                    measured[key] = _date(value)
                except CellError as error:
                    raise CellError(str(error), key) from None
            elif value:
                try:
                    measured[key] = _detail(types[key], value)
                except CellError:
                    raise unreadable(text, key) from None
        try:
            features.validate({feature.code: measured})
        except ValueError as error:
            key = getattr(error, "key", None)
            # A reason written for staff (a verification date out of range) is shown as it
            # is, in the editor too; the content files' reason is wrapped.
            if staff_message := getattr(error, "staff_message", None):
                raise CellError(staff_message, key, as_is=True) from None
            raise CellError(_("这一格有误：%(reason)s。", reason=error), key) from None
        return measured

    return read


def _detail(kind: type, value: str) -> bool | int | str:
    """One detail's text as the type the feature declares for it."""
    if kind is bool:
        return _flag(value)
    if kind is int:
        # Digits only, typed full width or not: "+3", "-3", "3.5", "1_000" and "²" are
        # refused, and so is a number too long to be a count (features.validate checks the
        # range of the rest).
        digits = value.translate(FULL_WIDTH_DIGITS)
        if not (digits.isascii() and digits.isdigit()) or len(digits) > MAX_DIGITS:
            raise CellError(value)
        return int(digits)
    return value


def _version(text: str) -> int | None:
    """The version a row was exported at; empty for a new row."""
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise CellError(_("版本号是下载表格时填好的数字，请不要修改；新记录请空着。"))
    return int(text)


TEXT = Codec(_same, _text_or_none)
FLAG = Codec(_flag_text, _flag)
DATE = Codec(_same, _date)
HOURS = Codec(opening_hours.as_text, _hours)
CODE_LIST = Codec(_join, _codes)


@dataclass(frozen=True)
class Column:
    """One column: the record field it holds (with `feature`, an accessibility feature)."""

    key: str
    label: Any
    codec: Codec = TEXT
    feature: bool = False
    required: bool = False
    max_length: int | None = None
    one_line: bool = False  # its field's `one_line`: a cell of one line of text

    @property
    def header(self) -> str:
        """The heading as exported: label, space, key."""
        return f"{self.label} {self.key}"

    def value_in(self, record: dict) -> object:
        """This column's value in a record shaped like `snapshot`."""
        if self.feature:
            return (record.get("accessibility") or {}).get(self.key)
        return record.get(self.key)


CODECS = {
    "checkbox": FLAG,
    "date": DATE,
    "hours": HOURS,
    "multi": CODE_LIST,
}


def column_of(f: Field, key: bool = False) -> Column:
    """The column of a field of the kind's declaration; the `key` column (the slug) names
    the record, so a row cannot leave it empty (the editor makes one up; a file cannot)."""
    if f.type == "feature":
        feature = features.BY_CODE[f.feature_code]
        codec = Codec(feature_text, feature_reader(feature))
        return Column(f.column, f.label, codec, feature=True)
    if f.type == "number":  # its errors quote the field's own example
        codec = Codec(_same, partial(_number, example=f.example))
    else:
        codec = CODECS.get(f.type, TEXT)
    return Column(
        f.name,
        f.label,
        codec,
        required=f.required or key,
        max_length=f.max_length,
        one_line=f.one_line,
    )


@dataclass(frozen=True)
class Choices:
    """The values a choice column takes: each code, or its Chinese or English name, written
    in any case and with any spaces (staff type 信发街道 or Xinfa Subdistrict more readily
    than xinfa)."""

    names: dict[str, str]  # code: its name in the current language, for messages
    codes: dict[str, str]  # a code or name, folded: the code

    def code(self, text: str) -> str | None:
        """The code `text` names; None when it names none."""
        return self.codes.get(_folded(text))


def _folded(text: str) -> str:
    """Text compared without case or spaces: "Xinfa Subdistrict" and "xinfasubdistrict"."""
    return "".join(text.split()).casefold()


def choices_of(f: Field) -> Choices:
    """The values a choice field takes in a spreadsheet cell, from its declaration."""
    names = {}
    for locale in (ZH, EN):
        with force_locale(locale):
            names[locale] = _names(f, locale)
    codes = {
        _folded(name): code for locale in (EN, ZH) for code, name in names[locale].items() if name
    }
    # A code is itself whatever name another value has.
    codes |= {_folded(code): code for code in names[ZH]}
    shown = {code: names[current_locale()].get(code) or code for code in names[ZH]}
    return Choices(shown, codes)


def _names(f: Field, locale: str) -> dict[str, str]:
    """{code: name} of a choice field in `locale`, the current one: a linked kind's rows
    by their title (its English twin on the English site), else the declared labels."""
    if not f.relation:
        return f.choice_names()
    model, key = f.relation
    title = next(kind.title_field for kind in LOAD_ORDER if kind.model is model)
    if locale == EN:
        title = f"{title}_en"
    rows = db.session.scalars(select(model).order_by(model.position, model.id))
    return {getattr(row, key): getattr(row, title, None) or "" for row in rows}


# Each layout ends with the version the row was exported at: a row from an older download
# than the record's latest save would undo someone else's change, so it is refused when the
# file changed it, and left out when it holds the record as it was downloaded.
VERSION = Column("version", _l("版本（请勿修改）"), Codec(_same, _version))
# The kinds staff may keep in spreadsheets.
SPREADSHEET_KINDS = {kind.name: kind for kind in (FACILITIES, CONTACTS)}


def layout(kind: Kind) -> tuple[Column, ...]:
    """The columns of a kind's spreadsheet: its table's fields, then the version."""
    return (*(column_of(f, key=f.name == kind.key) for f in kind.table_fields), VERSION)


def kind_named(name: str) -> Kind:
    """The declaration of a kind that has a spreadsheet layout."""
    if name not in SPREADSHEET_KINDS:
        raise ValueError(f"no spreadsheet layout for {name!r}")
    return SPREADSHEET_KINDS[name]
