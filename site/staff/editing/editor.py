"""Editing, previewing, publishing, scheduling and withdrawing every kind of item.

Every save is a revision. A save carries the version the form was loaded with; when the
item has moved on since, nothing is written and both versions are shown to merge. Items
that are live (published, or without a status, like indicator values) change only through a
publisher, and only once the authoring checks pass.
"""

import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, UOWTransaction
from werkzeug.datastructures import MultiDict

from ... import display
from ...contacts import views as contact_pages
from ...contacts.models import ContactChannel
from ...database import (
    DRAFT,
    PUBLISHED,
    WRITE_REFUSED,
    commit_if_possible,
    db,
    posted_version,
    row_id,
    utcnow,
)
from ...facilities import views as facility_pages
from ...facilities.models import Facility, Township
from ...i18n import HTML_LANG, ZH, Labels, is_english, localized
from ...kinds import CHOICE_TYPES, Field, Kind, Row
from ...opening_hours import LOCAL_TIME, local_now, local_time
from ...security import READS
from ...services import views as service_pages
from ...services.models import Category, Service
from ...updates.spec import UPDATES
from .. import flash_failure, text_boxes
from ..accounts import sessions
from ..accounts.audit import record as audit
from ..helpers import shown
from ..models import EDITOR, PUBLISHER, Autosave, Revision, Schedule
from . import authoring, autosaves, forms, publishing

bp = Blueprint("editor", __name__, url_prefix="/staff")
bp.add_app_template_global(forms.feature_parts, "feature_parts")
bp.add_app_template_global(Labels(forms.PART_LABELS), "feature_part_labels")  # type: ignore[arg-type]
# The question before a withdrawal (staff/confirm_withdraw.html) names what refers to the item.
bp.add_app_template_global(forms.referrers, "withdraw_referrers")
log = logging.getLogger(__name__)
ACTIONS = ("save", "preview", "publish", "schedule")
# Far enough ahead for any real plan; the local time is checked before converting zones,
# and a later time (near year 9999) could not even be shown in Chiping time.
LATEST_SCHEDULE = timedelta(days=3653)
# Where a successful save leaves the form's URL, so the next form shown tells site.js to
# drop the browser's copy of the text.
SAVED_COPY = "saved_copy"
# The answer to a question before a change goes public: "yes", or "edit" to change the text.
CONFIRM = "confirm"
OFFERED = _l("没有自动保存：先载入或放弃上面那份自动保存的内容。")
# The undo offered after a change to what the public sees (see `_offer_undo`).
UNDO = "undo"
# The public page of each kind that has one of its own: its template, and what it shows of
# a row, by the function its public view calls too. A preview renders that page, with the
# same partials and layout, inside a frame that says it is a preview (staff/preview.html).
PUBLIC_PAGES: dict[str, tuple[str, Callable[[Row], dict]]] = {
    "services": (
        service_pages.DETAIL,
        lambda row: service_pages.page(cast(Service, row), local_now()),
    ),
    "facilities": (
        facility_pages.DETAIL,
        lambda row: facility_pages.page(cast(Facility, row), local_now()),
    ),
    "contacts": (
        contact_pages.DETAIL,
        lambda row: contact_pages.page(cast(ContactChannel, row), local_now()),
    ),
    # Their public views pass the row alone.
    "updates": ("updates/detail.html", lambda row: {"update": row}),
    "pages": ("pages/static.html", lambda row: {"page": row}),
}
# Set in the session while a preview shows values nothing has saved (see `_preview`).
PREVIEWING = "previewing"


@dataclass
class Submission:
    """A posted form: the text to show again, the parsed values, the problems by field."""

    text: dict
    values: dict
    errors: dict


def kind_or_404(name: str) -> Kind:
    """The editable kind of this name; 404 for any other name."""
    return forms.EDITABLE.get(name) or abort(404)


def item_or_404(kind: Kind, item_id: int | str) -> Row:
    """The row of the kind with this id; 404 when there is none."""
    found = row_id(item_id)
    return (found and db.session.get(kind.model, found)) or abort(404)


def revision_or_404(kind: Kind, row: Row, revision_id: int | str) -> Revision:
    """A revision of this row, by its id."""
    found = row_id(revision_id)
    old = db.session.get(Revision, found) if found else None
    if old is None or old.kind != kind.name or old.item_id != row.id:
        abort(404)
    return old


def _with_status_or_404(kind_name: str, item_id: int) -> tuple[Kind, Row]:
    """The kind and the row, for what only items with a status have (withdraw, schedule)."""
    kind = kind_or_404(kind_name)
    if not kind.has_status:
        abort(404)
    return kind, item_or_404(kind, item_id)


def is_live(kind: Kind, row: Row) -> bool:
    """True when the public sees this row as it is saved."""
    return not kind.has_status or row.status == PUBLISHED


def may_change(kind: Kind, row: Row | None) -> bool:
    """Editors change drafts; changing what the public sees, or will see at a scheduled
    time without anyone looking again, takes a publisher."""
    if g.staff.can(PUBLISHER):
        return True
    return row is not None and not is_live(kind, row) and _scheduled_at(kind, row) is None


@bp.get("/<kind_name>/")
@sessions.require(EDITOR)
def items(kind_name: str) -> str:
    """Every item of a kind, with its status."""
    kind = kind_or_404(kind_name)
    rows = db.session.scalars(select(kind.model).order_by(*kind.order)).all()
    scheduled = dict(
        db.session.execute(
            select(Schedule.item_id, Schedule.publish_at).where(Schedule.kind == kind.name)
        ).all()
    )
    return render_template("staff/items.html", kind=kind, rows=rows, scheduled=scheduled)


# The fields typed rather than chosen (a feature's typed controls are its parts').
NOT_TYPED = (*CHOICE_TYPES, "checkbox", "feature", "data")
# The label of the time a scheduled publication is asked for (staff/edit.html).
SCHEDULE_LABEL = _l("发布时间（北京时间）")


@text_boxes("editor.edit", "editor.create")
def typed_boxes() -> dict[str, object]:
    """The edit form's text boxes, by name, with their labels: the fields typed rather than
    chosen, and the typed controls of a place's accessibility features, each named with
    its feature ("无台阶入口：说明"), and the time to publish at, of a kind that has a status."""
    kind = forms.EDITABLE.get((request.view_args or {}).get("kind_name", ""))
    boxes: dict[str, object] = {}
    for f in kind.form_fields if kind else ():
        if f.type == "feature":
            boxes |= {
                name: _("%(feature)s：%(part)s", feature=f.label, part=label)
                for name, label in forms.typed_parts(f).items()
            }
        elif f.type not in NOT_TYPED:
            boxes[f.name] = f.label
    if kind and kind.has_status:
        boxes["publish_at"] = SCHEDULE_LABEL
    return boxes


