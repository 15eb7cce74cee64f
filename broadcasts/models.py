"""Tables of the 微课堂 area: subscriptions, schedules, their occurrences, the per-recipient delivery
queue, lesson progress and quiz answers (the 安康杯 points)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from core.models import Base, UTCDateTime, utcnow

# The pseudo-topic of a worker who subscribed to everything (全部).
ALL_TOPICS = "all"


# --- statuses, each with the one table of its Chinese labels (the bot and the console both use it) ---


class ScheduleStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    FINISHED = "finished"  # a one-off that has fired

    @property
    def label(self) -> str:
        return SCHEDULE_STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        """Still to be managed: paused, resumed, sent now, cancelled (what /broadcasts lists)."""
        return self in OPEN_SCHEDULE_STATUSES


# The bot's button is 删除: a cancelled schedule leaves /broadcasts (the console keeps it under 显示已结束).
SCHEDULE_STATUS_LABELS: dict[ScheduleStatus, str] = {
    ScheduleStatus.ACTIVE: "已启用",
    ScheduleStatus.PAUSED: "已暂停",
    ScheduleStatus.CANCELLED: "已删除",
    ScheduleStatus.FINISHED: "已完成",
}
OPEN_SCHEDULE_STATUSES = (ScheduleStatus.ACTIVE, ScheduleStatus.PAUSED)


class OccurrenceStatus(StrEnum):
    RUNNING = "running"  # deliveries queued
    DONE = "done"
    SKIPPED = "skipped"  # missed beyond the grace period, or superseded by a later firing

    @property
    def label(self) -> str:
        return OCCURRENCE_STATUS_LABELS[self]


OCCURRENCE_STATUS_LABELS: dict[OccurrenceStatus, str] = {
    OccurrenceStatus.RUNNING: "推送中",
    OccurrenceStatus.DONE: "已完成",
    OccurrenceStatus.SKIPPED: "已跳过",
}


class DeliveryStatus(StrEnum):
    """pending → claimed → sent | blocked | failed | skipped (nothing left to send)."""

    PENDING = "pending"
    CLAIMED = "claimed"  # a sender holds it under a lease
    SENT = "sent"
    BLOCKED = "blocked"  # the worker blocked the bot or is gone
    FAILED = "failed"
    SKIPPED = "skipped"

    @property
    def label(self) -> str:
        return DELIVERY_STATUS_LABELS[self]


DELIVERY_STATUS_LABELS: dict[DeliveryStatus, str] = {
    DeliveryStatus.PENDING: "待发",
    DeliveryStatus.CLAIMED: "发送中",
    DeliveryStatus.SENT: "已送达",
    DeliveryStatus.BLOCKED: "拉黑/失效",
    DeliveryStatus.FAILED: "失败",
    DeliveryStatus.SKIPPED: "跳过",
}
# Not yet dealt with: what a progress report counts as waiting.
OPEN_DELIVERY_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED)


class StatusType(TypeDecorator[StrEnum]):
    """A status column: VARCHAR(16) in the database, its StrEnum in Python (a stray string fails on write)."""

    impl = String(16)
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else str(self.enum(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


class Subscription(Base):
    """A worker follows one topic (or ``all``)."""

    __tablename__ = "subscriptions"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.chat_id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_subscriptions_topic", "topic"),)


class Schedule(Base):
    """What to push, to whom and when; the scheduler is rebuilt from these rows at every start."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What: "lesson" (lesson_id), "series" (next unseen lesson of `series` per recipient) or
    # "text" (an announcement, with an optional photo).
    kind: Mapped[str] = mapped_column(String(16))
    lesson_id: Mapped[str | None] = mapped_column(String(64), default=None)
    series: Mapped[str | None] = mapped_column(String(64), default=None)
    text: Mapped[str | None] = mapped_column(Text, default=None)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # "campaign": a contest's invitation (text with the campaign's buttons).
    campaign_id: Mapped[int | None] = mapped_column(Integer, default=None)
    # Whom: comma-separated topic codes; empty means every subscriber.
    topics: Mapped[str] = mapped_column(String(512), default="")
    # …and, when set, only the workers who joined this unit or any unit below it (the subtree is
    # read at each firing, so units added later are included).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), default=None)
    # When: "once" (run_at), "weekly" (weekdays + at_time) or "cron" (cron expression).
    trigger: Mapped[str] = mapped_column(String(16))
    run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    weekdays: Mapped[str | None] = mapped_column(String(32), default=None)
    at_time: Mapped[str | None] = mapped_column(String(5), default=None)
    cron: Mapped[str | None] = mapped_column(String(128), default=None)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    status: Mapped[ScheduleStatus] = mapped_column(StatusType(ScheduleStatus), default=ScheduleStatus.ACTIVE)
    created_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last scheduled fire time dealt with (fired or skipped): the recovery watermark.
    last_fire_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    @property
    def topic_codes(self) -> tuple[str, ...]:
        return tuple(code for code in self.topics.split(",") if code)


class Occurrence(Base):
    """One firing of a schedule; (schedule, fire time) is its idempotency key."""

    __tablename__ = "occurrences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    fire_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[OccurrenceStatus] = mapped_column(StatusType(OccurrenceStatus), default=OccurrenceStatus.RUNNING)
    reason: Mapped[str] = mapped_column(String(64), default="")
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueue_ms: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    reported: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when its delivery rows were deleted, the counts above kept (ANKANG_DELIVERY_RETENTION_DAYS).
    compacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    __table_args__ = (UniqueConstraint("schedule_id", "fire_at", name="uq_occurrences_schedule_fire"),)


class Delivery(Base):
    """One recipient of one occurrence: the durable send queue, claimed under a lease."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[DeliveryStatus] = mapped_column(StatusType(DeliveryStatus), default=DeliveryStatus.PENDING)
    # Messages of this delivery already sent and recorded (a lesson is two: text, then quiz).
    step: Mapped[int] = mapped_column(Integer, default=0)
    lesson_id: Mapped[str | None] = mapped_column(String(64), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    error: Mapped[str | None] = mapped_column(String(200), default=None)

    __table_args__ = (
        UniqueConstraint("occurrence_id", "chat_id", name="uq_deliveries_occurrence_chat"),
        Index("ix_deliveries_status", "status", "id"),
    )


class LessonProgress(Base):
    """A lesson a worker has received (so /next and series pushes pick an unseen one)."""

    __tablename__ = "lesson_progress"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.chat_id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    lesson_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The rollups count the workers who took a lesson in a period (org.rollups).
    __table_args__ = (Index("ix_lesson_progress_delivered_at_chat_id", "delivered_at", "chat_id"),)


class QuizPoll(Base):
    """A quiz poll we sent: Telegram's poll id → the lesson and the worker it was sent to."""

    __tablename__ = "quiz_polls"

    poll_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    lesson_id: Mapped[str] = mapped_column(String(64))
    correct_option: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizAnswer(Base):
    """A worker's answer to one quiz poll, and the 安康杯 points it earned."""

    __tablename__ = "quiz_answers"

    poll_id: Mapped[str] = mapped_column(ForeignKey("quiz_polls.poll_id", ondelete="CASCADE"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    option: Mapped[int] = mapped_column(Integer)
    correct: Mapped[bool] = mapped_column(Boolean)
    points: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The rollups count answers, right ones and who answered in a period (org.rollups), from the index alone.
    __table_args__ = (Index("ix_quiz_answers_answered_at_chat_id_correct", "answered_at", "chat_id", "correct"),)
