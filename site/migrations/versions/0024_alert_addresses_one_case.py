"""alert subscriptions are kept by their address in one case: the addresses kept before are
folded, and the subscriptions one mailbox had under several casings are merged into one;
the links of those merged away are kept (`alert_merged_link`) and open the one kept

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

subscription = sa.table(
    "alert_subscription",
    sa.column("id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("kinds", sa.JSON),
    sa.column("topics", sa.JSON),
    sa.column("townships", sa.JSON),
    sa.column("created_at", sa.DateTime),
    sa.column("confirmed_at", sa.DateTime),
    sa.column("nonce", sa.String),
)
mail = sa.table("outgoing_mail", sa.column("subscription_id", sa.Integer))


def mailbox(email: str) -> str:
    """An address in one case, as `alerts.operations.mailbox` has it at this revision."""
    return email.casefold()


def upgrade() -> None:
    merged_links = _merged_links_table()
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(subscription).order_by(subscription.c.created_at, subscription.c.id)
    ).all()
    by_mailbox: dict[str, list] = {}
    for row in rows:
        by_mailbox.setdefault(mailbox(row.email), []).append(row)
    dropped, folded, links = [], [], []
    for email, found in by_mailbox.items():
        kept, merged = _merged(found)
        gone = [row for row in found if row.id != kept.id]
        dropped += [row.id for row in gone]
        links += [{"id": row.id, "nonce": row.nonce, "subscription_id": kept.id} for row in gone]
        changes = {**(merged or {}), **({"email": email} if kept.email != email else {})}
        if changes:
            folded.append((kept.id, changes))
    if dropped:
        # Mail sent before carries their links: they open the subscription kept, whose
        # address is theirs (`alerts.operations.by_token`), so no link in an inbox stops
        # working, the one to unsubscribe above all.
        connection.execute(sa.insert(merged_links), links)
        # Their confirmations and alerts still queued go with them, as with any deletion
        # of a subscription (PostgreSQL would cascade; SQLite does not enforce the key).
        connection.execute(sa.delete(mail).where(mail.c.subscription_id.in_(dropped)))
        connection.execute(sa.delete(subscription).where(subscription.c.id.in_(dropped)))
    # Once the others are gone: the address in one case is then no other row's.
    for kept_id, changes in folded:
        connection.execute(
            sa.update(subscription).where(subscription.c.id == kept_id).values(**changes)
        )


def _merged_links_table() -> sa.Table:
    """The table of the links of the subscriptions merged away (0025 makes it where an
    earlier form of this migration, which kept none, had run)."""
    table = op.create_table(
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
    return table


def _merged(found: list) -> tuple:
    """The subscription a mailbox keeps of those it had (`found`, oldest first), and its
    choices when they change (or None).

    A confirmed one is kept before any unconfirmed one (whose consent was never given, and
    whose links were only ever to confirm); of several, the oldest, so an unconfirmed one is
    still forgotten seven days after it was first asked for. Several confirmed ones each
    had their alerts sent: the one kept takes every choice they confirmed (no topics or no
    townships: all of them), so the resident is told of everything they asked for, once."""
    confirmed = [row for row in found if row.confirmed_at is not None]
    kept = (confirmed or found)[0]
    if len(confirmed) < 2:
        return kept, None
    merged: dict[str, list] = {}
    for name in ("kinds", "topics", "townships"):
        chosen = [list(row._mapping[name] or []) for row in confirmed]
        if name != "kinds" and not all(chosen):
            merged[name] = []  # one asked for all of them
        else:
            merged[name] = list(dict.fromkeys(value for values in chosen for value in values))
    return kept, merged


def downgrade() -> None:
    # The casing typed and the merged duplicates are not kept: nothing to put back. Their
    # links then lead nowhere, as any link of a subscription that is gone.
    op.drop_table("alert_merged_link")
