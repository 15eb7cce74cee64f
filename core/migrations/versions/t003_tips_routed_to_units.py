"""tips routed to units: tips.unit_id, the unit the tipper chose (issue 12, point 4); no sender identifier

A plain indexed column, no foreign key to ``organisations``: that table belongs to the org branch,
and depending on it would make o001 an ancestor of the tips branch, hiding org's head from
``db current`` (see o001). Units are never deleted, only retired, so the id stays meaningful.

Revision ID: t003
Revises: t002
"""
import sqlalchemy as sa
from alembic import op

revision = "t003"
down_revision = "t002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tips_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tips_unit_id"))
        batch_op.drop_column("unit_id")
