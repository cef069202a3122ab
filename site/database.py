"""The database: Flask-SQLAlchemy session, Alembic migrations and the `flask db` commands."""

import logging
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask, current_app, request
from flask.cli import AppGroup
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import URL, MetaData, Row, Select, String, event, inspect, make_url
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import InternalError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import ConnectionPoolEntry
from werkzeug.routing import IntegerConverter, Map, UnicodeConverter

from .settings import postgres_connection

# Every constraint and index gets a name by this rule, so a migration can find it to change
# or drop it (SQLite keeps no name for a constraint created without one).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The largest id a row can have: an INTEGER column's largest on PostgreSQL (SQLite's go
# further). A bigger number cannot even be looked up: the database or its driver fails.
LARGEST_ID = 2**31 - 1


def row_id(raw: int | str) -> int | None:
    """An id from a URL or a form (ASCII digits, in range), or None when no row has it."""
    text = str(raw)
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= LARGEST_ID:
        return None
    return int(text)


def posted_version() -> int | None:
    """The version of the row a staff form was opened at (its "version" field), or None
    when the form has none or not a number a version can be."""
    return row_id(request.form.get("version", ""))


class RowIdConverter(IntegerConverter):
    """`<int:…>` in a route: a number a row can have. A bigger one names nothing, so the
    address is not found (404) rather than failing in the driver."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **{"max": LARGEST_ID, **kwargs})


class TextConverter(UnicodeConverter):
    """`<name>` in a route: a segment without control characters. One with NUL (%00 in the
    address) or another names nothing (404): no slug or token holds one, and PostgreSQL
    refuses even to compare text that holds NUL."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]", 1)


