"""knowledge: questions handed to a person (问工会); FAQ revisions, an entry's status, bundled overrides

Revision ID: k003
Revises: k002
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "k003"
down_revision = "k002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kb_faq_entries") as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=False, server_default="published"))
        batch_op.add_column(sa.Column("bundled_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("updated_by", sa.BigInteger(), nullable=True))
    op.create_table(
        "kb_faq_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("faq_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_faq_revisions")),
    )
    op.create_index(op.f("ix_kb_faq_revisions_faq_id"), "kb_faq_revisions", ["faq_id"], unique=False)
    op.create_table(
        "kb_handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("waiting_since", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.BigInteger(), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("faq_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_handoffs")),
    )
    op.create_index(op.f("ix_kb_handoffs_chat_id"), "kb_handoffs", ["chat_id"], unique=False)
    op.create_index(op.f("ix_kb_handoffs_status"), "kb_handoffs", ["status"], unique=False)
    op.create_table(
        "kb_handoff_turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("admin_id", sa.BigInteger(), nullable=True),
        sa.Column("at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["handoff_id"], ["kb_handoffs.id"],
                                name=op.f("fk_kb_handoff_turns_handoff_id_kb_handoffs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_handoff_turns")),
    )
    op.create_index(op.f("ix_kb_handoff_turns_handoff_id"), "kb_handoff_turns", ["handoff_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_kb_handoff_turns_handoff_id"), table_name="kb_handoff_turns")
    op.drop_table("kb_handoff_turns")
    op.drop_index(op.f("ix_kb_handoffs_status"), table_name="kb_handoffs")
    op.drop_index(op.f("ix_kb_handoffs_chat_id"), table_name="kb_handoffs")
    op.drop_table("kb_handoffs")
    op.drop_index(op.f("ix_kb_faq_revisions_faq_id"), table_name="kb_faq_revisions")
    op.drop_table("kb_faq_revisions")
    with op.batch_alter_table("kb_faq_entries") as batch_op:
        batch_op.drop_column("updated_by")
        batch_op.drop_column("bundled_hash")
        batch_op.drop_column("status")
