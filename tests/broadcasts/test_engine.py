"""The delivery engine with the bot's Transport over a real PTB Bot and the emulator: schedules,
restarts, missed firings, blocked workers, 429s, crash recovery, concurrent senders (the pacing
itself is tested on a virtual clock in tests/core/test_outgoing.py)."""
from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select

from broadcasts.models import Delivery, Occurrence
from broadcasts.schedules import What, When, create_schedule
from core.models import User
from tests.broadcasts.conftest import add_subscribers, telegram_transport, until


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
    assert second.scheduler.get_job("schedule-1") is not None
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


async def test_blocked_worker_is_marked_inactive_and_a_lone_429_holds_only_its_chat(
    clocked_services, make_engine, library, emulator, clock
):
    services = clocked_services
    gone, held, *others = await add_subscribers(services, emulator, 6)
    await emulator.block(gone)
    emulator.fail_next(1, "retry_after", method="sendMessage", chat_id=held.id, retry_after=1)
    schedule_id = await make_schedule(services, library, clock, WEEKLY_MON_9)

    engine = make_engine()
    await engine.start()
    await engine.send_now(schedule_id)
    await until(lambda: all_done(services), what="the broadcast to finish")

    async with services.sessions() as session:
        rows = (await session.execute(select(Delivery.chat_id, Delivery.status, Delivery.sent_at))).all()
        assert (await session.get(User, gone.id)).blocked_at is not None
        assert (await session.get(User, held.id)).blocked_at is None
    statuses = {chat_id: status for chat_id, status, _ in rows}
    sent_at = {chat_id: at for chat_id, _, at in rows}
    assert statuses == {gone.id: "blocked", held.id: "sent", **{p.id: "sent" for p in others}}
    # The 429 was waited out for that chat alone: the others went on and finished first.
    assert engine.sender.stats.rate_limited == 1
    outgoing = services.outgoing.stats
    assert outgoing.chat_holds == 1 and outgoing.pauses == 0
    assert sent_at[held.id] > max(sent_at[p.id] for p in others)
    assert all(len(emulator.messages(p)) == 1 for p in (held, *others))
    assert emulator.stats.violations == 0  # the 429 was injected; our pacing caused none
    [done] = await occurrences(services)
    assert (done.sent, done.blocked, done.failed) == (5, 1, 0)


async def test_a_cluster_of_429s_across_chats_pauses_all_broadcast_traffic(
    clocked_services, make_engine, library, emulator, clock
):
    from core.outgoing import GLOBAL_429_CLUSTER

    services = clocked_services
    people = await add_subscribers(services, emulator, GLOBAL_429_CLUSTER + 3)
    emulator.fail_next(GLOBAL_429_CLUSTER, "retry_after", method="sendMessage", retry_after=1)
    schedule_id = await make_schedule(services, library, clock, WEEKLY_MON_9)

    engine = make_engine()
    await engine.start()
    await engine.send_now(schedule_id)
    await until(lambda: all_done(services), what="the broadcast to finish")

    assert engine.sender.stats.rate_limited == GLOBAL_429_CLUSTER
    assert services.outgoing.stats.pauses == 1
    assert all(len(emulator.messages(p)) == 1 for p in people)
    assert emulator.stats.violations == 0


async def test_kill_mid_broadcast_resumes_without_losing_or_repeating(
        clocked_services, make_engine, library, emulator, clock):
    services = clocked_services
    people = await add_subscribers(services, emulator, 40)
    lesson = library.lessons[0]
    schedule_id = await make_schedule(services, library, clock, WEEKLY_MON_9, What("lesson", lesson_id=lesson.id))

    # Its claims outlive a stall of a few seconds (CI's PostgreSQL run on a loaded 2-core machine once sent none of
    # the first five within 10 s at lease 1 s); the takeover below waits out at most this lease.
    first = make_engine(lease_s=3.0)
    await first.start()
    await first.send_now(schedule_id)

    async def some_sent():
        async with services.sessions() as session:
            return (await session.execute(select(func.count()).select_from(Delivery).where(
                Delivery.status == "sent"))).scalar_one() >= 5

    await until(some_sent, timeout=30, what="part of the broadcast to go out")
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


