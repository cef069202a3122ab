"""the reasons of a place's closures in English

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07

`facility.closures_en`: the English of each closure's reason, one a line in the order of the
lines of `closures`. Nullable: a place without it (every place so far) gives its reasons in
Chinese only, and its English page says so.
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("facility") as batch:
        batch.add_column(sa.Column("closures_en", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("facility") as batch:
        batch.drop_column("closures_en")
