"""The audit log: one row per thing a member of staff did, and the log as staff read it
(`shown`: who by name, titles for keys, names for states and roles), and what its filters
choose from and match (`choices`, `conditions`).

An entry keeps the item's key (a slug, an id, a reference, a user name), not its title: the
log shows the title the item has now, and says so."""

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import g, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import ColumnElement, and_, false, or_, select

from ...database import db
from ...i18n import Number
from ...opening_hours import utc
from ...query_args import xml_safe
from ..models import AuditEntry, StaffUser


class _TheSite:
    """What the site does by itself (its hourly housekeeping), in whoever's request it runs:
    logged as 系统, not as the member of staff whose request it was."""

    id = None
    username = ""


THE_SITE = _TheSite()


def record(
    action: str,
    kind: str = "",
    key: str = "",
    detail: str = "",
    user: StaffUser | _TheSite | None = None,
) -> None:
    """Note that `user` (default: the signed-in member of staff) did `action`; the caller
    commits."""
    user = user or g.get("staff")
    db.session.add(
        AuditEntry(
            user_id=user.id if user else None,
            username=user.username if user else "",
            action=action,
            kind=kind,
            # Details name what staff sent (a spreadsheet's file name): without the
            # characters XML does not allow, NUL among them, which PostgreSQL refuses.
            key=xml_safe(str(key)),
            detail=xml_safe(detail)[:2000],
        )
    )


def scheduled_detail(user: StaffUser | None) -> str:
    """The detail of a scheduled publication's entry: the account that scheduled it."""
    return f"scheduled by {user.username if user else ''}"


def cancelled_detail(reason: str, due: datetime, user: StaffUser) -> str:
    """The detail of a schedule cancelled because `user`, who made it, may no longer
    publish: `reason` ("disabled", "demoted", or "cannot-publish" when the release found
    it so) and when it was due (in Chiping time, as the log shows times)."""
    from ...opening_hours import local_time

    return f"{reason}: due {local_time(due)}, scheduled by {user.username}"


def revision_by(user_id: int | None, username: str, action: str) -> str:
    """Who made a revision, as the revision lists name them: the account; 内容文件 for a
    load from content/; for a scheduled publication, the site, at the time the account
    that scheduled it had chosen."""
    if action == SCHEDULED:
        if not username:
            return _("系统（按安排的时间）")
        return _("系统（按 %(who)s 安排的时间）", who=staff_label(user_id, username))
    return staff_label(user_id, username) if username else _("内容文件")


def _account_named(username: str) -> str:
    """An account the log keeps by its user name, as `staff_label` names it."""
    if "staff_ids" not in g:
        g.staff_ids = dict(db.session.execute(select(StaffUser.username, StaffUser.id)).all())
    return staff_label(g.staff_ids.get(username), username)


# --- Reading the log -----------------------------------------------------------------------

# The kinds of the entries about content (what an editor works on); every other entry is
# about accounts, sessions or residents' messages, which only administrators read here.
MEDIA = "media"
IMPORT_DETAIL = re.compile(r"(?P<file>.*): created (?P<created>\d+), updated (?P<updated>\d+)")
# A record's own entry of an import (keyed by the record): `bulk.views.import_detail`.
IMPORTED_ROW = re.compile(r"(?P<file>.*): row (?P<row>\d+), (?P<action>create|update)")
STATE_CHANGE = re.compile(r"(?P<before>[\w-]+) -> (?P<after>[\w-]+)")
# The action of a publication the site made at the time a publisher had scheduled (its
# revision's and its entry's, whose detail is `scheduled_detail`), told apart from a
# publisher pressing 发布; and the detail of a schedule cancelled because its account may
# no longer publish (`cancelled_detail`). Account names hold no spaces.
SCHEDULED = "publish-scheduled"
SCHEDULED_BY = re.compile(r"scheduled by (?P<account>\S*)")
CANCELLED = re.compile(
    r"(?P<reason>disabled|demoted|cannot-publish): due (?P<due>[\d-]+ [\d:]+), "
    r"scheduled by (?P<account>\S+)"
)
REFERENCE = re.compile(r"CP-(?P<year>\d{4})-(?P<sequence>\d{6})")


