"""The migrations build exactly the schema the models describe, and undo it again."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from barrierfree.database import alembic_config, db


def test_the_migrated_schema_matches_the_models(empty_app):
    with empty_app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_every_migration_can_be_undone_and_applied_again(empty_app):
    with empty_app.app_context():
        config = alembic_config()
        command.downgrade(config, "base")
        command.upgrade(config, "head")
