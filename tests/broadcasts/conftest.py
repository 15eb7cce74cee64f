"""Fixtures for 微课堂 tests: Ankang against the emulator with a clock the test moves, and helpers
that wait on database state (never on sleeps)."""
from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import pytest

from core.clock import FakeClock
from tests.conftest import QUICK_CHAT_PACE

T = TypeVar("T")

# Monday 2026-11-30 08:00 Asia/Shanghai.
START = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)


async def until(check: Callable[[], Awaitable[T]], timeout: float = 10.0, what: str = "condition") -> T:
    """Re-check an async condition (database state) until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def start_bot(make_settings, emulator, clock, shared_kb, library, bank):
    """Return an async context manager factory: ``async with start_bot(**settings) as handle``."""
    from ankang.runner import running

    def start(**overrides):
        values = {"telegram_api_url": emulator.url, "send_rate": 200.0}
        values.update(overrides)
        return running(make_settings(**values), clock=clock, poll_timeout_s=1, kb=shared_kb, library=library,
                       bank=bank, chat_pace=QUICK_CHAT_PACE)

    return start


@pytest.fixture
def start(make_settings, emulator, clock, shared_kb):
    """Ankang (bot and console) against the emulator with the test's clock and the session's knowledge base."""
    from ankang.runner import running

    def go(**overrides):
        values = {"telegram_api_url": emulator.url, "send_rate": 200.0, **overrides}
        return running(make_settings(**values), clock=clock, poll_timeout_s=1, kb=shared_kb, chat_pace=QUICK_CHAT_PACE)

    return go


@pytest.fixture
async def clocked_services(make_settings, emulator, clock):
    """Opened services on a fresh database, with the test's clock."""
    from ankang.services import open_services

    services = await open_services(make_settings(telegram_api_url=emulator.url, send_rate=25.0), clock=clock)
    try:
        yield services
    finally:
        await services.close()


@contextlib.asynccontextmanager
async def telegram_transport(emulator, services):
    """The bot layer's Transport over a real PTB Bot talking to the emulator, through ``services``'
    outgoing scheduler (its send rate) as in production."""
    from telegram.request import HTTPXRequest

    from bot.lessons import TelegramTransport, broadcast_bot
    from bot.retry import OutgoingLimiter
    from tests.conftest import TEST_TOKEN

    # Its own connection pool, as in production: broadcast requests run concurrently.
    bot = broadcast_bot(TEST_TOKEN, emulator.base_url, emulator.base_file_url,
                        OutgoingLimiter(services.outgoing),
                        HTTPXRequest(connection_pool_size=32, pool_timeout=30.0))
    await bot.initialize()
    try:
        yield TelegramTransport(bot)
    finally:
        await bot.shutdown()


@pytest.fixture
async def transport(emulator, clocked_services):
    """``telegram_transport`` through the clocked services' scheduler (25 messages/s)."""
    async with telegram_transport(emulator, clocked_services) as made:
        yield made


@pytest.fixture
async def make_engine(clocked_services, library, transport):
    """Build (not start) BroadcastEngines; several in one test simulate restarts. Aborted at the end."""
    from broadcasts.engine import BroadcastEngine

    engines = []

    def build(**kwargs):
        engine = BroadcastEngine(clocked_services, library, transport, **kwargs)
        engines.append(engine)
        return engine

    yield build
    for engine in engines:
        await engine.abort()


async def add_subscribers(services, emulator, count: int, topic: str = "all", name: str = "工友"):
    """Create ``count`` emulator users subscribed to ``topic``; return them."""
    from broadcasts.subscriptions import set_topics

    people = [emulator.user(f"{name}{i}") for i in range(count)]
    async with services.sessions() as session, session.begin():
        for person in people:
            await set_topics(session, person.id, {topic})
    return people
