"""Lesson progress, quiz answers and the 安康杯 leaderboard (names only with the worker's consent)."""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.library import Lesson, Library
from broadcasts.models import ALL_TOPICS, LessonProgress, QuizAnswer, QuizPoll
from broadcasts.subscriptions import topics_of
from core.cleantext import without_unstorable
from core.models import User

POINTS_CORRECT = 10
POINTS_TRIED = 2  # taking part counts too
DISPLAY_NAME_MAX_CHARS = 32
PSEUDONYMS_KEPT = 20_000  # anonymous_name's cache: about 5 MB when full


@dataclass(frozen=True, slots=True)
class AnswerResult:
    lesson_id: str
    correct: bool
    points: int


@dataclass(frozen=True, slots=True)
class RankRow:
    place: int
    name: str
    points: int
    is_me: bool


@dataclass(frozen=True, slots=True)
class Leaderboard:
    top: list[RankRow]
    me: RankRow | None  # the worker's own row (None when they have no points yet)
    named: bool  # whether the worker's name is shown


async def seen_lessons(session: AsyncSession, chat_id: int) -> set[str]:
    rows = await session.execute(select(LessonProgress.lesson_id).where(LessonProgress.chat_id == chat_id))
    return set(rows.scalars())


async def mark_seen(session: AsyncSession, chat_id: int, lesson_id: str) -> None:
    if await session.get(LessonProgress, (chat_id, lesson_id)) is None:
        session.add(LessonProgress(chat_id=chat_id, lesson_id=lesson_id))
        await session.flush()


async def next_lesson(
    session: AsyncSession, library: Library, chat_id: int, series: str | None = None
) -> Lesson | None:
    """The next lesson the worker has not received: within ``series`` if given, else preferring their topics."""
    seen = await seen_lessons(session, chat_id)
    if series is not None:
        return next((lesson for lesson in library.series(series) if lesson.id not in seen), None)
    unseen = [lesson for lesson in library.lessons if lesson.id not in seen]
    topics = await topics_of(session, chat_id)
    if topics and ALL_TOPICS not in topics:
        for lesson in unseen:
            if topics & set(lesson.topics):
                return lesson
    return unseen[0] if unseen else None


async def record_poll(session: AsyncSession, poll_id: str, chat_id: int, lesson: Lesson) -> None:
    session.add(QuizPoll(poll_id=poll_id, chat_id=chat_id, lesson_id=lesson.id, correct_option=lesson.quiz.answer))
    await session.flush()


async def record_answer(
    session: AsyncSession, poll_id: str, chat_id: int, option_ids: list[int]
) -> AnswerResult | None:
    """Score a poll answer; None for polls we did not send, retracted votes or a second answer."""
    poll = await session.get(QuizPoll, poll_id)
    if poll is None or not option_ids or poll.chat_id != chat_id:
        return None
    if await session.get(QuizAnswer, poll_id) is not None:
        return None
    correct = option_ids[0] == poll.correct_option
    points = POINTS_CORRECT if correct else POINTS_TRIED
    try:
        async with session.begin_nested():
            session.add(
                QuizAnswer(poll_id=poll_id, chat_id=chat_id, option=option_ids[0], correct=correct, points=points)
            )
    except IntegrityError:  # the same answer delivered twice concurrently
        return None
    return AnswerResult(poll.lesson_id, correct, points)


async def score(session: AsyncSession, chat_id: int) -> tuple[int, int, int]:
    """Return (points, answered, correct) for the worker."""
    row = (await session.execute(
        select(func.coalesce(func.sum(QuizAnswer.points), 0), func.count(),
               func.coalesce(func.sum(case((QuizAnswer.correct, 1), else_=0)), 0))
        .where(QuizAnswer.chat_id == chat_id)
    )).one()
    return int(row[0]), int(row[1]), int(row[2])


@functools.lru_cache(maxsize=PSEUDONYMS_KEPT)
def anonymous_name(chat_id: int) -> str:
    """A stable pseudonym that does not reveal the chat id, e.g. 工友#1234. Kept once made: a campaign's
    leaderboard names thousands of workers on every showing (a hash each would be most of its time)."""
    digest = int(hashlib.sha256(f"ankang:{chat_id}".encode()).hexdigest(), 16)
    return f"工友#{digest % 10000:04d}"


async def set_name_consent(session: AsyncSession, chat_id: int, name: str | None) -> None:
    """Show ``name`` on the leaderboard (the worker agreed), or hide it again with None."""
    name = without_unstorable(name).strip() if name else None  # a Telegram name may hold NUL
    value = name[:DISPLAY_NAME_MAX_CHARS] if name else None
    await session.execute(update(User).where(User.chat_id == chat_id).values(display_name=value))


async def leaderboard(session: AsyncSession, chat_id: int, limit: int = 10) -> Leaderboard:
    totals = (
        select(QuizAnswer.chat_id.label("chat_id"), func.sum(QuizAnswer.points).label("points"))
        .group_by(QuizAnswer.chat_id).subquery()
    )
    stmt = (
        select(totals.c.chat_id, totals.c.points, User.display_name)
        .join(User, User.chat_id == totals.c.chat_id, isouter=True)
        .order_by(totals.c.points.desc(), totals.c.chat_id)
        .limit(limit)
    )
    top = [
        RankRow(place, name or anonymous_name(cid), int(points), cid == chat_id)
        for place, (cid, points, name) in enumerate((await session.execute(stmt)).all(), start=1)
    ]
    user = await session.get(User, chat_id)
    named = bool(user and user.display_name)
    mine = next((row for row in top if row.is_me), None)
    if mine is None:
        my_points = (await session.execute(
            select(totals.c.points).where(totals.c.chat_id == chat_id))).scalar_one_or_none()
        if my_points is not None:
            ahead = (await session.execute(
                select(func.count()).select_from(totals).where(totals.c.points > my_points))).scalar_one()
            name = user.display_name if user and user.display_name else anonymous_name(chat_id)
            mine = RankRow(int(ahead) + 1, name, int(my_points), True)
    return Leaderboard(top, mine, named)
