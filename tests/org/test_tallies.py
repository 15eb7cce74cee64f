"""The rollups' tallies (org.tallies) follow every change to what they count — a worker joining, moving and
leaving, subscribing and blocking, a lesson received and a quiz answered (in any order of time), units merged
and retired, bulk statements and cascades — and always equal a count afresh from the raw tables; figures
summed from them equal figures counted from the raw tables (issue 12, Scale)."""
from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, event, insert, literal, select, text, update

from ankang.cli import main
from broadcasts import quiz, subscriptions
from broadcasts.models import LessonProgress, QuizAnswer, QuizPoll
from core import db, users
from core.models import User
from org import rollups, service, tallies
from org.models import ActivityTally, AnswerTally, LastActiveTally, Membership, UnitTally
from tests.org.seed_rollups import AFTER, BEFORE, FIRST_MINUTES, INSIDE, NOW, PERIOD, seed

H_INSIDE, H_BEFORE, H_FIRST, H_AFTER = (tallies.hour_of(t) for t in (INSIDE, BEFORE, FIRST_MINUTES, AFTER))
NOTHING = {"members": None, "activity": {}, "last": {}, "answers": {}}


async def rows(session, unit_id: int) -> dict[str, object]:
    """A unit's tallies: (joined, subscribers), {(hour, prev_hour): workers}, {last active hour: workers},
    {hour: (answers, correct)}."""
    conn = await session.connection()
    kept = (await conn.execute(select(UnitTally.joined, UnitTally.subscribers)
                               .where(UnitTally.unit_id == unit_id))).first()
    activity = await conn.execute(select(ActivityTally.hour, ActivityTally.prev_hour, ActivityTally.workers)
                                  .where(ActivityTally.unit_id == unit_id))
    last = await conn.execute(select(LastActiveTally.hour, LastActiveTally.workers)
                              .where(LastActiveTally.unit_id == unit_id))
    answers = await conn.execute(select(AnswerTally.hour, AnswerTally.answers, AnswerTally.correct)
                                 .where(AnswerTally.unit_id == unit_id))
    return {"members": tuple(kept) if kept else None, "activity": {(h, p): n for h, p, n in activity},
            "last": {h: n for h, n in last}, "answers": {h: (n, c) for h, n, c in answers}}


async def assert_kept_equal_a_recount(session) -> None:
    kept = await tallies.snapshot(session)
    await tallies.rebuild(session)
    assert kept == await tallies.snapshot(session)


async def test_the_seeded_tree_is_tallied_as_it_is_written(services):
    async with services.sessions() as session, session.begin():
        ids = await seed(session)
        assert await rows(session, ids["e1"]) == {
            "members": (2, 2),  # workers 1 and 2, both subscribed
            "activity": {(H_INSIDE, tallies.NEVER): 1, (H_BEFORE, tallies.NEVER): 1},
            "last": {H_INSIDE: 1, H_BEFORE: 1}, "answers": {H_INSIDE: (2, 1)}}
        assert await rows(session, ids["east"]) == {  # worker 4: blocked, so no subscriber
            "members": (1, 0), "activity": {(H_FIRST, tallies.NEVER): 1}, "last": {H_FIRST: 1}, "answers": {}}
        assert await rows(session, ids["west"]) == {
            "members": (1, 1), "activity": {(H_AFTER, tallies.NEVER): 1}, "last": {H_AFTER: 1},
            "answers": {H_AFTER: (1, 0)}}
        assert await rows(session, ids["city"]) == {"members": (1, 1), "activity": {}, "last": {}, "answers": {}}
        # Over all time: joined, subscribed, ever active, answers, right answers.
        assert {row[1:] for row in (await tallies.snapshot(session))["org_unit_tallies"]} == {
            (2, 2, 2, 2, 1), (1, 0, 1, 1, 1), (1, 0, 1, 0, 0), (1, 1, 1, 1, 0), (1, 1, 0, 0, 0)}
        await assert_kept_equal_a_recount(session)