@bp.route("/<kind_name>/new", methods=["GET", "POST"])
@sessions.require(EDITOR, keep=autosaves.keep_lapsed)
def create(kind_name: str) -> ResponseReturnValue:
    """A new item, saved as a draft (and published at once when a publisher asks)."""
    kind = kind_or_404(kind_name)
    if not kind.can_create:
        abort(404)
    if request.method in READS:
        return _edit_form(kind, None)
    if display.taken_here():
        return _shown_again(kind, None)
    return _saving(kind, None, lambda: _create(kind))


def _create(kind: Kind) -> ResponseReturnValue:
    """Save a posted new item (see `create`). The form sent again goes on as the first
    did (`_created_just_now`), even when both posts arrive together: the look comes after
    this post's row is added and the account held (`_added`)."""
    action, key = _action(), autosaves.key_of(None)  # the draft key this form carries
    submission = read(kind, None)
    if action in ("publish", "schedule") and not g.staff.can(PUBLISHER):
        return _refused(kind, None, submission.text)
    row = None if submission.errors else _added(kind, submission)
    created = _created_just_now(kind, submission)
    if created is not None:  # sent again: go on as the first did (its answer may be lost)
        db.session.rollback()  # this post's own row, when added, is not kept
        flash(_("这条内容已经新建过了，没有再新建一次。"))
        return _after_save(kind, created, action, created.version)
    if row is None:
        autosaves.autosave_posted(kind, key, submission.text, None)
        db.session.commit()
        return _form(kind, None, submission.text, errors=submission.errors, status=400)
    publishing.revision(kind, row, "create")
    audit("create", kind.name, row.slug)
    autosaves.discard_autosave(kind, key)
    version = row.version
    db.session.commit()
    _saved(row, key)
    return _after_save(kind, row, action, version)


@bp.route("/<kind_name>/<int:item_id>", methods=["GET", "POST"])
@sessions.require(EDITOR, keep=autosaves.keep_lapsed)
def edit(kind_name: str, item_id: int) -> ResponseReturnValue:
    """The edit form (GET) and its save (POST), with the version check."""
    kind = kind_or_404(kind_name)
    row = item_or_404(kind, item_id)
    if request.method in READS:
        return _edit_form(kind, row)
    if display.taken_here():
        return _shown_again(kind, row)
    return _saving(kind, row, lambda: _save(kind, row))


def _save(kind: Kind, row: Row) -> ResponseReturnValue:
    """Save a posted edit form (see `edit`): check, write, go on. Each check answers with
    the form again (the text kept) instead of saving."""
    action, submission, base_version = _action(), read(kind, row), posted_version()
    if request.form.get(CONFIRM) == "edit":  # back from the question, to change the text
        return _form(kind, row, submission.text, version=base_version or "")
    asked = _asked(request.form)  # the question's button, and 安排发布's new time
    if request.form.get(CONFIRM) == "preview":  # the question's 先预览
        action = "preview"
    refusal = _check_save(kind, row, submission, action, base_version)
    if refusal is not None:
        return refusal
    if action == "preview" and _goes_public_on_save(kind, row):
        return _preview_first(kind, row, submission, base_version, asked)
    findings = _findings_for(kind, row, submission, action)
    if _blocking(findings) and _goes_public_on_save(kind, row):
        # Keep the text, publish nothing.
        return _kept(kind, row, submission, base_version, findings=findings)
    changes = _changes(kind, row, submission)
    if _goes_public_on_save(kind, row) and changes:
        refused = (
            _time_refused(request.form.get("publish_at", "")) if action == "schedule" else None
        )
        if refused is not None:
            # Before the question and before the save: the text waits, unsaved.
            return _kept(kind, row, submission, base_version, errors={"publish_at": refused})
        if request.form.get(CONFIRM) != "yes":
            return _confirm_changes(kind, row, submission, base_version, changes)
    if base_version is None or not _write(kind, row, submission, base_version):
        return _conflict(kind, row, submission, base_version)
    if _blocking(findings):
        text = forms.form_values(kind, forms.revision_data(kind, row))
        return _form(kind, row, text, findings=findings, status=400, saved=True)
    return _after_save(kind, row, action, base_version + 1)


def _check_save(
    kind: Kind, row: Row, submission: Submission, action: str, base_version: int | None
) -> ResponseReturnValue | None:
    """The answer when the save cannot go ahead: not allowed, a colleague saved first, or
    fields in error; None when it can."""
    needs_publisher = action in ("publish", "schedule") and kind.has_status
    if not may_change(kind, row) or (needs_publisher and not g.staff.can(PUBLISHER)):
        return _refused(kind, row, submission.text)
    if base_version != row.version and _saved_just_now(kind, row, submission, base_version):
        # A second press of the button, or Back and send again: that save is done. Go on
        # as it did (its answer, with the undo, may never have reached the browser).
        flash(_("这些修改已经保存过了，没有再保存一次。"))
        return _after_save(kind, row, action, row.version)
    if base_version != row.version:
        return _conflict(kind, row, submission, base_version)
    if submission.errors:
        return _kept(kind, row, submission, base_version, errors=submission.errors)
    return None


def _added(kind: Kind, submission: Submission) -> Row | None:
    """The new item's row, added with this account held (`sessions.one_at_a_time`): the
    second of two posts of its form sent at the same moment (a double click) waits here
    until the first is committed, and then finds it (`_created_just_now`). None when the
    first made an item at the address this one asks for (a slug is unique: the database
    refused this row once the first was committed). When a colleague's item took it, the
    refusal stands: the page of a unique key taken at the same moment
    (`errors.handle_integrity_error`)."""
    row = kind.model(status=DRAFT)
    forms.apply_values(kind, row, submission.values)
    row.slug = submission.values.get("slug") or _new_slug(kind)
    try:
        sessions.one_at_a_time(row)
    except IntegrityError:
        db.session.rollback()
        if _created_just_now(kind, submission) is None:
            raise
        return None
    return row


