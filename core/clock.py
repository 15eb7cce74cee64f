"""Time as a service, so tests and benchmarks can drive schedules and pacing without sleeping."""
from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Protocol, TypeVar

T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock the tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self._now += timedelta(**delta)


class Timer(Protocol):
    """Monotonic seconds and sleeping on them: what pacing needs, virtual in tests."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemTimer:
    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0))


class VirtualTimer:
    """Time that moves only when every task is waiting on it, so pacing tests run in no real time.

    ``sleep`` registers a wake-up; ``run(coro)`` drives the loop: whenever the other tasks have
    settled (a few event-loop turns without progress), time jumps to the earliest wake-up.
    """

    SETTLE_TURNS = 20

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._seq), future))
        await future

    async def run(self, awaitable: Awaitable[T]) -> T:
        """Await ``awaitable`` while moving time forward whenever nothing else can run."""
        task = asyncio.ensure_future(awaitable)
        while not task.done():
            for _ in range(self.SETTLE_TURNS):
                await asyncio.sleep(0)
                if task.done():
                    break
            else:
                if not self._wake_earliest():
                    task.cancel()
                    raise RuntimeError("nothing left to wake: the awaited work waits on something else")
        return task.result()

    def _wake_earliest(self) -> bool:
        while self._sleepers:
            when, _, future = heapq.heappop(self._sleepers)
            if future.done():  # its sleeper was cancelled
                continue
            self.now = max(self.now, when)
            future.set_result(None)
            return True
        return False
