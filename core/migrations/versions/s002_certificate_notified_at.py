"""study: when a certificate's holder was told of it (issue 13: a campaign's awards are announced to the workers)

Certificates issued before this revision count as told: no backlog of old news goes out on upgrade.

Revision ID: s002
Revises: s001
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "s002"
down_revision = "s001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notified_at", core.models.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE certificates SET notified_at = issued_at")


def downgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("notified_at")
