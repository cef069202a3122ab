"""Writes of the public side: a new item with its reference, status token and photos, and
a resident's follow-up."""

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import date

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from ..database import db, utcnow
from ..i18n import is_english
from ..opening_hours import local
from . import notify, queries, statistics, throttle
from .models import (
    ANSWERED,
    FOLLOW_UP,
    IN_PROGRESS,
    FeedbackItem,
    FeedbackMessage,
    FeedbackPhoto,
    FeedbackYear,
)
from .photos import Photo, already_kept
from .queries import token_hash
from .working_days import add_working_days

# A status token is written down by residents, from paper or a screen read aloud: lower-case
# letters and digits without the look-alikes l, o, 0 and 1 (32 symbols, 5 bits each). Its
# 52 symbols hold 260 bits, more than the 256 of the tokens made before
# (`secrets.token_urlsafe(32)`), which open their items as ever (`queries.by_token` looks
# up any token by its hash).
STATUS_TOKEN_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz"
STATUS_TOKEN_LENGTH = 52
ATTEMPTS = 3  # the year's count started at the same moment by another database user
# A form page's key (`new_form_key`): 24 random bytes, URL-safe base64. A posted key of any
# other shape was not made here, and is no key.
FORM_KEY = re.compile(r"[A-Za-z0-9_-]{32}")


def new_form_key() -> str:
    """A new form page's key, sent with the form in a hidden field: each page a resident
    opens is one submission, however many times it is sent (a double click, or Back and
    send again), and only that page's posts are taken for it sent again."""
    return secrets.token_urlsafe(24)


def form_key(posted: str | None) -> str | None:
    """A posted form key, or None when none was posted or it was not made here."""
    return posted if posted and FORM_KEY.fullmatch(posted) else None


def form_key_hash(key: str | None) -> str | None:
    """The stored form of a form page's key: a keyed hash (`throttle.keyed`, as the rate
    limits keep the sender's address), no use to anyone without the site's secret key; None
    for no key."""
    return throttle.keyed(f"form:{key}") if key is not None else None


def text_hash(kind: str, text: str) -> str:
    """What makes two submissions the same: the form and the text, white space and case
    aside."""
    normal = " ".join(text.split()).casefold()
    return hashlib.sha256(f"{kind}\n{normal}".encode()).hexdigest()


def next_sequence(year: int) -> int:
    """Take the year's next sequence number in the current transaction. The year's row
    stays locked until the transaction ends, so that another item's number waits for this
    one to be committed or rolled back."""
    number = db.session.scalar(
        update(FeedbackYear)
        .where(FeedbackYear.year == year)
        .values(last_sequence=FeedbackYear.last_sequence + 1)
        .returning(FeedbackYear.last_sequence)
        .execution_options(synchronize_session=False)
    )
    if number is None:
        db.session.add(FeedbackYear(year=year, last_sequence=1))
        db.session.flush()
        number = 1
    return number


def due_on(start: date) -> date | None:
    """The target date of an answer to an item received (or opened again by the resident)
    on `start` (Chiping date): the answer time the federation published after it; None
    while it has published none (`queries.answer_days`), as nobody promised a date."""
    days = queries.answer_days()
    return None if days is None else add_working_days(start, days)


def create(
    kind: str, values: dict, photos: Sequence[Photo] = (), key: str | None = None
) -> tuple[FeedbackItem, str | None]:
    """Store a new item with its photos and commit; the item and its status token (shown
    once, never kept). The same form page (its `key`, see `form_key`) sent again with the
    same details (`queries.duplicate_of`) and no photo the first item lacks (a page sent
    again has lost its chosen files) is not stored: the first item, and None.

    Items sent at the same moment queue for their sequence numbers (see `next_sequence`);
    when the year's first two arrive at once, both start its count, and the second tries
    again. The duplicate is looked for once the year's row is held, so a form sent twice
    at once (a double click) is seen as one.
    """
    for attempt in range(ATTEMPTS):
        try:
            item, token = _add(kind, values, photos, key)
            existing = queries.duplicate_of(item)
            if existing is not None and already_kept(photos, existing.photos):
                db.session.rollback()
                return existing, None
            notify.received(item, token)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            if attempt == ATTEMPTS - 1:
                raise
            continue
        return item, token
    raise AssertionError("unreachable")


def new_status_token() -> str:
    """A new item's status token, in STATUS_TOKEN_ALPHABET."""
    return "".join(secrets.choice(STATUS_TOKEN_ALPHABET) for _ in range(STATUS_TOKEN_LENGTH))


def _add(
    kind: str, values: dict, photos: Sequence[Photo], key: str | None
) -> tuple[FeedbackItem, str]:
    """Add a new item with its photos and flush; the item and its status token."""
    token = new_status_token()
    now = utcnow()
    year = local(now).year
    item = FeedbackItem(
        kind=kind,
        year=year,
        sequence=next_sequence(year),
        token_hash=token_hash(token),
        text_hash=text_hash(kind, values["body"]),
        form_key_hash=form_key_hash(key),
        language="en" if is_english() else "zh",
        created_at=now,
        due_on=due_on(local(now).date()),
        photos=[
            FeedbackPhoto(
                content_type=p.content_type,
                data=p.data,
                width=p.width,
                height=p.height,
                created_at=now,
            )
            for p in photos
        ],
        **values,
    )
    db.session.add(item)
    db.session.flush()
    return item, token


def add_follow_up(item: FeedbackItem, text: str) -> None:
    """Add the resident's follow-up and commit; an answered item is open again, with a new
    target date counted from today. The same text sent again within the duplicate window
    (a double click, Back and send) is added once: looked for while the item is held.
    Raises `queries.NoLongerTaken`, nothing added, when the item was closed or its personal
    data deleted since the page was loaded."""
    now = utcnow()
    queries.hold(item)
    message = FeedbackMessage(item_id=item.id, kind=FOLLOW_UP, body=text, created_at=now)
    db.session.add(message)
    db.session.flush()  # on SQLite, the write lock
    queries.check_still_taken(item, from_resident=True)
    if queries.sent_again(message) is not None:
        db.session.rollback()
        return
    db.session.execute(
        update(FeedbackItem)
        .where(FeedbackItem.id == item.id, FeedbackItem.state == ANSWERED)
        .values(
            state=IN_PROGRESS,
            due_on=due_on(local(now).date()),
            version=FeedbackItem.version + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    statistics.example_may_change(item.example_published_at is not None, ("state",))
    db.session.commit()
    db.session.refresh(item)
