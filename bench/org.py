"""Rollups at the scale of a city federation (issue 12, "Scale"): 1 city, 12 districts, 120 streets,
2,000 base units and 100,000 workers with 90 days of lessons, quiz answers and questions; the console's
单位汇总 page (the subtree's figures and its child-unit table) and its Excel export timed through the
real aiohttp handler over HTTP, on SQLite and on PostgreSQL; and the permission check ``org.roles.can``
that every console request and bot button makes. Targets: pages ≤ 300 ms cold, ``can`` ≤ 2 ms.

    .venv/bin/python -m bench.org                     # SQLite, then PostgreSQL on 127.0.0.1:5432
    .venv/bin/python -m bench.org --postgres ''       # SQLite only
    .venv/bin/python -m bench.org --postgres postgresql+asyncpg://postgres@host:5432/postgres
    .venv/bin/python -m bench.org --baseline main     # before (main) and after (this tree), side by side

PostgreSQL runs in a fresh uuid-named database on that server, dropped afterwards. With ``--baseline REV``
the revision's code is exported (``git archive``) and both versions run this same bench module, one after
the other, as processes of their own on the same seeded databases (seeded and migrated by this tree's code;
the revision's leaves the schema alone); the table gives each figure before and after and their ratio
(before / after: 3.0× is three times faster).

The seed writes through a Session, as the application does, so the rollups' tallies (``org.tallies``) are
kept as the rows go in ("seeded in" includes that).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
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
CAN_TARGET_MS = 2.0
CAN_CALLS = 300
# Admins for the permission checks: 举报处理 at district d3 (unit id 5), and an admin from before roles.
DISTRICT_HANDLER, OLD_ADMIN = 2, 3
REPO = Path(__file__).resolve().parents[1]


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


async def _admins_for_checks(services) -> None:
    """The admins ``can`` is timed for (written once per database; rows, not ``org.roles.grant``, so any
    revision's code can be timed on the same database)."""
    from core.models import Admin
    from org.models import Role, RoleGrant

    async with services.sessions() as session, session.begin():
        if await session.get(Admin, DISTRICT_HANDLER) is not None:
            return
        session.add_all([Admin(user_id=DISTRICT_HANDLER, name="区举报处理"), Admin(user_id=OLD_ADMIN, name="老管理员")])
        session.add(RoleGrant(user_id=DISTRICT_HANDLER, unit_id=5, role=Role.TIPS, granted_by=ADMIN_ID))


def can_cases() -> list[tuple[str, int, str, int | None, bool]]:
    """(label, admin, role, unit, expected): a base unit below district d3 (4 levels up to the grant) and one
    below its neighbour d4."""
    units = tree()
    parent = {u["id"]: u["parent_id"] for u in units}
    bases = [u["id"] for u in units if u["level"] == "基层"]
    below = next(b for b in bases if parent[parent[b]] == 5)
    beside = next(b for b in bases if parent[parent[b]] == 6)
    return [
        ("举报处理@区 → 其下基层（允许）", DISTRICT_HANDLER, "tips", below, True),
        ("举报处理@区 → 邻区基层（拒绝）", DISTRICT_HANDLER, "tips", beside, False),
        ("举报处理@区 → 无单位对象（拒绝）", DISTRICT_HANDLER, "tips", None, False),
        ("举报处理@区 → 查看其下基层（允许）", DISTRICT_HANDLER, "view", below, True),
        ("早期管理员（无角色）→ 基层（允许）", OLD_ADMIN, "tips", below, True),
    ]


async def time_can(services) -> list[tuple[str, list[float]]]:
    """Each case's ``org.roles.can`` timed ``CAN_CALLS`` times in an open session (as a request has one), ms."""
    from org.roles import Action, Need, Role, can

    needs: dict[str, Need] = {"tips": Role.TIPS, "view": Action.VIEW}
    found = []
    for label, user_id, need, unit_id, expected in can_cases():
        times = []
        async with services.sessions() as session:
            for attempt in range(CAN_CALLS + 20):  # the first 20 warm the statement caches: not counted
                started = time.perf_counter()
                allowed = await can(session, services.settings, user_id, needs[need], unit_id)
                elapsed = (time.perf_counter() - started) * 1000
                assert allowed is expected, (label, allowed)
                if attempt >= 20:
                    times.append(elapsed)
        found.append((label, times))
    return found


async def run(database_url: str, workdir: Path, *, seeded: bool = False, migrate: bool = True,
              ) -> tuple[dict[str, int], list[Result], list[Checks]]:
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
    # A revision timed on a database seeded (and migrated) by a later one must not try to migrate it.
    services = await open_services(settings, clock=FakeClock(NOW), migrate=migrate)
    try:
        seeded_at = time.perf_counter()
        counts = await seed(services) if not seeded else await _counts(services)
        counts["seed_s"] = int(time.perf_counter() - seeded_at)
        await _admins_for_checks(services)
        checks = await time_can(services)
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
        return counts, results, checks
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
Checks = tuple[str, list[float]]


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


def report_can(checks: list[Checks]) -> None:
    print(f"{'permission check org.roles.can':<36}{'median ms':>10}{'p95 ms':>8}  ≤ {CAN_TARGET_MS:.0f} ms")
    for label, times in checks:
        median, p95 = statistics.median(times), statistics.quantiles(times, n=20)[-1]
        print(f"{label:<30}{median:>10.2f}{p95:>8.2f}  {'yes' if median <= CAN_TARGET_MS else 'NO'}")


async def main_async(postgres: str, keep: str) -> None:
    with tempfile.TemporaryDirectory(prefix="ankang-bench-org-") as tmp:
        workdir = Path(tmp)
        path = Path(keep) if keep else workdir / "org.sqlite3"
        counts, results, checks = await run(f"sqlite+aiosqlite:///{path}", workdir, seeded=path.exists())
        report("SQLite", counts, results, os.getloadavg())
        report_can(checks)
        if postgres:
            name, url, admin = await _postgres_database(postgres)
            try:
                counts, results, checks = await run(url, workdir)
            finally:
                await _drop(admin, name)
            report("PostgreSQL", counts, results, os.getloadavg())
            report_can(checks)


# --- before and after, side by side -------------------------------------------------------------------

async def one_run(database_url: str, seeded: bool, out: str) -> None:
    """One run on one database, its figures written to ``out`` as JSON (``--database``: a process per run)."""
    import org

    with tempfile.TemporaryDirectory(prefix="ankang-bench-org-") as tmp:
        counts, results, checks = await run(database_url, Path(tmp), seeded=seeded, migrate=not seeded)
    Path(out).write_text(json.dumps({"counts": counts, "results": results, "checks": checks,
                                     "load": os.getloadavg()[0], "code": str(Path(org.__file__).parents[1])}))


def _export(rev: str, into: Path) -> str:
    """The revision's tree in ``into``, with this bench module in place of its own; its short commit."""
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", rev], check=True, capture_output=True,
                            text=True).stdout.strip()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], check=True, capture_output=True).stdout
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    shutil.copy(Path(__file__), into / "bench" / "org.py")
    return commit


