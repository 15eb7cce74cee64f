"""Writes that must not stand between a worker and their answer: statistics, unanswered questions,
feedback. The reply is sent first; the write is tried after it, and when the database is down it
waits in a bounded in-memory queue that is flushed, in order, as soon as the database answers.

Writes that arrive together share one transaction (a group commit): a handler still returns only
once its write is committed (or queued), but fifty workers' statistics cost one commit, not fifty —
on SQLite every commit is a synchronous disk write, and one at a time (issue 14, point 7: at 50
questions/s the handlers' one-by-one commits had become the bot's limit).

The queue is bounded (``WRITE_BEHIND_MAX``): when full, the oldest waiting write is dropped and
counted (``dropped``), with one warning per outage. What waits here is lost if the process dies
during the outage — counts and feedback, never a tip (tips are committed before the receipt).
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import SessionMaker
from core.supervision import Loops, is_database_fault

log = logging.getLogger(__name__)

WRITE_BEHIND_MAX = 10_000
LOOP = "write-behind"

Write = Callable[[AsyncSession], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Pending:
    what: str  # a short label for the logs ("question stat"), never the content
    write: Write


def _settle(done: asyncio.Future[bool], outcome: bool | BaseException) -> None:
    """Tell a waiting caller how its write went: True written, False to be queued (the database is away),
    or the write's own error. A caller cancelled meanwhile is no longer told."""
    if done.done():
        return
    if isinstance(outcome, BaseException):
        done.set_exception(outcome)
    else:
        done.set_result(outcome)


class WriteBehind:
    """A bounded queue of small writes, each run in its own transaction; ``start()`` its flusher."""

    def __init__(self, sessions: SessionMaker, loops: Loops, *, max_pending: int = WRITE_BEHIND_MAX) -> None:
        self.sessions = sessions
        self.loops = loops
        self.max_pending = max_pending
        self._pending: deque[Pending] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0  # writes lost because the queue was full
        self.written_late = 0  # writes that waited for the database and were flushed
        self._warned_full = False
        # The group commit: writes waiting for the transaction under way, with the futures their callers await.
        self._batch: list[tuple[Pending, asyncio.Future[bool]]] = []
        self._committer: asyncio.Task[None] | None = None
        self.commits = 0  # transactions the group commit ran (writes / commits = how many each carried)
        loops.register(LOOP)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self.loops.run_forever(LOOP, self._flush_forever), name=LOOP)

    async def stop(self) -> None:
        """Flush what can be flushed quickly, then stop the flusher (what is left is counted as dropped)."""
        if self._committer is not None:  # its callers are waiting for it: let it finish
            await asyncio.gather(self._committer, return_exceptions=True)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._pending:
            try:
                await self._flush_once()
            except Exception as exc:
                log.warning("%d pending write(s) lost at shutdown: the database is unavailable (%s)",
                            len(self._pending), type(exc).__name__)
                self.dropped += len(self._pending)
                self._pending.clear()
        self.loops.forget(LOOP)

    async def write(self, what: str, write: Write) -> bool:
        """Write now if the database answers, else queue it; True when written now.

        Never raises for a database fault: the caller has already answered the worker.
        """
        item = Pending(what, write)
        if self._pending:  # the database is away: keep the order, behind what already waits
            self._enqueue(item)
            return False
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._batch.append((item, done))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.get_running_loop().create_task(self._commit_batches(), name="write-batch")
        if await done:
            return True
        # The database is away: queued by its caller, so that writes that follow at once (without
        # waiting) keep their order behind it.
        self._enqueue(item)
        return False

    async def _commit_batches(self) -> None:
        """Commit what waits, in one transaction; then what arrived meanwhile; until nothing waits."""
        while self._batch:
            batch, self._batch = self._batch, []
            try:
                async with self.sessions() as session, session.begin():
                    for item, _ in batch:
                        await item.write(session)
                self.commits += 1
            except Exception as exc:
                if is_database_fault(exc):
                    self.loops.failed(LOOP, exc)
                    for _, done in batch:
                        _settle(done, False)
                    continue
                await self._commit_one_by_one(batch)  # find the write that failed; the others are kept
                continue
            self.loops.ok(LOOP)
            for _, done in batch:
                _settle(done, True)

    async def _commit_one_by_one(self, batch: list[tuple[Pending, asyncio.Future[bool]]]) -> None:
        """A batch failed for a reason other than the database: each write alone, its own error to its caller."""
        for item, done in batch:
            if self._pending:
                _settle(done, False)
                continue
            try:
                async with self.sessions() as session, session.begin():
                    await item.write(session)
                self.commits += 1
            except Exception as exc:
                if is_database_fault(exc):
                    self.loops.failed(LOOP, exc)
                    _settle(done, False)
                else:
                    _settle(done, exc)
                continue
            _settle(done, True)

    def _enqueue(self, item: Pending) -> None:
        if len(self._pending) >= self.max_pending:
            self._pending.popleft()  # if it is in a transaction now and that commits, it is uncounted again
            self.dropped += 1
            if not self._warned_full:
                self._warned_full = True
                log.warning("write-behind queue full (%d): dropping the oldest waiting writes", self.max_pending)
        self._pending.append(item)
        self._wake.set()

    async def _flush_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.loops.retry(LOOP, self._flush_once)
            if self.dropped and self._warned_full:
                log.warning("write-behind flushed; %d write(s) were dropped while the database was away", self.dropped)
                self._warned_full = False

    async def _flush_once(self) -> None:
        """Write the queue in order, one transaction each; a database fault leaves the rest queued."""
        while self._pending:
            item = self._pending[0]
            try:
                async with self.sessions() as session, session.begin():
                    await item.write(session)
                self.written_late += 1
                if not (self._pending and self._pending[0] is item):
                    self.dropped -= 1  # dropped as the queue filled while it was being written: written after all
            except Exception as exc:
                if is_database_fault(exc):
                    raise
                log.error("a pending %s could not be written and was discarded (%s)", item.what, type(exc).__name__)
            if self._pending and self._pending[0] is item:
                self._pending.popleft()
        self.loops.ok(LOOP)
