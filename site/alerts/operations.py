"""Subscribing, confirming, changing and cancelling email alerts, and queueing the alert
for a notice when it is first published.

A subscription's links carry `<id>-<keyed hash of its nonce>`: the database alone does not
give them away, and a cancelled subscription's links stop working. The links of a
subscription merged into another of its mailbox (migration 0024) open the one kept.
"""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import cast

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, CursorResult, delete, inspect, select

from ..database import db, erase_deleted, row_id, upsert, utcnow
from ..feedback import throttle
from ..i18n import is_english
from ..mail import outbox
from ..mail.models import OutgoingMail
from ..mail.render import in_language, render
from ..updates.models import Update
from .models import AlertCancellation, AlertMergedLink, AlertSubscription

UNCONFIRMED_DAYS = 7  # an address nobody confirmed is forgotten after this
# The window of ALERTS_PER_RECIPIENT: a day, as long as the counted rows are kept.
RECIPIENT_WINDOW = throttle.KEEP
# A cancellation is remembered this long beyond BACKUP_KEEP_DAYS: a backup is deleted by the
# first `flask db backup` after it is that old, and a daily timer may have missed a few days.
CANCELLATION_MARGIN = timedelta(days=7)


def token_of(subscription: AlertSubscription | AlertMergedLink) -> str:
    """The token in the subscription's links (or in those of one merged into another)."""
    key = current_app.secret_key
    assert key is not None  # settings.configure always sets SECRET_KEY
    key = key.encode() if isinstance(key, str) else key
    mac = hmac.new(key, f"alerts:{subscription.id}:{subscription.nonce}".encode(), hashlib.sha256)
    return f"{subscription.id}-{mac.hexdigest()[:40]}"


def by_token(token: str) -> AlertSubscription | None:
    """The subscription a token belongs to, or None (unknown, changed or cancelled): its own
    link, or one of a subscription merged into it. A merged one's number may since be a
    new subscription's (SQLite reuses the largest), so each is checked by its own hash."""
    number, _dash, _mac = token.partition("-")
    found = row_id(number)
    if found is None or len(token) > 60:
        return None
    subscription = db.session.get(AlertSubscription, found)
    if subscription is not None and hmac.compare_digest(token_of(subscription), token):
        return subscription
    merged = db.session.get(AlertMergedLink, found)
    if merged is not None and hmac.compare_digest(token_of(merged), token):
        return merged.subscription
    return None


def mailbox(email: str) -> str:
    """The address as a subscription is kept, found and counted by: its letters in one case
    (casefolded), as most mail servers take them, so that Li@Example.com and li@example.com
    are one subscription, not two of which cancelling one leaves the other sending. (The
    name before the @ is ASCII, `mail.addresses.email_problem`; the domain's ASCII form
    folds its case anyway.) Migration 0024 folded the addresses kept before."""
    return email.casefold()


def recipient_key(email: str) -> str:
    """The keyed hash the mails to `email` are counted under (the address itself is not
    kept for it): equal for the address however its letters are cased (`mailbox`)."""
    return throttle.ALERTS.key(f"recipient:{mailbox(email)}")


def subscribe(email: str, language: str, choices: dict) -> None:
    """Ask for alerts and commit (the address kept and found as `mailbox` has it, however
    it was typed). A new or unconfirmed address gets (again) a message with
    the confirmation link and the chosen alerts; a confirmed one gets its manage link and
    nothing changes, so nobody can change someone else's alerts by typing their address.

    An unconfirmed address asked for again counts its UNCONFIRMED_DAYS from this request,
    as the message says (`created_at`, which `forget_unconfirmed` reads).

    An address that had its ALERTS_PER_RECIPIENT messages of these in the last day gets
    none, and nothing changes: typing someone's address again and again must not flood
    their inbox. The caller answers as it does when a message goes, so that nobody learns
    from the answer whether an address was asked for before."""
    email = mailbox(email)
    limit = current_app.config["ALERTS_PER_RECIPIENT"]
    if throttle.reserve_one(recipient_key(email), limit, RECIPIENT_WINDOW):
        return
    subscription = db.session.scalar(
        select(AlertSubscription).where(AlertSubscription.email == email)
    )
    if subscription is None:
        subscription = AlertSubscription(email=email, nonce=secrets.token_hex(16))
        db.session.add(subscription)
    if subscription.confirmed_at is None:
        # The new message says an unconfirmed address is deleted UNCONFIRMED_DAYS from now:
        # counted from the first request, its link would stop working days early.
        subscription.created_at = utcnow()
        subscription.language = language
        subscription.kinds, subscription.topics = choices["kinds"], choices["topics"]
        subscription.townships = choices["townships"]
        db.session.flush()
        _mail(subscription, "alert_confirm", lambda: _("请确认订阅茌平区残联的邮件提醒"))
    else:
        _mail(subscription, "alert_known", lambda: _("您已经订阅了茌平区残联的邮件提醒"))
    db.session.commit()


