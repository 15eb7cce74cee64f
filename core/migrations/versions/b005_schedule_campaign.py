"""broadcasts: a schedule may carry a campaign's invitation (issue 13, point 2)

Revision ID: b005
Revises: b004
"""
import sqlalchemy as sa
from alembic import op

revision = "b005"
down_revision = "b004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_column("campaign_id")
