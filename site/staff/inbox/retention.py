"""Retention (《个人信息保护法》: no longer than the purpose needs): the texts, contact details
and photos of an item closed more than FEEDBACK_RETENTION_DAYS ago are deleted (of an item
merged into another, once that one is too). A resident's text may tell of their health or
income; the statistics need none of it, only what is counted (kind, topic, place, dates,
state), which stays. Old rate-limit rows go too."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import aliased

from ...database import db, utcnow
from ...feedback import throttle
from ...feedback.models import CLOSED, FeedbackItem, FeedbackMessage, FeedbackPhoto
from ..accounts.audit import record as audit


def purge() -> int:
    """Delete what is due and commit: the texts (the resident's, the replies, the notes),
    contact details and photos of items closed long enough; how many items."""
    now = utcnow()
    cutoff = now - timedelta(days=current_app.config["FEEDBACK_RETENTION_DAYS"])
    # A duplicate merged into another item is closed, but its resident is still answered
    # there: its details are kept until that item too is closed long enough.
    merged_into = aliased(FeedbackItem)
    done_with = select(merged_into.id).where(
        merged_into.state == CLOSED, merged_into.closed_at < cutoff
    )
    due = (
        FeedbackItem.state == CLOSED,
        FeedbackItem.closed_at < cutoff,
        or_(FeedbackItem.merged_into_id.is_(None), FeedbackItem.merged_into_id.in_(done_with)),
    )
    due_items = select(FeedbackItem.id).where(*due)
    db.session.execute(
        update(FeedbackMessage)
        .where(FeedbackMessage.item_id.in_(due_items), FeedbackMessage.body != "")
        .values(body="")
        .execution_options(synchronize_session=False)
    )
    items = db.session.execute(
        update(FeedbackItem)
        .where(*due, FeedbackItem.purged_at.is_(None))
        .values(body="", location=None, contact_email=None, contact_phone=None, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    photos = db.session.execute(
        delete(FeedbackPhoto)
        .where(FeedbackPhoto.item_id.in_(due_items))
        .execution_options(synchronize_session=False)
    )
    throttle.forget_old()
    if items.rowcount:
        audit("inbox-purge", "feedback", "", str(items.rowcount))
    if photos.rowcount:
        audit("inbox-purge", "feedback_photo", "", str(photos.rowcount))
    db.session.commit()
    return items.rowcount
