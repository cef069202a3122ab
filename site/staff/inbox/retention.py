"""Retention (《个人信息保护法》: no longer than the purpose needs): the contact details of
an item closed more than FEEDBACK_RETENTION_DAYS ago are deleted; the item, without them,
stays for the statistics. Old rate-limit rows go too."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, update

from ...database import db, utcnow
from ...feedback import throttle
from ...feedback.models import CLOSED, FeedbackItem
from ..accounts.audit import record as audit


def purge() -> int:
    """Delete the contact details that are due and commit; how many items had them."""
    now = utcnow()
    cutoff = now - timedelta(days=current_app.config["FEEDBACK_RETENTION_DAYS"])
    result = db.session.execute(
        update(FeedbackItem)
        .where(
            FeedbackItem.state == CLOSED,
            FeedbackItem.closed_at < cutoff,
            or_(FeedbackItem.contact_email.is_not(None), FeedbackItem.contact_phone.is_not(None)),
        )
        .values(contact_email=None, contact_phone=None, contact_purged_at=now)
        .execution_options(synchronize_session=False)
    )
    throttle.forget_old()
    if result.rowcount:
        audit("inbox-purge", "feedback", "", str(result.rowcount))
    db.session.commit()
    return result.rowcount
