"""tips as cases: owner, unread flag, digest flag, deadlines, closing, 复查, rejection reason,
有效举报, legal hold; tip_notes, tip_reminders, tip_purge_counts (no sender identifiers anywhere)

Revision ID: t002
Revises: t001
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "t002"
down_revision = "t001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("tipper_unread", sa.Boolean(), server_default=sa.false(), nullable=False))
        # Tips from before this revision count as already announced: no digest of old tips.
        batch_op.add_column(sa.Column("digested", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("ack_due_at", core.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("feedback_due_at", core.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_at", core.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("review_requested", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("reject_reason", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("recognized", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("recognition_note", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("hold_reason", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tips_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tips_closed_at"), ["closed_at"], unique=False)

    op.create_table(
        "tip_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], name=op.f("fk_tip_notes_tip_id_tips"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_notes")),
    )
    with op.batch_alter_table("tip_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_notes_tip_id"), ["tip_id"], unique=False)

    op.create_table(
        "tip_reminders",
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], name=op.f("fk_tip_reminders_tip_id_tips"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tip_id", "kind", name=op.f("pk_tip_reminders")),
    )

    op.create_table(
        "tip_purge_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purged_on", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_month", sa.String(length=7), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("recognized", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_purge_counts")),
    )
    with op.batch_alter_table("tip_purge_counts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_purge_counts_purged_on"), ["purged_on"], unique=False)


def downgrade() -> None:
    op.drop_table("tip_purge_counts")
    op.drop_table("tip_reminders")
    op.drop_table("tip_notes")
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tips_closed_at"))
        batch_op.drop_index(batch_op.f("ix_tips_owner_id"))
        for column in ("hold_reason", "recognition_note", "recognized", "reject_reason", "review_requested",
                       "closed_at", "feedback_due_at", "ack_due_at", "digested", "tipper_unread", "owner_id"):
            batch_op.drop_column(column)
