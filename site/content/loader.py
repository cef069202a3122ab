"""Idempotent import of content records into the database.

Each item is fingerprinted. A row is updated from its file only while it still matches the
fingerprint of the last load; a row that differs was changed in the database since (by
staff) and is kept as it is, and the report says so. Empty fields are left out of the
fingerprint, so a field added to a kind (empty in every row until loaded) changes no
fingerprint: the next load fills it in.

A load that changes an item tells the app's `History` (the back office's revisions), before
and after, so that a form opened before the load can be merged with what the load wrote.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from ..contacts.spec import CONTACTS
from ..database import Base, db
from ..facilities.spec import FACILITIES, TOWNSHIPS
from ..kinds import Kind, ModelClass, Row
from ..pages.spec import PAGES
from ..plan.models import LEAD, PARTICIPANT, Department, Responsibility
from ..plan.spec import BOXES, DEPARTMENTS, INDICATORS, MEASURES, PARTS, PROJECTS, SECTIONS
from ..query_args import clean_text
from ..services.spec import CATEGORIES, SERVICES
from .files import SOURCE, ContentError, read_all

# The kinds content files hold, each after the kinds its records link to.
LOAD_ORDER = (
    DEPARTMENTS,
    CATEGORIES,
    PAGES,
    PARTS,
    SECTIONS,
    MEASURES,
    BOXES,
    INDICATORS,
    PROJECTS,
    SERVICES,
    TOWNSHIPS,
    FACILITIES,
    CONTACTS,
)

ROLE_FIELDS = {LEAD: "lead", PARTICIPANT: "participants"}
# Where an app keeps its `History` (`app.extensions`).
HISTORY = "content_history"


@dataclass(frozen=True)
class History:
    """What keeps the history of each item a load changes: `changing(kind, row)` before the
    change, the row still at its old version; `changed(kind, row)` after it, at its new
    version with its links written. The back office keeps revisions (staff/ builds on
    content/, so it registers them with `keep_history`)."""

    changing: Callable[[Kind, Row], None]
    changed: Callable[[Kind, Row], None]


def keep_history(app: Flask, history: History) -> None:
    """Have every load in `app` tell `history` about the items it changes."""
    app.extensions[HISTORY] = history


@dataclass
class Report:
    """What a load did, kind by kind."""

    added: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)
    unchanged: dict[str, list[str]] = field(default_factory=dict)
    kept: dict[str, list[str]] = field(default_factory=dict)

    def note(self, outcome: str, kind: str, key: object) -> None:
        """Record the outcome for one item."""
        getattr(self, outcome).setdefault(kind, []).append(str(key))

    def count(self, outcome: str) -> int:
        """How many items had `outcome` across all kinds."""
        return sum(len(keys) for keys in getattr(self, outcome).values())

    def summary(self) -> str:
        """A human-readable account of the load."""
        lines = [
            f"added {self.count('added')}, changed {self.count('changed')}, "
            f"unchanged {self.count('unchanged')}, "
            f"skipped (changed in the database since the last load) {self.count('kept')}"
        ]
        for outcome in ("added", "changed", "kept"):
            for kind, keys in getattr(self, outcome).items():
                lines.append(f"  {outcome} {kind}: {', '.join(keys)}")
        return "\n".join(lines)


def load(directory: Path, demo: bool = False) -> Report:
    """Load every record under `directory`, with `demo` the demo pack's too; the caller
    commits."""
    return load_records(read_all(directory, demo))


def load_records(records: dict[str, list[dict]], kinds: tuple[Kind, ...] = LOAD_ORDER) -> Report:
    """Load records {kind name: [record, ...]} of `kinds`, in that order; the caller commits."""
    report = Report()
    history: History = current_app.extensions[HISTORY]
    to_link = []
    for kind in kinds:
        for record in records.get(kind.name, []):
            record = _cleaned(kind, record)
            synced = _sync_fields(kind, record, report, history)
            if synced is not None:
                to_link.append((kind, record, *synced))
        db.session.flush()
    for kind, record, row, changed in to_link:
        with db.session.no_autoflush:
            apply_links(kind, record, row)
        db.session.flush()
        row.loaded_hash = fingerprint(snapshot(kind, row))
        if changed:
            history.changed(kind, row)
    return report


def _cleaned(kind: Kind, record: dict) -> dict:
    """The record with its text kept as the editor keeps typed text (`clean_text`): a file's
    text reaches the feed and the sitemap as the editor's does."""
    try:
        return {name: _clean(value, name) for name, value in record.items()}
    except ValueError as error:
        where = f"{record.get(SOURCE, kind.name)} ({kind.key} {record.get(kind.key)})"
        raise ContentError(f"{where}: {error}") from error


def _clean(value: object, name: str) -> object:
    """Every text in a value (a list's, a mapping's too) through `clean_text`."""
    if isinstance(value, str):
        return clean_text(value, name)
    if isinstance(value, list):
        return [_clean(item, name) for item in value]
    if isinstance(value, dict):
        return {key: _clean(item, f"{name}.{key}") for key, item in value.items()}
    return value


