"""The outbox: `queue` writes a message in the caller's transaction; `send_due` sends what
is due, each message claimed first so that two processes never send one twice; a failure
waits longer each time (1, 2, 4 … minutes, at most six hours) and loses nothing. Only a
message the server refuses for good (a 5xx reply to its recipient) is taken out, logged by
its number: trying it again for ever would change nothing."""

import logging
import smtplib
import ssl
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import cast

from flask import Response, current_app, g
from sqlalchemy import ColumnElement, CursorResult, delete, func, select, update

from .. import background
from ..database import db, utcnow
from .addresses import ascii_address
from .models import OutgoingMail

log = logging.getLogger(__name__)
BATCH = 50  # messages per run: a long queue is worked through by later runs
# How long a claimed message is left to its sender. A message is claimed just before it is
# sent, not with its batch (a batch of 50 on a slow server outlasted a claim of the whole
# batch, and another process sent the rest again). Sending one message is at most EXCHANGES
# blocking exchanges with the server, each bounded by MAIL_TIMEOUT_SECONDS: EHLO and a HELO
# after a refused EHLO (on the connection's first message), MAIL FROM, RCPT TO, DATA, the
# message itself (one sendall, which the timeout bounds as a whole), the reply to it, and
# RSET after a refusal. At the default 10 s that is 8 × 10 s = 80 s, and CLAIM is 600 s;
# `claim_time` gives at least twice the worst case for any longer timeout. (A reply is read
# a line at a time, each line within the timeout: a server that dripped one reply over many
# lines could outlast any bound, and none does.)
CLAIM = timedelta(minutes=10)
EXCHANGES = 8
MAX_WAIT = timedelta(hours=6)


def configured() -> bool:
    """True when the site has an SMTP server to send through."""
    return bool(current_app.config.get("MAIL_HOST") and current_app.config.get("MAIL_SENDER"))


def queue(
    recipient: str,
    subject: str,
    text: str,
    html: str | None,
    headers: dict[str, str] | None = None,
    *,
    subscription_id: int | None = None,
    feedback_item_id: int | None = None,
) -> None:
    """Add a message to the outbox in the current transaction (the caller commits); it is
    sent after the response. Nothing is queued when mail is not configured. The message
    names what it is about (an alert subscription or a feedback item), so that `withdraw`
    takes it out when that goes."""
    if not configured():
        return
    db.session.add(
        OutgoingMail(
            recipient=recipient,
            subject=" ".join(subject.split()),
            text_body=text,
            html_body=html,
            headers=dict(headers or {}),
            subscription_id=subscription_id,
            feedback_item_id=feedback_item_id,
        )
    )
    g.mail_queued = True


def withdraw(about: ColumnElement[bool]) -> int:
    """Delete the messages still queued that `about` selects (a condition on what they are
    about: `OutgoingMail.subscription_id`, `OutgoingMail.feedback_item_id`), in the current
    transaction (the caller commits and erases); how many. A message the server has not
    taken yet would otherwise go out, with its address and text, after what it was about
    was deleted."""
    result = cast(
        CursorResult,
        db.session.execute(
            delete(OutgoingMail).where(about).execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount


def send_after_response(response: Response) -> Response:
    """After a request that queued mail, send it in the background once the response has
    gone (the request committed it by then): no one waits for the mail server."""
    if g.get("mail_queued"):
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        response.call_on_close(lambda: background.start(app, "mail", send_quietly))
    return response


def send_quietly() -> None:
    """`send_due`, never failing its caller (a request, the periodic check)."""
    if not configured():
        return
    try:
        send_due()
    except Exception:
        db.session.rollback()
        log.exception("the mail outbox was not sent; it will be tried again")


def send_due() -> tuple[int, int]:
    """Send the due messages through one SMTP connection, each claimed just before it is
    sent (one another process sent or claimed meanwhile is left to it); (sent, failed)."""
    due = db.session.execute(
        select(OutgoingMail.id, OutgoingMail.next_attempt_at)
        .where(OutgoingMail.next_attempt_at <= utcnow())
        .order_by(OutgoingMail.id)
        .limit(BATCH)
    ).all()
    if not due:
        return 0, 0
    sent = failed = 0
    try:
        connection = _connect()
    except (OSError, smtplib.SMTPException) as error:
        for message_id, seen in due:  # each waits longer, once, whoever claims it
            message = _claim(message_id, seen)
            if message is not None:
                _failed(message, error)
                failed += 1
        return 0, failed
    with connection:
        for message_id, seen in due:
            message = _claim(message_id, seen)
            if message is None:
                continue
            recipient = ascii_address(message.recipient)
            try:
                if recipient is None:
                    raise smtplib.SMTPNotSupportedError("the address has no ASCII form")
                # To the one recipient stored, whatever the header may be read as.
                connection.send_message(_email(message, recipient), to_addrs=[recipient])
            except (OSError, smtplib.SMTPException) as error:
                if _refused_for_good(error):
                    _dropped(message, error)
                else:
                    _failed(message, error)
                failed += 1
                continue
            _dropped(message)
            sent += 1
    return sent, failed


def _refused_for_good(error: Exception) -> bool:
    """True when trying again cannot help: the server refused the recipient with a
    permanent (5xx) reply, or the address needs SMTPUTF8 and the server lacks it."""
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reply in error.recipients.values())
    return False


def _dropped(message: OutgoingMail, error: Exception | None = None) -> None:
    """Take a message out of the outbox: sent, or refused for good (logged by its number
    and the reply's code, never the address or the text)."""
    message_id = message.id  # read before the commit expires the deleted row
    db.session.execute(delete(OutgoingMail).where(OutgoingMail.id == message_id))
    db.session.commit()
    if error is not None:
        log.warning("mail %s refused for good, not tried again: %s", message_id, _named(error))


def _named(error: Exception) -> str:
    """An error by its kind and, for an SMTP reply, its code (never its text, which may
    quote the address)."""
    codes = getattr(error, "recipients", None)
    if codes:
        return f"{type(error).__name__} {sorted({code for code, _reply in codes.values()})}"
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__} {code}" if code else type(error).__name__


