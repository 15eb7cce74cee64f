"""broadcasts: subscriptions, schedules, occurrences, deliveries, lesson progress, quizzes

Revision ID: b001
Revises: 0001
Create Date: 2026-11-22 10:40:00
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "b001"
down_revision = "0001"
branch_labels = ("broadcasts",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["users.chat_id"], name=op.f("fk_subscriptions_chat_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "topic", name=op.f("pk_subscriptions")),
    )
    op.create_index("ix_subscriptions_topic", "subscriptions", ["topic"], unique=False)
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("lesson_id", sa.String(length=64), nullable=True),
        sa.Column("series", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.Column("topics", sa.String(length=512), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("run_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("weekdays", sa.String(length=32), nullable=True),
        sa.Column("at_time", sa.String(length=5), nullable=True),
        sa.Column("cron", sa.String(length=128), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_fire_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
    )
    op.create_table(
        "occurrences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("fire_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("enqueue_ms", sa.Integer(), nullable=False),
        sa.Column("started_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("reported", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["schedule_id"], ["schedules.id"], name=op.f("fk_occurrences_schedule_id_schedules"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occurrences")),
        sa.UniqueConstraint("schedule_id", "fire_at", name="uq_occurrences_schedule_fire"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_until", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("sent_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["occurrence_id"], ["occurrences.id"],
                                name=op.f("fk_deliveries_occurrence_id_occurrences"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("occurrence_id", "chat_id", name="uq_deliveries_occurrence_chat"),
    )
    op.create_index("ix_deliveries_status", "deliveries", ["status", "id"], unique=False)
    op.create_table(
        "lesson_progress",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("lesson_id", sa.String(length=64), nullable=False),
        sa.Column("delivered_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["users.chat_id"], name=op.f("fk_lesson_progress_chat_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "lesson_id", name=op.f("pk_lesson_progress")),
    )
    op.create_table(
        "quiz_polls",
        sa.Column("poll_id", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("lesson_id", sa.String(length=64), nullable=False),
        sa.Column("correct_option", sa.Integer(), nullable=False),
        sa.Column("sent_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("poll_id", name=op.f("pk_quiz_polls")),
    )
    op.create_index(op.f("ix_quiz_polls_chat_id"), "quiz_polls", ["chat_id"], unique=False)
    op.create_table(
        "quiz_answers",
        sa.Column("poll_id", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("option", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("answered_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["quiz_polls.poll_id"], name=op.f("fk_quiz_answers_poll_id_quiz_polls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("poll_id", name=op.f("pk_quiz_answers")),
    )
    op.create_index(op.f("ix_quiz_answers_chat_id"), "quiz_answers", ["chat_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_quiz_answers_chat_id"), table_name="quiz_answers")
    op.drop_table("quiz_answers")
    op.drop_index(op.f("ix_quiz_polls_chat_id"), table_name="quiz_polls")
    op.drop_table("quiz_polls")
    op.drop_table("lesson_progress")
    op.drop_index("ix_deliveries_status", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("occurrences")
    op.drop_table("schedules")
    op.drop_index("ix_subscriptions_topic", table_name="subscriptions")
    op.drop_table("subscriptions")
