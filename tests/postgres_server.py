"""A throwaway PostgreSQL server for the tests and the search benchmark.

The server comes from Debian's `postgresql` package, which `make test` installs. Without it
nothing is skipped: a test that needs PostgreSQL fails and says how to install it.

PostgreSQL refuses to run as root, and the tests run as root in CI. As root, the server
runs as the `postgres` system user (through `runuser`) in a folder that user owns. It
listens only on a Unix socket in that folder, so there is no TCP port to find or to clash
over, and only root and that user can reach it: it trusts whoever connects.

Use the session fixture `postgres_url`, or `start()` and `stop()` outside pytest. The
fixtures `new_database` (per test) and `module_database` (per module) make databases of
their own on it: empty, or copies of a template database, which is fast.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, pool, text

INSTALL_HINT = (
    "PostgreSQL is not installed: `make test` installs it (Debian package postgresql), "
    "or run `apt-get install postgresql`."
)
# The system user the server runs as when the tests run as root.
SERVER_USER = "postgres"
# A throwaway server need not survive a crash: skipping the flushes to disk makes it fast.
FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
# The room a fast server's files may take at most during a run (its databases are dropped as
# the tests end), with a margin: a container's shared memory is often only 64 MB.
MEMORY_NEEDED = 2 * 1024**3


class PostgresMissing(RuntimeError):
    """PostgreSQL's server programs are not installed."""


@dataclass
class PostgresServer:
    """A running throwaway server, its files in `folder`."""

    folder: Path
    bin_dir: Path
    run_as: list[str]

    @property
    def data_dir(self) -> Path:
        """The server's data directory."""
        return self.folder / "data"

    @property
    def url(self) -> str:
        """A SQLAlchemy URL of the server's `postgres` database, as the superuser."""
        return f"postgresql+psycopg://postgres@/postgres?host={self.folder}"


def bin_dir() -> Path:
    """The folder of PostgreSQL's server programs (Debian keeps them off the PATH)."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    installed = [
        found.parent
        for found in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")
        if found.parent.parent.name.isdigit()
    ]
    if not installed:
        raise PostgresMissing(INSTALL_HINT)
    return max(installed, key=lambda folder: int(folder.parent.name))


def memory_folder() -> str | None:
    """Linux's shared-memory folder when it has room, else None (the usual temporary folder).

    On the project's CI machine a server there copies a 10 MB template database in 0.03 s
    rather than 0.2 s on its disk, and the tests copy one for most tests.
    """
    folder = "/dev/shm"
    try:
        room = shutil.disk_usage(folder).free
    except OSError:
        return None
    return folder if room >= MEMORY_NEEDED and os.access(folder, os.W_OK) else None


def start(settings: dict[str, str] | None = None) -> PostgresServer:
    """Create a database cluster in a new folder and start a server on it.

    `settings` are added to postgresql.conf; the default trades durability for speed
    (`FAST`) and keeps the files in memory when there is room (`memory_folder`); pass {}
    for a server that flushes its commits to disk as a real one does.
    """
    programs = bin_dir()
    in_memory = memory_folder() if settings is None else None
    folder = Path(tempfile.mkdtemp(prefix="pg-", dir=in_memory))
    run_as: list[str] = []
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(SERVER_USER)
        except KeyError:
            shutil.rmtree(folder)
            raise PostgresMissing(f"there is no {SERVER_USER!r} user. {INSTALL_HINT}") from None
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", SERVER_USER, "--"]
    server = PostgresServer(folder, programs, run_as)
    try:
        _run(server, "initdb", "--pgdata", str(server.data_dir), "--username", "postgres",
             "--auth", "trust", "--encoding", "UTF8", "--no-locale", "--no-sync")  # fmt: skip
        conf = {
            "listen_addresses": "",
            "unix_socket_directories": str(folder),
            **(FAST if settings is None else settings),
        }
        with (server.data_dir / "postgresql.conf").open("a") as file:
            file.writelines(f"{name} = '{value}'\n" for name, value in conf.items())
        _run(server, "pg_ctl", "--pgdata", str(server.data_dir), "--log", str(folder / "log"),
             "--wait", "start")  # fmt: skip
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return server


def stop(server: PostgresServer) -> None:
    """Stop the server (ending its connections) and remove its files."""
    try:
        _run(server, "pg_ctl", "--pgdata", str(server.data_dir), "--mode", "fast", "--wait",
             "stop")  # fmt: skip
    finally:
        shutil.rmtree(server.folder, ignore_errors=True)


def create_database(url: str, template: str | None = None) -> str:
    """A new database on the server of `url`, empty or a copy of the database at the URL
    `template` (which must have no connection open); the new database's URL."""
    name = f"test_{uuid.uuid4().hex}"
    copy = f' TEMPLATE "{make_url(template).database}"' if template else ""
    _administer(url, f'CREATE DATABASE "{name}"{copy}')
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop the database at `url`, ending the connections still open to it."""
    _administer(url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _administer(url: str, statement: str) -> None:
    """Run one statement outside a transaction, in the server's `postgres` database."""
    server = make_url(url).set(database="postgres")
    engine = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _run(server: PostgresServer, program: str, *args: str) -> None:
    """Run one of PostgreSQL's programs as the server's user; its output goes into the error."""
    command = [*server.run_as, str(server.bin_dir / program), *args]
    # The server's user may not be allowed into the caller's working directory.
    done = subprocess.run(command, cwd=server.folder, capture_output=True, text=True)
    if done.returncode != 0:
        log = server.folder / "log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"{program} failed:\n{done.stdout}{done.stderr}{tail}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL server started for the test session, stopped at its end."""
    try:
        server = start()
    except PostgresMissing as missing:
        pytest.fail(str(missing), pytrace=False)
    try:
        yield server.url
    finally:
        stop(server)


@contextmanager
def _databases(url: str) -> Iterator[Callable[..., str]]:
    """Makes databases on the server of `url`, dropped at the end (see `new_database`)."""
    made: list[str] = []

    def make(template: str | None = None) -> str:
        made.append(create_database(url, template))
        return made[-1]

    try:
        yield make
    finally:
        for database in made:
            drop_database(database)


@pytest.fixture
def new_database(postgres_url) -> Iterator[Callable[..., str]]:
    """Makes databases of the test's own, dropped at its end: `new_database()` is the URL of
    a new empty one, `new_database(url)` of a copy of the database at `url` (a template: no
    connection to it may be open)."""
    with _databases(postgres_url) as make:
        yield make


@pytest.fixture(scope="module")
def module_database(postgres_url) -> Iterator[Callable[..., str]]:
    """As `new_database`, for databases that the module's tests share (templates)."""
    with _databases(postgres_url) as make:
        yield make
