"""An uploaded spreadsheet as a plan: each row read with its kind's columns and checked
with the kind's rules, what it would change, and applying a valid plan."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from ...content.files import ContentError
from ...content.loader import apply_links, column_value, lookup, normalise, snapshot
from ...database import db
from ...i18n import Number, inline_list
from ...kinds import Kind, Row
from ...query_args import clean_line, clean_text
from ..editing.forms import TEXT_LIMIT
from ..editing.publishing import claim
from ..models import Revision
from .columns import (
    LIST_SEPARATOR,
    VERSION,
    CellError,
    Column,
    choices_of,
    kind_named,
    layout,
)
from .files import FileError, read_table

EXCEL_COLUMNS = 16384  # A to XFD
NAMED_COLUMNS = 20  # of the columns a file has beyond the import's, named in the check

# A formula saved without its result reads as empty: an import would empty the field.
UNCOMPUTED = _l(
    "这一格是公式，但文件里没有保存公式算出的结果，读不出内容。请在 Excel 或 WPS 里打开文件，"
    "保存后再上传；或者把公式换成它的结果。"
)


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
    # The file's columns no field reads (staff's own notes, say): nothing in them is saved.
    # The first NAMED_COLUMNS by name (`_ignored`), and how many there are.
    ignored: list[str] = field(default_factory=list)
    ignored_count: int = 0

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
    spec = kind_named(kind)
    plan = Plan(kind)
    try:
        table = read_table(filename, data)
        sheet = Sheet(spec, _headings(layout(spec), table.rows[0], table.sheets))
    except FileError as error:
        plan.file_error = str(error)
        return plan
    plan.ignored, plan.ignored_count = _ignored(sheet.headings, table.rows)
    for number, cells in enumerate(table.rows[1:], 2):
        uncomputed = table.uncomputed.get(number, set())
        if not any(cells) and not uncomputed:
            continue
        record, errors = sheet.read_row(cells, number, uncomputed)
        if errors:
            plan.errors += errors
            continue
        change = sheet.change(record, number)
        problems = check(change) if check else []
        plan.errors += [sheet.error(number, name, message) for name, message in problems]
        if not problems:
            plan.changes.append(change)
    return plan


def _headings(
    columns: tuple[Column, ...], header: list[str], sheets: int = 1
) -> dict[str, tuple[int, str]]:
    """{column key: (index in a row, heading as shown)}; FileError when a column is missing.
    A workbook of `sheets` sheets whose first has hardly any of the columns most likely
    holds the table on another (the first is notes, say): the error says which is read."""
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
    if missing and sheets > 1 and len(found) < len(columns) // 2:
        raise FileError(
            _(
                "导入只读第一个工作表（最左边的那个），这个工作簿有 %(sheets)d 个工作表。"
                "第一个工作表的第 1 行缺少这些列：%(columns)s。"
                "请把要导入的表格放在第一个工作表里，再上传。",
                sheets=sheets,
                columns=", ".join(missing),
            )
        )
    if missing:
        raise FileError(
            _(
                "第 1 行的表头缺少这些列：%(columns)s。请先导出一份表格，在上面修改；"
                "第 1 行不要改动。",
                columns=", ".join(missing),
            )
        )
    return found


def _ignored(headings: dict[str, tuple[int, str]], rows: list[list[str]]) -> tuple[list[str], int]:
    """The columns of the file that no field reads and that hold text (a heading or a
    cell), the first NAMED_COLUMNS as staff would find them (by their heading, else by
    their letter), and how many there are. Whatever they hold is not imported, which the
    check says rather than dropping it unseen. Each cell is looked at once, and few are
    named: a CSV file's rows may be of any width."""
    read = {index for index, _heading in headings.values()}
    holding = sorted({index for row in rows for index, cell in enumerate(row) if cell} - read)
    header = rows[0]
    named = [
        header[index] if index < len(header) and header[index] else _unheaded(index)
        for index in holding[:NAMED_COLUMNS]
    ]
    return named, len(holding)


def _unheaded(index: int) -> str:
    """A column without a heading, by its letter as Excel shows it (by its number past
    Excel's last column, which only a CSV file can have)."""
    letter = get_column_letter(index + 1) if index < EXCEL_COLUMNS else str(index + 1)
    return _("第 %(letter)s 列（没有表头）", letter=letter)


