"""What the rollups' tallies (``org.tallies``, issue 12) add to the writes they count: a worker receiving a
lesson, being sent its quiz poll and answering it — the 微课堂's writes (``broadcasts.quiz``: ``mark_seen``,
``record_poll``, ``record_answer``), each in a transaction of its own as the broadcast engine and the bot make
them — timed for workers who joined a unit (their tallies are kept) beside workers in none, alternating in one
run, and in a run on a fresh database with the tallies' session events removed (the writes as they were before
the tallies), on SQLite and on PostgreSQL.

    .venv/bin/python -m bench.org_writes                      # SQLite, then PostgreSQL on 127.0.0.1:5432
    .venv/bin/python -m bench.org_writes --postgres ''        # SQLite only
    .venv/bin/python -m bench.org_writes --workers 1000

The table gives, per worker (the three transactions together), the median and p95 wall time, the CPU time
and the SQL statements sent, and what the tallies cost (in a unit / without tallies). A broadcast sends at most
ANKANG_SEND_RATE (25) messages a second, so the write path's cost is set against 40 ms, one send's share of a
second at that rate. PostgreSQL runs in a fresh database on that server, dropped afterwards.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
UNITS = 40
SEND_SHARE_MS = 1000 / 25


TALLY_EVENTS = (("before_flush", "_before_flush"), ("after_flush", "_after_flush"), ("do_orm_execute", "_on_execute"))


async def run(database_url: str, workers: int, *, tallies: bool = True) -> dict[str, dict[str, list[float]]]:
    from sqlalchemy import event, insert
    from sqlalchemy.orm import Session

    import org.tallies  # noqa: F401  (registers the tallies' session events, as the composition root does)
    from broadcasts.library import load_library
    from broadcasts.quiz import mark_seen, record_answer, record_poll
    from core import db
    from core.models import User
    from org.models import Membership, Organisation

    if not tallies:
        for name, function in TALLY_EVENTS:
            event.remove(Session, name, getattr(org.tallies, function))
    engine = db.create_engine(database_url)
    await db.upgrade(engine)
    sessions = db.create_sessionmaker(engine)
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    lessons = [lesson for lesson in load_library().lessons if lesson.quiz is not None][:3]
    try:
        async with sessions() as session, session.begin():
            await session.execute(insert(Organisation), [{"id": 1, "code": "city", "name": "市", "level": "市"}] + [
                {"id": 2 + n, "code": f"u{n}", "name": f"单位{n}", "level": "基层", "parent_id": 1}
                for n in range(UNITS)])
            await session.execute(insert(User), [{"chat_id": 1000 + n, "language": "zh-hans", "subscribed": True}
                                                 for n in range(workers)])
            await session.execute(insert(Membership), [{"chat_id": 1000 + n, "unit_id": 2 + n % UNITS}
                                                       for n in range(0, workers, 2)])
        figures: dict[str, dict[str, list[float]]] = {
            side: {"ms": [], "cpu_ms": [], "statements": []} for side in ("unit", "none")}
        for round_, lesson in enumerate(lessons):
            for n in range(workers):
                chat_id, side = 1000 + n, ("unit" if n % 2 == 0 else "none")
                poll_id = f"p{round_}-{n}"
                statements = 0
                started, cpu = time.perf_counter(), time.process_time()
                async with sessions() as session, session.begin():
                    await mark_seen(session, chat_id, lesson.id)
                async with sessions() as session, session.begin():
                    await record_poll(session, poll_id, chat_id, lesson)
                async with sessions() as session, session.begin():
                    assert lesson.quiz is not None
                    result = await record_answer(session, poll_id, chat_id, [lesson.quiz.answer if n % 3 else 0])
                    assert result is not None
                figures[side]["ms"].append((time.perf_counter() - started) * 1000)
                figures[side]["cpu_ms"].append((time.process_time() - cpu) * 1000)
                figures[side]["statements"].append(statements)
        return figures
    finally:
        await engine.dispose()
        if not tallies:
            for name, function in TALLY_EVENTS:
                event.listen(Session, name, getattr(org.tallies, function))


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def report(where: str, figures: dict[str, dict[str, list[float]]], bare: dict[str, dict[str, list[float]]],
           workers: int) -> None:
    load = os.getloadavg()
    print(f"\n{where}: {workers:,} workers, half of them in one of {UNITS} units; three lessons each "
          f"(lesson + poll + answer, three transactions); load average {load[0]:.1f}")
    print(f"{'':<22}{'no tallies':>12}{'in none':>12}{'in a unit':>12}{'unit / no tallies':>19}")
    for label, key, reduce in (("wall, median (ms)", "ms", statistics.median), ("wall, p95 (ms)", "ms", _p95),
                               ("CPU, median (ms)", "cpu_ms", statistics.median),
                               ("SQL statements", "statements", statistics.median)):
        without = reduce(bare["unit"][key] + bare["none"][key])
        unit, none = reduce(figures["unit"][key]), reduce(figures["none"][key])
        print(f"{label:<22}{without:>12.1f}{none:>12.1f}{unit:>12.1f}{unit / without:>18.2f}×")
    cpu = statistics.median(figures["unit"]["cpu_ms"])
    print(f"a worker in a unit: {cpu:.1f} ms of CPU for the three writes, against the {SEND_SHARE_MS:.0f} ms between "
          f"two sends at ANKANG_SEND_RATE 25 ({cpu / SEND_SHARE_MS:.0%} of a core at that rate)")


async def main_async(postgres: str, workers: int) -> None:
    with tempfile.TemporaryDirectory(prefix="ankang-bench-org-writes-") as tmp:
        bare = await run(f"sqlite+aiosqlite:///{Path(tmp) / 'bare.db'}", workers, tallies=False)
        report("SQLite", await run(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", workers), bare, workers)
    if postgres:
        import asyncpg
        from sqlalchemy.engine import make_url

        base = make_url(postgres)
        names = [f"bench_org_writes_{uuid.uuid4().hex[:10]}" for _ in range(2)]
        admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(admin)
        for name in names:
            await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        try:
            urls = [base.set(database=name).render_as_string(hide_password=False) for name in names]
            bare = await run(urls[0], workers, tallies=False)
            report("PostgreSQL", await run(urls[1], workers), bare, workers)
        finally:
            conn = await asyncpg.connect(admin)
            for name in names:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL",
                        help="a PostgreSQL server to create a fresh database on ('' to skip)")
    parser.add_argument("--workers", type=int, default=400)
    args = parser.parse_args(argv)
    asyncio.run(main_async(args.postgres, args.workers))


if __name__ == "__main__":
    main()
