"""One send budget shared by several processes on PostgreSQL (issue 14, point 4), and the leader lock.

Simulated processes are ``SharedBudget`` instances on one real PostgreSQL database; time is the
``now`` each heartbeat is given, so expiry needs no waiting.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from core import db
from core.cluster import (
    EXPIRE_S,
    MIN_SHARE_PER_S,
    DatabaseInUse,
    LeaderElection,
    SharedBudget,
    SqliteOwnership,
    fair_shares,
)

CEILING = 25.0
T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
async def sessions(postgres_database_url: str) -> AsyncIterator[db.SessionMaker]:
    engine = db.create_engine(postgres_database_url)
    await db.upgrade(engine)
    try:
        yield db.create_sessionmaker(engine)
    finally:
        await engine.dispose()


def member(sessions: db.SessionMaker, name: str, wants: dict[str, float]) -> SharedBudget:
    return SharedBudget(sessions, CEILING, bot="4242", member=name, demand=lambda: wants[name])


async def round_(budgets: list[SharedBudget], at: datetime) -> list[float]:
    """One heartbeat of each, in turn (as they would interleave), and the published sum checked."""
    rates = []
    for budget in budgets:
        rates.append(await budget.beat(at))
    return rates


def test_fair_shares_floor_then_water_filling() -> None:
    assert fair_shares(25, {"a": 100, "b": 0}) == {"a": 24, "b": 1}
    shares = fair_shares(25, {"a": 100, "b": 100, "c": 2})
    assert shares["c"] == 2 and shares["a"] == shares["b"] == pytest.approx(11.5)
    assert sum(fair_shares(25, {"a": 3, "b": 2}).values()) == pytest.approx(25)  # spare capacity spread
    assert fair_shares(2, {"a": 5, "b": 5, "c": 5}) == pytest.approx({"a": 2 / 3, "b": 2 / 3, "c": 2 / 3})


async def test_processes_share_the_ceiling_and_a_survivor_takes_it_all(sessions: db.SessionMaker) -> None:
    wants = {"leader": 100.0, "web-1": 0.0, "web-2": 0.0}
    budgets = [member(sessions, name, wants) for name in wants]
    alone = await budgets[0].beat(T0)
    assert alone == CEILING  # a lone process has the whole budget

    at = T0
    for _ in range(3):
        at += timedelta(seconds=1)
        rates = await round_(budgets, at)
        # Never more than the ceiling once everyone has been seen (the first round may exceed it by
        # the newcomers' floors, one heartbeat long).
    assert sum(rates) <= CEILING + 1e-9
    assert rates[0] == pytest.approx(CEILING - 2 * MIN_SHARE_PER_S)  # the broadcaster gets what idle ones leave

    # A web process gets busy (a burst of login links): it gets its fair share, the leader gives way first.
    wants["web-1"] = 100.0
    for _ in range(3):
        at += timedelta(seconds=1)
        rates = await round_(budgets, at)
        assert sum(rates) <= CEILING + 1e-9
    assert rates[0] == pytest.approx(rates[1]) and rates[2] == MIN_SHARE_PER_S

    # The leader dies (no more heartbeats): within EXPIRE_S + one heartbeat its share is taken.
    at += timedelta(seconds=EXPIRE_S + 0.5)
    rates = await round_(budgets[1:], at)
    at += timedelta(seconds=1)
    rates = await round_(budgets[1:], at)
    assert sum(rates) == pytest.approx(CEILING)
    assert rates[0] == pytest.approx(CEILING - MIN_SHARE_PER_S)

    # The last survivor alone: everything.
    at += timedelta(seconds=EXPIRE_S + 0.5)
    assert await budgets[1].beat(at) == CEILING


async def test_a_graceful_stop_gives_the_share_back_at_once(sessions: db.SessionMaker) -> None:
    wants = {"a": 100.0, "b": 100.0}
    a, b = (member(sessions, name, wants) for name in wants)
    at = T0
    for _ in range(2):
        at += timedelta(seconds=1)
        rates = await round_([a, b], at)
    assert rates == pytest.approx([CEILING / 2, CEILING / 2])
    await b.leave()
    assert await a.beat(at + timedelta(seconds=1)) == CEILING


async def test_exactly_one_leader_and_the_standby_takes_over(postgres_database_url: str) -> None:
    events: list[str] = []

    def election(name: str) -> LeaderElection:
        async def elected() -> None:
            events.append(f"{name} elected")

        async def deposed() -> None:
            events.append(f"{name} deposed")

        return LeaderElection(postgres_database_url, "4242", on_elected=elected, on_deposed=deposed,
                              heartbeat_s=0.1)

    first, second = election("first"), election("second")
    first.start()
    await asyncio.wait_for(first.elected.wait(), 10)
    second.start()
    # The second campaigns every heartbeat, and never wins while the first holds the lock.
    for _ in range(3):
        await asyncio.wait_for(second.next_beat(), 10)
    assert not second.leader and first.leader
    await first.stop()  # steps down, closes its session: the lock is free
    await asyncio.wait_for(second.elected.wait(), 5)
    assert events == ["first elected", "first deposed", "second elected"]
    await second.stop()


def test_sqlite_serves_one_process_and_says_so(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ankang.sqlite3'}"
    first = SqliteOwnership(url)
    first.acquire()
    with pytest.raises(DatabaseInUse, match="another Ankang process .*pid \\d+.* SQLite serves one process only"):
        SqliteOwnership(url).acquire()
    first.release()
    again = SqliteOwnership(url)
    again.acquire()  # free once the first has gone
    again.release()
    SqliteOwnership("sqlite+aiosqlite:///:memory:").acquire()  # nothing to share


async def test_a_leader_that_loses_the_database_steps_down_and_the_standby_leads(postgres_database_url: str) -> None:
    import asyncpg

    from core.cluster import asyncpg_dsn

    events: list[str] = []

    def election(name: str) -> LeaderElection:
        async def elected() -> None:
            events.append(f"{name} elected")

        async def deposed() -> None:
            events.append(f"{name} deposed")

        return LeaderElection(postgres_database_url, "4343", on_elected=elected, on_deposed=deposed,
                              heartbeat_s=0.2)

    first, second = election("first"), election("second")
    first.start()
    await asyncio.wait_for(first.elected.wait(), 10)
    second.start()
    await asyncio.wait_for(second.next_beat(), 10)
    # The leader's session is cut off by the server (as a network failure or a restart would).
    admin = await asyncpg.connect(asyncpg_dsn(postgres_database_url))
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND pid <> pg_backend_pid()")
    finally:
        await admin.close()
    assert killed == 1
    started = asyncio.get_running_loop().time()
    await asyncio.wait_for(second.elected.wait(), 5)
    assert asyncio.get_running_loop().time() - started < 5
    # The old leader noticed at its next heartbeat and stepped down (its duties stopped).
    await asyncio.wait_for(first.next_beat(), 10)
    assert events == ["first elected", "first deposed", "second elected"] or \
        events == ["first elected", "second elected", "first deposed"]
    assert not first.leader
    # The old leader campaigns again, and loses while the second leads.
    await asyncio.wait_for(first.next_beat(), 10)
    await asyncio.wait_for(first.next_beat(), 10)
    assert not first.leader and second.leader
    await first.stop()
    await second.stop()


async def test_a_lock_with_the_same_key_in_another_database_is_not_another_leader(postgres_database_url: str) -> None:
    """Advisory locks belong to a database: a leader cut off from its database takes its lock again even
    while a process of another deployment on the same server holds the same key in its own database."""
    import asyncpg

    from core.cluster import asyncpg_dsn
    from tests.conftest import fresh_postgres_database, postgres_server_url

    base = postgres_server_url()
    assert base is not None
    events: list[str] = []

    async def deposed() -> None:
        events.append("deposed")

    async def nothing() -> None:
        pass

    async with fresh_postgres_database(base) as other_url:
        neighbour = LeaderElection(other_url, "4444", on_elected=nothing, on_deposed=nothing, heartbeat_s=0.2)
        neighbour.start()
        await asyncio.wait_for(neighbour.elected.wait(), 10)
        ours = LeaderElection(postgres_database_url, "4444", on_elected=nothing, on_deposed=deposed,
                              heartbeat_s=0.2)
        ours.start()
        await asyncio.wait_for(ours.elected.wait(), 10)
        admin = await asyncpg.connect(asyncpg_dsn(postgres_database_url))
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND pid <> pg_backend_pid()")
        finally:
            await admin.close()
        assert killed == 1
        for _ in range(6):  # past the standbys' three heartbeats of head start
            await asyncio.wait_for(ours.next_beat(), 10)
        assert ours.leader and neighbour.leader and events == []
        await ours.stop()
        await neighbour.stop()


def test_a_getupdates_conflict_is_one_warning_line(caplog: pytest.LogCaptureFixture) -> None:
    from telegram.error import Conflict

    from ankang.runner import polling_error

    with caplog.at_level("WARNING"):
        polling_error(Conflict("Conflict: terminated by other getUpdates request"))
    assert len(caplog.records) == 1
    record = caplog.records[0]
    assert record.levelname == "WARNING" and "409 Conflict" in record.getMessage() and record.exc_info is None