class Base(DeclarativeBase):
    """Declarative base shared by every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# What every model subclasses: db.Model, made from Base when the extension is created. A type
# checker cannot take an instance's attribute as a base class, so it is told Base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
log = logging.getLogger(__name__)

# How long a connection waits for another one's write to finish before giving up.
BUSY_TIMEOUT_MS = 5000
# How long the SQLite write-ahead log may stay once a checkpoint has copied it into the
# database (bytes): it is cut back to this, rather than keeping the size of its largest
# write, and with it older pages, what was deleted since included.
JOURNAL_SIZE_LIMIT = 1024 * 1024
# A checkpoint after a deletion that could not empty the write-ahead log (another
# connection was reading): the next call of `erase_deleted` in this process tries again,
# even when it has nothing new to erase.
ERASE_OWED = "barrierfree_erase_owed"


def rows(statement: Select, **parameters: object) -> Sequence[Row]:
    """The rows of a Core statement of the columns a page shows, run on the session's
    connection: through the session, whose ORM layer maps no row of it, it costs nearly
    twice as much, and loaded as objects several times as much."""
    return db.session.connection().execute(statement, parameters).all()


def utcnow() -> datetime:
    """The current time in UTC, without tzinfo (portable across SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


# What a database that refuses a write raises: SQLite when its file is locked too long,
# read-only or full, PostgreSQL when its disk is full or the server cannot be reached
# (OperationalError), and a PostgreSQL server that only reads, such as a standby or a
# database set read-only (InternalError: "cannot execute … in a read-only transaction").
WRITE_REFUSED = (OperationalError, InternalError)


def upsert(model: type, match: dict, values: dict) -> None:
    """Insert a row of `model`, or update the one with the same `match` (its unique key) in
    one statement, so a request racing another that writes or deletes the same row cannot
    fail half-way (load-then-update can: the row is gone by the time it is written)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(model).values(**match, **values)
    db.session.execute(statement.on_conflict_do_update(index_elements=list(match), set_=values))


def commit_if_possible(what: str, write: Callable[[], object] | None = None) -> bool:
    """Commit (after running `write`, when given), or roll back and log when the database
    refuses the write (disk full, file read-only); True when committed. For writes a
    request can do without."""
    try:
        if write is not None:
            write()
        db.session.commit()
    except WRITE_REFUSED as error:
        db.session.rollback()
        log.warning("%s not written; carrying on without it: %s", what, error.orig)
        return False
    return True


def _sqlite_settings(connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    """Set up each new SQLite connection: a busy timeout, so a writer waits its turn rather
    than failing; secure delete, so what is deleted or overwritten (a resident's words, a
    phone number) is overwritten with zeros in the file, not left in its free space (some
    builds of SQLite do so by default, others do not); a limit to the write-ahead log's
    size; and WAL, so readers neither wait for a writer nor need to write anything
    themselves after a write failed (a rollback journal left behind must be rolled back by
    the next reader, which fails while the file cannot be written). What was deleted stays
    in the write-ahead log until a checkpoint empties it: see `erase_deleted`."""
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA secure_delete = ON")
    connection.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
    try:
        connection.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError:
        # Switching needs a write; a database that refuses writes still serves reads.
        log.warning("SQLite journal mode not changed to WAL: the database refuses writes")


def erase_deleted(deleted: int) -> bool:
    """The last step of every deletion of personal data (the purge of residents' items, of
    alert subscriptions, rate-limit rows, sign-in attempts, uploaded files), once it is
    committed: when `deleted` rows were deleted or blanked, make sure no copy of them stays
    in the database's files. On SQLite, secure delete has zeroed them in the pages written
    since, but the write-ahead log (barrierfree.sqlite-wal) still holds the pages as they
    were before; a checkpoint copies the log into the database and empties it
    (`wal_checkpoint(TRUNCATE)`, outside any transaction). It waits for other connections'
    reads and writes as any writer does (BUSY_TIMEOUT_MS); when they keep it from emptying
    the log, that is logged, the deletion stands, and the next call tries again. True when
    nothing is left to erase. (PostgreSQL's own vacuum reclaims deleted rows.)"""
    owed = current_app.extensions.get(ERASE_OWED, False)
    if not (deleted or owed) or db.engine.dialect.name != "sqlite":
        return True
    try:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]
    except OperationalError as error:
        busy = error.orig
    current_app.extensions[ERASE_OWED] = bool(busy)
    if busy:
        log.warning(
            "What was deleted is still in SQLite's write-ahead log: other connections kept "
            "the checkpoint from emptying it (%s); the next purge tries again.",
            busy if isinstance(busy, Exception) else "busy",
        )
    return not busy


MIGRATIONS = Path(__file__).parent / "migrations"

# The first 16 bytes of every SQLite 3 database file.
SQLITE_HEADER = b"SQLite format 3\x00"


def alembic_config() -> Config:
    """Alembic configuration pointing at this package's migrations and the app's database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", _migrations_url().replace("%", "%%"))
    return config


def _migrations_url() -> str:
    """The app's database URL as the migrations' engine (migrations/env.py) connects with
    it: on PostgreSQL with the site's time limits to connect (`settings.postgres_connection`),
    so `flask db upgrade` against a server that never answers fails in seconds; without the
    statement timeout, as a migration may take long, or wait its turn for the lock."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        return current_app.config["SQLALCHEMY_DATABASE_URI"]
    limits = {name: str(value) for name, value in postgres_connection(url).items()}
    return url.update_query_dict(limits).render_as_string(hide_password=False)


def upgrade() -> None:
    """Bring the database schema to the newest migration."""
    command.upgrade(alembic_config(), "head")


class BackupError(click.ClickException):
    """A backup or restore that was refused or failed; the message says why."""


def live_database() -> "SQLiteFile | PostgresDatabase":
    """The app's database, as backup and restore handle it: an SQLite file or a PostgreSQL
    database (other databases are backed up with their own tools)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        return PostgresDatabase(url)
    return SQLiteFile(sqlite_database())


def sqlite_database() -> Path:
    """The app's SQLite database file; a database neither SQLite nor PostgreSQL is backed
    up with its own tools."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            f"Backup and restore work on SQLite and PostgreSQL only, not "
            f"{url.get_backend_name()}; back it up with its own tools."
        )
    if url.database in (None, "", ":memory:"):
        raise BackupError("The database is in memory: there is no file to back up or restore.")
    # Flask-SQLAlchemy reads a relative SQLite path from the instance folder.
    return Path(current_app.instance_path) / url.database


