"""The broadcast engine one Ankang process runs: APScheduler rebuilt from the schedules table, the
catch-up of missed firings at start, and the sender task draining the delivery queue.

Both loops are supervised through ``services.loops`` (issue 17): the periodic sync records its
outcome and tries again at its next run; a firing whose database write fails is retried with backoff
until the database answers (a 09:00 lesson is late, never lost); the sender waits out outages itself.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from broadcasts.delivery import LEASE_S, SENDER_LOOP, Sender, Transport, release_stale_claims
from broadcasts.library import Library
from broadcasts.models import Schedule, ScheduleStatus
from broadcasts.occurrences import Report, compact_finished, fire_due, schedule_ids_due, send_now
from broadcasts.schedules import build_trigger
from core.clock import Clock
from core.db import SessionMaker
from core.outgoing import OutgoingScheduler
from core.settings import Settings
from core.supervision import STOP_GRACE_S, Loops

log = logging.getLogger(__name__)

# Schedules created or changed by another process (the CLI, a second bot) are picked up this often.
SYNC_INTERVAL_S = 30
SCHEDULER_LOOP = "broadcast-scheduler"  # its name in services.loops and on /healthz
# Delivery rows of broadcasts finished ANKANG_DELIVERY_RETENTION_DAYS ago become counts (issue 14, point 6).
COMPACT_LOOP = "broadcast-compaction"
COMPACT_INTERVAL_S = 3600.0


class EngineServices(Protocol):
    """What the engine uses of the process's services."""

    settings: Settings
    engine: AsyncEngine
    sessions: SessionMaker
    clock: Clock
    # What paces every message the process sends; the Transport's requests go through it.
    outgoing: OutgoingScheduler
    loops: Loops


