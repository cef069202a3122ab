"""The migrations build exactly the schema the models describe, every constraint named by
the convention, and undo it again."""

import re
from collections.abc import Iterator

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from barrierfree.database import NAMING_CONVENTION, alembic_config, db
from sqlalchemy import MetaData, inspect, select, text


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
    with empty_app.app_context():
        # PostgreSQL's text cannot hold NUL.
        control = "\x00\x1b" if db.engine.name == "sqlite" else "\x07\x1b"
    names = {
        "a.pdf": ("通知\r\n.pdf", "通知.pdf"),
        "b.png": ("照片 2026.png", "照片 2026.png"),
        "c.pdf": (control, "c.pdf"),
        "d.pdf": ("C:\\Users\\li\\申请表.pdf", "申请表.pdf"),
        "e.pdf": ("长" * 196 + ".pdf", "长" * 65 + ".pdf"),  # as long as the column held
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


def test_reference_numbers_carry_on_from_the_items_sent_before_the_count_was_kept(empty_app):
    from barrierfree.feedback.models import FeedbackYear

    with empty_app.app_context():
        config = alembic_config()
        command.downgrade(config, "0013")
        with db.engine.begin() as connection:
            for year, sequence in ((2025, 1), (2025, 4), (2026, 2)):
                connection.execute(
                    text(
                        "INSERT INTO feedback_item (year, sequence, kind, state, version, body, "
                        "reply_by, language, token_hash, address_hash, text_hash, created_at, "
                        "updated_at, due_on) VALUES (:year, :sequence, 'question', 'new', 1, "
                        "'问题', 'site', 'zh', :token, 'a', 'b', '2026-11-30 08:00:00', "
                        "'2026-11-30 08:00:00', '2026-12-07')"
                    ),
                    {"year": year, "sequence": sequence, "token": f"{year}-{sequence}"},
                )
        command.upgrade(config, "head")
        kept = {row.year: row.last_sequence for row in db.session.scalars(select(FeedbackYear))}
    assert kept == {2025: 4, 2026: 2}


def test_items_whose_contacts_were_deleted_before_lose_their_texts_too(empty_app):
    with empty_app.app_context():
        config = alembic_config()
        command.downgrade(config, "0015")
        with db.engine.begin() as connection:
            for sequence, purged in ((1, "'2026-06-01 08:00:00'"), (2, "NULL")):
                connection.execute(
                    text(
                        "INSERT INTO feedback_item (year, sequence, kind, state, version, body, "
                        "location, reply_by, language, token_hash, address_hash, text_hash, "
                        "created_at, updated_at, due_on, contact_purged_at) VALUES (2025, "
                        f":sequence, 'question', 'closed', 1, '我有糖尿病', '家门口', 'site', "
                        f"'zh', :token, 'a', 'b', '2025-11-30 08:00:00', '2025-11-30 08:00:00', "
                        f"'2025-12-07', {purged})"
                    ),
                    {"sequence": sequence, "token": f"t{sequence}"},
                )
            connection.execute(
                text(
                    "INSERT INTO feedback_message (item_id, kind, body, author_name, created_at)"
                    " SELECT id, 'reply', '请带病历来', '', '2025-12-01 08:00:00'"
                    " FROM feedback_item"
                )
            )
        command.upgrade(config, "head")
        with db.engine.connect() as connection:
            items = connection.execute(
                text("SELECT sequence, body, location, text_hash FROM feedback_item")
            ).all()
            messages = connection.execute(
                text(
                    "SELECT i.sequence, m.body FROM feedback_message m"
                    " JOIN feedback_item i ON i.id = m.item_id"
                )
            ).all()
    assert sorted(items) == [(1, "", None, ""), (2, "我有糖尿病", "家门口", "b")]
    assert sorted(messages) == [(1, ""), (2, "请带病历来")]


def conventional(kind: str, **parts: str) -> re.Pattern:
    """The names the naming convention gives a constraint of `kind` with these parts (the
    own name of a check constraint may be any)."""
    parts = {key: re.escape(value) for key, value in parts.items()}
    return re.compile(NAMING_CONVENTION[kind] % {"constraint_name": r"\w+", **parts})


def constraint_names(table: str) -> Iterator[tuple[str | None, re.Pattern]]:
    """Each foreign key, unique and check constraint of `table` in the database: its name,
    and the names the convention gives it."""
    inspector = inspect(db.engine)
    for key in inspector.get_foreign_keys(table):
        column = key["constrained_columns"][0]
        yield (
            key["name"],
            conventional(
                "fk",
                table_name=table,
                column_0_name=column,
                referred_table_name=key["referred_table"],
            ),
        )
    for unique in inspector.get_unique_constraints(table):
        column = unique["column_names"][0]
        yield unique["name"], conventional("uq", table_name=table, column_0_name=column)
    for check in inspector.get_check_constraints(table):
        yield check["name"], conventional("ck", table_name=table)


def misnamed_constraints() -> list[tuple[str, str | None]]:
    """(table, name) of each constraint of the database not named by the convention."""
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}  # Alembic's own
    return [
        (table, name)
        for table in sorted(tables)
        for name, rule in constraint_names(table)
        if not rule.fullmatch(name or "")
    ]