async def test_a_worker_who_joins_moves_and_leaves_takes_their_counts_along(services):
    async with services.sessions() as session, session.begin():
        ids = await seed(session)
        west = await service.unit_by_code(session, "west")
        await service.join(session, 1, west)  # worker 1: a lesson and two answers (one right) in November
        assert await rows(session, ids["e1"]) == {
            "members": (1, 1), "activity": {(H_BEFORE, tallies.NEVER): 1}, "last": {H_BEFORE: 1}, "answers": {}}
        assert await rows(session, ids["west"]) == {
            "members": (2, 2), "activity": {(H_AFTER, tallies.NEVER): 1, (H_INSIDE, tallies.NEVER): 1},
            "last": {H_AFTER: 1, H_INSIDE: 1}, "answers": {H_AFTER: (1, 0), H_INSIDE: (2, 1)}}
        city = await rollups.rollup(session, ids["city"], PERIOD, NOW)
        assert [(r.unit.code, r.figures.joined, r.figures.participants, r.figures.answers) for r in city.rows] == [
            ("east", 3, 2, 1), ("west", 2, 1, 2), ("city", 1, 0, 0)]

        await service.join(session, 1, None)
        assert await rows(session, ids["west"]) == {
            "members": (1, 1), "activity": {(H_AFTER, tallies.NEVER): 1}, "last": {H_AFTER: 1},
            "answers": {H_AFTER: (1, 0)}}
        await service.join(session, 7, await service.unit_by_code(session, "e2"))  # in no unit until now
        assert await rows(session, ids["e2"]) == {
            "members": (2, 1), "activity": {(H_FIRST, tallies.NEVER): 1, (H_INSIDE, tallies.NEVER): 1},
            "last": {H_FIRST: 1, H_INSIDE: 1}, "answers": {H_FIRST: (1, 1), H_INSIDE: (1, 1)}}
        await assert_kept_equal_a_recount(session)


async def test_subscribing_blocking_and_coming_back_change_the_subscribers(services):
    async with services.sessions() as session, session.begin():
        ids = await seed(session)
        await subscriptions.set_topics(session, 3, {"all"})  # worker 3 of 东二 subscribes
        assert (await rows(session, ids["e2"]))["members"] == (1, 1)
        await subscriptions.set_topics(session, 1, set())  # worker 1 of 东一 unsubscribes
        assert (await rows(session, ids["e1"]))["members"] == (2, 1)
        await users.mark_blocked(session, 2, NOW)  # worker 2 blocks the bot
        assert (await rows(session, ids["e1"]))["members"] == (2, 0)
        await users.mark_blocked(session, 2, NOW)  # told twice: nothing more
        assert (await rows(session, ids["e1"]))["members"] == (2, 0)
        await users.record_user(session, 4)  # worker 4 of 东区, blocked, writes again
        await session.flush()
        assert (await rows(session, ids["east"]))["members"] == (1, 1)
        await users.mark_active(session, 2)
        assert (await rows(session, ids["e1"]))["members"] == (2, 1)
        await assert_kept_equal_a_recount(session)


async def test_a_lesson_and_an_answer_count_at_once_whenever_they_happened(services):
    early = datetime(2026, 10, 1, 3, 0, tzinfo=UTC)
    h_early = tallies.hour_of(early)
    async with services.sessions() as session, session.begin():
        ids = await seed(session)
        # Worker 2 (东一, a lesson in October) answers in November: a second active hour, after the first.
        session.add(QuizPoll(poll_id="late", chat_id=2, lesson_id="a", correct_option=1, sent_at=INSIDE))
        await session.flush()
        assert await quiz.record_answer(session, "late", 2, [1]) is not None
        await session.execute(update(QuizAnswer).where(QuizAnswer.poll_id == "late").values(answered_at=INSIDE))
        e1 = await rows(session, ids["e1"])
        assert e1["activity"] == {(H_INSIDE, tallies.NEVER): 1, (H_BEFORE, tallies.NEVER): 1, (H_INSIDE, H_BEFORE): 1}
        assert e1["answers"] == {H_INSIDE: (3, 2)}
        assert e1["last"] == {H_INSIDE: 2}  # workers 1 and 2
        # A lesson recorded now for a time before both: the next hour's previous hour changes with it.
        session.add(LessonProgress(chat_id=2, lesson_id="old", delivered_at=early))
        await session.flush()
        assert (await rows(session, ids["e1"]))["activity"] == {
            (H_INSIDE, tallies.NEVER): 1, (h_early, tallies.NEVER): 1, (H_BEFORE, h_early): 1, (H_INSIDE, H_BEFORE): 1}
        # Worker 2 now took part in November once (at the hour whose previous one is October's).
        east = await rollups.rollup(session, ids["east"], PERIOD, NOW)
        assert [(r.unit.code, r.figures.participants, r.figures.answers, r.figures.correct) for r in east.rows] == [
            ("e1", 2, 3, 2), ("e2", 1, 1, 1), ("east", 1, 0, 0)]
        # A lesson taken with /next, at the real time.
        await quiz.mark_seen(session, 2, "next-one")
        await assert_kept_equal_a_recount(session)


