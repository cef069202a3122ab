"""The back office's inbox: what residents sent on the site (feedback/), answered here;
and `flask inbox purge`, which deletes what is kept no longer when it is due."""

import click
from flask import Flask
from flask.cli import AppGroup


@click.group("inbox", cls=AppGroup)
def inbox_cli() -> None:
    """Residents' questions and reports."""


def forget_what_is_due() -> tuple[int, int]:
    """Delete what is kept no longer than needed (《个人信息保护法》) and commit: alert
    subscriptions nobody confirmed in time, then the texts, contact details and photos of
    items closed long enough or received too long ago (retention.purge). How many of
    each."""
    from ...alerts.operations import forget_unconfirmed
    from .retention import purge

    unconfirmed = forget_unconfirmed()
    return unconfirmed, purge()


@inbox_cli.command("purge")
def purge_command() -> None:
    """Delete what the site's hourly housekeeping deletes, now: unconfirmed alert
    subscriptions, and the texts, contact details and photos of items closed longer ago
    than FEEDBACK_RETENTION_DAYS or received longer ago than FEEDBACK_MAX_AGE_DAYS."""
    unconfirmed, items = forget_what_is_due()
    click.echo(f"Deleted {unconfirmed} unconfirmed alert subscription(s).")
    click.echo(
        f"Deleted the texts and contact details of {items} item(s) closed long enough "
        "or received too long ago."
    )


def init_app(app: Flask) -> None:
    """The retention settings' defaults (BARRIERFREE_FEEDBACK_* in the environment wins),
    the inbox's pages, its command, and for the back office's home the overdue count, the
    items whose personal data goes soon and the flood alarm."""
    from ...feedback.queries import overdue_count
    from ...feedback.throttle import alarm
    from . import export, views  # noqa: F401 (export adds its pages to views.bp)
    from .retention import DEFAULTS, purge_soon_count

    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)

    app.register_blueprint(views.bp)
    app.add_template_global(overdue_count, "inbox_overdue_count")
    app.add_template_global(purge_soon_count, "inbox_purge_soon_count")
    app.add_template_global(alarm, "inbox_flood")
    app.cli.add_command(inbox_cli)
