"""a revision keeps the scheduled publication its change cancelled, so an undo puts it back

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("revision") as batch:
        batch.add_column(sa.Column("cancelled_schedule", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("revision") as batch:
        batch.drop_column("cancelled_schedule")
