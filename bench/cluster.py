"""Several Ankang processes on one PostgreSQL database, against the emulator enforcing Telegram's limits.

    .venv/bin/python -m bench.cluster                    # the rows below (~2 min)
    .venv/bin/python -m bench.cluster --subscribers 1500 --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

The emulator runs in this process and answers 429 to any send beyond 30 messages/s overall or
1/s per chat; the Ankang processes are separate OS processes on a fresh PostgreSQL database
(created, then dropped). Rows:

* **N senders**: 1, 2 and 3 processes each running a broadcast sender on the same queue (the
  worst case for the budget: all of them sending at once), each on its lease of the shared budget
  (``core.cluster.SharedBudget``) at ``--rate``: steady rate (10 %–90 % of the sends), rate-limit
  errors caused, duplicates, lost. Before issue 14 each process paced itself at the full rate.
* **kill leader at 40 %**: two ``ankang run`` processes (leader and hot standby); the leader is
  SIGKILLed once 40 % of the broadcast is accepted: takeover time (kill → the standby's /healthz
  says leader), requests in flight at the kill, duplicates, lost, rate-limit errors.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456789:BENCH-token-abcdefghijklmnopqrstuvwxyz"
FIRST_USER_ID = 700000001
TEXT = "【微课堂】冬季安全提醒：下班前检查电源、燃气和门窗。"


@asynccontextmanager
async def fresh_database(server_url: str) -> AsyncIterator[str]:
    import asyncpg
    from sqlalchemy.engine import make_url

    base = make_url(server_url)
    name = f"bench_cluster_{uuid.uuid4().hex[:12]}"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def settings_for(database_url: str, emulator_url: str, rate: float, port: int = 0) -> Any:
    from core.settings import load_settings

    return load_settings(database_url=database_url, telegram_api_url=emulator_url, send_rate=rate, bot_token=TOKEN,
                         admin_ids="", web_host="127.0.0.1", web_port=port, webhook_url="", public_url="")


async def prepare(settings: Any, subscribers: int) -> int:
    """Migrate, subscribe, create a text broadcast; return its schedule id."""
    from sqlalchemy import insert

    from ankang.services import open_services
    from broadcasts.library import load_library
    from broadcasts.models import Subscription
    from broadcasts.schedules import What, When, create_schedule
    from core.models import User, utcnow

    services = await open_services(settings)
    try:
        now = utcnow()
        ids = range(FIRST_USER_ID, FIRST_USER_ID + subscribers)
        async with services.sessions() as session, session.begin():
            await session.execute(insert(User), [
                {"chat_id": i, "language": "zh-hans", "subscribed": True, "first_seen_at": now} for i in ids])
            await session.execute(insert(Subscription), [{"chat_id": i, "topic": "all", "created_at": now}
                                                         for i in ids])
            schedule = await create_schedule(session, load_library(), What("text", text=TEXT),
                                             When("once", run_at=now + timedelta(days=1)))
            return schedule.id
    finally:
        await services.close()


async def open_deliveries(services: Any) -> int:
    from sqlalchemy import func, select

    from broadcasts.models import OPEN_DELIVERY_STATUSES, Delivery

    async with services.sessions() as session:
        return (await session.execute(select(func.count()).select_from(Delivery).where(
            Delivery.status.in_(OPEN_DELIVERY_STATUSES)))).scalar_one()


async def poll(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(what)


# --- a sender child: the broadcast sender alone, on its lease of the shared budget ---------------------


async def sender_child(database_url: str, emulator_url: str, rate: float) -> None:
    from telegram.request import HTTPXRequest

    from ankang.services import open_services
    from bot.lessons import TelegramTransport, broadcast_bot
    from bot.retry import OutgoingLimiter
    from broadcasts.delivery import default_concurrency
    from broadcasts.engine import BroadcastEngine
    from broadcasts.library import load_library

    settings = settings_for(database_url, emulator_url, rate)
    services = await open_services(settings, migrate=False)
    assert services.budget is not None, "PostgreSQL only"
    await services.budget.start()
    services.outgoing.budget = services.budget
    concurrency = default_concurrency(rate)
    bot = broadcast_bot(settings.bot_token, settings.bot_base_url, settings.bot_file_url,
                        OutgoingLimiter(services.outgoing),
                        HTTPXRequest(connection_pool_size=concurrency + 4, pool_timeout=30.0))
    await bot.initialize()
    engine = BroadcastEngine(services, load_library(), TelegramTransport(bot), lease_s=5.0)
    await engine.start()
    print("ready", flush=True)
    await asyncio.sleep(3)  # let the first recipients be claimed
    await poll(lambda: _idle(services), 600, "the queue to drain")
    await engine.stop()
    await bot.shutdown()
    await services.close()


async def _idle(services: Any) -> bool:
    return await open_deliveries(services) == 0


# --- the rows ---------------------------------------------------------------------------------------


def broadcast_sends(emu: Any) -> list[Any]:
    return [c for c in emu.calls_to("sendMessage") if TEXT in str(c.params.get("text", ""))]


def outcome(emu: Any, subscribers: int) -> dict[str, Any]:
    ok = sorted((c for c in broadcast_sends(emu) if c.ok), key=lambda c: c.at)
    chats = Counter(c.chat_id for c in ok)
    lo, hi = ok[int(len(ok) * 0.1)].at, ok[int(len(ok) * 0.9) - 1].at
    return {
        "steady": (int(len(ok) * 0.9) - int(len(ok) * 0.1) - 1) / (hi - lo) if hi > lo else 0.0,
        "errors": sum(1 for c in broadcast_sends(emu) if c.status == 429),
        "duplicates": sum(n - 1 for n in chats.values()),
        "lost": subscribers - len(chats),
    }


async def senders_row(server_url: str, processes: int, subscribers: int, rate: float) -> dict[str, Any]:
    from ankang.services import open_services
    from broadcasts.occurrences import send_now
    from emulator import Emulator, RateLimits

    emu = Emulator(rate_limits=RateLimits.telegram())
    await emu.start("127.0.0.1", 0)
    for i in range(subscribers):
        emu.user(f"工友{i}", id=FIRST_USER_ID + i)
    try:
        async with fresh_database(server_url) as database_url:
            settings = settings_for(database_url, emu.url, rate)
            schedule_id = await prepare(settings, subscribers)
            children = []
            for _ in range(processes):
                child = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bench.cluster", "--sender", database_url, emu.url, str(rate),
                    cwd=str(REPO), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
                children.append(child)
            for child in children:
                assert child.stdout is not None
                await asyncio.wait_for(child.stdout.readline(), 120)
            services = await open_services(settings, migrate=False)
            try:
                await send_now(services.sessions, schedule_id, services.clock.now())
                for child in children:
                    await asyncio.wait_for(child.wait(), 600)
            finally:
                await services.close()
        return outcome(emu, subscribers)
    finally:
        await emu.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def role_of(port: int) -> str | None:
    import aiohttp

    try:
        async with aiohttp.ClientSession() as http, \
                http.get(f"http://127.0.0.1:{port}/healthz", timeout=aiohttp.ClientTimeout(total=2)) as r:
            return str((await r.json())["role"])
    except (aiohttp.ClientError, TimeoutError, ValueError, KeyError):
        return None


async def kill_row(server_url: str, subscribers: int, rate: float, laws_dir: str) -> dict[str, Any]:
    from sqlalchemy import select

    from ankang.services import open_services
    from broadcasts.models import Delivery, DeliveryStatus
    from broadcasts.occurrences import send_now
    from emulator import Emulator, RateLimits

    emu = Emulator(rate_limits=RateLimits.telegram())
    await emu.start("127.0.0.1", 0)
    for i in range(subscribers):
        emu.user(f"工友{i}", id=FIRST_USER_ID + i)
    procs: list[asyncio.subprocess.Process] = []
    try:
        async with fresh_database(server_url) as database_url:
            settings = settings_for(database_url, emu.url, rate)
            schedule_id = await prepare(settings, subscribers)
            ports = [free_port(), free_port()]
            env = {k: v for k, v in os.environ.items() if not k.startswith("ANKANG_")}
            env.update(ANKANG_BOT_TOKEN=TOKEN, ANKANG_TELEGRAM_API_URL=emu.url, ANKANG_DATABASE_URL=database_url,
                       ANKANG_WEB_HOST="127.0.0.1", ANKANG_LAWS_DIR=laws_dir, ANKANG_SEND_RATE=str(rate),
                       ANKANG_SECRET_KEY="bench-secret", ANKANG_LOG_LEVEL="WARNING", ANKANG_ALLOW_NO_LAWS="1")
            for n, port in enumerate(ports):
                procs.append(await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "ankang", "run", env={**env, "ANKANG_WEB_PORT": str(port)}, cwd=str(REPO),
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL))
                want = "leader" if n == 0 else "standby"
                await poll(lambda p=port, w=want: _role_is(p, w), 120, f"process {n} as {want}")
            services = await open_services(settings, migrate=False)
            try:
                await send_now(services.sessions, schedule_id, services.clock.now())
                await emu.wait_for(lambda: len([c for c in broadcast_sends(emu) if c.ok]) >= 0.4 * subscribers,
                                   timeout=300, what="40 %")
                procs[0].send_signal(signal.SIGKILL)
                await procs[0].wait()
                killed = time.monotonic()
                made = {c.chat_id for c in broadcast_sends(emu) if c.ok or c.status == 0}
                async with services.sessions() as session:
                    recorded = set((await session.execute(select(Delivery.chat_id).where(
                        Delivery.status == DeliveryStatus.SENT))).scalars())
                await poll(lambda: _role_is(ports[1], "leader"), 30, "the takeover")
                takeover = time.monotonic() - killed
                await poll(lambda: _idle(services), 600, "the broadcast to finish")
            finally:
                await services.close()
        result = outcome(emu, subscribers)
        result.update(takeover_s=takeover, in_flight=len(made - recorded))
        return result
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGKILL)
                await proc.wait()
        await emu.stop()


async def _role_is(port: int, role: str) -> bool:
    return await role_of(port) == role


async def main_async(args: argparse.Namespace) -> None:
    print(f"{args.subscribers} subscribers, ANKANG_SEND_RATE={args.rate:g}, emulator limit 30/s and 1/s per chat")
    print(f"{'row':<28} {'steady msg/s':>12} {'429s':>6} {'dup':>5} {'lost':>5} {'takeover s':>11} {'in flight':>9}")
    for processes in args.processes:
        r = await senders_row(args.postgres, processes, args.subscribers, args.rate)
        print(f"{f'{processes} sender(s) on PostgreSQL':<28} {r['steady']:>12.2f} {r['errors']:>6} "
              f"{r['duplicates']:>5} {r['lost']:>5} {'':>11} {'':>9}", flush=True)
    if not args.no_kill:
        r = await kill_row(args.postgres, args.subscribers, args.rate, args.laws_dir)
        print(f"{'kill -9 leader at 40 %':<28} {r['steady']:>12.2f} {r['errors']:>6} {r['duplicates']:>5} "
              f"{r['lost']:>5} {r['takeover_s']:>11.2f} {r['in_flight']:>9}", flush=True)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--sender":
        asyncio.run(sender_child(argv[1], argv[2], float(argv[3])))
        return
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("ANKANG_TEST_POSTGRES_URL")
                        or "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
                        help="the PostgreSQL server (a fresh database per row, dropped after)")
    parser.add_argument("--subscribers", type=int, default=750)
    parser.add_argument("--rate", type=float, default=25.0)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--no-kill", action="store_true", help="skip the kill -9 row")
    parser.add_argument("--laws-dir", default=os.environ.get("ANKANG_LAWS_DIR", ""))
    asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
