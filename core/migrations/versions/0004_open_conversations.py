"""core: the conversations open in the process that receives updates (issue 14, point 5)

One row per open conversation: the flow's name and a keyed digest of the chat and user, so that after
a restart or a takeover a worker who goes on with it is told it was lost.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open_conversations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("bot", sa.String(length=32), nullable=False),
        sa.Column("run", sa.String(length=16), nullable=False),
        sa.Column("flow", sa.String(length=32), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_conversations")),
    )


def downgrade() -> None:
    op.drop_table("open_conversations")
