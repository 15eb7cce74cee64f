"""Rollup figures on a small seeded tree equal the values worked out by hand (issue 12, point 6)."""
from __future__ import annotations

from org import rollups
from tests.org.seed_rollups import NOW, PERIOD, seed

# Who did what in November (tests/org/seed_rollups.py), and so the expected figures:
#   1 东一, subscribed: a lesson and two answers (one right), two questions       → takes part
#   2 东一, subscribed: a lesson in October only                                  → does not
#   3 东二, not subscribed: one right answer at 00:30 on 1 November, one question → takes part
#   4 东区 itself, subscribed but blocked (no subscriber): a lesson at 00:30 on 1 November → takes part
#   5 西区, subscribed: a wrong answer on 1 December, a question on 31 October   → does not
#   6 市 itself, subscribed: nothing
#   7 in no unit: a lesson, an answer and a question, counted nowhere


def tips(f: rollups.Figures) -> tuple:
    return (f.tips_received, f.tips_closed, f.tips_overdue)


def figures(f: rollups.Figures) -> tuple:
    return (f.joined, f.subscribers, f.participants, f.answers, f.correct, f.questions)


async def test_rollup_of_the_city_by_district_equals_the_hand_count(services):
    async with services.sessions() as session, session.begin():
        ids = await seed(session)
        city = await rollups.rollup(session, ids["city"], PERIOD, NOW)
        east = await rollups.rollup(session, ids["east"], PERIOD, NOW)
        whole = await rollups.rollup(session, None, PERIOD, NOW)
        street = await rollups.rollup(session, ids["e1"], PERIOD, NOW)
    # joined, subscribers, took part, answers, correct, questions
    assert [(r.unit.code, r.direct, figures(r.figures)) for r in city.rows] == [
        ("east", False, (4, 2, 3, 3, 2, 3)),
        ("west", False, (1, 1, 0, 0, 0, 0)),
        ("city", True, (1, 1, 0, 0, 0, 0)),
    ]
    assert figures(city.total) == (6, 4, 3, 3, 2, 3)
    assert city.rows[0].figures.participation == 3 / 4 and city.rows[0].figures.accuracy == 2 / 3
    assert city.rows[1].figures.participation == 0 and city.rows[1].figures.accuracy is None
    assert [r.has_children for r in city.rows] == [True, False, False]
    assert [u.code for u in city.path] == ["city"]

    assert [(r.unit.code, r.direct, figures(r.figures)) for r in east.rows] == [
        ("e1", False, (2, 2, 1, 2, 1, 2)),
        ("e2", False, (1, 0, 1, 1, 1, 1)),
        ("east", True, (1, 0, 1, 0, 0, 0)),
    ]
    assert figures(east.total) == (4, 2, 3, 3, 2, 3)
    assert [u.code for u in east.path] == ["city", "east"]
    # The whole tree (no unit) has the one root as its row; a street has no child rows, only its own.
    assert [(r.unit.code, figures(r.figures)) for r in whole.rows] == [("city", (6, 4, 3, 3, 2, 3))]
    assert [(r.direct, figures(r.figures)) for r in street.rows] == [(True, (2, 2, 1, 2, 1, 2))]
    # Tips: received / closed in November, overdue on 1 December (the tip of no unit counts nowhere).
    assert city.tips_by_unit
    assert [tips(r.figures) for r in city.rows] == [(2, 1, 0), (0, 0, 1), (0, 0, 0)]
    assert tips(city.total) == (2, 1, 1)
    assert [tips(r.figures) for r in east.rows] == [(1, 1, 0), (1, 0, 0), (0, 0, 0)]


async def test_a_moved_unit_is_counted_where_it_is_now(services):
    from org import service

    async with services.sessions() as session, session.begin():
        ids = await seed(session)
        await service.move(session, ids["e2"], "west")
        city = await rollups.rollup(session, ids["city"], PERIOD, NOW)
    assert [(r.unit.code, figures(r.figures)) for r in city.rows] == [
        ("east", (3, 2, 2, 2, 1, 2)), ("west", (2, 1, 1, 1, 1, 1)), ("city", (1, 1, 0, 0, 0, 0))]


def test_a_period_is_local_days_in_utc():
    assert PERIOD.starts_at.isoformat() == "2026-10-31T16:00:00+00:00"
    assert PERIOD.ends_at.isoformat() == "2026-11-30T16:00:00+00:00"
    assert PERIOD.days == 30


async def test_drilling_down_reuses_the_figures_above_until_they_expire(services):
    """The cache gives a child's rollup from the parent's figures (the same numbers, no query), and counts
    afresh once they are a minute old."""
    from sqlalchemy import event

    from core.models import User

    ticks = [0.0]
    cache = rollups.RollupCache(ttl_s=60, clock=lambda: ticks[0])
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    async with services.sessions() as session, session.begin():
        ids = await seed(session)
        city = await rollups.rollup(session, ids["city"], PERIOD, NOW, cache=cache)
        event.listen(services.engine.sync_engine, "before_cursor_execute", record)
        try:
            east = await rollups.rollup(session, ids["east"], PERIOD, NOW, cache=cache)
        finally:
            event.remove(services.engine.sync_engine, "before_cursor_execute", record)
        assert [s for s in statements if "org_members" in s] == []  # only the units were read
        assert figures(east.total) == figures(city.rows[0].figures) == (4, 2, 3, 3, 2, 3)
        session.add(User(chat_id=99, subscribed=True))
        await session.flush()
        from org import service

        await service.join(session, 99, await service.unit_by_code(session, "e1"))
        assert figures((await rollups.rollup(session, ids["east"], PERIOD, NOW, cache=cache)).total)[0] == 4
        ticks[0] = 61.0
        assert figures((await rollups.rollup(session, ids["east"], PERIOD, NOW, cache=cache)).total)[0] == 5
