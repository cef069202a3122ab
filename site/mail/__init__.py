"""Outgoing email: messages are written to an outbox table in the transaction that causes
them (outbox.py), sent after the response by the process that queued them, retried with
backoff by any process (the site's own 30-second check) or by `flask mail send-queued`.

Without BARRIERFREE_MAIL_HOST the site sends nothing and queues nothing: residents get
their status links on the page, and the back office says mail is off.
"""

import click
from flask import Flask
from flask.cli import AppGroup

# How the connection to the SMTP server is secured (MAIL_SECURITY); anything else is refused
# at start-up, since a misspelt one must never mean signing in over plain text.
SECURITY = ("starttls", "tls", "none")
DEFAULTS = {
    "MAIL_HOST": "",  # the SMTP server; empty: no mail
    "MAIL_PORT": 587,
    "MAIL_SECURITY": "starttls",  # "starttls", "tls" (implicit, port 465) or "none"
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_SENDER": "",  # the From address, e.g. 茌平区残联 <noreply@example.gov.cn>
    "MAIL_TIMEOUT_SECONDS": 10,
    # The address links in mail start with (scheme and host, no trailing slash), e.g.
    # https://www.example.gov.cn: needed with MAIL_HOST (settings refuses to start without
    # it). It also limits the Host headers the site answers (settings.trusted_hosts).
    "SITE_URL": "",
}


@click.group("mail", cls=AppGroup)
def mail_cli() -> None:
    """Outgoing email."""


@mail_cli.command("send-queued")
def send_queued_command() -> None:
    """Send every queued message that is due, now."""
    from .outbox import send_due

    sent, failed = send_due()
    click.echo(f"Sent {sent} message(s); {failed} failed and wait for another try.")


def init_app(app: Flask) -> None:
    """The settings' defaults, the command, and sending after the response."""
    from . import outbox

    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.cli.add_command(mail_cli)
    app.after_request(outbox.send_after_response)
    app.add_template_global(outbox.status, "mail_status")
    app.add_template_global(outbox.configured, "mail_configured")
