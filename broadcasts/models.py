"""Tables of the 微课堂 area: subscriptions, schedules, their occurrences, the per-recipient delivery
queue, lesson progress and quiz answers (the 安康杯 points)."""
from __future__ import annotations

from datetime import datetime

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
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, UTCDateTime, utcnow

# The pseudo-topic of a worker who subscribed to everything (全部).
ALL_TOPICS = "all"


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
    # Whom: comma-separated topic codes; empty means every subscriber.
    topics: Mapped[str] = mapped_column(String(512), default="")
    # When: "once" (run_at), "weekly" (weekdays + at_time) or "cron" (cron expression).
    trigger: Mapped[str] = mapped_column(String(16))
    run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    weekdays: Mapped[str | None] = mapped_column(String(32), default=None)
    at_time: Mapped[str | None] = mapped_column(String(5), default=None)
    cron: Mapped[str | None] = mapped_column(String(128), default=None)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # "active", "paused", "cancelled" or "finished" (a one-off that has fired).
    status: Mapped[str] = mapped_column(String(16), default="active")
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
    # "running" (deliveries queued), "done", or "skipped" (missed beyond the grace period).
    status: Mapped[str] = mapped_column(String(16), default="running")
    reason: Mapped[str] = mapped_column(String(64), default="")
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueue_ms: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    reported: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("schedule_id", "fire_at", name="uq_occurrences_schedule_fire"),)


class Delivery(Base):
    """One recipient of one occurrence: the durable send queue, claimed under a lease."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # "pending" → "claimed" → "sent" | "blocked" | "failed" | "skipped" (nothing left to send).
    status: Mapped[str] = mapped_column(String(16), default="pending")
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
