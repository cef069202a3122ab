"""Import and export of facilities and contacts as CSV and XLSX (what staff keep in
spreadsheets). An upload is checked first and nothing changes: every row's problems are
listed, or what the file would change. Applying it takes a publisher, re-reads the same
file, and changes everything or nothing. A row the public would see at once passes the
editor's authoring checks first, as a save in the editor does."""

import logging
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from htmx_flask import request
from sqlalchemy import select

from ...database import db
from ...i18n import list_separator
from ...kinds import Kind
from .. import flash_failure
from ..accounts import sessions
from ..accounts.audit import record as audit
from ..editing import forms, publishing
from ..editing.editor import authoring_findings, is_live
from ..editing.media import NOT_WRITTEN
from ..helpers import shown
from ..models import EDITOR, PUBLISHER, Schedule
from . import columns, files, importing, uploads

log = logging.getLogger(__name__)

bp = Blueprint("bulk", __name__, url_prefix="/staff/bulk")
FORMATS = ("csv", "xlsx")
CLAIMED = ".applying"  # the suffix of a kept upload being applied
APPLIED = ".applied"  # and of one applied, kept for the day like the others
STALE_CLAIM_SECONDS = 10 * 60  # an import takes seconds: a claim this old was abandoned
# How many changes and problems the check lists one by one; the rest are counted. A file
# may have 5,000 rows: listed in full, its page takes longer to build than a request may
# take and is megabytes to read through. Every row is still checked and imported.
LISTED = 200


def kind_names() -> dict[str, str]:
    """The kinds a spreadsheet holds, by their names in the back office."""
    return {name: str(forms.EDITABLE[name].label) for name in columns.SPREADSHEET_KINDS}


@bp.get("/")
@sessions.require(EDITOR)
def index() -> str:
    """Download the spreadsheets, or upload one to check."""
    return render_template("staff/bulk.html", kinds=kind_names(), errors={}, chosen="")


@bp.get("/export/<any(facilities, contacts):kind>.<any(csv, xlsx):fmt>")
@sessions.require(EDITOR)
def export(kind: str, fmt: str) -> Response:
    """Every facility or contact channel, as a spreadsheet to edit and upload again."""
    body, mimetype, filename = files.export(kind, fmt)
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


@bp.post("/check")
@sessions.require(EDITOR)
def check() -> ResponseReturnValue:
    """Read an uploaded file: its problems by row and column, or what it would change."""
    kind = request.form.get("kind", "")
    upload = request.files.get("file")
    errors = {}
    if kind not in kind_names():
        errors["kind"] = _("请选择要导入的是场所还是联系方式。")
    if upload is None or not upload.filename:
        errors["file"] = _("请选择一个 CSV 或 XLSX 文件。")
    if errors:
        return render_template(
            "staff/bulk.html", kinds=kind_names(), errors=errors, chosen=kind
        ), 200 if request.htmx else 400
    data = upload.read(files.MAX_BYTES + 1)
    plan = importing.read(kind, upload.filename, data, publishing_checks(kind))
    try:
        token = _keep(upload.filename, data) if plan.valid else ""
    except OSError as problem:  # the upload folder cannot be written (full, read-only)
        log.error("a checked spreadsheet could not be kept: %s", problem)
        errors["file"] = str(NOT_WRITTEN)
        return render_template(
            "staff/bulk.html", kinds=kind_names(), errors=errors, chosen=kind
        ), 200 if request.htmx else 503
    changing = [change for change in plan.changes if change.action != "unchanged"]
    return render_template(
        "staff/bulk_check.html",
        plan=plan,
        kind=kind,
        kind_name=kind_names()[kind],
        changing=changing,
        listed=LISTED,
        lines=change_lines(kind, changing[:LISTED]),
        filename=upload.filename,
        ignored=ignored_columns(plan),
        token=token,
        counts={
            a: sum(c.action == a for c in plan.changes) for a in ("create", "update", "unchanged")
        },
    ), 200 if plan.valid or request.htmx else 400


