"""The database: Flask-SQLAlchemy session, Alembic migrations and the `flask db` commands."""

from datetime import UTC, datetime
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base shared by every model."""


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    """The current time in UTC, without tzinfo (portable across SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """Alembic configuration pointing at this package's migrations and the app's database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option(
        "sqlalchemy.url",
        current_app.config["SQLALCHEMY_DATABASE_URI"].replace("%", "%%"),
    )
    return config


def upgrade() -> None:
    """Bring the database schema to the newest migration."""
    command.upgrade(alembic_config(), "head")


@click.group("db", cls=AppGroup)
def db_cli() -> None:
    """Database schema commands."""


@db_cli.command("upgrade")
def upgrade_command() -> None:
    """Apply every migration not yet applied."""
    upgrade()
    click.echo("Database schema is up to date.")


def init_app(app: Flask) -> None:
    """Register the database extension and its commands."""
    db.init_app(app)
    app.cli.add_command(db_cli)


class Tracked:
    """Columns every loaded or staff-edited item carries.

    `loaded_hash` is the fingerprint of the record as `flask content load` last wrote it:
    when the row no longer matches it, someone changed the row in the database since, and
    the next load leaves it alone. `version` is compared on save to detect concurrent edits.
    """

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    loaded_hash: Mapped[str | None] = mapped_column(String(64))
