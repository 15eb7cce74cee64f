"""Tables of 学时 and certificates: one credit row per (worker, source, thing) and the issued certificates."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, StrEnumType, UTCDateTime, utcnow

REF_MAX = 64
HOLDER_MAX = 64
TITLE_MAX = 100
CODE_MAX = 16


class StudySource(StrEnum):
    """What earned the minutes; with ``ref`` (the lesson id, the attempt id…) it names the thing learned."""

    LESSON = "lesson"  # a lesson read: 读完了 pressed
    QUIZ = "quiz"  # a lesson's quiz answered
    ATTEMPT = "attempt"  # a campaign's attempt finished

    @property
    def label(self) -> str:
        return STUDY_SOURCE_LABELS[self]


STUDY_SOURCE_LABELS: dict[StudySource, str] = {
    StudySource.LESSON: "阅读微课",
    StudySource.QUIZ: "课后测验",
    StudySource.ATTEMPT: "知识竞赛答题",
}


class StudyCredit(Base):
    """Minutes credited to a worker once for one thing learned: the unique key makes a double press count once."""

    __tablename__ = "study_credits"
    __table_args__ = (UniqueConstraint("chat_id", "source", "ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.chat_id", ondelete="CASCADE"), index=True)
    source: Mapped[StudySource] = mapped_column(StrEnumType(StudySource, 16))
    ref: Mapped[str] = mapped_column(String(REF_MAX))
    title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")  # what the worker learned, as shown
    minutes: Mapped[int] = mapped_column(Integer)
    credited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Certificate(Base):
    """A certificate as issued: whom (a person's display name or a unit's name), what, when, and its code.

    ``chat_id`` is kept only so the worker can download their own certificate in the bot; the public
    check shows the name, the title and the date, never who holds the chat.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        # One certificate per holder and reason: a milestone reached twice, or a campaign's award
        # issued again, gives back the same certificate.
        UniqueConstraint("chat_id", "reason_ref"),
        UniqueConstraint("unit_id", "reason_ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_MAX), unique=True)
    holder_name: Mapped[str] = mapped_column(String(HOLDER_MAX))
    # No foreign key: study's migrations branch off core only (see s001); units are retired, never deleted.
    unit_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    chat_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.chat_id", ondelete="SET NULL"), default=None, index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    reason_ref: Mapped[str | None] = mapped_column(String(REF_MAX), default=None)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the holder was told (a milestone's is offered at once; a campaign's award by the watch's sweep,
    # ``certificates.notify_issued``). None: still to tell; a unit's or a name-only one is never told.
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
