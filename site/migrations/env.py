"""Alembic environment: runs migrations against the URL set by `database.alembic_config`."""

from alembic import context
from barrierfree.alerts import models as _alerts  # noqa: F401
from barrierfree.database import db
from barrierfree.mail import models as _mail  # noqa: F401
from barrierfree.pages import models as _pages  # noqa: F401  (registers the tables)
from barrierfree.staff import models as _staff  # noqa: F401
from barrierfree.updates import models as _updates  # noqa: F401
from sqlalchemy import engine_from_config, pool

config = context.config
target_metadata = db.metadata


def run_migrations() -> None:
    """Run the migrations online, in one transaction."""
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