def _created_just_now(kind: Kind, submission: Submission) -> Row | None:
    """The item made by this account's newest creation of the kind, when it was made from
    this very text and nobody changed it since: the new item's form was sent again (a
    double click, Back and send again), which would make a second item, or be refused for
    taking the first one's address. Call it with this post's row added (`_added`), unless
    the form is in error: then nothing is added, and the first, if any, is committed (its
    address is why the form is in error)."""
    newest = db.session.scalar(
        select(Revision)
        .where(
            Revision.kind == kind.name,
            Revision.action == "create",
            Revision.user_id == g.staff.id,
        )
        .order_by(Revision.id.desc())
        .limit(1)
    )
    row = db.session.get(kind.model, newest.item_id) if newest is not None else None
    if newest is None or row is None or row.version != newest.version:
        return None
    slug = submission.text.get("slug")
    fields = [f for f in kind.form_fields if f.type != "slug"]
    same = all(_says(submission, f, newest.data.get(f.name)) for f in fields)
    return row if same and (not slug or slug == row.slug) else None


def _saved_just_now(kind: Kind, row: Row, submission: Submission, base_version: int | None) -> bool:
    """True when the item's newest version is this account's save of this very text from
    the version the form was loaded at: the form was sent again."""
    if base_version is None or row.version != base_version + 1 or submission.errors:
        return False
    newest = db.session.scalar(
        select(Revision)
        .where(Revision.kind == kind.name, Revision.item_id == row.id)
        .order_by(Revision.id.desc())
        .limit(1)
    )
    return (
        newest is not None
        and (newest.version, newest.action, newest.user_id) == (row.version, "save", g.staff.id)
        and all(
            _says(submission, kind.form_field(name), newest.data.get(name))
            for name in submission.values
        )
    )


def _goes_public_on_save(kind: Kind, row: Row) -> bool:
    """Saving a live item publishes the change, saving a scheduled one publishes it later:
    a change to either is asked about first, whichever button saves it. 保存并发布 saves
    the text into the scheduled version before its own question, and 安排发布 before it
    sets the new time: either way the text goes out at a time the publisher never saw it
    for. 安排发布's new time rides along with the question (`publish_at`)."""
    return is_live(kind, row) or _scheduled_at(kind, row) is not None


def _preview_first(
    kind: Kind, row: Row, submission: Submission, base_version: int | None, asked: dict
) -> ResponseReturnValue:
    """保存并预览 on an item whose save goes public (now, or at its scheduled time): nothing
    is saved to the item. The text waits as this account's autosave, as it does for the
    question before a live save, and the preview shows it; the question comes after
    (`changes`, linked from the preview). A form shown with an autosave on offer keeps no
    text on the server, so its preview is the answer to this post and carries the text on.
    `asked` (see `_asked`) goes on to the question: 先预览 on the question of 安排发布
    keeps its new time."""
    if not _changes(kind, row, submission):
        flash(_("没有修改。下面是现在保存的样子。"))
        return redirect(url_for("editor.preview", kind_name=kind.name, item_id=row.id), code=303)
    if autosaves.offered():
        return _preview(
            kind, row, submission.values, posted=submission.text, version=base_version, asked=asked
        )
    autosaves.autosave(g.staff.id, kind, autosaves.key_of(row.id), submission.text, base_version)
    db.session.commit()
    return redirect(_with_autosave("editor.preview", kind, row, **asked), code=303)


def _asked(carried: Mapping[str, str]) -> dict[str, str]:
    """What the question before a public save asks about, as `carried` (a form, or the
    address of the question or of the preview) says: 安排发布 (`action`) with its new time
    as typed (`publish_at`; no resident's answer, so it may ride in an address); nothing
    for a save."""
    if carried.get("action") == "schedule":
        return {"action": "schedule", "publish_at": carried.get("publish_at", "")}
    return {}


def _findings_for(
    kind: Kind, row: Row, submission: Submission, action: str
) -> list[authoring.Finding]:
    """The authoring checks, when what is saved is (or is about to be) public."""
    if _goes_public_on_save(kind, row) or action in ("publish", "schedule"):
        return authoring_findings(kind, submission.values)
    return []


def _blocking(findings: list[authoring.Finding]) -> list[authoring.Finding]:
    """The findings that stop publishing."""
    return [f for f in findings if f.blocking]


def _kept(
    kind: Kind, row: Row, submission: Submission, base_version: int | None, **problems: Any
) -> tuple[str, int]:
    """The form again with its problems (400), the text kept as this account's autosave."""
    autosaves.autosave_posted(kind, autosaves.key_of(row.id), submission.text, base_version)
    db.session.commit()
    return _form(kind, row, submission.text, status=400, **problems)


def _write(kind: Kind, row: Row, submission: Submission, base_version: int | None) -> bool:
    """Claim the next version and write the values, a revision and the audit entry, and
    commit; False (nothing written) when a colleague's save took the version first."""
    publishing.original_revision(kind, row)
    if not publishing.claim(kind, row, base_version):
        db.session.rollback()
        return False
    forms.apply_values(kind, row, forms.values_to_write(kind, row, submission.values))
    publishing.revision(kind, row, "save")
    audit("save", kind.name, publishing.audit_key(row))
    autosaves.discard_autosave(kind, autosaves.key_of(row.id))
    db.session.commit()
    _saved(row)
    publishing.changed()
    return True


def _saving(
    kind: Kind, row: Row | None, save: Callable[[], ResponseReturnValue]
) -> ResponseReturnValue:
    """Run `save`; when the database refuses a write, show the form again with the posted
    text and say so (503). Anything already committed (a draft saved before publishing
    failed) is the form's item and version, so saving again goes on from there."""
    try:
        return save()
    except WRITE_REFUSED as error:
        db.session.rollback()
        log.warning("a staff save was refused by the database: %s", error.orig)
    saved = g.pop("saved_row", None)
    row = saved or row
    version = saved.version if saved is not None else posted_version()
    return _form(
        kind, row, autosaves.posted_text(kind), version=version or "", unsaved=True, status=503
    )


def _saved(row: Row, draft_key: str | None = None) -> None:
    """Note a committed save: for `_saving`, and for the browser's copy of the text (named
    by the form's address, and a new item's by its draft key too: `copy_name`)."""
    g.saved_row = row
    # /en/staff/… on the English site
    session[SAVED_COPY] = copy_name(request.script_root + request.path, draft_key)


def copy_name(action_url: str, draft_key: str | None) -> str:
    """What the browser's copy of a form's text is known by, after the account: the form's
    address, and for a new item its draft key, so two tabs of new items keep two copies."""
    return f"{action_url}#{draft_key}" if draft_key else action_url


bp.add_app_template_global(copy_name, "copy_name")


