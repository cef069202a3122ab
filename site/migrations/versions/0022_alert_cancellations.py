"""cancelled alert subscriptions are remembered by a keyed hash of the address, so that a
restore does not bring them back

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_cancellation",
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("address_hash", name=op.f("pk_alert_cancellation")),
    )
    with op.batch_alter_table("alert_cancellation") as batch:
        batch.create_index("ix_alert_cancellation_cancelled_at", ["cancelled_at"])


def downgrade() -> None:
    op.drop_table("alert_cancellation")
