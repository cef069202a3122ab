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
  `township`, `channel`, `department`, `facility`: one code or slug. `services`, `needs`,
  `languages`: codes separated by "、" (";" and "," are read too). `hours`: as
  `opening_hours.as_text` writes it, ``mon,tue,wed,thu,fri 08:30-11:30; sat 09:00-12:00``,
  empty when not published.
- Facilities have one column per accessibility feature: empty when not verified, else 是 (it
  is there) or 否 (it is not), then any details as ``; key=value`` with the keys of
  content/README.md, e.g. ``是; steps=0; ramp=是; door_width_cm=100; verified_on=2026-10-09``.
- A cell a spreadsheet would run as a formula is written with a leading "'", which reading
  drops again.
- Text may hold new lines; Word's line break (U+000B) is read as one. Other control
  characters cannot be written into XML (the feed, the sitemap), so a cell with one is
  refused, naming its column.
- An XLSX file has at most MAX_COLUMNS columns and MAX_CELLS cells: it is measured as it is
  unpacked, before a row of it is read.

`export` writes the layout; `read` turns a file into a `Plan`, checked with the content
loader's own rules, and applies nothing; `apply` writes a valid plan into the session.
"""

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any
from xml.parsers import expat

import openpyxl
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import column_index_from_string
from sqlalchemy import select

from .. import opening_hours
from ..contacts.spec import CONTACTS
from ..content.loader import apply_links, column_value, lookup, normalise, snapshot
from ..database import db
from ..facilities import features
from ..facilities.spec import FACILITIES
from ..kinds import Field, Kind
from ..query_args import clean_text
from ..tabular import cell_text, csv_text, spreadsheet_cell

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # an XLSX is a zip: refuse one that unpacks huge
MAX_ROWS = 5000
# openpyxl reads every sheet once for its size as it opens a workbook, then builds each row
# whole, at about 100,000 cells a second: a workbook is measured as its parts stream past,
# and refused past these limits before openpyxl reads any of it.
MAX_COLUMNS = 200  # the layouts have at most 33; room for columns of people's own notes
MAX_CELLS = 250_000  # every row of the largest file, full
MAX_ELEMENTS = 6 * MAX_CELLS  # XML elements in all parts: a cell and its text take a few
SHEET_NAMESPACE = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CHUNK = 64 * 1024
YES, NO = "是", "否"
FLAG_WORDS = {
    **dict.fromkeys(("是", "有", "yes", "y", "true", "1"), True),
    **dict.fromkeys(("否", "无", "没有", "no", "n", "false", "0"), False),
}
LIST_SEPARATOR = "、"
LIST_SPLIT = re.compile(r"\s*[、;；,，]\s*")


class CellError(ValueError):
    """A cell that cannot be read; the message says what is wrong and what is allowed."""


class FileError(ValueError):
    """A file that cannot be read as a spreadsheet of this kind."""


# --- The layout -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Codec:
    """How one kind of cell is written (`write`: value → cell) and read back (`read`)."""

    write: Callable[[Any], Any]
    read: Callable[[str], Any]


def _same(value):
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


def _number(text: str) -> float | None:
    """A decimal number; empty means none."""
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise CellError(_("请填写数字，例如 36.58；不知道就空着。")) from None


def _hours(text: str) -> list[dict] | None:
    """Opening hours in the words of `opening_hours.as_text`."""
    try:
        return opening_hours.from_text(text)
    except ValueError as error:
        raise CellError(
            _(
                "看不懂这里的时间（%(reason)s）。请这样写：mon,tue,wed,thu,fri 08:30-12:00; "
                "sat 09:00-12:00。星期用 mon tue wed thu fri sat sun，时间用“时:分”，"
                "几段时间之间用分号隔开；没有公布就空着。",
                reason=error,
            )
        ) from None


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
    return "; ".join([_flag_text(measured.get("available")), *details])


def feature_reader(feature: features.Feature) -> Callable[[str], dict | None]:
    """The reader of one feature's column."""
    types = features.COMMON_KEYS | dict(feature.details)
    keys = features.detail_keys(feature)
    # Split only before a known key, so a note may itself contain a semicolon.
    split = re.compile(rf"\s*[;；]\s*(?=(?:{'|'.join(keys)})\s*[=＝])")

    def read(text: str) -> dict | None:
        """是/否 and "; key=value" details, checked like the content files; empty: unknown."""
        if not text:
            return None
        first, *details = split.split(text.rstrip(";； "))
        try:
            measured = {"available": _flag(first)}
            for detail in details:
                key, _sep, value = (
                    part.strip() for part in re.split("([=＝])", detail, maxsplit=1)
                )
                if value:
                    measured[key] = _detail(types[key], value)
        except CellError:
            raise CellError(
                _(
                    "看不懂“%(text)s”。请先写“是”或“否”，需要时再加“; 说明=值”，例如"
                    "“是; verified_on=2026-10-09; verified_by=区残联”。这一列可以加的说明："
                    "%(keys)s。",
                    text=text,
                    keys=", ".join(keys),
                )
            ) from None
        try:
            features.validate({feature.code: measured})
        except ValueError as error:
            raise CellError(_("这一格有误：%(reason)s。", reason=error)) from None
        return measured

    return read


