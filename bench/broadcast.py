"""Outgoing benchmark: everything Ankang sends, against the Bot API emulator enforcing Telegram's limits.

    .venv/bin/python -m bench.broadcast                   # the rows below (~12 min)
    .venv/bin/python -m bench.broadcast --only rates --rates 30 --subscribers 6000
    .venv/bin/python -m bench.broadcast --kill --rss      # also the crash and memory runs

The emulator runs in a child process (so RSS figures are Ankang's alone) and answers 429 to any
send beyond ``--emulator-limit`` (30) messages/s overall or 1/s per chat (burst 3); 1 % of the
subscribers have blocked the bot. Rows:

* **path**: the outgoing path alone (scheduler, rate limiter, PTB, HTTP; no database), 90 tasks
  sending one message to each of ``--subscribers`` chats at each of ``--rates``: what the pacing
  itself achieves, whatever the sender's database costs on a busy machine.
* **rates**: a text broadcast to ``--subscribers`` (3,000) through the sender and the outgoing path,
  at each of ``--rates`` (25 and 30): the steady rate (10 %–90 % of the sends), rate-limit errors
  our sending caused (429s the emulator gave, injected ones excluded), duplicates, lost.
* **lesson**: the whole bot (``ankang.runner.running``) sends a lesson with its quiz to 1,500;
  every other recipient answers the quiz as it arrives, and each answer must get its feedback.
* **burst**: the whole bot; 200 workers each ask 5 questions, each as soon as the previous one is
  answered: lost replies, latency p50/p99, error messages shown, errors caused.
* **scale** (issue 14, point 6): enqueueing a broadcast to 1,000, 10,000 and 100,000 subscribers
  (``--scale-sizes``), each in a fresh process on a fresh database: the time of the INSERT … SELECT
  that queues the recipients and the process's peak RSS growth while it runs (no Telegram involved).

The kill run (``--kill``) aborts the sender at 40 % (claims left behind, as after a crash) and
starts a new engine on the same database.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

FIRST_USER_ID = 100000001


# --- the emulator in its own process ------------------------------------------------------------------

QUIZ_USERS_FROM = FIRST_USER_ID  # the lesson run: every other subscriber answers the quiz
BURST_USER_ID = 300000001
QUESTIONS = ["劳保用品要自己掏钱吗", "没有经过安全培训能上岗吗", "发现隐患向谁报告", "加班费怎么算",
             "老板逼我冒险作业怎么办", "工伤认定需要多久", "女职工孕期能上夜班吗", "安全生产法第五十五条"]


def _emulator_main(conn, config: dict) -> None:
    asyncio.run(_emulator_async(conn, config))


async def _emulator_async(conn, config: dict) -> None:
    from emulator import Emulator
    from emulator.limits import RateLimits

    limit = config["emulator_limit"]
    emu = Emulator(rate_limits=RateLimits.telegram().with_(global_per_s=limit, global_burst=int(limit)))
    await emu.start("127.0.0.1", 0)
    subscribers = config["subscribers"]
    every = int(round(1 / config["blocked"])) if config["blocked"] else 0
    blocked = set()
    for i in range(subscribers):
        user = emu.user(f"工友{i}", id=FIRST_USER_ID + i)
        if every and i % every == every - 1:
            emu.chat(user).blocked = True  # blocked before the broadcast (no update needed)
            blocked.add(user.id)
    burst_users = [emu.user(f"提问{i}", id=BURST_USER_ID + i) for i in range(config.get("burst_workers", 0))]
    if config["rate_limited"]:
        emu.faults.set_random(config["rate_limited"], "retry_after", retry_after=1, seed=7)
    answering = {FIRST_USER_ID + i for i in range(0, subscribers, 2)} - blocked if config.get("answer_quiz") else set()
    answered: dict[int, float] = {}
    sends: list[tuple[float, int]] = []

    async def sample_sends() -> None:
        while True:
            sends.append((time.monotonic(), emu.stats.sends - emu.stats.rejected_429))
            await asyncio.sleep(0.25)

    async def answer_quizzes() -> None:
        """Half the recipients answer the lesson's quiz a moment after it arrives."""
        while True:
            for uid in answering - answered.keys():
                polls = [m for m in emu.messages(uid) if "poll" in m]
                if polls:
                    await emu.answer_poll(uid, polls[-1]["poll"]["id"], [0])
                    answered[uid] = time.monotonic()
            await asyncio.sleep(0.2)

    tasks = [asyncio.create_task(sample_sends()), asyncio.create_task(answer_quizzes())]
    conn.send(emu.url)
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command == "stop":
            break
        if command == "burst":
            conn.send(await _burst(emu, burst_users, config["burst_questions"]))
            continue
        recipients = [uid for uid in range(FIRST_USER_ID, FIRST_USER_ID + subscribers) if uid not in blocked]
        duplicates = lost = feedback_lost = received = 0
        for uid in recipients:
            got = emu.messages(uid)
            received += len(got)
            seen = Counter(_content(m) for m in got)
            duplicates += sum(n - 1 for n in seen.values())
            if not got or (config.get("lesson") and not any("poll" in m for m in got)):
                lost += 1
            if uid in answered and "poll" in got[-1]:  # no feedback after the quiz
                feedback_lost += 1
        scopes = Counter("+".join(v.scopes) for v in emu.stats.violation_log)
        conn.send({
            "duplicates": duplicates,
            "lost": lost,
            "received": received,
            "sends": emu.stats.sends,
            "violations": emu.stats.violations,
            "violation_scopes": dict(scopes),
            "injected": emu.stats.faults_injected,
            "global_limit": limit,
            "steady_rate": _steady_rate(sends),
            "quiz_answers": len(answered),
            "feedback_lost": feedback_lost,
        })
    for task in tasks:
        task.cancel()
    await emu.stop()


