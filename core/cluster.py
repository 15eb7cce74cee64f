"""Several processes on one PostgreSQL database: one leader, hot standbys, one send budget (issue 14).

**Leader election.** ``LeaderElection`` holds a PostgreSQL advisory lock
(``pg_try_advisory_lock``, keyed by the bot's id) on a connection of its own — asyncpg directly,
never a pooled one, since the lock belongs to the session that took it. Standbys try for the lock
every ``HEARTBEAT_S``; the leader checks its connection as often. When the leader dies the server
closes its session and frees the lock at once (kill -9: the socket closes); when the leader's link
to the database breaks, the leader steps down after one failed heartbeat and the server ends the
orphaned session after ``IDLE_SESSION_TIMEOUT_MS`` of silence. Either way a standby holds the lock
within ``HEARTBEAT_S`` of it being freed, well within 5 s.

**Shared budget.** ``SharedBudget`` is a ``core.outgoing.Budget`` whose rate comes from rate
leases in the ``send_budget`` table: each process writes, once per ``HEARTBEAT_S``, what it wants
(its recent sending plus its backlog) and the rate it will use; a row not renewed for ``EXPIRE_S``
belongs to a dead process and is deleted. Each process's rate is its max-min fair share of the
ceiling (``ANKANG_SEND_RATE``) by wants, each member keeping at least ``MIN_SHARE_PER_S`` so a
reply never waits for the next heartbeat; a process raises its rate only into what the others'
published rates leave, under a transaction-scoped advisory lock, so the published rates never sum
to more than the ceiling (a process that has just joined may use ``MIN_SHARE_PER_S`` before the
others have seen it). Leases rather than a token-bucket row updated per message: the pacing stays
in process (priorities, per-chat limits, 429 handling unchanged), a message costs no database round
trip and replies keep flowing at the last rate during a database outage, and the hot row takes one
write per process per second instead of one per message.
"""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import socket
import zlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sqlalchemy import delete, func, select, text
from sqlalchemy.engine import make_url

from core.db import SessionMaker
from core.models import SendBudgetMember
from core.supervision import Loops

if TYPE_CHECKING:
    # asyncpg and SQLAlchemy's PostgreSQL dialect (5 MB together) are imported where PostgreSQL is
    # used: a process on SQLite never needs them (issue 14, point 7: idle memory).
    import asyncpg

log = logging.getLogger(__name__)

HEARTBEAT_S = 1.0
CONNECT_TIMEOUT_S = 3.0
IDLE_SESSION_TIMEOUT_MS = 3000  # the server ends a leader's session silent this long (a lost link)
# A leader whose session ended keeps its duties while it reconnects, up to this long: a database
# outage that every process shares then costs no takeover (the sender keeps the deliveries in its
# hands and records them when the database is back, so nothing is sent twice). Longer: it steps down.
LEADER_GRACE_S = 60.0
EXPIRE_S = 3.0  # a budget lease not renewed this long belongs to a dead process
MIN_SHARE_PER_S = 1.0
ELECTION_LOOP = "leader-election"
BUDGET_LOOP = "send-budget"


def bot_key(token: str) -> str:
    """The bot's id: the public part of its token (before the colon), never the secret."""
    return token.split(":", 1)[0][:32] or "bot"


def lock_key(bot: str) -> int:
    """The advisory lock's 64-bit key for one bot's leadership."""
    return zlib.crc32(f"ankang-leader:{bot}".encode()) + (0x414E4B << 32)


