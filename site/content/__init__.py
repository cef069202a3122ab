"""Loading the reviewed files in content/ into the database (`flask content load`)."""

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..database import db
from ..site_search.index import site_index
from ..site_search.sync import drain
from .loader import load


@click.group("content", cls=AppGroup)
def content_cli() -> None:
    """Content commands."""


@content_cli.command("load")
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False), default=None)
def load_command(directory: str | None) -> None:
    """Import content/ into the database; items changed in the database are kept."""
    report = load(Path(directory or current_app.config["CONTENT_DIR"]))
    db.session.commit()
    click.echo(report.summary())
    written = drain(site_index())
    if written:
        click.echo(f"Search index updated for {written} items.")


def init_app(app: Flask) -> None:
    """Register the `flask content` commands."""
    app.cli.add_command(content_cli)
