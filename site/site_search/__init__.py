"""The site's search: documents from the database into the `search` engine, and the
search page. The engine itself (top-level package `search`) knows nothing of Flask."""

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

import search

from .index import site_index
from .sync import drain, write_documents
from .views import bp


@click.group("search", cls=AppGroup)
def search_cli() -> None:
    """Search index commands."""


@search_cli.command("rebuild")
def rebuild_command() -> None:
    """Rebuild the search index from the database, with a progress bar."""
    with click.progressbar(length=0, label="Indexing") as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        count = write_documents(site_index(), progress)
    click.echo(f"Indexed {count} documents.")


@search_cli.command("drain")
def drain_command() -> None:
    """Apply the changes waiting in the search outbox to the index."""
    click.echo(f"Search index updated for {drain(site_index())} items.")


@search_cli.command("status")
def status_command() -> None:
    """Say which backend the site searches and what state its index is in."""
    click.echo(f"{current_app.config['SEARCH_BACKEND']}: {site_index().health()}")


def init_app(app: Flask) -> None:
    """Point the engine at the instance folder, load jieba once, register page and command
    (the backend's name was checked with the other settings: settings.check)."""
    instance = Path(app.instance_path)
    app.config.setdefault("SEARCH_INDEX_DIR", str(instance / "search-index"))
    # Before gunicorn forks its workers when preloaded, and once per worker otherwise.
    search.initialize(instance / "jieba-cache")
    app.cli.add_command(search_cli)
    app.register_blueprint(bp)
