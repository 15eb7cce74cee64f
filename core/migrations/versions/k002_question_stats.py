"""knowledge: daily question counts by kind and topic (no text, no asker)

Revision ID: k002
Revises: k001
"""
import sqlalchemy as sa
from alembic import op

revision = "k002"
down_revision = "k001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_question_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("intent", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_question_stats")),
        sa.UniqueConstraint("day", "intent", "topic", name="uq_kb_question_stats_day_intent_topic"),
    )
    with op.batch_alter_table("kb_question_stats") as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_question_stats_day"), ["day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kb_question_stats") as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_question_stats_day"))
    op.drop_table("kb_question_stats")
