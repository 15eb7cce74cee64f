"""The sender: drains the durable delivery queue through a small Transport.

Pacing is not done here: every request the Transport makes goes through the process's one
outgoing path (``core.outgoing.OutgoingScheduler``, reached in ``bot/`` through PTB's rate-limiter
hook) at BROADCAST priority, so broadcasts use what replies leave of the budget, keep 1 message/s
per chat and slow down after a 429. The sender decides what a failure means for a delivery:

* **429.** The scheduler already holds that chat (or pauses everything, see ``core/outgoing.py``);
  the delivery is sent again when it allows. A delivery held longer than ``HOLD_INLINE_MAX_S``
  goes back to the queue with ``not_before``; a 429 is never counted as a failed attempt, but more
  than ``RATE_LIMITED_RETRIES_MAX`` in a row on one delivery become one.
* **Transient errors** (5xx, time-outs, network): back to the queue with an exponential backoff
  (``backoff_s``); only after ``MAX_ATTEMPTS`` of them in a row — about 25 minutes of a Telegram
  outage — does a delivery end ``failed``.
* **Refusals**: 403 / chat not found end it ``blocked`` (the worker is marked inactive), any other
  400 ``failed``.

Crash safety. A delivery is claimed (status ``claimed``, ``claimed_by``, ``lease_until``) before
anything is sent, and each message of it (a lesson is two: the text, then its quiz) is recorded in
the same row (``step``) right after Telegram accepted it, with a fenced UPDATE (``WHERE
claimed_by = me``). A process that dies leaves its rows claimed; once their lease runs out (or at
once on SQLite, where one process owns the database and releases them at start) they are claimed
again and resume at the first unrecorded step. So the bound is: **after a kill, a recipient can get
one message twice only if that very message's request was in flight at the moment of the kill** —
at most one duplicate message per in-flight request, and at most ``concurrency`` requests are in
flight per process (in practice about ``rate × request latency``). Nothing is lost: every row ends
``sent``, ``blocked``, ``failed`` (after ``max_attempts`` transient errors) or ``skipped``. On
PostgreSQL rows are claimed with ``FOR UPDATE SKIP LOCKED``, so two processes never hold the same
delivery at once.

Database outages (issue 17). Every database call of the sender goes through ``services.loops``
(``core.supervision``): while the database is down, the call is retried with backoff and the
delivery stays in the worker's hand — a message Telegram accepted is recorded once the database
answers, never sent again — and the claiming loop waits the same way; so a broadcast interrupted by
an outage finishes by itself when the database returns. The outage is logged once, and /healthz
shows the sender ``failing`` (``stuck`` after a minute). Anything else that breaks the loop restarts
it with backoff under a fresh worker id (its old claims run out their lease and are taken again).
"""
from __future__ import annotations

import asyncio
import functools
import logging
import math
import os
import socket
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import ParamSpec, Protocol, TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.library import Lesson, LessonNotFound, Library
from broadcasts.models import Delivery, DeliveryStatus, Occurrence, Schedule
from broadcasts.occurrences import Report, claimable, finish_completed
from broadcasts.quiz import mark_seen, next_lesson, record_poll
from core.db import SessionMaker, rows_matched, writing
from core.models import utcnow
from core.supervision import Loops
from core.users import mark_blocked

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")

HOLD_INLINE_MAX_S = 5.0  # a held chat's delivery waits in its worker up to this; longer: back to the queue
IN_FLIGHT_POLL_S = 0.01
MAX_ATTEMPTS = 12  # transient errors in a row: 2 + 4 + … + 300 s ≈ 25 minutes of outage
BACKOFF_BASE_S = 2.0
BACKOFF_MAX_S = 300.0
LEASE_S = 60.0
IDLE_POLL_S = 0.5
RATE_LIMITED_RETRIES_MAX = 20
SENDER_LOOP = "broadcast-sender"  # its name in services.loops and on /healthz


