"""how a place keeps holidays, its closures, and how its hours were verified

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Each nullable: a place nobody has verified yet has none of them, and its page says so.
# (The accessibility features' verification method lives in the `accessibility` JSON.)
COLUMNS = (
    ("public_holidays", sa.String(length=16)),
    ("closures", sa.Text()),
    ("hours_verified_method", sa.String(length=16)),
    ("hours_verified_on", sa.String(length=10)),
    ("hours_verified_by", sa.String(length=100)),
)


def upgrade() -> None:
    with op.batch_alter_table("facility") as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("facility") as batch:
        for name, _type in reversed(COLUMNS):
            batch.drop_column(name)
