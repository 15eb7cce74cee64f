"""Broadcast benchmark: Ankang's sender against the Bot API emulator with Telegram-like limits.

    .venv/bin/python -m bench.broadcast                       # 10,000 subscribers at 25 msg/s (~7 min)
    .venv/bin/python -m bench.broadcast --subscribers 2000 --rate 100

The emulator runs in a child process, so the RSS figures are Ankang's alone. It enforces a global
limit of max(30, 1.2 × rate) messages/s and 1 message/s per chat (burst 3), answers 1 % of sends
with 429 retry_after=1, and 1 % of the subscribers have blocked the bot (403). A run measures the
achieved rate, outcomes, duplicates and losses (from what the emulator received), violations of
the emulator's limits (injected 429s excluded), peak RSS and the time to enqueue the occurrence.
The kill run aborts the sender mid-broadcast (claims left behind, as after a crash) and starts a
new engine on the same database.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

FIRST_USER_ID = 100000001


# --- the emulator in its own process ------------------------------------------------------------------


def _emulator_main(conn, subscribers: int, blocked_share: float, rate_limited_share: float, rate: float) -> None:
    asyncio.run(_emulator_async(conn, subscribers, blocked_share, rate_limited_share, rate))


async def _emulator_async(conn, subscribers, blocked_share, rate_limited_share, rate) -> None:
    from emulator import Emulator
    from emulator.limits import RateLimits

    limit = max(30.0, rate * 1.2)
    emu = Emulator(rate_limits=RateLimits.telegram().with_(global_per_s=limit, global_burst=int(limit)))
    await emu.start("127.0.0.1", 0)
    every = int(round(1 / blocked_share)) if blocked_share else 0
    blocked = set()
    for i in range(subscribers):
        user = emu.user(f"工友{i}", id=FIRST_USER_ID + i)
        if every and i % every == every - 1:
            emu.chat(user).blocked = True  # blocked before the broadcast (no update needed)
            blocked.add(user.id)
    if rate_limited_share:
        emu.faults.set_random(rate_limited_share, "retry_after", retry_after=1, seed=7)
    conn.send(emu.url)
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command == "stop":
            break
        counts = {uid: len(emu.messages(uid)) for uid in range(FIRST_USER_ID, FIRST_USER_ID + subscribers)}
        scopes = Counter("+".join(v.scopes) for v in emu.stats.violation_log)
        conn.send({
            "duplicates": sum(max(0, n - 1) for uid, n in counts.items() if uid not in blocked),
            "lost": sum(1 for uid, n in counts.items() if uid not in blocked and n == 0),
            "received": sum(counts.values()),
            "violations": emu.stats.violations,
            "violation_scopes": dict(scopes),
            "injected": emu.stats.faults_injected,
            "global_limit": limit,
        })
        if command == "report-and-reset":
            for uid in counts:
                emu.chat(uid).history.clear()
            emu.stats.violations = 0
            emu.stats.violation_log.clear()
            emu.stats.faults_injected = 0
    await emu.stop()


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


async def run_once(url: str, subscribers: int, rate: float, kill_at: float | None, workdir: Path) -> dict:
    """One broadcast to every subscriber; with ``kill_at`` (a share of recipients), abort and restart there."""
    from datetime import timedelta

    from telegram import Bot
    from telegram.request import HTTPXRequest

    from ankang.services import open_services
    from bot.lessons import TelegramTransport
    from broadcasts.delivery import default_concurrency
    from broadcasts.engine import BroadcastEngine
    from broadcasts.library import load_library
    from broadcasts.models import Occurrence
    from broadcasts.schedules import What, When, create_schedule
    from core.models import utcnow
    from core.settings import load_settings

    db = workdir / f"bench-{subscribers}-{int(time.time() * 1000)}.sqlite3"
    settings = load_settings(database_url=f"sqlite+aiosqlite:///{db}", telegram_api_url=url, send_rate=rate,
                             bot_token="123456789:BENCH-token-abcdefghijklmnopqrstuvwxyz", admin_ids="")
    services = await open_services(settings)
    library = load_library()
    await _populate(services, subscribers)
    async with services.sessions() as session, session.begin():
        schedule = await create_schedule(
            session, library, What("text", text="【微课堂】冬季安全提醒：下班前检查电源、燃气和门窗。"),
            When("once", run_at=utcnow() + timedelta(days=1)))
        schedule_id = schedule.id

    concurrency = default_concurrency(rate)
    bot = Bot(settings.bot_token, base_url=settings.bot_base_url,
              request=HTTPXRequest(connection_pool_size=concurrency + 4, pool_timeout=30.0))
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
        rate_limited=engine.sender.stats.rate_limited, global_pauses=engine.sender.pacer.pauses,
        chat_holds=engine.sender.pacer.chat_holds,
    )
    await bot.shutdown()
    await services.close()
    return result


def _start_emulator(subscribers: int, rate: float, blocked: float, limited: float):
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_emulator_main, args=(child, subscribers, blocked, limited, rate), daemon=True)
    process.start()
    return process, parent, parent.recv()


def measure(subscribers: int, rate: float, blocked: float, limited: float, kill_at: float | None) -> dict:
    process, conn, url = _start_emulator(subscribers, rate, blocked, limited)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            result = asyncio.run(run_once(url, subscribers, rate, kill_at, Path(tmp)))
        conn.send("report")
        result.update(conn.recv())
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0, help="configured send rate (messages/s)")
    parser.add_argument("--blocked", type=float, default=0.01, help="share of subscribers who blocked the bot")
    parser.add_argument("--rate-limited", type=float, default=0.01, help="share of sends answered 429")
    parser.add_argument("--rss-small", type=int, default=1_000, help="subscribers of the small RSS run")
    parser.add_argument("--skip-kill", action="store_true")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)  # child: one run, JSON out
    args = parser.parse_args(argv)

    if args.single:
        print(json.dumps(measure(args.subscribers, args.rate, args.blocked, args.rate_limited, None)))
        return

    r = measure(args.subscribers, args.rate, args.blocked, args.rate_limited, None)
    ok = lambda cond: "ok" if cond else "FAIL"  # noqa: E731
    _table(f"Broadcast to {r['subscribers']:,} subscribers", [
        ("configured rate", f"{r['rate']:.1f} msg/s (emulator global limit {r['global_limit']:.0f}/s, 1/s per chat)"),
        ("achieved rate", f"{r['achieved_rate']:.1f} msg/s = {100 * r['achieved_rate'] / r['rate']:.1f} % "
                          f"[{ok(r['achieved_rate'] >= 0.95 * r['rate'])}]"),
        ("delivered / blocked / failed", f"{r['sent']:,} / {r['blocked']:,} / {r['failed']:,} of {r['recipients']:,}"),
        ("429s received (injected)", f"{r['rate_limited']} ({r['injected']} faults injected)"),
        ("429 handling", f"{r['chat_holds']} held one chat, {r['global_pauses']} global pauses"),
        ("duplicates", f"{r['duplicates']} [{ok(r['duplicates'] == 0)}]"),
        ("lost", f"{r['lost']} [{ok(r['lost'] == 0)}]"),
        ("limit violations by our pacing", f"{r['violations']} [{ok(r['violations'] == 0)}]{_scopes(r)}"),
        ("time to enqueue the occurrence", f"{r['enqueue_ms']} ms"),
        ("duration", f"{r['elapsed_s']:.1f} s"),
        ("peak RSS", f"{r['rss_peak_mb']:.1f} MB (start {r['rss_start_mb']:.1f} MB)"),
    ])

    if not args.skip_kill:
        k = measure(args.subscribers, args.rate, args.blocked, args.rate_limited, 0.4)
        _table("Kill at 40 % and restart", [
            ("delivered / blocked / failed",
             f"{k['sent']:,} / {k['blocked']:,} / {k['failed']:,} of {k['recipients']:,}"),
            ("duplicates", f"{k['duplicates']} (bound: requests in flight at the kill)"),
            ("lost", f"{k['lost']} [{ok(k['lost'] == 0)}]"),
            ("limit violations by our pacing", f"{k['violations']}{_scopes(k)}"),
        ])

    if not args.skip_rss:
        peaks = {}
        for n in (args.rss_small, args.subscribers):
            out = subprocess.run(
                [sys.executable, "-m", "bench.broadcast", "--single", "--subscribers", str(n), "--rate", str(args.rate),
                 "--blocked", str(args.blocked), "--rate-limited", str(args.rate_limited)],
                check=True, capture_output=True, text=True, env=os.environ.copy(),
            )
            peaks[n] = json.loads(out.stdout.strip().splitlines()[-1])["rss_peak_mb"]
        growth = peaks[args.subscribers] - peaks[args.rss_small]
        _table("Peak RSS against audience size (fresh process each)", [
            (f"{n:,} subscribers", f"{mb:.1f} MB") for n, mb in peaks.items()
        ] + [("growth", f"{growth:.1f} MB [{ok(growth < 20)}]")])


if __name__ == "__main__":
    main()