# --- the Transport protocol and its domain errors --------------------------------------------------


class SendError(Exception):
    """Base class of what a Transport raises."""


class RecipientGone(SendError):
    """The worker blocked the bot or the chat no longer exists (403 / chat not found)."""


class RateLimited(SendError):
    """Telegram answered 429: wait ``retry_after`` seconds."""

    def __init__(self, retry_after: float, scope: str | None = None) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after
        self.scope = scope  # "global" when the transport knows the limit was the bot's overall one


class TransientSendError(SendError):
    """Worth retrying later: 5xx, time-outs, network errors."""


class PermanentSendError(SendError):
    """Will not work on retry (a 400 other than chat-not-found)."""


class Transport(Protocol):
    """How the sender reaches Telegram; ``bot/`` implements it with PTB's Bot, whose every request
    the outgoing scheduler paces at BROADCAST priority (and learns of each 429)."""

    async def send_lesson(self, chat_id: int, lesson: Lesson) -> None: ...

    async def send_quiz(self, chat_id: int, lesson: Lesson) -> str:
        """Send the lesson's quiz as a native quiz poll; return the poll id."""
        ...

    async def send_text(self, chat_id: int, text: str) -> None: ...

    async def send_photo(self, chat_id: int, photo: bytes, caption: str | None) -> None: ...

    async def send_invitation(self, chat_id: int, text: str, campaign_id: int) -> None:
        """A campaign's invitation: the text with the buttons that start an attempt or practice."""
        ...


# --- the sender ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    occurrence_id: int
    chat_id: int
    step: int
    lesson_id: str | None
    attempts: int


@dataclass(frozen=True, slots=True)
class Content:
    kind: str
    lesson_id: str | None
    series: str | None
    text: str | None
    photo: bytes | None
    campaign_id: int | None


@dataclass
class SenderStats:
    messages: int = 0
    rate_limited: int = 0  # 429s received
    deferred: int = 0  # deliveries put back in the queue for a long retry_after
    transient: int = 0


def default_worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def default_concurrency(rate_per_s: float) -> int:
    # A lesson is two messages a second apart, so a delivery lasts ≈ 1 s + latency, and a claim takes
    # a while on a busy database: keep enough deliveries in hand to fill the rate. The extra ones
    # wait in the outgoing scheduler, not on the network.
    return max(8, min(500, math.ceil(rate_per_s * 3) + 8))