def ignored_columns(plan: importing.Plan) -> str:
    """The check's notice of the columns the import leaves out (`Plan.ignored`), or "" when
    it reads them all: not an error, as the rest of the file imports, but what staff typed
    in those columns is not saved, and they should know before they apply it."""
    if not plan.ignored:
        return ""
    columns = list_separator(plan.ignored).join(plan.ignored)  # as typed: not inline_list's
    if plan.ignored_count > len(plan.ignored):
        columns = _("%(values)s 等，共 %(count)d 列", values=columns, count=plan.ignored_count)
    return _(
        "文件里有这些列不是导入用的列：%(columns)s。这些列里的内容不会导入，也不会保存；"
        "其他列照常导入。要保存这些内容，请把它们写进对应的列。",
        columns=columns,
    )


def change_lines(kind_name: str, changes: list[importing.Change]) -> dict[int, list[tuple]]:
    """What each row changes, by row number, field by field as staff read them: (label,
    before, after, the language of a field that has one), each value as every change is
    shown (`helpers.shown`); a place's accessibility feature by feature. A new record has
    no before (""). Each field's choices are worked out once, not once a row: a file has
    up to MAX_ROWS rows."""
    kind = forms.EDITABLE[kind_name]
    by_name = {f.name: f for f in kind.fields}
    by_feature = {f.feature: f for f in kind.fields if f.type == "feature"}
    names = {f.name: f.choices() for f in kind.fields if f.choices}
    lines: dict[int, list[tuple]] = {}
    for change in changes:
        before, row = change.before or {}, lines.setdefault(change.row, [])
        for name in change.fields:
            old, new = before.get(name), change.after.get(name)
            if name == "accessibility":
                old, new = old or {}, new or {}
                for code in dict.fromkeys([*old, *new]):
                    if old.get(code) != new.get(code):
                        f = by_feature[code]
                        old_text, new_text = shown(f, old.get(code)), shown(f, new.get(code))
                        row.append((f.label, old_text, new_text, f.lang))
            elif name in by_name:
                f = by_name[name]
                choices = names.get(name)
                row.append((f.label, shown(f, old, choices), shown(f, new, choices), f.lang))
    return lines


@bp.post("/apply")
@sessions.require(PUBLISHER)
def apply() -> ResponseReturnValue:
    """Apply a checked file: every row or none, each change a revision, the index updated."""
    kind = request.form.get("kind", "")
    path = _kept(request.form.get("token", ""))
    if kind not in kind_names() or path is None:
        flash_failure(_("找不到刚才检查过的文件（文件只保留一天）。请重新上传。"))
        return redirect(url_for("bulk.index"), code=303)
    filename = request.form.get("filename", "")[:200] or path.name
    if path.suffix == APPLIED:
        flash(_("这个文件已经导入过了，没有再导入一次。"))
        return redirect(url_for("editor.items", kind_name=kind), code=303)
    if path.suffix == CLAIMED:
        path = _released(path)
    claimed = None if path.suffix == CLAIMED else _claim(path)
    if claimed is None:  # being applied (a double click)
        flash(_("这个文件正在导入，没有再导入一次。几分钟后列表里还没有变化的，请重新上传。"))
        return redirect(url_for("editor.items", kind_name=kind), code=303)
    try:
        return _apply(kind, claimed, path.name, filename)
    finally:
        if claimed.exists():  # not applied: the file can be applied again
            claimed.rename(path)


def _claim(path: Path) -> Path | None:
    """Take a kept upload for this request alone (a rename, which one request wins); its
    new path, or None when another request took it. The claim's time is the file's."""
    claimed = path.with_name(path.name + CLAIMED)
    try:
        path.rename(claimed)
    except FileNotFoundError:
        return None
    claimed.touch()
    return claimed


def _released(claimed: Path) -> Path:
    """A claim older than STALE_CLAIM_SECONDS, left by a server that stopped while applying
    (its transaction rolled back), given up: the file as it was before; a claim still
    fresh, as it is."""
    if time.time() - claimed.stat().st_mtime < STALE_CLAIM_SECONDS:
        return claimed
    path = claimed.with_name(claimed.name.removesuffix(CLAIMED))
    try:
        claimed.rename(path)  # one request gives it up; another finds it gone
    except FileNotFoundError:
        return claimed
    return path


