"""SQLite's writers queue in-process (``core.db.WriteGate``): in order, urgent ones first, none lost to a
cancellation, and none left to collide inside SQLite."""
import asyncio

from sqlalchemy import text

from core import db


async def _holder(gate: db.WriteGate, inside: asyncio.Event, leave: asyncio.Event) -> None:
    async with gate.turn():
        inside.set()
        await leave.wait()


async def _queued(gate: db.WriteGate, n: int) -> None:
    """Let the tasks just created run until ``n`` of them wait for the gate."""
    while gate.waiting < n:
        await asyncio.sleep(0)


async def test_an_urgent_writer_goes_before_the_writers_that_waited_longer():
    gate = db.WriteGate()
    inside, leave = asyncio.Event(), asyncio.Event()
    holder = asyncio.create_task(_holder(gate, inside, leave))
    await inside.wait()
    order: list[str] = []

    async def write(name: str, urgent: bool) -> None:
        async with gate.turn(urgent=urgent):
            order.append(name)

    tasks = [asyncio.create_task(write("answer 1", False))]
    await _queued(gate, 1)
    tasks.append(asyncio.create_task(write("answer 2", False)))
    await _queued(gate, 2)
    tasks.append(asyncio.create_task(write("start", True)))
    await _queued(gate, 3)
    leave.set()
    await asyncio.gather(holder, *tasks)
    assert order == ["start", "answer 1", "answer 2"]
    assert gate.waiting == 0


async def test_a_writer_cancelled_in_the_queue_or_as_it_is_handed_the_turn_passes_it_on():
    gate = db.WriteGate()
    done: list[str] = []

    async def write(name: str) -> None:
        async with gate.turn():
            done.append(name)

    async with gate.turn():
        cancelled_waiting = asyncio.create_task(write("cancelled while waiting"))
        cancelled_handed = asyncio.create_task(write("cancelled as handed the turn"))
        last = asyncio.create_task(write("last"))
        await _queued(gate, 3)
        cancelled_waiting.cancel()
    # Leaving the gate handed the turn to the second waiter, which has not run yet: cancelled now.
    cancelled_handed.cancel()
    await asyncio.gather(cancelled_waiting, cancelled_handed, return_exceptions=True)
    await last
    assert done == ["last"]
    async with asyncio.timeout(1):  # the gate is free again
        async with gate.turn():
            pass


def test_one_gate_per_sqlite_engine_and_none_on_postgresql(tmp_path):
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'gate.sqlite3'}")
    other = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'other.sqlite3'}")
    gate = db.write_gate(db.create_sessionmaker(engine))
    assert gate is not None
    assert db.write_gate(db.create_sessionmaker(engine)) is gate  # the bot's and the sender's sessions share it
    assert db.write_gate(db.create_sessionmaker(other)) not in (None, gate)
    postgres = db.create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none")  # never connected
    assert db.write_gate(db.create_sessionmaker(postgres)) is None


async def test_writers_through_the_gate_never_meet_sqlites_busy_lock(tmp_path):
    """With no busy timeout at all, SQLite refuses a second writer at once ("database is locked"); through the
    gate twenty writers, each holding its transaction open across the event loop, all commit."""
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'busy.sqlite3'}", sqlite_busy_timeout_s=0)
    sessions = db.create_sessionmaker(engine)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER)"))

        async def write(n: int) -> None:
            async with db.writing(sessions, urgent=n % 3 == 0) as session:
                await session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
                await asyncio.sleep(0.001)  # the write lock is held while the loop runs the others
                await session.execute(text("UPDATE t SET n = n WHERE n = :n"), {"n": n})

        await asyncio.gather(*(write(n) for n in range(20)))
        async with sessions() as session:
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 20
    finally:
        await engine.dispose()