def _detail(kind: type, value: str):
    """One detail's text as the type the feature declares for it."""
    if kind is bool:
        return _flag(value)
    if kind is int:
        try:
            return int(value)
        except ValueError:
            raise CellError(value) from None
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
NUMBER = Codec(_same, _number)
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

    @property
    def header(self) -> str:
        """The heading as exported: label, space, key."""
        return f"{self.label} {self.key}"

    def value_in(self, record: dict):
        """This column's value in a record shaped like `snapshot`."""
        if self.feature:
            return (record.get("accessibility") or {}).get(self.key)
        return record.get(self.key)


CODECS = {"checkbox": FLAG, "number": NUMBER, "hours": HOURS, "multi": CODE_LIST}


def column_of(f: Field) -> Column:
    """The column of a field of the kind's declaration."""
    if f.type == "feature":
        feature = features.BY_CODE[f.feature]
        codec = Codec(feature_text, feature_reader(feature))
        return Column(f.column, f.label, codec, feature=True)
    codec = CODECS.get(f.type, TEXT)
    return Column(f.name, f.label, codec, required=f.required, max_length=f.max_length)


# Each layout ends with the version the row was exported at: a row from an older download
# than the record's latest save would undo someone else's change, so it is refused.
VERSION = Column("version", _l("版本（请勿修改）"), Codec(_same, _version))
# The kinds staff may keep in spreadsheets.
SPREADSHEET_KINDS = {kind.name: kind for kind in (FACILITIES, CONTACTS)}


def layout(kind: Kind) -> tuple[Column, ...]:
    """The columns of a kind's spreadsheet: its table's fields, then the version."""
    return (*(column_of(f) for f in kind.table_fields), VERSION)


def _kind(name: str) -> Kind:
    """The declaration of a kind that has a spreadsheet layout."""
    if name not in SPREADSHEET_KINDS:
        raise ValueError(f"no spreadsheet layout for {name!r}")
    return SPREADSHEET_KINDS[name]


# --- Export ---------------------------------------------------------------------------------


def export(kind: str, fmt: str) -> tuple[bytes, str, str]:
    """Every record of `kind` as a CSV or XLSX file: (body, mimetype, filename)."""
    spec = _kind(kind)
    columns = layout(spec)
    header = [column.header for column in columns]
    order = (spec.model.position, spec.model.id)
    records = [
        {spec.key: getattr(row, spec.key), **snapshot(spec, row), "version": row.version}
        for row in db.session.scalars(select(spec.model).order_by(*order))
    ]
    rows = [
        [column.codec.write(column.value_in(record)) for column in columns] for record in records
    ]
    filename = f"{kind}-{opening_hours.local_now():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        body = csv_text(header, [[spreadsheet_cell(value) for value in row] for row in rows])
        return body.encode("utf-8"), "text/csv", filename
    if fmt == "xlsx":
        return _xlsx(kind, header, rows), XLSX_MIMETYPE, filename
    raise ValueError(f"unknown spreadsheet format {fmt!r}")


