"""constraint names: every primary key, unique, foreign key and check constraint named by
the naming convention of the models

SQLite keeps no name for a constraint created without one, so a later migration could not
find it to change or drop it; PostgreSQL made up names of its own.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.schema import ColumnCollectionConstraint

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = (
    "category", "department", "page", "plan_part", "plan_section", "service", "box",
    "measure", "related_service", "indicator", "project", "responsibility", "service_measure",
    "service_project", "township", "facility", "contact_channel", "facility_service",
    "contact_service", "search_change", "staff_user", "staff_session", "sign_in_attempt",
    "audit_entry", "revision", "autosave", "schedule", "update", "media_file",
)  # fmt: skip

# Its ids never come back (see `site_search.sync.SearchChange`): AUTOINCREMENT, which
# reflection does not see, and which in SQLite leaves its primary key without a name.
OUTBOX = "search_change"


def conventional_name(table: str, constraint: sa.Constraint) -> str:
    """The name `database.NAMING_CONVENTION` gives the constraint; a copy of the rule as it
    is at this revision, as a migration must do the same whatever the models say later."""
    if isinstance(constraint, sa.CheckConstraint):
        assert isinstance(constraint.name, str)  # the naming convention needs one for a check
        return f"ck_{table}_{constraint.name.removeprefix(f'ck_{table}_')}"
    # The others a table has: primary key, unique and foreign key constraints, on columns.
    assert isinstance(constraint, ColumnCollectionConstraint)
    first_column = next(iter(constraint.columns)).name
    if isinstance(constraint, sa.PrimaryKeyConstraint):
        return f"pk_{table}"
    if isinstance(constraint, sa.UniqueConstraint):
        return f"uq_{table}_{first_column}"
    assert isinstance(constraint, sa.ForeignKeyConstraint)
    return f"fk_{table}_{first_column}_{constraint.referred_table.name}"


def upgrade() -> None:
    bind = op.get_bind()
    for name in TABLES:
        table = sa.Table(
            name, sa.MetaData(), autoload_with=bind, sqlite_autoincrement=name == OUTBOX
        )
        names = {
            constraint: conventional_name(name, constraint) for constraint in table.constraints
        }
        renames = {constraint: new for constraint, new in names.items() if constraint.name != new}
        if not renames:
            continue
        if bind.dialect.name == "sqlite":
            copy_with_names(table, renames)
        else:
            quote = bind.dialect.identifier_preparer.quote
            for constraint, new in renames.items():
                op.execute(
                    f"ALTER TABLE {quote(name)} "
                    f"RENAME CONSTRAINT {quote(str(constraint.name))} TO {quote(new)}"
                )


def downgrade() -> None:
    # The names stay: no earlier revision refers to a constraint by its name, and with the
    # convention in the models, revisions 0001 to 0007 give them these names themselves.
    pass


def copy_with_names(table: sa.Table, names: dict[sa.Constraint, str]) -> None:
    """SQLite cannot rename a constraint: copy the table into one with the new names, and
    with the last id it handed out (the copy would otherwise start again after the highest
    id it holds)."""
    for constraint, new in names.items():
        constraint.name = op.f(new)
    bind = op.get_bind()
    last_id = bind.scalar(
        sa.text("SELECT seq FROM sqlite_sequence WHERE name = :table"), {"table": table.name}
    )
    with op.batch_alter_table(table.name, copy_from=table, recreate="always"):
        pass
    if last_id is not None:
        bind.execute(
            sa.text("DELETE FROM sqlite_sequence WHERE name = :table"), {"table": table.name}
        )
        bind.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:table, :seq)"),
            {"table": table.name, "seq": last_id},
        )