def _content(message: dict) -> str:
    return message.get("text") or message.get("caption") or (message.get("poll") or {}).get("question", "")


def _steady_rate(samples: list[tuple[float, int]]) -> float:
    """Messages/s accepted between 10 % and 90 % of the run's sends (start-up and tail left out)."""
    total = samples[-1][1] if samples else 0
    if total < 20:
        return 0.0
    lo = next(s for s in samples if s[1] >= 0.1 * total)
    hi = next(s for s in samples if s[1] >= 0.9 * total)
    return (hi[1] - lo[1]) / (hi[0] - lo[0]) if hi[0] > lo[0] else 0.0


async def _burst(emu, users, questions: int) -> dict:
    """Every user asks ``questions`` questions, each as soon as the previous one is answered."""
    violations_before = emu.stats.violations
    latencies: list[float] = []
    lost = 0

    async def worker(n: int, user) -> None:
        nonlocal lost
        for q in range(questions):
            sent = await emu.send_text(user, QUESTIONS[(n + q) % len(QUESTIONS)])
            asked = time.monotonic()
            try:
                await emu.wait_for_message(user, after=sent, timeout=60)
            except AssertionError:
                lost += 1
                continue
            latencies.append(time.monotonic() - asked)

    started = time.monotonic()
    await asyncio.gather(*(worker(n, u) for n, u in enumerate(users)))
    elapsed = time.monotonic() - started
    await asyncio.sleep(2)  # late duplicates, if any, would arrive now
    duplicates = 0
    for user in users:
        got = emu.messages(user, include_user=True)
        # A duplicate: the same bot message twice in reply to one question.
        for i, message in enumerate(got):
            if message.get("from", {}).get("is_bot") and any(
                    _content(m) == _content(message) and m.get("from", {}).get("is_bot") for m in got[max(0, i - 3):i]):
                duplicates += 1
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else float("nan")

    return {
        "questions": len(users) * questions, "answered": len(latencies), "lost": lost,
        "duplicates": duplicates, "elapsed_s": elapsed,
        "p50_ms": 1000 * pct(0.50), "p99_ms": 1000 * pct(0.99),
        "violations": emu.stats.violations - violations_before,
        "error_text": sum(1 for u in users for m in emu.messages(u) if "出了问题" in m.get("text", "")),
    }