class BroadcastEngine:
    """Owns the scheduler and the sender; ``start()`` after the bot is up, ``stop()`` before it goes."""

    def __init__(
        self, services: EngineServices, library: Library, transport: Transport, *,
        on_finished: Callable[[Report], Awaitable[None]] | None = None,
        worker_id: str | None = None, lease_s: float | None = None, concurrency: int | None = None,
        sync_interval_s: float = SYNC_INTERVAL_S,
        on_close: Callable[[], Awaitable[None]] | None = None, sole_sender: bool = False,
    ) -> None:
        self.services = services
        # No other process sends broadcasts (SQLite's one process, or the elected leader on
        # PostgreSQL): whatever is claimed at start was left by a dead or deposed sender.
        self.sole_sender = sole_sender or self.services.engine.dialect.name == "sqlite"
        self.library = library
        self.dialect = services.engine.dialect.name
        self.loops = services.loops
        self.sender = Sender(
            services.sessions, library, transport, rate_per_s=services.settings.send_rate, dialect=self.dialect,
            worker_id=worker_id, concurrency=concurrency, on_finished=on_finished, loops=services.loops,
            lease_s=LEASE_S if lease_s is None else lease_s,
        )
        self.sync_interval_s = sync_interval_s
        self.on_close = on_close  # e.g. shut the transport's HTTP client down
        self.scheduler: AsyncIOScheduler | None = None
        self._sender_task: asyncio.Task[None] | None = None
        self._compact_task: asyncio.Task[None] | None = None
        self._versions: dict[int, object] = {}
        self._jobs_running: set[asyncio.Task[object]] = set()  # the scheduler's jobs under way: stop() waits

    @property
    def running(self) -> bool:
        return self._sender_task is not None and not self._sender_task.done()

    async def start(self) -> None:
        if self.sole_sender:
            # Released now, not when their lease (LEASE_S) runs out: a takeover resumes at once.
            released = await release_stale_claims(self.services.sessions)
            if released:
                log.info("resuming %d deliveries left claimed by a previous run", released)
        await self.check_due()
        self.scheduler = AsyncIOScheduler(timezone=self.services.settings.tz)
        self.scheduler.add_job(self._tracked(self.loops.guard(SCHEDULER_LOOP, self.sync)), "interval",
                               seconds=self.sync_interval_s, id="broadcast-sync", coalesce=True, max_instances=1)
        self.scheduler.start()
        await self.sync()
        self._sender_task = asyncio.create_task(self.sender.run(), name="broadcast-sender")
        self._compact_task = asyncio.create_task(
            self.loops.every(COMPACT_LOOP, COMPACT_INTERVAL_S, self.compact), name=COMPACT_LOOP)

    async def compact(self) -> int:
        """Compact the broadcasts finished longer ago than the retention (by the services clock)."""
        compacted = await compact_finished(self.services.sessions, self.services.clock.now(),
                                           self.services.settings.delivery_retention_days)
        if compacted:
            log.info("compacted the delivery rows of %d finished broadcasts to their counts", compacted)
        return compacted

    async def _stop_compaction(self) -> None:
        if self._compact_task is not None:
            self._compact_task.cancel()
            await asyncio.gather(self._compact_task, return_exceptions=True)
            self._compact_task = None
        self.loops.forget(COMPACT_LOOP)

    def _tracked(self, job: Callable[..., Awaitable[object]]) -> Callable[..., Awaitable[None]]:
        """``job`` as the scheduler runs it, known to be under way while it runs."""
        async def run(*args: object) -> None:
            task = asyncio.current_task()
            assert task is not None
            self._jobs_running.add(task)
            try:
                await job(*args)
            finally:
                self._jobs_running.discard(task)

        return run

    async def stop(self) -> None:
        if self.scheduler is not None:
            # No new firing; one under way finishes first (up to STOP_GRACE_S): APScheduler's shutdown
            # cancels it, and cancelled inside a transaction it would leave its connection mid-rollback.
            self.scheduler.pause()
            if self._jobs_running:
                await asyncio.wait(list(self._jobs_running), timeout=STOP_GRACE_S)
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        await self._stop_compaction()
        if self._sender_task is not None:
            self._sender_task.cancel()
            try:
                await self._sender_task
            except asyncio.CancelledError:
                pass
            except Exception:
                log.exception("broadcast sender ended with an error")
            self._sender_task = None
            try:
                await self.sender.release()
            except Exception as exc:
                log.warning("could not release claimed deliveries (%s); their lease will run out", type(exc).__name__)
        self.loops.forget(SENDER_LOOP)
        self.loops.forget(SCHEDULER_LOOP)
        if self.on_close is not None:
            await self.on_close()
            self.on_close = None

    async def abort(self) -> None:
        """Stop abruptly, as a crash would: no release of claims (tests and the benchmark use this)."""
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        await self._stop_compaction()
        if self._sender_task is not None:
            self._sender_task.cancel()
            await asyncio.gather(self._sender_task, return_exceptions=True)
            self._sender_task = None
        self.loops.forget(SENDER_LOOP)
        self.loops.forget(SCHEDULER_LOOP)

    async def check_due(self, now: datetime | None = None) -> list[int]:
        """Fire every active schedule whose time has come (by the services clock); return occurrence ids."""
        now = now or self.services.clock.now()
        created: list[int] = []
        for schedule_id in await schedule_ids_due(self.services.sessions):
            created += await fire_due(self.services.sessions, schedule_id, now,
                                      self.services.settings.missed_grace_s, self.dialect)
        if created:
            self.sender.wake()
        return created

    async def send_now(self, schedule_id: int, admin_id: int | None = None) -> int:
        occurrence_id = await send_now(self.services.sessions, schedule_id, self.services.clock.now(), admin_id)
        self.sender.wake()
        return occurrence_id

    async def _fire(self, schedule_id: int) -> None:
        def fire() -> Awaitable[list[int]]:
            return fire_due(self.services.sessions, schedule_id, self.services.clock.now(),
                            self.services.settings.missed_grace_s, self.dialect)

        try:
            # While the database is down, the firing waits for it (with backoff) instead of being dropped.
            created = await self.loops.retry(SCHEDULER_LOOP, fire)
        except Exception:
            log.exception("firing schedule %s failed", schedule_id)
            return
        if created:
            self.sender.wake()

    async def sync(self) -> None:
        """Make the scheduler's jobs match the active schedules in the database."""
        scheduler = self.scheduler
        if scheduler is None:
            return
        async with self.services.sessions() as session:
            rows = (await session.execute(
                select(Schedule).where(Schedule.status == ScheduleStatus.ACTIVE))).scalars().all()
        wanted = {row.id: row for row in rows}
        for schedule_id in list(self._versions):
            if schedule_id not in wanted or self._versions[schedule_id] != wanted[schedule_id].updated_at:
                job = scheduler.get_job(f"schedule-{schedule_id}")
                if job is not None:
                    job.remove()
                del self._versions[schedule_id]
        for schedule_id, row in wanted.items():
            if schedule_id in self._versions:
                continue
            try:
                trigger = build_trigger(row)
            except ValueError:
                log.exception("schedule %s has an invalid trigger", schedule_id)
                continue
            scheduler.add_job(
                self._tracked(self._fire), trigger, args=[schedule_id], id=f"schedule-{schedule_id}",
                replace_existing=True, coalesce=True, misfire_grace_time=None, max_instances=1,
            )
            self._versions[schedule_id] = row.updated_at
