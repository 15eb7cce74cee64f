"""org: questions asked per unit and day, counts only — never who asked; covering indexes of the
members for the rollups' joins (issue 12, point 6)

Revision ID: o003
Revises: o002
"""
import sqlalchemy as sa
from alembic import op

revision = "o003"
down_revision = "o002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_question_counts",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["organisations.id"],
                                name=op.f("fk_org_question_counts_unit_id_organisations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("unit_id", "day", name=op.f("pk_org_question_counts")),
    )
    op.create_index("ix_org_members_chat_id_unit_id", "org_members", ["chat_id", "unit_id"])
    op.create_index("ix_org_members_unit_id_chat_id", "org_members", ["unit_id", "chat_id"])


def downgrade() -> None:
    op.drop_index("ix_org_members_unit_id_chat_id", table_name="org_members")
    op.drop_index("ix_org_members_chat_id_unit_id", table_name="org_members")
    op.drop_table("org_question_counts")
