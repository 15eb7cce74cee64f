"""org: the organisation tree and the unit each worker joined (issue 12, points 1 and 2)

Like every area, org branches off 0001, which creates ``users`` (what ``org_members`` refers to).
Branching off core's later head (0002) would make it org's ancestor: ``db current`` would no longer
show core's revision, and core's next revision would leave ``core@head`` with two heads.

Revision ID: o001
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "o001"
down_revision = "0001"
branch_labels = ("org",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["organisations.id"],
                                name=op.f("fk_organisations_parent_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("code", name=op.f("uq_organisations_code")),
    )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisations_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "org_members",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["users.chat_id"], name=op.f("fk_org_members_chat_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["organisations.id"],
                                name=op.f("fk_org_members_unit_id_organisations")),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_org_members")),
    )
    with op.batch_alter_table("org_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_members_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("org_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_members_unit_id"))
    op.drop_table("org_members")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisations_parent_id"))
    op.drop_table("organisations")
