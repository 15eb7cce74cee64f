"""core: the send budget shared by the processes of one bot on PostgreSQL (issue 14, point 4)

One row per running process: what it wants to send, the rate it may use, and its last heartbeat.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "send_budget",
        sa.Column("bot", sa.String(length=32), nullable=False),
        sa.Column("member", sa.String(length=80), nullable=False),
        sa.Column("want_per_s", sa.Float(), nullable=False),
        sa.Column("rate_per_s", sa.Float(), nullable=False),
        sa.Column("beat_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot", "member", name=op.f("pk_send_budget")),
    )


def downgrade() -> None:
    op.drop_table("send_budget")