def _after_save(kind: Kind, row: Row, action: str, version: int) -> ResponseReturnValue:
    """Go on from a successful save (which left the row at `version`): publish, schedule,
    preview, or back to the form."""
    if action in ("publish", "schedule") and kind.has_status:
        findings = authoring_findings(kind, forms.revision_data(kind, row))
        if any(f.blocking for f in findings):
            text = forms.form_values(kind, forms.revision_data(kind, row))
            return _form(kind, row, text, findings=findings, status=400, saved=True)
        if action == "schedule":
            return _schedule(kind, row)
        # The draft is saved; publishing waits for the question's answer.
        return redirect(
            url_for("editor.publish", kind_name=kind.name, item_id=row.id, version=version),
            code=303,
        )
    if is_live(kind, row):
        _offer_undo(kind, row, "save")
    if action == "preview":
        flash(_("已保存并公开。") if is_live(kind, row) else _("已保存草稿。"))
        return redirect(url_for("editor.preview", kind_name=kind.name, item_id=row.id), code=303)
    flash(_("已保存并公开。") if is_live(kind, row) else _("已保存草稿。"))
    return _back_to_form(kind, row)


def _changes(kind: Kind, row: Row, submission: Submission) -> list[tuple[Field, str, str]]:
    """The fields a save would change, each (field, text now, text after) as changes are
    shown (`helpers.shown`)."""
    current = forms.revision_data(kind, row)
    return [
        (f, shown(f, current.get(f.name)), shown(f, submission.values[f.name]))
        for f in kind.form_fields
        if f.name in submission.values
        and not forms.same_value(f, current.get(f.name), submission.values[f.name])
    ]


def _confirm_changes(
    kind: Kind,
    row: Row,
    submission: Submission,
    base_version: int | None,
    changes: list[tuple[Field, str, str]],
) -> ResponseReturnValue:
    """Before changing what the public sees, now or at the scheduled time: the changes, and
    a question (WCAG 3.3.6). The text is kept as this account's autosave meanwhile, and sent
    again with the answer. The question is a page of its own (`changes`), so that Back from
    the page after the answer shows it again instead of posting the form again; a form
    shown with an autosave on offer keeps no text on the server, so it is asked here."""
    if not autosaves.offered():
        autosaves.autosave(
            g.staff.id, kind, autosaves.key_of(row.id), submission.text, base_version
        )
        db.session.commit()
        ids: dict[str, Any] = {"kind_name": kind.name, "item_id": row.id, "action": _action()}
        if _action() == "schedule":  # its new time: no resident's answer, so in the address
            ids["publish_at"] = request.form.get("publish_at", "")
        return redirect(url_for("editor.changes", **ids), code=303)
    return _question(kind, row, submission.text, base_version, changes, _action(), request.form)


def _question(
    kind: Kind,
    row: Row,
    text: dict,
    version: int | None,
    changes: list[tuple[Field, str, str]],
    action: str,
    carried: Mapping[str, str],
) -> str:
    """The page that asks before a save changes what the public sees; for 安排发布, with
    the new time (`carried`: the form or the question's address), shown when it can be read
    and sent on with the answer."""
    publish_at = carried.get("publish_at", "") if action == "schedule" else None
    return render_template(
        "staff/confirm_changes.html", kind=kind, row=row, text=text, changes=changes,
        version=version, action=action,
        scheduled=None if is_live(kind, row) else _scheduled_at(kind, row),
        publish_at=publish_at, new_time=_new_time(publish_at),
    )  # fmt: skip


def _new_time(publish_at: str | None) -> datetime | None:
    """安排发布's new time as typed, read; None when there is none or it cannot be read. A
    time passed since is not shown: the answer is refused, the reason on the form."""
    if publish_at is None or _time_refused(publish_at) is not None:
        return None
    return _scheduled_time(publish_at)


@bp.get("/<kind_name>/<int:item_id>/changes")
@sessions.require(EDITOR)
def changes(kind_name: str, item_id: int) -> ResponseReturnValue:
    """The question before a save changes what the public sees, for the text this account
    has waiting as its autosave; once that is saved or discarded, back to the form."""
    kind = kind_or_404(kind_name)
    row = item_or_404(kind, item_id)
    action = request.args.get("action", "save")
    action = action if action in ACTIONS else "save"
    draft = autosaves.saved_draft(kind, autosaves.key_of(row.id))
    submission = (
        read(kind, row, _as_posted(draft.data))
        if draft is not None and _goes_public_on_save(kind, row)
        else None
    )
    changed = (
        _changes(kind, row, submission) if submission is not None and not submission.errors else []
    )
    if draft is None or not changed:
        flash(_("没有等待确认的修改：已经保存了，或者已经放弃了。"))
        return _back_to_form(kind, row)
    return _question(kind, row, draft.data, draft.base_version, changed, action, request.args)


def _as_posted(text: dict) -> MultiDict:
    """A form's text (an autosave's) as the browser would post it."""
    return MultiDict(
        [
            (name, one)
            for name, value in text.items()
            for one in ([value] if isinstance(value, str) else value)
        ]
    )


@bp.route("/<kind_name>/<int:item_id>/publish", methods=["GET", "POST"])
@sessions.require(PUBLISHER)
def publish(kind_name: str, item_id: int) -> ResponseReturnValue:
    """The question before publishing a saved draft (GET, `version` the one the save left),
    and its answer (POST): publish, if nobody changed the item since."""
    kind, row = _with_status_or_404(kind_name, item_id)
    if request.method in READS:
        version = row_id(request.args.get("version", "")) or row.version
        findings = authoring_findings(kind, forms.revision_data(kind, row))
        return render_template(
            "staff/confirm_publish.html", kind=kind, row=row, version=version,
            moved_on=version != row.version, live=is_live(kind, row),
            scheduled=_scheduled_at(kind, row),
            warnings=[f for f in findings if not f.blocking], blocking=_blocking(findings),
        )  # fmt: skip
    findings = authoring_findings(kind, forms.revision_data(kind, row))
    if _blocking(findings):
        text = forms.form_values(kind, forms.revision_data(kind, row))
        return _form(kind, row, text, findings=findings, status=400, saved=True)
    if is_live(kind, row):  # a second press, or a colleague published it meanwhile
        flash(_("这条内容已经公开了，不需要再发布。"))
        return _back_to_form(kind, row)
    seen = posted_version()  # without one, nothing says which version was seen
    if seen is None or not publishing.publish(kind, row, version=seen):
        flash_failure(_("没有发布：您看过以后，别人又改过这条内容。请看过最新版本后再发布。"))
        return _back_to_form(kind, row)
    _offer_undo(kind, row, "publish")
    flash(_("已发布。公开页面、网站地图、订阅和搜索都已更新。"))
    return _back_to_form(kind, row)


