"""Two `flask db upgrade` at once on one PostgreSQL database take turns (migrations/env.py
holds an advisory lock while it migrates)."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from barrierfree.database import MIGRATIONS
from sqlalchemy import create_engine, inspect, pool, text

pytest_plugins = ["postgres_server"]
pytestmark = pytest.mark.slow  # each test runs `flask db upgrade` twice, in processes of its own

LOCK = int(re.search(r"^MIGRATION_LOCK = ([\d_]+)$", (MIGRATIONS / "env.py").read_text(), re.M)[1])
FLASK = Path(sys.executable).parent / "flask"


def upgrading(url: str, folder: Path) -> subprocess.Popen:
    """`flask db upgrade` of the database at `url`, started, as a server's start-up runs it."""
    environment = {
        **os.environ,
        "BARRIERFREE_DATABASE_URL": url,
        "BARRIERFREE_SECRET_KEY": "test-secret-" * 3,  # as long as a deployed site needs
        "BARRIERFREE_INSTANCE_PATH": str(folder),
    }
    return subprocess.Popen(
        [FLASK, "--app", "barrierfree", "db", "upgrade"],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def finished(process: subprocess.Popen) -> tuple[int, str]:
    """The exit code and output of `process`, once it ends."""
    output, _ = process.communicate(timeout=180)
    return process.returncode, output


def test_an_upgrade_waits_for_the_migrations_lock(new_database, tmp_path):
    url = new_database()
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK})
        holder.commit()
        migrating = upgrading(url, tmp_path)
        waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        deadline = time.monotonic() + 60
        while not holder.scalar(text(waiting)) and migrating.poll() is None:
            assert time.monotonic() < deadline, "the upgrade never asked for the lock"
            time.sleep(0.1)
        holder.commit()
        assert migrating.poll() is None, finished(migrating)
        assert "alembic_version" not in inspect(holder).get_table_names()
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK})
        holder.commit()
    assert finished(migrating)[0] == 0
    with engine.connect() as connection:
        assert len(connection.scalars(text("SELECT version_num FROM alembic_version")).all()) == 1


def test_two_upgrades_of_an_empty_database_at_once_both_succeed(new_database, tmp_path):
    """The second used to fail, creating tables the first had just created."""
    url = new_database()
    servers = [upgrading(url, tmp_path / name) for name in ("one", "two")]
    assert [finished(server) for server in servers] == [(0, "Database schema is up to date.\n")] * 2
