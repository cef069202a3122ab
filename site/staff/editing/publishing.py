"""Publishing and withdrawing, revisions, scheduled publication (`release_due`; the checks
that run it are in staff/periodic.py), and keeping the public copies (pages, sitemap, feed,
search index) in step.

Pages, the sitemap and the feed read the database on every request, so they change with the
commit. The search index follows through its outbox: a change is recorded in the same
transaction and applied straight after the commit (if the index is busy or missing, or the
process dies first, the outbox keeps the change for the next check, drain or rebuild).
"""

import logging
from datetime import datetime
from typing import cast

from flask import g
from sqlalchemy import CursorResult, delete, select, update

from ...database import PUBLISHED, WITHDRAWN, db, utcnow
from ...kinds import Kind, Row
from ...opening_hours import local_time
from ...site_search.index import site_index
from ...site_search.sync import drain
from ..accounts.audit import SCHEDULED, THE_SITE, cancelled_detail, scheduled_detail
from ..accounts.audit import record as audit
from ..models import PUBLISHER, Revision, Schedule, StaffUser
from . import forms

log = logging.getLogger(__name__)
# The action of a revision a load from content/ kept: a change made outside the back office.
LOADED = "load"


def revision(
    kind: Kind,
    row: Row,
    action: str,
    user: StaffUser | None = None,
    cancelled: dict | None = None,
) -> None:
    """Keep the row's fields as they are now, as a revision by `user` (default: the member
    of staff signed in); `cancelled` is the schedule the change cancelled, if any."""
    db.session.flush()
    user = user or g.get("staff")
    _keep(kind, row, action, user.id if user else None, user.username if user else "", cancelled)


def audit_key(row: Row) -> str:
    """How the audit log names an item: by its slug, or by its id (an indicator)."""
    return str(getattr(row, "slug", row.id))


def original_revision(kind: Kind, row: Row) -> None:
    """Before the first change to an item loaded from content/, keep it as it was loaded."""
    exists = db.session.scalar(
        select(Revision.id).where(Revision.kind == kind.name, Revision.item_id == row.id)
    )
    if not exists:
        _keep(kind, row, "original", None, "")


def load_changing(kind: Kind, row: Row) -> None:
    """Before a load from content/ changes an item staff edit, keep it as it was (its
    `original` revision, if it has none yet), at the version a form opened before the load
    carries: that form's save is merged against it."""
    if kind.name in forms.EDITABLE:
        original_revision(kind, row)


def load_changed(kind: Kind, row: Row) -> None:
    """After a load from content/ changed an item staff edit, keep it as the load left it:
    a `load` revision, by nobody."""
    if kind.name in forms.EDITABLE:
        _keep(kind, row, LOADED, None, "")


def _keep(
    kind: Kind,
    row: Row,
    action: str,
    user_id: int | None,
    username: str,
    cancelled: dict | None = None,
) -> None:
    """Add a revision of the row as it is now, by the account given."""
    db.session.add(
        Revision(
            kind=kind.name,
            item_id=row.id,
            version=row.version,
            data=forms.revision_data(kind, row),
            action=action,
            user_id=user_id,
            username=username,
            cancelled_schedule=cancelled,
        )
    )


def publish(
    kind: Kind,
    row: Row,
    at: datetime | None = None,
    user: StaffUser | None = None,
    version: int | None = None,
) -> bool:
    """Make the row public now (or as of `at`, for a scheduled publication) and commit.

    `user` is who asked for it, when not the member of staff signed in: for a scheduled
    publication (`at` given), the account that scheduled it (None when the schedule names
    none). Such a publication is the site's own, at that account's time: its revision is
    the account's, as `SCHEDULED`, and the log names the site as doing it and the account
    as having scheduled it. `version` is the one the publisher's save left: False, and
    nothing written, when a colleague changed the row since (withdrew it between the save
    and the publication).
    """
    original_revision(kind, row)
    if version is None:
        row.version += 1
    elif not claim(kind, row, version):
        db.session.rollback()
        return False
    row.status = PUBLISHED
    if hasattr(row, "published_at") and (row.published_at is None or at is not None):
        row.published_at = at or utcnow()
    cancelled = unschedule(kind, row)
    if kind.on_publish:
        kind.on_publish(row)
    if at is None:
        revision(kind, row, "publish", user, cancelled)
        audit("publish", kind.name, row.slug, user=user)
    else:
        user_id, username = (user.id, user.username) if user else (None, "")
        _keep(kind, row, SCHEDULED, user_id, username, cancelled)
        audit(SCHEDULED, kind.name, row.slug, scheduled_detail(user), user=THE_SITE)
    db.session.commit()
    changed()
    return True