def _xlsx(title: str, header: list[str], rows: list[list]) -> bytes:
    """A workbook of one sheet, its header row bold and frozen."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    headings = [WriteOnlyCell(sheet, value=text) for text in header]
    for heading in headings:
        heading.font = Font(bold=True)
    sheet.append(headings)
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_value(value):
    """A value for an XLSX cell: numbers stay numbers, text is neutralised as in CSV."""
    if not isinstance(value, str):
        return value
    # openpyxl refuses control characters, and pasted text sometimes carries one.
    return spreadsheet_cell(ILLEGAL_CHARACTERS_RE.sub("", value))


# --- Reading --------------------------------------------------------------------------------


@dataclass
class RowError:
    """Something wrong in one cell: spreadsheet row (header = 1), heading as shown, message."""

    row: int
    column: str
    message: str


@dataclass
class Change:
    """What importing one row does to its record; `row` is the spreadsheet row it came from.

    `before` and `after` are comparable records (`loader.snapshot` / `loader.normalise`);
    `fields` names the fields that differ (for a new record, every field it fills).
    """

    slug: str
    action: str  # "create", "update" or "unchanged"
    fields: list[str]
    before: dict | None
    after: dict
    row: int


@dataclass
class Plan:
    """What importing a file would do; `apply` carries out a valid one."""

    kind: str
    errors: list[RowError] = field(default_factory=list)
    file_error: str | None = None
    changes: list[Change] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when the file could be read and no row has an error."""
        return self.file_error is None and not self.errors


def read(
    kind: str,
    filename: str,
    data: bytes,
    check: Callable[[Change], list[tuple[str, str]]] | None = None,
) -> Plan:
    """Read an uploaded CSV or XLSX file of `kind` and plan its changes; nothing is applied.

    Records the file leaves out are left alone: an import creates and updates, never deletes.
    `check` finds what else is wrong with a change: (field, message) pairs, each reported
    in that field's column (the back office passes its authoring checks).
    """
    spec = _kind(kind)
    plan = Plan(kind)
    try:
        table = _table(filename, data)
        sheet = Sheet(spec, _headings(layout(spec), table[0]))
    except FileError as error:
        plan.file_error = str(error)
        return plan
    for number, cells in enumerate(table[1:], 2):
        if not any(cells):
            continue
        record, errors = sheet.read_row(cells, number)
        if errors:
            plan.errors += errors
            continue
        change = sheet.change(record, number)
        problems = check(change) if check else []
        plan.errors += [sheet.error(number, name, message) for name, message in problems]
        if not problems:
            plan.changes.append(change)
    return plan


# --- The file -------------------------------------------------------------------------------


def _too_big() -> FileError:
    """The error for a file over the limits."""
    return FileError(
        _(
            "文件太大了：一次最多上传 %(megabytes)d MB、%(rows)d 行。请分几次上传。",
            megabytes=MAX_BYTES // (1024 * 1024),
            rows=MAX_ROWS,
        )
    )


def _too_wide() -> FileError:
    """The error for a sheet with more columns than an import takes."""
    return FileError(
        _(
            "表格太宽了：一行最多 %(columns)d 列。"
            "请删掉右边多余的列（也包括没有内容、只设置过格式的列），再上传。",
            columns=MAX_COLUMNS,
        )
    )


def _too_many_cells() -> FileError:
    """The error for a workbook with more cells than an import takes."""
    return FileError(
        _(
            "文件里的单元格太多了：整个工作簿最多 %(cells)d 个。请删掉用不到的工作表、行和列"
            "（也包括没有内容、只设置过格式的），或分几次上传。",
            cells=MAX_CELLS,
        )
    )


def _not_a_workbook() -> FileError:
    """The error for a file that is not an XLSX workbook, or a damaged one."""
    return FileError(
        _(
            "打不开这个文件：它不是 Excel 工作簿（.xlsx）。"
            "请在 Excel 或 WPS 里另存为 .xlsx，再上传。"
        )
    )


def _empty() -> FileError:
    """The error for a file without a header."""
    return FileError(_("文件是空的。请先导出一份表格，在上面修改，再上传。"))