async def test_two_senders_on_postgresql_never_send_one_delivery_twice(
    postgres_database_url, make_settings, library, emulator, clock
):
    """Runs in both CI runs: ``postgres_database_url`` is a fresh PostgreSQL database whatever the suite's."""
    from ankang.services import open_services
    from broadcasts.engine import BroadcastEngine
    from emulator.limits import RateLimits

    emulator.set_rate_limits(RateLimits.off())
    services = await open_services(make_settings(
        database_url=postgres_database_url, telegram_api_url=emulator.url, send_rate=500.0), clock=clock)
    a = b = None
    try:
        # The transport paces by these services' scheduler, at their 500 messages/s: the ``transport``
        # fixture's (the suite database's services, 25/s) made the 150 sends take 6 s.
        async with telegram_transport(emulator, services) as transport:
            try:
                assert services.engine.dialect.name == "postgresql"
                people = await add_subscribers(services, emulator, 150)
                schedule_id = await make_schedule(services, library, clock, WEEKLY_MON_9)
                a = BroadcastEngine(services, library, transport, worker_id="a", concurrency=20)
                b = BroadcastEngine(services, library, transport, worker_id="b", concurrency=20)
                await a.start()
                await b.start()
                await a.send_now(schedule_id)
                b.sender.wake()
                await until(lambda: all_done(services), timeout=30, what="both senders to drain the queue")
                assert all(len(emulator.messages(p)) == 1 for p in people)
                assert a.sender.stats.messages > 0 and b.sender.stats.messages > 0
                assert a.sender.stats.messages + b.sender.stats.messages == 150
            finally:
                for engine in (a, b):
                    if engine is not None:
                        await engine.abort()
    finally:
        await services.close()


async def test_stop_ends_the_sender_even_when_it_is_woken_at_that_moment(make_engine):
    """A wake-up (a send-now, a worker finishing) in the same instant as stop() must not swallow the
    cancellation: the sender ends, so shutdown (and a crash test's abort) never waits forever."""
    engine = make_engine()
    await engine.start()

    async def idle():
        return engine.sender.idle

    await until(idle, what="the sender to wait for work")
    engine.sender.wake()
    loop = asyncio.get_running_loop()
    started = loop.time()
    # stop() cancels the sender in this very instant. Were the cancellation lost, only the timeout's own
    # (which stop() passes on to the sender task it awaits) would end it.
    async with asyncio.timeout(5):
        await engine.stop()
    assert loop.time() - started < 2, "the sender ignored stop()"
    assert not engine.running


@pytest.mark.parametrize("cron, weekdays", [
    ("0 9 * * 1", {0}),              # Monday, as crontab counts (APScheduler alone would say Tuesday)
    ("30 8 * * 1-5", {0, 1, 2, 3, 4}),
    ("0 9 * * 0", {6}), ("0 9 * * 7", {6}),  # Sunday both ways
    ("0 9 * * 6,0", {5, 6}),
    ("0 9 * * */2", {6, 1, 3, 5}),    # Sun, Tue, Thu, Sat
    ("0 9 * * mon-fri", {0, 1, 2, 3, 4}),
])
def test_crontab_weekdays_fire_on_the_days_crontab_means(cron, weekdays):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from broadcasts.schedules import crontab_trigger

    tz = ZoneInfo("Asia/Shanghai")
    trigger = crontab_trigger(cron, tz)
    now = datetime(2026, 12, 7, 0, 0, tzinfo=tz)  # a Monday
    seen, previous = set(), None
    for _ in range(14):
        fire = trigger.get_next_fire_time(previous, now)
        seen.add(fire.weekday())
        previous, now = fire, fire + timedelta(minutes=1)
    assert seen == weekdays


async def test_a_firing_during_a_database_outage_waits_for_the_database_instead_of_being_dropped(
        make_settings, emulator, library, transport, clock, tmp_path):
    """The schedule runner under supervision (issue 17, point 1): the SQLite file locked at 09:00."""
    from ankang.services import open_services
    from bench.faults import SqliteLock
    from broadcasts.engine import SCHEDULER_LOOP, BroadcastEngine
    from core.supervision import LoopStatus

    path = tmp_path / "firing.sqlite3"
    services = await open_services(make_settings(
        database_url=f"sqlite+aiosqlite:///{path}", telegram_api_url=emulator.url, sqlite_busy_timeout_s=0.2),
        clock=clock)
    lock = SqliteLock(path)
    try:
        await add_subscribers(services, emulator, 3)
        schedule_id = await make_schedule(services, library, clock, WEEKLY_MON_9)
        engine = BroadcastEngine(services, library, transport)
        clock.advance(hours=1, seconds=5)  # Monday 09:00:05 Shanghai: the timer fires
        await lock.take()
        firing = asyncio.create_task(engine._fire(schedule_id))

        async def failing() -> bool:
            return services.loops.state(SCHEDULER_LOOP).status == LoopStatus.FAILING

        await until(failing, what="the firing to meet the locked database")
        assert not firing.done()
        await lock.release()
        await asyncio.wait_for(firing, 30)
        assert [o.schedule_id for o in await occurrences(services)] == [schedule_id]
    finally:
        await lock.release()
        await services.close()
