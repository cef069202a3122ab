"""The migrations build exactly the schema the models describe, and undo it again."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from barrierfree.database import alembic_config, db
from sqlalchemy import text


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


def test_media_names_uploaded_before_cleaning_are_cleaned(empty_app):
    names = {
        "a.pdf": ("通知\r\n.pdf", "通知.pdf"),
        "b.png": ("照片 2026.png", "照片 2026.png"),
        "c.pdf": ("\x00\x1b", "c.pdf"),
        "d.pdf": ("C:\\Users\\li\\申请表.pdf", "申请表.pdf"),
        "e.pdf": ("长" * 199 + ".pdf", "长" * 65 + ".pdf"),
    }
    with empty_app.app_context():
        config = alembic_config()
        command.downgrade(config, "0005")
        with db.engine.begin() as connection:
            for name, (original, _cleaned) in names.items():
                connection.execute(
                    text(
                        "INSERT INTO media_file (name, original_name, mimetype, size, "
                        "uploaded_by, uploaded_at) VALUES (:name, :original, 'x', 1, 'li', "
                        "'2026-11-30 08:00:00')"
                    ),
                    {"name": name, "original": original},
                )
        command.upgrade(config, "head")
        with db.engine.connect() as connection:
            kept = dict(
                connection.execute(text("SELECT name, original_name FROM media_file")).all()
            )
    assert kept == {name: cleaned for name, (_original, cleaned) in names.items()}
