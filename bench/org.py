"""Rollups at the scale of a city federation (issue 12, "Scale"): 1 city, 12 districts, 120 streets,
2,000 base units and 100,000 workers with 90 days of lessons, quiz answers and questions; the console's
单位汇总 page (the subtree's figures and its child-unit table) and its Excel export timed through the
real aiohttp handler over HTTP, on SQLite and on PostgreSQL. Target: ≤ 300 ms.

    .venv/bin/python -m bench.org                     # SQLite, then PostgreSQL on 127.0.0.1:5432
    .venv/bin/python -m bench.org --postgres ''       # SQLite only
    .venv/bin/python -m bench.org --postgres postgresql+asyncpg://postgres@host:5432/postgres

PostgreSQL runs in a fresh uuid-named database on that server, dropped afterwards.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

DISTRICTS, STREETS_PER_DISTRICT, BASE_UNITS, WORKERS = 12, 10, 2_000, 100_000
DAYS = 90
TARGET_MS = 300.0
RUNS = 7
NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
ADMIN_ID = 1
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
CHUNK = 5_000


def tree() -> list[dict]:
    """The units as rows (ids given, parents before children)."""
    rows = [{"id": 1, "code": "city", "name": "某市总工会", "level": "市", "parent_id": None, "retired": False}]
    streets = []
    for d in range(DISTRICTS):
        district_id = 2 + d
        rows.append({"id": district_id, "code": f"d{d}", "name": f"第{d + 1}区总工会", "level": "区县",
                     "parent_id": 1, "retired": False})
    next_id = 2 + DISTRICTS
    for d in range(DISTRICTS):
        for s in range(STREETS_PER_DISTRICT):
            rows.append({"id": next_id, "code": f"d{d}s{s}", "name": f"第{d + 1}区第{s + 1}街道工会", "level": "街镇",
                         "parent_id": 2 + d, "retired": False})
            streets.append(next_id)
            next_id += 1
    for b in range(BASE_UNITS):
        rows.append({"id": next_id, "code": f"b{b}", "name": f"基层工会{b + 1}号", "level": "基层",
                     "parent_id": streets[b % len(streets)], "retired": False})
        next_id += 1
    return rows


async def seed(services) -> dict[str, int]:
    """The tree, the workers and their activity; returns how many rows of each were written."""
    from sqlalchemy import insert

    from broadcasts.models import LessonProgress, QuizAnswer, QuizPoll
    from core.models import User
    from org.models import Membership, Organisation, UnitQuestionCount

    rng = random.Random(12)
    units = tree()
    base_ids = [u["id"] for u in units if u["level"] == "基层"]
    counts = {"units": len(units), "workers": WORKERS}
    first_seen = NOW - timedelta(days=DAYS * 2)

    def moment() -> datetime:
        return NOW - timedelta(seconds=rng.randrange(DAYS * 86_400))

    async def write(table, rows: list[dict]) -> None:
        async with services.sessions() as session, session.begin():
            for start in range(0, len(rows), CHUNK):
                await session.execute(insert(table), rows[start:start + CHUNK])

    await write(Organisation, units)
    users, members, lessons, polls, answers = [], [], [], [], []
    for n in range(WORKERS):
        chat_id = 10_000_000 + n
        users.append({"chat_id": chat_id, "language": "zh-hans", "subscribed": rng.random() < 0.6,
                      "first_seen_at": first_seen, "blocked_at": NOW if rng.random() < 0.03 else None})
        members.append({"chat_id": chat_id, "unit_id": base_ids[n % len(base_ids)]})
        for lesson in rng.sample(range(40), rng.choice((0, 0, 1, 2, 3, 4, 6))):
            lessons.append({"chat_id": chat_id, "lesson_id": f"lesson-{lesson}", "delivered_at": moment()})
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3, 4))):
            poll_id = f"poll-{len(polls)}"
            at = moment()
            polls.append({"poll_id": poll_id, "chat_id": chat_id, "lesson_id": "lesson-1", "correct_option": 0,
                          "sent_at": at})
            correct = rng.random() < 0.7
            answers.append({"poll_id": poll_id, "chat_id": chat_id, "option": 0 if correct else 1,
                            "correct": correct, "points": 10 if correct else 2, "answered_at": at})
    await write(User, users)
    await write(Membership, members)
    await write(LessonProgress, lessons)
    await write(QuizPoll, polls)
    await write(QuizAnswer, answers)
    today = NOW.date()
    questions = [{"unit_id": unit_id, "day": today - timedelta(days=day), "count": rng.randint(1, 5)}
                 for unit_id in base_ids for day in range(DAYS) if rng.random() < 0.3]
    await write(UnitQuestionCount, questions)
    counts.update(lessons=len(lessons), answers=len(answers), questions=len(questions))
    # Fresh statistics and visibility maps, as autovacuum leaves a live database (VACUUM outside a transaction).
    from sqlalchemy import text

    async with services.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE" if services.engine.dialect.name == "postgresql" else "ANALYZE"))
    return counts


async def _counts(services) -> dict[str, int]:
    """What an already seeded database holds (``--sqlite FILE`` reused)."""
    from sqlalchemy import func, select

    from broadcasts.models import LessonProgress, QuizAnswer
    from org.models import Membership, Organisation, UnitQuestionCount

    tables = {"units": Organisation, "workers": Membership, "lessons": LessonProgress, "answers": QuizAnswer,
              "questions": UnitQuestionCount}
    async with services.sessions() as session:
        return {name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
                for name, table in tables.items()}


async def _logged_in(http, base: str, services) -> None:
    from core.login_links import login_link

    token = login_link(services.settings, ADMIN_ID, services.clock.now()).split("?t=", 1)[1]
    async with http.post(f"{base}/admin/login", data={"t": token}, allow_redirects=False) as response:
        assert response.status == 303, await response.text()


async def run(database_url: str, workdir: Path, *, seeded: bool = False) -> tuple[dict[str, int], list[Result]]:
    from aiohttp import ClientSession, CookieJar
    from aiohttp.test_utils import TestServer

    from ankang.services import open_services
    from core.clock import FakeClock
    from core.settings import load_settings
    from web.app import create_web_app
    from web.typedefs import ROLLUP_CACHE

    settings = load_settings(database_url=database_url, bot_token="123456789:BENCH-token-abcdefghijklmnopqrstuvwxyz",
                             admin_ids=str(ADMIN_ID), secret_key="bench-" + "x" * 40,
                             )
    services = await open_services(settings, clock=FakeClock(NOW))
    try:
        seeded_at = time.perf_counter()
        counts = await seed(services) if not seeded else await _counts(services)
        counts["seed_s"] = int(time.perf_counter() - seeded_at)
        app = create_web_app(services)
        cache = app[ROLLUP_CACHE]
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        base = str(server.make_url("")).rstrip("/")
        period = "from=2026-11-02&to=2026-12-01"
        cases = [
            ("市 (12 个区，100,000 职工)", f"/admin/rollups?unit=city&{period}"),
            ("区 (10 个街道，约 8,300 职工)", f"/admin/rollups?unit=d3&{period}"),
            ("街道 (约 17 个基层，约 830 职工)", f"/admin/rollups?unit=d3s4&{period}"),
            ("全部单位 (默认期间)", "/admin/rollups?unit=all"),
            ("市，近一年", "/admin/rollups?unit=city&from=2025-12-02&to=2026-12-01"),
            ("导出 Excel：市", f"/admin/rollups.xlsx?unit=city&{period}"),
        ]
        results = []
        try:
            async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
                await _logged_in(http, base, services)
                for label, path in cases:
                    cold, cpu, warm, warm_cpu, size = [], [], [], [], 0
                    for attempt in range(2 * RUNS + 1):  # the first warms the database's caches: not counted
                        if attempt <= RUNS:
                            cache.clear()  # cold: the figures are counted afresh
                        started, cpu_started = time.perf_counter(), time.process_time()
                        async with http.get(base + path) as response:
                            body = await response.read()
                            assert response.status == 200, (path, response.status, body[:300])
                        elapsed = (time.perf_counter() - started) * 1000
                        if 1 <= attempt <= RUNS:
                            cold.append(elapsed)
                            cpu.append((time.process_time() - cpu_started) * 1000)
                        elif attempt > RUNS:
                            warm.append(elapsed)
                            warm_cpu.append((time.process_time() - cpu_started) * 1000)
                        size = len(body)
                    results.append((label, cold, cpu, warm, warm_cpu, size))
        finally:
            await server.close()
        return counts, results
    finally:
        await services.close()


async def _postgres_database(url: str):
    import asyncpg
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"bench_org_{uuid.uuid4().hex[:10]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name, base.set(database=name).render_as_string(hide_password=False), admin


async def _drop(admin: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


Result = tuple[str, list[float], list[float], list[float], list[float], int]


def report(where: str, counts: dict[str, int], results: list[Result], load: tuple[float, ...]) -> None:
    print(f"\n{where}: {counts['units']:,} units, {counts['workers']:,} workers, {counts['lessons']:,} lessons "
          f"received, {counts['answers']:,} quiz answers, {counts['questions']:,} unit-days of questions "
          f"(seeded in {counts['seed_s']} s)")
    print(f"load average during the run: {load[0]:.1f} (on {os.cpu_count()} cores)")
    print("cold: the figures counted afresh for each request; warm: reused from the minute's cache (drilling down)")
    print("CPU: this process's CPU time per request (with SQLite the queries run in it; PostgreSQL's server is apart)")
    print(f"{'page':<30}{'cold median':>12}{'cold max':>9}{'CPU':>6}{'warm median':>12}{'CPU':>6}{'KB':>6}"
          f"  cold ≤ {TARGET_MS:.0f} ms")
    for label, cold, cpu, warm, warm_cpu, size in results:
        median, worst = statistics.median(cold), max(cold)
        print(f"{label:<26}{median:>12.0f}{worst:>9.0f}{statistics.median(cpu):>6.0f}{statistics.median(warm):>12.0f}"
              f"{statistics.median(warm_cpu):>6.0f}{size / 1024:>6.0f}  {'yes' if median <= TARGET_MS else 'NO'}")


async def main_async(postgres: str, keep: str) -> None:
    with tempfile.TemporaryDirectory(prefix="ankang-bench-org-") as tmp:
        workdir = Path(tmp)
        path = Path(keep) if keep else workdir / "org.sqlite3"
        counts, results = await run(f"sqlite+aiosqlite:///{path}", workdir, seeded=path.exists())
        report("SQLite", counts, results, os.getloadavg())
        if postgres:
            name, url, admin = await _postgres_database(postgres)
            try:
                counts, results = await run(url, workdir)
            finally:
                await _drop(admin, name)
            report("PostgreSQL", counts, results, os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL",
                        help="PostgreSQL server to run on as well ('' to skip); a fresh database, dropped after")
    parser.add_argument("--sqlite", default="", metavar="FILE",
                        help="keep the SQLite database in FILE, and reuse it (no seeding) when it exists")
    args = parser.parse_args(argv)
    asyncio.run(main_async(args.postgres, args.sqlite))


if __name__ == "__main__":
    main()
