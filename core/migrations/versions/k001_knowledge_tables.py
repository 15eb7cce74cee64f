"""knowledge tables: unanswered questions, feedback, console FAQ entries

Revision ID: k001
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "k001"
down_revision = "0001"
branch_labels = ("knowledge",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_unanswered",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("normalised", sa.String(length=500), nullable=False),
        sa.Column("sample", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_asked_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_asked_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_unanswered")),
        sa.UniqueConstraint("normalised", name=op.f("uq_kb_unanswered_normalised")),
    )
    op.create_index(op.f("ix_kb_unanswered_last_asked_at"), "kb_unanswered", ["last_asked_at"], unique=False)
    op.create_table(
        "kb_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("faq_id", sa.String(length=64), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_feedback")),
    )
    op.create_index(op.f("ix_kb_feedback_faq_id"), "kb_feedback", ["faq_id"], unique=False)
    op.create_table(
        "kb_faq_entries",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("q", sa.Text(), nullable=False),
        sa.Column("alt", sa.JSON(), nullable=False),
        sa.Column("a", sa.Text(), nullable=False),
        sa.Column("cite", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_faq_entries")),
    )


def downgrade() -> None:
    op.drop_table("kb_faq_entries")
    op.drop_index(op.f("ix_kb_feedback_faq_id"), table_name="kb_feedback")
    op.drop_table("kb_feedback")
    op.drop_index(op.f("ix_kb_unanswered_last_asked_at"), table_name="kb_unanswered")
    op.drop_table("kb_unanswered")
