"""queued mail names what it is about (an alert subscription, a feedback item), so that it is
deleted with it; the messages already queued are linked, and those about a subscription
deleted or an item purged since are deleted

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

# As the code of this revision writes them (copied: a migration imports no app code). An
# alert's List-Unsubscribe header carries its subscription's token, `<id>-<keyed hash>`; a
# receipt's or a reply's subject carries the item's reference, CP-<year>-<six digits>.
UNSUBSCRIBE = re.compile(r"/alerts/unsubscribe/(\d+)-")
REFERENCE = re.compile(r"CP-(\d{4})-(\d{6})")

mail = sa.table(
    "outgoing_mail",
    sa.column("id", sa.Integer),
    sa.column("recipient", sa.String),
    sa.column("subject", sa.String),
    sa.column("headers", sa.JSON),
    sa.column("subscription_id", sa.Integer),
    sa.column("feedback_item_id", sa.Integer),
)
subscription = sa.table("alert_subscription", sa.column("id", sa.Integer))
item = sa.table(
    "feedback_item",
    sa.column("id", sa.Integer),
    sa.column("year", sa.Integer),
    sa.column("sequence", sa.Integer),
    sa.column("contact_email", sa.String),
    sa.column("purged_at", sa.DateTime),
)


def upgrade() -> None:
    with op.batch_alter_table("outgoing_mail") as batch:
        batch.add_column(sa.Column("subscription_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("feedback_item_id", sa.Integer(), nullable=True))
        batch.create_index("ix_outgoing_mail_subscription_id", ["subscription_id"])
        batch.create_index("ix_outgoing_mail_feedback_item_id", ["feedback_item_id"])
        batch.create_foreign_key(
            op.f("fk_outgoing_mail_subscription_id_alert_subscription"),
            "alert_subscription", ["subscription_id"], ["id"], ondelete="CASCADE",
        )  # fmt: skip
        batch.create_foreign_key(
            op.f("fk_outgoing_mail_feedback_item_id_feedback_item"),
            "feedback_item", ["feedback_item_id"], ["id"], ondelete="CASCADE",
        )  # fmt: skip
    _link_queued_mail(op.get_bind())


def _link_queued_mail(connection: sa.Connection) -> None:
    """Link each queued message to what it is about; delete those whose subscription is gone
    (an unconfirmed one forgotten, a cancelled one) or whose item's personal data was purged:
    they were to be deleted with it. A message that names neither stays unlinked (it goes
    after FEEDBACK_RETENTION_DAYS, as before)."""
    subscriptions = set(connection.scalars(sa.select(subscription.c.id)))
    items = {
        (row.year, row.sequence): row
        for row in connection.execute(
            sa.select(item.c.id, item.c.year, item.c.sequence, item.c.contact_email,
                      item.c.purged_at)
        )
    }  # fmt: skip
    gone, links = [], []
    for row in connection.execute(sa.select(mail.c.id, mail.c.subject, mail.c.headers)).all():
        alert = UNSUBSCRIBE.search((row.headers or {}).get("List-Unsubscribe", ""))
        reference = REFERENCE.search(row.subject)
        if alert:
            about = int(alert.group(1))
            if about in subscriptions:
                links.append({"id": row.id, "subscription_id": about, "feedback_item_id": None})
            else:
                gone.append(row.id)
        elif reference:
            found = items.get((int(reference.group(1)), int(reference.group(2))))
            if found is None:
                continue
            if found.purged_at is not None or not found.contact_email:
                gone.append(row.id)
            else:
                links.append({"id": row.id, "subscription_id": None, "feedback_item_id": found.id})
    for link in links:
        connection.execute(
            sa.update(mail)
            .where(mail.c.id == link["id"])
            .values(subscription_id=link["subscription_id"],
                    feedback_item_id=link["feedback_item_id"])
        )  # fmt: skip
    if gone:
        connection.execute(sa.delete(mail).where(mail.c.id.in_(gone)))


def downgrade() -> None:
    with op.batch_alter_table("outgoing_mail") as batch:
        batch.drop_constraint(
            op.f("fk_outgoing_mail_feedback_item_id_feedback_item"), type_="foreignkey"
        )
        batch.drop_constraint(
            op.f("fk_outgoing_mail_subscription_id_alert_subscription"), type_="foreignkey"
        )
        batch.drop_index("ix_outgoing_mail_feedback_item_id")
        batch.drop_index("ix_outgoing_mail_subscription_id")
        batch.drop_column("feedback_item_id")
        batch.drop_column("subscription_id")
