"""Tables of the learning loop: unanswered questions, 👍/👎 feedback, FAQ entries from the console and
their revisions, and the questions handed to a person (问工会).

By design none of them stores who asked — question text only, no user or chat id — except a handoff
while it is open: its answer must reach the worker, so ``Handoff.chat_id`` is kept until the handoff
is closed and then set to NULL (the text stays). See ``knowledge.handoff``.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import db
from core.models import Base, StrEnumType, UTCDateTime, utcnow
from knowledge.faq import FaqEntry, faq_entry_from_dict
from knowledge.text import compact

MAX_QUESTION_CHARS = 500


class UnansweredQuestion(Base):
    __tablename__ = "kb_unanswered"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    normalised: Mapped[str] = mapped_column(String(MAX_QUESTION_CHARS), unique=True)
    sample: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Feedback(Base):
    __tablename__ = "kb_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    faq_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    question: Mapped[str | None] = mapped_column(Text, default=None)
    helpful: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuestionStat(Base):
    """How many questions of each kind were asked per day, and on which topic: counts only."""

    __tablename__ = "kb_question_stats"
    __table_args__ = (UniqueConstraint("day", "intent", "topic", name="uq_kb_question_stats_day_intent_topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    intent: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(32), default="")
    count: Mapped[int] = mapped_column(Integer, default=0)


class FaqStatus(StrEnum):
    """Where an entry written (or overridden) in the console stands; only a published one answers."""

    PUBLISHED = "published"
    PENDING = "pending"  # a draft waiting for a second admin (ANKANG_FAQ_REVIEW=two-person)
    DISABLED = "disabled"  # retired for now; enable it again any time
    DELETED = "deleted"  # in the recycle bin: hidden from lists, restorable

    @property
    def label(self) -> str:
        return FAQ_STATUS_LABELS[self]


FAQ_STATUS_LABELS = {
    FaqStatus.PUBLISHED: "已发布",
    FaqStatus.PENDING: "待审核",
    FaqStatus.DISABLED: "已停用",
    FaqStatus.DELETED: "已删除",
}


class FaqEntryRecord(Base):
    """An FAQ entry written by an admin in the web console, merged into the KB at start-up."""

    __tablename__ = "kb_faq_entries"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    q: Mapped[str] = mapped_column(Text)
    alt: Mapped[list[str]] = mapped_column(JSON, default=list)
    a: Mapped[str] = mapped_column(Text)
    cite: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # Citation.to_dict()
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # Only a published entry answers; the others are kept (see FaqStatus).
    status: Mapped[FaqStatus] = mapped_column(StrEnumType(FaqStatus, 16), default=FaqStatus.PUBLISHED)
    # Set when this record overrides a bundled entry (same id): the bundled entry's fingerprint when
    # it was edited here, to notice when an upgrade changes the bundled text underneath.
    bundled_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    updated_by: Mapped[int | None] = mapped_column(BigInteger, default=None)

    @property
    def disabled(self) -> bool:
        return self.status is not FaqStatus.PUBLISHED

    def to_entry(self) -> FaqEntry:
        return faq_entry_from_dict(
            {"id": self.id, "q": self.q, "alt": self.alt, "a": self.a, "cite": self.cite, "tags": self.tags}, "db"
        )


async def record_unanswered(session: AsyncSession, text: str, *, now: datetime | None = None) -> UnansweredQuestion:
    """Count one more asking of a question the KB could not answer (grouped by normalised text)."""
    now = now or utcnow()
    key = (compact(text) or text.strip())[:MAX_QUESTION_CHARS]
    row = (await session.execute(
        select(UnansweredQuestion).where(UnansweredQuestion.normalised == key)
    )).scalar_one_or_none()
    if row is None:
        row = UnansweredQuestion(normalised=key, sample=text.strip()[:MAX_QUESTION_CHARS], count=1,
                                 first_asked_at=now, last_asked_at=now)
        session.add(row)
    else:
        row.count += 1
        row.last_asked_at = now
    await session.flush()
    return row


async def record_feedback(
    session: AsyncSession, faq_id: str | None, helpful: bool, question: str | None = None, *,
    now: datetime | None = None,
) -> Feedback:
    row = Feedback(faq_id=faq_id, helpful=helpful, question=(question or None) and question[:MAX_QUESTION_CHARS],
                   at=now or utcnow())
    session.add(row)
    await session.flush()
    return row


async def list_unanswered(session: AsyncSession, limit: int = 50) -> list[UnansweredQuestion]:
    """Most frequently asked unanswered questions first (then most recent)."""
    stmt = (
        select(UnansweredQuestion)
        .order_by(UnansweredQuestion.count.desc(), UnansweredQuestion.last_asked_at.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def feedback_summary(session: AsyncSession) -> dict[str | None, tuple[int, int]]:
    """faq_id → (helpful, not helpful) counts."""
    stmt = select(Feedback.faq_id, Feedback.helpful, func.count()).group_by(Feedback.faq_id, Feedback.helpful)
    out: dict[str | None, list[int]] = {}
    for faq_id, helpful, n in (await session.execute(stmt)).all():
        out.setdefault(faq_id, [0, 0])[0 if helpful else 1] += n
    return {k: (v[0], v[1]) for k, v in out.items()}


async def load_db_faq(session: AsyncSession, *, include_disabled: bool = False) -> list[FaqEntry]:
    """The entries written in the console, oldest first; the disabled ones only when asked for."""
    stmt = select(FaqEntryRecord).order_by(FaqEntryRecord.created_at)
    if not include_disabled:
        stmt = stmt.where(FaqEntryRecord.status == FaqStatus.PUBLISHED)
    return [row.to_entry() for row in (await session.execute(stmt)).scalars()]


async def record_question(session: AsyncSession, day: date, intent: str, topic: str = "") -> None:
    """Count one question (its kind and topic) for ``day``; no text, no asker."""
    values = {"day": day, "intent": intent[:16], "topic": topic[:32], "count": 1}
    stmt = db.upsert(session.get_bind().dialect.name)(QuestionStat).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["day", "intent", "topic"], set_={"count": QuestionStat.count + 1}
    )
    await session.execute(stmt)


async def question_stats(session: AsyncSession, since: date) -> list[QuestionStat]:
    """Daily counts from ``since`` on, for the dashboard."""
    stmt = select(QuestionStat).where(QuestionStat.day >= since).order_by(QuestionStat.day)
    return list((await session.execute(stmt)).scalars())


class FaqRevision(Base):
    """One change to an entry written in the console: who, when, what (the entry as it was made)."""

    __tablename__ = "kb_faq_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    faq_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(16))  # add, edit, disable, enable
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # q, alt, a, cite, tags after the change
    admin_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HandoffStatus(StrEnum):
    """Where a question handed to a person stands, as the worker and the staff see it."""

    RECEIVED = "received"  # waiting for a person
    ANSWERING = "answering"  # a staff member has taken it
    ANSWERED = "answered"  # the latest worker message has an answer
    CLOSED = "closed"  # over: the chat id is gone

    @property
    def label(self) -> str:
        return HANDOFF_STATUS_LABELS[self]

    @property
    def is_waiting(self) -> bool:
        """The worker's latest message has no answer yet."""
        return self in (HandoffStatus.RECEIVED, HandoffStatus.ANSWERING)

    @property
    def is_open(self) -> bool:
        return self is not HandoffStatus.CLOSED


