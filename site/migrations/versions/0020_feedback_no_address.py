"""an item no longer keeps its sender's address: feedback_item.address_hash goes

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # It told a message sent again by its words and its address; a form sent again is now
    # known by its page's key (0019), and the rate limits count feedback_submission's rows,
    # which keep the keyed hash for a day. Nothing reads it, so nothing keeps it.
    with op.batch_alter_table("feedback_item") as batch:
        batch.drop_column("address_hash")


def downgrade() -> None:
    # The hashes are gone for good: items get none back.
    with op.batch_alter_table("feedback_item") as batch:
        batch.add_column(sa.Column("address_hash", sa.String(length=64), nullable=True))
