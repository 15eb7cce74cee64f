"""The organisation tree and workers' membership: the unit is the only organisational fact kept about a worker."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, StrEnumType, UTCDateTime, utcnow

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

    # A whole tree's period read from the index alone (org.rollups).
    __table_args__ = (Index("ix_org_question_counts_day", "day", "unit_id", "count"),)


# The rollups' tallies (org.tallies keeps them, org.rollups adds them up): what the workers of a unit count for,
# kept under the unit they are in now, so a subtree's figures are sums of its units' rows. Hours are UTC hours
# since the epoch (org.tallies.hour_of). A period's rows of every unit are read from the (hour, …) indexes alone on
# PostgreSQL; on SQLite from the primary key, in whose order the rows live (WITHOUT ROWID: no lookup per row).

class UnitTally(Base):
    """A unit's workers joined, those of them subscribed and not blocked; and over all time, those of them ever
    active and their quiz answers (a long period is counted as these less what lies outside it)."""

    __tablename__ = "org_unit_tallies"

    unit_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    joined: Mapped[int] = mapped_column(Integer, default=0)
    subscribers: Mapped[int] = mapped_column(Integer, default=0)
    ever_active: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = ({"sqlite_with_rowid": False},)


class ActivityTally(Base):
    """How many of a unit's workers were active (received a lesson or answered a quiz) in ``hour`` and, before
    that, last in ``prev_hour`` (0: never): a worker counts once in a span of hours, at their first active hour
    in it — the one whose ``prev_hour`` lies before the span."""

    __tablename__ = "org_activity_tallies"

    unit_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    prev_hour: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    workers: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_org_activity_tallies_hour_prev_hour", "hour", "prev_hour", "unit_id", "workers"),
                      {"sqlite_with_rowid": False})


class LastActiveTally(Base):
    """How many of a unit's workers were last active in ``hour``: for a period that runs past every worker's
    latest activity (up to today), the workers who took part are those last active in it or after its start."""

    __tablename__ = "org_last_active_tallies"

    unit_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    workers: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_org_last_active_tallies_hour", "hour", "unit_id", "workers"),
                      {"sqlite_with_rowid": False})


class AnswerTally(Base):
    """The quiz answers a unit's workers gave in ``hour``, and the right ones."""

    __tablename__ = "org_answer_tallies"

    unit_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_org_answer_tallies_hour", "hour", "unit_id", "answers", "correct"),
                      {"sqlite_with_rowid": False})


class Role(StrEnum):
    """What an admin may do in a unit and everything below it (``org.roles`` holds the rules)."""

    ADMIN = "admin"  # everything in the subtree, managing its units and admins included
    TIPS = "tips"  # hazard tips: triage, replies, the duty roster
    PUSH = "push"  # 微课堂: schedules and lessons
    KNOWLEDGE = "knowledge"  # the FAQ, unanswered questions, 问工会
    READONLY = "readonly"  # sees what the others see, changes nothing

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "管理员",
    Role.TIPS: "举报处理",
    Role.PUSH: "推送",
    Role.KNOWLEDGE: "知识库",
    Role.READONLY: "只读",
}


class RoleGrant(Base):
    """One role an admin holds at a unit (and so over its subtree); ``unit_id`` None: over the whole tree.

    An admin may hold several. The ``admins`` row (``core.models.Admin``) is the person, kept while
    they hold any grant; a row without grants (added before roles, or by ``ankang admin add``) is a
    管理员 of the whole tree (``org.roles``)."""

    __tablename__ = "admin_roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), default=None, index=True)
    role: Mapped[Role] = mapped_column(StrEnumType(Role, 16))
    granted_by: Mapped[int] = mapped_column(BigInteger, default=0)  # 0: the operator (CLI)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AdminInvite(Base):
    """A one-time link that makes whoever opens it an admin with ``role`` at ``unit_id``; only its hash is kept."""

    __tablename__ = "admin_invites"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), default=None)
    role: Mapped[Role] = mapped_column(StrEnumType(Role, 16))
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    used_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
