"""Reads of residents' items: by status token, duplicates, and what is due or overdue."""

import hashlib
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, false, func, select

from ..contacts.models import ContactChannel
from ..database import db, utcnow
from ..opening_hours import local, local_now
from ..plan.models import Department
from ..services.queries import channels_of
from ..services.where import GENERAL_HOTLINE
from .models import CLOSED, FOLLOW_UP, OPEN_STATES, REPLY, FeedbackItem, FeedbackMessage
from .working_days import working_days_between

DUPLICATE_WINDOW = timedelta(hours=24)
# The department the forms write to (区残联), whose own ways to reach it the pages name.
FEDERATION = "disabled-persons-federation"
# What else a form sent again has as it had the first time: everything the resident chose
# and typed (the text as `operations.text_hash` compares it). A page sent again with another
# text, another way of answering or another number (Back, corrected, and sent) is new.
SAME_SUBMISSION = (
    "kind", "text_hash", "reply_by", "contact_email", "contact_phone", "topic", "barrier_type",
    "facility_id", "township_id", "location", "page_path",
)  # fmt: skip


class NoLongerTaken(Exception):
    """A message to an item that was closed, or had its personal data deleted, since its
    page was loaded (the hourly purge): nothing was added; the page says why and shows the
    text again."""


def takes_messages(item: FeedbackItem, from_resident: bool) -> bool:
    """True while the item takes new text: never once its personal data is deleted (the
    next purge would blank it again); a resident's follow-up only while it is not closed."""
    return item.purged_at is None and not (from_resident and item.state == CLOSED)


def check_still_taken(item: FeedbackItem, from_resident: bool) -> None:
    """Read the item again, as it is now, and raise `NoLongerTaken` (the transaction rolled
    back) when it no longer takes messages. Call it with the item held (`hold`) and the new
    message flushed: then no purge can change it before the commit."""
    db.session.refresh(item, ["state", "purged_at"])
    if not takes_messages(item, from_resident):
        db.session.rollback()
        raise NoLongerTaken


def closed_for_age(item: FeedbackItem) -> bool:
    """True for an item the purge closed when it deleted its personal data for its age
    (inbox/retention.py): it closes it at that very moment, so the two times are equal."""
    return item.state == CLOSED and item.purged_at is not None and item.closed_at == item.purged_at


def closed_for_age_condition() -> ColumnElement[bool]:
    """The SQL condition of `closed_for_age`."""
    return (
        (FeedbackItem.state == CLOSED)
        & FeedbackItem.purged_at.is_not(None)
        & (FeedbackItem.closed_at == FeedbackItem.purged_at)
    )


def token_hash(token: str) -> str:
    """The stored form of a status token."""
    return hashlib.sha256(token.encode()).hexdigest()


def by_token(token: str) -> FeedbackItem | None:
    """The item a status token opens, or None."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(FeedbackItem).where(FeedbackItem.token_hash == token_hash(token))
    )


def duplicate_of(item: FeedbackItem) -> FeedbackItem | None:
    """The item `item` (the one being added) repeats, if any: one sent within the window
    from the same form page (its key's hash), with the same details (`SAME_SUBMISSION`).

    Only the form page's key says that two posts are one resident's: the same words from
    the same address may be two people's (a community centre's computer, a mobile network
    behind one address), and an item sent without a key is never taken for another."""
    if item.form_key_hash is None:
        return None
    return db.session.scalar(
        select(FeedbackItem)
        .where(
            FeedbackItem.id != item.id,
            FeedbackItem.form_key_hash == item.form_key_hash,
            FeedbackItem.created_at > utcnow() - DUPLICATE_WINDOW,
            *(getattr(FeedbackItem, name) == getattr(item, name) for name in SAME_SUBMISSION),
        )
        .order_by(FeedbackItem.id)
        .limit(1)
    )


def sent_again(message: FeedbackMessage) -> FeedbackMessage | None:
    """The item's last message before `message` of its sort (public: a follow-up or a
    reply; or an internal note), when it is the same message from the same writer sent
    within the duplicate window with nothing between: a double click, or Back and send.
    Call it with the item held (`hold`) and `message` flushed."""
    public = (FOLLOW_UP, REPLY)
    last = db.session.scalar(
        select(FeedbackMessage)
        .where(
            FeedbackMessage.item_id == message.item_id,
            FeedbackMessage.id != message.id,
            FeedbackMessage.kind.in_(public if message.kind in public else (message.kind,)),
        )
        .order_by(FeedbackMessage.id.desc())
        .limit(1)
    )
    if (
        last is not None
        and last.kind == message.kind
        and last.author_id == message.author_id
        and last.body == message.body
        and last.created_at > utcnow() - DUPLICATE_WINDOW
    ):
        return last
    return None


def hold(item: FeedbackItem) -> None:
    """Hold the item's row until the transaction ends (PostgreSQL; SQLite holds the whole
    file from the first write), so that messages to it are added one after the other."""
    db.session.execute(select(FeedbackItem.id).where(FeedbackItem.id == item.id).with_for_update())


def today() -> date:
    """Today's date in Chiping."""
    return local_now().date()


def answer_days() -> int | None:
    """The answer time the federation has published, in working days
    (`FEEDBACK_ANSWER_DAYS`), or None: it has published none. Then no page names a time or
    a date to answer by, and no item is due or overdue, whatever date it was given when an
    answer time was set."""
    return current_app.config["FEEDBACK_ANSWER_DAYS"]


def federation_channels() -> list[ContactChannel]:
    """The federation's own channels, as its department page lists them (real and
    published: `services.queries.channels_of`); none while it has published none, and
    then the pages that send a resident to it say so rather than promise a phone, a
    counter or office hours."""
    federation = db.session.scalar(select(Department.id).where(Department.slug == FEDERATION))
    if federation is None:
        return []
    return channels_of(federation, GENERAL_HOTLINE)[0]


def due_date(due_on: date | None) -> date | None:
    """The date an item's answer is due by, from its stored target date (`due_on`, see
    `operations.due_on`): None while no answer time is set, or when none was as the item
    arrived or was opened again."""
    return due_on if answer_days() is not None else None


def overdue_condition() -> ColumnElement[bool]:
    """The SQL condition of an item waiting for an answer past its target date (never while
    no answer time is set)."""
    if answer_days() is None:
        return false()
    return FeedbackItem.state.in_(OPEN_STATES) & (FeedbackItem.due_on < today())


def is_overdue(item: FeedbackItem) -> bool:
    """True when the item waits for an answer past its target date."""
    due = due_date(item.due_on)
    return item.state in OPEN_STATES and due is not None and due < today()


def overdue_count() -> int:
    """How many items wait for an answer past their target date (for the back office's
    home page)."""
    if answer_days() is None:
        return 0
    return db.session.scalar(select(func.count()).where(overdue_condition())) or 0


def working_days_waited(item: FeedbackItem) -> int | None:
    """How many working days an item waiting for an answer has waited since it arrived
    (0: it came today); None for one that waits no more. The inbox shows this while no
    answer time is set."""
    if item.state not in OPEN_STATES:
        return None
    return working_days_between(local(item.created_at).date(), today())