def _in_process(code: Path, database_url: str, seeded: bool, out: Path) -> dict:
    """This bench run by ``code``'s tree in a process of its own (its packages first on the path)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    args = [sys.executable, "-m", "bench.org", "--database", database_url, "--json", str(out)]
    subprocess.run([*args, "--seeded"] if seeded else args, cwd=code, env=env, check=True)
    found = json.loads(out.read_text())
    assert Path(found["code"]).resolve() == code.resolve(), f"{code}: imported {found['code']} instead"
    return found


def _ratio(before: float, after: float) -> str:
    return f"{before / after:.1f}×" if after > 0 else "—"


def report_compare(where: str, before: dict, after: dict, label_before: str, label_after: str) -> None:
    counts = after["counts"]
    print(f"\n{where}: {counts['units']:,} units, {counts['workers']:,} workers, {counts['lessons']:,} lessons "
          f"received, {counts['answers']:,} quiz answers; load average {before['load']:.1f} (before) and "
          f"{after['load']:.1f} (after) on {os.cpu_count()} cores")
    print(f"before: {label_before}; after: {label_after}. Median of {RUNS} requests each; ratio = before / after")
    print(f"{'page':<30}{'cold before':>12}{'after':>7}{'ratio':>7}{'CPU before':>11}{'after':>7}"
          f"{'warm before':>12}{'after':>7}  cold after ≤ {TARGET_MS:.0f} ms")
    for (label, cold_b, cpu_b, warm_b, _, _), (_, cold_a, cpu_a, warm_a, _, _) in zip(
            before["results"], after["results"], strict=True):
        cb, ca = statistics.median(cold_b), statistics.median(cold_a)
        pb, pa = statistics.median(cpu_b), statistics.median(cpu_a)
        print(f"{label:<26}{cb:>12.0f}{ca:>7.0f}{_ratio(cb, ca):>7}{pb:>11.0f}{pa:>7.0f}"
              f"{statistics.median(warm_b):>12.0f}{statistics.median(warm_a):>7.0f}  "
              f"{'yes' if ca <= TARGET_MS else 'NO'}")
    print(f"{'permission check org.roles.can':<36}{'before ms':>10}{'after ms':>9}{'ratio':>7}  "
          f"after ≤ {CAN_TARGET_MS:.0f} ms ({CAN_CALLS} calls, median)")
    for (label, times_b), (_, times_a) in zip(before["checks"], after["checks"], strict=True):
        mb, ma = statistics.median(times_b), statistics.median(times_a)
        print(f"{label:<30}{mb:>10.2f}{ma:>9.2f}{_ratio(mb, ma):>7}  {'yes' if ma <= CAN_TARGET_MS else 'NO'}")


def compare(rev: str, postgres: str) -> None:
    """Seed each database once (this tree's code), then time the revision's code and this tree's on it."""
    with tempfile.TemporaryDirectory(prefix="ankang-bench-org-") as tmp:
        workdir = Path(tmp)
        commit = _export(rev, workdir / "before")
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        here = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip() + (" with uncommitted changes" if dirty else "")
        databases: list[tuple[str, str, tuple[str, str] | None]] = [
            ("SQLite", f"sqlite+aiosqlite:///{workdir / 'org.sqlite3'}", None)]
        if postgres:
            name, url, admin = asyncio.run(_postgres_database(postgres))
            databases.append(("PostgreSQL", url, (admin, name)))
        try:
            for where, url, _ in databases:
                print(f"{where}: seeding …", flush=True)
                _in_process(REPO, url, False, workdir / "seed.json")
                before = _in_process(workdir / "before", url, True, workdir / "before.json")
                after = _in_process(REPO, url, True, workdir / "after.json")
                report_compare(where, before, after, f"{rev} ({commit})", f"this tree ({here})")
        finally:
            for _, _, drop in databases:
                if drop is not None:
                    asyncio.run(_drop(*drop))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL",
                        help="PostgreSQL server to run on as well ('' to skip); a fresh database, dropped after")
    parser.add_argument("--sqlite", default="", metavar="FILE",
                        help="keep the SQLite database in FILE, and reuse it (no seeding) when it exists")
    parser.add_argument("--baseline", default="", metavar="REV",
                        help="time REV's code (e.g. main) and this tree's on the same databases, side by side")
    parser.add_argument("--database", default="", metavar="URL", help=argparse.SUPPRESS)  # one run, for --baseline
    parser.add_argument("--seeded", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", default="", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.database:
        asyncio.run(one_run(args.database, args.seeded, args.json))
    elif args.baseline:
        compare(args.baseline, args.postgres)
    else:
        asyncio.run(main_async(args.postgres, args.sqlite))


if __name__ == "__main__":
    main()