def _offer_undo(kind: Kind, row: Row, action: str) -> None:
    """Offer to undo a change to what the public sees, on the form shown next (when the
    revision before it is kept, not for a change made outside the back office, and a save
    would take it: see `_restored`)."""
    old = publishing.before(kind, row, row.version)
    if old is None:
        return
    _restored, errors, blocking = _restore_check(kind, row, old)
    if not errors and not blocking:
        session[UNDO] = {"kind": kind.name, "id": row.id, "version": row.version, "action": action}


def _undo_offered(kind: Kind, row: Row) -> dict | None:
    """The undo offered for this row, while nothing else changed it (taken once)."""
    offer = session.pop(UNDO) if UNDO in session else None
    if not isinstance(offer, dict) or not g.staff.can(PUBLISHER):
        return None
    offered = [offer.get(key) for key in ("kind", "id", "version")]
    return offer if offered == [kind.name, row.id, row.version] else None


@bp.post("/<kind_name>/<int:item_id>/undo")
@sessions.require(PUBLISHER)
def undo(kind_name: str, item_id: int) -> ResponseReturnValue:
    """Undo the change that left the item at the posted version: put it back as it was."""
    kind = kind_or_404(kind_name)
    row = item_or_404(kind, item_id)
    version = posted_version()
    old = publishing.before(kind, row, version)
    if old is not None:
        restored, errors, blocking = _restore_check(kind, row, old)
        if errors or blocking:  # nothing written: the old text waits in the form, to correct
            return _form(
                kind, row, restored.text, errors=errors, findings=blocking, status=400,
                restored=old.version, not_undone=True,
            )  # fmt: skip
    if old is None or not publishing.claim(kind, row, version):
        db.session.rollback()
        flash_failure(
            _("没有撤销：这条内容在那以后又改过。需要的话，请在“历史版本”里找回以前的内容。")
        )
        return _back_to_form(kind, row)
    cancelled = publishing.restore(kind, row, old, restored.values)
    flash(_("已撤销，这条内容恢复成了第 %(n)d 版的样子。", n=old.version))
    if cancelled and _scheduled_at(kind, row):
        flash(_("原来安排的定时发布也已恢复：%(at)s。", at=local_time(cancelled)))
    elif cancelled and cancelled <= utcnow():
        flash(
            _(
                "原来安排在 %(at)s 的定时发布没有恢复，因为这个时间已经过了。"
                "需要的话，请重新安排。",
                at=local_time(cancelled),
            )
        )
    return _back_to_form(kind, row)


def _schedule(kind: Kind, row: Row) -> ResponseReturnValue:
    """Keep the draft, to be published at the time given (Chiping time)."""
    try:
        at = _scheduled_time(request.form.get("publish_at", ""))
    except ValueError as error:
        text = forms.form_values(kind, forms.revision_data(kind, row))
        errors = {"publish_at": str(error)}
        return _form(kind, row, text, errors=errors, status=400, saved=True)
    publishing.unschedule(kind, row)
    db.session.add(Schedule(kind=kind.name, item_id=row.id, publish_at=at, user_id=g.staff.id))
    audit("schedule", kind.name, row.slug, local_time(at))  # as the log shows times
    db.session.commit()
    flash(_("已安排发布。到时间后会自动发布。"))
    return _back_to_form(kind, row)


def _time_refused(raw: str) -> str | None:
    """Why `raw` cannot be scheduled (`_scheduled_time`'s message), or None when it can."""
    try:
        _scheduled_time(raw)
    except ValueError as error:
        return str(error)
    return None


def _scheduled_time(raw: str) -> datetime:
    """A future local time from a datetime-local field, as naive UTC; ValueError with the
    form's message if not that."""
    try:
        local = datetime.fromisoformat(raw.strip().replace(" ", "T"))
    except ValueError:
        local = None
    now = datetime.now(LOCAL_TIME).replace(tzinfo=None)
    # Compared in local time first: converting a time near year 1 overflows.
    if local is None or local.tzinfo is not None or local <= now:
        raise ValueError(_("请填写将来的发布时间，例如 2026-12-01 09:00。"))
    if local > now + LATEST_SCHEDULE:
        raise ValueError(_("发布时间最晚只能安排在十年之内。"))
    return local.replace(tzinfo=LOCAL_TIME).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


@bp.post("/<kind_name>/<int:item_id>/withdraw")
@sessions.require(PUBLISHER)
def withdraw(kind_name: str, item_id: int) -> ResponseReturnValue:
    """Take an item off the public site (it stays here, and can be published again)."""
    kind, row = _with_status_or_404(kind_name, item_id)
    if request.form.get(CONFIRM) != "yes":
        return render_template(
            "staff/confirm_withdraw.html", kind=kind, row=row, version=posted_version() or ""
        )
    publishing.original_revision(kind, row)  # kept at the version before, for an undo
    if not publishing.claim(kind, row, posted_version()):
        flash_failure(_("这条内容刚被别人修改过，请看过最新版本后再撤回。"))
        return _back_to_form(kind, row)
    publishing.withdraw(kind, row)
    _offer_undo(kind, row, "withdraw")
    flash(_("已撤回。公开页面、网站地图、订阅和搜索中都已不再显示。"))
    return _back_to_form(kind, row)


@bp.post("/<kind_name>/<int:item_id>/unschedule")
@sessions.require(PUBLISHER)
def unschedule(kind_name: str, item_id: int) -> ResponseReturnValue:
    """Cancel a scheduled publication: the one the page showed, at the version posted (a
    colleague who changed the item since may have scheduled it anew). The item is read
    locked, as a save locks it: a save that is committing is waited for, so its schedule
    is never taken for the one the page showed."""
    kind, row = _with_status_or_404(kind_name, item_id)
    db.session.refresh(row, with_for_update=True)
    if posted_version() != row.version:
        flash_failure(
            _(
                "没有取消：您打开页面以后，别人改过这条内容或它的定时发布。请看过现在的安排后再决定。"
            )
        )
        return _back_to_form(kind, row)
    publishing.unschedule(kind, row)
    audit("unschedule", kind.name, row.slug)
    db.session.commit()
    flash(_("已取消定时发布。"))
    return _back_to_form(kind, row)


