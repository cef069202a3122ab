"""the table of the links of alert subscriptions merged by 0024, where 0024 ran before it
kept them

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07

0024 now keeps the links of the subscriptions it merges away (`alert_merged_link`), so that
mail sent before the merge still works. A database upgraded by its earlier form has no such
table, and those links are lost (the merged rows, and their nonces, were deleted): it gets
the table, empty, so that every database has one schema.
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("alert_merged_link"):
        return
    op.create_table(
        "alert_merged_link",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["alert_subscription.id"], ondelete="CASCADE",
            name=op.f("fk_alert_merged_link_subscription_id_alert_subscription"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_merged_link")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_alert_merged_link_subscription_id"), "alert_merged_link", ["subscription_id"]
    )


def downgrade() -> None:
    pass  # 0024's downgrade drops the table, whichever of the two made it
