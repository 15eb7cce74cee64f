"""tips: tips, tip_events, tip_photos (no sender identifiers anywhere)

Revision ID: t001
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import core.models

revision = "t001"
down_revision = "0001"
branch_labels = ("tips",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_hour", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("place_type", sa.String(length=32), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("receipt_lookup", sa.String(length=8), nullable=False),
        sa.Column("receipt_hash", sa.String(length=160), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tips")),
    )
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tips_created_hour"), ["created_hour"], unique=False)
        batch_op.create_index(batch_op.f("ix_tips_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_tips_urgent"), ["urgent"], unique=False)
        batch_op.create_index(batch_op.f("ix_tips_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_tips_receipt_lookup"), ["receipt_lookup"], unique=False)

    op.create_table(
        "tip_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], name=op.f("fk_tip_events_tip_id_tips"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_events")),
    )
    with op.batch_alter_table("tip_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_events_tip_id"), ["tip_id"], unique=False)

    op.create_table(
        "tip_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], name=op.f("fk_tip_photos_tip_id_tips"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["tip_events.id"], name=op.f("fk_tip_photos_event_id_tip_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_photos")),
    )
    with op.batch_alter_table("tip_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_photos_tip_id"), ["tip_id"], unique=False)


def downgrade() -> None:
    op.drop_table("tip_photos")
    op.drop_table("tip_events")
    op.drop_table("tips")
