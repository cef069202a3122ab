"""Where the test apps keep their data: SQLite files (the default), or with `pytest
--database postgres` databases on a throwaway PostgreSQL server, one for each file path.

The fixtures name an app's database by a path, `tmp_path / "site.sqlite"`, whichever the
backend. On SQLite the path is the file. On PostgreSQL it stands for a database named
after it on the session's server (tests/postgres_server.py): made by copying a template
database (`CREATE DATABASE … TEMPLATE`, as fast as copying a file), and dropped when the
test or module that made it ends, so that a run does not fill the disk; the template
databases and the session's shared app's are kept for the session.
"""

import hashlib
import shutil
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, make_url, text

# postgres_server is imported when a server is needed: the modules that test PostgreSQL
# itself load it as a plugin, which must come first for pytest to rewrite its asserts.


class SQLiteFiles:
    """Each database is the SQLite file at its path."""

    name = "sqlite"

    def url(self, database: Path) -> str:
        """The SQLAlchemy URL of the database at `database`."""
        return f"sqlite:///{database}"

    def exists(self, database: Path) -> bool:
        """True when the database has been made."""
        return database.exists()

    def create(self, database: Path) -> None:
        """Make an empty database (SQLite makes the file on first connection)."""

    def copy(self, source: Path, database: Path) -> None:
        """Make `database` a copy of `source` (which no connection may be writing)."""
        shutil.copyfile(source, database)

    def move(self, source: Path, database: Path) -> None:
        """The database moves with its folder: nothing to do."""

    def opened(self, database: Path, app) -> None:
        """Nothing to close: SQLite's connections go with the app."""

    def keep(self, database: Path) -> None:
        """Temporary folders go with the run: nothing to do."""

    def drop_made_since(self, mark: int) -> None:
        """Temporary folders go with the run: nothing to do."""

    def mark(self) -> int:
        """A point to drop databases made after (see `drop_made_since`)."""
        return 0

    def stop(self) -> None:
        """Nothing runs."""


class PostgresDatabases:
    """Each path names a database on a PostgreSQL server started for the session, when the
    first database is needed."""

    name = "postgres"

    def __init__(self) -> None:
        self.server = None  # a postgres_server.PostgresServer once started
        self.engine = None  # one connection to the server's `postgres` database, kept
        self.strategy = ""  # how CREATE DATABASE copies a template (see `copy`)
        self.made: list[Path] = []
        self.kept: set[Path] = set()
        self.apps: list[tuple[Path, Flask]] = []

    def _server_url(self) -> str:
        """The server's `postgres` database, the server started on first use."""
        if self.server is None:
            import postgres_server

            self.server = postgres_server.start()
        return self.server.url

    def _name(self, database: Path) -> str:
        """The database name a path stands for (PostgreSQL names have at most 63 bytes)."""
        return "test_" + hashlib.sha256(str(database).encode()).hexdigest()[:32]

    def url(self, database: Path) -> str:
        """The SQLAlchemy URL of the database `database` names."""
        return (
            make_url(self._server_url())
            .set(database=self._name(database))
            .render_as_string(hide_password=False)
        )

    def exists(self, database: Path) -> bool:
        """True when the database has been made."""
        found = self._run(
            "SELECT 1 FROM pg_database WHERE datname = :name", name=self._name(database)
        )
        return bool(found)

    def create(self, database: Path) -> None:
        """Make an empty database."""
        self._run(f'CREATE DATABASE "{self._name(database)}"')
        self.made.append(database)

    def copy(self, source: Path, database: Path) -> None:
        """Make `database` a copy of `source`. PostgreSQL copies only a database nobody is
        connected to: the connections an app or its search backend keep open are ended
        (their pools make new ones)."""
        template = self._name(source)
        self._end_connections(template)
        self._run(f'CREATE DATABASE "{self._name(database)}" TEMPLATE "{template}"{self.strategy}')
        self.made.append(database)

    def move(self, source: Path, database: Path) -> None:
        """Give the database of `source` the name of `database`."""
        self._end_connections(self._name(source))
        self._run(f'ALTER DATABASE "{self._name(source)}" RENAME TO "{self._name(database)}"')
        self.made = [database if made == source else made for made in self.made]
        self.kept = {database if made == source else made for made in self.kept}

    def mark(self) -> int:
        """A point to drop databases made after (see `drop_made_since`)."""
        return len(self.made)

    def opened(self, database: Path, app: Flask) -> None:
        """Remember an app on `database`, to close its connections before the database goes
        (psycopg warns of a connection left open, and the tests make warnings errors)."""
        self.apps.append((database, app))

    def keep(self, database: Path) -> None:
        """Keep `database` for the session: a template, or the session's shared app's."""
        self.kept.add(database)

    def drop_made_since(self, mark: int) -> None:
        """Drop the databases made since `mark`, except those kept for the session."""
        dropped = {made for made in self.made[mark:] if made not in self.kept}
        self._close_apps(dropped)
        for database in dropped:
            self._run(f'DROP DATABASE IF EXISTS "{self._name(database)}" WITH (FORCE)')
        self.made = [made for made in self.made if made not in dropped]

    def stop(self) -> None:
        """Close every app's connections, stop the server, if it was started, and remove its
        files."""
        self._close_apps({database for database, _ in self.apps})
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None
        if self.server is not None:
            import postgres_server

            postgres_server.stop(self.server)
            self.server = None

    def _close_apps(self, databases: set[Path]) -> None:
        """Close the connections of the apps on `databases` and of their search backends,
        once the background work is done (a connection it holds would outlive the pool)."""
        from barrierfree import background
        from barrierfree.database import db

        from search import PostgresBackend

        assert background.wait(), "the background work did not finish"
        for database, app in self.apps:
            if database in databases:
                with app.app_context():
                    db.engine.dispose()
        urls = {self.url(database) for database in databases}
        for (url, _), backend in list(PostgresBackend._shared.items()):
            if url in urls:
                backend.close()
        self.apps = [(database, app) for database, app in self.apps if database not in databases]

    def _end_connections(self, name: str) -> None:
        self._run(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :name AND pid <> pg_backend_pid()",
            name=name,
        )

    def _run(self, statement: str, **values) -> list:
        """Run one statement outside a transaction in the server's `postgres` database, on
        the one connection kept for these (a new connection costs more than most of them).

        From PostgreSQL 15, a template is copied file by file (`STRATEGY FILE_COPY`), not
        through the write-ahead log: for the tests' small databases, and a server that
        never syncs to disk, that halves what making and dropping a copy takes (62 -> 36
        ms)."""
        if self.engine is None:
            self.engine = create_engine(self._server_url(), isolation_level="AUTOCOMMIT")
            with self.engine.connect() as connection:
                version = connection.execute(text("SHOW server_version_num")).scalar_one()
            self.strategy = " STRATEGY FILE_COPY" if int(version) >= 150000 else ""
        with self.engine.connect() as connection:
            result = connection.execute(text(statement), values)
            return list(result) if result.returns_rows else []


BACKENDS = {"sqlite": SQLiteFiles, "postgres": PostgresDatabases}