def _sync_fields(
    kind: Kind, record: dict, report: Report, history: History
) -> tuple[Row, bool] | None:
    """Create or update the row's own columns; return it if its links must be (re)written,
    with whether it was changed (not added)."""
    key = record.get(kind.key)
    if key is None:
        raise ContentError(f"{record.get(SOURCE, kind.name)}: an item has no {kind.key}")
    try:
        kind.check(record)
    except ValueError as error:
        raise ContentError(f"{record.get(SOURCE, kind.name)} ({key}): {error}") from error
    row = db.session.scalar(select(kind.model).where(getattr(kind.model, kind.key) == key))
    wanted = fingerprint(normalise(kind, record))
    changed = row is not None
    if row is None:
        row = kind.model(**{kind.key: key})
        report.note("added", kind.name, key)
    else:
        current = snapshot(kind, row)
        if fingerprint(current) == wanted:
            report.note("unchanged", kind.name, key)
            row.loaded_hash = wanted  # in today's form, if it was written in an earlier one
            return None
        if not _as_loaded(kind, current, row.loaded_hash):
            report.note("kept", kind.name, key)
            return None
        report.note("changed", kind.name, key)
        history.changing(kind, row)
        # A new version, as a staff save makes: a form opened before the load then finds
        # the item moved on and offers the loaded text to merge, instead of undoing it.
        row.version += 1
    for name in kind.columns:
        setattr(row, name, column_value(kind.model, name, record.get(name)))
    for name, (model, column) in kind.parents.items():
        value = record.get(name)
        parent = None if value is None else lookup(model, column, value, record, kind)
        setattr(row, name, parent)
    db.session.add(row)
    return row, changed


def apply_links(kind: Kind, record: dict, row: Row) -> None:
    """Write the many-to-many links and department roles of a new or changed row."""
    for name, (model, column) in kind.collections.items():
        values = record.get(name) or []
        setattr(row, name, [lookup(model, column, value, record, kind) for value in values])
    if kind.roles:
        owner: Any = row  # a measure or a project, which departments lead or take part in
        for old in list(owner.responsibilities):
            db.session.delete(old)
        owner.responsibilities = [
            Responsibility(
                department=lookup(Department, "slug", slug, record, kind),
                role=role,
                position=index,
            )
            for role, name in ROLE_FIELDS.items()
            for index, slug in enumerate(record.get(name) or [])
        ]


def lookup(model: ModelClass, column: str, value: object, record: dict, kind: Kind) -> Base:
    """The row of `model` whose `column` is `value`, or a ContentError naming file and item."""
    found = db.session.scalar(select(model).where(getattr(model, column) == value))
    if found is None:
        where = f"{record.get(SOURCE, kind.name)} ({kind.key} {record.get(kind.key)})"
        raise ContentError(f"{where}: unknown {model.__tablename__} {value!r}")
    return found


def column_value(model: ModelClass, name: str, value: object) -> object:
    """`value`, or the empty value a NOT NULL column takes when the file leaves it out."""
    if value is not None:
        return value
    column = model.__table__.c[name]
    if column.nullable:
        return None
    if column.default is None:
        return ""
    return column.default.arg(None) if column.default.is_callable else column.default.arg


def normalise(kind: Kind, record: dict) -> dict:
    """The comparable form of a file record: only the mapped fields, empties as None."""
    data = {name: _empty_to_none(record.get(name)) for name in kind.columns}
    for name in kind.parents:
        data[name] = record.get(name)
    for name in kind.collections:
        data[name] = sorted(record.get(name) or [])
    if kind.roles:
        for name in ROLE_FIELDS.values():
            data[name] = list(record.get(name) or [])
    return data


def snapshot(kind: Kind, row: Row) -> dict:
    """The comparable form of a database row, shaped like `normalise` of a record."""
    data = {name: _empty_to_none(getattr(row, name)) for name in kind.columns}
    for name, (_model, column) in kind.parents.items():
        parent = getattr(row, name)
        data[name] = getattr(parent, column) if parent is not None else None
    for name, (_model, column) in kind.collections.items():
        data[name] = sorted(getattr(item, column) for item in getattr(row, name))
    if kind.roles:
        owner: Any = row  # as in apply_links
        for role, name in ROLE_FIELDS.items():
            data[name] = [r.department.slug for r in owner.responsibilities if r.role == role]
    return data


def _empty_to_none(value: object) -> object:
    """Treat "", [], {}, False and None alike, and ignore trailing white space in text."""
    if isinstance(value, str):
        value = value.rstrip()
    # By identity for False and None: 0 (a position) is a value, not an empty one.
    empty = value is None or value is False or value in ("", [], {})
    return None if empty else value


def fingerprint(data: dict) -> str:
    """A stable hash of a comparable record, its empty fields left out."""
    return _hash({name: value for name, value in data.items() if value is not None})


def _hash(data: dict) -> str:
    encoded = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


# Fingerprints written before empty fields were left out (up to migration 0006) hashed
# every field of the kind as it was then, empty ones as null. Fields added since:
FIELDS_ADDED_SINCE_EARLIER_FINGERPRINTS = {
    "parts": ("body_en",),
    "sections": ("body_en",),
    "measures": ("title_en", "body_en"),
    "projects": ("body_en",),
    "indicators": ("name_en", "unit_en"),
    "services": ("eligibility_en", "benefits_en", "amount_en", "how_to_apply_en", "documents_en"),
}


def _as_loaded(kind: Kind, current: dict, loaded_hash: str | None) -> bool:
    """True when the row is as the last load wrote it (staff have not changed it), by this
    fingerprint or by the earlier form (the load that follows writes this one)."""
    if loaded_hash == fingerprint(current):
        return True
    added = FIELDS_ADDED_SINCE_EARLIER_FINGERPRINTS.get(kind.name, ())
    earlier = {name: value for name, value in current.items() if name not in added}
    return loaded_hash == _hash(earlier)