def asyncpg_dsn(database_url: str) -> str:
    """``postgresql+asyncpg://…`` as asyncpg's own connect() reads it."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class LeaderElection:
    """Campaign for leadership until stopped; call ``on_elected`` / ``on_deposed`` as it changes."""

    def __init__(
        self, database_url: str, bot: str, *, on_elected: Callable[[], Awaitable[None]],
        on_deposed: Callable[[], Awaitable[None]], loops: Loops | None = None, heartbeat_s: float = HEARTBEAT_S,
    ) -> None:
        self.dsn = asyncpg_dsn(database_url)
        self.key = lock_key(bot)
        self.on_elected = on_elected
        self.on_deposed = on_deposed
        self.loops = loops or Loops()
        self.heartbeat_s = heartbeat_s
        self.leader = False
        self.elected = asyncio.Event()
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._beat_waiters: list[asyncio.Future[None]] = []
        self._lost_at: float | None = None  # a leader's session ended at (loop time), not yet regained

    async def next_beat(self) -> None:
        """Wait for the next heartbeat to finish (tests: a standby campaigned again and lost)."""
        future = asyncio.get_running_loop().create_future()
        self._beat_waiters.append(future)
        await future

    def start(self) -> None:
        self.loops.register(ELECTION_LOOP, beat_within_s=10 * self.heartbeat_s)
        self._task = asyncio.create_task(self._run(), name="leader-election")

    async def stop(self) -> None:
        """Stop campaigning; a leader steps down first (its duties stop), then frees the lock."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self.leader:
            await self._step_down("stopping")
        await self._close()
        self.loops.forget(ELECTION_LOOP)

    async def _run(self) -> None:
        while True:
            try:
                await self._beat()
                self.loops.ok(ELECTION_LOOP)
            except Exception as exc:  # the database, the network, the driver: never end the campaign
                self.loops.failed(ELECTION_LOOP, exc)
                await self._close()
                if self.leader:
                    now = asyncio.get_running_loop().time()
                    if self._lost_at is None:
                        self._lost_at = now
                    elif now - self._lost_at > LEADER_GRACE_S:
                        self._lost_at = None
                        await self._step_down(f"lost the database for over {LEADER_GRACE_S:.0f} s "
                                              f"({type(exc).__name__})")
            waiters, self._beat_waiters = self._beat_waiters, []
            for future in waiters:
                if not future.done():
                    future.set_result(None)
            await asyncio.sleep(self.heartbeat_s)

    async def _beat(self) -> None:
        import asyncpg

        if self._conn is None or self._conn.is_closed():
            if self.leader and self._lost_at is None:  # the lock ended with the session that held it
                self._lost_at = asyncio.get_running_loop().time()
            self._conn = await asyncpg.connect(self.dsn, timeout=CONNECT_TIMEOUT_S)
            with contextlib.suppress(asyncpg.PostgresError):  # PostgreSQL ≥ 14
                await self._conn.execute(f"SET idle_session_timeout = {IDLE_SESSION_TIMEOUT_MS}")
        conn = self._conn
        if self.leader and self._lost_at is not None:
            await self._regain(conn)
            return
        if self.leader:
            # The lock lives as long as this session: a live session is a held lock.
            await conn.fetchval("SELECT 1", timeout=CONNECT_TIMEOUT_S)
            return
        if await conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key, timeout=CONNECT_TIMEOUT_S):
            self.leader = True
            log.warning("this process is now the leader")
            self.elected.set()
            try:
                await self.on_elected()
            except Exception:
                log.exception("could not take up the leader's duties; stepping down")
                await self._step_down("start-up failed")
                with contextlib.suppress(Exception):
                    await conn.execute("SELECT pg_advisory_unlock($1)", self.key)

    async def _regain(self, conn: asyncpg.Connection) -> None:
        """A leader back on the database after its session ended: another process leads now (step
        down), or, once the standbys have had the first try (three heartbeats), it takes the lock again
        and carries on — its duties never stopped."""
        classid, objid = self.key >> 32, self.key & 0xFFFFFFFF
        held = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 1)",
            classid, objid, timeout=CONNECT_TIMEOUT_S)
        assert self._lost_at is not None
        if held:
            self._lost_at = None
            await self._step_down("another process leads now")
            return
        if asyncio.get_running_loop().time() - self._lost_at < 3 * self.heartbeat_s:
            return  # the standbys' turn first
        if await conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key, timeout=CONNECT_TIMEOUT_S):
            self._lost_at = None
            log.warning("this process is still the leader (its database session was restored)")
        else:
            self._lost_at = None
            await self._step_down("another process leads now")

    async def _step_down(self, why: str) -> None:
        self.leader = False
        self.elected.clear()
        log.warning("this process is no longer the leader: %s", why)
        try:
            await self.on_deposed()
        except Exception:
            log.exception("could not stop the leader's duties cleanly")

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), CONNECT_TIMEOUT_S)
            except Exception:
                conn.terminate()


def fair_shares(ceiling: float, wants: dict[str, float], floor: float = MIN_SHARE_PER_S) -> dict[str, float]:
    """Max-min fair shares of ``ceiling``: everyone gets ``floor``; the rest goes to those who want more,
    none above its want unless nobody wants the remainder (then it is spread evenly)."""
    if not wants:
        return {}
    n = len(wants)
    if floor * n >= ceiling:
        return dict.fromkeys(wants, ceiling / n)
    shares = dict.fromkeys(wants, floor)
    left = ceiling - floor * n
    hungry = {m: max(0.0, w - floor) for m, w in wants.items()}
    while left > 1e-9:
        open_ = [m for m, extra in hungry.items() if extra > 1e-9]
        if not open_:
            break
        each = left / len(open_)
        for m in open_:
            give = min(each, hungry[m])
            shares[m] += give
            hungry[m] -= give
            left -= give
    if left > 1e-9:  # nobody wants it: spread it, so a burst starts at more than the floor
        for m in shares:
            shares[m] += left / n
    return shares


