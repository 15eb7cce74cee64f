"""campaigns: at most one running attempt per worker, held by a partial unique index (issue 13: two devices
starting at once could both start when the daily cap was 2 or more)

Running attempts that already broke the rule are closed first, all but each worker's latest, as the
attempt's own "left behind" path closes them (finished, no finishing points).

Revision ID: c004
Revises: c003
"""
import sqlalchemy as sa
from alembic import op

revision = "c004"
down_revision = "c003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE campaign_attempts SET status = 'finished', finished_at = started_at "
        "WHERE status = 'running' AND id NOT IN "
        "(SELECT MAX(id) FROM campaign_attempts WHERE status = 'running' GROUP BY chat_id)")
    running = sa.text("status = 'running'")
    op.create_index("uq_campaign_attempts_running", "campaign_attempts", ["chat_id"], unique=True,
                    sqlite_where=running, postgresql_where=running)


def downgrade() -> None:
    op.drop_index("uq_campaign_attempts_running", table_name="campaign_attempts")
