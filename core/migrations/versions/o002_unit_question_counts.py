"""org: questions asked per unit and day, counts only — never who asked (issue 12, point 6)

Revision ID: o002
Revises: o001
"""
import sqlalchemy as sa
from alembic import op

revision = "o002"
down_revision = "o001"
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


def downgrade() -> None:
    op.drop_table("org_question_counts")
