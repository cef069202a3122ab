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

# Written before expand/contract was the rule (CONTRIBUTING.md, "Add a migration"), and not
# safe for servers still on the code before it: the release that drops the column is the one
# that stopped reading and writing it, and the release before maps address_hash (NOT NULL),
# so it fails (500) on every page that reads or writes a feedback item once this has run,
# while its /healthz says `ahead` (200). Upgrade across it with every server on the older
# code stopped first.
CONTRACTS = (
    "unsafe, as history: drops feedback_item.address_hash, which the release before 0020 "
    "reads and writes; no earlier release stopped using it"
)


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