def migrate_to_0007_as_before_the_convention(monkeypatch) -> None:
    """The database as revision 0007 made it before the models had a naming convention: on
    SQLite, its constraints without names."""
    config = alembic_config()
    command.downgrade(config, "base")
    with monkeypatch.context() as patch:
        patch.setattr(db.metadata, "naming_convention", MetaData().naming_convention)
        command.upgrade(config, "0007")


def test_every_constraint_is_named_by_the_convention(empty_app):
    with empty_app.app_context():
        assert misnamed_constraints() == []


def test_constraints_made_without_names_are_given_theirs(empty_app, monkeypatch):
    with empty_app.app_context():
        migrate_to_0007_as_before_the_convention(monkeypatch)
        assert misnamed_constraints() != []
        command.upgrade(alembic_config(), "head")
        assert misnamed_constraints() == []


def test_renaming_the_constraints_keeps_the_search_outbox_ids_unused(empty_app, monkeypatch):
    change = text(
        "INSERT INTO search_change (kind, key, created_at) "
        "VALUES ('page', 'about', '2026-12-06 08:00:00') RETURNING id"
    )
    with empty_app.app_context():
        migrate_to_0007_as_before_the_convention(monkeypatch)
        with db.engine.begin() as connection:
            handed_out = [connection.execute(change).scalar() for _ in range(3)]
            connection.execute(text("DELETE FROM search_change"))
        command.upgrade(alembic_config(), "head")
        with db.engine.begin() as connection:
            assert connection.execute(change).scalar() > max(handed_out)


def test_account_names_typed_full_width_are_kept_as_they_are_looked_up(empty_app):
    with empty_app.app_context():
        config = alembic_config()
        command.downgrade(config, "0026")
        with db.engine.begin() as connection:
            for name in ("ａｄｍ", "li", "ｌｉ"):
                connection.execute(
                    text(
                        "INSERT INTO staff_user (username, display_name, role, password_hash, "
                        "active, created_at, password_changed_at, must_change_password) VALUES "
                        "(:name, 'x', 'admin', 'x', true, '2026-12-01 08:00:00', "
                        "'2026-12-01 08:00:00', false)"
                    ),
                    {"name": name},
                )
            connection.execute(
                text(
                    "INSERT INTO audit_entry (at, username, action, kind, key, detail) VALUES "
                    "('2026-12-01 08:00:00', 'li', 'create-account', 'account', 'ａｄｍ', '')"
                )
            )
        command.upgrade(config, "head")
        with db.engine.connect() as connection:
            names = connection.execute(text("SELECT username FROM staff_user ORDER BY id"))
            keys = connection.execute(text("SELECT key FROM audit_entry"))
            # ｌｉ would be li, which another account has: an administrator chooses.
            assert (list(names.scalars()), list(keys.scalars())) == (["adm", "li", "ｌｉ"], ["adm"])
