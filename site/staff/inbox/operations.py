"""What staff do to an item: change its state, assign it, merge it into another (each
carries the version the page was loaded at, and changes nothing if a colleague changed
the item since), and write notes and public replies (each its own row, so two people
writing at once lose nothing). A public reply carries the newest message its page showed
instead: it is published only if no public message came since (`ArrivedSince`). Every
action is in the audit log; none records what a resident wrote."""

from typing import cast

from flask import g
from sqlalchemy import CursorResult, func, select, update

from ...database import db, utcnow
from ...feedback import notify, queries, statistics
from ...feedback.models import (
    ANSWERED,
    CLOSED,
    FOLLOW_UP,
    NOTE,
    OPEN_STATES,
    REPLY,
    FeedbackItem,
    FeedbackMessage,
)
from ..accounts.audit import record as audit
from ..models import StaffUser

AUDIT_KIND = "feedback"
# The messages the resident reads or writes: a reply written without having seen one of
# these may answer a question already answered, or miss what the resident added.
PUBLIC = (FOLLOW_UP, REPLY)


class ArrivedSince(Exception):
    """A public reply written on a page that did not show every public message: a
    colleague's reply or the resident's follow-up came after it was loaded. Nothing was
    added; the writer sees what came (`public_since`) and is asked again."""


def _claim(item: FeedbackItem, base_version: int | None, **values: object) -> bool:
    """Write `values` and the next version if the item is still at `base_version`
    (atomic); False, and nothing written, when someone changed it since."""
    if base_version is None:
        return False
    result = cast(
        CursorResult,
        db.session.execute(
            update(FeedbackItem)
            .where(FeedbackItem.id == item.id, FeedbackItem.version == base_version)
            .values(version=base_version + 1, updated_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        return False
    published = item.example_published_at, values.get("example_published_at")
    statistics.example_may_change(any(when is not None for when in published), values)
    return True


def _done(item: FeedbackItem, action: str, detail: str = "") -> None:
    """Audit, commit, and read the item again."""
    audit(action, AUDIT_KIND, item.reference, detail)
    db.session.commit()
    db.session.refresh(item)


def change_state(item: FeedbackItem, state: str, base_version: int | None) -> bool:
    """Move the item to `state`; False when it changed since `base_version`."""
    now = utcnow()
    before = item.state
    values: dict[str, object] = {"state": state, "closed_at": now if state == CLOSED else None}
    if state == ANSWERED:
        values["answered_at"] = func.coalesce(FeedbackItem.answered_at, now)
    if not _claim(item, base_version, **values):
        db.session.rollback()
        return False
    _done(item, "inbox-state", f"{before} -> {state}")
    return True


def assign(item: FeedbackItem, user: StaffUser | None, base_version: int | None) -> bool:
    """Give the item to `user` (None: nobody); False when it changed since. The audit log
    says from whom to whom (user names; "-" for nobody), as the assignee sees the contact
    details."""
    before = item.assignee.username if item.assignee else "-"
    if not _claim(item, base_version, assignee_id=user.id if user else None):
        db.session.rollback()
        return False
    _done(item, "inbox-assign", f"{before} -> {user.username if user else '-'}")
    return True


def merge(item: FeedbackItem, target: FeedbackItem, base_version: int | None) -> bool:
    """Close the item as a duplicate of `target` (the work goes on there, and the
    resident's status page shows it); items merged into this one follow it. Its public
    example comes down (its text stays): a merged item's form offers no way to take it
    down later, and it is the item merged into that answers now."""
    now = utcnow()
    if not _claim(item, base_version, state=CLOSED, closed_at=now, merged_into_id=target.id,
                  example_published_at=None):  # fmt: skip
        db.session.rollback()
        return False
    db.session.execute(
        update(FeedbackItem)
        .where(FeedbackItem.merged_into_id == item.id)
        .values(merged_into_id=target.id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    _done(item, "inbox-merge", target.reference)
    return True


def add_note(item: FeedbackItem, text: str) -> bool:
    """An internal note, for colleagues only. False when this writer's same note was just
    saved (the form sent twice: a double click, Back and send), as a reply is told apart
    (`queries.sent_again`): nothing is added. Raises `queries.NoLongerTaken`, nothing
    added, when the item's personal data was deleted since the page was loaded."""
    queries.hold(item)
    message = _message(item, NOTE, text)
    queries.check_still_taken(item, from_resident=False)
    if queries.sent_again(message) is not None:
        db.session.rollback()
        return False
    _done(item, "inbox-note", f"#{message.id}")
    return True


def public_since(item: FeedbackItem, seen: int) -> list[FeedbackMessage]:
    """The item's public messages (`PUBLIC`) newer than message `seen`, the newest one the
    page showed (0: none), oldest first."""
    return list(
        db.session.scalars(
            select(FeedbackMessage)
            .where(
                FeedbackMessage.item_id == item.id,
                FeedbackMessage.kind.in_(PUBLIC),
                FeedbackMessage.id > seen,
            )
            .order_by(FeedbackMessage.id)
        )
    )


def add_reply(item: FeedbackItem, text: str, seen: int) -> bool:
    """A public reply, shown on the resident's status page; an item waiting for an answer
    is now answered (a new version, so a colleague's change from before is refused). False
    when the same reply was just published (the question answered twice): nothing is added
    and nothing mailed again. Raises `ArrivedSince`, nothing added, when a public message
    came after message `seen`, the newest the writer's page showed: two colleagues must
    not publish replies that contradict each other, which no one can take back. Raises
    `queries.NoLongerTaken`, nothing added, when the item's personal data was deleted since
    the page was loaded."""
    queries.hold(item)
    message = _message(item, REPLY, text)
    queries.check_still_taken(item, from_resident=False)
    # A double click is the writer's own reply come since: said as that, not as news.
    if queries.sent_again(message) is not None:
        db.session.rollback()
        return False
    if any(other.id != message.id for other in public_since(item, seen)):
        db.session.rollback()
        raise ArrivedSince
    now = utcnow()
    db.session.execute(
        update(FeedbackItem)
        .where(FeedbackItem.id == item.id, FeedbackItem.state.in_(OPEN_STATES))
        .values(
            state=ANSWERED,
            answered_at=func.coalesce(FeedbackItem.answered_at, now),
            version=FeedbackItem.version + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    notify.replied(item, message)
    _done(item, "inbox-reply", f"#{message.id}")
    return True


def _message(item: FeedbackItem, kind: str, text: str) -> FeedbackMessage:
    message = FeedbackMessage(
        item_id=item.id, kind=kind, body=text, author_id=g.staff.id,
        author_name=g.staff.display_name,
    )  # fmt: skip
    db.session.add(message)
    db.session.flush()
    return message