def confirm(subscription: AlertSubscription) -> None:
    """The address is confirmed: alerts start with the next notice."""
    if subscription.confirmed_at is None:
        subscription.confirmed_at = utcnow()
        db.session.commit()


def change(subscription: AlertSubscription, choices: dict) -> None:
    """New choices for a subscription, and commit."""
    subscription.kinds, subscription.topics = choices["kinds"], choices["topics"]
    subscription.townships = choices["townships"]
    db.session.commit()


def cancelled_key(email: str) -> str:
    """The keyed hash a cancellation of `email` is remembered by (cased as `recipient_key`
    takes it; another hash than that one, so the two rows cannot be matched)."""
    return throttle.ALERTS.key(f"cancelled:{mailbox(email)}")


def cancel(subscription: AlertSubscription) -> None:
    """Forget the address and its choices, and the mail still queued for it (the mail
    server was down): it would go out after the consent was withdrawn. Remember the
    cancellation by a keyed hash of the address (`AlertCancellation`), so a restore does
    not bring the subscription back. Commit, and erase them from the database's files
    (`database.erase_deleted`)."""
    upsert(
        AlertCancellation,
        {"address_hash": cancelled_key(subscription.email)},
        {"cancelled_at": utcnow()},
    )
    deleted, withdrawn = _delete(AlertSubscription.id == subscription.id)
    db.session.commit()
    erase_deleted(deleted + withdrawn)


def _delete(*where: ColumnElement[bool]) -> tuple[int, int]:
    """Delete the subscriptions `where` selects and the mail still queued for them, in the
    current transaction (the caller commits and erases): every way a subscription goes
    passes here, so no confirmation or alert outlives it (sent later, with links that lead
    nowhere, to an address the site promised to forget). How many subscriptions, and how
    many messages."""
    chosen = select(AlertSubscription.id).where(*where)
    withdrawn = outbox.withdraw(OutgoingMail.subscription_id.in_(chosen))
    # SQLite does not cascade: the links merged into them would otherwise outlive them.
    db.session.execute(delete(AlertMergedLink).where(AlertMergedLink.subscription_id.in_(chosen)))
    result = cast(
        CursorResult,
        db.session.execute(delete(AlertSubscription).where(*where)),
    )
    return result.rowcount, withdrawn


def cancellation_kept_days() -> int:
    """How many days a cancellation is remembered: as long as any backup is kept, and
    CANCELLATION_MARGIN more (the privacy notice says so)."""
    return int(current_app.config["BACKUP_KEEP_DAYS"]) + CANCELLATION_MARGIN.days


def forget_unconfirmed() -> int:
    """Delete subscriptions nobody confirmed in time (UNCONFIRMED_DAYS after the newest
    request that sent a confirmation link, `subscribe`; and their confirmation mail, if
    still queued), and the cancellations older than any
    backup the site keeps (BACKUP_KEEP_DAYS and CANCELLATION_MARGIN: no restore can bring
    their subscriptions back), commit, and erase them from the database's files
    (`database.erase_deleted`); how many subscriptions."""
    cutoff = utcnow() - timedelta(days=UNCONFIRMED_DAYS)
    deleted, withdrawn = _delete(
        AlertSubscription.confirmed_at.is_(None), AlertSubscription.created_at < cutoff
    )
    kept = timedelta(days=cancellation_kept_days())
    old = cast(
        CursorResult,
        db.session.execute(
            delete(AlertCancellation).where(AlertCancellation.cancelled_at < utcnow() - kept)
        ),
    )
    db.session.commit()
    erase_deleted(deleted + withdrawn + old.rowcount)
    return deleted