# --- Ankang's side ---------------------------------------------------------------------------------


class RssSampler:
    def __init__(self) -> None:
        import psutil

        self.process = psutil.Process()
        self.start = self.peak = self.process.memory_info().rss
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, self.process.memory_info().rss)
            await asyncio.sleep(0.05)

    def __enter__(self):
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *exc) -> None:
        self._task.cancel()
        self.peak = max(self.peak, self.process.memory_info().rss)


async def _populate(services, subscribers: int) -> None:
    from sqlalchemy import insert

    from broadcasts.models import Subscription
    from core.models import User, utcnow

    now = utcnow()
    chunk = 1000
    async with services.sessions() as session, session.begin():
        for start in range(0, subscribers, chunk):
            ids = range(FIRST_USER_ID + start, FIRST_USER_ID + min(subscribers, start + chunk))
            await session.execute(insert(User), [
                {"chat_id": i, "language": "zh-hans", "subscribed": True, "first_seen_at": now} for i in ids])
            await session.execute(insert(Subscription),
                                  [{"chat_id": i, "topic": "all", "created_at": now} for i in ids])


async def _done(services) -> bool:
    from sqlalchemy import func, select

    from broadcasts.models import OPEN_DELIVERY_STATUSES, Delivery, Occurrence, OccurrenceStatus

    async with services.sessions() as session:
        left = (await session.execute(select(func.count()).select_from(Delivery).where(
            Delivery.status.in_(OPEN_DELIVERY_STATUSES)))).scalar_one()
        running = (await session.execute(select(func.count()).select_from(Occurrence).where(
            Occurrence.status == OccurrenceStatus.RUNNING))).scalar_one()
    return left == 0 and running == 0


async def _sent(services) -> int:
    from sqlalchemy import func, select

    from broadcasts.models import Delivery, DeliveryStatus

    async with services.sessions() as session:
        return (await session.execute(select(func.count()).select_from(Delivery).where(
            Delivery.status == DeliveryStatus.SENT))).scalar_one()


async def run_scale(subscribers: int, database_url: str) -> dict:
    """Queue one broadcast to ``subscribers`` (populated first): enqueue time and RSS growth meanwhile."""
    import gc

    from ankang.services import open_services
    from broadcasts.library import load_library
    from broadcasts.models import Occurrence
    from broadcasts.occurrences import send_now
    from broadcasts.schedules import What, create_to_send_now
    from core.models import utcnow

    services = await open_services(_settings("http://127.0.0.1:9", database_url, 25.0))
    try:
        await _populate(services, subscribers)
        async with services.sessions() as session, session.begin():
            what = What("text", text="【微课堂】规模测试")
            schedule_id = (await create_to_send_now(session, load_library(), what)).id
        gc.collect()
        with RssSampler() as rss:
            started = time.perf_counter()
            occurrence_id = await send_now(services.sessions, schedule_id, utcnow())
            elapsed_ms = (time.perf_counter() - started) * 1000
        async with services.sessions() as session:
            occurrence = await session.get_one(Occurrence, occurrence_id)
            recipients, enqueue_ms = occurrence.recipients, occurrence.enqueue_ms
    finally:
        await services.close()
    return {"subscribers": subscribers, "recipients": recipients, "enqueue_ms": enqueue_ms,
            "send_now_ms": round(elapsed_ms, 1), "rss_before_mb": rss.start / 2**20,
            "rss_growth_mb": (rss.peak - rss.start) / 2**20}