@dataclass(frozen=True)
class Shown:
    """An audit entry as staff read it: who, what they did, to what (by its title, with
    the page of the item while it exists) and any detail, in words rather than codes."""

    entry: AuditEntry
    who: str
    action: str
    kind: str
    title: str
    url: str | None
    detail: str


def staff_label(user_id: int | None, username: str) -> str:
    """Who did something, as the audit log and the revision lists name them: the account's
    display name with its user name (two people may share a name, and the user name is what
    the entry kept), the user name alone when no account has the id (or the two are the
    same), and 系统 for what the site did by itself. The accounts are read once a request."""
    if not username and user_id is None:
        return _("系统")
    if "staff_names" not in g:
        g.staff_names = dict(db.session.execute(select(StaffUser.id, StaffUser.display_name)).all())
    name = g.staff_names.get(user_id)
    if not name or name == username:
        return username
    return _("%(name)s（%(account)s）", name=name, account=username)


def content_kinds() -> tuple[str, ...]:
    """The kinds of the entries about content: the editable kinds, and uploaded files."""
    from ..editing.forms import EDITABLE

    return (*EDITABLE, MEDIA)


def shown(entries: Sequence[AuditEntry]) -> list[Shown]:
    """Each entry in words: titles for keys, names for states and roles."""
    items = _Items(entries)
    return [_shown(entry, items) for entry in entries]


def _shown(entry: AuditEntry, items: "_Items") -> Shown:
    """One entry in words."""
    from ..helpers import audit_action

    kind, title, url = items.named(entry)
    return Shown(
        entry=entry,
        who=staff_label(entry.user_id, entry.username),
        action=audit_action(entry.action),
        kind=kind,
        title=title,
        url=url,
        detail=_detail(entry),
    )


def _detail(entry: AuditEntry) -> str:
    """An entry's detail in words: states and roles by name, an import's counts in a
    sentence, the version an undo put back, the number of a message written left out (its
    item is named already)."""
    from ...feedback.names import state_name
    from .views import role_names  # views records entries: imported when one is read

    detail = entry.detail or ""
    if entry.kind == "account" and detail in role_names():
        return role_names()[detail]
    if entry.action == "inbox-state" and (found := STATE_CHANGE.fullmatch(detail)):
        return f"{state_name(found['before'])} → {state_name(found['after'])}"
    if entry.action == "import" and (found := IMPORT_DETAIL.fullmatch(detail)):
        return _(
            "新增 %(created)s 条，修改 %(updated)s 条",
            created=found["created"],
            updated=found["updated"],
        )
    if entry.action == "import" and (found := IMPORTED_ROW.fullmatch(detail)):
        if found["action"] == "create":
            return _("从表格 %(file)s 第 %(row)s 行新增", file=found["file"], row=found["row"])
        return _("按表格 %(file)s 第 %(row)s 行修改", file=found["file"], row=found["row"])
    if entry.action == SCHEDULED and (found := SCHEDULED_BY.fullmatch(detail)):
        if not found["account"]:
            return _("按安排的时间发布")
        return _("按 %(who)s 安排的时间发布", who=_account_named(found["account"]))
    if entry.action == "unschedule" and (found := CANCELLED.fullmatch(detail)):
        named = {"due": found["due"], "who": _account_named(found["account"])}
        if found["reason"] == "disabled":
            return _(
                "原定 %(due)s 发布，是 %(who)s 安排的；这个账号已停用，内容没有发布。", **named
            )
        if found["reason"] == "demoted":
            return _(
                "原定 %(due)s 发布，是 %(who)s 安排的；"
                "这个账号已改为编辑，不能再发布，内容没有发布。",
                **named,
            )
        return _(
            "原定 %(due)s 发布，是 %(who)s 安排的；到时间时这个账号已停用或不能发布，"
            "所以网站没有发布。",
            **named,
        )
    if entry.action == "undo" and detail.isdigit():
        return _("恢复成第 %(n)s 版", n=detail)
    if entry.action in ("inbox-note", "inbox-reply", "upload", "delete-media"):
        return ""
    if entry.action in ("inbox-purge", "inbox-close-answered", "inbox-close-too-old") and (
        detail.isdigit()
    ):
        count = Number(detail)
        counted = {
            "feedback": ngettext("来信 %(n)s 条", "来信 %(n)s 条", count, n=count),
            "feedback_photo": ngettext("照片 %(n)s 张", "照片 %(n)s 张", count, n=count),
            "outgoing_mail": ngettext("邮件 %(n)s 封", "邮件 %(n)s 封", count, n=count),
        }
        return counted.get(entry.kind, detail)
    return detail


