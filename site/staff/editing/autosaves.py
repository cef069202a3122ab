"""The editor's autosaves: what a member of staff typed in an item's form, kept per
account and item (an `Autosave` row) while they type, when a save cannot go ahead, and when
the form arrives after its session ended; offered back when the form opens again. The
views are in editor.py.

An existing item's autosave is kept under its id. A new item has no id yet: each opening of
its form draws a draft key of its own ("new-" and a random token, `fresh_key`), which the
form carries (the hidden field DRAFT and the autosave URL), so two tabs writing new items
keep two drafts and neither overwrites or deletes the other. The new form offers every
waiting draft of the kind (`new_drafts`); loading one continues it under its key. Rows kept
under the single key "new", from before, are offered and loaded the same way.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from flask import abort, g, request, url_for
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, delete, select

from ...database import commit_if_possible, db, posted_version, row_id, upsert, utcnow
from ...i18n import Number
from ...kinds import Kind
from ...security import READS
from ..accounts import sessions
from ..models import Autosave, StaffUser
from . import forms

# A form posted late, when the account has a newer autosave of the item, is kept beside it
# under the same key with this ending, so neither text overwrites the other.
KEPT = ":kept"
# In a form shown with an autosaved text it did not load (on offer, to load or discard):
# nothing the form posts is autosaved over that text, and saving does not delete it.
ON_OFFER = "autosave_on_offer"
# The new item's form carries its draft key in this field (and in its autosave URL).
DRAFT = "draft"
# A new item's draft key: "new" (the one key of before), or "new-" and a token (16
# characters of secrets.token_urlsafe), either perhaps with KEPT; room is left in the key
# column (String(40)) for that ending.
NEW = "new"
NEW_KEY = re.compile(r"new(-[A-Za-z0-9_-]{16})?(" + re.escape(KEPT) + ")?")


def keep_lapsed(
    user: StaffUser,
    kind_name: str,
    item_id: int | None = None,
    key: str | None = None,
    **_ignored: object,
) -> str | None:
    """A form posted after its session ended: keep it as that account's autosaved draft;
    return why it was not kept, or None.

    The edit form's URL names the item by `item_id`, the autosave URL by `key`; a new
    item's form posts its own draft key (`new_key`). An autosave made after the form's
    session stopped is newer: the text goes beside it (KEPT), or over the late copy that
    the form itself continues.
    """
    kind = forms.EDITABLE.get(kind_name)
    if kind is None:
        return _("找不到要保存的内容。")
    if key is not None and not (row_id(key) or is_new_key(key)):
        abort(404)  # as a form in session would be (editor.autosave)
    slot, text = str(item_id) if item_id else key or new_key(), posted_text(kind)
    if (offered() or newer_autosave(user.id, kind, slot, text)) and not slot.endswith(KEPT):
        slot += KEPT
    problem = too_long(kind, text)
    if problem is not None:
        return problem
    keep = partial(autosave, user.id, kind, slot, text, posted_version())
    if not commit_if_possible("a late form's text", keep):
        return _("网站暂时无法写入数据，请稍后再试。")
    return None


def newer_autosave(user_id: int, kind: Kind, key: str, text: dict) -> bool:
    """True when the account has a different autosave of the item, made after the late
    form's session stopped (or at any time, when that is not known)."""
    saved = db.session.scalar(select(Autosave).where(*autosaved(user_id, kind, key)))
    if saved is None or saved.data == text:
        return False
    stopped = sessions.stopped_at()
    return stopped is None or saved.saved_at >= stopped


def key_of(item_id: int | None) -> str:
    """The key an item's autosave is kept under: its id, or for a new item the draft key
    of this request's form (`new_key`)."""
    return str(item_id) if item_id else new_key()


def fresh_key() -> str:
    """A draft key for a new item's form opened afresh: no other form has it."""
    return f"{NEW}-{secrets.token_urlsafe(12)}"


def is_new_key(key: str) -> bool:
    """True when `key` has the shape of a new item's draft key."""
    return NEW_KEY.fullmatch(key) is not None


def new_key() -> str:
    """The draft key of this request's new item form: the one it posts (a form from before
    draft keys posts none: "new"), or for a page the one its address names (`?draft=`, a
    draft to load or go on with), or a fresh one. Any other is refused (404), never stored."""
    posting = request.method not in READS
    key = (request.form if posting else request.args).get(DRAFT)
    if key is None:
        return NEW if posting else fresh_key()
    if not is_new_key(key):
        abort(404)
    return key