def claim(kind: Kind, row: Row, version: int | None) -> bool:
    """Move the row to the next version, if it is still at `version` (atomic)."""
    if version is None:
        return False
    result = cast(
        CursorResult,
        db.session.execute(
            update(kind.model)
            .where(kind.model.id == row.id, kind.model.version == version)
            .values(version=version + 1)
        ),
    )
    return result.rowcount == 1


def withdraw(kind: Kind, row: Row) -> None:
    """Take the row off the public site and commit (the caller has bumped the version)."""
    original_revision(kind, row)
    row.status = WITHDRAWN
    revision(kind, row, "withdraw", cancelled=unschedule(kind, row))
    audit("withdraw", kind.name, row.slug)
    db.session.commit()
    changed()


def before(kind: Kind, row: Row, version: int | None) -> Revision | None:
    """The revision an undo of the change that left the row at `version` goes back to: the
    one kept at the version before, when the row is still at `version` and that change was
    made here, not by a load from content/ (the text from before a load, put back, would
    look like a staff edit and keep the item from every later load)."""
    if version is None or version != row.version:
        return None
    kept = db.session.scalars(
        select(Revision)
        .where(
            Revision.kind == kind.name,
            Revision.item_id == row.id,
            Revision.version.in_((version - 1, version)),
        )
        .order_by(Revision.id)
    ).all()
    earlier = [revision for revision in kept if revision.version == version - 1]
    change = [revision for revision in kept if revision.version == version]
    if not earlier or not change or change[-1].action == LOADED:
        return None
    return earlier[-1]  # the last kept at that version: how the change found the item


def restore(kind: Kind, row: Row, old: Revision, values: dict) -> datetime | None:
    """Put the row back as `old` keeps it, fields and status, and commit (the caller has
    claimed the version): the undo of the change made after `old`. `values` are its fields
    as a save reads them, by the save's rules (the caller has checked them: a revision may
    predate a rule, and it is never written back unchecked). An alert already mailed
    cannot be recalled; an item taken back off the site that was never public before loses
    its publication date, so publishing it later dates it then.

    A scheduled publication the change cancelled is put back while its time is ahead.
    Returns that time (UTC), put back or past, or None when the change cancelled none.
    """
    forms.apply_values(kind, row, forms.values_to_write(kind, row, values))
    cancelled = None
    if kind.has_status and "status" in old.data:
        was_public = row.status == PUBLISHED
        row.status = old.data["status"]
        unschedule(kind, row)
        if row.status == PUBLISHED and kind.on_publish:
            kind.on_publish(row)
        if was_public and row.status != PUBLISHED and hasattr(row, "published_at"):
            if not _ever_published_before(kind, row, old.version):
                row.published_at = None
        cancelled = _cancelled_by_change(kind, row, old.version + 1)
        if cancelled and row.status != PUBLISHED and cancelled["publish_at"] > utcnow():
            # The schedule is the undoing publisher's now (the log says so below): it is
            # released as theirs, even if the account that first made it may no longer
            # publish (`release_due`).
            staff = g.get("staff")
            cancelled["user_id"] = staff.id if staff else cancelled["user_id"]
            db.session.add(Schedule(kind=kind.name, item_id=row.id, **cancelled))
            # The log says the item is due to go out again, as a schedule made here would.
            audit("schedule", kind.name, row.slug, local_time(cancelled["publish_at"]))
    revision(kind, row, "undo")
    audit("undo", kind.name, audit_key(row), str(old.version))  # the version put back
    db.session.commit()
    changed()
    return cancelled["publish_at"] if cancelled else None


def _cancelled_by_change(kind: Kind, row: Row, version: int) -> dict | None:
    """The schedule the change that left the row at `version` cancelled, as Schedule's
    fields; None if it cancelled none."""
    kept = db.session.scalar(
        select(Revision.cancelled_schedule)
        .where(
            Revision.kind == kind.name,
            Revision.item_id == row.id,
            Revision.version == version,
            Revision.cancelled_schedule.is_not(None),
        )
        .order_by(Revision.id.desc())
        .limit(1)
    )
    if not kept:
        return None
    return {
        "publish_at": datetime.fromisoformat(kept["publish_at"]),
        "user_id": kept.get("user_id"),
    }


def _ever_published_before(kind: Kind, row: Row, version: int) -> bool:
    """True when a revision up to `version` shows the row public."""
    kept = db.session.scalars(
        select(Revision.data).where(
            Revision.kind == kind.name, Revision.item_id == row.id, Revision.version <= version
        )
    )
    return any(data.get("status") == PUBLISHED for data in kept)