def kind_name(kind: str) -> str:
    """The name of an entry's kind of item."""
    from ..editing.forms import EDITABLE

    if kind in EDITABLE:
        return str(EDITABLE[kind].label)
    names = {
        MEDIA: _("图片和附件"),
        "account": _("账号"),
        "feedback": _("居民来信"),
        "feedback_photo": _("来信的照片"),
        "outgoing_mail": _("邮件"),
    }
    return names.get(kind, kind)


class _Items:
    """The items a page of entries names, each kind read in one query."""

    def __init__(self, entries: Sequence[AuditEntry]) -> None:
        from ..editing.forms import EDITABLE

        self.kinds = EDITABLE
        keys: dict[str, set[str]] = {}
        for entry in entries:
            if entry.kind and entry.key:
                keys.setdefault(entry.kind, set()).add(entry.key)
        self.found: dict[tuple[str, str], tuple[str, str]] = {}  # (kind, key): (title, url)
        for kind, kind_keys in keys.items():
            self.found |= {(kind, key): named for key, named in self._read(kind, kind_keys)}

    def named(self, entry: AuditEntry) -> tuple[str, str, str | None]:
        """What an entry was done to: its kind's name, its title, and its page (None once
        the item is gone, when the title is the key the entry kept)."""
        kind = kind_name(entry.kind)
        if entry.action == "import" and not entry.key:  # the whole file's entry
            found = IMPORT_DETAIL.fullmatch(entry.detail or "")
            return kind, found["file"] if found else "", None
        if not entry.key:
            return kind, "", None
        title, url = self.found.get((entry.kind, entry.key), (entry.key, None))
        if entry.kind == MEDIA and url is None:
            title = entry.detail or entry.key  # the name the file came with
        return kind, title, url

    def _read(self, kind: str, keys: set[str]) -> Iterator[tuple[str, tuple[str, str]]]:
        """(key, (title, url)) of the items of `kind` that still exist."""
        from ...feedback.models import FeedbackItem
        from ..models import MediaFile, StaffUser

        if kind in self.kinds:
            spec = self.kinds[kind]
            model = spec.model
            column = model.slug if hasattr(model, "slug") else model.id
            wanted = keys if hasattr(model, "slug") else {int(k) for k in keys if k.isdigit()}
            for row in db.session.scalars(select(model).where(column.in_(wanted))):
                key = str(row.slug if hasattr(model, "slug") else row.id)
                url = url_for("editor.edit", kind_name=kind, item_id=row.id)
                yield key, (getattr(row, spec.title_field), url)
        elif kind == MEDIA:
            for media in db.session.scalars(select(MediaFile).where(MediaFile.name.in_(keys))):
                yield (
                    media.name,
                    (media.original_name, url_for("media_files.file", name=media.name)),
                )
        elif kind == "account":
            for user in db.session.scalars(select(StaffUser).where(StaffUser.username.in_(keys))):
                title = _("%(name)s（%(account)s）", name=user.display_name, account=user.username)
                yield user.username, (title, url_for("staff.account", user_id=user.id))
        elif kind == "feedback":
            for key in keys:
                found = REFERENCE.fullmatch(key)
                item = found and db.session.scalar(
                    select(FeedbackItem).where(
                        FeedbackItem.year == int(found["year"]),
                        FeedbackItem.sequence == int(found["sequence"]),
                    )
                )
                if item:
                    yield key, (key, url_for("inbox.item", item_id=item.id))


