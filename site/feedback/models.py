"""Models of what residents send us: questions, barrier reports and page-error reports
(one `FeedbackItem` each), the messages on an item (the resident's follow-ups, staff's
public replies and internal notes), and the submissions counted for the rate limits.

Photos of a barrier (`FeedbackPhoto`) are kept in the database, so that every app server
sees them, and deleted with the contact details.
"""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Model, utcnow
from ..facilities.models import Facility, Township
from ..staff.models import StaffUser

QUESTION, BARRIER, PAGE = "question", "barrier", "page"
KINDS = (QUESTION, BARRIER, PAGE)
NEW, IN_PROGRESS, ANSWERED, CLOSED = "new", "in_progress", "answered", "closed"
STATES = (NEW, IN_PROGRESS, ANSWERED, CLOSED)
OPEN_STATES = (NEW, IN_PROGRESS)  # waiting for an answer: these can be overdue
# How the resident wants the answer: on the status page only, by email, by SMS or a call.
REPLY_ON_SITE, REPLY_BY_EMAIL, REPLY_BY_PHONE = "site", "email", "phone"
# A text message and never a call: for a resident who cannot hear one, or speak on one.
REPLY_BY_SMS = "sms"
REPLY_WAYS = (REPLY_ON_SITE, REPLY_BY_EMAIL, REPLY_BY_SMS, REPLY_BY_PHONE)
# The ways that need a phone number: a mobile for texts only, a mobile or a landline for a
# text or a call.
BY_PHONE = (REPLY_BY_SMS, REPLY_BY_PHONE)
FOLLOW_UP, REPLY, NOTE = "follow_up", "reply", "note"


class FeedbackItem(Model):
    """One question or report. The resident reads it at a private status link; only the
    SHA-256 hash of its token is kept. The address it came from is not kept with it (the
    rate limits count it in `FeedbackSubmission` rows, for a day); the key of the form page
    it was sent from is, as a keyed hash (`form_key_hash`), which tells the same form sent
    again (a double click, Back and send) from another resident's same words.
    `FEEDBACK_RETENTION_DAYS` after it closes its texts, contact details and photos are
    deleted (`purged_at`); what is counted (kind, topic, place, dates, state) stays for the
    statistics."""

    __tablename__ = "feedback_item"
    __table_args__ = (
        UniqueConstraint("year", "sequence"),
        Index("ix_feedback_item_state_due", "state", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    sequence: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=NEW)
    version: Mapped[int] = mapped_column(default=1)
    topic: Mapped[str | None] = mapped_column(String(80))
    barrier_type: Mapped[str | None] = mapped_column(String(20))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"), index=True)
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id"), index=True)
    location: Mapped[str | None] = mapped_column(String(300))
    page_path: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    reply_by: Mapped[str] = mapped_column(String(10), default=REPLY_ON_SITE)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    text_hash: Mapped[str] = mapped_column(String(64))
    # None for an item sent from a page that carried no key (one made before there were keys).
    form_key_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The target date of the answer (operations.due_on); None when no answer time was set
    # as it arrived or was opened again.
    due_on: Mapped[date | None]
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    purged_at: Mapped[datetime | None]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_item.id"))
    # An example staff chose to publish on the statistics page, written without personal data.
    example_text: Mapped[str | None] = mapped_column(Text)
    example_text_en: Mapped[str | None] = mapped_column(Text)
    example_published_at: Mapped[datetime | None]

    # Classes, not names: a name resolves only if its module happens to be imported when the
    # mappers are configured (at the first query or loader option, services/queries.py's at
    # its import), so this module alone would have failed in some import orders.
    facility = relationship(Facility)
    township = relationship(Township)
    assignee = relationship(StaffUser)
    merged_into: Mapped["FeedbackItem | None"] = relationship(remote_side=[id])
    messages: Mapped[list["FeedbackMessage"]] = relationship(
        back_populates="item", order_by="FeedbackMessage.id"
    )
    photos: Mapped[list["FeedbackPhoto"]] = relationship(
        back_populates="item", order_by="FeedbackPhoto.id"
    )

    @property
    def reference(self) -> str:
        """The number the resident quotes: CP-2026-000123."""
        return reference_of(self.year, self.sequence)

    @property
    def has_contact(self) -> bool:
        """True while an email address or phone number is kept."""
        return bool(self.contact_email or self.contact_phone)

    def __repr__(self) -> str:
        return f"<FeedbackItem {self.reference}>"


class FeedbackYear(Model):
    """The last sequence number given in a year. Taking the next one updates this row,
    which the database locks until the new item is committed, so that items sent at the
    same moment queue for their numbers instead of racing for the same one; and a number
    is never given twice, even after old items are deleted."""

    __tablename__ = "feedback_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_sequence: Mapped[int]

    def __repr__(self) -> str:
        return f"<FeedbackYear {self.year}: {self.last_sequence}>"


def reference_of(year: int, sequence: int) -> str:
    """The reference of an item: CP-<year>-<sequence, six digits>."""
    return f"CP-{year}-{sequence:06d}"


class FeedbackMessage(Model):
    """A resident's follow-up, a member of staff's public reply (shown on the status page)
    or an internal note. Each is its own row, so two people writing at once lose nothing."""

    __tablename__ = "feedback_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("feedback_item.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    author_name: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[FeedbackItem] = relationship(back_populates="messages")
    author = relationship(StaffUser)


class FeedbackSubmission(Model):
    """One form sent to the public side (a new item, a follow-up, a refused honeypot),
    counted by the rate limits so that every worker shares them. Only a keyed hash of the
    address is kept; rows older than a day (or the window, if longer) are removed by
    `flask inbox purge`."""

    __tablename__ = "feedback_submission"
    __table_args__ = (Index("ix_feedback_submission_address_at", "address_hash", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    address_hash: Mapped[str] = mapped_column(String(64))


class FeedbackPhoto(Model):
    """A photo sent with a barrier report, re-encoded without its metadata (no location),
    shown only to staff and to the holder of the item's status link."""

    __tablename__ = "feedback_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("feedback_item.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only to send it
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[FeedbackItem] = relationship(back_populates="photos")
