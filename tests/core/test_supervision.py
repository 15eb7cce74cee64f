"""The shared supervisor of background loops (core.supervision), the write-behind queue
(core.writebehind) and what /healthz makes of them (issue 17, points 1 and 2)."""
from __future__ import annotations

import logging
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from bench.faults import SqliteLock
from core import db
from core.supervision import STUCK_AFTER_S, Loops, LoopStatus, is_database_fault
from core.writebehind import WriteBehind
from knowledge.models import QuestionStat, record_question
from tests.broadcasts.conftest import until
from web.app import create_web_app

SECRET = "隐患描述里的秘密"


def database_down() -> OperationalError:
    """What SQLAlchemy raises when the server is gone; its text quotes the statement and values."""
    return OperationalError(f"UPDATE deliveries SET note='{SECRET}'", {"note": SECRET},
                            ConnectionRefusedError(f"connect failed {SECRET}"))


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_an_outage_is_logged_once_and_its_recovery_once_without_its_data(caplog):
    clock = Clock()
    loops = Loops(monotonic=clock)
    caplog.set_level(logging.INFO, logger="core.supervision")
    for _ in range(50):
        loops.failed("broadcast-sender", database_down())
        clock.t += 0.1
    loops.ok("broadcast-sender")  # a server shutting down answers a call now and then: flapping
    loops.failed("broadcast-sender", database_down())
    clock.t += 20
    loops.ok("broadcast-sender")
    clock.t += 3
    loops.ok("broadcast-sender")
    loops.ok("broadcast-sender")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2, lines
    assert "the database failed" in lines[0] and "OperationalError" in lines[0]
    assert "recovered after 51 failed attempt(s)" in lines[1]
    assert all(SECRET not in line and "UPDATE" not in line for line in lines)


def test_a_loop_failing_or_silent_longer_than_a_minute_is_stuck():
    clock = Clock()
    loops = Loops(monotonic=clock)
    loops.register("broadcast-sender", beat_within_s=20)
    loops.failed("broadcast-scheduler", database_down())
    clock.t += STUCK_AFTER_S - 1
    loops.ok("broadcast-sender")
    loops.failed("broadcast-scheduler", database_down())  # still the same outage
    healthy, states = loops.report()
    assert healthy and states["broadcast-scheduler"]["status"] == "failing"
    assert states["broadcast-scheduler"]["error"] == "OperationalError ← ConnectionRefusedError"
    clock.t += 2
    healthy, states = loops.report()
    assert not healthy and states["broadcast-scheduler"]["status"] == "stuck"
    # A loop that promised to beat and has not for longer than the limit is stuck too.
    clock.t += STUCK_AFTER_S
    loops.ok("broadcast-scheduler")
    healthy, states = loops.report()
    assert not healthy and states["broadcast-sender"]["status"] == "stuck"
    assert states["broadcast-scheduler"]["status"] == "ok"


