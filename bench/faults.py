"""Faults benchmark (issue 17): Ankang through a database outage, in one process, without a restart.

    .venv/bin/python -m bench.faults                    # PostgreSQL down 20 s, SQLite locked 20 s
    .venv/bin/python -m bench.faults --outage 5 --recipients 200 --only postgres
    .venv/bin/python -m bench.faults --only fuzz --only photos   # 20,000 fuzzed updates; 20 photos at once

Each scenario is one function (``SCENARIOS``) returning rows of (metric, value); the table prints one
line per row, so a scenario is added by writing a function and listing it. The database scenarios run
Ankang (``ankang.runner.running``: bot, web server, broadcast engine) against the Bot API emulator and:

* start a broadcast to ``--recipients`` subscribers (one message each) at ``--rate`` msg/s;
* once part of it is out, take the database away for ``--outage`` seconds — PostgreSQL: a server of
  our own (``bench.pgserver``, never the shared one) stopped with ``pg_ctl -m fast``; SQLite: the file
  locked by another connection (``BEGIN EXCLUSIVE``) — while workers ask a question every second,
  one in four an emergency, and /healthz is polled every second;
* bring it back and wait, without restarting anything, for the broadcast to finish.

It reports answers and emergencies served (a real answer, not the error message), the broadcast's
completion without restart, duplicates and losses (from what the emulator received), what /healthz
said, and whether the statistics of every question reached the database after it returned.
``tests/ankang/test_database_outage.py`` runs the same scenarios, shorter, and asserts on them.
"""
from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TOKEN = "123456789:FAULTS-token-abcdefghijklmnopqrstuvwxyz"
FAQ_QUESTIONS = ("劳保用品要自己掏钱吗", "没有经过安全培训能上岗吗", "发现隐患向谁报告", "工伤认定需要什么材料")
EMERGENCIES = ("有人触电了", "仓库着火了，怎么办", "煤气泄漏了")
ANNOUNCEMENT = "【微课堂】冬季安全提醒：下班前检查电源、燃气和门窗。"

Rows = list[tuple[str, object]]


@dataclass
class OutageResult:
    """What one outage scenario observed; the test asserts on it, the table prints it."""

    recipients: int = 0
    questions: int = 0
    answered: int = 0
    emergencies: int = 0
    emergencies_answered: int = 0
    error_replies: int = 0
    completed_without_restart: bool = False
    completion_after_return_s: float | None = None
    duplicates: int = 0
    lost: int = 0
    healthz: list[tuple[int, str, str]] = field(default_factory=list)  # (HTTP status, database, sender loop)
    statistics_written: int = 0
    writes_dropped: int = 0
    reply_latency_max_s: float = 0.0
    last_unhealthy: dict[str, Any] = field(default_factory=dict)  # the last /healthz body that was not "ok"

    def healthz_summary(self) -> str:
        """The sequence of distinct /healthz states: "200 ok ok → 200 unreachable failing → …"."""
        seen: list[str] = []
        for status, database, sender in self.healthz:
            label = f"{status} db={database} sender={sender}"
            if not seen or seen[-1] != label:
                seen.append(label)
        return " → ".join(seen)


Breaker = Callable[[], Awaitable[None]]


