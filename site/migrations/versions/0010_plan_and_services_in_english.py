"""the plan's texts and the services' remaining fields in English

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# (table, column, type) added, each nullable: a missing translation shows the Chinese.
COLUMNS = (
    ("plan_part", "body_en", sa.Text()),
    ("plan_section", "body_en", sa.Text()),
    ("measure", "body_en", sa.Text()),
    ("project", "body_en", sa.Text()),
    ("indicator", "name_en", sa.String(length=200)),
    ("indicator", "unit_en", sa.String(length=32)),
    ("service", "eligibility_en", sa.Text()),
    ("service", "benefits_en", sa.Text()),
    ("service", "amount_en", sa.Text()),
    ("service", "how_to_apply_en", sa.Text()),
    ("service", "documents_en", sa.JSON()),
)


def upgrade() -> None:
    for table in dict.fromkeys(table for table, _name, _type in COLUMNS):
        with op.batch_alter_table(table) as batch:
            for name, type_ in ((n, t) for t_, n, t in COLUMNS if t_ == table):
                batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for table in dict.fromkeys(table for table, _name, _type in COLUMNS):
        with op.batch_alter_table(table) as batch:
            for name in (n for t_, n, _t in COLUMNS if t_ == table):
                batch.drop_column(name)
