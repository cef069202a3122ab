"""Retention (《个人信息保护法》: no longer than the purpose needs): an item answered
FEEDBACK_CLOSE_ANSWERED_DAYS ago that nobody has written to or changed since is closed (else
an item staff forgot to close would keep its texts for ever); the texts, contact details
and photos of an item closed more than FEEDBACK_RETENTION_DAYS ago are deleted, with staff's
unsent drafts about it (of an item merged into another, once that one is too); and those of
any item received more than FEEDBACK_MAX_AGE_DAYS ago, whatever its state (spam nobody
closed, a report left waiting), of which staff are told FEEDBACK_PURGE_NOTICE_DAYS ahead
(`purge_soon_condition`, on the inbox's list and the item's page); such an item is closed
then, as nobody can answer it any more. Nothing new is taken by an item once its data is
deleted (`feedback.queries.takes_messages`). Mail not sent in
FEEDBACK_RETENTION_DAYS is given up. A resident's text may tell of their health or income;
the statistics need none of it, only what is counted (kind, topic, place, dates, state),
which stays. The public example staff wrote of the item goes with the rest: it tells the
resident's case, which they asked to have deleted or which is kept no longer than the rest
(第四十七条). Old rate-limit rows go too."""

from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from sqlalchemy import ColumnElement, CursorResult, and_, delete, func, or_, select, update
from sqlalchemy.orm import aliased

from ...database import db, erase_deleted, utcnow
from ...feedback import queries, statistics, throttle
from ...feedback.models import (
    ANSWERED,
    CLOSED,
    FeedbackItem,
    FeedbackMessage,
    FeedbackPhoto,
    reference_of,
)
from ...mail import outbox
from ...mail.models import OutgoingMail
from ..accounts.audit import THE_SITE
from ..accounts.audit import record as audit
from ..models import Autosave, StaffUser
from .drafts import KIND

DEFAULTS = {
    "FEEDBACK_MAX_AGE_DAYS": 365,  # an item's personal data is deleted this long after it came
    "FEEDBACK_PURGE_NOTICE_DAYS": 30,  # staff are told this long before, if it is not closed
}


def purge() -> int:
    """Delete what is due and commit: the texts (the resident's, the replies, the notes),
    contact details and photos of items closed long enough or received too long ago, and
    the old rate-limit rows; then erase them from the database's files
    (`database.erase_deleted`). How many items."""
    now = utcnow()
    _close_answered(now)
    cutoff = now - timedelta(days=current_app.config["FEEDBACK_RETENTION_DAYS"])
    too_old = now - timedelta(days=current_app.config["FEEDBACK_MAX_AGE_DAYS"])
    _close_too_old(now, too_old)
    # A duplicate merged into another item is closed, but its resident is still answered
    # there: its details are kept until that item too is closed long enough.
    merged_into = aliased(FeedbackItem)
    done_with = select(merged_into.id).where(
        merged_into.state == CLOSED, merged_into.closed_at < cutoff
    )
    closed_long_enough = and_(
        FeedbackItem.state == CLOSED,
        FeedbackItem.closed_at < cutoff,
        or_(FeedbackItem.merged_into_id.is_(None), FeedbackItem.merged_into_id.in_(done_with)),
    )
    # Whatever its state: a message nobody handles must not keep its texts for ever.
    due = (or_(closed_long_enough, FeedbackItem.created_at < too_old),)
    items, photos, mail, erased = _erase(due, now, None)
    # Mail the server has not taken by now never will be sent: its text and address go too.
    mail += outbox.withdraw(OutgoingMail.created_at < cutoff)
    counted = throttle.forget_old()
    if items:
        audit("inbox-purge", "feedback", "", str(items), user=THE_SITE)
    if photos:
        audit("inbox-purge", "feedback_photo", "", str(photos), user=THE_SITE)
    if mail:
        audit("inbox-purge", "outgoing_mail", "", str(mail), user=THE_SITE)
    db.session.commit()
    erase_deleted(erased + counted)
    return items


# Who deleted an item's personal data before it was due, as the audit log names the action:
# its resident on the status page (no member of staff), or staff at their request (by phone
# or letter).
BY_RESIDENT, ON_REQUEST = "inbox-delete-by-resident", "inbox-delete-on-request"