def _table(filename: str, data: bytes) -> list[list[str]]:
    """The file's rows as trimmed text, header first; FileError for anything else."""
    if not data.strip():
        raise _empty()
    if len(data) > MAX_BYTES:
        raise _too_big()
    suffix = filename.rpartition(".")[2].lower() if "." in filename else ""
    if data.startswith(b"PK\x03\x04") or suffix == "xlsx":
        table = _xlsx_table(data)
    elif suffix in ("csv", "txt", ""):
        table = _csv_table(data)
    else:
        raise FileError(
            _(
                "只能上传 CSV 文件或 Excel 工作簿（.xlsx）。"
                "旧版 Excel 文件（.xls）请先另存为 .xlsx。"
            )
        )
    if not table:
        raise _empty()
    if len(table) > MAX_ROWS + 1:
        raise _too_big()
    return [[cell_text(value) for value in row] for row in table]


def _csv_table(data: bytes) -> list[list[str]]:
    """The rows of a CSV file in UTF-8 (with or without BOM) or GB18030, as Chinese Excel saves."""
    text = _decode(data)
    # A NUL means a binary file; other control characters are reported in their cells.
    if text is None or "\x00" in text:
        raise FileError(
            _("读不出这个文件里的文字。请在 Excel 或 WPS 里另存为“CSV UTF-8”或 .xlsx，再上传。")
        )
    try:
        return list(islice(csv.reader(io.StringIO(text)), MAX_ROWS + 2))
    except csv.Error:
        raise FileError(
            _("这个 CSV 文件的格式有误。请在 Excel 或 WPS 里重新保存，再上传。")
        ) from None


def _decode(data: bytes) -> str | None:
    """The text of a file in UTF-8 or else GB18030; None when it is in neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    return None


def _xlsx_table(data: bytes) -> list[tuple]:
    """The rows of the first sheet of an XLSX workbook, with the values Excel last computed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_archive(archive)
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not know; they do not matter.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                # The size the sheet declares, if it does, costs nothing to check.
                if (sheet.max_row or 0) > MAX_ROWS + 1:
                    raise _too_big()
                if (sheet.max_column or 0) > MAX_COLUMNS:
                    raise _too_wide()
                # Some programs record a wrong used range, which would cut the rows short.
                sheet.reset_dimensions()
                return list(islice(sheet.iter_rows(values_only=True), MAX_ROWS + 2))
            finally:
                workbook.close()
    except FileError:
        raise
    except Exception:
        # A damaged workbook fails inside zipfile or openpyxl in many ways; each means this.
        raise _not_a_workbook() from None


def _check_archive(archive: zipfile.ZipFile) -> None:
    """FileError for a zip that is not a workbook, or one larger than an import takes."""
    entries = archive.infolist()
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        raise _not_a_workbook()
    if sum(entry.file_size for entry in entries) > MAX_UNZIPPED_BYTES:
        raise _too_big()
    measure = Measure()
    for entry in entries:
        with archive.open(entry) as part:
            measure.part(part)


class Measure:
    """The size of a workbook, counted as its parts stream past (no tree is built).

    It raises FileError at the first cell past MAX_COLUMNS in its row, and once the parts
    hold more than MAX_CELLS cells or MAX_ELEMENTS elements: one row of a million cells is
    refused after reading MAX_COLUMNS of them.
    """

    def __init__(self):
        self.elements = self.cells = self.column = 0

    def part(self, stream) -> None:
        """Count one part of the workbook (a part that is not XML, like an image, is skipped)."""
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self.start
        parser.StartDoctypeDeclHandler = self.doctype
        try:
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError:
            pass  # openpyxl says what is wrong, if it is a part it reads

    def start(self, tag: str, attributes: dict) -> None:
        """One element: a row starts at column 0; a cell is in the next column, or its own."""
        self.elements += 1
        if tag == f"{SHEET_NAMESPACE} row":
            self.column = 0
        elif tag == f"{SHEET_NAMESPACE} c":
            self.cells += 1
            self.column = _column(attributes.get("r"), self.column)
            if self.column > MAX_COLUMNS:
                raise _too_wide()
        if self.cells > MAX_CELLS or self.elements > MAX_ELEMENTS:
            raise _too_many_cells()

    def doctype(self, *_args) -> None:
        """No part of a workbook declares a DTD; one that does is up to something."""
        raise _not_a_workbook()