@bp.get("/<kind_name>/<int:item_id>/preview")
@sessions.require(EDITOR)
def preview(kind_name: str, item_id: int) -> ResponseReturnValue:
    """The item's public page as residents would see it, in a frame that says it is a
    preview: as saved, or (`?from=autosave`) with the changes this account has waiting to be
    asked about before they go public, which nothing has saved to the item yet."""
    kind = kind_or_404(kind_name)
    row = item_or_404(kind, item_id)
    if request.args.get("from") != "autosave":
        return _preview(kind, row)
    draft = autosaves.saved_draft(kind, autosaves.key_of(row.id))
    submission = read(kind, row, _as_posted(draft.data)) if draft is not None else None
    if draft is None or submission is None:
        flash(_("没有等待确认的修改：已经保存了，或者已经放弃了。"))
        return redirect(url_for("editor.preview", kind_name=kind.name, item_id=row.id), code=303)
    if submission.errors:
        flash_failure(_("您写的内容里有要改正的地方，还不能预览。请在表单里改正以后再预览。"))
        return redirect(_with_autosave("editor.edit", kind, row), code=303)
    return _preview(
        kind, row, submission.values, version=draft.base_version, asked=_asked(request.args)
    )


def _with_autosave(endpoint: str, kind: Kind, row: Row, **arguments: str) -> str:
    """The address of the item's edit form or preview with this account's autosaved text,
    and any more `arguments`."""
    values: dict[str, Any] = {"kind_name": kind.name, "item_id": row.id, "from": "autosave"}
    return url_for(endpoint, **values | arguments)


def _preview(
    kind: Kind,
    row: Row,
    values: dict | None = None,
    *,
    posted: dict | None = None,
    version: int | None = None,
    asked: dict | None = None,
) -> str:
    """The preview of a row: its public page, as saved, or with `values` in it (parsed
    values nothing has saved: `posted`, their text, when only this page carries them; the
    question to come is about `asked`, see `_asked`).

    Unsaved values are written into the row in memory, the page rendered, and the session
    rolled back: never flushed (a flush while previewing raises, `_never_while_previewing`),
    so the database, the search index and the page cache never see them."""
    frame = {
        "kind": kind,
        "row": row,
        "pending": values is not None,
        "posted": posted,
        "version": version if version is not None else row.version,
        "live": is_live(kind, row),
        "scheduled": _scheduled_at(kind, row),
        "edit_url": url_for("editor.edit", kind_name=kind.name, item_id=row.id),
        "asked": asked or {"action": "save"},
        "new_time": _new_time((asked or {}).get("publish_at")),
    }
    if values is None:
        return _framed(kind, row, frame)
    db.session.info[PREVIEWING] = True
    try:
        with db.session.no_autoflush:
            forms.apply_values(kind, row, forms.values_to_write(kind, row, values))
            return _framed(kind, row, frame)
    finally:
        db.session.rollback()
        db.session.info.pop(PREVIEWING, None)


def _framed(kind: Kind, row: Row, frame: dict) -> str:
    """The row's public page in the preview's frame (`frame` says what the frame says); a
    kind with no page of its own (an indicator's value) shows its fields."""
    public = PUBLIC_PAGES.get(kind.name)
    if public is None:
        return render_template("staff/preview_fields.html", preview=frame)
    template, shown = public
    return render_template(
        "staff/preview.html", page_template=template, preview=frame, **shown(row)
    )