def unschedule(kind: Kind, row: Row) -> dict | None:
    """Forget the row's scheduled publication, if any (the caller commits); returns what it
    was, as a revision keeps it, or None."""
    entry = db.session.scalar(
        select(Schedule).where(Schedule.kind == kind.name, Schedule.item_id == row.id)
    )
    if entry is None:
        return None
    cancelled = {"publish_at": entry.publish_at.isoformat(), "user_id": entry.user_id}
    db.session.execute(delete(Schedule).where(Schedule.id == entry.id))
    return cancelled


def changed() -> None:
    """Apply the recorded changes to the search index now; never fail the request for it."""
    try:
        drain(site_index())
    except Exception:  # the outbox keeps the change; the next drain or rebuild applies it
        db.session.rollback()  # the request goes on with a usable session
        log.exception("search index not updated after a change; the outbox keeps it")


def release_due() -> int:
    """Publish every scheduled item whose time has come; return how many were published
    (not an entry whose item is gone, nor one whose account may no longer publish).

    Each entry is claimed by the transaction that publishes it (`_claim_next_due`), so that
    processes and app servers checking at the same moment publish each item once. The item
    is read locked (`FOR UPDATE`; SQLite's one write lock is already held): a save that is
    committing is waited for and published, and a save that comes after finds the version
    moved on and offers its text to merge, instead of two changes sharing one version.
    """
    released = 0
    while (entry := _claim_next_due()) is not None:
        kind = forms.EDITABLE.get(entry.kind)
        row = (
            db.session.get(kind.model, entry.item_id, with_for_update=True, populate_existing=True)
            if kind
            else None
        )
        if kind is None or row is None:
            db.session.commit()  # the entry of an item that is gone: deleted by the claim
            continue
        user = db.session.get(StaffUser, entry.user_id or 0)
        if user is not None and not user.can(PUBLISHER):
            # Disabled or demoted since (a schedule made while an administrator was doing
            # so, which `cancel_schedules_of` did not find): nothing goes out under a name
            # that may no longer publish. The item stays as it is; the log says why.
            why = cancelled_detail("cannot-publish", entry.publish_at, user)
            audit("unschedule", kind.name, row.slug, why, user=THE_SITE)
            db.session.commit()
            continue
        publish(kind, row, at=entry.publish_at, user=user)
        released += 1
    return released


def cancel_schedules_of(user: StaffUser, reason: str) -> list[tuple[Kind, Row, datetime]]:
    """Cancel every scheduled publication `user` made, as an administrator disables the
    account or takes its right to publish away (`reason`: "disabled" or "demoted"); the
    caller commits. Nothing goes out later under a name that may no longer publish, and
    nothing is published early either: each item stays as it is (a draft), each
    cancellation is logged as the administrator's, and the administrator is told which
    (returned: the kind, the item and the time it was due, earliest first). A schedule a
    release is publishing this moment is left to it."""
    cancelled = []
    entries = db.session.scalars(
        select(Schedule).where(Schedule.user_id == user.id).order_by(Schedule.publish_at)
    ).all()
    for entry in entries:
        gone = db.session.execute(
            delete(Schedule)
            .where(Schedule.id == entry.id)
            .execution_options(synchronize_session=False)
        )
        kind = forms.EDITABLE.get(entry.kind)
        row = db.session.get(kind.model, entry.item_id) if kind else None
        if not cast(CursorResult, gone).rowcount or kind is None or row is None:
            continue
        audit("unschedule", kind.name, row.slug,
              cancelled_detail(reason, entry.publish_at, user))  # fmt: skip
        cancelled.append((kind, row, entry.publish_at))
    return cancelled


def _claim_next_due() -> Schedule | None:
    """The earliest due schedule entry, deleted in the open transaction (which then
    publishes it); None when nothing more is due.

    On PostgreSQL the entry is read `FOR UPDATE SKIP LOCKED`: a server passes over an entry
    another is publishing and takes the next. SQLite has no such clause (SQLAlchemy leaves
    it out); there the DELETE waits for the one write lock, so a process that read an entry
    another was publishing finds it gone, and looks again.
    """
    while True:
        entry = db.session.scalars(
            select(Schedule)
            .where(Schedule.publish_at <= utcnow())
            .order_by(Schedule.publish_at, Schedule.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if entry is None:
            return None
        claim = delete(Schedule).where(Schedule.id == entry.id)
        claimed = db.session.execute(claim.execution_options(synchronize_session=False))
        if cast(CursorResult, claimed).rowcount:
            return entry
        db.session.rollback()