def _apply(kind: str, path: Path, name: str, filename: str) -> ResponseReturnValue:
    """Apply the claimed upload at `path` (uploaded as `name`); marked `APPLIED` once it is."""
    plan = importing.read(kind, name, path.read_bytes(), publishing_checks(kind))
    if not plan.valid:
        flash_failure(
            _("这个文件现在有问题（可能数据刚被别人改过），没有导入任何内容。请重新检查。")
        )
        return redirect(url_for("bulk.index"), code=303)
    spec = forms.EDITABLE[kind]
    for change in plan.changes:
        if change.action == "update":
            row = db.session.scalar(select(spec.model).where(spec.model.slug == change.slug))
            publishing.original_revision(spec, row)
    try:
        applied = importing.apply(plan)
    except (ValueError, LookupError) as error:
        db.session.rollback()
        flash_failure(_("没有导入任何内容：%(reason)s", reason=str(error)))
        return redirect(url_for("bulk.index"), code=303)
    for row, change in applied:
        if change.action != "unchanged":
            publishing.revision(spec, row, "import")
            # One entry a record, under its key as the editor's saves are, so that the log
            # asked about a record (its key or its title) finds the import that changed it.
            audit("import", kind, publishing.audit_key(row), import_detail(filename, change))
    created = sum(change.action == "create" for _row, change in applied)
    updated = sum(change.action == "update" for _row, change in applied)
    # And one for the whole file, recorded last: the newest, it heads the log.
    audit("import", kind, "", f"{filename}: created {created}, updated {updated}")
    db.session.commit()
    path.rename(path.with_name(path.name.removesuffix(CLAIMED) + APPLIED))  # never again
    publishing.changed()
    flash(_("已导入：新增 %(created)d 条，修改 %(updated)d 条。", created=created, updated=updated))
    return redirect(url_for("editor.items", kind_name=kind), code=303)


def import_detail(filename: str, change: importing.Change) -> str:
    """The detail of a record's import entry: the file and the row it came from, and
    whether it was created or updated (`audit.IMPORTED_ROW` reads it back)."""
    return f"{filename}: row {change.row}, {change.action}"


def publishing_checks(kind_name: str) -> Callable[[importing.Change], list[tuple[str, str]]]:
    """The check of `importing.read` for `kind_name`: the editor's blocking authoring
    findings, for each row whose change the public would see without anyone looking again
    (a new record is published; an update of one that is live or scheduled)."""
    spec = forms.EDITABLE[kind_name]

    def check(change: importing.Change) -> list[tuple[str, str]]:
        """(field, message) for each blocking finding about the row's new values."""
        if change.action == "unchanged":
            return []
        if change.action == "update" and not _goes_public(spec, change.slug):
            return []
        return [
            (
                finding.field,
                _(
                    "导入后这一行会直接公开，但没有通过发布前的检查：%(reason)s",
                    reason=finding.message,
                ),
            )
            for finding in authoring_findings(spec, change.after)
            if finding.blocking
        ]

    return check


def _goes_public(spec: Kind, slug: str) -> bool:
    """True when a change to the record is public at once, or when its schedule comes."""
    row = db.session.scalar(select(spec.model).where(spec.model.slug == slug))
    if row is None or is_live(spec, row):
        return True
    scheduled = select(Schedule.id).where(Schedule.kind == spec.name, Schedule.item_id == row.id)
    return db.session.scalar(scheduled) is not None


def _keep(filename: str, data: bytes) -> str:
    """Keep a checked upload for a day (`uploads`); return its token."""
    uploads.forget_old()
    folder = uploads.folder()
    token = secrets.token_hex(16)
    suffix = Path(filename).suffix.lower()
    (folder / f"{token}{suffix if suffix in ('.csv', '.xlsx') else ''}").write_bytes(data)
    return token


def _kept(token: str) -> Path | None:
    """The upload kept under `token`, if it is still there (named `CLAIMED` while a
    request applies it, `APPLIED` once one has)."""
    if len(token) != 32 or not all(ch in "0123456789abcdef" for ch in token):
        return None
    return next(uploads.folder().glob(f"{token}*"), None)
