"""The database: Flask-SQLAlchemy session, Alembic migrations and the `flask db` commands."""

import logging
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, String, event, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Every constraint and index gets a name by this rule, so a migration can find it to change
# or drop it (SQLite keeps no name for a constraint created without one).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base shared by every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
log = logging.getLogger(__name__)

# How long a connection waits for another one's write to finish before giving up.
BUSY_TIMEOUT_MS = 5000


def utcnow() -> datetime:
    """The current time in UTC, without tzinfo (portable across SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def commit_if_possible(what: str) -> bool:
    """Commit, or roll back and log when the database refuses the write (disk full, file
    read-only); True when committed. For writes a request can do without."""
    try:
        db.session.commit()
    except OperationalError as error:
        db.session.rollback()
        log.warning("%s not written; carrying on without it: %s", what, error.orig)
        return False
    return True


def _sqlite_settings(connection: sqlite3.Connection, _record) -> None:
    """Set up each new SQLite connection: a busy timeout, so a writer waits its turn rather
    than failing, and WAL, so readers neither wait for a writer nor need to write anything
    themselves after a write failed (a rollback journal left behind must be rolled back by
    the next reader, which fails while the file cannot be written)."""
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    try:
        connection.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError:
        # Switching needs a write; a database that refuses writes still serves reads.
        log.warning("SQLite journal mode not changed to WAL: the database refuses writes")


MIGRATIONS = Path(__file__).parent / "migrations"

# The first 16 bytes of every SQLite 3 database file.
SQLITE_HEADER = b"SQLite format 3\x00"


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


class BackupError(click.ClickException):
    """A backup or restore that was refused or failed; the message says why."""


def sqlite_database() -> Path:
    """The app's SQLite database file; other databases are backed up with their own tools."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            f"Backup and restore work on SQLite only, not {url.get_backend_name()}; "
            "for PostgreSQL use pg_dump and pg_restore."
        )
    if url.database in (None, "", ":memory:"):
        raise BackupError("The database is in memory: there is no file to back up or restore.")
    # Flask-SQLAlchemy reads a relative SQLite path from the instance folder.
    return Path(current_app.instance_path) / url.database


def default_backup_path(suffix: str = "") -> Path:
    """`<instance>/backups/barrierfree-YYYYmmdd-HHMMSS<suffix>.sqlite`, the time in UTC."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Path(current_app.instance_path) / "backups" / f"barrierfree-{stamp}{suffix}.sqlite"


def _open_read_only(path: Path) -> sqlite3.Connection:
    """A connection that can neither change nor create the SQLite file at `path`."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _copy(source: Path, target: Path) -> None:
    """Copy every page of the SQLite file `source` into `target`, in one step.

    One step runs under one read transaction of `source`, so the copy is consistent while
    other connections write; connections to `target` see the new content at their next read.
    The copy takes on the source's journal mode, so `target` gets its own back: a backup is
    a single file (no WAL beside it), the live database stays in WAL.
    """
    with closing(_open_read_only(source)) as reader, closing(sqlite3.connect(target)) as writer:
        mode = writer.execute("PRAGMA journal_mode").fetchone()[0]
        reader.backup(writer)
        writer.execute(f"PRAGMA journal_mode = {mode}")


def _revisions() -> list[str]:
    """The revision of every migration this code has, newest first."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return [script.revision for script in scripts.walk_revisions()]


def _integrity_problems(connection: sqlite3.Connection) -> list[str]:
    """What `PRAGMA integrity_check` finds wrong in the connected database (empty when sound)."""
    try:
        found = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        return [str(error)]
    return [] if found == ["ok"] else found


def _stored_revision(connection: sqlite3.Connection) -> str | None:
    """The Alembic revision recorded in the connected database, None without one."""
    tables = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    if connection.execute(tables).fetchone() is None:
        return None
    rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    return rows[0][0] if len(rows) == 1 else None


def check_backup(path: Path) -> str:
    """The schema revision of the backup at `path`, once it proves a sound copy of this site."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no file {path}.")
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} is not a SQLite database.")
    with closing(_open_read_only(path)) as connection:
        problems = _integrity_problems(connection)
        if problems:
            raise BackupError(f"{path} fails the integrity check: {'; '.join(problems[:3])}")
        revision = _stored_revision(connection)
    if revision is None:
        raise BackupError(f"{path} has no alembic_version: it is not a database of this site.")
    revisions = _revisions()
    if revision not in revisions:
        raise BackupError(
            f"{path} has schema revision {revision}, newer than this code knows "
            f"(its newest is {revisions[0]}); restore it with the code it was made by."
        )
    return revision


def backup(path: Path | None = None) -> Path:
    """Write a consistent, verified copy of the live database to `path` and return the path.

    The sqlite3 online backup API rather than VACUUM INTO: the same call copies back on restore.
    """
    database = sqlite_database()
    if not database.is_file():
        raise BackupError(f"There is no database at {database} yet; `flask db upgrade` makes one.")
    path = Path(path) if path else default_backup_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Claims the name, so a backup never overwrites a file; private: it holds staff accounts.
        path.touch(mode=0o600, exist_ok=False)
    except FileExistsError:
        raise BackupError(f"{path} already exists; choose another name.") from None
    try:
        _copy(database, path)
        check_backup(path)
    except (sqlite3.Error, BackupError) as error:
        path.unlink()
        raise BackupError(f"The backup failed and {path} was deleted: {error}") from None
    return path


