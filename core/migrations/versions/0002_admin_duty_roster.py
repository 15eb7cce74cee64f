"""core: the duty roster in its own table; /duty no longer makes anyone an admin (issue 17, point 4)

Before, /duty created an ``admins`` row for an admin from ANKANG_ADMIN_IDS, and that row kept them
an admin after they were taken out of the settings. Rows added on purpose were always audited as
``admin.add`` (``ankang admin add``), so every other row is such a by-product: it is dropped, and
whoever was on duty stays on the roster (the roster only ever alerts current admins).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "0002"
down_revision = "0001"
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_duty",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("since", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_admin_duty")),
    )
    op.execute(
        "INSERT INTO admin_duty (user_id, since) SELECT user_id, added_at FROM admins WHERE on_duty"
    )
    op.execute(
        "DELETE FROM admins WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE audit_log.action = 'admin.add' "
        "AND audit_log.target = CAST(admins.user_id AS VARCHAR(128)))"
    )
    with op.batch_alter_table("admins") as batch_op:
        batch_op.drop_column("on_duty")


def downgrade() -> None:
    with op.batch_alter_table("admins") as batch_op:
        batch_op.add_column(sa.Column("on_duty", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE admins SET on_duty = TRUE WHERE user_id IN (SELECT user_id FROM admin_duty)")
    op.execute(
        "INSERT INTO admins (user_id, name, on_duty, added_at) SELECT user_id, '', TRUE, since FROM admin_duty "
        "WHERE user_id NOT IN (SELECT user_id FROM admins)"
    )
    op.drop_table("admin_duty")