def cancellations() -> dict[str, datetime]:
    """The cancellations the database remembers: {keyed hash: when}. Read before a restore,
    which replaces them with the backup's (none, in a backup from before they were kept)."""
    if not inspect(db.engine).has_table(AlertCancellation.__tablename__):
        return {}  # a database not yet upgraded to them
    rows = select(AlertCancellation.address_hash, AlertCancellation.cancelled_at)
    return {key: at for key, at in db.session.execute(rows)}


def cancel_again(remembered: dict[str, datetime]) -> int:
    """After a restore: remember again the cancellations of the database it replaced
    (`remembered`, from `cancellations`), and delete again every subscription that one of
    them, or one the backup holds, cancelled (one made before it: an address subscribed
    again since has consented again). Commit and erase (`database.erase_deleted`); how many
    subscriptions were deleted."""
    known = {row.address_hash: row for row in db.session.scalars(select(AlertCancellation))}
    for key, at in remembered.items():
        row = known.get(key)
        if row is None:
            known[key] = AlertCancellation(address_hash=key, cancelled_at=at)
            db.session.add(known[key])
        elif row.cancelled_at < at:
            row.cancelled_at = at
    again = []
    for subscription in db.session.scalars(select(AlertSubscription)).all():
        cancelled = known.get(cancelled_key(subscription.email))
        if cancelled is not None and subscription.created_at <= cancelled.cancelled_at:
            again.append(subscription.id)
    deleted, withdrawn = _delete(AlertSubscription.id.in_(again)) if again else (0, 0)
    db.session.commit()
    erase_deleted(deleted + withdrawn)
    return deleted


def wanted_by(subscription: AlertSubscription, update: Update) -> bool:
    """True when the subscription asks for this update: its kind, one of its topics (no
    topics: all), and its townships (an update for the whole district goes to everyone)."""
    if update.kind not in subscription.kinds:
        return False
    if subscription.topics and not set(subscription.topics) & set(update.topics or []):
        return False
    if subscription.townships and update.townships:
        return bool(set(subscription.townships) & set(update.townships))
    return True


def notice_published(update: Update) -> None:
    """Queue the alert of an update the first time it is published (now or as scheduled),
    in the publishing transaction; later publications of it send nothing."""
    if update.alerts_queued_at is not None:
        return
    update.alerts_queued_at = utcnow()
    subscribers = db.session.scalars(
        select(AlertSubscription).where(AlertSubscription.confirmed_at.is_not(None))
    )
    for subscription in subscribers:
        if wanted_by(subscription, update):
            _mail(subscription, "alert_notice", lambda: _title(update), update=update)


def _title(update: Update) -> str:
    """The update's title in the language being written."""
    return (is_english() and update.title_en) or update.title


def _mail(
    subscription: AlertSubscription, template: str, subject: Callable[[], str], **context: object
) -> None:
    """Queue one message to a subscriber in their language (`subject()` is asked in it),
    with the links to manage and to cancel, and the headers of a one-click unsubscribe
    (RFC 2369, RFC 8058)."""
    token = token_of(subscription)
    with in_language(subscription.language):
        links = {
            "confirm": url_for("alerts.confirm", token=token, _external=True),
            "manage": url_for("alerts.manage", token=token, _external=True),
            "unsubscribe": url_for("alerts.unsubscribe", token=token, _external=True),
        }
        text, html = render(template, subscription=subscription, links=links, **context)
        title = subject()
    headers = {
        "List-Unsubscribe": f"<{links['unsubscribe']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    outbox.queue(subscription.email, title, text, html, headers, subscription_id=subscription.id)