class SharedBudget:
    """A share of one bot's send budget, leased through the database (module docstring)."""

    def __init__(
        self, sessions: SessionMaker, ceiling_per_s: float, *, bot: str, member: str,
        demand: Callable[[], float] | None = None, loops: Loops | None = None,
        heartbeat_s: float = HEARTBEAT_S, expire_s: float = EXPIRE_S, floor_per_s: float = MIN_SHARE_PER_S,
    ) -> None:
        self.sessions = sessions
        self.ceiling = ceiling_per_s
        self.bot = bot
        self.member = member
        self.demand = demand or (lambda: 0.0)
        self.loops = loops or Loops()
        self.heartbeat_s = heartbeat_s
        self.expire_s = expire_s
        self.floor = min(floor_per_s, ceiling_per_s)
        self._rate = self.floor  # until the first heartbeat has seen the others
        self.members = 1
        self._task: asyncio.Task[None] | None = None

    @property
    def started(self) -> bool:
        return self._task is not None

    def rate_per_s(self) -> float:
        return self._rate

    async def beat(self, now: datetime | None = None) -> float:
        """Renew this process's lease and take its share; return the rate. ``now``: the database's
        clock unless given (tests)."""
        want = max(0.0, self.demand())
        async with self.sessions() as session, session.begin():
            # One member decides at a time: each decision sees the others' latest published rates.
            await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(self.bot) + 1})
            if now is None:
                now = (await session.execute(select(func.clock_timestamp()))).scalar_one()
            expired = now - timedelta(seconds=self.expire_s)
            await session.execute(delete(SendBudgetMember).where(
                SendBudgetMember.bot == self.bot, SendBudgetMember.beat_at < expired))
            others = (await session.execute(select(SendBudgetMember).where(
                SendBudgetMember.bot == self.bot, SendBudgetMember.member != self.member))).scalars().all()
            wants = {o.member: o.want_per_s for o in others}
            wants[self.member] = want
            fair = fair_shares(self.ceiling, wants, self.floor)[self.member]
            room = self.ceiling - sum(o.rate_per_s for o in others)
            rate = max(self.floor if others else self.ceiling, min(fair, room))
            values = {"want_per_s": want, "rate_per_s": rate, "beat_at": now}
            from sqlalchemy.dialects.postgresql import insert

            await session.execute(insert(SendBudgetMember).values(bot=self.bot, member=self.member, **values)
                                  .on_conflict_do_update(index_elements=["bot", "member"], set_=values))
        if abs(rate - self._rate) > 0.5 or len(others) + 1 != self.members:
            log.info("send budget: %.1f/s of %.1f/s (%d processes)", rate, self.ceiling, len(others) + 1)
        self._rate = rate
        self.members = len(others) + 1
        return rate

    async def leave(self) -> None:
        """Give the share back at once (graceful stop): the others take it at their next heartbeat."""
        async with self.sessions() as session, session.begin():
            await session.execute(delete(SendBudgetMember).where(
                SendBudgetMember.bot == self.bot, SendBudgetMember.member == self.member))

    async def start(self) -> None:
        """The first heartbeat now (a failure leaves the floor rate), then one every ``heartbeat_s``."""
        self.loops.register(BUDGET_LOOP, beat_within_s=10 * self.heartbeat_s)
        with contextlib.suppress(Exception):
            await self.beat()
        self._task = asyncio.create_task(self._run(), name="send-budget")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        try:
            await asyncio.wait_for(self.leave(), CONNECT_TIMEOUT_S)
        except Exception as exc:
            log.warning("could not give the send budget back (%s); it expires in %.0f s", type(exc).__name__,
                        self.expire_s)
        self.loops.forget(BUDGET_LOOP)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            try:
                await self.beat()
                self.loops.ok(BUDGET_LOOP)
            except Exception as exc:  # the last rate stays: the others keep theirs too
                self.loops.failed(BUDGET_LOOP, exc)


class DatabaseInUse(RuntimeError):
    """Another Ankang process already runs on this SQLite file."""


class SqliteOwnership:
    """An exclusive lock on ``<database>.lock`` beside a SQLite file: SQLite serves one process. The
    operating system frees it when the process ends, however it ends (kill -9 included)."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        database = url.database or ""
        self.path = None if database in ("", ":memory:") else Path(database).with_name(Path(database).name + ".lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            raise DatabaseInUse(
                f"another Ankang process ({holder or 'unknown'}) is already running on {self.path.with_suffix('')}: "
                "SQLite serves one process only; stop it, or use PostgreSQL to run several processes"
            ) from None
        handle.truncate(0)
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