class Sender:
    """Claims deliveries in batches and sends them; run ``run()`` as its own task."""

    def __init__(
        self, sessions: SessionMaker, library: Library, transport: Transport, *, rate_per_s: float,
        dialect: str = "sqlite", worker_id: str | None = None, concurrency: int | None = None,
        lease_s: float = LEASE_S, max_attempts: int = MAX_ATTEMPTS,
        on_finished: Callable[[Report], Awaitable[None]] | None = None,
        loops: Loops | None = None,
    ) -> None:
        self.sessions = sessions
        self.loops = loops or Loops()
        self.library = library
        self.transport = transport
        self.dialect = dialect
        self.worker_id = worker_id or default_worker_id()
        self.concurrency = concurrency or default_concurrency(rate_per_s)
        self.lease_s = lease_s
        self.max_attempts = max_attempts
        self.on_finished = on_finished
        self.stats = SenderStats()
        self._queue: asyncio.Queue[Claimed] = asyncio.Queue()
        self._wake = asyncio.Event()
        self.idle = False  # waiting to be woken (or for the next poll), nothing in hand
        self._contents: OrderedDict[int, Content] = OrderedDict()
        self._busy = 0
        self._runs = 0

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncSession]:
        """A write transaction. SQLite has one writer: the writes queue in-process (``core.db.WriteGate``, shared with
        the campaigns' writes), which is much faster than letting many connections collide and back off inside
        SQLite's busy handler."""
        async with writing(self.sessions) as session:
            yield session

    def wake(self) -> None:
        """Look for new deliveries now instead of at the next poll."""
        self._wake.set()

    async def _db(self, op: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """``await op(*args, **kwargs)``, a database call that waits out an outage (retried with backoff)."""
        return await self.loops.retry(SENDER_LOOP, functools.partial(op, *args, **kwargs))

    async def run(self) -> None:
        """Send until cancelled, supervised: restarted with backoff if anything breaks the loop."""
        await self.loops.run_forever(SENDER_LOOP, self._run, beat_within_s=self.lease_s)

    async def _run(self) -> None:
        if self._runs:
            # Restarted after a failure: what the old workers held is abandoned under the old id and
            # taken again once its lease has run out; the new id fences off their late writes.
            self.worker_id = default_worker_id()
            self._queue = asyncio.Queue()
            self._busy = 0
        self._runs += 1
        workers = [asyncio.create_task(self._work(), name=f"broadcast-send-{i}") for i in range(self.concurrency)]
        heartbeat = asyncio.create_task(self._heartbeat(), name="broadcast-lease-heartbeat")
        try:
            while True:
                room = self.concurrency - self._queue.qsize() - self._busy
                claimed = await self._db(self.claim, room) if room > 0 else []
                for item in claimed:
                    self._queue.put_nowait(item)
                if not claimed:
                    for report in await self._db(finish_completed, self.sessions):
                        await self._report(report)
                    self._wake.clear()
                    self.idle = True
                    await self._woken_or_polled()
                    self.idle = False
                else:
                    await self._room_available()
        finally:
            heartbeat.cancel()
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, heartbeat, return_exceptions=True)

    async def release(self) -> None:
        """Give back deliveries claimed by this process and not started (graceful stop)."""
        async with self._tx() as session:
            await session.execute(
                update(Delivery).where(Delivery.claimed_by == self.worker_id, Delivery.status == DeliveryStatus.CLAIMED)
                .values(status=DeliveryStatus.PENDING, claimed_by=None, lease_until=None)
            )

    async def _room_available(self) -> None:
        # Claim again once half the hand has been sent (batches, not one row per query).
        while self._queue.qsize() + self._busy > self.concurrency // 2:
            self._wake.clear()
            await self._woken_or_polled()

    async def _woken_or_polled(self) -> None:
        """Wait until woken, IDLE_POLL_S at most. Not asyncio.wait_for: on Python 3.11 it swallows a
        cancellation that arrives as the event is set, and stop() then waits for the sender forever."""
        try:
            async with asyncio.timeout(IDLE_POLL_S):
                await self._wake.wait()
        except TimeoutError:
            pass

    async def _report(self, report: Report) -> None:
        if self.on_finished is None:
            return
        try:
            await self.on_finished(report)
        except Exception:
            log.exception("could not deliver the broadcast report for occurrence %s", report.occurrence_id)

    async def claim(self, limit: int) -> list[Claimed]:
        now = utcnow()
        pick = select(Delivery.id).where(claimable(now)).order_by(Delivery.id).limit(limit)
        if self.dialect == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        stmt = (
            update(Delivery).where(Delivery.id.in_(pick.scalar_subquery()))
            .values(status=DeliveryStatus.CLAIMED, claimed_by=self.worker_id,
                    lease_until=now + timedelta(seconds=self.lease_s))
            .returning(Delivery.id, Delivery.occurrence_id, Delivery.chat_id, Delivery.step, Delivery.lesson_id,
                       Delivery.attempts)
            .execution_options(synchronize_session=False)
        )
        async with self._tx() as session:
            rows = (await session.execute(stmt)).all()
        return sorted((Claimed(*row) for row in rows), key=lambda c: c.id)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                async with self._tx() as session:
                    await session.execute(
                        update(Delivery)
                        .where(Delivery.claimed_by == self.worker_id, Delivery.status == DeliveryStatus.CLAIMED)
                        .values(lease_until=utcnow() + timedelta(seconds=self.lease_s))
                    )
                self.loops.ok(SENDER_LOOP)
            except Exception as exc:  # logged once per outage; the next beat tries again
                self.loops.failed(SENDER_LOOP, exc)

    async def _work(self) -> None:
        while True:
            item = await self._queue.get()
            self._busy += 1
            try:
                await self._deliver(item)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery %s failed unexpectedly", item.id)
                await self._db(self._finish, item, DeliveryStatus.FAILED, error="internal error")
            finally:
                self._busy -= 1
                self._wake.set()

    async def _content(self, occurrence_id: int) -> Content:
        content = self._contents.get(occurrence_id)
        if content is None:
            async with self.sessions() as session:
                row = (await session.execute(
                    select(Schedule.kind, Schedule.lesson_id, Schedule.series, Schedule.text, Schedule.photo,
                           Schedule.campaign_id)
                    .join(Occurrence, Occurrence.schedule_id == Schedule.id).where(Occurrence.id == occurrence_id)
                )).one()
            content = Content(*row)
            self._contents[occurrence_id] = content
            while len(self._contents) > 8:
                self._contents.popitem(last=False)
        return content

    async def _deliver(self, item: Claimed) -> None:
        cached = self._contents.get(item.occurrence_id)
        content = cached if cached is not None else await self._db(self._content, item.occurrence_id)
        lesson: Lesson | None = None
        if content.kind in ("lesson", "series"):
            lesson_id = item.lesson_id or content.lesson_id
            if lesson_id is None:  # a series push: this recipient's next unseen lesson
                lesson_id = await self._db(self._pick_series_lesson, item, content.series)
                if lesson_id is None:
                    return
            try:
                lesson = self.library.get(lesson_id)
            except LessonNotFound:
                await self._db(self._finish, item, DeliveryStatus.FAILED, error=f"lesson {lesson_id} not in library")
                return
            steps = 2
        else:
            steps = 1

        rate_limited = 0
        step = item.step
        while step < steps:
            try:
                poll_id = await self._send_step(item.chat_id, content, lesson, step)
            except RateLimited as exc:
                self.stats.rate_limited += 1
                rate_limited += 1
                if rate_limited > RATE_LIMITED_RETRIES_MAX:
                    await self._db(self._retry_later, item, "rate limited repeatedly")
                    return
                if exc.retry_after > HOLD_INLINE_MAX_S:
                    await self._db(self._defer, item, exc.retry_after)
                    return
                continue  # the outgoing scheduler holds this chat (or everything) until retry_after has passed
            except RecipientGone:
                await self._db(self._gone, item)
                return
            except TransientSendError as exc:
                self.stats.transient += 1
                await self._db(self._retry_later, item, str(exc)[:200] or type(exc).__name__)
                return
            except PermanentSendError as exc:
                await self._db(self._finish, item, DeliveryStatus.FAILED, error=str(exc)[:200])
                return
            self.stats.messages += 1
            step += 1
            # Telegram has the message: record it, however long the database takes to answer.
            if not await self._db(self._record_step, item, step, steps, lesson, poll_id):
                return  # our lease was taken over: the other owner carries on

    async def _pick_series_lesson(self, item: Claimed, series: str | None) -> str | None:
        """A series push: this recipient's next unseen lesson, kept on the delivery (None: series done, skipped)."""
        async with self._tx() as session:
            found = await next_lesson(session, self.library, item.chat_id, series)
            if found is None:
                await self._finish(item, DeliveryStatus.SKIPPED, error="series complete", session=session)
                return None
            await session.execute(update(Delivery).where(Delivery.id == item.id).values(lesson_id=found.id))
            return found.id

    async def _gone(self, item: Claimed) -> None:
        async with self._tx() as session:
            await mark_blocked(session, item.chat_id)
            await self._finish(item, DeliveryStatus.BLOCKED, error="recipient gone", session=session)

    async def _send_step(self, chat_id: int, content: Content, lesson: Lesson | None, step: int) -> str | None:
        if lesson is not None:
            if step == 0:
                await self.transport.send_lesson(chat_id, lesson)
                return None
            return await self.transport.send_quiz(chat_id, lesson)
        if content.kind == "campaign" and content.campaign_id is not None:
            await self.transport.send_invitation(chat_id, content.text or "", content.campaign_id)
        elif content.photo:
            await self.transport.send_photo(chat_id, content.photo, content.text or None)
        else:
            await self.transport.send_text(chat_id, content.text or "")
        return None

    async def _record_step(self, item: Claimed, step: int, steps: int, lesson: Lesson | None,
                           poll_id: str | None) -> bool:
        values: dict[str, object] = {"step": step}
        if step == steps:
            values.update(status=DeliveryStatus.SENT, sent_at=utcnow(), lease_until=None)
        async with self._tx() as session:
            result = await session.execute(
                update(Delivery).where(Delivery.id == item.id, Delivery.claimed_by == self.worker_id,
                                       Delivery.status == DeliveryStatus.CLAIMED).values(**values)
            )
            if rows_matched(result) != 1:
                log.warning("delivery %s was taken over by another sender", item.id)
                return False
            if lesson is not None and step == 1:
                await mark_seen(session, item.chat_id, lesson.id)
            if lesson is not None and poll_id is not None:
                await record_poll(session, poll_id, item.chat_id, lesson)
        return True

    async def _retry_later(self, item: Claimed, error: str) -> None:
        async with self._tx() as session:
            attempts = (await session.execute(
                select(Delivery.attempts).where(Delivery.id == item.id))).scalar_one() + 1
            if attempts >= self.max_attempts:
                await self._finish(item, DeliveryStatus.FAILED, error=error, session=session, attempts=attempts)
                return
            delay = min(BACKOFF_MAX_S, BACKOFF_BASE_S ** attempts)
            await session.execute(
                update(Delivery).where(Delivery.id == item.id, Delivery.claimed_by == self.worker_id)
                .values(status=DeliveryStatus.PENDING, attempts=attempts, claimed_by=None, lease_until=None,
                        error=error,
                        not_before=utcnow() + timedelta(seconds=delay))
            )

    async def _defer(self, item: Claimed, seconds: float) -> None:
        """Give a long-held delivery back to the queue until ``seconds`` from now (not an attempt)."""
        self.stats.deferred += 1
        async with self._tx() as session:
            await session.execute(
                update(Delivery).where(Delivery.id == item.id, Delivery.claimed_by == self.worker_id)
                .values(status=DeliveryStatus.PENDING, claimed_by=None, lease_until=None, error="rate limited",
                        not_before=utcnow() + timedelta(seconds=seconds))
            )

    async def _finish(self, item: Claimed, status: DeliveryStatus, *, error: str | None = None,
                      session: AsyncSession | None = None,
                      attempts: int | None = None) -> None:
        values: dict[str, object] = {"status": status, "lease_until": None, "error": error}
        if attempts is not None:
            values["attempts"] = attempts
        stmt = update(Delivery).where(Delivery.id == item.id, Delivery.claimed_by == self.worker_id).values(**values)
        if session is not None:
            await session.execute(stmt)
            return
        async with self._tx() as own:
            await own.execute(stmt)


async def release_stale_claims(sessions: SessionMaker) -> int:
    """Return every claimed delivery to the queue: only for SQLite, where one process owns the database."""
    async with sessions() as session, session.begin():
        result = await session.execute(
            update(Delivery).where(Delivery.status == DeliveryStatus.CLAIMED)
            .values(status=DeliveryStatus.PENDING, claimed_by=None, lease_until=None)
        )
        return rows_matched(result)


def backoff_s(attempts: int) -> float:
    return min(BACKOFF_MAX_S, BACKOFF_BASE_S ** attempts)
