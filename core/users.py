"""Workers the bot talks to: record on first contact, mark blocked and back again."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import User, utcnow


async def record_user(session: AsyncSession, chat_id: int, language: str | None = None) -> tuple[User, bool]:
    """Return the worker for ``chat_id``, creating them on first contact; the flag says if new."""
    user = await session.get(User, chat_id)
    if user is not None:
        if user.blocked_at is not None:
            user.blocked_at = None  # writing to us again means they are back
        return user, False
    # Only the day of first contact: an exact time could be matched against a tip's time.
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    user = User(chat_id=chat_id, language=_language(language), first_seen_at=today)
    session.add(user)
    await session.flush()
    return user, True


def _language(code: str | None) -> str:
    # Chinese first; other codes are kept so the structure is ready for more languages.
    if not code or code.lower().startswith("zh"):
        return "zh-hans"
    return code.lower()[:16]


async def mark_blocked(session: AsyncSession, chat_id: int, when: datetime | None = None) -> None:
    """Mark the worker inactive (they blocked the bot or the chat is gone)."""
    await session.execute(
        update(User).where(User.chat_id == chat_id, User.blocked_at.is_(None)).values(blocked_at=when or utcnow())
    )


async def mark_active(session: AsyncSession, chat_id: int) -> None:
    await session.execute(update(User).where(User.chat_id == chat_id).values(blocked_at=None))


async def count_users(session: AsyncSession) -> int:
    from sqlalchemy import func

    return (await session.execute(select(func.count()).select_from(User))).scalar_one()
