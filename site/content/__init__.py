"""Loading the reviewed files in content/ into the database (`flask content load`)."""

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .. import demo
from ..database import db
from ..site_search.index import site_index
from ..site_search.sync import drain
from .files import demo_pack
from .loader import load


@click.group("content", cls=AppGroup)
def content_cli() -> None:
    """Content commands."""


@content_cli.command("load")
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False), default=None)
@click.option(
    "--demo",
    is_flag=True,
    help="Also load the demo pack: invented places and contacts, bannered on every page.",
)
def load_command(directory: str | None, demo: bool) -> None:
    """Import content/ into the database; items changed in the database are kept."""
    report = load(Path(directory or current_app.config["CONTENT_DIR"]), demo)
    db.session.commit()
    click.echo(report.summary())
    written = drain(site_index())
    if written:
        click.echo(f"Search index updated for {written} items.")


@content_cli.command("remove-demo")
def remove_demo_command() -> None:
    """Delete the demo pack's invented places and contacts from the database."""
    facilities, contacts = demo.remove(demo_pack(Path(current_app.config["CONTENT_DIR"])))
    db.session.commit()
    click.echo(f"Removed {facilities} demo places and {contacts} demo contacts.")
    drain(site_index())


def init_app(app: Flask) -> None:
    """Register the `flask content` commands, and the test the page layout asks whether to
    show the demo banner."""
    app.cli.add_command(content_cli)
    app.jinja_env.globals["demo_site"] = demo.is_loaded
