"""What staff can edit, and how a field's value moves between the database, a revision
(JSON) and the form (text).

The kinds and their fields are declared once, each in its feature's `spec.py` (see
kinds.py); the editor, the revisions, the diff and the authoring checks read them here.
"""

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ColumnElement, Date, String, Text, or_, select
from werkzeug.datastructures import MultiDict

from ... import opening_hours
from ...contacts.spec import CONTACTS
from ...database import PUBLISHED, Base, db
from ...facilities import features
from ...facilities.spec import FACILITIES
from ...kinds import Field, Kind, Problem, Row, slug_problems
from ...pages.spec import PAGES
from ...plan.spec import INDICATORS
from ...query_args import clean_line, clean_text, lf_line_ends
from ...services.spec import SERVICES
from ...updates.spec import UPDATES
from ..bulk.columns import (
    FLAG_WORDS,
    NO,
    YES,
    CellError,
    feature_reader,
    feature_text,
    hours_refusal,
)
from .media import Link

# The longest text any field takes: far beyond a real notice, well short of a pasted file.
TEXT_LIMIT = 100_000
LINES = re.compile(r"\s*\n\s*")
EDITABLE = {
    kind.name: kind for kind in (UPDATES, PAGES, SERVICES, FACILITIES, CONTACTS, INDICATORS)
}
FEATURE_READERS = {f.code: feature_reader(f) for f in features.FEATURES}
# A feature's controls in the form are named "<field>.<part>": "available", then each key
# it may carry (how, when and by whom it was verified, its measurements, a note).
PART = "."


# --- a feature: its text <-> the form's controls, one per part ---
#
# A feature is kept, autosaved, compared and restored as one text ("是; method=on-site;
# verified_on=2026-11-24; steps=0"), as the spreadsheet writes it. The form shows it as
# controls, so that staff record a verification visit feature by feature; the text sent as
# one field (a script, an older form) is read as it is.


def feature_parts(f: Field, text: str) -> dict:
    """A feature's text as the values of its controls: "available" (是, 否, "" for not
    verified, or the text typed if it is none of these) and each key given."""
    keys = features.detail_keys(features.BY_CODE[f.feature_code])
    split = re.compile(rf"\s*[;；]\s*(?=(?:{'|'.join(keys)})\s*[=＝])")
    first, *details = split.split((text or "").strip().rstrip(";； "))
    flag = FLAG_WORDS.get(first.strip().lower())
    parts = {"available": first.strip() if flag is None else (YES if flag else NO)}
    for detail in details:
        key, _sep, value = re.split("([=＝])", detail, maxsplit=1)
        parts[key.strip()] = value.strip()
    return parts


# The names of a feature's parts the form gives every feature (staff/_field.html); a
# feature's own measurements are named in features.DETAIL_LABELS.
PART_LABELS = {
    "available": _l("有没有"),
    "method": _l("核实方式"),
    "verified_on": _l("核实日期"),
    "verified_by": _l("核实人"),
    "note": _l("说明"),
    "note_en": _l("说明（英文，可不填）"),
}


def typed_parts(f: Field) -> dict[str, object]:
    """A feature's controls that are typed rather than chosen, by their names in the form
    ("<field>.<part>"), with their labels, in the form's order (staff/_field.html): when and
    by whom it was verified, its measurements and words, and its note."""
    feature = features.BY_CODE[f.feature_code]
    labels = PART_LABELS | features.DETAIL_LABELS
    keys = ["verified_on", "verified_by"]
    keys += [key for key, kind in feature.details if kind is not bool] + ["note", "note_en"]
    return {f"{f.name}{PART}{key}": labels[key] for key in keys}


def feature_reading(f: Field, measured: dict | None) -> str:
    """A feature's record as staff read it, for a change shown old and new: a part a line,
    each by its name in the form's words, in the form's order ("有没有：有", "核实方式：实地
    测量", "台阶数：2"). Its text as the spreadsheet writes it ("是; method=on-site; steps=2")
    puts the parts in the order they were written, so a change that only adds or moves a
    part reads as everything deleted and written again."""
    feature = features.BY_CODE[f.feature_code]
    labels = PART_LABELS | features.DETAIL_LABELS
    order = ["available", "method", "verified_on", "verified_by"]
    order += [key for key, _type in feature.details] + ["note", "note_en"]
    line = _("%(part)s：%(value)s")  # looked up once: a spreadsheet shows thousands
    measured = measured or {}
    return "\n".join(
        line % {"part": labels[key], "value": _part_value(key, measured[key])}
        for key in order
        if measured.get(key) not in (None, "")
    )


