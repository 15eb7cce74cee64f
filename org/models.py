"""The organisation tree and workers' membership: the unit is the only organisational fact kept about a worker."""
from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base

CODE_MAX = 32
NAME_MAX = 64
LEVEL_MAX = 16
# The usual levels, top to bottom; an organisation may use a label of its own instead.
LEVELS = ("市", "区县", "街镇", "基层", "班组")


class Organisation(Base):
    """A union at some level of the tree; ``parent_id`` None for a root. Retired units stay for history."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    level: Mapped[str] = mapped_column(String(LEVEL_MAX), default="")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), default=None, index=True)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class Membership(Base):
    """The unit a worker joined (through a unit's link or /settings); no row for a worker in no unit."""

    __tablename__ = "org_members"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.chat_id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    # No time of joining: like users.first_seen_at, an exact time could be matched against a tip's.
    unit_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)

    # The rollups join 100,000 workers to their units from the indexes alone (org.rollups).
    __table_args__ = (Index("ix_org_members_chat_id_unit_id", "chat_id", "unit_id"),
                      Index("ix_org_members_unit_id_chat_id", "unit_id", "chat_id"))


class UnitQuestionCount(Base):
    """How many questions the workers of a unit asked on a day (local date): a count, never who asked."""

    __tablename__ = "org_question_counts"

    unit_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
