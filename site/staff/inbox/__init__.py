"""The back office's inbox: what residents sent on the site (feedback/), answered here;
and `flask inbox purge`, which deletes contact details when they are due."""

import click
from flask import Flask
from flask.cli import AppGroup


@click.group("inbox", cls=AppGroup)
def inbox_cli() -> None:
    """Residents' questions and reports."""


@inbox_cli.command("purge")
def purge_command() -> None:
    """Delete the texts, contact details and photos of items closed longer ago than
    FEEDBACK_RETENTION_DAYS (retention.purge)."""
    from .retention import purge

    click.echo(f"Deleted the texts and contact details of {purge()} closed item(s).")


def init_app(app: Flask) -> None:
    """The inbox's pages, its command, and the overdue count for the back office's home."""
    from ...feedback.queries import overdue_count
    from . import export, views  # noqa: F401 (export adds its pages to views.bp)

    app.register_blueprint(views.bp)
    app.add_template_global(overdue_count, "inbox_overdue_count")
    app.cli.add_command(inbox_cli)