# --- Filtering the log ---------------------------------------------------------------------

# The person filter's choice for what the site did by itself.
SYSTEM = "system"


def choices() -> dict[str, dict[str, str]]:
    """What each of the log's filters offers, by code: every account (and the site itself),
    and the kinds and actions that are in the log."""
    from ..helpers import audit_action

    accounts = db.session.execute(
        select(StaffUser.id, StaffUser.username).order_by(StaffUser.display_name)
    ).all()
    kinds = db.session.scalars(select(AuditEntry.kind).where(AuditEntry.kind != "").distinct())
    actions = db.session.scalars(select(AuditEntry.action).distinct())

    def by_name(codes: dict[str, str]) -> dict[str, str]:
        return dict(sorted(codes.items(), key=lambda pair: pair[1]))

    return {
        "person": {str(i): staff_label(i, name) for i, name in accounts} | {SYSTEM: _("系统")},
        "kind": by_name({kind: kind_name(kind) for kind in kinds}),
        "action": by_name({action: audit_action(action) for action in actions}),
    }


def conditions(
    person: str | None, kind: str | None, item: str, action: str | None,
    since: date | None, until: date | None,
) -> list[ColumnElement[bool]]:  # fmt: skip
    """The filters chosen as conditions on `AuditEntry`: the person (an account's id, or
    `SYSTEM`), the kind, the item (text in the key the entry kept, or in the title its item
    has now), the action, and the days from `since` to `until`, both included, in Chiping."""
    found: list[ColumnElement[bool]] = []
    if person == SYSTEM:
        found.append(AuditEntry.user_id.is_(None) & (AuditEntry.username == ""))
    elif person:
        found.append(AuditEntry.user_id == int(person))
    if kind:
        found.append(AuditEntry.kind == kind)
    if action:
        found.append(AuditEntry.action == action)
    if item:
        titled = [
            and_(AuditEntry.kind == item_kind, AuditEntry.key.in_(keys))
            for item_kind, keys in _titled(item).items()
        ]
        found.append(or_(AuditEntry.key.icontains(item, autoescape=True), *titled, false()))
    if since:
        found.append(AuditEntry.at >= utc(datetime.combine(since, time())))
    if until:
        found.append(AuditEntry.at < utc(datetime.combine(until + timedelta(days=1), time())))
    return found


def _titled(text: str) -> dict[str, list[str]]:
    """The keys, by kind, of the items whose title (as the log shows it) holds `text`."""
    from ..editing.forms import EDITABLE
    from ..models import MediaFile

    found: dict[str, list[str]] = {}
    for kind, spec in EDITABLE.items():
        model = spec.model
        column = model.slug if hasattr(model, "slug") else model.id
        title = getattr(model, spec.title_field)
        keys = db.session.scalars(select(column).where(title.icontains(text, autoescape=True)))
        found[kind] = [str(key) for key in keys]
    found["account"] = list(
        db.session.scalars(
            select(StaffUser.username).where(
                StaffUser.display_name.icontains(text, autoescape=True)
            )
        )
    )
    found[MEDIA] = list(
        db.session.scalars(
            select(MediaFile.name).where(MediaFile.original_name.icontains(text, autoescape=True))
        )
    )
    return {kind: keys for kind, keys in found.items() if keys}
