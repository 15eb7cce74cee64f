"""Fixtures for 微课堂 tests: Ankang against the emulator with a clock the test moves, and helpers
that wait on database state (never on sleeps)."""
from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from typing import Awaitable, Callable, TypeVar

import pytest

from core.clock import FakeClock

T = TypeVar("T")

# Monday 2026-11-30 08:00 Asia/Shanghai.
START = datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)


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
def start_bot(make_settings, emulator, clock):
    """Return an async context manager factory: ``async with start_bot(**settings) as handle``."""
    from bot.runner import running

    def start(**overrides):
        values = {"telegram_api_url": emulator.url, "send_rate": 200.0}
        values.update(overrides)
        return running(make_settings(**values), clock=clock, poll_timeout_s=1)

    return start
