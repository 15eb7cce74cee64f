"""Finished broadcasts keep their delivery rows ANKANG_DELIVERY_RETENTION_DAYS, then only their counts
(issue 14, point 6), on the test's clock."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from broadcasts.models import Delivery, Occurrence
from broadcasts.occurrences import compact_finished, latest_occurrences, progress
from broadcasts.schedules import What, When, create_schedule
from tests.broadcasts.conftest import add_subscribers, until


async def delivery_rows(services) -> int:
    async with services.sessions() as session:
        return (await session.execute(select(func.count()).select_from(Delivery))).scalar_one()


async def finished(services, occurrence_id: int) -> Occurrence | None:
    async with services.sessions() as session:
        occurrence = await session.get_one(Occurrence, occurrence_id)
        return occurrence if occurrence.finished_at is not None else None


async def test_a_finished_broadcast_keeps_its_rows_for_the_retention_then_only_its_counts(
    clocked_services, make_engine, library, emulator, clock
):
    services = clocked_services
    assert services.settings.delivery_retention_days == 90  # the default
    gone, *others = await add_subscribers(services, emulator, 4)
    await emulator.block(gone)
    async with services.sessions() as session, session.begin():
        schedule_id = (await create_schedule(session, library, What("text", text="冬季用电安全提醒"),
                                             When("weekly", weekdays=("mon",), at_time="09:00"),
                                             now=clock.now())).id
    engine = make_engine()
    await engine.start()
    occurrence_id = await engine.send_now(schedule_id)
    done = await until(lambda: finished(services, occurrence_id), what="the broadcast to finish")
    async with services.sessions() as session:
        before = await progress(session, occurrence_id)
    assert (before.recipients, before.sent, before.blocked, before.pending) == (4, 3, 1, 0)
    assert await delivery_rows(services) == 4

    assert done.finished_at is not None
    clock.set(done.finished_at + timedelta(days=89, hours=23))  # not yet 90 days
    assert await engine.compact() == 0
    assert await delivery_rows(services) == 4

    clock.set(done.finished_at + timedelta(days=90, minutes=1))
    assert await engine.compact() == 1
    assert await delivery_rows(services) == 0
    async with services.sessions() as session:
        after = await progress(session, occurrence_id)  # what the bot's and the console's reports show
        [listed] = await latest_occurrences(session)
    assert after == before
    assert listed.compacted_at == clock.now() and (listed.sent, listed.blocked) == (3, 1)
    assert await engine.compact() == 0  # nothing left to compact: idempotent


async def test_running_and_recent_broadcasts_are_never_compacted(
    clocked_services, make_engine, library, emulator, clock
):
    services = clocked_services
    await add_subscribers(services, emulator, 2)
    async with services.sessions() as session, session.begin():
        schedule_id = (await create_schedule(session, library, What("text", text="安全提醒"),
                                             When("weekly", weekdays=("mon",), at_time="09:00"),
                                             now=clock.now())).id
    engine = make_engine()
    await engine.start()
    first = await engine.send_now(schedule_id)
    await until(lambda: finished(services, first), what="the first broadcast to finish")
    await engine.stop()  # the second one stays queued (running) while the clock moves on
    from broadcasts.occurrences import send_now

    second = await send_now(services.sessions, schedule_id, clock.now() + timedelta(seconds=1))
    async with services.sessions() as session:
        first_done = await session.get_one(Occurrence, first)
    assert first_done.finished_at is not None
    # A retention of one day, and a year later: the finished one is compacted, the running one kept.
    compacted = await compact_finished(services.sessions, first_done.finished_at + timedelta(days=365), 1)
    assert compacted == 1
    async with services.sessions() as session:
        left = (await session.execute(select(Delivery.occurrence_id, func.count()).group_by(
            Delivery.occurrence_id))).all()
        assert left == [(second, 2)]
        assert (await progress(session, second)).pending == 2
