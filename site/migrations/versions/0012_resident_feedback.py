"""resident feedback: questions, barrier reports and page-error reports, their messages,
and the submissions the rate limits count

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=80), nullable=True),
        sa.Column("barrier_type", sa.String(length=20), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("township_id", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("page_path", sa.String(length=500), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reply_by", sa.String(length=10), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("contact_purged_at", sa.DateTime(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["staff_user.id"], name=op.f("fk_feedback_item_assignee_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facility.id"], name=op.f("fk_feedback_item_facility_id_facility")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["feedback_item.id"],
            name=op.f("fk_feedback_item_merged_into_id_feedback_item"),
        ),
        sa.ForeignKeyConstraint(
            ["township_id"], ["township.id"], name=op.f("fk_feedback_item_township_id_township")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_item")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feedback_item_token_hash")),
        sa.UniqueConstraint("year", "sequence", name=op.f("uq_feedback_item_year")),
    )
    with op.batch_alter_table("feedback_item") as batch:
        batch.create_index("ix_feedback_item_assignee_id", ["assignee_id"])
        batch.create_index("ix_feedback_item_closed_at", ["closed_at"])
        batch.create_index("ix_feedback_item_facility_id", ["facility_id"])
        batch.create_index("ix_feedback_item_township_id", ["township_id"])
        batch.create_index(
            "ix_feedback_item_duplicate", ["address_hash", "text_hash", "created_at"]
        )
        batch.create_index("ix_feedback_item_state_due", ["state", "due_on"])
    op.create_table(
        "feedback_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["staff_user.id"], name=op.f("fk_feedback_message_author_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["feedback_item.id"],
            name=op.f("fk_feedback_message_item_id_feedback_item"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_message")),
    )
    with op.batch_alter_table("feedback_message") as batch:
        batch.create_index("ix_feedback_message_item_id", ["item_id"])
    op.create_table(
        "feedback_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_submission")),
    )
    with op.batch_alter_table("feedback_submission") as batch:
        batch.create_index("ix_feedback_submission_at", ["at"])
        batch.create_index("ix_feedback_submission_address_at", ["address_hash", "at"])


def downgrade() -> None:
    op.drop_table("feedback_submission")
    op.drop_table("feedback_message")
    op.drop_table("feedback_item")
