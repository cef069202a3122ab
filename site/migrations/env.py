"""Alembic environment: runs migrations against the URL set by `database.alembic_config`."""

from alembic import context
from barrierfree.alerts import models as _alerts  # noqa: F401
from barrierfree.database import db
from barrierfree.mail import models as _mail  # noqa: F401
from barrierfree.pages import models as _pages  # noqa: F401  (registers the tables)
from barrierfree.staff import models as _staff  # noqa: F401
from barrierfree.updates import models as _updates  # noqa: F401
from sqlalchemy import Connection, engine_from_config, pool, text

config = context.config
target_metadata = db.metadata
# The key of the PostgreSQL advisory lock the migrations run under: any fixed number, the
# same for every copy of the site.
MIGRATION_LOCK = 7_402_531_180


def run_migrations() -> None:
    """Run the migrations online, in one transaction; on PostgreSQL one run at a time."""
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        one_at_a_time(connection, "pg_advisory_lock")
        try:
            context.configure(
                connection=connection, target_metadata=target_metadata, render_as_batch=True
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            one_at_a_time(connection, "pg_advisory_unlock")


def one_at_a_time(connection: Connection, function: str) -> None:
    """On PostgreSQL, take or give back (`function`) the migrations' lock for the session.

    Two `flask db upgrade` on one database (two servers starting) would both find it empty
    and both create the tables; the second failed. With the lock the second waits, then
    finds the schema up to date. It is held by the connection, not a transaction, and goes
    with it if the process dies."""
    if connection.dialect.name != "postgresql":
        return
    connection.execute(text(f"SELECT {function}(:key)"), {"key": MIGRATION_LOCK})
    connection.commit()  # so the migrations' own transaction begins after it


run_migrations()