HANDOFF_STATUS_LABELS = {
    HandoffStatus.RECEIVED: "已收到",
    HandoffStatus.ANSWERING: "回答中",
    HandoffStatus.ANSWERED: "已回答",
    HandoffStatus.CLOSED: "已结束",
}


class Handoff(Base):
    """A question a worker handed to the union's staff (问工会), with its thread of turns.

    Staff know the worker only as 职工 #id. ``chat_id`` is the one link to the worker and lives only
    while the handoff is open.
    """

    __tablename__ = "kb_handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(Text)  # the worker's first message, as confirmed
    chat_id: Mapped[int | None] = mapped_column(BigInteger, default=None, index=True)
    status: Mapped[HandoffStatus] = mapped_column(StrEnumType(HandoffStatus, 16), default=HandoffStatus.RECEIVED,
                                                  index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Since when the worker has been waiting for an answer (the latest unanswered worker turn).
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_reason: Mapped[str] = mapped_column(String(16), default="")
    claimed_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    helpful: Mapped[bool | None] = mapped_column(Boolean, default=None)
    faq_id: Mapped[str | None] = mapped_column(String(64), default=None)  # the entry it became

    turns: Mapped[list[HandoffTurn]] = relationship(
        back_populates="handoff", order_by="HandoffTurn.id", cascade="all, delete-orphan", lazy="raise"
    )


class HandoffTurn(Base):
    """One message of a handoff's thread: the worker's (``admin_id`` None) or a staff member's."""

    __tablename__ = "kb_handoff_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("kb_handoffs.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    admin_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    handoff: Mapped[Handoff] = relationship(back_populates="turns", lazy="raise")

    @property
    def from_worker(self) -> bool:
        return self.admin_id is None
