"""a form sent twice is known by its page's key, not by its words: feedback_item.form_key_hash

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Items sent before have no key, and are never taken for one sent again. The index of
    # the old rule (the same words from the same address) has no query left to serve.
    with op.batch_alter_table("feedback_item") as batch:
        batch.add_column(sa.Column("form_key_hash", sa.String(length=64), nullable=True))
        batch.create_index("ix_feedback_item_form_key_hash", ["form_key_hash"])
        batch.drop_index("ix_feedback_item_duplicate")


def downgrade() -> None:
    with op.batch_alter_table("feedback_item") as batch:
        batch.create_index(
            "ix_feedback_item_duplicate", ["address_hash", "text_hash", "created_at"]
        )
        batch.drop_index("ix_feedback_item_form_key_hash")
        batch.drop_column("form_key_hash")