async def test_merging_and_retiring_move_the_counts_with_the_workers(services):
    async with services.sessions() as session, session.begin():
        ids = await seed(session)
        await service.merge(session, ids["e2"], "e1")  # worker 3 moves to 东一
        assert await rows(session, ids["e2"]) == NOTHING
        assert await rows(session, ids["e1"]) == {
            "members": (3, 2),
            "activity": {(H_INSIDE, tallies.NEVER): 1, (H_BEFORE, tallies.NEVER): 1, (H_FIRST, tallies.NEVER): 1},
            "last": {H_INSIDE: 1, H_BEFORE: 1, H_FIRST: 1}, "answers": {H_INSIDE: (2, 1), H_FIRST: (1, 1)}}
        await service.retire(session, ids["e1"])  # its three workers move up to 东区
        assert await rows(session, ids["e1"]) == NOTHING
        assert await rows(session, ids["east"]) == {
            "members": (4, 2),
            "activity": {(H_INSIDE, tallies.NEVER): 1, (H_BEFORE, tallies.NEVER): 1, (H_FIRST, tallies.NEVER): 2},
            "last": {H_INSIDE: 1, H_BEFORE: 1, H_FIRST: 2}, "answers": {H_INSIDE: (2, 1), H_FIRST: (1, 1)}}
        city = await rollups.rollup(session, ids["city"], PERIOD, NOW)
        assert [(r.unit.code, r.figures.joined, r.figures.participants) for r in city.rows] == [
            ("east", 4, 3), ("west", 1, 0), ("city", 1, 0)]
        await service.retire(session, ids["city"])  # a root: its own worker (6) leaves every unit
        assert await rows(session, ids["city"]) == NOTHING
        await assert_kept_equal_a_recount(session)


async def test_statements_given_to_the_session_and_their_cascades_are_tallied(services):
    async with services.sessions() as session, session.begin():
        ids = await seed(session)
        await session.execute(update(User).where(User.chat_id.in_([1, 2])).values(subscribed=False))
        assert (await rows(session, ids["e1"]))["members"] == (2, 0)
        # A lesson not flushed yet when a statement about its worker runs: flushed (and tallied) first, once.
        session.add(LessonProgress(chat_id=1, lesson_id="pending", delivered_at=AFTER))
        await session.execute(update(User).where(User.chat_id == 1).values(subscribed=True))
        assert (await rows(session, ids["e1"]))["members"] == (2, 1)
        assert (await rows(session, ids["e1"]))["activity"] == {
            (H_INSIDE, tallies.NEVER): 1, (H_BEFORE, tallies.NEVER): 1, (H_AFTER, H_INSIDE): 1}
        await session.execute(insert(LessonProgress), [
            {"chat_id": 3, "lesson_id": "bulk", "delivered_at": INSIDE},
            {"chat_id": 6, "lesson_id": "bulk", "delivered_at": INSIDE}])
        assert (await rows(session, ids["e2"]))["activity"] == {
            (H_FIRST, tallies.NEVER): 1, (H_INSIDE, H_FIRST): 1}
        assert (await rows(session, ids["city"]))["activity"] == {(H_INSIDE, tallies.NEVER): 1}
        await session.execute(delete(QuizPoll).where(QuizPoll.poll_id == "p0"))  # worker 1's right answer goes
        assert (await rows(session, ids["e1"]))["answers"] == {H_INSIDE: (1, 0)}
        await session.execute(delete(Membership).where(Membership.unit_id == ids["e2"]))
        assert await rows(session, ids["e2"]) == NOTHING
        await session.delete(await session.get(User, 5))  # with their membership (ON DELETE CASCADE)
        await session.flush()
        assert await rows(session, ids["west"]) == NOTHING
        await assert_kept_equal_a_recount(session)


