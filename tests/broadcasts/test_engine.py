"""The delivery engine with the bot's Transport over a real PTB Bot and the emulator: schedules,
restarts, missed firings, blocked workers, 429s, crash recovery, concurrent senders."""
from __future__ import annotations

import os
from collections import Counter

import pytest
from sqlalchemy import func, select

from broadcasts.models import Delivery, Occurrence, Schedule
from broadcasts.schedules import What, When, create_schedule
from core.models import User
from tests.broadcasts.conftest import add_subscribers, until


async def make_schedule(services, library, clock, when: When, what: What | None = None, topics=()):
    async with services.sessions() as session, session.begin():
        schedule = await create_schedule(session, library, what or What("text", text="冬季用电安全提醒"), when,
                                         topics=topics, now=clock.now())
        return schedule.id


async def occurrences(services):
    async with services.sessions() as session:
        return list((await session.execute(select(Occurrence).order_by(Occurrence.id))).scalars())


async def all_done(services):
    async with services.sessions() as session:
        left = (await session.execute(select(func.count()).select_from(Delivery).where(
            Delivery.status.in_(("pending", "claimed"))))).scalar_one()
        running = (await session.execute(select(func.count()).select_from(Occurrence).where(
            Occurrence.status == "running"))).scalar_one()
    return left == 0 and running == 0


WEEKLY_MON_9 = When("weekly", weekdays=("mon",), at_time="09:00")


async def test_recurring_schedule_fires_twice_across_a_restart(clocked_services, make_engine, library, emulator, clock):
    services = clocked_services
    [worker] = await add_subscribers(services, emulator, 1)
    await make_schedule(services, library, clock, WEEKLY_MON_9)

    first = make_engine()
    await first.start()
    clock.advance(hours=1, seconds=5)  # Monday 09:00:05 Shanghai
    assert len(await first.check_due()) == 1
    await until(lambda: all_done(services), what="the first firing to be sent")
    await first.stop()

    second = make_engine()  # a restart: the schedule comes back from the database
    await second.start()
    assert second.scheduler.get_job(f"schedule-1") is not None
    clock.advance(days=7)
    assert len(await second.check_due()) == 1
    assert await second.check_due() == []  # firing the same time again does nothing
    await until(lambda: all_done(services), what="the second firing to be sent")
    await second.stop()

    fired = await occurrences(services)
    assert [o.status for o in fired] == ["done", "done"]
    assert [m["text"] for m in emulator.messages(worker)].count("📢 工会通知\n\n冬季用电安全提醒") == 2


@pytest.mark.parametrize(("late_minutes", "sent"), [(30, True), (120, False)])
async def test_missed_firing_is_sent_within_grace_and_skipped_beyond(
    clocked_services, make_engine, library, emulator, clock, late_minutes, sent
):
    services = clocked_services
    [worker] = await add_subscribers(services, emulator, 1)
    await make_schedule(services, library, clock, WEEKLY_MON_9)
    clock.advance(hours=1, minutes=late_minutes)  # the process was down at 09:00

    engine = make_engine()
    await engine.start()  # recovery happens at start
    fired = await occurrences(services)
    assert len(fired) == 1
    if sent:
        await until(lambda: all_done(services), what="the recovered firing")
        assert len(emulator.messages(worker)) == 1
    else:
        assert fired[0].status == "skipped" and fired[0].reason == "missed"
        assert fired[0].recipients == 0
    # Either way the firing is dealt with once: a later check changes nothing.
    assert await engine.check_due() == []


async def test_blocked_worker_is_marked_inactive_and_429_is_waited_out(clocked_services, make_engine, library, emulator, clock):
    services = clocked_services
    gone, ok = await add_subscribers(services, emulator, 2)
    await emulator.block(gone)
    emulator.fail_next(1, "retry_after", method="sendMessage", retry_after=1)
    schedule_id = await make_schedule(services, library, clock, WEEKLY_MON_9)

    engine = make_engine()
    await engine.start()
    await engine.send_now(schedule_id)
    await until(lambda: all_done(services), what="the broadcast to finish")

    async with services.sessions() as session:
        statuses = dict((await session.execute(select(Delivery.chat_id, Delivery.status))).all())
        assert (await session.get(User, gone.id)).blocked_at is not None
        assert (await session.get(User, ok.id)).blocked_at is None
    assert statuses == {gone.id: "blocked", ok.id: "sent"}
    assert engine.sender.stats.rate_limited == 1
    assert len(emulator.messages(ok)) == 1
    assert emulator.stats.violations == 0  # the 429 was injected; our pacing caused none
    [done] = await occurrences(services)
    assert (done.sent, done.blocked, done.failed) == (1, 1, 0)


async def test_kill_mid_broadcast_resumes_without_losing_or_repeating(clocked_services, make_engine, library, emulator, clock):
    services = clocked_services
    people = await add_subscribers(services, emulator, 40)
    lesson = library.lessons[0]
    schedule_id = await make_schedule(services, library, clock, WEEKLY_MON_9, What("lesson", lesson_id=lesson.id))

    first = make_engine(lease_s=1.0)
    await first.start()
    await first.send_now(schedule_id)

    async def some_sent():
        async with services.sessions() as session:
            return (await session.execute(select(func.count()).select_from(Delivery).where(
                Delivery.status == "sent"))).scalar_one() >= 5

    await until(some_sent, what="part of the broadcast to go out")
    await first.abort()  # as abrupt as a crash: claims stay behind
    in_flight_bound = first.sender.concurrency

    second = make_engine(lease_s=1.0)
    await second.start()
    await until(lambda: all_done(services), timeout=30, what="the resumed broadcast")

    counts = Counter()
    for person in people:
        kinds = ["poll" if "poll" in m else "text" for m in emulator.messages(person)]
        counts["lost"] += int("poll" not in kinds or "text" not in kinds)
        counts["duplicates"] += len(kinds) - 2
    assert counts["lost"] == 0
    assert counts["duplicates"] <= in_flight_bound
    assert emulator.stats.violations == 0


@pytest.mark.skipif(not os.environ.get("ANKANG_TEST_DATABASE_URL"), reason="needs PostgreSQL")
async def test_two_senders_on_postgresql_never_send_one_delivery_twice(clocked_services, make_engine, library, emulator, clock):
    from bot.devserver.limits import RateLimits

    services = clocked_services
    emulator.set_rate_limits(RateLimits.off())
    people = await add_subscribers(services, emulator, 300)
    schedule_id = await make_schedule(services, library, clock, WEEKLY_MON_9)
    a, b = make_engine(worker_id="a"), make_engine(worker_id="b")
    for engine in (a, b):
        engine.sender.pacer.rate_per_s = engine.sender.pacer.capacity = 500.0
    await a.start()
    await b.start()
    await a.send_now(schedule_id)
    b.sender.wake()
    await until(lambda: all_done(services), timeout=30, what="both senders to drain the queue")
    assert all(len(emulator.messages(p)) == 1 for p in people)
    assert a.sender.stats.messages > 0 and b.sender.stats.messages > 0
    assert a.sender.stats.messages + b.sender.stats.messages == 300
