"""org: admins' roles scoped to a unit's subtree, one-time invitations, and the unit of each audit entry
(issue 12, point 3)

Existing ``admins`` rows get no grant: a row without grants is a 管理员 of the whole tree
(``org.roles``), so every admin keeps their rights and a downgrade has nothing to undo. The unit
column of ``audit_log`` (core's table) lives on org's branch because only roles give it meaning.

Revision ID: o002
Revises: o001
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "o002"
down_revision = "o001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("granted_by", sa.BigInteger(), nullable=False),
        sa.Column("granted_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["organisations.id"], name=op.f("fk_admin_roles_unit_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_roles")),
    )
    with op.batch_alter_table("admin_roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_roles_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_admin_roles_unit_id"), ["unit_id"], unique=False)
    op.create_table(
        "admin_invites",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["organisations.id"],
                                name=op.f("fk_admin_invites_unit_id_organisations")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_admin_invites")),
    )
    with op.batch_alter_table("admin_invites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_invites_expires_at"), ["expires_at"], unique=False)
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_log_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_unit_id"))
        batch_op.drop_column("unit_id")
    with op.batch_alter_table("admin_invites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_invites_expires_at"))
    op.drop_table("admin_invites")
    with op.batch_alter_table("admin_roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_roles_unit_id"))
        batch_op.drop_index(batch_op.f("ix_admin_roles_user_id"))
    op.drop_table("admin_roles")
