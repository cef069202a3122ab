"""Retention (《个人信息保护法》: no longer than the purpose needs): the contact details and
photos of an item closed more than FEEDBACK_RETENTION_DAYS ago are deleted; the item,
without them, stays for the statistics. Old rate-limit rows go too."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from ...database import db, utcnow
from ...feedback import throttle
from ...feedback.models import CLOSED, FeedbackItem, FeedbackPhoto
from ..accounts.audit import record as audit


def purge() -> int:
    """Delete the contact details and photos that are due and commit; how many items had
    contact details."""
    now = utcnow()
    cutoff = now - timedelta(days=current_app.config["FEEDBACK_RETENTION_DAYS"])
    due = (FeedbackItem.state == CLOSED, FeedbackItem.closed_at < cutoff)
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
