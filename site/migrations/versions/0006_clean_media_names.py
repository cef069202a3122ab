"""media file names: clean the names uploads came with, as new uploads are cleaned

A name with a line break or another control character made its download fail (a header
cannot carry one), and a long one could not be saved on most file systems.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# A copy of the rule of `staff.media.clean_name` as it is at this revision: a migration must
# do the same thing however that rule changes later.
NAME_BYTES = 200
EXTENSION = 10
PATH_SEPARATOR = re.compile(r"[/\\]")
media_file = sa.table(
    "media_file", sa.column("id", sa.Integer), sa.column("name"), sa.column("original_name")
)


def clean_name(filename: str, fallback: str) -> str:
    """The last part of a path, white space as single spaces, no invisible characters, and
    short enough for a file system (its extension kept); `fallback` when nothing is left."""
    name = PATH_SEPARATOR.split(filename)[-1]
    name = " ".join(
        "".join(
            ch for ch in name if ch.isspace() or not unicodedata.category(ch).startswith("C")
        ).split()
    )
    if not name.strip("."):
        return fallback
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > EXTENSION:
        stem, extension = name, ""
    budget = NAME_BYTES - len(extension.encode()) - len(dot)
    stem = stem.encode()[:budget].decode(errors="ignore").rstrip()
    return f"{stem}{dot}{extension}" if stem else fallback


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(media_file)).all()
    for row in rows:
        cleaned = clean_name(row.original_name, row.name)
        if cleaned != row.original_name:
            connection.execute(
                media_file.update().where(media_file.c.id == row.id).values(original_name=cleaned)
            )


def downgrade() -> None:
    # The names as they came cannot be told back from the cleaned ones, and the earlier
    # schema takes the cleaned ones as they are.
    pass
