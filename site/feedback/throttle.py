"""Rate limits of the public forms, kept in the database so every worker and instance
shares them: per address, and for the whole site, over a sliding window.

A submission is first checked without writing (a flood that is already over its limit
costs one indexed count), then reserved (written and committed) and counted again, so of
many sent at once no more than the limit get through. A refused reservation is removed:
a flood from one address must not use up the limit of the whole site. Only a keyed hash
of the address is kept.
"""

import hashlib
import hmac
from datetime import timedelta
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, delete, select

from ..database import db, utcnow
from ..security import client_network
from .models import FeedbackSubmission

DEFAULTS = {
    "FEEDBACK_PER_ADDRESS": 10,  # submissions from one address in the window
    "FEEDBACK_OVERALL": 300,  # submissions from everyone in the window
    "FEEDBACK_WINDOW_MINUTES": 60,
}
KEEP = timedelta(days=1)  # longer than any window: older rows are purged


def address_hash() -> str:
    """A keyed hash of the visitor's address (an IPv6 address's /64): equal for the same
    address, and no use to anyone without the site's secret key."""
    address = client_network().encode()
    key = current_app.secret_key.encode() if isinstance(current_app.secret_key, str) else b""
    return hmac.new(key, b"feedback:" + address, hashlib.sha256).hexdigest()


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["FEEDBACK_WINDOW_MINUTES"])


def wait_minutes(address: str, besides: int | None = None) -> int:
    """Minutes until `address` may send again; 0 when it may now. `besides` is the id of a
    reservation not to count (the one being decided)."""
    now = utcnow()
    recent = select(FeedbackSubmission.at).where(
        FeedbackSubmission.at > now - _window(), FeedbackSubmission.id != (besides or 0)
    )
    config = current_app.config
    checks = (
        (recent.where(FeedbackSubmission.address_hash == address), config["FEEDBACK_PER_ADDRESS"]),
        (recent, config["FEEDBACK_OVERALL"]),
    )
    wait = timedelta(0)
    for query, limit in checks:
        times = db.session.scalars(query.order_by(FeedbackSubmission.at.desc()).limit(limit)).all()
        if len(times) >= limit:
            wait = max(wait, times[-1] + _window() - now)
    return max(1, -(-int(wait.total_seconds()) // 60)) if wait else 0


def reserve(address: str) -> int:
    """Count one submission from `address`; the minutes to wait when it is over a limit
    (then it is not counted), else 0."""
    wait = wait_minutes(address)
    if wait:
        return wait
    submission = FeedbackSubmission(address_hash=address)
    db.session.add(submission)
    db.session.commit()
    wait = wait_minutes(address, besides=submission.id)
    if wait:
        db.session.execute(delete(FeedbackSubmission).where(FeedbackSubmission.id == submission.id))
        db.session.commit()
    return wait


def forget_old() -> int:
    """Remove the counted submissions older than any window; how many (the caller commits)."""
    result = cast(
        CursorResult,
        db.session.execute(
            delete(FeedbackSubmission).where(FeedbackSubmission.at < utcnow() - KEEP)
        ),
    )
    return result.rowcount
