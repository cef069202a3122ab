"""A reply or note that could not be saved because its session had ended is kept as the
account's draft (an `Autosave` row of kind "inbox"), and put back into the form when the
item is opened again after signing in (WCAG 2.2.5: re-authenticating without losing data)."""

from flask import request
from flask_babel import gettext as _
from sqlalchemy import delete, select

from ...database import commit_if_possible, db, utcnow
from ..models import Autosave

KIND = "inbox"
FIELDS = ("reply", "note")
LONGEST = 20_000


def _key(item_id: int, field: str) -> str:
    return f"{item_id}:{field}"


def keep_lapsed(user, item_id: int, **_ignored) -> str | None:
    """Keep the text of a reply or note posted after `user`'s session ended; why not, or
    None when it was kept (for `sessions.require(keep=...)`)."""
    field = request.path.rstrip("/").rsplit("/", 1)[-1]
    text = request.form.get("body", "")
    if field not in FIELDS or not text.strip():
        return _("没有可以保存的内容。")
    if len(text) > LONGEST:
        return _("内容太长，没有保存。")
    where = (
        Autosave.user_id == user.id,
        Autosave.kind == KIND,
        Autosave.key == _key(item_id, field),
    )
    saved = db.session.scalar(select(Autosave).where(*where))
    if saved is None:
        saved = Autosave(user_id=user.id, kind=KIND, key=_key(item_id, field))
        db.session.add(saved)
    saved.data, saved.base_version, saved.saved_at = {"body": text}, None, utcnow()
    if not commit_if_possible("a late reply's text"):
        return _("网站暂时无法写入数据，请稍后再试。")
    return None


def kept(user_id: int, item_id: int) -> dict:
    """The kept texts of one item for one account: {"reply": text, "note": text}."""
    rows = db.session.scalars(
        select(Autosave).where(
            Autosave.user_id == user_id,
            Autosave.kind == KIND,
            Autosave.key.in_([_key(item_id, field) for field in FIELDS]),
        )
    )
    return {row.key.split(":", 1)[1]: row.data.get("body", "") for row in rows}


def forget(user_id: int, item_id: int, field: str) -> None:
    """Drop a kept text once it has been saved (the caller commits)."""
    db.session.execute(
        delete(Autosave).where(
            Autosave.user_id == user_id,
            Autosave.kind == KIND,
            Autosave.key == _key(item_id, field),
        )
    )