def _column(reference: str | None, previous: int) -> int:
    """A cell's column number: from its reference ("AB12"), else the one after `previous`."""
    letters = (reference or "").rstrip("0123456789")
    try:
        return column_index_from_string(letters) if letters else previous + 1
    except ValueError:
        raise _not_a_workbook() from None


def _headings(columns: tuple[Column, ...], header: list[str]) -> dict[str, tuple[int, str]]:
    """{column key: (index in a row, heading as shown)}; FileError when a column is missing."""
    keys = {column.key for column in columns}
    found: dict[str, tuple[int, str]] = {}
    for index, heading in enumerate(header):
        key = heading.split()[-1] if heading.split() else ""
        if key not in keys:
            continue
        if key in found:
            raise FileError(_("第 1 行有两列都是“%(column)s”。每一列只能有一个。", column=key))
        found[key] = (index, heading)
    missing = [column.header for column in columns if column.key not in found]
    if missing:
        raise FileError(
            _(
                "第 1 行的表头缺少这些列：%(columns)s。请先导出一份表格，在上面修改；"
                "第 1 行不要改动。",
                columns=", ".join(missing),
            )
        )
    return found


# --- The rows -------------------------------------------------------------------------------


class Sheet:
    """The columns of one uploaded file, and what the database allows in them."""

    def __init__(self, spec: Kind, headings: dict[str, tuple[int, str]]):
        self.spec = spec
        self.columns = layout(spec)
        self.headings = headings
        self.rows = {getattr(row, spec.key): row for row in db.session.scalars(select(spec.model))}
        # New records go after the existing ones, in the order of the file.
        self.next_position = max((row.position for row in self.rows.values()), default=-1) + 1
        self.first_row: dict[str, int] = {}  # slug: the row it was first read from
        self.allowed = {
            f.name: list(f.choices()) for f in spec.table_fields if f.choices and not f.relation
        }
        for name, (model, column) in spec.parents.items() | spec.collections.items():
            self.allowed[name] = list(
                db.session.scalars(select(getattr(model, column)).order_by(model.id))
            )

    def error(self, number: int, key: str, message: str) -> RowError:
        """An error in row `number`, in the column of `key` (named by `key` if it has none)."""
        return RowError(number, self.headings.get(key, (0, key))[1], message)

    def read_row(self, cells: list[str], number: int) -> tuple[dict, list[RowError]]:
        """One row as a content record, and what is wrong with it."""
        record: dict = {}
        errors = []
        for column in self.columns:
            index = self.headings[column.key][0]
            try:
                value = column.codec.read(
                    _clean(cells[index] if index < len(cells) else "", column)
                )
                self._check_value(column, value)
            except CellError as error:
                errors.append(self.error(number, column.key, str(error)))
                continue
            if not column.feature:
                record[column.key] = value
            elif value is not None:
                record.setdefault("accessibility", {})[column.key] = value
        errors += self._version_errors(record, number)
        errors += self._repeated_slug(record.get(self.spec.key), number)
        if errors:
            return record, errors
        new = record.get(self.spec.key) not in self.rows
        problems = self.spec.problems(record, new=new)
        return record, [self.error(number, p.field, p.message) for p in problems]

    def change(self, record: dict, number: int) -> Change:
        """What a valid row does to its record, compared the way the loader compares."""
        slug = record[self.spec.key]
        row = self.rows.get(slug)
        if row is None:
            record["position"] = self.next_position
            self.next_position += 1
            after = normalise(self.spec, record)
            filled = [name for name, value in after.items() if value is not None]
            return Change(slug, "create", filled, None, after, number)
        record["position"] = row.position
        after = normalise(self.spec, record)
        before = snapshot(self.spec, row)
        fields = [name for name in after if after[name] != before[name]]
        return Change(slug, "update" if fields else "unchanged", fields, before, after, number)

    def _version_errors(self, record: dict, number: int) -> list[RowError]:
        """A row downloaded before the record's latest save (it would undo that save)."""
        version = record.pop("version", None)
        row = self.rows.get(record.get(self.spec.key))
        if row is None or version is None or version == row.version:
            return []
        message = _(
            "这一行下载于第 %(old)d 版，之后这条记录又被修改过（现在是第 %(new)d 版）。"
            "为了不覆盖别人的修改，请重新下载表格，在新表格里修改后再上传。",
            old=version,
            new=row.version,
        )
        return [self.error(number, "version", message)]

    def _repeated_slug(self, slug: str | None, number: int) -> list[RowError]:
        """A slug an earlier row of the file already used."""
        if not slug:
            return []
        if slug in self.first_row:
            message = _(
                "标识“%(slug)s”在第 %(row)d 行已经用过。同一条记录在表格里只能有一行。",
                slug=slug,
                row=self.first_row[slug],
            )
            return [self.error(number, self.spec.key, message)]
        self.first_row[slug] = number
        return []

    def _check_value(self, column: Column, value) -> None:
        """Raise CellError when a value is missing, too long, or not one the field allows."""
        if column.required and value in (None, []):
            raise CellError(_("这一格不能空着：每一行都要填写“%(column)s”。", column=column.label))
        limit = column.max_length
        if isinstance(value, str) and limit is not None and len(value) > limit:
            raise CellError(
                _(
                    "最多只能填 %(limit)d 个字，现在有 %(length)d 个。",
                    limit=limit,
                    length=len(value),
                )
            )
        allowed = self.allowed.get(column.key)
        values = value if isinstance(value, list) else [value] if value else []
        unknown = [code for code in values if allowed is not None and code not in allowed]
        if unknown and isinstance(value, list):
            raise CellError(
                _(
                    "“%(value)s”不是可以填写的值。可以填写：%(allowed)s；多个值之间用“、”隔开。",
                    value=LIST_SEPARATOR.join(unknown),
                    allowed=_some(allowed),
                )
            )
        if unknown:
            raise CellError(
                _(
                    "“%(value)s”不是可以填写的值。可以填写：%(allowed)s。",
                    value=value,
                    allowed=_some(allowed),
                )
            )