def check_restore(path: Path) -> str:
    """The schema revision of the backup at `path`, once it may replace the live database."""
    if Path(path).resolve() == sqlite_database().resolve():
        raise BackupError(f"{path} is the live database itself.")
    return check_backup(path)


@dataclass
class Restored:
    """What a restore did: where the safety backup is, and the search index's rebuild (the
    number of documents, or why it failed)."""

    safety_copy: Path
    documents: int | None
    index_problem: str | None = None


def restore(path: Path) -> Restored:
    """Replace the live database's content with the backup at `path`, upgrade its schema,
    end every staff session and rebuild the search index.

    A safety backup of the live database comes first; its path is given in the error if
    the restore fails after it. The backup's sessions would otherwise work again, even ones
    signed out or of accounts disabled since, and the index would still list items the
    backup does not have.
    """
    database = sqlite_database()
    check_restore(path)
    safety_copy = backup(default_backup_path("-before-restore"))
    staged = default_backup_path("-restoring")
    try:
        # The sessions end in a copy of the backup before it goes live, so that no worker
        # sees them valid again, not even while the schema is upgraded.
        _copy(Path(path), staged)
        _end_sessions_in(staged)
        db.session.remove()  # an open transaction of this thread would block the copy
        _copy(staged, database)
        db.engine.dispose()  # pooled connections may hold pages cached before the copy
        upgrade()
        _end_staff_sessions()
    except Exception as error:
        raise BackupError(
            f"Restoring {path} failed ({error}); the previous database is in {safety_copy}."
        ) from error
    finally:
        staged.unlink(missing_ok=True)
    return _rebuild_search_index(safety_copy)


def _end_sessions_in(path: Path) -> None:
    """End every staff session in the SQLite file at `path` (one written by a schema that
    has them; older backups have none)."""
    with closing(sqlite3.connect(path)) as connection:
        found = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'staff_session'"
        if connection.execute(found).fetchone() is None:
            return
        connection.execute(
            "UPDATE staff_session SET ended_at = COALESCE(ended_at, ?), end_reason = 'restored'"
            " WHERE ended_at IS NULL OR end_reason IN ('idle', 'absolute')",
            (utcnow().isoformat(sep=" "),),
        )
        connection.commit()


def _end_staff_sessions() -> None:
    """End every staff session the restored database holds, and commit."""
    from .staff.accounts.sessions import end_every

    end_every("restored")
    db.session.commit()


def _rebuild_search_index(safety_copy: Path) -> Restored:
    """Rebuild the search index from the restored database; a failure is reported, not
    raised: the data is restored either way."""
    from .site_search.index import site_index
    from .site_search.sync import write_documents

    try:
        return Restored(safety_copy, write_documents(site_index()))
    except Exception as error:
        db.session.rollback()
        return Restored(safety_copy, None, str(error) or type(error).__name__)


@click.group("db", cls=AppGroup)
def db_cli() -> None:
    """Database schema, backup and restore commands."""


@db_cli.command("upgrade")
def upgrade_command() -> None:
    """Apply every migration not yet applied."""
    upgrade()
    click.echo("Database schema is up to date.")


@db_cli.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path | None) -> None:
    """Write a verified copy of the database to PATH.

    PATH defaults to instance/backups/barrierfree-<UTC time>.sqlite; it is never overwritten.
    """
    written = backup(path)
    click.echo(f"Backup written to {written} ({written.stat().st_size:,} bytes).")


@db_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database with the backup at PATH.

    A safety backup of the current database is written first; the schema is upgraded after,
    every staff session is ended and the search index is rebuilt.
    """
    revision = check_restore(path)
    if not yes:
        question = (
            f"Replace {sqlite_database()} with {path} (schema {revision}) after a safety backup?"
        )
        click.confirm(question, abort=True)
    restored = restore(path)
    click.echo(f"Safety backup of the previous database written to {restored.safety_copy}.")
    click.echo(f"Restored {path}; the database schema is up to date.")
    click.echo(
        "Every staff session was ended: everyone signs in again. Accounts, roles and "
        "passwords are now as they were in the backup; check them at /staff/accounts."
    )
    if restored.index_problem is not None:
        raise BackupError(
            f"The search index was not rebuilt ({restored.index_problem}); run "
            "`flask search rebuild` now, until then search may list what the backup lacks."
        )
    click.echo(f"Search index rebuilt from the restored database ({restored.documents} documents).")


def init_app(app: Flask) -> None:
    """Register the database extension (with the SQLite settings) and its commands."""
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_settings)
    app.cli.add_command(db_cli)


# The publishing status of an item: only a published one is public.
DRAFT, PUBLISHED, WITHDRAWN = "draft", "published", "withdrawn"


class Publishable:
    """An item the public sees only while it is published; staff draft, publish and
    withdraw it. Content loaded from content/ is published as it is loaded."""

    status: Mapped[str] = mapped_column(String(16), default=PUBLISHED)


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
