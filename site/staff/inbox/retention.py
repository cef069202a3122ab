"""Retention (《个人信息保护法》: no longer than the purpose needs): the contact details and
photos of an item closed more than FEEDBACK_RETENTION_DAYS ago are deleted (of an item
merged into another, once that one is too); the item, without them, stays for the
statistics. Old rate-limit rows go too."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import aliased

from ...database import db, utcnow
from ...feedback import throttle
from ...feedback.models import CLOSED, FeedbackItem, FeedbackPhoto
from ..accounts.audit import record as audit


def purge() -> int:
    """Delete the contact details and photos that are due and commit; how many items had
    contact details."""
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
    contacts = db.session.execute(
        update(FeedbackItem)
        .where(
            *due,
            or_(FeedbackItem.contact_email.is_not(None), FeedbackItem.contact_phone.is_not(None)),
        )
        .values(contact_email=None, contact_phone=None, contact_purged_at=now)
        .execution_options(synchronize_session=False)
    )
    photos = db.session.execute(
        delete(FeedbackPhoto)
        .where(FeedbackPhoto.item_id.in_(select(FeedbackItem.id).where(*due)))
        .execution_options(synchronize_session=False)
    )
    throttle.forget_old()
    if contacts.rowcount:
        audit("inbox-purge", "feedback", "", str(contacts.rowcount))
    if photos.rowcount:
        audit("inbox-purge", "feedback_photo", "", str(photos.rowcount))
    db.session.commit()
    return contacts.rowcount
