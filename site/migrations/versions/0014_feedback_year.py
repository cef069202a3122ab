"""the last reference number given in each year, so that items sent at the same moment
queue for their numbers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_feedback_year")),
    )
    op.execute(
        "INSERT INTO feedback_year (year, last_sequence)"
        " SELECT year, MAX(sequence) FROM feedback_item GROUP BY year"
    )


def downgrade() -> None:
    op.drop_table("feedback_year")