def _clean(text: str, column: Column) -> str:
    """A cell's text as the editor keeps typed text (`clean_text`); CellError otherwise."""
    try:
        return clean_text(text, column.label)
    except ValueError as error:
        raise CellError(str(error)) from None


def _some(values: list[str], limit: int = 20) -> str:
    """Values for a message, the first `limit` of them when there are more."""
    if len(values) <= limit:
        return ", ".join(values)
    return _("%(values)s 等，共 %(count)d 个", values=", ".join(values[:limit]), count=len(values))


# --- Applying -------------------------------------------------------------------------------


def apply(plan: Plan) -> list[tuple[Any, Change]]:
    """Write a valid plan into the session (the caller commits); return (row, change) pairs.

    Each created or updated row gets the next version, counts as changed in the database
    (so `flask content load` keeps it), and is queued for the search index. Raises
    ValueError when the plan is not valid or a record changed since the file was read (then
    nothing is written), or when a linked record has gone since (then the caller rolls back).
    """
    if not plan.valid:
        raise ValueError("a spreadsheet plan with errors cannot be applied")
    spec = _kind(plan.kind)
    pending = []
    for change in plan.changes:
        if change.action == "unchanged":
            continue
        row = db.session.scalar(
            select(spec.model).where(getattr(spec.model, spec.key) == change.slug)
        )
        current = None if row is None else snapshot(spec, row)
        if current != change.before:
            raise ValueError(f"{plan.kind} {change.slug} changed since the file was read")
        pending.append((row, change))
    applied = []
    for row, change in pending:
        if row is None:
            row = spec.model(**{spec.key: change.slug})
        else:
            row.version += 1
        _write(spec, row, change.after)
        applied.append((row, change))
    return applied


def _write(spec: Kind, row, record: dict) -> None:
    """Set a row's fields and links from a comparable record, as the loader does."""
    for name in spec.columns:
        setattr(row, name, column_value(spec.model, name, record[name]))
    with db.session.no_autoflush:
        for name, (model, column) in spec.parents.items():
            value = record[name]
            parent = None if value is None else lookup(model, column, value, record, spec)
            setattr(row, name, parent)
        apply_links(spec, record, row)
    # No fingerprint of a load matches None: the next load keeps what staff imported.
    row.loaded_hash = None
    db.session.add(row)
    db.session.flush()
