"""Which topics a worker follows (or 全部), kept in step with ``User.subscribed``."""
from __future__ import annotations

from sqlalchemy import Select, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.models import ALL_TOPICS, Schedule, Subscription
from core.models import User
from core.topics import BY_CODE, UnknownTopic
from core.users import record_user
from org.scope import members_of_subtree


def check_topic(code: str) -> str:
    """Return ``code`` if it is a topic or ``all``; raise ``UnknownTopic`` otherwise."""
    if code != ALL_TOPICS and code not in BY_CODE:
        raise UnknownTopic(code)
    return code


async def topics_of(session: AsyncSession, chat_id: int) -> frozenset[str]:
    rows = await session.execute(select(Subscription.topic).where(Subscription.chat_id == chat_id))
    return frozenset(rows.scalars())


async def set_topics(session: AsyncSession, chat_id: int, topics: set[str] | frozenset[str]) -> frozenset[str]:
    """Make ``topics`` exactly the worker's subscriptions (``all`` alone stands for everything)."""
    wanted = {check_topic(code) for code in topics}
    if ALL_TOPICS in wanted:
        wanted = {ALL_TOPICS}
    await record_user(session, chat_id)
    current = await topics_of(session, chat_id)
    if current - wanted:
        await session.execute(
            delete(Subscription).where(Subscription.chat_id == chat_id, Subscription.topic.in_(current - wanted))
        )
    for code in sorted(wanted - current):
        session.add(Subscription(chat_id=chat_id, topic=code))
    await session.execute(update(User).where(User.chat_id == chat_id).values(subscribed=bool(wanted)))
    await session.flush()
    return frozenset(wanted)


async def toggle_topic(session: AsyncSession, chat_id: int, code: str) -> frozenset[str]:
    """Flip one topic (or 全部) in the worker's subscriptions and return the new set."""
    check_topic(code)
    current = set(await topics_of(session, chat_id))
    if code in current:
        current.discard(code)
    elif code == ALL_TOPICS:
        current = {ALL_TOPICS}
    else:
        current.discard(ALL_TOPICS)  # picking one topic narrows 全部 down to that topic
        current.add(code)
    return await set_topics(session, chat_id, current)


async def unsubscribe(session: AsyncSession, chat_id: int) -> bool:
    """Drop every subscription; return whether there were any."""
    had = bool(await topics_of(session, chat_id))
    await set_topics(session, chat_id, set())
    return had


def audience_query(schedule: Schedule) -> Select[int]:
    """Active workers subscribed to the schedule's topics (or to anything, for an all-subscribers push) and,
    for a schedule scoped to a unit, who joined that unit or one below it."""
    subscribed = select(Subscription.chat_id).where(Subscription.chat_id == User.chat_id)
    codes = schedule.topic_codes
    if codes:
        subscribed = subscribed.where(Subscription.topic.in_((*codes, ALL_TOPICS)))
    query = select(User.chat_id).where(User.blocked_at.is_(None), exists(subscribed))
    if schedule.unit_id is not None:
        query = query.where(User.chat_id.in_(members_of_subtree(schedule.unit_id)))
    return query
