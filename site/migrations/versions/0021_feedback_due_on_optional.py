"""an item's target answer date may be empty: none is set while the federation has published
no answer time

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# Chiping's offset from UTC, in which created_at is kept (no summer time).
CHIPING = timedelta(hours=8)


def upgrade() -> None:
    # The five working days the code gave every item were no promise the federation made;
    # FEEDBACK_ANSWER_DAYS now has no default, and an item arriving while it is unset gets
    # no target date. Dates already given stay: they count only while a time is set.
    with op.batch_alter_table("feedback_item") as batch:
        batch.alter_column("due_on", existing_type=sa.Date(), nullable=True)


def downgrade() -> None:
    # The older code needs a date in every row: an item that got none is given the day it
    # arrived (Chiping date), as no later date was ever promised for it.
    item = sa.table(
        "feedback_item",
        sa.column("id", sa.Integer),
        sa.column("created_at", sa.DateTime),
        sa.column("due_on", sa.Date),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(item.c.id, item.c.created_at).where(item.c.due_on.is_(None)))
    for row_id, created in rows.all():
        bind.execute(
            item.update().where(item.c.id == row_id).values(due_on=(created + CHIPING).date())
        )
    with op.batch_alter_table("feedback_item") as batch:
        batch.alter_column("due_on", existing_type=sa.Date(), nullable=False)