@event.listens_for(db.session, "before_flush")
def _never_while_previewing(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    """A preview's values are never written: a flush while one is shown is a mistake."""
    if session.info.get(PREVIEWING):
        raise RuntimeError("a preview's unsaved values were about to be written")


@bp.get("/<kind_name>/<int:item_id>/revisions")
@sessions.require(EDITOR)
def revisions(kind_name: str, item_id: int) -> str:
    """Every saved revision of an item, newest first."""
    kind = kind_or_404(kind_name)
    row = item_or_404(kind, item_id)
    return render_template(
        "staff/revisions.html", kind=kind, row=row, revisions=_revisions_of(kind, row)
    )


@bp.get("/<kind_name>/<int:item_id>/revisions/<int:revision_id>")
@sessions.require(EDITOR)
def revision(kind_name: str, item_id: int, revision_id: int) -> str:
    """What differs between a revision and the item as it is now."""
    kind = kind_or_404(kind_name)
    row = item_or_404(kind, item_id)
    old = revision_or_404(kind, row, revision_id)
    current = forms.revision_data(kind, row)
    changes = [
        (f, shown(f, old.data.get(f.name)), shown(f, current.get(f.name)))
        for f in kind.form_fields
        # A field added since the revision was saved is not a change it would make; a text
        # that only lost its final new line (saved before saves kept it) is no change.
        if f.name in old.data and not forms.same_stored(f, old.data[f.name], current.get(f.name))
    ]
    return render_template("staff/revision.html", kind=kind, row=row, old=old, changes=changes)


@bp.route("/<kind_name>/<key>/autosave", methods=["POST"])
@sessions.require(EDITOR, keep=autosaves.keep_lapsed)
def autosave(kind_name: str, key: str) -> ResponseReturnValue:
    """Keep what is in the form on the server (htmx posts it while the user types)."""
    kind = kind_or_404(kind_name)
    if not autosaves.is_new_key(key):
        item_or_404(kind, key)
    if autosaves.offered():
        return render_template("staff/_autosaved.html", problem=OFFERED), 409
    text = autosaves.posted_text(kind)
    problem = autosaves.too_long(kind, text)
    if problem is not None:
        return render_template("staff/_autosaved.html", problem=problem), 400
    keep = partial(autosaves.autosave, g.staff.id, kind, key, text, posted_version())
    if not commit_if_possible("an autosave", keep):
        return render_template("staff/_autosaved.html", unavailable=True), 503
    return render_template("staff/_autosaved.html", at=utcnow())


@bp.post("/<kind_name>/<key>/autosave/discard")
@sessions.require(EDITOR)
def discard(kind_name: str, key: str) -> ResponseReturnValue:
    """Throw away the autosaved text. A new item's form that offered it goes on under its
    own draft key (posted as autosaves.DRAFT), whatever it had autosaved still there."""
    kind = kind_or_404(kind_name)
    item = row_id(key.removesuffix(autosaves.KEPT))
    if not item and not autosaves.is_new_key(key):
        abort(404)
    autosaves.discard_autosave(kind, key)
    db.session.commit()
    flash(_("已放弃自动保存的内容。"))
    if item:
        return redirect(url_for("editor.edit", kind_name=kind.name, item_id=item), code=303)
    going_on = request.form.get(autosaves.DRAFT, "")
    if autosaves.is_new_key(going_on) and going_on != key:
        return redirect(url_for("editor.create", kind_name=kind.name, draft=going_on), code=303)
    return redirect(url_for("editor.create", kind_name=kind.name), code=303)


# --- helpers ---

# The site's lists an update keeps by slug, as JSON rather than a link to their rows (its
# topics and townships), by field: the model of the rows that name them. A field that links
# its rows says so in its own `relation`.
LISTED_BY_SLUG: dict[str, Any] = {"topics": Category, "townships": Township}


def choice_labels(f: Field) -> dict[str, tuple[str, str | None]]:
    """A drop-down's or a multiple choice's choices as the form lists them, {code: (label,
    lang)}. A row of the site's lists (a topic, a township, a category, a service) is named
    in the page's language as the public pages name it (i18n.localized: on an English page
    its English name, or its Chinese one marked zh-CN when it has none), found by the
    relation's key; any other choice by its label, marked zh-CN on an English page when it
    is Chinese."""
    english = is_english()
    names = f.choice_names()
    labels = {
        code: (label, HTML_LANG[ZH] if english and not label.isascii() else None)
        for code, label in names.items()
    }
    model, key = f.relation if f.relation else (None, "slug")
    if f.name in LISTED_BY_SLUG and UPDATES.field(f.name) is f:
        model, key = LISTED_BY_SLUG[f.name], "slug"
    if not english or model is None:
        return labels
    name = "name" if hasattr(model, "name") else "title"
    column = getattr(model, key)
    named = {
        str(getattr(row, key)): localized(row, name)
        for row in db.session.scalars(select(model).where(column.in_(list(names))))
    }
    return {
        code: (named[code][0] or label, named[code][1]) if code in named else (label, lang)
        for code, (label, lang) in labels.items()
    }


bp.add_app_template_global(choice_labels, "choice_labels")


def _back_to_form(kind: Kind, row: Row) -> ResponseReturnValue:
    """After a POST, back to the item's edit form (where the flashed message shows)."""
    return redirect(url_for("editor.edit", kind_name=kind.name, item_id=row.id), code=303)


def read(kind: Kind, row: Row | None, form: MultiDict | None = None) -> Submission:
    """A form as posted (by default, this request's), read."""
    text, parsed = forms.read_form(kind, request.form if form is None else form, row)
    return Submission(text, parsed["_values"], parsed["_errors"])


def _action() -> str:
    """The button pressed."""
    action = request.form.get("action", "save")
    return action if action in ACTIONS else "save"


def _refused(kind: Kind, row: Row | None, text: dict) -> tuple[str, int]:
    """A save this account may not make: the item went public (or was scheduled) while it
    was being edited, or the account's role changed. Nothing is written to the item; the
    text is kept as this account's autosave, and the form says why (403)."""
    autosaves.autosave_posted(
        kind, autosaves.key_of(row.id if row else None), text, posted_version()
    )
    db.session.commit()
    if row is not None and not may_change(kind, row):
        # The form cannot take this text any more: it shows what is saved, and the text
        # is shown apart, to copy (autosaves are per account: a publisher cannot see it).
        saved = forms.form_values(kind, forms.revision_data(kind, row))
        reason = _(
            "这条内容已经公开或已安排定时发布，修改它需要“发布人”角色，所以没有保存。"
            "您写的内容在下面“您写的内容”里：请复制下来发给发布人，或者请发布人来修改。"
        )
        return _form(kind, row, saved, refused=reason, typed=text, status=403)
    reason = _(
        "这个操作需要“发布人”角色。您写的内容还在下面的表单里，可以保存成草稿，再请发布人发布。"
    )
    return _form(kind, row, text, refused=reason, status=403)


def _new_slug(kind: Kind) -> str:
    """A slug for an item created without one: its date and a few random characters."""
    return f"{datetime.now(LOCAL_TIME):%Y%m%d}-{secrets.token_hex(3)}"


def _revisions_of(kind: Kind, row: Row) -> list[Revision]:
    """Every revision of the row, newest first."""
    return list(
        db.session.scalars(
            select(Revision)
            .where(Revision.kind == kind.name, Revision.item_id == row.id)
            .order_by(Revision.id.desc())
        )
    )


def _edit_form(kind: Kind, row: Row | None) -> tuple[str, int]:
    """The form for GET: the saved item, an autosaved draft, or a revision to restore; for a
    new item, `_new_form`."""
    if row is None:
        return _new_form(kind)
    text = forms.form_values(kind, forms.revision_data(kind, row))
    version, notice = row.version, None
    draft = autosaves.saved_draft(kind, autosaves.key_of(row.id))
    kept = autosaves.saved_draft(kind, autosaves.key_of(row.id) + autosaves.KEPT)
    source = request.args.get("from", "")
    if source == "autosave" and draft is not None:
        text, version = {**text, **draft.data}, draft.base_version or version
        notice = _("已载入自动保存的内容。保存后才会生效。")
        draft = None
    elif source == "kept" and kept is not None:
        text, version = {**text, **kept.data}, kept.base_version or version
        notice = _("已载入从旧页面提交的内容。保存后才会生效。")
        kept = None
    elif source not in ("", "autosave", "kept"):
        old = revision_or_404(kind, row, source)
        restored = _restored(kind, row, old)
        notice = _("已载入第 %(n)d 版的内容。检查后保存，才会恢复成这个版本。", n=old.version)
        # What a save would refuse is said now, before anyone relies on the old text.
        return _form(
            kind, row, restored.text, errors=restored.errors, version=version, notice=notice,
            draft=draft, kept=kept, restored=old.version,
        )  # fmt: skip
    undo = _undo_offered(kind, row)
    return _form(kind, row, text, version=version, notice=notice, draft=draft, kept=kept, undo=undo)


def _new_form(kind: Kind) -> tuple[str, int]:
    """A new item's form for GET, under a draft key of its own (autosaves.new_key): empty,
    or going on with the account's draft the address names (`?draft=`), whose key it takes
    over, so typing updates that draft rather than copying it. The other drafts waiting are
    offered above it (`_form`); this form never writes over them, so it autosaves at once."""
    key = autosaves.new_key()
    text, notice = forms.form_values(kind, {}), None
    draft = autosaves.saved_draft(kind, key)
    if draft is not None:
        text, notice = {**text, **draft.data}, _("已载入自动保存的内容。保存后才会生效。")
    return _form(kind, None, text, notice=notice, draft_key=key)


def _restored(kind: Kind, row: Row, old: Revision) -> Submission:
    """A revision's fields as the edit form would post them, read by the rules a save
    runs: the one path by which a revision comes back, loaded into the form or undone, so
    a value kept before a rule was added or tightened (an indicator's rate above 100, a
    link to a category since removed) is refused, not written back. Only what the revision
    holds: a field added since keeps its current value, and the slug (the address) stays."""
    text = forms.form_values(kind, forms.revision_data(kind, row))
    kept = forms.form_values(kind, old.data)
    text |= {name: kept[name] for name in kept if name in old.data and name != "slug"}
    return read(kind, row, _as_posted(text))


def _restore_check(
    kind: Kind, row: Row, old: Revision
) -> tuple[Submission, dict, list[authoring.Finding]]:
    """`old` read as a save would read it (`_restored`), with why an undo may not put the
    row back so: the save's errors by field, and, when `old` is public, the authoring
    problems that stop publishing."""
    restored = _restored(kind, row, old)
    public = not kind.has_status or old.data.get("status") == PUBLISHED
    if restored.errors or not public:
        return restored, restored.errors, []
    return restored, {}, _blocking(authoring_findings(kind, restored.values))


def _shown_again(kind: Kind, row: Row | None) -> tuple[str, int]:
    """The form again with what was posted, nothing checked, saved or autosaved: without
    JavaScript the header's display toggle or language button sent it here (the page's
    `page_form`, display.taken_here), as a redirect back from /display would lose the text.
    A text on offer above the form stays on offer."""
    key = autosaves.key_of(row.id if row else None)
    offered = autosaves.offered() and row is not None  # a new form never has one on offer
    return _form(
        kind, row, autosaves.posted_text(kind), version=posted_version() or "",
        draft=autosaves.saved_draft(kind, key) if offered else None,
        kept=autosaves.saved_draft(kind, key + autosaves.KEPT) if offered else None,
    )  # fmt: skip


def _form(
    kind: Kind,
    row: Row | None,
    text: dict,
    *,
    errors: dict | None = None,
    findings: Iterable[authoring.Finding] = (),
    status: int = 200,
    saved: bool = False,
    version: int | str | None = None,
    notice: str | None = None,
    draft: Autosave | None = None,
    kept: Autosave | None = None,
    theirs: dict | None = None,
    conflict: bool = False,
    refused: str | None = None,
    unsaved: bool = False,
    undo: dict | None = None,
    typed: dict | None = None,
    restored: int | None = None,
    not_undone: bool = False,
    draft_key: str | None = None,
) -> tuple[str, int]:
    """The edit form, rendered with its status. A new item's form carries its draft key
    (`draft_key`, or the one this request names) and offers the account's other drafts."""
    key = str(row.id) if row else draft_key or autosaves.key_of(None)
    return render_template(
        "staff/edit.html",
        kind=kind,
        row=row,
        text=text,
        errors=errors or {},
        findings=list(findings),
        saved=saved,
        version=version if version is not None else (row.version if row else ""),
        notice=notice,
        draft=draft,
        kept=kept,
        key=key,
        kept_key=key + autosaves.KEPT,
        kept_suffix=autosaves.KEPT,
        new_drafts=autosaves.new_drafts(kind, key) if row is None else [],
        unsaved=unsaved,
        undo=undo,
        copy_saved=session.pop(SAVED_COPY, None),
        theirs=theirs or {},
        conflict=conflict,
        refused=refused,
        typed=typed,
        restored=restored,
        not_undone=not_undone,
        scheduled=_scheduled_at(kind, row) if row is not None else None,
        live=row is not None and is_live(kind, row),
        may_change=may_change(kind, row) if row is not None else True,
        schedule_label=SCHEDULE_LABEL,
    ), status


def _scheduled_at(kind: Kind, row: Row) -> datetime | None:
    """When the row is due to be published (UTC), if it is scheduled."""
    return db.session.scalar(
        select(Schedule.publish_at).where(Schedule.kind == kind.name, Schedule.item_id == row.id)
    )


def _conflict(
    kind: Kind, row: Row, submission: Submission, base_version: int | None
) -> tuple[str, int]:
    """Someone saved this item after the form was loaded: show both versions to merge.

    A field only the other person changed takes their value; a field only this person
    changed keeps theirs; a field both changed keeps this person's text, with the other
    version shown beside it. Nothing is saved until the merged form is submitted. Values
    are compared as the form reads them, never as typed: a browser sends a textarea's lines
    ending in CR LF, and a text loaded from a file ends in a newline the first save drops,
    so the texts of an untouched field differ though it says the same.
    """
    current = forms.revision_data(kind, row)
    base = db.session.scalar(
        select(Revision.data).where(
            Revision.kind == kind.name, Revision.item_id == row.id, Revision.version == base_version
        )
    )
    current_text = forms.form_values(kind, current)
    merged, theirs = dict(submission.text), {}
    for f in kind.form_fields:
        if f.name not in submission.text or _says(submission, f, current.get(f.name)):
            continue  # not in the form (an existing item's slug), or no different
        if base is not None and _says(submission, f, base.get(f.name)):
            merged[f.name] = current_text[f.name]
        elif base is None or not forms.same_stored(f, base.get(f.name), current.get(f.name)):
            theirs[f.name] = current_text[f.name]
    autosaves.autosave_posted(kind, autosaves.key_of(row.id), submission.text, base_version)
    db.session.commit()
    return _form(kind, row, merged, status=409, version=row.version, theirs=theirs, conflict=True)


def _says(submission: Submission, f: Field, stored: object) -> bool:
    """True when the posted field says what the stored value does. A field in error has no
    value to compare, so it never does: it counts as changed."""
    values = submission.values
    return f.name in values and forms.same_value(f, stored, values[f.name])


def authoring_findings(kind: Kind, values: dict) -> list[authoring.Finding]:
    """The authoring checks for the fields of `kind`, each finding naming its form field."""
    if kind.authoring is None:
        return []
    title, summary, bodies = kind.authoring
    found = []
    for suffix, lang in (("", "zh"), ("_en", "en")):
        names = [
            name + suffix
            for name in bodies
            if any(f.name == name + suffix for f in kind.form_fields)
        ]
        if suffix and not any(
            values.get(name) for name in (title + suffix, summary + suffix, *names)
        ):
            continue  # no English at all: the English site shows the Chinese, checked above
        # The English site shows every English field that is filled in, whether or not the
        # English title is (`i18n.localized`), so each is checked. Without an English title the
        # Chinese title and any summary left empty stand in for theirs, checked above.
        untitled = bool(suffix) and not values.get(title + suffix)
        if untitled:
            found.append(replace(authoring.untitled_translation(), field=title + suffix))
        texts = [values.get(name) or "" for name in names] or [""]
        for position, body in enumerate(texts):
            for finding in authoring.check(
                values.get(title + suffix) or "",
                values.get(summary + suffix) or "",
                body,
                lang=lang,
            ):
                if finding.field == "body" and names:
                    name = names[position]
                elif finding.field != "body" and position == 0:
                    name = (title if finding.field == "title" else summary) + suffix
                else:
                    continue
                if untitled and not values.get(name):
                    continue  # shown in Chinese on the English site
                found.append(replace(finding, field=name))
    return found
