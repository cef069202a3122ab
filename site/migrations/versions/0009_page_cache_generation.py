"""page cache generation: one row, raised by every change to a public table

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    generation = op.create_table(
        "page_cache_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_page_cache_generation_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_cache_generation")),
    )
    # The time of the last public change was not kept before this revision: any change up
    # to now may be on a page, so it is now (in UTC, as the models store times).
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(generation, [{"id": 1, "number": 0, "changed_at": now}])


def downgrade() -> None:
    op.drop_table("page_cache_generation")