def _part_value(key: str, value: object) -> str:
    """One part of a feature's record as the form shows it: 有 or 没有, a method's name."""
    if isinstance(value, bool):
        return _("有") if value else _("没有")
    if key == "method" and isinstance(value, str):
        return str(features.METHODS.get(value, value))
    return str(value)


class PartError(ValueError):
    """A feature's control that holds something wrong: `part` is its name ("steps")."""

    def __init__(self, message: str, part: str) -> None:
        super().__init__(message)
        self.part = part


def error_key(f: Field, error: ValueError) -> str:
    """Where a field's error is shown: the field, or a feature's control ("<field>.<part>")."""
    part = getattr(error, "part", "available")
    return f.name if part == "available" else f"{f.name}{PART}{part}"


def _read_feature(f: Field, raw: str) -> dict | None:
    """A feature's text read by the spreadsheet's own reader, so that both accept the same;
    a wrong part is raised as a PartError in the form's words (the reader's message names
    the spreadsheet's syntax instead)."""
    try:
        return FEATURE_READERS[f.feature_code](raw)
    except CellError as error:
        part = error.key or "available"
        if error.as_is:
            raise PartError(str(error), part) from None
        if part == "available":
            raise ValueError(_("请先选择这一项“有”还是“没有”，再填写核实和测量的情况。")) from None
        value = feature_parts(f, raw).get(part, "")
        label = features.DETAIL_LABELS.get(part, "")
        kind = (features.COMMON_KEYS | dict(features.BY_CODE[f.feature_code].details))[part]
        if kind is bool:
            message = _("请从列出的选项中选择“%(label)s”。", label=label)
        elif kind is int:
            message = _(
                "“%(label)s”要填 0 到 %(most)s 之间的整数。", label=label, most=features.MAX_COUNT
            )
        elif part == "method":
            message = _("请从列出的核实方式中选择。")
        elif part == "verified_on" and value:
            message = _("核实日期的格式是 年-月-日，例如 2026-06-30。")
        elif part == "verified_on":
            message = _("写了核实方式，也请填写核实日期。")
        else:
            raise
        raise PartError(message, part) from None


def posted(f: Field, form: MultiDict) -> str | list[str]:
    """A field as posted: a list for a multiple choice; a feature's controls as its text;
    a text with its lines ending in LF and nothing after its last line. A browser ends a
    textarea's lines in CR LF, and a text loaded from a file ends in a new line: read as
    sent, a field nobody touched would differ from what was saved."""
    if f.type == "multi":
        return form.getlist(f.name)
    if f.type != "feature" or f.name in form:
        return lf_line_ends(form.get(f.name, "")).rstrip()
    keys = features.detail_keys(features.BY_CODE[f.feature_code])
    given = [(key, form.get(f"{f.name}{PART}{key}", "").strip()) for key in keys]
    details = [f"{key}={value}" for key, value in given if value]
    available = form.get(f"{f.name}{PART}available", "").strip()
    return "; ".join([available, *details]) if available or details else ""


# --- values: database <-> revision (JSON) <-> form (text) ---


def revision_data(kind: Kind, row: Row) -> dict:
    """Every editable field of `row`, and its status, as a revision keeps them."""
    data = {f.name: f.value_of(row) for f in kind.form_fields}
    if kind.has_status:
        data["status"] = row.status
    return data


def as_text(f: Field, value: Any) -> str | list[str]:  # noqa: ANN401 (its type is f.type's)
    """A stored value as the form shows it."""
    if value is None:
        return [] if f.type == "multi" else ""
    if f.type == "hours":
        return opening_hours.as_text(value)
    if f.type == "feature":
        return feature_text(value) or ""
    if f.type == "multi":
        return list(value)
    if f.type == "list":
        return "\n".join(value)
    if f.type == "checkbox":
        return "1" if value else ""
    return str(value)


def form_values(kind: Kind, data: dict) -> dict:
    """A revision's or row's data as form text."""
    return {f.name: as_text(f, data.get(f.name)) for f in kind.form_fields}


