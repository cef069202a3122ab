"""photos of barriers, published examples of answered reports, the mail outbox, email
alerts for notices (subscriptions; notices' topics and townships)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["feedback_item.id"], name=op.f("fk_feedback_photo_item_id_feedback_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_photo")),
    )
    with op.batch_alter_table("feedback_photo") as batch:
        batch.create_index("ix_feedback_photo_item_id", ["item_id"])
    with op.batch_alter_table("feedback_item") as batch:
        batch.add_column(sa.Column("example_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("example_text_en", sa.Text(), nullable=True))
        batch.add_column(sa.Column("example_published_at", sa.DateTime(), nullable=True))
    op.create_table(
        "outgoing_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail")),
    )
    with op.batch_alter_table("outgoing_mail") as batch:
        batch.create_index("ix_outgoing_mail_next_attempt_at", ["next_attempt_at"])
    op.create_table(
        "alert_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("townships", sa.JSON(), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_subscription")),
        sa.UniqueConstraint("email", name=op.f("uq_alert_subscription_email")),
    )
    with op.batch_alter_table("update") as batch:
        batch.add_column(sa.Column("topics", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("townships", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("alerts_queued_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("update") as batch:
        batch.drop_column("alerts_queued_at")
        batch.drop_column("townships")
        batch.drop_column("topics")
    op.drop_table("alert_subscription")
    op.drop_table("outgoing_mail")
    with op.batch_alter_table("feedback_item") as batch:
        batch.drop_column("example_published_at")
        batch.drop_column("example_text_en")
        batch.drop_column("example_text")
    op.drop_table("feedback_photo")
