"""Spreadsheet files: a kind's records written as CSV or XLSX, and an uploaded file read
into rows of text, measured and refused before anything large or hostile is unpacked.

An XLSX cell holding a formula is read as the result Excel or WPS saved with it. A program
that writes formulas without computing them (openpyxl, some exporters) saves none: such a
cell would read as empty, and an import would empty its field. It is named instead
(`Table.uncomputed`), for the check to report in its row and column.
"""

import csv
import io
import posixpath
import warnings
import zipfile
from collections.abc import Sequence
from itertools import islice
from typing import IO, NamedTuple
from xml.parsers import expat

import openpyxl
from flask_babel import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import column_index_from_string
from sqlalchemy import select

from ... import opening_hours
from ...content.loader import snapshot
from ...database import db
from ...i18n import Number
from ...images import MB
from ...tabular import cell_text, csv_text, spreadsheet_cell
from .columns import kind_named, layout

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BYTES = 5 * MB
MAX_UNZIPPED_BYTES = 50 * MB  # an XLSX is a zip: refuse one that unpacks huge
MAX_ROWS = 5000
# openpyxl reads every sheet once for its size as it opens a workbook, then builds each row
# whole, at about 100,000 cells a second: a workbook is measured as its parts stream past,
# and refused past these limits before openpyxl reads any of it.
MAX_COLUMNS = 200  # the layouts have at most 33; room for columns of people's own notes
MAX_CELLS = 250_000  # every row of the largest file, full
MAX_ELEMENTS = 6 * MAX_CELLS  # XML elements in all parts: a cell and its text take a few
SHEET_NAMESPACE = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROW, CELL, FORMULA, VALUE = (f"{SHEET_NAMESPACE} {name}" for name in ("row", "c", "f", "v"))
# The workbook's own parts: its list of sheets (each <sheet> names its part by the id of a
# relationship, r:id) and its relationships (each an Id, a Type and the Target part).
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELATIONSHIPS = "xl/_rels/workbook.xml.rels"
SHEET = f"{SHEET_NAMESPACE} sheet"
SHEET_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"
RELATIONSHIP = "http://schemas.openxmlformats.org/package/2006/relationships Relationship"
CHUNK = 64 * 1024


class FileError(ValueError):
    """A file that cannot be read as a spreadsheet of this kind."""


class Table(NamedTuple):
    """An uploaded file's rows as trimmed text, header first, its cells whose formula was
    saved without its result (they read as empty): {row number as the spreadsheet numbers
    it, header = 1: the indexes of those cells in the row}, and how many sheets the file
    has (a CSV file, one), of which only the first was read."""

    rows: list[list[str]]
    uncomputed: dict[int, set[int]]
    sheets: int = 1


def export(kind: str, fmt: str) -> tuple[bytes, str, str]:
    """Every record of `kind` as a CSV or XLSX file: (body, mimetype, filename)."""
    spec = kind_named(kind)
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


def _xlsx_value(value: object) -> object:
    """A value for an XLSX cell: numbers stay numbers, text is neutralised as in CSV."""
    if not isinstance(value, str):
        return value
    # openpyxl refuses control characters, and pasted text sometimes carries one.
    return spreadsheet_cell(ILLEGAL_CHARACTERS_RE.sub("", value))