class Sheet:
    """The columns of one uploaded file, and what the database allows in them."""

    def __init__(self, spec: Kind, headings: dict[str, tuple[int, str]]) -> None:
        self.spec = spec
        self.columns = layout(spec)
        self.headings = headings
        self.rows = {getattr(row, spec.key): row for row in db.session.scalars(select(spec.model))}
        # New records go after the existing ones, in the order of the file.
        self.next_position = max((row.position for row in self.rows.values()), default=-1) + 1
        self.first_row: dict[str, int] = {}  # slug: the row it was first read from
        self.untouched: set[str] = set()  # slugs of stale rows the file leaves as they were
        # A choice cell takes a code or a name (columns.Choices).
        self.allowed = {f.name: choices_of(f) for f in spec.table_fields if f.choices or f.relation}

    def error(self, number: int, key: str, message: str) -> RowError:
        """An error in row `number`, in the column of `key` (named by `key` if it has none)."""
        return RowError(number, self.headings.get(key, (0, key))[1], message)

    def read_row(
        self, cells: list[str], number: int, uncomputed: set[int] | None = None
    ) -> tuple[dict, list[RowError]]:
        """One row as a content record, and what is wrong with it; `uncomputed` are the
        indexes of its cells whose formula was saved without its result."""
        record: dict = {}
        errors = []
        for column in self.columns:
            index = self.headings[column.key][0]
            if uncomputed and index in uncomputed:
                errors.append(self.error(number, column.key, str(UNCOMPUTED)))
                continue
            text = cells[index] if index < len(cells) else ""
            try:
                if len(text) > TEXT_LIMIT:  # too long for any field, before it is read
                    raise _too_long(column.max_length or TEXT_LIMIT, len(text))
                value = self._checked(column, column.codec.read(_clean(text, column)))
            except CellError as error:
                errors.append(self.error(number, column.key, str(error)))
                continue
            if not column.feature:
                record[column.key] = value
            elif value is not None:
                record.setdefault("accessibility", {})[column.key] = value
        version = record.pop("version", None)
        errors += self._repeated_slug(record.get(self.spec.key), number)
        if errors:
            return record, errors
        row = self.rows.get(record[self.spec.key])
        if row is not None and version is None:
            # Which copy the row came from is not known: like a stale row, it may change
            # nothing (then it passes), but a change might undo a colleague's later save.
            if self._comparable(record, row) != snapshot(self.spec, row):
                return record, [self._unversioned(record, number)]
        elif row is not None and version != row.version:
            return record, self._stale(record, row, version, number)
        new = row is None
        problems = self.spec.problems(record, new=new)
        return record, [self.error(number, p.field, p.message) for p in problems]

    def change(self, record: dict, number: int) -> Change:
        """What a valid row does to its record, compared the way the loader compares."""
        slug = record[self.spec.key]
        row = self.rows.get(slug)
        if slug in self.untouched:
            current = snapshot(self.spec, self.rows[slug])
            return Change(slug, "unchanged", [], current, current, number)
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

    def _stale(self, record: dict, row: Row, version: int, number: int) -> list[RowError]:
        """A row downloaded before a later save of its record: left out when the file still
        holds the record as it was downloaded (the member of staff changed nothing in it, so
        there is nothing of theirs to keep and nothing of the colleague's to undo); refused
        when it holds changes, or when no revision says what was downloaded."""
        downloaded = self._as_saved(row, version)
        if downloaded is not None and downloaded == self._comparable(record, row):
            self.untouched.add(record[self.spec.key])
            return []
        message = _(
            "您改了这一行，但下载表格（第 %(old)d 版）之后，别人也改过这条记录（现在是第 "
            "%(new)d 版）。为了不覆盖别人的修改，这一行不能导入。请从文件里删掉这一行再上传"
            "（文件里没有的记录保持不动），然后重新下载表格或打开这条记录的编辑页面，再改这条记录。",
            old=version,
            new=row.version,
        )
        return [self.error(number, "version", message)]

    def _unversioned(self, record: dict, number: int) -> RowError:
        """A row that changes an existing record but whose version cell was emptied."""
        message = _(
            "这一行是已有的记录“%(slug)s”，但“%(column)s”一格是空的，看不出您的表格是"
            "什么时候下载的。为了不覆盖别人在那之后的修改，这一行不能导入。请重新下载表格，在新"
            "下载的表格里修改这条记录（版本号不要动），再上传。只有新增的记录，版本号才空着。",
            slug=record[self.spec.key],
            column=VERSION.label,
        )
        return self.error(number, "version", message)

    def _as_saved(self, row: Row, version: int) -> dict | None:
        """The record as it was at `version`, from the revision kept of it then (the last,
        if several were), comparable like a row of the file; None when none was kept."""
        data = db.session.scalar(
            select(Revision.data)
            .where(
                Revision.kind == self.spec.name,
                Revision.item_id == row.id,
                Revision.version == version,
            )
            .order_by(Revision.id.desc())
            .limit(1)
        )
        if data is None:
            return None
        record: dict = {}
        for f in self.spec.table_fields:
            value = data.get(f.name)
            if f.type != "feature":
                record[f.name] = value
            elif value is not None:
                record.setdefault("accessibility", {})[f.feature] = value
        return self._comparable(record, row)

    def _comparable(self, record: dict, row: Row) -> dict:
        """A record of `row`'s as `change` compares it."""
        return normalise(self.spec, {**record, "position": getattr(row, "position", None)})

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

    def _checked(self, column: Column, value: object) -> object:
        """The value, a choice given by its name as its code; CellError when it is missing,
        too long, or not one the field allows."""
        if column.required and value in (None, []):
            raise CellError(_("这一格不能空着：每一行都要填写“%(column)s”。", column=column.label))
        # A field without a limit of its own takes as much as in the editor.
        limit = column.max_length or TEXT_LIMIT
        if isinstance(value, str) and len(value) > limit:
            raise _too_long(limit, len(value))
        choices = self.allowed.get(column.key)
        if choices is None or not value:
            return value
        values = value if isinstance(value, list) else [value]
        codes = [choices.code(str(text)) for text in values]
        unknown = [text for text, code in zip(values, codes, strict=True) if code is None]
        if not unknown:
            return codes if isinstance(value, list) else codes[0]
        allowed = _some(list(choices.names.values()))
        if isinstance(value, list):
            raise CellError(
                _(
                    "“%(value)s”不是可以填写的值。可以填写：%(allowed)s；多个值之间用“、”隔开。",
                    value=LIST_SEPARATOR.join(unknown),
                    allowed=allowed,
                )
            )
        raise CellError(
            _("“%(value)s”不是可以填写的值。可以填写：%(allowed)s。", value=value, allowed=allowed)
        )


