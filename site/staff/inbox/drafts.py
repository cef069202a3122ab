"""A reply, note or public example that could not be saved because its session had ended
is kept as the account's draft (an `Autosave` row of kind "inbox"), and put back into its
form when the item is opened again after signing in (WCAG 2.2.5: re-authenticating without
losing data). A reply's draft keeps the newest message its page had shown, so that what
came since is still shown before it is published."""

from flask import request
from flask_babel import gettext as _
from sqlalchemy import delete, select

from ...database import commit_if_possible, db, upsert, utcnow
from ..models import Autosave, StaffUser

KIND = "inbox"
# Each draft kept, by the form it is the text of: the fields it keeps, each with the name
# the item page's forms show it under (`typed`). A reply and a note are one text each (sent
# by one form, and kept as two drafts); the public example is its Chinese and its English.
FIELDS = {
    "reply": {"body": "reply"},
    "note": {"body": "note"},
    "example": {"example": "example", "example_en": "example_en"},
}
LONGEST = 20_000


def _key(item_id: int, field: str) -> str:
    return f"{item_id}:{field}"


def keep_lapsed(user: StaffUser, item_id: int, **_ignored: object) -> str | None:
    """Keep the texts of a form posted after `user`'s session ended, each text that holds
    some as its own draft; why not, or None when kept (for `sessions.require(keep=...)`)."""
    from .views import last_seen, posted_fields  # the views keep drafts: imported when one is kept

    if request.form.get("action") == "unpublish":  # the example's text came along unchanged
        return _("例子没有撤下，请登录后再撤下一次。")
    typed = {key: request.form.get(name, "") for key, name in posted_fields().items()}
    drafts = {
        form: {name: typed.get(shown, "") for name, shown in fields.items()}
        for form, fields in FIELDS.items()
        if any(typed.get(shown, "").strip() for shown in fields.values())
    }
    if not drafts:
        return _("没有可以保存的内容。")
    if any(len(text) > LONGEST for texts in drafts.values() for text in texts.values()):
        return _("内容太长，没有保存。")

    def keep() -> None:
        for form, texts in drafts.items():
            # A reply's: the newest message its page showed.
            seen = last_seen() if form == "reply" else None
            upsert(
                Autosave,
                {"user_id": user.id, "kind": KIND, "key": _key(item_id, form)},
                {"data": texts, "base_version": seen, "saved_at": utcnow()},
            )

    if not commit_if_possible("a late reply's text", keep):
        return _("网站暂时无法写入数据，请稍后再试。")
    return None


def kept(user_id: int, item_id: int) -> dict:
    """The kept texts of one item for one account, by the name its form shows each under
    ({"reply": text, "example": text, "example_en": text, …})."""
    rows = db.session.scalars(
        select(Autosave).where(
            Autosave.user_id == user_id,
            Autosave.kind == KIND,
            Autosave.key.in_([_key(item_id, form) for form in FIELDS]),
        )
    )
    return {
        shown: row.data.get(name, "")
        for row in rows
        for name, shown in FIELDS[row.key.split(":", 1)[1]].items()
    }


def reply_seen(user_id: int, item_id: int) -> int | None:
    """The newest message the page of a kept reply had shown (0 for a draft kept before
    this was kept: every public message is news to it); None when no reply is kept."""
    row = db.session.execute(
        select(Autosave.base_version).where(
            Autosave.user_id == user_id,
            Autosave.kind == KIND,
            Autosave.key == _key(item_id, "reply"),
        )
    ).first()
    return None if row is None else row.base_version or 0


def forget(user_id: int, item_id: int, field: str) -> None:
    """Drop a kept text once it has been saved (the caller commits)."""
    db.session.execute(
        delete(Autosave).where(
            Autosave.user_id == user_id,
            Autosave.kind == KIND,
            Autosave.key == _key(item_id, field),
        )
    )