def read_form(kind: Kind, form: MultiDict, row: Row | None = None) -> tuple[dict, dict]:
    """The submitted fields as form text (to show again) and as values, with errors by field.

    Returns (text, values, errors) folded into two dicts: `text` holds what to show in the
    form, `values` the parsed values (only when there are no errors) under "_values".
    """
    text, values, errors = {}, {}, {}
    for f in kind.form_fields:
        if f.type == "slug" and row is not None:
            continue
        raw = posted(f, form)
        text[f.name] = raw
        try:
            values[f.name] = parse(f, raw)
        except ValueError as error:
            errors[error_key(f, error)] = str(error)
    if kind.rules:
        # The rules judge the record as a whole: with the row's text the form does not edit
        # (an indicator's unit, which its value's range depends on). They run even when a
        # field was refused, on the fields that were read, so that one submit lists every
        # problem; a field's own error is the one shown for it.
        unedited = {
            f.name: f.value_of(row)
            for f in kind.loaded
            if row is not None and not f.edit and f.type == "text" and not f.relation
        }
        for problem in kind.rules({**unedited, **values}):
            errors.setdefault(problem.field, problem.message)
    if "slug" in values and not errors.get("slug"):
        slug = values["slug"]
        reserved = slug_problems(slug, kind)  # a word the kind's addresses already use
        if reserved:
            errors["slug"] = reserved[0].message
        elif slug and db.session.scalar(select(kind.model.id).where(kind.model.slug == slug)):
            errors["slug"] = _("这个网址名已被使用，请换一个。")
    return text, {"_values": values, "_errors": errors}


def _refuse(found: list[Problem]) -> None:
    """Raise the first problem's message, which the form shows beside its field."""
    if found:
        raise ValueError(found[0].message)


def parse(f: Field, raw: str | list[str]) -> Any:  # noqa: ANN401 (its type is f.type's)
    """A form field's text as the value to store; ValueError with a message for bad text."""
    if isinstance(raw, list):  # a multi's choices
        allowed = f.choice_names()
        chosen = [value for value in raw if value in allowed]
        if len(chosen) != len(raw):
            raise ValueError(_("请从列出的选项中选择。"))
        # A value sent twice (an edited form, a double click) is one choice, not two links.
        return list(dict.fromkeys(chosen))
    raw = clean_line(raw, f.label) if f.one_line else clean_text(raw.strip(), f.label)
    if f.type == "feature":
        return _read_feature(f, raw)
    if f.type == "checkbox":
        return raw == "1"
    # The field's own rules, with a limit for text that has none of its own.
    _refuse(replace(f, max_length=f.max_length or TEXT_LIMIT).problems(raw))
    if not raw:
        return None
    if f.type == "select":
        return raw
    if f.type == "slug":
        _refuse(slug_problems(raw))
        return raw
    if f.type == "list":
        return [line for line in LINES.split(raw) if line]
    if f.type == "number":
        try:
            return float(raw)
        except ValueError:
            if f.example is None:
                raise ValueError(_("“%(label)s”要填数字。", label=f.label)) from None
            raise ValueError(
                _("“%(label)s”要填数字，例如 %(example)s。", label=f.label, example=f.example)
            ) from None
    if f.type == "date":
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ValueError(_("日期格式是 年-月-日，例如 2026-06-30。")) from None
    if f.type == "hours":
        try:
            return opening_hours.from_text(raw)
        except ValueError:
            raise ValueError(hours_refusal(raw)) from None
    return raw


def same_value(f: Field, stored: Any, parsed: Any) -> bool:  # noqa: ANN401 (f.type's)
    """True when a parsed form value says what the stored one does: the stored value read
    as the form would read it (a text loaded from a file may end in a newline the form
    drops), choices in any order, nothing as nothing."""
    if f.type == "multi":
        return sorted(stored or []) == sorted(parsed or [])
    try:
        stored = parse(f, as_text(f, stored))
    except ValueError:
        pass  # a value stored before a rule it breaks: compared as it is
    empty: tuple[object, ...] = (None, "", [])
    return stored == parsed or (stored in empty and parsed in empty)


def same_stored(f: Field, one: object, other: object) -> bool:
    """True when two stored values (a revision's, the row's) say the same, read as the form
    reads them: by `same_value`, the second read as if posted."""
    if f.type != "multi":
        try:
            other = parse(f, as_text(f, other))
        except ValueError:
            pass  # as in same_value: a value that breaks a later rule, compared as it is
    return same_value(f, one, other)


def values_to_write(kind: Kind, row: Row, values: dict) -> dict:
    """The parsed values a save writes: not a text that reads as the row's does, which
    keeps its text exactly (a file's final new line), so the revisions show no change
    nobody made. Choices are written as they come: their order is kept."""
    current = revision_data(kind, row)
    return {
        name: value
        for name, value in values.items()
        if kind.form_field(name).type == "multi"
        or not same_value(kind.form_field(name), current.get(name), value)
    }


