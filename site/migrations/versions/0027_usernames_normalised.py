"""account names kept as they are looked up: compatibility forms made plain (NFKC), then
case folded, so an account made with a full-width name (ａｄｍ) still signs in with it

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07

Names were only case folded before: such an account's name is rewritten, and its audit
entries (kept by the account's name) with it. A name that would become one another account
already has is left as it is, with a warning: which of the two look-alike accounts is
meant is for an administrator to decide (disable one of them).
"""

import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)
LONGEST = 60
staff_user = sa.table("staff_user", sa.column("id", sa.Integer), sa.column("username", sa.String))
audit_entry = sa.table("audit_entry", sa.column("kind", sa.String), sa.column("key", sa.String))


def normal_username(typed: str) -> str:
    """An account name as `staff.accounts.views.normal_username` has it at this revision."""
    return unicodedata.normalize("NFKC", typed).strip().casefold()


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(staff_user).order_by(staff_user.c.id)).all()
    taken = {row.username for row in rows}
    for row in rows:
        normal = normal_username(row.username)
        if normal == row.username:
            continue
        if normal in taken or len(normal) > LONGEST:
            log.warning("staff account %d keeps its name: %r is taken or too long", row.id, normal)
            continue
        taken.add(normal)
        connection.execute(
            sa.update(staff_user).where(staff_user.c.id == row.id).values(username=normal)
        )
        connection.execute(
            sa.update(audit_entry)
            .where(audit_entry.c.kind == "account", audit_entry.c.key == row.username)
            .values(key=normal)
        )


def downgrade() -> None:
    # The width a name was typed in is not kept: nothing to put back.
    pass