async def test_a_statement_the_tallies_cannot_follow_is_refused(services):
    async with services.sessions() as session, session.begin():
        await seed(session)
        copy = select(LessonProgress.chat_id, literal("copy"), LessonProgress.delivered_at)
        with pytest.raises(tallies.UntallyableStatement):
            await session.execute(insert(LessonProgress).from_select(["chat_id", "lesson_id", "delivered_at"], copy))


async def test_a_period_up_to_today_adds_up_the_workers_last_active_in_it(services):
    """Nobody was active after 1 December: who took part in November and the first of December is read from
    the workers' last active hours — the same figures as from the raw tables and by hand."""
    up_to_today = rollups.Period(date(2026, 11, 1), date(2026, 12, 1), PERIOD.tz)
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    async with services.sessions() as session, session.begin():
        ids = await seed(session)
        event.listen(services.engine.sync_engine, "before_cursor_execute", record)
        try:
            city = await rollups.rollup(session, ids["city"], up_to_today, NOW)
            november = await rollups.rollup(session, ids["city"], PERIOD, NOW)
        finally:
            event.remove(services.engine.sync_engine, "before_cursor_execute", record)
        # Worker 5's answer at 00:00 on 1 December now counts; worker 2's lesson in October still does not.
        assert [(r.unit.code, r.figures.joined, r.figures.participants) for r in city.rows] == [
            ("east", 4, 3), ("west", 1, 1), ("city", 1, 0)]
        assert [(r.unit.code, r.figures.participants) for r in november.rows] == [("east", 3), ("west", 0), ("city", 0)]
        assert await rollups.unit_figures(session, None, up_to_today, NOW) == await rollups.unit_figures(
            session, None, up_to_today, NOW, from_raw_tables=True)
    # November ends as worker 5 answers: that period needs the active hours.
    assert [s for s in statements if "FROM org_last_active_tallies" in s and "sum(" in s] != []
    assert [s for s in statements if "FROM org_activity_tallies" in s] != []


def test_a_span_of_whole_hours_is_summed_from_the_tallies_and_another_is_not():
    midnight = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 1 November in Shanghai
    assert tallies.hour_span(PERIOD.starts_at, PERIOD.ends_at) == (tallies.hour_of(midnight), H_AFTER)
    kolkata = rollups.Period(date(2026, 11, 1), date(2026, 11, 30), ZoneInfo("Asia/Kolkata"))
    assert tallies.hour_span(kolkata.starts_at, kolkata.ends_at) is None