async def run_once(url: str, config: dict, kill_at: float | None, database_url: str) -> dict:
    """One text broadcast to every subscriber through the sender alone (the bot's transport and outgoing
    path, no handlers); with ``kill_at`` (a share of recipients), abort and restart there."""
    from datetime import timedelta

    from telegram.request import HTTPXRequest

    from ankang.services import open_services
    from bot.lessons import TelegramTransport, broadcast_bot
    from bot.retry import OutgoingLimiter
    from broadcasts.delivery import default_concurrency
    from broadcasts.engine import BroadcastEngine
    from broadcasts.library import load_library
    from broadcasts.models import Occurrence
    from broadcasts.schedules import What, When, create_schedule
    from core.models import utcnow

    subscribers, rate = config["subscribers"], config["rate"]
    settings = _settings(url, database_url, rate)
    services = await open_services(settings)
    library = load_library()
    await _populate(services, subscribers)
    async with services.sessions() as session, session.begin():
        schedule = await create_schedule(
            session, library, What("text", text="【微课堂】冬季安全提醒：下班前检查电源、燃气和门窗。"),
            When("once", run_at=utcnow() + timedelta(days=1)))
        schedule_id = schedule.id

    concurrency = default_concurrency(rate)
    bot = broadcast_bot(settings.bot_token, settings.bot_base_url, settings.bot_file_url,
                        OutgoingLimiter(services.outgoing),
                        HTTPXRequest(connection_pool_size=concurrency + 4, pool_timeout=30.0))
    await bot.initialize()
    transport = TelegramTransport(bot)
    engine = BroadcastEngine(services, library, transport, lease_s=5.0)
    result: dict = {"subscribers": subscribers, "rate": rate}
    with RssSampler() as rss:
        await engine.start()
        started = time.perf_counter()
        occurrence_id = await engine.send_now(schedule_id)
        if kill_at is not None:
            target = int(subscribers * kill_at)
            while await _sent(services) < target:
                await asyncio.sleep(0.05)
            await engine.abort()
            engine = BroadcastEngine(services, library, transport, lease_s=5.0)
            await engine.start()
        while not await _done(services):
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        await engine.stop()
    async with services.sessions() as session:
        occurrence = await session.get(Occurrence, occurrence_id)
    result.update(
        recipients=occurrence.recipients, sent=occurrence.sent, blocked=occurrence.blocked, failed=occurrence.failed,
        messages=occurrence.messages, elapsed_s=elapsed, achieved_rate=occurrence.messages / elapsed,
        enqueue_ms=occurrence.enqueue_ms, rss_start_mb=rss.start / 2**20, rss_peak_mb=rss.peak / 2**20,
        rate_limited=services.outgoing.stats.rate_limited, global_pauses=services.outgoing.stats.pauses,
        chat_holds=services.outgoing.stats.chat_holds,
    )
    await bot.shutdown()
    await services.close()
    return result


async def run_path(url: str, config: dict) -> dict:
    """The outgoing path alone (scheduler, limiter, PTB, HTTP), no database: what pacing achieves."""
    from telegram.request import HTTPXRequest

    from bot.lessons import broadcast_bot
    from bot.retry import OutgoingLimiter
    from core.outgoing import OutgoingScheduler, Priority, sending_as

    subscribers, rate = config["subscribers"], config["rate"]
    scheduler = OutgoingScheduler(rate)
    bot = broadcast_bot("123456789:BENCH-token-abcdefghijklmnopqrstuvwxyz", f"{url}/bot", f"{url}/file/bot",
                        OutgoingLimiter(scheduler), HTTPXRequest(connection_pool_size=100, pool_timeout=30.0))
    await bot.initialize()
    chats = iter(range(FIRST_USER_ID, FIRST_USER_ID + subscribers))
    sent = blocked = 0

    async def worker() -> None:
        nonlocal sent, blocked
        from telegram.error import Forbidden

        with sending_as(Priority.BROADCAST):
            for chat_id in chats:
                while True:
                    try:
                        await bot.send_message(chat_id, "【微课堂】冬季安全提醒：下班前检查电源、燃气和门窗。")
                        sent += 1
                    except Forbidden:
                        blocked += 1
                    except Exception:  # a 429 or a transient error: the scheduler holds the chat; again
                        continue
                    break

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(90)))
    elapsed = time.perf_counter() - started
    await bot.shutdown()
    return {"subscribers": subscribers, "rate": rate, "sent": sent, "blocked": blocked, "elapsed_s": elapsed,
            "achieved_rate": sent / elapsed, "rate_limited": scheduler.stats.rate_limited}


