"""Email alerts for notices: one subscription per address, confirmed by a link (double
opt-in), managed and cancelled by a link in every message."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Model, utcnow


class AlertSubscription(Model):
    """Which updates an address wants: kinds (notice, news), topics (category slugs; none:
    all) and townships (none: all). Its links carry a keyed hash of `nonce`, so the
    database alone does not give them away."""

    __tablename__ = "alert_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    # As `operations.mailbox` has it (one case), so unique means one subscription a mailbox.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    language: Mapped[str] = mapped_column(String(8), default="zh")
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    townships: Mapped[list[str]] = mapped_column(JSON, default=list)
    nonce: Mapped[str] = mapped_column(String(32))
    # Until it is confirmed, the time of the newest request that mailed a confirmation link
    # (`operations.subscribe`): an unconfirmed address is deleted counting from it.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]


class AlertMergedLink(Model):
    """The links of a subscription that migration 0024 merged into another of its mailbox
    (`subscription`): mail sent before the merge carries them, and they open the one kept.
    `id` and `nonce` are the merged subscription's, so its links are checked as they were
    (`operations.by_token`); deleted with the subscription kept (`operations._delete`)."""

    __tablename__ = "alert_merged_link"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    nonce: Mapped[str] = mapped_column(String(32))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("alert_subscription.id", ondelete="CASCADE"), index=True
    )

    subscription: Mapped[AlertSubscription] = relationship()

    def __repr__(self) -> str:
        return f"<AlertMergedLink {self.id} -> {self.subscription_id}>"


class AlertCancellation(Model):
    """A cancelled subscription: a keyed hash of its address (`operations.cancelled_key`,
    never the address) and when. A restore of a backup taken before the cancellation would
    bring the subscription back; the restore deletes it again (`operations.cancel_again`).
    Kept as long as the backups it protects against (`operations.forget_unconfirmed`)."""

    __tablename__ = "alert_cancellation"

    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    cancelled_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
