"""Mail to the resident about an item, when they chose an answer by email: the reference
and status link when it is received (the only time the token is known), and each public
reply. Queued in the transaction that stores the item or the reply (see mail/outbox.py),
each message naming the item whose resident it goes to: it goes when the item's personal
data is purged (`staff.inbox.retention`)."""

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..database import db
from ..mail import outbox
from ..mail.render import in_language, render
from .models import REPLY_BY_EMAIL, FeedbackItem, FeedbackMessage


def _mail_to(item: FeedbackItem) -> str | None:
    """The address to write to, when the resident chose an answer by email."""
    return (item.contact_email or None) if item.reply_by == REPLY_BY_EMAIL else None


def received(item: FeedbackItem, token: str) -> None:
    """Queue the receipt, with the status link."""
    address = _mail_to(item)
    if address is None:
        return
    with in_language(item.language):
        link = url_for("feedback.status", token=token, _external=True)
        text, html = render("receipt", item=item, link=link)
        subject = _("我们收到了您的来信 %(reference)s", reference=item.reference)
    outbox.queue(address, subject, text, html, feedback_item_id=item.id)


def replied(item: FeedbackItem, message: FeedbackMessage) -> None:
    """Queue a public reply to the item's resident and to those of the duplicates merged
    into it (their status pages show it too), each under their own reference."""
    merged = db.session.scalars(select(FeedbackItem).where(FeedbackItem.merged_into_id == item.id))
    for each in (item, *merged):
        if address := _mail_to(each):
            with in_language(each.language):
                text, html = render("reply", item=each, message=message)
                subject = _("对您的来信 %(reference)s 的答复", reference=each.reference)
            outbox.queue(address, subject, text, html, feedback_item_id=each.id)
