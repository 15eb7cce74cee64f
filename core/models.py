"""ORM base and the tables every part shares: workers (users), admins and the audit log."""
from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, DateTime, Dialect, Float, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which drops tzinfo) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StrEnumType(TypeDecorator[StrEnum]):
    """A ``StrEnum`` stored as its value in a VARCHAR and read back as the enum member.

    No database enum type: an area adds a value without a migration, and SQLite and PostgreSQL
    store the same thing. Writing a value that is not a member raises ValueError.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """A worker the bot can talk to: only what is needed to reach them."""

    __tablename__ = "users"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(16), default="zh-hans")
    subscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Shown on the 安康杯 leaderboard only if the worker agreed; otherwise anonymous.
    display_name: Mapped[str | None] = mapped_column(String(64), default=None)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    @property
    def active(self) -> bool:
        return self.blocked_at is None


class Admin(Base):
    """An admin added at run time (``ankang admin add``); the ids in ANKANG_ADMIN_IDS have no row.

    Being on duty is a separate table (``DutyShift``), so taking a duty never makes anyone an admin."""

    __tablename__ = "admins"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(64), default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DutyShift(Base):
    """An admin on the urgent-tip roster (/duty on); the row goes with /duty off or the admin's removal."""

    __tablename__ = "admin_duty"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """Who did what, when: every admin action lands here."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    admin_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(128), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    # The unit the action concerned (an ``organisations`` id; None: none in particular, or the whole
    # tree). No foreign key: the log is history and core knows nothing of the tree (issue 12).
    unit_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)


class SendBudgetMember(Base):
    """One running process's share of a bot's send budget (``core.cluster.SharedBudget``, PostgreSQL):
    what it wants, what it may use, and when it last said so (the database's clock)."""

    __tablename__ = "send_budget"

    bot: Mapped[str] = mapped_column(String(32), primary_key=True)  # the bot's id (the token's public part)
    member: Mapped[str] = mapped_column(String(80), primary_key=True)
    want_per_s: Mapped[float] = mapped_column(Float, default=0.0)
    rate_per_s: Mapped[float] = mapped_column(Float, default=0.0)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OpenConversation(Base):
    """A conversation open in the memory of the process that receives updates (``core.conversations``):
    which flow, and a keyed digest of the chat and user — never what was typed, never an id in clear."""

    __tablename__ = "open_conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bot: Mapped[str] = mapped_column(String(32))  # the bot's id (the token's public part)
    run: Mapped[str] = mapped_column(String(16))  # the process run that opened it (random per start)
    flow: Mapped[str] = mapped_column(String(32))
    salt: Mapped[str] = mapped_column(String(32))  # random per row, so two rows of one chat look unrelated
    digest: Mapped[str] = mapped_column(String(64))  # HMAC over salt, chat and user, keyed by the bot token