def _too_big() -> FileError:
    """The error for a file over the limits."""
    return FileError(
        _(
            "文件太大了：一次最多上传 %(megabytes)d MB、%(rows)s 行。请分几次上传。",
            megabytes=MAX_BYTES // MB,
            rows=Number(MAX_ROWS),
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


def _first_sheet_empty() -> FileError:
    """The error for a workbook whose first sheet is empty and which has others. Only the
    first sheet is read: a workbook often holds other sheets (notes, an older copy, a list
    to look things up in), and importing whichever came first with something in it could
    import one nobody meant to."""
    return FileError(
        _(
            "工作簿的第一个工作表是空的。导入只读第一个工作表（最左边的那个）："
            "请把要导入的表格放在第一个工作表里，再上传。"
        )
    )


def read_table(filename: str, data: bytes) -> Table:
    """The file's rows as trimmed text, header first; FileError for anything else."""
    if not data.strip():
        raise _empty()
    if len(data) > MAX_BYTES:
        raise _too_big()
    suffix = filename.rpartition(".")[2].lower() if "." in filename else ""
    table: Sequence[Sequence[object]]
    uncomputed: dict[int, set[int]] = {}
    sheets = 1
    if data.startswith(b"PK\x03\x04") or suffix == "xlsx":
        table, uncomputed, sheets = _xlsx_table(data)
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
    return Table([[cell_text(value) for value in row] for row in table], uncomputed, sheets)


def _csv_table(data: bytes) -> list[list[str]]:
    """The rows of a CSV file in UTF-8 (with or without BOM) or GB18030, as Chinese Excel saves."""
    text = _decode(data)
    # A NUL means a binary file; other control characters are reported in their cells.
    if text is None or "\x00" in text:
        raise FileError(
            _("读不出这个文件里的文字。请在 Excel 或 WPS 里另存为“CSV UTF-8”或 .xlsx，再上传。")
        )
    # The csv module refuses a cell over 131,072 characters, which would be reported as a
    # damaged file. A file within MAX_BYTES holds no longer cell: read, the cell too long
    # for its column is reported in its row and column, as a shorter one is.
    if csv.field_size_limit() < MAX_BYTES:
        csv.field_size_limit(MAX_BYTES)
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


def _xlsx_table(data: bytes) -> tuple[list[tuple], dict[int, set[int]], int]:
    """The rows of the first sheet of an XLSX workbook, with the values Excel last computed,
    the cells among them whose formula was saved without a value, and how many sheets the
    workbook has (`Table`)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            measure = _check_archive(archive)
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
                rows = list(islice(sheet.iter_rows(values_only=True), MAX_ROWS + 2))
                # The measure found the formulas without a value in each part as it streamed
                # past, and which part this sheet is (openpyxl keeps that to itself).
                uncomputed = measure.uncomputed.get(measure.first_sheet() or "", {})
                if not uncomputed and not any(cell_text(value) for row in rows for value in row):
                    raise _first_sheet_empty() if len(workbook.worksheets) > 1 else _empty()
                return rows, uncomputed, len(workbook.worksheets)
            finally:
                workbook.close()
    except FileError:
        raise
    except Exception:
        # A damaged workbook fails inside zipfile or openpyxl in many ways; each means this.
        raise _not_a_workbook() from None


def _check_archive(archive: zipfile.ZipFile) -> "Measure":
    """The workbook measured; FileError for a zip that is not a workbook, or one larger than
    an import takes."""
    entries = archive.infolist()
    if WORKBOOK not in {entry.filename for entry in entries}:
        raise _not_a_workbook()
    if sum(entry.file_size for entry in entries) > MAX_UNZIPPED_BYTES:
        raise _too_big()
    measure = Measure()
    for entry in entries:
        with archive.open(entry) as part:
            measure.part(entry.filename, part)
    return measure


class Measure:
    """The size of a workbook, counted as its parts stream past (no tree is built), the
    cells whose formula was saved without its value, by part, and which part is the first
    sheet.

    It raises FileError at the first cell past MAX_COLUMNS in its row, and once the parts
    hold more than MAX_CELLS cells or MAX_ELEMENTS elements: one row of a million cells is
    refused after reading MAX_COLUMNS of them.
    """

    def __init__(self) -> None:
        self.elements = self.cells = self.column = self.row = 0
        # {part: {row number: indexes of the cells in the row}}
        self.uncomputed: dict[str, dict[int, set[int]]] = {}
        self.name = ""
        self.parser = expat.ParserCreate()
        self.type: str | None = None  # of the cell being read (its `t`)
        # The cell being read, while it holds a formula and no value has been seen yet.
        self.formula: tuple[int, int] | None = None
        self.parts: set[str] = set()  # the names of those counted
        # The workbook's sheets in order, by their relationship's id, and its relationships:
        # {id: (type, target, target mode)}.
        self.sheets: list[str | None] = []
        self.relationships: dict[str, tuple[str, str, str | None]] = {}

    def part(self, name: str, stream: IO[bytes]) -> None:
        """Count one part of the workbook (a part that is not XML, like an image, is skipped)."""
        parser = expat.ParserCreate(namespace_separator=" ")
        workbook = name in (WORKBOOK, WORKBOOK_RELATIONSHIPS)
        parser.StartElementHandler = self.start_in_workbook if workbook else self.start
        parser.StartDoctypeDeclHandler = self.doctype
        self.name, self.parser, self.row = name, parser, 0
        self.parts.add(name)
        try:
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError:
            pass  # openpyxl says what is wrong, if it is a part it reads
        self.cell_ends()

    def start(self, tag: str, attributes: dict) -> None:
        """One element: a row starts at column 0; a cell is in the next column, or its own;
        a formula in a cell waits for its value."""
        self.elements += 1
        if tag == CELL:
            if self.formula is not None:
                self.cell_ends()
            self.cells += 1
            self.column = _column(attributes.get("r"), self.column)
            self.type = attributes.get("t")
            if self.column > MAX_COLUMNS:
                raise _too_wide()
        elif tag == ROW:
            if self.formula is not None:
                self.cell_ends()
            self.row = _number(attributes.get("r"), self.row)
            self.column = 0
        elif tag == FORMULA:
            # A text result may be empty (=IF(A2="","",A2)), and is saved as such.
            if self.type != "str":
                self.formula = (self.row, self.column - 1)
        elif tag == VALUE and self.formula is not None:
            self.parser.CharacterDataHandler = self.value
        if self.cells > MAX_CELLS or self.elements > MAX_ELEMENTS:
            raise _too_many_cells()

    def start_in_workbook(self, tag: str, attributes: dict) -> None:
        """One element of the workbook's own parts, counted as any other; a sheet in its list
        and a relationship are noted too."""
        if tag == SHEET and self.name == WORKBOOK:
            self.sheets.append(attributes.get(SHEET_RELATIONSHIP))
        elif tag == RELATIONSHIP and self.name == WORKBOOK_RELATIONSHIPS:
            self.relationships[attributes.get("Id", "")] = (
                attributes.get("Type", ""),
                attributes.get("Target", ""),
                attributes.get("TargetMode"),
            )
        self.start(tag, attributes)

    def first_sheet(self) -> str | None:
        """The part of the sheet openpyxl reads as the workbook's first (`worksheets[0]`),
        found as openpyxl finds it: the first sheet in the workbook's list whose relationship
        leads to a part of the archive, and not to a chart sheet. None if there is none."""
        for identifier in self.sheets:
            if not identifier or identifier not in self.relationships:
                # openpyxl leaves out a sheet without an id, and refuses a workbook that
                # names a relationship it does not have.
                continue
            kind, target, mode = self.relationships[identifier]
            # openpyxl takes an external target for a part's name, as it is.
            part = target if mode == "External" else _workbook_part(target)
            if part in self.parts and "chartsheet" not in kind:
                return part
        return None

    def value(self, text: str) -> None:
        """Text in the value of a cell holding a formula: the result was saved."""
        if text.strip():
            self.formula = None
            self.parser.CharacterDataHandler = None

    def cell_ends(self) -> None:
        """The cell read before is over: noted if its formula had no value."""
        if self.formula is not None:
            row, index = self.formula
            self.uncomputed.setdefault(self.name, {}).setdefault(row, set()).add(index)
            self.formula = None
            self.parser.CharacterDataHandler = None

    def doctype(self, *_args: object) -> None:
        """No part of a workbook declares a DTD; one that does is up to something."""
        raise _not_a_workbook()


def _workbook_part(target: str) -> str:
    """The name in the archive of a part the workbook's relationships lead to: a target from
    the package's root (/xl/worksheets/sheet1.xml, as openpyxl writes it) or from the
    workbook's folder (worksheets/sheet1.xml, as Excel does), resolved as openpyxl does."""
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(WORKBOOK), target))


def _number(reference: str | None, previous: int) -> int:
    """A row's number: from its `r`, else the one after `previous`."""
    if reference is None:
        return previous + 1
    if not reference.isdigit():
        raise _not_a_workbook()
    return int(reference)


def _column(reference: str | None, previous: int) -> int:
    """A cell's column number: from its reference ("AB12"), else the one after `previous`."""
    letters = (reference or "").rstrip("0123456789")
    try:
        return column_index_from_string(letters) if letters else previous + 1
    except ValueError:
        raise _not_a_workbook() from None
