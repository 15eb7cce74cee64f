"""campaigns: final rankings frozen after a campaign's last day (issue 13, point 4)

Revision ID: c002
Revises: c001
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "c002"
down_revision = "c001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_standings",
        sa.Column("campaign_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("frozen_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("persons", sa.Text(), nullable=False),
        sa.Column("units", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"],
                                name=op.f("fk_campaign_standings_campaign_id_campaigns"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_campaign_standings")),
    )


def downgrade() -> None:
    op.drop_table("campaign_standings")