async def run_app(url: str, config: dict, database_url: str, conn) -> dict:
    """The whole bot (handlers, sender, outgoing path): a lesson broadcast, then an interactive burst."""
    from datetime import timedelta

    from ankang.runner import running
    from broadcasts.library import load_library
    from broadcasts.models import Occurrence
    from broadcasts.schedules import What, When, create_schedule
    from core.models import utcnow

    settings = _settings(url, database_url, config["rate"])
    library = load_library()
    result: dict = {}
    async with running(settings, library=library, poll_timeout_s=1) as handle:  # loads the knowledge base
        services = handle.services
        if config.get("lesson"):
            await _populate(services, config["subscribers"])
            async with services.sessions() as session, session.begin():
                schedule = await create_schedule(session, library, What("lesson", lesson_id=config["lesson"]),
                                                 When("once", run_at=utcnow() + timedelta(days=1)))
                schedule_id = schedule.id
            started = time.perf_counter()
            occurrence_id = await services.broadcasts.send_now(schedule_id)
            while not await _done(services):
                await asyncio.sleep(0.1)
            result["elapsed_s"] = time.perf_counter() - started
            await asyncio.sleep(3)  # the last quiz answers and their feedback
            async with services.sessions() as session:
                occurrence = await session.get(Occurrence, occurrence_id)
            result.update(recipients=occurrence.recipients, sent=occurrence.sent, blocked=occurrence.blocked,
                          failed=occurrence.failed, messages=occurrence.messages)
        if config.get("burst_workers"):
            conn.send("burst")
            result["burst"] = await asyncio.to_thread(conn.recv)  # the bot keeps answering meanwhile
        result["rate_limited"] = services.outgoing.stats.rate_limited
        result["longest_reply_wait_ms"] = 1000 * max(
            (w for p, w in services.outgoing.stats.longest_wait_s.items() if p.name != "BROADCAST"), default=0.0)
    return result


DATABASE_URL = ""  # --postgres: a fresh database on that server per run, dropped afterwards


@contextlib.contextmanager
def _database(workdir: Path):
    """A SQLite file in ``workdir``, or a uuid-named PostgreSQL database (``--postgres``) dropped after."""
    if not DATABASE_URL:
        yield f"sqlite+aiosqlite:///{workdir / f'bench-{int(time.time() * 1000)}.sqlite3'}"
        return
    import asyncpg
    from sqlalchemy.engine import make_url

    base = make_url(DATABASE_URL)
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _settings(url: str, database_url: str, rate: float):
    from core.settings import load_settings

    return load_settings(database_url=database_url, telegram_api_url=url, send_rate=rate,
                         bot_token="123456789:BENCH-token-abcdefghijklmnopqrstuvwxyz", admin_ids="",
                         web_host="127.0.0.1", web_port=0, webhook_url="", public_url="")


def measure(config: dict, kill_at: float | None = None, app: bool = False) -> dict:
    ctx = mp.get_context("spawn")
    conn, child = ctx.Pipe()
    process = ctx.Process(target=_emulator_main, args=(child, config), daemon=True)
    process.start()
    url = conn.recv()
    try:
        with tempfile.TemporaryDirectory() as tmp, _database(Path(tmp)) as database_url:
            if config.get("path_only"):
                result = asyncio.run(run_path(url, config))
            elif app:
                result = asyncio.run(run_app(url, config, database_url, conn))
            else:
                result = asyncio.run(run_once(url, config, kill_at, database_url))
        conn.send("report")
        result.update({k: v for k, v in conn.recv().items() if k not in result})
        conn.send("stop")
    finally:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
    return result