async def database_outage(
    database_url: str, take_away: Breaker, bring_back: Breaker, *, outage_s: float, recipients: int,
    rate: float, askers: int, laws_dir: Path | None, kb: Any = None, library: Any = None,
    stuck_after_s: float | None = None, settle_timeout_s: float = 120.0, health_every_s: float = 1.0,
    backoff_max_s: float | None = None, **settings: Any,
) -> OutageResult:
    """Run Ankang on ``database_url``, break the database for ``outage_s`` mid-broadcast, measure.

    ``backoff_max_s`` caps the loops' retry backoff (production's: ``core.supervision.BACKOFF_MAX_S``): after a
    longer outage the sender waits up to that long before it tries the returned database again."""
    import aiohttp
    from sqlalchemy import func, select

    from ankang.runner import running
    from bot import messages as bot_messages
    from broadcasts.models import Occurrence, OccurrenceStatus
    from broadcasts.schedules import What, create_to_send_now
    from broadcasts.subscriptions import set_topics
    from core.settings import load_settings
    from emulator import Emulator, RateLimits
    from knowledge.messages import EMERGENCY_HEAD
    from knowledge.models import QuestionStat

    result = OutageResult(recipients=recipients)
    async with AsyncExitStack() as stack:
        emulator = Emulator(rate_limits=RateLimits.counting())
        await emulator.start(host="127.0.0.1", port=0)
        stack.push_async_callback(emulator.stop)
        values: dict[str, Any] = dict(
            database_url=database_url, telegram_api_url=emulator.url, bot_token=TOKEN, web_host="127.0.0.1",
            web_port=0, admin_ids="", secret_key="faults-bench", webhook_url="", webhook_secret="",
            send_rate=rate, laws_dir=laws_dir,
        )
        values.update(settings)
        handle = await stack.enter_async_context(
            running(load_settings(**values), poll_timeout_s=1, kb=kb, library=library))
        services = handle.services
        if stuck_after_s is not None:
            services.loops.stuck_after_s = stuck_after_s
        if backoff_max_s is not None:
            production_backoff, cap = services.loops.backoff, backoff_max_s
            services.loops.backoff = lambda failures: min(cap, production_backoff(failures))
        engine = services.broadcasts
        assert engine is not None

        people = [emulator.user(f"工友{i}") for i in range(recipients)]
        async with services.sessions() as session, session.begin():
            for person in people:
                await set_topics(session, person.id, {"all"})
            schedule = await create_to_send_now(session, engine.library, What("text", text=ANNOUNCEMENT))
        occurrence_id = await engine.send_now(schedule.id)

        def delivered() -> int:
            return sum(1 for p in people if emulator.messages(p))

        # Part of the broadcast out before the outage.
        await emulator.wait_for(lambda: delivered() >= max(1, recipients // 10), timeout=60,
                                what="part of the broadcast")

        stop_asking = asyncio.Event()
        latencies: list[float] = []

        async def ask_every_second(n: int) -> None:
            worker = emulator.user(f"提问者{n}")
            i = n
            while not stop_asking.is_set():
                emergency = i % 4 == 3  # one question in four is an emergency
                text = EMERGENCIES[i // 4 % len(EMERGENCIES)] if emergency else FAQ_QUESTIONS[i % len(FAQ_QUESTIONS)]
                i += 1
                started = time.monotonic()
                sent = await emulator.send_text(worker, text)
                result.questions += 1
                result.emergencies += int(emergency)
                try:
                    reply = await emulator.wait_for_message(worker, after=sent, timeout=15)
                except AssertionError:
                    continue  # no reply at all: counted as not served
                latencies.append(time.monotonic() - started)
                body = reply.get("text", "")
                if body in (bot_messages.ERROR, bot_messages.ERROR_DATABASE):
                    result.error_replies += 1
                elif emergency and body.startswith(EMERGENCY_HEAD):
                    result.emergencies_answered += 1
                    result.answered += 1
                elif not emergency:
                    result.answered += 1
                # One question a second per worker; the next waits for this one's replies to settle.
                await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started)))

        async def poll_health() -> None:
            async with aiohttp.ClientSession() as http:
                while True:
                    try:
                        async with http.get(f"{handle.web_url}/healthz") as response:
                            body = await response.json()
                        sender = body.get("loops", {}).get("broadcast-sender", {}).get("status", "?")
                        if response.status != 200 or body.get("status") != "ok":
                            result.last_unhealthy = body
                        result.healthz.append((response.status, body.get("database", "?"), sender))
                    except aiohttp.ClientError:
                        result.healthz.append((0, "?", "?"))
                    await asyncio.sleep(health_every_s)  # a sampling period, not synchronisation

        health = asyncio.create_task(poll_health())
        askers_tasks = [asyncio.create_task(ask_every_second(n)) for n in range(askers)]
        try:
            await take_away()
            await asyncio.sleep(outage_s)  # the outage itself
            await bring_back()
            returned = time.monotonic()

            async def finished() -> bool:
                async with services.sessions() as session:
                    status = (await session.execute(
                        select(Occurrence.status).where(Occurrence.id == occurrence_id))).scalar_one()
                return status == OccurrenceStatus.DONE

            deadline = returned + settle_timeout_s
            while not await finished():
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)  # polling the database for completion
            else:
                result.completed_without_restart = True
                result.completion_after_return_s = time.monotonic() - returned
            # A few more seconds of questions and health after the return.
            await asyncio.sleep(2.0)
        finally:
            stop_asking.set()
            await asyncio.gather(*askers_tasks, return_exceptions=True)
            health.cancel()
            await asyncio.gather(health, return_exceptions=True)

        counts = [len(emulator.messages(p)) for p in people]
        result.lost = sum(1 for c in counts if c == 0)
        result.duplicates = sum(c - 1 for c in counts if c > 1)
        result.reply_latency_max_s = max(latencies, default=0.0)
        # The statistics waited for the database: all of them should be there once it is back.
        deadline = time.monotonic() + 30
        while services.writes.pending and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        async with services.sessions() as session:
            result.statistics_written = int((await session.execute(
                select(func.coalesce(func.sum(QuestionStat.count), 0)))).scalar_one())
        result.writes_dropped = services.writes.dropped
    return result


