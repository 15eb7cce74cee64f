"""Per-process state of the tips area (in-memory rate limits), reached through ``services.tips``."""
from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from tips.alerts import AlertThrottle
from tips.ratelimit import TipLimits
from tips.receipts import PRODUCTION_COST, ReceiptCost

PHOTOS_AT_ONCE = 2  # one per core of a small server: more would only add memory, not speed


class TipsRuntime:
    """What the tips area keeps in memory for the life of the process; nothing here is persisted.

    ``receipt_cost`` is what hashing and refusing receipt codes costs: production's unless a test
    hands in a cheaper one. Bot and web pass it to ``submit_tip`` and ``find_by_receipt``.
    """

    def __init__(self, receipt_cost: ReceiptCost = PRODUCTION_COST, *, alerts: AlertThrottle | None = None,
                 photo_slots: int = PHOTOS_AT_ONCE) -> None:
        self.limits = TipLimits()
        self.receipt_cost = receipt_cost
        self.alerts = alerts or AlertThrottle()
        # Photos downloaded and re-encoded at once, bot and web together: each can take tens of MB.
        self.photo_slots = asyncio.Semaphore(photo_slots)
        self._tasks: set[asyncio.Task[object]] = set()
        self._jobs: asyncio.Task[None] | None = None

    def spawn(self, coro: Coroutine[Any, Any, object]) -> asyncio.Task[object]:
        """Run ``coro`` in the background, keeping a reference until it finishes."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def start_jobs(self, loop: Coroutine[Any, Any, None]) -> None:
        """Run the scheduled jobs' loop (``tips.jobs.run_forever``) until ``stop_jobs``."""
        self._jobs = asyncio.get_running_loop().create_task(loop, name="tips-jobs")

    async def stop_jobs(self) -> None:
        if self._jobs is not None:
            self._jobs.cancel()
            await asyncio.gather(self._jobs, return_exceptions=True)
            self._jobs = None

    async def drain(self) -> None:
        """Wait for background work (tests and shutdown); a pending urgent summary goes out now."""
        self.alerts.flush()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
