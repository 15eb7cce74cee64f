"""web: admin sessions and used login-link nonces

Revision ID: w001
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "w001"
down_revision = "0001"
branch_labels = ("web",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_login_nonces",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("used_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_web_login_nonces")),
    )
    op.create_table(
        "web_admin_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_web_admin_sessions")),
    )
    with op.batch_alter_table("web_admin_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_admin_sessions_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_web_admin_sessions_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_admin_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_admin_sessions_expires_at"))
        batch_op.drop_index(batch_op.f("ix_web_admin_sessions_user_id"))
    op.drop_table("web_admin_sessions")
    op.drop_table("web_login_nonces")
