"""broadcasts: a schedule may carry a campaign's invitation and be limited to a unit's subtree (issue 13, point 2)

Revision ID: b004
Revises: b003
"""
import sqlalchemy as sa
from alembic import op

revision = "b004"
down_revision = "b003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_column("unit_id")
        batch_op.drop_column("campaign_id")