async def test_figures_from_the_tallies_equal_figures_from_the_raw_tables(services):
    """A random history — workers joining, moving, subscribing, blocking, lessons and answers at any time,
    a merge and a retirement — summed from the tallies and counted from the raw tables, over periods in time
    zones with and without summer time, for the whole tree and for subtrees."""
    rng = random.Random(12)
    start = datetime(2026, 9, 1, tzinfo=UTC)

    def moment() -> datetime:
        return start + timedelta(minutes=rng.randrange(90 * 24 * 60))

    async with services.sessions() as session, session.begin():
        units = [await service.add_unit(session, "c", "市", "市")]
        for n in range(8):
            parent = units[rng.randrange(len(units))]
            units.append(await service.add_unit(session, f"u{n}", f"单位{n}", "", parent.code))
        for chat_id in range(100, 160):
            session.add(User(chat_id=chat_id, subscribed=rng.random() < 0.7,
                             blocked_at=NOW if rng.random() < 0.1 else None))
        await session.flush()
        polls = 0
        for step in range(400):
            chat_id = rng.randrange(100, 160)
            choice = rng.random()
            if choice < 0.15:
                await service.join(session, chat_id, rng.choice([*units, None]))
            elif choice < 0.5:
                session.add(LessonProgress(chat_id=chat_id, lesson_id=f"l{step}", delivered_at=moment()))
            elif choice < 0.85:
                polls += 1
                session.add(QuizPoll(poll_id=f"q{polls}", chat_id=chat_id, lesson_id="a", correct_option=0))
                await session.flush()
                session.add(QuizAnswer(poll_id=f"q{polls}", chat_id=chat_id, option=0, correct=rng.random() < 0.6,
                                       points=2, answered_at=moment()))
            elif choice < 0.95:
                await subscriptions.set_topics(session, chat_id, {"all"} if rng.random() < 0.5 else set())
            else:
                await users.mark_blocked(session, chat_id, NOW)
            await session.flush()
        await service.merge(session, units[3].id, units[1].code)
        await service.retire(session, units[2].id)
        await assert_kept_equal_a_recount(session)

        subtrees: list[set[int] | None] = [None]
        for top in units[1:4]:
            subtrees.append(await service.subtree_ids(session, top.id))
        checked = 0
        for zone in ("Asia/Shanghai", "UTC", "America/New_York", "Asia/Kolkata"):
            # All of the history, a late part of it up to today, a part in the middle, and one day.
            for first, last in ((date(2026, 9, 1), date(2026, 11, 30)), (date(2026, 11, 15), date(2026, 12, 31)),
                                (date(2026, 10, 10), date(2026, 11, 5)), (date(2026, 11, 1), date(2026, 11, 1))):
                period = rollups.Period(first, last, ZoneInfo(zone))
                for unit_ids in subtrees:
                    summed = await rollups.unit_figures(session, unit_ids, period, NOW)
                    counted = await rollups.unit_figures(session, unit_ids, period, NOW, from_raw_tables=True)
                    assert summed == counted, (zone, first, last, unit_ids)
                    checked += sum(f.participants for f in counted.values())
        assert checked > 100  # the periods caught plenty of activity