def _scopes(r: dict) -> str:
    scopes = r.get("violation_scopes") or {}
    return " (" + ", ".join(f"{k}: {v}" for k, v in sorted(scopes.items())) + ")" if scopes else ""


def _table(title: str, rows: list[tuple[str, str]]) -> None:
    print(f"\n{title}")
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    sys.stdout.flush()  # tables appear as each run ends, also when piped to a file


def _errors(r: dict) -> str:
    sends = max(1, r["sends"])
    return f"{r['violations']} ({100 * r['violations'] / sends:.2f} % of {r['sends']:,} sends)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=3_000, help="recipients of the rate runs")
    parser.add_argument("--rates", default="25,30", help="configured send rates of the rate runs (messages/s)")
    parser.add_argument("--emulator-limit", type=float, default=30.0, help="the emulator's global limit (msg/s)")
    parser.add_argument("--blocked", type=float, default=0.01, help="share of subscribers who blocked the bot")
    parser.add_argument("--rate-limited", type=float, default=0.0, help="share of sends answered 429 (injected)")
    parser.add_argument("--lesson-subscribers", type=int, default=1_500)
    parser.add_argument("--lesson", default="fire-extinguisher", help="the lesson of the quiz run")
    parser.add_argument("--burst-workers", type=int, default=200)
    parser.add_argument("--burst-questions", type=int, default=5)
    parser.add_argument("--kill", action="store_true", help="also: kill at 40 %% and restart")
    parser.add_argument("--rss", action="store_true", help="also: peak RSS at 1,000 and --subscribers")
    parser.add_argument("--only", default="", help="comma-separated: path, rates, lesson, burst, scale (default all)")
    parser.add_argument("--postgres", default="", metavar="URL",
                        help="run on PostgreSQL (postgresql+asyncpg://…): a fresh database per run, dropped after")
    parser.add_argument("--scale-sizes", default="1000,10000,100000", help="audiences of the scale row")
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)  # child: one run, JSON out
    parser.add_argument("--single-scale", type=int, default=0, help=argparse.SUPPRESS)  # child: one scale run
    args = parser.parse_args(argv)
    global DATABASE_URL
    DATABASE_URL = args.postgres
    base = {"blocked": args.blocked, "rate_limited": args.rate_limited, "emulator_limit": args.emulator_limit}
    only = set(filter(None, args.only.split(","))) or {"path", "rates", "lesson", "burst", "scale"}
    ok = lambda cond: "ok" if cond else "FAIL"  # noqa: E731
    rows: list[tuple[str, str]] = []

    if args.single_scale:
        with tempfile.TemporaryDirectory() as tmp, _database(Path(tmp)) as database_url:
            print(json.dumps(asyncio.run(run_scale(args.single_scale, database_url))))
        return

    if args.single:
        rate = float(args.rates.split(",")[0])
        print(json.dumps(measure({**base, "subscribers": args.subscribers, "rate": rate})))
        return

    if "path" in only:
        for rate in (float(r) for r in args.rates.split(",")):
            r = measure({**base, "subscribers": args.subscribers, "rate": rate, "path_only": True})
            _table(f"The outgoing path alone (no database): {r['subscribers']:,} messages at rate {rate:g}", [
                ("steady rate", f"{r['steady_rate']:.2f} msg/s (whole run {r['achieved_rate']:.2f})"),
                ("rate-limit errors caused", _errors(r) + _scopes(r)),
                ("duplicates", f"{r['duplicates']} [{ok(r['duplicates'] == 0)}]"),
                ("lost", f"{r['lost']} [{ok(r['lost'] == 0)}]"),
            ])
            rows.append((f"outgoing path alone, rate {rate:g}",
                         f"{r['steady_rate']:.2f} msg/s | errors {_errors(r)} | dup {r['duplicates']} | "
                         f"lost {r['lost']}"))

    if "rates" in only:
        for rate in (float(r) for r in args.rates.split(",")):
            r = measure({**base, "subscribers": args.subscribers, "rate": rate})
            _table(f"Broadcast to {r['subscribers']:,} subscribers at ANKANG_SEND_RATE={rate:g}", [
                ("emulator", f"{r['global_limit']:.0f} msg/s overall, 1/s per chat (burst 3), 429 when exceeded"),
                ("steady rate", f"{r['steady_rate']:.2f} msg/s (whole run {r['achieved_rate']:.2f})"),
                ("delivered / blocked / failed",
                 f"{r['sent']:,} / {r['blocked']:,} / {r['failed']:,} of {r['recipients']:,}"),
                ("rate-limit errors caused", _errors(r) + _scopes(r)),
                ("429s seen / injected", f"{r['rate_limited']} / {r['injected']} "
                                         f"({r['chat_holds']} held one chat, {r['global_pauses']} pauses)"),
                ("duplicates", f"{r['duplicates']} [{ok(r['duplicates'] == 0)}]"),
                ("lost", f"{r['lost']} [{ok(r['lost'] == 0)}]"),
                ("time to enqueue", f"{r['enqueue_ms']} ms"),
            ])
            rows.append((f"1 process, rate {rate:g}, {r['subscribers']:,} recipients",
                         f"{r['steady_rate']:.2f} msg/s | errors {_errors(r)} | dup {r['duplicates']} | "
                         f"lost {r['lost']}"))

    if "lesson" in only:
        r = measure({**base, "subscribers": args.lesson_subscribers, "rate": 25.0, "lesson": args.lesson,
                     "answer_quiz": True}, app=True)
        _table(f"Lesson broadcast to {args.lesson_subscribers:,}, half answering the quiz (the whole bot, rate 25)", [
            ("delivered / blocked / failed",
             f"{r['sent']:,} / {r['blocked']:,} / {r['failed']:,} of {r['recipients']:,}"),
            ("messages", f"{r['messages']:,} in {r['elapsed_s']:.1f} s"),
            ("quiz answers / feedback lost", f"{r['quiz_answers']} / {r['feedback_lost']} "
                                             f"[{ok(r['feedback_lost'] == 0)}]"),
            ("rate-limit errors caused", _errors(r) + _scopes(r)),
            ("duplicates", f"{r['duplicates']} [{ok(r['duplicates'] == 0)}]"),
            ("lost", f"{r['lost']} [{ok(r['lost'] == 0)}]"),
            ("longest wait of a reply for its turn", f"{r['longest_reply_wait_ms']:.0f} ms"),
        ])
        rows.append((f"lesson to {args.lesson_subscribers:,}, half answer",
                     f"feedback lost {r['feedback_lost']} of {r['quiz_answers']} | errors {_errors(r)} | "
                     f"dup {r['duplicates']} | lost {r['lost']}"))

    if "burst" in only:
        r = measure({**base, "subscribers": 0, "rate": 25.0, "burst_workers": args.burst_workers,
                     "burst_questions": args.burst_questions}, app=True)
        b = r["burst"]
        sends = max(1, r["sends"])
        _table(f"Interactive burst: {args.burst_workers} workers × {args.burst_questions} questions (rate 25)", [
            ("answered / lost", f"{b['answered']} / {b['lost']} of {b['questions']} [{ok(b['lost'] == 0)}]"),
            ("reply latency p50 / p99", f"{b['p50_ms']:.0f} / {b['p99_ms']:.0f} ms"),
            ("offered", f"{b['questions'] / b['elapsed_s']:.1f} questions/s over {b['elapsed_s']:.1f} s"),
            ("rate-limit errors caused", f"{b['violations']} ({100 * b['violations'] / sends:.2f} % of "
                                         f"{r['sends']:,} sends)"),
            ("error messages shown", f"{b['error_text']} [{ok(b['error_text'] == 0)}]"),
            ("longest wait of a reply for its turn", f"{r['longest_reply_wait_ms']:.0f} ms"),
            ("duplicates", f"{b['duplicates']} [{ok(b['duplicates'] == 0)}]"),
        ])
        rows.append((f"burst {args.burst_workers} × {args.burst_questions}",
                     f"lost {b['lost']} | p99 {b['p99_ms']:.0f} ms | errors {b['violations']} | "
                     f"dup {b['duplicates']}"))

    if "scale" in only:
        scale = {}
        for n in (int(size) for size in args.scale_sizes.split(",")):
            out = subprocess.run(
                [sys.executable, "-m", "bench.broadcast", "--single-scale", str(n), "--postgres", args.postgres],
                check=True, capture_output=True, text=True, env=os.environ.copy(),
            )
            scale[n] = r = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append((f"enqueue {n:,} recipients ({'PostgreSQL' if args.postgres else 'SQLite'})",
                         f"{r['enqueue_ms']:,} ms [{ok(r['enqueue_ms'] <= 2000)}] | RSS +{r['rss_growth_mb']:.1f} MB"))
        smallest, largest = min(scale), max(scale)
        growth = scale[largest]["rss_growth_mb"] - scale[smallest]["rss_growth_mb"]
        where = "PostgreSQL" if args.postgres else "SQLite"
        _table(f"Enqueueing a broadcast ({where}; fresh process and database each)",
               [(f"{n:,} subscribers", f"{r['recipients']:,} queued in {r['enqueue_ms']:,} ms "
                                       f"(send_now {r['send_now_ms']:,.0f} ms) [{ok(r['enqueue_ms'] <= 2000)}], "
                                       f"RSS {r['rss_before_mb']:.0f} MB +{r['rss_growth_mb']:.1f} MB")
                for n, r in scale.items()]
               + [(f"RSS growth {smallest:,} → {largest:,}", f"{growth:+.1f} MB [{ok(growth <= 20)}]")])

    if args.kill:
        k = measure({**base, "subscribers": args.subscribers, "rate": 25.0}, kill_at=0.4)
        _table("Kill at 40 % and restart", [
            ("delivered / blocked / failed",
             f"{k['sent']:,} / {k['blocked']:,} / {k['failed']:,} of {k['recipients']:,}"),
            ("duplicates", f"{k['duplicates']} (bound: requests in flight at the kill)"),
            ("lost", f"{k['lost']} [{ok(k['lost'] == 0)}]"),
            ("rate-limit errors caused", _errors(k) + _scopes(k)),
        ])

    if args.rss:
        peaks = {}
        for n in (1_000, args.subscribers):
            out = subprocess.run(
                [sys.executable, "-m", "bench.broadcast", "--single", "--postgres", args.postgres,
                 "--subscribers", str(n), "--rates",
                 args.rates.split(",")[0], "--blocked", str(args.blocked), "--rate-limited", str(args.rate_limited)],
                check=True, capture_output=True, text=True, env=os.environ.copy(),
            )
            peaks[n] = json.loads(out.stdout.strip().splitlines()[-1])["rss_peak_mb"]
        growth = peaks[args.subscribers] - peaks[1_000]
        _table("Peak RSS against audience size (fresh process each)", [
            (f"{n:,} subscribers", f"{mb:.1f} MB") for n, mb in peaks.items()
        ] + [("growth", f"{growth:.1f} MB [{ok(growth < 20)}]")])

    if rows:
        _table("Summary (errors = 429s our sending caused at the emulator)", rows)


if __name__ == "__main__":
    main()
