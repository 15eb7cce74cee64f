"""campaigns: contests, their rules by day, attempts and their questions (issue 13, points 2 and 3)

Like every area, campaigns branch off 0001 (``users`` is all they need; ``unit_id`` refers to the
organisation tree by value, so this branch does not depend on org's).

Revision ID: c001
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "c001"
down_revision = "0001"
branch_labels = ("campaigns",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("topics", sa.String(length=512), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("invitation_schedule_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_table(
        "campaign_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("attempts_per_day", sa.Integer(), nullable=False),
        sa.Column("questions_per_attempt", sa.Integer(), nullable=False),
        sa.Column("seconds_per_question", sa.Integer(), nullable=False),
        sa.Column("tags", sa.String(length=512), nullable=False),
        sa.Column("audience", sa.String(length=32), nullable=False),
        sa.Column("balanced", sa.Boolean(), nullable=False),
        sa.Column("points_correct", sa.Integer(), nullable=False),
        sa.Column("points_finish", sa.Integer(), nullable=False),
        sa.Column("points_perfect", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_rules_campaign_id_campaigns"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_rules")),
        sa.UniqueConstraint("campaign_id", "effective_from", name="uq_campaign_rules_day"),
    )
    op.create_table(
        "campaign_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=True),
        sa.Column("practice", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_count", sa.Integer(), nullable=False),
        sa.Column("seconds_per_question", sa.Integer(), nullable=False),
        sa.Column("points_correct", sa.Integer(), nullable=False),
        sa.Column("points_finish", sa.Integer(), nullable=False),
        sa.Column("points_perfect", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("started_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"],
                                name=op.f("fk_campaign_attempts_campaign_id_campaigns"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_attempts")),
        sa.UniqueConstraint("campaign_id", "chat_id", "day", "slot", name="uq_campaign_attempts_slot"),
    )
    with op.batch_alter_table("campaign_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_attempts_chat", ["chat_id", "status"], unique=False)
    op.create_table(
        "campaign_attempt_questions",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("poll_id", sa.String(length=64), nullable=True),
        sa.Column("sent_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deadline", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("chosen", sa.String(length=32), nullable=True),
        sa.Column("correct", sa.Boolean(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["campaign_attempts.id"],
                                name=op.f("fk_campaign_attempt_questions_attempt_id_campaign_attempts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("attempt_id", "position", name=op.f("pk_campaign_attempt_questions")),
        sa.UniqueConstraint("poll_id", name=op.f("uq_campaign_attempt_questions_poll_id")),
    )
    with op.batch_alter_table("campaign_attempt_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_attempt_questions_deadline"), ["deadline"], unique=False)


def downgrade() -> None:
    op.drop_table("campaign_attempt_questions")
    op.drop_table("campaign_attempts")
    op.drop_table("campaign_rules")
    op.drop_table("campaigns")