# --- how a database is taken away -------------------------------------------------------------------


async def postgres_outage_result(outage_s: float, recipients: int, rate: float, askers: int,
                                 laws_dir: Path | None, **kwargs: Any) -> OutageResult:
    """The outage on a PostgreSQL server of our own, stopped (``pg_ctl -m fast``) and started again."""
    from bench.pgserver import PrivatePostgres

    async with PrivatePostgres() as pg:
        url = await pg.create_database(f"faults_{uuid.uuid4().hex[:8]}")
        return await database_outage(url, pg.stop, pg.start, outage_s=outage_s, recipients=recipients,
                                     rate=rate, askers=askers, laws_dir=laws_dir, **kwargs)


class SqliteLock:
    """Another connection holding the SQLite file's write lock (``BEGIN EXCLUSIVE``) until released."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    async def take(self) -> None:
        def lock() -> sqlite3.Connection:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("BEGIN EXCLUSIVE")
            return conn

        self._conn = await asyncio.to_thread(lock)

    async def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await asyncio.to_thread(lambda: (conn.execute("ROLLBACK"), conn.close()))


async def sqlite_locked_result(outage_s: float, recipients: int, rate: float, askers: int,
                               laws_dir: Path | None, *, directory: Path, **kwargs: Any) -> OutageResult:
    """The outage on SQLite: the file locked by another connection; writes fail after a 1 s busy timeout."""
    from core import db

    path = directory / f"faults-{uuid.uuid4().hex[:8]}.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    engine = db.create_engine(url)
    try:
        await db.upgrade(engine)
    finally:
        await engine.dispose()
    lock = SqliteLock(path)
    try:
        return await database_outage(url, lock.take, lock.release, outage_s=outage_s, recipients=recipients,
                                     rate=rate, askers=askers, laws_dir=laws_dir, sqlite_busy_timeout_s=1.0,
                                     **kwargs)
    finally:
        await lock.release()


# --- the table ----------------------------------------------------------------------------------------


def outage_rows(r: OutageResult) -> Rows:
    completed = (f"yes, {r.completion_after_return_s:.1f} s after the database returned"
                 if r.completed_without_restart else "NO")
    return [
        ("answers served", f"{r.answered}/{r.questions}"),
        ("emergencies served", f"{r.emergencies_answered}/{r.emergencies}"),
        ("error replies", r.error_replies),
        ("slowest reply (s)", f"{r.reply_latency_max_s:.2f}"),
        ("broadcast completed without restart", completed),
        ("recipients", r.recipients),
        ("duplicates", r.duplicates),
        ("lost", r.lost),
        ("question statistics written", f"{r.statistics_written}/{r.questions} (dropped {r.writes_dropped})"),
        ("/healthz", r.healthz_summary()),
    ]


async def postgres_outage(args: argparse.Namespace) -> Rows:
    return outage_rows(await postgres_outage_result(args.outage, args.recipients, args.rate, args.askers,
                                                    args.laws_dir))


async def sqlite_locked(args: argparse.Namespace) -> Rows:
    with tempfile.TemporaryDirectory() as tmp:
        return outage_rows(await sqlite_locked_result(args.outage, args.recipients, args.rate, args.askers,
                                                      args.laws_dir, directory=Path(tmp)))


async def fuzz(args: argparse.Namespace) -> Rows:
    """``--updates`` generated updates (``bench.fuzz``) through Ankang on SQLite against the emulator."""
    from ankang.runner import running
    from bench.fuzz import Fuzzer
    from core.settings import load_settings
    from emulator import Emulator, RateLimits

    admin_id = 900001
    with tempfile.TemporaryDirectory() as tmp:
        async with AsyncExitStack() as stack:
            emulator = Emulator(rate_limits=RateLimits.counting())
            await emulator.start(host="127.0.0.1", port=0)
            stack.push_async_callback(emulator.stop)
            settings = load_settings(
                database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'fuzz.sqlite3'}", telegram_api_url=emulator.url,
                bot_token=TOKEN, web_host="127.0.0.1", web_port=0, admin_ids=str(admin_id),
                secret_key="fuzz-bench", webhook_url="", webhook_secret="", laws_dir=args.laws_dir,
                send_rate=500)  # the fuzz measures robustness, not Telegram's overall rate
            await stack.enter_async_context(running(settings, poll_timeout_s=1))
            report = await Fuzzer(emulator, admin_id, workers=40).run(args.updates, seed_value=args.seed)
    for line in (report.unhandled + report.missing_replies)[:10]:
        print("  ", line)
    return report.rows()


async def photos(args: argparse.Namespace) -> Rows:
    """``--photos`` chats send a ~10 MB photo at the same moment to ``ankang run`` (its own process);
    its RSS is sampled every 20 ms."""
    from bench.photos import concurrent_photos

    r = await concurrent_photos(args.photos, args.laws_dir)
    return [
        ("chats, photo size", f"{r.chats}, {r.photo_mb:.1f} MB each"),
        ("photos accepted", f"{r.accepted}/{r.chats}"),
        ("RSS before / peak / after", f"{r.rss_before_mb:.0f} / {r.rss_peak_mb:.0f} / {r.rss_after_mb:.0f} MB"),
        ("seconds until the last reply", f"{r.seconds:.1f}"),
    ]


Scenario = Callable[[argparse.Namespace], Awaitable[Rows]]
# (key for --only, title, function): add a scenario here.
SCENARIOS: list[tuple[str, str, Scenario]] = [
    ("postgres", "PostgreSQL down {outage:g} s during a broadcast and questions", postgres_outage),
    ("sqlite", "SQLite locked {outage:g} s during a broadcast and questions", sqlite_locked),
    ("fuzz", "{updates:,} fuzzed updates (bench.fuzz)", fuzz),
    ("photos", "{photos} chats sending a 10 MB photo at once", photos),
]


def print_table(title: str, rows: Rows) -> None:
    width = max(len(name) for name, _ in rows) + 2
    print(f"\n{title}")
    print(f"{'metric':<{width}}value")
    for name, value in rows:
        print(f"{name:<{width}}{value}")


async def main_async(args: argparse.Namespace) -> None:
    for key, title, scenario in SCENARIOS:
        if args.only and key not in args.only:
            continue
        print_table(title.format(**vars(args)), await scenario(args))


def main() -> None:
    import logging
    import os

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outage", type=float, default=20.0, help="seconds the database is away")
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=25.0, help="broadcast messages per second")
    parser.add_argument("--askers", type=int, default=4, help="workers each asking a question every second")
    parser.add_argument("--updates", type=int, default=20_000, help="fuzzed updates (fuzz)")
    parser.add_argument("--seed", type=int, default=None, help="the fuzz run's seed (printed) to reproduce it")
    parser.add_argument("--photos", type=int, default=20, help="chats sending a photo at once (photos)")
    parser.add_argument("--only", action="append", choices=[key for key, _, _ in SCENARIOS])
    parser.add_argument("--laws-dir", type=Path, default=Path(os.environ.get("ANKANG_LAWS_DIR", "../shared/laws")))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