def apply_values(kind: Kind, row: Row, values: dict) -> None:
    """Write parsed values (a form's or a revision's) into the row."""
    # A new row is not in the session yet: looking up a linked row must not flush it half
    # made (through the link it already has).
    with db.session.no_autoflush:
        for f in kind.form_fields:
            if f.name in values and not (f.type == "slug" and row.id is not None):
                _apply_field(kind, row, f, values[f.name])


def _apply_field(kind: Kind, row: Row, f: Field, value: Any) -> None:  # noqa: ANN401 (f.type's)
    """Write one parsed value into the row."""
    if f.type == "feature":
        measured = dict(getattr(row, "accessibility", None) or {})
        measured.pop(f.feature, None)
        if value:
            measured[f.feature] = value
        # A new dict, so the JSON column sees the change.
        setattr(row, "accessibility", measured)  # noqa: B010 (a column of facilities alone)
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
    elif f.type == "date" and value and isinstance(_column(kind, f).type, Date):
        setattr(row, f.name, date.fromisoformat(value))
    elif value is None and not _column(kind, f).nullable:
        setattr(row, f.name, "")  # an empty text where the column holds "" for none
    else:
        setattr(row, f.name, value)


def _column(kind: Kind, f: Field) -> Column:
    """The model's column of a field: a date may be kept as ISO text (as content files and
    JSON hold it) or as a date."""
    return kind.model.__table__.c[f.name]


def _rows_in_order(model: type[Base], column: str, keys: list[str]) -> list[Base]:
    """The rows whose `column` is one of `keys`, in the order of `keys`."""
    rows = {
        getattr(r, column): r
        for r in db.session.scalars(select(model).where(getattr(model, column).in_(keys)))
    }
    return [rows[key] for key in keys if key in rows]


# --- what refers to an item, asked before it is withdrawn ---


@dataclass(frozen=True)
class Referrers:
    """The published items that refer to one item, as the question before its withdrawal
    names them (staff/confirm_withdraw.html): `listed` link it by their declaration (a
    contact's place, a place's services), and their pages stop listing it when it is
    withdrawn; `linked` name its address in their text, a link that would then answer 404
    until someone rewrites it."""

    listed: list[Link]
    linked: list[Link]


def referrers(kind: Kind, row: Row) -> Referrers:
    """The published items of every editable kind that refer to `row`, each once (as
    listed when it also links it in its text). Drafts and withdrawn items are left out:
    nobody sees them, and publishing one is asked about in its own turn."""
    listed: dict[str, Link] = {}
    for other in EDITABLE.values():
        for f in other.fields:
            if not f.relation or f.relation[0] is not kind.model:
                continue
            link = getattr(other.model, f.name)
            found = link.contains(row) if f.type == "multi" else link == row
            for item in _published(other, found):
                listed.setdefault(f"{other.name}:{item.id}", _link_to(other, item))
    linked = {
        key: link
        for key, link in _linking(kind, row).items()
        if key not in listed and key != f"{kind.name}:{row.id}"
    }
    return Referrers(list(listed.values()), list(linked.values()))


def _linking(kind: Kind, row: Row) -> dict[str, Link]:
    """The published items whose text names the public address of `row` (in either
    language: /en/updates/x holds /updates/x), as media.links_to finds a file's; the
    address must end there, so /services/a is not found in /services/a-b."""
    from ..helpers import public_url  # it reads this module's EDITABLE

    if not kind.public_endpoint or kind.key != "slug":
        return {}
    address = public_url(kind, row)
    ending = re.compile(re.escape(address) + r"(?![A-Za-z0-9_-])")
    found = {}
    for other in EDITABLE.values():
        texts = [c for c in other.model.__table__.columns if isinstance(c.type, String | Text)]
        candidates = _published(other, or_(*(c.contains(address) for c in texts)))
        for item in candidates:
            if any(ending.search(getattr(item, c.key) or "") for c in texts):
                found[f"{other.name}:{item.id}"] = _link_to(other, item)
    return found


def _published(kind: Kind, condition: ColumnElement[bool]) -> list[Row]:
    """The rows of `kind` that meet `condition` and that residents see, in the kind's order."""
    query = select(kind.model).where(condition).order_by(*kind.order)
    if kind.has_status:
        query = query.where(kind.model.status == PUBLISHED)
    return list(db.session.scalars(query))


def _link_to(kind: Kind, row: Row) -> Link:
    """An item as the back office's lists of referring items name it (media.Link)."""
    return Link(
        kind=str(kind.label),
        title=str(getattr(row, kind.title_field)),
        published=True,
        url=url_for("editor.edit", kind_name=kind.name, item_id=row.id),
        key=f"{kind.name}:{row.id}",
    )
