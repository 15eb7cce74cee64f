"""Turns: ``n`` of them, handed out in arrival order, urgent takers first.

A released turn is handed to the next waiter itself (never "woken to try"), so no newcomer takes it in between;
a waiter cancelled at the very moment it was handed one passes it on. Shared by the bot's update turns
(``bot.updates``: presses before poll answers) and SQLite's write gate (``core.db.WriteGate``: a start before
the answers' and the delivery engine's writes).
"""
from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable


class Turns:
    """``n`` turns. A waiter promoted to urgent stays in the other queue too; it is skipped there once done."""

    def __init__(self, n: int) -> None:
        self.free = n
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._later: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        """How many takers wait for a turn."""
        return len({id(w) for w in (*self._urgent, *self._later) if not w.done()})

    async def take(self, urgent: bool = False,
                   queued: Callable[[asyncio.Future[None]], None] | None = None) -> None:
        """Wait for a turn; ``queued`` is told the waiter when there is none free (to ``promote`` it later)."""
        if self.free > 0:
            self.free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._later).append(waiter)
        if queued is not None:
            queued(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a turn at the moment of cancellation: pass it on
            raise

    def promote(self, waiter: asyncio.Future[None]) -> None:
        """Move a waiting taker up to the urgent queue."""
        if not waiter.done():
            self._urgent.append(waiter)

    def release(self) -> None:
        for queue in (self._urgent, self._later):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self.free += 1