def claim_time() -> timedelta:
    """How long a claim lasts: CLAIM, or twice the longest one message can take at the
    configured timeout when that is longer (see CLAIM)."""
    worst = timedelta(seconds=EXCHANGES * current_app.config["MAIL_TIMEOUT_SECONDS"])
    return max(CLAIM, 2 * worst)


def _claim(message_id: int, seen: datetime) -> OutgoingMail | None:
    """Take the message for this process, just before it is sent: its next try moves on by
    `claim_time`, unless another process moved it (or sent it) since it was `seen`. The
    message as claimed, or None."""
    result = cast(
        CursorResult,
        db.session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == message_id, OutgoingMail.next_attempt_at == seen)
            .values(next_attempt_at=utcnow() + claim_time(), attempts=OutgoingMail.attempts + 1)
            .execution_options(synchronize_session=False)
        ),
    )
    db.session.commit()
    if not result.rowcount:
        return None
    return db.session.get(OutgoingMail, message_id, populate_existing=True)


def _failed(message: OutgoingMail, error: Exception) -> None:
    """Wait longer before the next try; keep what went wrong (without the message)."""
    wait = min(timedelta(minutes=2 ** min(message.attempts - 1, 16)), MAX_WAIT)
    db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == message.id)
        .values(next_attempt_at=utcnow() + wait, last_error=f"{type(error).__name__}"[:300])
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    log.warning("mail %s not sent (try %d): %s", message.id, message.attempts, type(error).__name__)


def _connect() -> smtplib.SMTP:
    """A connection to the configured server, secured and signed in as configured."""
    config = current_app.config
    host, port, timeout = (
        config["MAIL_HOST"],
        config["MAIL_PORT"],
        config["MAIL_TIMEOUT_SECONDS"],
    )
    security = config["MAIL_SECURITY"]
    if security == "tls":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
        if security == "starttls":
            connection.starttls(context=ssl.create_default_context())
    if config["MAIL_USERNAME"]:
        connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return connection


def _email(message: OutgoingMail, recipient: str) -> EmailMessage:
    """The message as sent to `recipient` (the stored address in its ASCII form): plain
    text, and the HTML version as its alternative."""
    sender = current_app.config["MAIL_SENDER"]
    email = EmailMessage()
    email["From"] = sender
    email["To"] = recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at.replace(tzinfo=UTC))
    email["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    for name, value in message.headers.items():
        email[name] = value
    email.set_content(message.text_body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    return email


def status() -> dict:
    """What the back office shows: whether mail is on, the messages waiting, and how many
    of them failed before."""
    total, failing = db.session.execute(
        select(func.count(OutgoingMail.id), func.count(OutgoingMail.last_error))
    ).one()
    return {"configured": configured(), "waiting": total, "failing": failing}
