"""Background loops that survive faults, and the health they report.

Every periodic or long-running task of a process (the broadcast sender, the schedule runner, the
write-behind queue, tip alerts, …) goes through one ``Loops`` registry, which is ``services.loops``:

* ``run_forever(name, body)`` restarts a task that raised, with exponential backoff;
* ``retry(name, op)`` repeats one database operation until it succeeds, with the same backoff
  (only for faults of the database: a bug is raised, not retried);
* ``guard(name, job)`` wraps a job a scheduler calls again anyway (the next call is the retry);
* ``every(name, interval_s, job)`` runs a periodic job (a purge, a digest, a sweep): after a
  failure it tries again after the backoff, not a whole interval later;
* ``ok(name)`` / ``failed(name, exc)`` record progress from inside a loop.

A failure is logged once when a loop starts failing and once when it has recovered (after
``RECOVERY_CONFIRM_S`` without a new failure: a server shutting down answers some calls and refuses
others for a moment, and that flapping is one outage), never on every retry, and only as exception
types: a database error's message quotes SQL and row values (chat ids, tip text). ``report()`` is
what /healthz shows: each loop's state, and unhealthy when one has been failing, or silent while it
promised to beat, for longer than ``STUCK_AFTER_S``.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.logging import redacted_traceback

log = logging.getLogger(__name__)

T = TypeVar("T")

STOP_GRACE_S = 5.0  # a periodic round under way when its loop is stopped may finish within this
STUCK_AFTER_S = 60.0  # failing (or silent) this long: /healthz answers 503
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 5.0  # a returning database is noticed within this
RECOVERY_CONFIRM_S = 2.0  # a failure within this of a recovery continues the same outage


class LoopStatus(StrEnum):
    OK = "ok"
    FAILING = "failing"
    STUCK = "stuck"  # failing, or silent, for longer than STUCK_AFTER_S
    STOPPED = "stopped"  # ended (a supervised task that returned or was cancelled)


@dataclass
class LoopState:
    name: str
    status: LoopStatus = LoopStatus.OK
    since: float = 0.0  # monotonic time the current status began
    last_ok: float = 0.0
    failures: int = 0  # in the current streak
    error: str = ""  # exception types of the last failure, never its message
    beat_within_s: float | None = None  # a loop that promises progress this often (None: no promise)
    outage_since: float = 0.0  # when the current outage (failures, flapping included) began
    recovered_at: float | None = None  # working again since, not yet confirmed (and logged) as recovered


def is_database_fault(exc: BaseException) -> bool:
    """True for a database that is down, unreachable, locked or read-only — worth retrying later.

    Integrity, data and programming errors are not faults of the database but of the request or
    the code: retrying them would loop for ever.
    """
    if isinstance(exc, IntegrityError | DataError | ProgrammingError):
        return False
    if isinstance(exc, DBAPIError | PoolTimeout | OSError | ConnectionError | TimeoutError):
        return True
    # asyncpg's own errors, raised where it is used directly (the leader election, core/cluster.py): a lost
    # or broken connection, a server that is shutting down, full or cancelling, or the driver's protocol left
    # mid-operation by a timed-out query. Named by class, so that SQLite-only installs need no asyncpg.
    return any(cls.__module__.startswith("asyncpg") and cls.__name__ in _ASYNCPG_FAULTS for cls in type(exc).__mro__)


_ASYNCPG_FAULTS = frozenset({"InterfaceError", "InternalClientError", "PostgresConnectionError",
                             "OperatorInterventionError", "InsufficientResourcesError"})


def describe(exc: BaseException) -> str:
    """The exception's type and its causes' types ("OperationalError ← ConnectionRefusedError")."""
    names: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(names) < 4:
        name = type(current).__name__
        if name not in names:
            names.append(name)
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__ or current.__context__
    return " ← ".join(names)


def backoff_s(failures: int) -> float:
    """Seconds to wait after the ``failures``-th failure in a row: 0.5, 1, 2, 4 … up to BACKOFF_MAX_S."""
    return float(min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** max(0, failures - 1)))


class Loops:
    """The process's background loops: their supervision and their health."""

    def __init__(self, *, stuck_after_s: float = STUCK_AFTER_S, backoff: Callable[[int], float] = backoff_s,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.stuck_after_s = stuck_after_s
        # Seconds to wait after the n-th failure in a row (``backoff_s``). Public, like ``stuck_after_s``: a
        # test of an outage that is not about production's pace shortens it instead of waiting it out.
        self.backoff = backoff
        self._now = monotonic
        self._states: dict[str, LoopState] = {}

    def register(self, name: str, *, beat_within_s: float | None = None) -> LoopState:
        """Declare a loop (so /healthz lists it before its first run); idempotent."""
        state = self._states.get(name)
        if state is None:
            now = self._now()
            state = self._states[name] = LoopState(name, since=now, last_ok=now)
        if beat_within_s is not None:
            state.beat_within_s = beat_within_s
        return state

    def state(self, name: str) -> LoopState:
        return self.register(name)

    def ok(self, name: str) -> None:
        """The loop made progress (a successful round, a database call that worked)."""
        state = self.register(name)
        now = self._now()
        if state.status == LoopStatus.FAILING:
            state.status, state.since, state.recovered_at = LoopStatus.OK, now, now
        elif state.status == LoopStatus.STOPPED:
            state.status, state.since = LoopStatus.OK, now
        elif state.recovered_at is not None and now - state.recovered_at >= RECOVERY_CONFIRM_S:
            log.warning("%s recovered after %d failed attempt(s) over %.0f s", name, state.failures,
                        state.recovered_at - state.outage_since)
            state.failures, state.error, state.recovered_at = 0, "", None
        state.last_ok = now

    def failed(self, name: str, exc: BaseException) -> LoopState:
        """Record a failure; log it only when it begins an outage (not on retries, not on flapping)."""
        state = self.register(name)
        now = self._now()
        state.failures += 1
        state.error = describe(exc)
        if state.status != LoopStatus.FAILING:
            if state.recovered_at is not None:  # flapping: the same outage goes on, since its start
                state.status, state.since, state.recovered_at = LoopStatus.FAILING, state.outage_since, None
                return state
            state.status, state.since, state.outage_since = LoopStatus.FAILING, now, now
            if is_database_fault(exc):
                log.warning("%s: the database failed (%s); retrying with backoff until it answers", name, state.error)
            else:
                log.error("%s failed; retrying with backoff\n%s", name, redacted_traceback(exc))
        return state

    def stopped(self, name: str) -> None:
        state = self.register(name)
        state.status, state.since = LoopStatus.STOPPED, self._now()

    async def pause(self, name: str) -> None:
        """Wait the backoff that the loop's current failure streak calls for."""
        await asyncio.sleep(self.backoff(self.state(name).failures))

    async def retry(self, name: str, op: Callable[[], Awaitable[T]]) -> T:
        """Run ``op`` until it succeeds, backing off while the database fails; other errors are raised.

        The backoff is this call's own (many workers of one loop may be retrying at once); the loop's
        state counts them all.
        """
        attempts = 0
        while True:
            try:
                result = await op()
            except Exception as exc:
                if not is_database_fault(exc):
                    raise
                self.failed(name, exc)
                attempts += 1
                await asyncio.sleep(self.backoff(attempts))
                continue
            self.ok(name)
            return result

    async def run_forever(self, name: str, body: Callable[[], Awaitable[Any]], *,
                          beat_within_s: float | None = None) -> None:
        """Run ``body`` again whenever it raises (after a backoff), until cancelled."""
        self.register(name, beat_within_s=beat_within_s)
        try:
            while True:
                try:
                    await body()
                except Exception as exc:
                    self.failed(name, exc)
                    await self.pause(name)
                    continue
                log.warning("%s ended; starting it again", name)
                await self.pause(name)
        finally:
            self.stopped(name)

    async def every(self, name: str, interval_s: float, job: Callable[[], Awaitable[Any]], *,
                    wait_first: bool = False) -> None:
        """Run ``job`` every ``interval_s`` until cancelled; after a failure, again after the backoff.

        Silent for three intervals (a round that hangs) counts as stuck, like failing for a minute.
        Cancelled (the process stops) while a round runs, the round finishes first, for up to
        ``STOP_GRACE_S``: cancelled inside a transaction, a job would leave its pooled connection
        mid-rollback (SQLAlchemy logs a traceback for it at every other shutdown).
        """
        self.register(name, beat_within_s=3 * interval_s)
        try:
            if wait_first:
                await asyncio.sleep(interval_s)
            while True:
                try:
                    await finish_when_cancelled(job(), STOP_GRACE_S)
                except Exception as exc:
                    self.failed(name, exc)
                    await self.pause(name)
                    continue
                self.ok(name)
                await asyncio.sleep(interval_s)
        finally:
            self.stopped(name)

    def guard(self, name: str, job: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
        """Wrap a job that a scheduler calls again later anyway: record its outcome, never raise."""
        self.register(name)

        async def guarded() -> None:
            try:
                await job()
            except Exception as exc:
                self.failed(name, exc)
                return
            self.ok(name)

        return guarded

    def current(self, state: LoopState) -> LoopStatus:
        """The state's status now: failing or silent for too long is ``stuck``."""
        now = self._now()
        if state.status == LoopStatus.FAILING and now - state.since > self.stuck_after_s:
            return LoopStatus.STUCK
        if (state.status == LoopStatus.OK and state.beat_within_s is not None
                and now - state.last_ok > max(state.beat_within_s, self.stuck_after_s)):
            return LoopStatus.STUCK
        return state.status

    def report(self) -> tuple[bool, dict[str, dict[str, Any]]]:
        """(healthy, each loop's state) for /healthz; a stopped loop is unhealthy only while the process runs it."""
        now = self._now()
        loops: dict[str, dict[str, Any]] = {}
        healthy = True
        for name, state in sorted(self._states.items()):
            status = self.current(state)
            healthy = healthy and status != LoopStatus.STUCK
            entry: dict[str, Any] = {"status": str(status), "for_s": round(now - state.since, 1)}
            if state.failures:
                entry.update(failures=state.failures, error=state.error)
            loops[name] = entry
        return healthy, loops

    def forget(self, name: str) -> None:
        """Drop a loop that has been shut down on purpose (it no longer runs in this process)."""
        self._states.pop(name, None)


async def finish_when_cancelled(work: Awaitable[T], grace_s: float) -> T:
    """Await ``work``; if the caller is cancelled meanwhile, let the work finish (up to ``grace_s``,
    then it is cancelled too) and re-raise the cancellation. A second cancellation cuts the grace short."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        if not task.done():
            # The round's own outcome no longer matters: the loop is stopping.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, grace_s)
        raise