def new_drafts(kind: Kind, shown: str) -> list[Autosave]:
    """The signed-in account's drafts of new items of the kind, newest first, but the one
    the form shown continues (under `shown`)."""
    rows = db.session.scalars(
        select(Autosave)
        .where(
            Autosave.user_id == g.staff.id,
            Autosave.kind == kind.name,
            Autosave.key.startswith(NEW, autoescape=True),
            Autosave.key != shown,
        )
        .order_by(Autosave.saved_at.desc(), Autosave.id.desc())
    )
    return [row for row in rows if is_new_key(row.key)]


@dataclass(frozen=True)
class Waiting:
    """One of an account's autosaved texts, as its back office home lists it: the kind, the
    item's title (for a new item, the title typed, or None), when it was kept, whether it
    was posted from a lapsed page, and the form that offers it back."""

    kind: Kind
    title: str | None
    new: bool
    saved_at: datetime
    late: bool
    url: str


def waiting() -> list[Waiting]:
    """The signed-in account's autosaved texts of content items, newest first, each with
    the form that offers it back: an item's edit form (once per item, which offers both its
    autosave and a late form's text), or the new form going on with the draft."""
    rows = db.session.scalars(
        select(Autosave)
        .where(Autosave.user_id == g.staff.id, Autosave.kind.in_(list(forms.EDITABLE)))
        .order_by(Autosave.saved_at.desc(), Autosave.id.desc())
    )
    found: list[Waiting] = []
    items: set[tuple[str, int]] = set()
    for row in rows:
        kind, late = forms.EDITABLE[row.kind], row.key.endswith(KEPT)
        if is_new_key(row.key):
            typed = row.data.get(kind.title_field)
            title = typed.strip() if isinstance(typed, str) and typed.strip() else None
            url = url_for("editor.create", kind_name=kind.name, draft=row.key)
        else:
            item_id = row_id(row.key.removesuffix(KEPT))
            item = db.session.get(kind.model, item_id) if item_id else None
            if item is None or (kind.name, item.id) in items:
                continue
            items.add((kind.name, item.id))
            title = str(getattr(item, kind.title_field))
            url = url_for("editor.edit", kind_name=kind.name, item_id=item.id)
        found.append(Waiting(kind, title, is_new_key(row.key), row.saved_at, late, url))
    return found


def posted_text(kind: Kind) -> dict:
    """Every field of the kind as posted, to show again or keep as an autosave."""
    return {f.name: forms.posted(f, request.form) for f in kind.form_fields}


def too_long(kind: Kind, text: dict) -> str | None:
    """The message for the first field longer than it may be saved, if any: the field's
    own limit, or the limit of any text."""
    for f in kind.form_fields:
        value = text.get(f.name, "")
        size = len(value) if isinstance(value, str) else sum(len(v) for v in value)
        limit = f.max_length or forms.TEXT_LIMIT
        if size > limit:
            return _("“%(label)s”最多 %(n)s 个字。", label=f.label, n=Number(limit))
    return None


def offered() -> bool:
    """True when the posted form was shown with an autosaved text it did not load."""
    return request.form.get(ON_OFFER) == "1"


def autosaved(user_id: int, kind: Kind, key: str) -> tuple[ColumnElement[bool], ...]:
    """The condition for one account's autosave of one item."""
    return (Autosave.user_id == user_id, Autosave.kind == kind.name, Autosave.key == key)


def autosave(user_id: int, kind: Kind, key: str, text: dict, base_version: int | None) -> None:
    """Keep `text` as the account's autosave of one item (the caller commits, and has
    checked that no field is longer than the form would ever save: `too_long`)."""
    upsert(
        Autosave,
        {"user_id": user_id, "kind": kind.name, "key": key},
        {"data": text, "base_version": base_version, "saved_at": utcnow()},
    )


def autosave_posted(kind: Kind, key: str, text: dict, base_version: int | None) -> None:
    """Keep a posted form's text as the account's autosave of the item, unless the form
    was shown with an autosaved text it did not load (that one stays as it was)."""
    if not offered() and too_long(kind, text) is None:
        autosave(g.staff.id, kind, key, text, base_version)


def discard_autosave(kind: Kind, key: str) -> None:
    """Drop the account's autosave of the item: after a save, or asked to (the discard
    button). A save from a form that did not load the autosaved text on offer keeps it."""
    if not offered():
        db.session.execute(delete(Autosave).where(*autosaved(g.staff.id, kind, key)))


def saved_draft(kind: Kind, key: str) -> Autosave | None:
    """The signed-in account's autosave of the item kept under `key`, if any."""
    return db.session.scalar(select(Autosave).where(*autosaved(g.staff.id, kind, key)))