@pytest.mark.parametrize("error, fault", [
    (database_down(), True),
    (OperationalError("SELECT 1", {}, Exception("database is locked")), True),
    (ConnectionRefusedError(), True),
    (IntegrityError("INSERT", {}, Exception("duplicate key")), False),
    (ValueError("a bug"), False),
    # asyncpg used directly (the leader election): a broken connection or a protocol left mid-operation by a
    # timed-out query is a fault; a query the server rejects is not.
    (asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"), True),
    (asyncpg.exceptions._base.InternalClientError("cannot switch to state 3"), True),
    (asyncpg.exceptions.InterfaceError("another operation is in progress"), True),
    (asyncpg.exceptions.AdminShutdownError("terminating connection"), True),
    (asyncpg.exceptions.PostgresSyntaxError("syntax error"), False),
])
def test_only_faults_of_the_database_are_retried(error, fault):
    assert is_database_fault(error) is fault


async def test_retry_waits_out_the_database_and_raises_anything_else():
    loops = Loops(backoff=lambda attempts: 0.0)
    calls = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise database_down()
        return "written"

    assert await loops.retry("write-behind", flaky) == "written"
    assert len(calls) == 3 and loops.state("write-behind").status == LoopStatus.OK

    async def buggy() -> None:
        calls.append(1)
        raise ValueError("a bug is not retried")

    calls.clear()
    with pytest.raises(ValueError):
        await loops.retry("write-behind", buggy)
    assert len(calls) == 1


async def test_run_forever_restarts_a_loop_that_raised(caplog):
    import asyncio

    loops = Loops(backoff=lambda attempts: 0.0)
    runs = []
    done = asyncio.Event()

    async def body() -> None:
        runs.append(1)
        if len(runs) < 3:
            raise RuntimeError("broken round")
        done.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(loops.run_forever("purge", body))
    await asyncio.wait_for(done.wait(), 5)
    assert len(runs) == 3
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert loops.state("purge").status == LoopStatus.STOPPED
    assert sum("purge failed" in r.getMessage() for r in caplog.records) == 1


async def sqlite_database(tmp_path: Path, busy_timeout_s: float = 0.2):
    path = tmp_path / "writes.sqlite3"
    engine = db.create_engine(f"sqlite+aiosqlite:///{path}", sqlite_busy_timeout_s=busy_timeout_s)
    await db.upgrade(engine)
    return path, engine


async def test_write_behind_keeps_writes_while_locked_drops_the_oldest_when_full_and_flushes(tmp_path, caplog):
    from datetime import date

    path, engine = await sqlite_database(tmp_path)
    loops = Loops(backoff=lambda attempts: 0.05)
    writes = WriteBehind(db.create_sessionmaker(engine), loops, max_pending=3)
    writes.start()
    lock = SqliteLock(path)
    try:
        await lock.take()
        for day in range(1, 6):  # five days' counts; room for three
            async def write(session, day=day) -> None:
                await record_question(session, date(2026, 12, day), "answer", "ppe")

            assert await writes.write("question statistic", write) is False
        assert writes.pending == 3 and writes.dropped == 2
        assert sum("queue full" in r.getMessage() for r in caplog.records) == 1
        await lock.release()

        async def flushed() -> bool:
            return writes.pending == 0

        await until(flushed, what="the queue to be flushed")  # the flusher notices within its backoff
        async with db.create_sessionmaker(engine)() as session:
            days = sorted(d.day for d in (await session.execute(select(QuestionStat.day))).scalars())
            total = (await session.execute(select(func.sum(QuestionStat.count)))).scalar_one()
        assert days == [3, 4, 5] and total == 3  # the oldest two were dropped, the rest written in order
        assert writes.written_late == 3
    finally:
        await lock.release()
        await writes.stop()
        await engine.dispose()


async def test_a_queued_write_dropped_while_it_was_being_written_is_not_counted_as_dropped(tmp_path):
    """The queue fills while its oldest write is in a transaction: that one is dropped from the queue,
    but it commits all the same, so it counts as written, not as lost."""
    from datetime import date

    path, engine = await sqlite_database(tmp_path)
    loops = Loops(backoff=lambda attempts: 0.05)
    writes = WriteBehind(db.create_sessionmaker(engine), loops, max_pending=2)
    lock = SqliteLock(path)
    overflowed = False

    def stat(day: int):
        async def write(session) -> None:
            nonlocal overflowed
            # The first write, run by the flusher from a full queue: a third one arrives meanwhile.
            if day == 1 and writes.pending == 2 and not overflowed:
                overflowed = True
                assert await writes.write("question statistic", stat(3)) is False
            await record_question(session, date(2026, 12, day), "answer", "ppe")
        return write

    try:
        await lock.take()
        for day in (1, 2):
            assert await writes.write("question statistic", stat(day)) is False
        await lock.release()
        writes.start()

        async def flushed() -> bool:
            return overflowed and writes.pending == 0

        await until(flushed, what="the queue to be flushed")
        async with db.create_sessionmaker(engine)() as session:
            days = sorted(d.day for d in (await session.execute(select(QuestionStat.day))).scalars())
        assert days == [1, 2, 3]
        assert writes.dropped == 0 and writes.written_late == 3
    finally:
        await lock.release()
        await writes.stop()
        await engine.dispose()


async def test_healthz_lists_each_loop_and_answers_503_once_one_is_stuck(services):
    async with TestClient(TestServer(create_web_app(services))) as client:
        services.loops.register("broadcast-sender")
        body = await (await client.get("/healthz")).json()
        assert body["loops"]["broadcast-sender"]["status"] == "ok"
        services.loops.stuck_after_s = 0.0  # anything failing at all is "longer than the limit"
        services.loops.failed("broadcast-sender", database_down())
        response = await client.get("/healthz")
        body = await response.json()
        assert response.status == 503 and body["status"] == "error"
        assert body["loops"]["broadcast-sender"]["status"] == "stuck"
        assert SECRET not in await response.text()
        services.loops.ok("broadcast-sender")
        response = await client.get("/healthz")
        assert response.status == 200 and (await response.json())["status"] == "ok"


async def test_every_retries_a_failed_round_after_the_backoff_not_a_whole_interval():
    import asyncio

    loops = Loops(backoff=lambda attempts: 0.0)
    rounds: list[str] = []
    third = asyncio.Event()

    async def purge() -> None:
        rounds.append("round")
        if len(rounds) <= 2:
            raise database_down()
        third.set()

    task = asyncio.create_task(loops.every("tips-jobs", 3600.0, purge))
    await asyncio.wait_for(third.wait(), 5)  # an interval of an hour: only the backoff can get here
    assert len(rounds) == 3 and loops.state("tips-jobs").status == LoopStatus.OK
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_stopping_a_periodic_loop_lets_the_round_under_way_finish_first():
    """Cancelled mid-round (the process stops), the round still commits: cancelled inside a
    transaction, a pooled connection was left mid-rollback and SQLAlchemy printed a traceback."""
    import asyncio

    loops = Loops(backoff=lambda attempts: 0.0)
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[str] = []

    async def round_() -> None:
        started.set()
        await release.wait()
        finished.append("committed")

    task = asyncio.create_task(loops.every("tips-jobs", 3600.0, round_))
    await started.wait()
    task.cancel()
    await asyncio.sleep(0)  # the cancellation is delivered; the round must go on
    assert not task.done() and finished == []
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert finished == ["committed"]


async def test_a_round_stuck_past_the_grace_is_cancelled_with_its_loop():
    import asyncio

    from core.supervision import finish_when_cancelled

    stuck_cancelled = asyncio.Event()

    async def stuck() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            stuck_cancelled.set()
            raise

    outer = asyncio.create_task(finish_when_cancelled(stuck(), grace_s=0.05))
    await asyncio.sleep(0)
    outer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await outer
    assert stuck_cancelled.is_set()


async def test_every_background_loop_of_a_running_ankang_is_on_healthz(ankang):
    import aiohttp

    expected = {"broadcast-sender", "broadcast-scheduler", "broadcast-compaction", "write-behind", "tips-jobs",
                "handoff-watch", "campaign-timeouts"}
    if ankang.services.engine.dialect.name == "postgresql":
        expected |= {"leader-election", "send-budget"}  # several processes: a leader, one shared budget

    async def healthz() -> tuple[int, dict] | None:
        async with aiohttp.ClientSession() as http, http.get(f"{ankang.web_url}/healthz") as response:
            body = await response.json()
        # On PostgreSQL the process wins the election after start-up, then starts the leader's loops.
        return (response.status, body) if set(body["loops"]) == expected else None

    status, body = await until(healthz, what="every loop on /healthz")
    assert status == 200
    assert {state["status"] for state in body["loops"].values()} == {"ok"}
