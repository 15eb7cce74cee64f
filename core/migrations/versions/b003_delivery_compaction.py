"""broadcasts: finished broadcasts keep their skipped count and when their delivery rows were compacted

Revision ID: b003
Revises: b001
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "b003"
down_revision = "b001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skipped", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("compacted_at", core.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.drop_column("compacted_at")
        batch_op.drop_column("skipped")
