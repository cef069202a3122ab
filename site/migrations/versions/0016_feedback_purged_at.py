"""an item's texts are deleted with its contact details: contact_purged_at becomes purged_at

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Written before expand/contract was the rule (CONTRIBUTING.md, "Add a migration"), and not
# safe for servers still on the code before it: the release that renames the column is the
# one that stopped reading contact_purged_at, so the release before fails on every page that
# reads or writes a feedback item once this has run, while its /healthz says `ahead` (200).
# Upgrade across it with every server on the older code stopped first.
CONTRACTS = (
    "unsafe, as history: renames feedback_item.contact_purged_at, which the release before "
    "0016 reads; no earlier release stopped using it"
)


def upgrade() -> None:
    with op.batch_alter_table("feedback_item") as batch:
        batch.alter_column("contact_purged_at", new_column_name="purged_at")
    # Items whose contact details were deleted before lose their texts now too.
    purged = "SELECT id FROM feedback_item WHERE purged_at IS NOT NULL"
    op.execute(f"UPDATE feedback_message SET body = '' WHERE item_id IN ({purged})")
    op.execute(
        "UPDATE feedback_item SET body = '', location = NULL, text_hash = ''"
        " WHERE purged_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("feedback_item") as batch:
        batch.alter_column("purged_at", new_column_name="contact_purged_at")
