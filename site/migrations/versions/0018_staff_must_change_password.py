"""a first password set by an administrator must be changed: staff_user.must_change_password

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Accounts made before keep working as they are: their people chose or were given
    # their passwords before the rule, and nothing says which were changed since.
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("must_change_password")
