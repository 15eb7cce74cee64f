"""Tables of the campaigns area: a campaign, its rules by day, the attempts and their questions."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, StrEnumType, UTCDateTime, utcnow


class CampaignStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return CAMPAIGN_STATUS_LABELS[self]


CAMPAIGN_STATUS_LABELS: dict[CampaignStatus, str] = {
    CampaignStatus.ACTIVE: "有效",
    CampaignStatus.CANCELLED: "已取消",
}


class AttemptStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"

    @property
    def label(self) -> str:
        return ATTEMPT_STATUS_LABELS[self]


ATTEMPT_STATUS_LABELS: dict[AttemptStatus, str] = {
    AttemptStatus.RUNNING: "答题中",
    AttemptStatus.FINISHED: "已交卷",
}


class QuestionStatus(StrEnum):
    """pending → asked → answered | timed_out; skipped when the question left the bank meanwhile."""

    PENDING = "pending"
    ASKED = "asked"
    ANSWERED = "answered"
    TIMED_OUT = "timed_out"
    SKIPPED = "skipped"

    @property
    def label(self) -> str:
        return QUESTION_STATUS_LABELS[self]


QUESTION_STATUS_LABELS: dict[QuestionStatus, str] = {
    QuestionStatus.PENDING: "未出题",
    QuestionStatus.ASKED: "作答中",
    QuestionStatus.ANSWERED: "已作答",
    QuestionStatus.TIMED_OUT: "超时",
    QuestionStatus.SKIPPED: "已下架",
}


class Campaign(Base):
    """A contest: when, for whom (topics of the subscribers, optionally a unit and everything below it)."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    template: Mapped[str] = mapped_column(String(32), default="")  # the bundled template it came from
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date)  # local days in settings.timezone, both included
    ends_on: Mapped[date] = mapped_column(Date)
    # Whom: comma-separated topic codes of the subscribers invited (empty: every subscriber) …
    topics: Mapped[str] = mapped_column(String(512), default="")
    # … and optionally the organisation unit whose subtree is invited (org.service.subtree_ids).
    unit_id: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[CampaignStatus] = mapped_column(StrEnumType(CampaignStatus, 16), default=CampaignStatus.ACTIVE)
    # The invitation as written, placeholders and all (``service.PLACEHOLDERS``): rendered from the rules when
    # it is queued, and again when the rules change before it went out.
    invitation: Mapped[str] = mapped_column(Text, default="")
    # The broadcast schedule that carries the invitation (broadcasts' delivery engine).
    invitation_schedule_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def topic_codes(self) -> tuple[str, ...]:
        return tuple(code for code in self.topics.split(",") if code)


class CampaignRules(Base):
    """The rules from ``effective_from`` on: an edit while the campaign runs starts the next day."""

    __tablename__ = "campaign_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    effective_from: Mapped[date] = mapped_column(Date)
    attempts_per_day: Mapped[int] = mapped_column(Integer)
    questions_per_attempt: Mapped[int] = mapped_column(Integer)
    seconds_per_question: Mapped[int] = mapped_column(Integer)
    # Selection: bank topics to draw from (empty: all), a bank audience (empty: any), balanced by difficulty.
    tags: Mapped[str] = mapped_column(String(512), default="")
    audience: Mapped[str] = mapped_column(String(32), default="")
    balanced: Mapped[bool] = mapped_column(Boolean, default=True)
    # Points: each right answer, finishing an attempt (taking part counts), all answers right.
    points_correct: Mapped[int] = mapped_column(Integer, default=10)
    points_finish: Mapped[int] = mapped_column(Integer, default=2)
    points_perfect: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("campaign_id", "effective_from", name="uq_campaign_rules_day"),)

    @property
    def tag_codes(self) -> tuple[str, ...]:
        return tuple(code for code in self.tags.split(",") if code)


class Attempt(Base):
    """One run of questions. A counted attempt takes a numbered ``slot`` of its local day: the unique key
    (campaign, chat, day, slot) is what keeps the daily cap when two devices start at once. Practice
    attempts have no slot and count for nothing."""

    __tablename__ = "campaign_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date] = mapped_column(Date)
    slot: Mapped[int | None] = mapped_column(Integer, default=None)
    practice: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[AttemptStatus] = mapped_column(StrEnumType(AttemptStatus, 16), default=AttemptStatus.RUNNING)
    position: Mapped[int] = mapped_column(Integer, default=0)  # the question being asked (0-based)
    # The rules as they were at the start: an edit meanwhile does not change a running attempt.
    question_count: Mapped[int] = mapped_column(Integer, default=0)
    seconds_per_question: Mapped[int] = mapped_column(Integer, default=30)
    points_correct: Mapped[int] = mapped_column(Integer, default=10)
    points_finish: Mapped[int] = mapped_column(Integer, default=0)
    points_perfect: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    __table_args__ = (
        UniqueConstraint("campaign_id", "chat_id", "day", "slot", name="uq_campaign_attempts_slot"),
        Index("ix_campaign_attempts_chat", "chat_id", "status"),
        # One running attempt per worker (counted or practice, any campaign): two devices starting at once
        # both insert, and this partial unique index refuses the second (SQLite and PostgreSQL alike; the
        # PostgreSQL option in ``info``, see core.db.POSTGRESQL_INDEX_OPTIONS).
        Index("uq_campaign_attempts_running", "chat_id", unique=True,
              sqlite_where=text("status = 'running'"), info={"postgresql_where": text("status = 'running'")}),
    )


class AttemptQuestion(Base):
    """A question of an attempt; its answer is recorded once, by a conditional UPDATE on ``status``."""

    __tablename__ = "campaign_attempt_questions"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("campaign_attempts.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    question_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # the bank's type: single, multiple, truefalse
    answer: Mapped[str] = mapped_column(String(32))  # the correct option indices, "0,2"
    status: Mapped[QuestionStatus] = mapped_column(StrEnumType(QuestionStatus, 16), default=QuestionStatus.PENDING)
    poll_id: Mapped[str | None] = mapped_column(String(64), default=None, unique=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    chosen: Mapped[str | None] = mapped_column(String(32), default=None)
    correct: Mapped[bool | None] = mapped_column(Boolean, default=None)
    points: Mapped[int] = mapped_column(Integer, default=0)


class CampaignStanding(Base):
    """The final rankings of a campaign, written once when first asked for after its last day: later
    changes (a worker moving unit, withdrawing consent to their name) leave the results as they were."""

    __tablename__ = "campaign_standings"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    persons: Mapped[str] = mapped_column(Text)  # JSON: the person ranking's rows
    units: Mapped[str] = mapped_column(Text)  # JSON: the unit ranking's rows
