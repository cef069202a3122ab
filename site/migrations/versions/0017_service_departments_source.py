"""a service keeps where its departments come from (departments_source), to show it

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service") as batch:
        batch.add_column(sa.Column("departments_source", sa.Text(), nullable=True))
        batch.add_column(sa.Column("departments_source_en", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service") as batch:
        batch.drop_column("departments_source_en")
        batch.drop_column("departments_source")