def delete_now(item: FeedbackItem, user: StaffUser | None) -> bool:
    """Delete one item's personal data now, at its resident's request (《个人信息保护法》
    第四十七条), as `purge` deletes it when it is due: on the status page (`user` None) or
    by staff they asked (`user`). The item is closed, if it is not; items merged into it
    keep theirs, which are other messages' and go by their own rule, as in `purge`. Audited,
    committed and erased from the database's files (`database.erase_deleted`). False, and
    nothing done, when its data was deleted already."""
    queries.hold(item)
    db.session.refresh(item, ["state", "purged_at"])
    if item.purged_at is not None:
        db.session.rollback()
        return False
    now = utcnow()
    # Closed a moment before its data goes: an item closed at the very moment it is deleted
    # is one the purge closed for its age (`queries.closed_for_age`), which this is not.
    db.session.execute(
        update(FeedbackItem)
        .where(FeedbackItem.id == item.id, FeedbackItem.state != CLOSED)
        .values(state=CLOSED, closed_at=now - timedelta(microseconds=1), updated_at=now,
                version=FeedbackItem.version + 1)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    statistics.example_may_change(item.example_published_at is not None, ("state",))
    _items, _photos, _mail, erased = _erase((FeedbackItem.id == item.id,), now, user)
    if user is None:
        audit(BY_RESIDENT, "feedback", item.reference, user=THE_SITE)
    else:
        audit(ON_REQUEST, "feedback", item.reference, user=user)
    db.session.commit()
    erase_deleted(erased)
    db.session.refresh(item)
    return True


def _erase(
    due: tuple[ColumnElement[bool], ...], now: datetime, user: StaffUser | None
) -> tuple[int, int, int, int]:
    """Delete the personal data of the items `due` selects: their texts (the resident's,
    the replies, the notes), contact details, page, the hashes of their text and of their
    form page's key, their photos, their examples (`_take_down_examples`, audited as taken
    down by `user`, None: the site), staff's drafts about them and the mail still queued for
    their residents (a receipt, a reply: it would otherwise go out after their details were
    deleted); mark them `purged_at` (the caller audits the rest and commits). How many
    items, photos and mails, and how many rows in all."""
    due_items = select(FeedbackItem.id).where(*due)
    examples = _take_down_examples(due, user)
    messages = cast(CursorResult, db.session.execute(
        update(FeedbackMessage)
        .where(FeedbackMessage.item_id.in_(due_items), FeedbackMessage.body != "")
        .values(body="")
        .execution_options(synchronize_session=False)
    ))  # fmt: skip
    items = cast(CursorResult, db.session.execute(
        update(FeedbackItem)
        .where(*due, FeedbackItem.purged_at.is_(None))
        .values(body="", location=None, page_path=None, text_hash="",
                form_key_hash=None, contact_email=None, contact_phone=None, purged_at=now,
                # A new version: a form loaded before (an example to publish) is refused.
                version=FeedbackItem.version + 1)
        .execution_options(synchronize_session=False)
    ))  # fmt: skip
    drafts = _forget_drafts(due)
    photos = cast(
        CursorResult,
        db.session.execute(
            delete(FeedbackPhoto)
            .where(FeedbackPhoto.item_id.in_(due_items))
            .execution_options(synchronize_session=False)
        ),
    )
    mail = outbox.withdraw(OutgoingMail.feedback_item_id.in_(due_items))
    erased = messages.rowcount + items.rowcount + examples + drafts + photos.rowcount + mail
    return items.rowcount, photos.rowcount, mail, erased


def _take_down_examples(due: tuple[ColumnElement[bool], ...], user: StaffUser | None) -> int:
    """Take the published examples of the items `due` selects off the public page and
    delete their texts, published or not: staff wrote them without the resident's words,
    but they tell the resident's case, and a deletion leaves only what is counted. Each one
    published is audited as a take-down by staff is, done by `user` (None: the site), and
    the page cache's generation raised, as for one (`statistics.example_may_change`). How
    many items' examples were deleted."""
    shown = db.session.execute(
        select(FeedbackItem.year, FeedbackItem.sequence)
        .where(*due, FeedbackItem.example_published_at.is_not(None))
        .order_by(FeedbackItem.id)
    ).all()
    has_example = or_(
        FeedbackItem.example_text.is_not(None),
        FeedbackItem.example_text_en.is_not(None),
        FeedbackItem.example_published_at.is_not(None),
    )
    deleted = cast(CursorResult, db.session.execute(
        update(FeedbackItem)
        .where(*due, has_example)
        .values(example_text=None, example_text_en=None, example_published_at=None)
        .execution_options(synchronize_session=False)
    ))  # fmt: skip
    statistics.example_may_change(bool(shown), ("example_published_at",))
    for year, sequence in shown:
        audit("inbox-example-unpublish", "feedback", reference_of(year, sequence),
              user=user or THE_SITE)  # fmt: skip
    return deleted.rowcount


# The rule of `purge_soon_condition` (SQL) and `purge_soon` (Python), kept the same by a
# test over every combination (tests/test_inbox.py): an item whose personal data is not yet
# deleted, received long enough ago that it goes within FEEDBACK_PURGE_NOTICE_DAYS, and
# still being handled: not closed, or a duplicate (closed) merged into an item that is not
# (its resident is answered there, feedback/notify.py, and loses their details all the same).


def _notice_from() -> datetime:
    """Items received before this lose their personal data within the notice period."""
    config = current_app.config
    days = config["FEEDBACK_MAX_AGE_DAYS"] - config["FEEDBACK_PURGE_NOTICE_DAYS"]
    return utcnow() - timedelta(days=days)


def purge_soon_condition() -> ColumnElement[bool]:
    """The SQL condition of an item still being handled (not closed, or merged into one
    not closed) whose personal data will be deleted within FEEDBACK_PURGE_NOTICE_DAYS for
    its age (FEEDBACK_MAX_AGE_DAYS): staff should answer and close it, or know that it
    goes."""
    merged_into = aliased(FeedbackItem)
    main_open = select(merged_into.id).where(merged_into.state != CLOSED)
    return (
        or_(FeedbackItem.state != CLOSED, FeedbackItem.merged_into_id.in_(main_open))
        & FeedbackItem.purged_at.is_(None)
        & (FeedbackItem.created_at < _notice_from())
    )


def purge_on(item: FeedbackItem) -> datetime:
    """When the item's personal data is deleted for its age, whatever its state (UTC)."""
    return item.created_at + timedelta(days=current_app.config["FEEDBACK_MAX_AGE_DAYS"])


def purge_soon(item: FeedbackItem) -> bool:
    """True when the item is one of `purge_soon_condition`."""
    main = item.merged_into
    handled = item.state != CLOSED or (main is not None and main.state != CLOSED)
    return handled and item.purged_at is None and item.created_at < _notice_from()


def purge_soon_count() -> int:
    """How many items still being handled lose their personal data within the notice
    period."""
    return db.session.scalar(select(func.count()).where(purge_soon_condition())) or 0


def _close_answered(now: datetime) -> None:
    """Close the items answered long enough ago that neither the resident (a follow-up
    opens an item again) nor staff changed since; a new version, so a colleague's form
    loaded before is refused, not applied over it."""
    quiet_since = now - timedelta(days=current_app.config["FEEDBACK_CLOSE_ANSWERED_DAYS"])
    closed = cast(
        CursorResult,
        db.session.execute(
            update(FeedbackItem)
            .where(FeedbackItem.state == ANSWERED, FeedbackItem.updated_at < quiet_since)
            .values(state=CLOSED, closed_at=now, updated_at=now, version=FeedbackItem.version + 1)
            .execution_options(synchronize_session=False)
        ),
    )
    if closed.rowcount:
        audit("inbox-close-answered", "feedback", "", str(closed.rowcount), user=THE_SITE)


def _close_too_old(now: datetime, too_old: datetime) -> None:
    """Close the items not closed that lose their personal data for their age now: with its
    texts gone nobody can answer one, and a new message to it would be deleted at the next
    purge (so none is taken, see `queries.takes_messages`). It is closed at the moment its
    data is deleted (`queries.closed_for_age`, which the item's page and the statistics
    read); one deleted before this rule closes at the moment it was. A new version, so a
    colleague's form loaded before is refused."""
    closed = cast(
        CursorResult,
        db.session.execute(
            update(FeedbackItem)
            .where(FeedbackItem.state != CLOSED, FeedbackItem.created_at < too_old)
            .values(state=CLOSED, closed_at=func.coalesce(FeedbackItem.purged_at, now),
                    updated_at=now, version=FeedbackItem.version + 1)
            .execution_options(synchronize_session=False)
        ),
    )  # fmt: skip
    if closed.rowcount:
        statistics.example_may_change(True, ("state",))  # one of them may have had an example
        audit("inbox-close-too-old", "feedback", "", str(closed.rowcount), user=THE_SITE)


def _forget_drafts(due: tuple[ColumnElement[bool], ...]) -> int:
    """Delete the drafts staff kept of replies and notes to items that are due; how many."""
    kept = db.session.execute(select(Autosave.id, Autosave.key).where(Autosave.kind == KIND))
    by_item = {draft_id: key.split(":")[0] for draft_id, key in kept}
    items = [int(item) for item in by_item.values() if item.isdigit()]
    if not items:
        return 0
    due_items = {
        str(item)
        for item in db.session.scalars(
            select(FeedbackItem.id).where(*due, FeedbackItem.id.in_(items))
        )
    }
    deleted = cast(CursorResult, db.session.execute(
        delete(Autosave)
        .where(Autosave.id.in_([draft for draft, item in by_item.items() if item in due_items]))
        .execution_options(synchronize_session=False)
    ))  # fmt: skip
    return deleted.rowcount
