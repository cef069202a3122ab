"""The outbox of email: every message is written here in the transaction that causes it
and sent after the request (or by `flask mail send-queued`), retried with backoff. A message
names what it is about (an alert subscription, a resident's feedback item), so that it goes
when that goes: a message queued while the mail server was down must not outlive the
consent or the personal data it was written for."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Model, utcnow


class OutgoingMail(Model):
    """One message waiting to be sent; deleted once the mail server has taken it."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(String(300))
    # What the message is about, at most one of them (None: neither, as a test's message).
    # Deleted with the subscription (`alerts.operations`) and when the item's personal data
    # is purged (`staff.inbox.retention`); PostgreSQL also cascades a deletion of the row.
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_subscription.id", ondelete="CASCADE"), index=True
    )
    feedback_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_item.id", ondelete="CASCADE"), index=True
    )
