"""broadcasts: a schedule may target one unit's subtree of the organisation tree (issue 12, point 5);
lesson progress and quiz answers indexed by time, for the rollups' periods (issue 12, point 6)

``organisations`` is made by the org branch, so this revision depends on o001 without joining
that branch.

Revision ID: b004
Revises: b003
"""
import sqlalchemy as sa
from alembic import op

revision = "b004"
down_revision = "b003"
branch_labels = None
depends_on = ("o001",)


def upgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_schedules_unit_id_organisations"), "organisations",
                                    ["unit_id"], ["id"])
    op.create_index("ix_lesson_progress_delivered_at_chat_id", "lesson_progress", ["delivered_at", "chat_id"])
    op.create_index("ix_quiz_answers_answered_at_chat_id_correct", "quiz_answers",
                    ["answered_at", "chat_id", "correct"])


def downgrade() -> None:
    op.drop_index("ix_quiz_answers_answered_at_chat_id_correct", table_name="quiz_answers")
    op.drop_index("ix_lesson_progress_delivered_at_chat_id", table_name="lesson_progress")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_schedules_unit_id_organisations"), type_="foreignkey")
        batch_op.drop_column("unit_id")
