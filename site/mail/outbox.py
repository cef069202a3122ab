"""The outbox: `queue` writes a message in the caller's transaction; `send_due` sends what
is due, each message claimed first so that two processes never send one twice; a failure
waits longer each time (1, 2, 4 … minutes, at most six hours) and loses nothing. Only a
message the server refuses for good (a 5xx reply to its recipient) is taken out, logged by
its number: trying it again for ever would change nothing."""

import logging
import smtplib
import ssl
from datetime import UTC, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import cast

from flask import Response, current_app, g
from sqlalchemy import CursorResult, delete, func, select, update

from .. import background
from ..database import db, utcnow
from .addresses import ascii_address
from .models import OutgoingMail

log = logging.getLogger(__name__)
BATCH = 50  # messages per run: a long queue is worked through by later runs
CLAIM = timedelta(minutes=10)  # how long a claimed message is left to its sender
MAX_WAIT = timedelta(hours=6)


def configured() -> bool:
    """True when the site has an SMTP server to send through."""
    return bool(current_app.config.get("MAIL_HOST") and current_app.config.get("MAIL_SENDER"))


def queue(
    recipient: str, subject: str, text: str, html: str | None, headers: dict[str, str] | None = None
) -> None:
    """Add a message to the outbox in the current transaction (the caller commits); it is
    sent after the response. Nothing is queued when mail is not configured."""
    if not configured():
        return
    db.session.add(
        OutgoingMail(
            recipient=recipient,
            subject=" ".join(subject.split()),
            text_body=text,
            html_body=html,
            headers=dict(headers or {}),
        )
    )
    g.mail_queued = True


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
    """Send the due messages through one SMTP connection; (sent, failed)."""
    now = utcnow()
    due = db.session.scalars(
        select(OutgoingMail)
        .where(OutgoingMail.next_attempt_at <= now)
        .order_by(OutgoingMail.id)
        .limit(BATCH)
    ).all()
    claimed = [message for message in due if _claim(message)]
    if not claimed:
        return 0, 0
    sent = failed = 0
    try:
        connection = _connect()
    except (OSError, smtplib.SMTPException) as error:
        for message in claimed:
            _failed(message, error)
        return 0, len(claimed)
    with connection:
        for message in claimed:
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
    db.session.execute(delete(OutgoingMail).where(OutgoingMail.id == message.id))
    db.session.commit()
    if error is not None:
        log.warning("mail %s refused for good, not tried again: %s", message.id, _named(error))


def _named(error: Exception) -> str:
    """An error by its kind and, for an SMTP reply, its code (never its text, which may
    quote the address)."""
    codes = getattr(error, "recipients", None)
    if codes:
        return f"{type(error).__name__} {sorted({code for code, _reply in codes.values()})}"
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__} {code}" if code else type(error).__name__


def _claim(message: OutgoingMail) -> bool:
    """Take the message for this process: its next try moves on, unless another process
    moved it first."""
    result = cast(
        CursorResult,
        db.session.execute(
            update(OutgoingMail)
            .where(
                OutgoingMail.id == message.id,
                OutgoingMail.next_attempt_at == message.next_attempt_at,
            )
            .values(next_attempt_at=utcnow() + CLAIM, attempts=OutgoingMail.attempts + 1)
            .execution_options(synchronize_session=False)
        ),
    )
    db.session.commit()
    if result.rowcount:
        db.session.refresh(message)
    return bool(result.rowcount)


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