async def test_two_writers_for_one_worker_take_turns(services):
    """Two transactions adding to one worker's activity in the same hour at the same time: the second reads the
    worker's counts only once the first has committed, so it sees the hour already counted (on SQLite its
    insert waits for the first to commit; on PostgreSQL its lock on the worker does)."""
    async with services.sessions() as session, session.begin():
        ids = await seed(session)
    postgres = services.engine.dialect.name == "postgresql"
    second_waits = asyncio.Event()

    def watch(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.startswith("INSERT INTO lesson_progress") and conn.info.get("writer") == "second":
            second_waits.set()

    async def second() -> None:
        async with services.sessions() as other, other.begin():
            (await other.connection()).info["writer"] = "second"
            other.add(LessonProgress(chat_id=2, lesson_id="second", delivered_at=INSIDE + timedelta(minutes=5)))
            await other.flush()
            del (await other.connection()).info["writer"]

    event.listen(services.engine.sync_engine, "before_cursor_execute", watch)
    try:
        async with services.sessions() as first, first.begin():
            first.add(LessonProgress(chat_id=2, lesson_id="first", delivered_at=INSIDE))
            await first.flush()
            task = asyncio.create_task(second())
            await asyncio.wait_for(second_waits.wait(), 10)
            if postgres:  # and until it waits for the worker's lock (database state, re-read)
                waiting = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND wait_event_type = 'Lock'")
                conn = await first.connection()
                for _ in range(500):
                    if await conn.scalar(waiting):
                        break
                    await asyncio.sleep(0.02)
                else:
                    raise AssertionError("the second transaction never waited for the worker")
        await task
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", watch)
    async with services.sessions() as session, session.begin():
        assert (await rows(session, ids["e1"]))["activity"] == {
            (H_INSIDE, tallies.NEVER): 1, (H_BEFORE, tallies.NEVER): 1, (H_INSIDE, H_BEFORE): 1}
        await assert_kept_equal_a_recount(session)


async def test_the_migration_tallies_what_is_already_recorded(empty_database_url):
    engine = db.create_engine(empty_database_url)
    try:
        for head in db.script_heads() - {"o004"} | {"o003"}:  # everything but the tallies
            await db.upgrade(engine, head)
        async with engine.begin() as conn:  # past any Session: as rows written before the tallies existed
            await conn.execute(insert(User), [{"chat_id": c, "subscribed": c != 2, "first_seen_at": NOW,
                                               "language": "zh-hans"} for c in (1, 2, 3)])
            await conn.execute(text("INSERT INTO organisations (id, code, name, level, retired) VALUES "
                                    "(1, 'a', '甲', '', FALSE), (2, 'b', '乙', '', FALSE)"))
            await conn.execute(insert(Membership), [{"chat_id": 1, "unit_id": 1}, {"chat_id": 2, "unit_id": 1},
                                                    {"chat_id": 3, "unit_id": 2}])
            await conn.execute(insert(LessonProgress), [
                {"chat_id": 1, "lesson_id": "a", "delivered_at": BEFORE},
                # the last microsecond of the hour: still that hour (SQLite keeps the time as text)
                {"chat_id": 1, "lesson_id": "b", "delivered_at": INSIDE + timedelta(hours=1, microseconds=-1)},
                {"chat_id": 3, "lesson_id": "a", "delivered_at": INSIDE}])
            await conn.execute(insert(QuizPoll), [{"poll_id": "p", "chat_id": 1, "lesson_id": "a", "correct_option": 0,
                                                   "sent_at": INSIDE}])
            await conn.execute(insert(QuizAnswer), [{"poll_id": "p", "chat_id": 1, "option": 0, "correct": True,
                                                     "points": 10, "answered_at": INSIDE}])
        await db.upgrade(engine)
        async with db.create_sessionmaker(engine)() as session, session.begin():
            assert await tallies.snapshot(session) == {
                # joined, subscribed, ever active, answers, right
                "org_unit_tallies": {(1, 2, 1, 1, 1, 1), (2, 1, 1, 1, 0, 0)},
                "org_activity_tallies": {(1, H_BEFORE, tallies.NEVER, 1), (1, H_INSIDE, H_BEFORE, 1),
                                         (2, H_INSIDE, tallies.NEVER, 1)},
                "org_last_active_tallies": {(1, H_INSIDE, 1), (2, H_INSIDE, 1)},
                "org_answer_tallies": {(1, H_INSIDE, 1, 1)}}
            await assert_kept_equal_a_recount(session)
    finally:
        await engine.dispose()


def test_retally_recounts_and_says_whether_the_kept_tallies_were_right(make_settings, monkeypatch):
    settings = make_settings()
    monkeypatch.setenv("ANKANG_DATABASE_URL", settings.database_url)

    async def spoil() -> None:
        engine = db.create_engine(settings.database_url)
        try:
            async with engine.begin() as conn:  # past the Session: not tallied
                await conn.execute(text("INSERT INTO organisations (id, code, name, level, retired) "
                                        "VALUES (1, 'a', '甲', '', FALSE)"))
                await conn.execute(insert(User), [{"chat_id": 1, "subscribed": True, "first_seen_at": NOW,
                                                   "language": "zh-hans"}])
                await conn.execute(insert(Membership), [{"chat_id": 1, "unit_id": 1}])
        finally:
            await engine.dispose()

    runner = CliRunner()
    assert "原有统计无误" in runner.invoke(main, ["org", "retally"]).output
    asyncio.run(spoil())
    recounted = runner.invoke(main, ["org", "retally"])
    assert recounted.exit_code == 0, recounted.output
    assert "已更正" in recounted.output
    assert "原有统计无误" in runner.invoke(main, ["org", "retally"]).output