def _too_long(limit: int, length: int) -> CellError:
    """The error for a cell of `length` characters, in a column that takes `limit`."""
    return CellError(
        _(
            "最多只能填 %(limit)s 个字，现在有 %(length)s 个。",
            limit=Number(limit),
            length=Number(length),
        )
    )


def _clean(text: str, column: Column) -> str:
    """A cell's text as the editor keeps typed text (`clean_line` for a column of one line,
    `clean_text` for the rest); CellError otherwise."""
    try:
        return clean_line(text, column.label) if column.one_line else clean_text(text, column.label)
    except ValueError as error:
        raise CellError(str(error)) from None


def _some(values: list[str], limit: int = 20) -> str:
    """Values for a message, the first `limit` of them when there are more."""
    if len(values) <= limit:
        return inline_list(values)
    shown = inline_list(values[:limit])
    return _("%(values)s 等，共 %(count)d 个", values=shown, count=len(values))


def apply(plan: Plan) -> list[tuple[Any, Change]]:
    """Write a valid plan into the session (the caller commits); return (row, change) pairs.

    Each created or updated row gets the next version, counts as changed in the database
    (so `flask content load` keeps it), and is queued for the search index. An updated row's
    version is claimed as a save claims it (`publishing.claim`): the row read with the file
    may be older than the database by the time it is written, when a colleague saved it
    meanwhile. Raises ValueError when the plan is not valid or a record changed since the
    file was read, and LookupError when a linked record has gone since (for either, the
    caller rolls back): each with a sentence for the member of staff, naming the row and
    record.
    """
    if not plan.valid:
        raise ValueError("a spreadsheet plan with errors cannot be applied")
    spec = kind_named(plan.kind)
    pending = []
    for change in plan.changes:
        if change.action == "unchanged":
            continue
        row = db.session.scalar(
            select(spec.model).where(getattr(spec.model, spec.key) == change.slug)
        )
        current = None if row is None else snapshot(spec, row)
        if current != change.before or not (row is None or claim(spec, row, row.version)):
            raise ValueError(
                _(
                    "第 %(row)d 行的“%(title)s”在检查文件之后被别人改过了。"
                    "请重新上传这个文件，再检查一次。",
                    row=change.row,
                    title=_title(spec, change),
                )
            )
        pending.append((row, change))
    applied = []
    for row, change in pending:
        if row is None:
            row = spec.model(**{spec.key: change.slug})
        try:
            _write(spec, row, change.after)
        except ContentError:
            raise LookupError(
                _(
                    "第 %(row)d 行的“%(title)s”要关联的记录，在检查文件之后被删除了。"
                    "请重新上传这个文件，再检查一次。",
                    row=change.row,
                    title=_title(spec, change),
                )
            ) from None
        applied.append((row, change))
    return applied


def _title(spec: Kind, change: Change) -> str:
    """The record of a change as the file names it: its title, else its key."""
    return str(change.after.get(spec.title_field) or change.slug)


def _write(spec: Kind, row: Row, record: dict) -> None:
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
