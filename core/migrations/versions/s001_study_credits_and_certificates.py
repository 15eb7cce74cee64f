"""study: 学时 credits (once per worker, source and thing) and certificates with their verification codes
(issue 13, points 5 and 6)

Like every area, study branches off 0001 (``users``). A unit's certificate keeps the unit's id without a
foreign key to ``organisations``: a dependency on org's branch would hide org's revision from
``db current``; units are retired, never deleted, and the certificate carries the unit's name itself.

Revision ID: s001
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "s001"
down_revision = "0001"
branch_labels = ("study",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "study_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("credited_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["users.chat_id"], name=op.f("fk_study_credits_chat_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_credits")),
        sa.UniqueConstraint("chat_id", "source", "ref", name=op.f("uq_study_credits_chat_id")),
    )
    with op.batch_alter_table("study_credits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_study_credits_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_study_credits_credited_at"), ["credited_at"], unique=False)

    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("holder_name", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("reason_ref", sa.String(length=64), nullable=True),
        sa.Column("issued_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["users.chat_id"], name=op.f("fk_certificates_chat_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("chat_id", "reason_ref", name=op.f("uq_certificates_chat_id")),
        sa.UniqueConstraint("code", name=op.f("uq_certificates_code")),
        sa.UniqueConstraint("unit_id", "reason_ref", name=op.f("uq_certificates_unit_id")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_unit_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_chat_id"))
    op.drop_table("certificates")
    with op.batch_alter_table("study_credits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_study_credits_credited_at"))
        batch_op.drop_index(batch_op.f("ix_study_credits_chat_id"))
    op.drop_table("study_credits")