def default_backup_path(suffix: str = "") -> Path:
    """`<instance>/backups/barrierfree-YYYYmmdd-HHMMSS<suffix>.sqlite` (`.dump` for a
    PostgreSQL archive), the time in UTC."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    name = f"barrierfree-{stamp}{suffix}{live_database().extension}"
    return Path(current_app.instance_path) / "backups" / name


BACKUP_NAME = re.compile(r"barrierfree-(\d{8}-\d{6})\S*\.(?:sqlite|dump)")


def prune_backups(keep_days: int) -> list[Path]:
    """Delete the backups in the default folder taken more than `keep_days` days ago (by the
    time in their names); the paths deleted. A backup keeps what the purge deletes, so a
    resident's words would outlive the time the privacy notice promises.

    `flask db backup` prunes before it writes its own, and whether that succeeds or not:
    backups fail most often when the disk is full, and a timer that keeps failing must not
    keep old backups past the promise. A site may so be left without a backup younger than
    BACKUP_KEEP_DAYS, but the backups deleted are ones the notice says no longer exist; a
    backup within the limit is never deleted, however many fail after it."""
    cutoff = datetime.now(UTC) - timedelta(days=keep_days)
    pruned = []
    for path in sorted(default_backup_path().parent.glob("barrierfree-*")):
        named = BACKUP_NAME.fullmatch(path.name)
        if named and datetime.strptime(named[1], "%Y%m%d-%H%M%S").replace(tzinfo=UTC) < cutoff:
            path.unlink()
            pruned.append(path)
    return pruned


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
    revision = live_database().revision_of(path)
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
    """Write a consistent, verified copy of the live database to `path` and return the path."""
    live = live_database()
    live.check_can_back_up()
    path = Path(path) if path else default_backup_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Claims the name, so a backup never overwrites a file; private: it holds staff accounts.
        path.touch(mode=0o600, exist_ok=False)
    except FileExistsError:
        raise BackupError(f"{path} already exists; choose another name.") from None
    try:
        live.write_backup(path)
        check_backup(path)
    except (sqlite3.Error, BackupError) as error:
        path.unlink()
        raise BackupError(f"The backup failed and {path} was deleted: {error}") from None
    return path


def check_restore(path: Path) -> str:
    """The schema revision of the backup at `path`, once it may replace the live database."""
    live_database().check_can_restore(Path(path))
    return check_backup(path)


@dataclass
class Restored:
    """What a restore did: where the safety backup is, the search index's rebuild (the
    number of documents, or why it failed), the alert subscriptions deleted again (cancelled
    since the backup), the messages of the backup's outbox dropped, and the retention purge
    (unconfirmed subscriptions and items deleted, or why it failed)."""

    safety_copy: Path
    documents: int | None
    index_problem: str | None = None
    cancelled_again: int = 0
    mail_dropped: int = 0
    purged: tuple[int, int] = (0, 0)
    purge_problem: str | None = None


def restore(path: Path) -> Restored:
    """Replace the live database's content with the backup at `path`, upgrade its schema,
    end every staff session, cancel again the alerts cancelled since the backup, drop the
    mail its outbox held, delete again what the retention rules keep no longer, and rebuild
    the search index.

    A safety backup of the live database comes first; its path is given in the error if
    the restore fails after it. The backup's sessions would otherwise work again, even ones
    signed out or of accounts disabled since, and the index would still list items the
    backup does not have. Its alert subscriptions would mail people who withdrew their
    consent since: the live database's cancellations (keyed hashes of the addresses) are
    read just before it is replaced, and applied to the restored one. Its outbox held what
    was waiting when it was taken, most of it sent since: it is emptied before the
    restored data goes live (`DROP_OUTBOX`), as nothing tells what was sent, and mail sent
    twice cannot be taken back (what a reply said is on its status page; the dropped
    messages are still in the safety backup). What the purge deleted since the backup was
    taken (residents' texts, contact details and photos, unconfirmed subscriptions) is
    deleted again at once (`_purge_what_is_due`), not at the next hourly housekeeping.
    """
    from .alerts.operations import cancel_again, cancellations

    live = live_database()
    check_restore(path)
    safety_copy = backup(default_backup_path("-before-restore"))
    try:
        remembered = cancellations()
        mail_dropped = live.replace_with(Path(path))
        db.engine.dispose()  # pooled connections may hold pages cached before the copy
        upgrade()
        _end_staff_sessions()
        cancelled_again = cancel_again(remembered)
    except Exception as error:
        raise BackupError(
            f"Restoring {path} failed ({error}); the previous database is in {safety_copy}."
        ) from error
    purged, purge_problem = _purge_what_is_due()
    restored = _rebuild_search_index(safety_copy)
    restored.cancelled_again, restored.mail_dropped = cancelled_again, mail_dropped
    restored.purged, restored.purge_problem = purged, purge_problem
    return restored


# Ends the sessions a backup holds; `{now}` is the time in UTC. (Before the restored data
# goes live, so no worker sees them valid again, not even while the schema is upgraded.)
END_SESSIONS = (
    "UPDATE staff_session SET ended_at = COALESCE(ended_at, {now}), end_reason = 'restored'"
    " WHERE ended_at IS NULL OR end_reason IN ('idle', 'absolute')"
)
# Empties the outbox a backup holds (before the restored data goes live too, so no worker
# sends it meanwhile): see `restore`.
DROP_OUTBOX = "DELETE FROM outgoing_mail"


@dataclass(frozen=True)
class SQLiteFile:
    """The live database as an SQLite file, copied page by page with SQLite's backup API
    (rather than VACUUM INTO: the same call copies back on restore)."""

    path: Path
    extension = ".sqlite"

    def __str__(self) -> str:
        return str(self.path)

    def check_can_back_up(self) -> None:
        """Refuse a backup of a file that is not there."""
        if not self.path.is_file():
            raise BackupError(
                f"There is no database at {self.path} yet; `flask db upgrade` makes one."
            )

    def write_backup(self, target: Path) -> None:
        """Copy the live file to `target`."""
        _copy(self.path, target)

    def revision_of(self, backup: Path) -> str | None:
        """The schema revision of the SQLite file `backup`, once it passes SQLite's
        integrity check."""
        with backup.open("rb") as file:
            if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise BackupError(f"{backup} is not a SQLite database.")
        with closing(_open_read_only(backup)) as connection:
            problems = _integrity_problems(connection)
            if problems:
                raise BackupError(f"{backup} fails the integrity check: {'; '.join(problems[:3])}")
            return _stored_revision(connection)

    def check_can_restore(self, backup: Path) -> None:
        """Refuse to restore the live file onto itself."""
        if backup.resolve() == self.path.resolve():
            raise BackupError(f"{backup} is the live database itself.")

    def replace_with(self, backup: Path) -> int:
        """Copy `backup` over the live file in one step, its sessions ended and its outbox
        emptied in a copy first; how many messages the outbox held."""
        staged = default_backup_path("-restoring")
        try:
            _copy(backup, staged)
            dropped = _prepare_restored(staged)
            db.session.remove()  # an open transaction of this thread would block the copy
            _copy(staged, self.path)
        finally:
            staged.unlink(missing_ok=True)
        return dropped


def _prepare_restored(path: Path) -> int:
    """End every staff session and empty the outbox in the SQLite file at `path` (each
    where its schema has them; older backups have neither); how many messages it held."""
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA secure_delete = ON")  # the mail's text gone from the file

        def has(table: str) -> bool:
            found = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
            return connection.execute(found, (table,)).fetchone() is not None

        if has("staff_session"):
            connection.execute(END_SESSIONS.format(now="?"), (utcnow().isoformat(sep=" "),))
        dropped = connection.execute(DROP_OUTBOX).rowcount if has("outgoing_mail") else 0
        connection.commit()
    return dropped


# The first bytes of every archive in pg_dump's custom format.
PG_DUMP_HEADER = b"PGDMP"
CLIENT_PROGRAMS = (
    "pg_dump, pg_restore and psql: PostgreSQL's client programs, of the server's version or "
    "newer (Debian and Ubuntu: apt-get install postgresql-client)"
)


@dataclass(frozen=True)
class PostgresDatabase:
    """The live database on a PostgreSQL server: backed up by pg_dump in its custom format
    (consistent: one snapshot), checked and read by pg_restore, restored by psql in one
    transaction.

    The search index's tables (`search.postgres`, when the site searches its own database)
    are left as they are by a restore, and rebuilt after it like the Whoosh folder: they are
    derived data, and the index's generation must only go up.
    """

    url: URL
    extension = ".dump"

    def __str__(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def check_can_back_up(self) -> None:
        """Refuse a backup without the client programs that write and check it."""
        for program in ("pg_dump", "pg_restore"):
            _program(program)

    def write_backup(self, target: Path) -> None:
        """Dump the live database into `target`."""
        self._run("pg_dump", "--format=custom", f"--file={target}", "--dbname", self._conninfo)

    def revision_of(self, backup: Path) -> str | None:
        """The schema revision in the archive `backup`, once pg_restore reads its table of
        contents (`--list`) and every table in it."""
        with backup.open("rb") as file:
            if file.read(len(PG_DUMP_HEADER)) != PG_DUMP_HEADER:
                raise BackupError(f"{backup} is not an archive of pg_dump's custom format.")
        self._run("pg_restore", "--list", str(backup))
        self._run("pg_restore", f"--file={os.devnull}", str(backup))
        script = self._run(
            "pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(backup)
        )
        rows = _copied_rows(script)
        return rows[0] if len(rows) == 1 else None

    def check_can_restore(self, backup: Path) -> None:
        """Refuse a restore without the client programs that make it."""
        for program in ("pg_restore", "psql"):
            _program(program)

    def replace_with(self, backup: Path) -> int:
        """Drop every table of the live database but the search index's and run the
        backup's script, its sessions ended and its outbox emptied, in one transaction:
        other servers see the database as it was or as restored, never half of it. How many
        messages the backup's outbox held."""
        index_tables = _search_index_tables()
        tables = [t for t in inspect(db.engine).get_table_names() if t not in index_tables]
        queued = self._run(
            "pg_restore", "--data-only", "--table=outgoing_mail", "--file=-", str(backup)
        )
        listing = "\n".join(
            entry
            for entry in self._run("pg_restore", "--list", str(backup)).splitlines()
            if not _names_any(entry, index_tables)
        )
        db.session.remove()  # this thread's connection must not hold a table the drop waits for
        db.engine.dispose()
        staged = default_backup_path("-restoring")
        chosen, script = staged.with_suffix(".list"), staged.with_suffix(".sql")
        try:
            for path in chosen, script:  # private: the script holds staff accounts
                path.touch(mode=0o600)
            chosen.write_text(listing)
            self._run("pg_restore", "--no-owner", "--no-acl", f"--use-list={chosen}",
                      f"--file={script}", str(backup))  # fmt: skip
            quote = db.engine.dialect.identifier_preparer.quote
            drop = ["--command", f"DROP TABLE {', '.join(map(quote, tables))} CASCADE"]
            self._run(
                "psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
                "--dbname", self._conninfo, *(drop if tables else []), "--file", str(script),
                # The script empties the search path: the connection's own again.
                "--command", "RESET search_path", "--command", _prepare_restored_sql(),
            )  # fmt: skip
        finally:
            chosen.unlink(missing_ok=True)
            script.unlink(missing_ok=True)
        return len(_copied_rows(queued))

    @property
    def _conninfo(self) -> str:
        """The database as libpq's programs take it, without its password (see `_run`)."""
        from psycopg.conninfo import make_conninfo

        url = self.url
        given = {"host": url.host, "port": url.port, "dbname": url.database, "user": url.username}
        given |= {name: value for name, value in url.query.items() if isinstance(value, str)}
        return make_conninfo("", **{name: str(v) for name, v in given.items() if v is not None})

    def _run(self, program: str, *arguments: str) -> str:
        """Run one of PostgreSQL's client programs and return what it wrote; BackupError
        with what it said when it fails. The password goes in the environment: a command
        line can be read by every user of the machine."""
        environment = dict(os.environ)
        if self.url.password:
            environment["PGPASSWORD"] = self.url.password
        try:
            done = subprocess.run(
                [_program(program), *arguments], capture_output=True, env=environment
            )
        except OSError as error:
            raise BackupError(f"{program} could not be run: {error}") from None
        if done.returncode != 0:
            said = done.stderr.decode(errors="replace").strip() or f"exit status {done.returncode}"
            raise BackupError(f"{program} failed: {said}")
        return done.stdout.decode(errors="replace")


def _program(name: str) -> str:
    """The path of PostgreSQL's client program `name`; BackupError when it is missing."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on the PATH. Backup and restore of a PostgreSQL database "
            f"need {CLIENT_PROGRAMS}."
        )
    return found


def _search_index_tables() -> set[str]:
    """The tables of the PostgreSQL search backend, which a restore leaves alone."""
    from search.postgres import metadata

    return set(metadata.tables)


def _names_any(entry: str, tables: set[str]) -> bool:
    """True when a line of `pg_restore --list` is about one of `tables`: the table, its
    data, or its indexes, constraints and sequences (named after it)."""
    words = entry.partition(";")[2].split()
    return any(word == table or word.startswith(f"{table}_") for word in words for table in tables)


def _copied_rows(script: str) -> list[str]:
    """The data lines of the COPY statements in a script written by pg_restore."""
    rows, copying = [], False
    for line in script.splitlines():
        if copying and line == "\\.":
            copying = False
        elif copying:
            rows.append(line)
        elif line.startswith("COPY "):
            copying = True
    return rows


def _prepare_restored_sql() -> str:
    """SQL: end the staff sessions the restored tables hold and empty their outbox (each
    where the backup has them; older backups have neither)."""
    update = END_SESSIONS.format(now="now() AT TIME ZONE 'UTC'")
    return (
        f"DO $$ BEGIN IF to_regclass('staff_session') IS NOT NULL THEN {update}; END IF; "
        f"IF to_regclass('outgoing_mail') IS NOT NULL THEN {DROP_OUTBOX}; END IF; END $$"
    )


def _end_staff_sessions() -> None:
    """End every staff session the restored database holds, and commit."""
    from .staff.accounts.sessions import end_every

    end_every("restored")
    db.session.commit()


def _purge_what_is_due() -> tuple[tuple[int, int], str | None]:
    """Delete from the restored database what the retention rules keep no longer, as `flask
    inbox purge` does (`staff.inbox.forget_what_is_due`): how many unconfirmed alert
    subscriptions and items, and why it failed, if it did. A failure is reported, not
    raised: the data is restored either way."""
    from .staff.inbox import forget_what_is_due

    try:
        return forget_what_is_due(), None
    except Exception as error:
        db.session.rollback()
        return (0, 0), str(error) or type(error).__name__


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
    try:
        upgrade()
    except OperationalError as error:
        # One line, not alembic's fifty frames: the database is missing, its server down or
        # silent (settings.CONNECT_TIMEOUT_SECONDS), or it refused the migration.
        database = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
        reason = " ".join(str(error.orig or error).split())
        raise click.ClickException(
            f"The database at {database.render_as_string(hide_password=True)} was not "
            f"upgraded ({reason}). Check BARRIERFREE_DATABASE_URL and that the database "
            "server runs and answers."
        ) from None
    click.echo("Database schema is up to date.")


@db_cli.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--keep-days",
    type=click.IntRange(min=1),
    help="First delete the backups in the default folder older than this many days "
    "(default and most: the BACKUP_KEEP_DAYS setting, 30).",
)
def backup_command(path: Path | None, keep_days: int | None) -> None:
    """Write a verified copy of the database to PATH.

    PATH defaults to instance/backups/barrierfree-<UTC time>.sqlite (.dump, an archive of
    pg_dump's custom format, on PostgreSQL); it is never overwritten. First the backups in
    that folder older than --keep-days are deleted, whether the new one is written or not
    (see `prune_backups`).
    """
    promised = current_app.config["BACKUP_KEEP_DAYS"]
    if keep_days is not None and keep_days > promised:
        # The privacy notice of the feedback form reads the setting, not this option.
        raise click.BadParameter(
            f"{keep_days} days is longer than BACKUP_KEEP_DAYS ({promised}), which the "
            "feedback form's privacy notice promises residents; to keep backups longer, set "
            "BARRIERFREE_BACKUP_KEEP_DAYS, so that the notice says so.",
            param_hint="'--keep-days'",
        )
    keep_days = keep_days or promised
    for pruned in prune_backups(keep_days):
        click.echo(f"Deleted {pruned}, older than {keep_days} days.")
    written = backup(path)
    click.echo(f"Backup written to {written} ({written.stat().st_size:,} bytes).")


@db_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database with the backup at PATH.

    A safety backup of the current database is written first; the schema is upgraded after,
    every staff session is ended, the alert subscriptions cancelled since the backup are
    deleted again, the mail its outbox held is dropped, what the retention rules keep no
    longer is deleted again (as `flask inbox purge` does), and the search index is rebuilt.
    """
    revision = check_restore(path)
    if not yes:
        question = (
            f"Replace {live_database()} with {path} (schema {revision}) after a safety backup?"
        )
        click.confirm(question, abort=True)
    restored = restore(path)
    click.echo(f"Safety backup of the previous database written to {restored.safety_copy}.")
    click.echo(f"Restored {path}; the database schema is up to date.")
    click.echo(
        "Every staff session was ended: everyone signs in again. Accounts, roles and "
        "passwords are now as they were in the backup; check them at /staff/accounts."
    )
    click.echo(
        f"Re-applied the alert cancellations made since the backup: deleted "
        f"{restored.cancelled_again} subscription(s) again."
    )
    click.echo(
        f"Dropped {restored.mail_dropped} message(s) the backup's outbox held, most of them "
        f"sent since; they are still in the safety backup."
    )
    problems = []
    if restored.purge_problem is None:
        unconfirmed, items = restored.purged
        click.echo(
            f"Deleted again what is kept no longer: the texts and contact details of {items} "
            f"item(s), and {unconfirmed} unconfirmed alert subscription(s)."
        )
    else:
        problems.append(
            f"What is kept no longer was not deleted again ({restored.purge_problem}); run "
            "`flask inbox purge` now, until then the backup's residents' texts past their "
            "time are back."
        )
    if restored.index_problem is None:
        click.echo(
            f"Search index rebuilt from the restored database ({restored.documents} documents)."
        )
    else:
        problems.append(
            f"The search index was not rebuilt ({restored.index_problem}); run "
            "`flask search rebuild` now, until then search may list what the backup lacks."
        )
    if problems:
        raise BackupError(" ".join(problems))


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
