"""Start-up time to ready and idle memory of `ankang run`, against `ankang emulator` (both real processes).

    python -m bench.startup [--webhook]

Prints a table: time until /healthz answers, until /start is answered, and idle RSS.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import tempfile
import time

import aiohttp
import psutil


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_http(session: aiohttp.ClientSession, url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            async with session.get(url) as r:
                if r.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.02)  # polling a separate process's port: nothing to wait on
    raise TimeoutError(url)


async def measure(webhook: bool, laws_dir: str) -> dict[str, float]:
    emu_port, web_port = free_port(), free_port()
    emulator = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ankang", "emulator", "--port", str(emu_port), "--limits", "counting",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    workdir = tempfile.mkdtemp(prefix="ankang-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANKANG_")}
    env.update(
        ANKANG_BOT_TOKEN="123456:bench-token-abcdefghijklmnopqrstu",
        ANKANG_TELEGRAM_API_URL=f"http://127.0.0.1:{emu_port}",
        ANKANG_WEB_PORT=str(web_port),
        ANKANG_LAWS_DIR=laws_dir,
        ANKANG_LOG_LEVEL="WARNING",
        PYTHONPATH=os.getcwd(),
    )
    if webhook:
        env.update(ANKANG_WEBHOOK_URL=f"http://127.0.0.1:{web_port}/telegram/webhook",
                   ANKANG_WEBHOOK_SECRET="bench-secret-0123456789abcdefghijklmnop")
    async with aiohttp.ClientSession() as http:
        await wait_http(http, f"http://127.0.0.1:{emu_port}/_emulator/state", time.monotonic() + 30)
        started = time.monotonic()
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ankang", "run", env=env, cwd=workdir,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await wait_http(http, f"http://127.0.0.1:{web_port}/healthz", started + 120)
            healthy = time.monotonic() - started
            control = f"http://127.0.0.1:{emu_port}/_emulator"
            async with http.post(f"{control}/users", json={"first_name": "测"}) as r:
                user = (await r.json())["result"]
            uid = user["id"]
            async with http.post(f"{control}/users/{uid}/text", json={"text": "/start"}) as r:
                assert r.status == 200
            async with http.get(f"{control}/chats/{uid}/messages", params={"timeout": "60"}) as r:
                messages = (await r.json())["result"]
            assert messages, "the bot did not answer /start"
            answered = time.monotonic() - started
            await asyncio.sleep(3)  # let start-up garbage settle before reading idle memory
            rss_mb = psutil.Process(bot.pid).memory_info().rss / 2**20
        finally:
            bot.terminate()
            code = await asyncio.wait_for(bot.wait(), 30)
            emulator.terminate()
            await emulator.wait()
    return {"healthz_s": healthy, "start_answered_s": answered, "idle_rss_mb": rss_mb, "exit_code": code}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--laws-dir", default=os.environ.get("ANKANG_LAWS_DIR", "../shared/laws"))
    args = parser.parse_args()
    rows = [("long polling", asyncio.run(measure(False, args.laws_dir))),
            ("webhook", asyncio.run(measure(True, args.laws_dir)))]
    print(f"{'mode':<14}{'/healthz (s)':>14}{'/start answered (s)':>22}{'idle RSS (MB)':>16}{'SIGTERM exit':>14}")
    for name, r in rows:
        print(f"{name:<14}{r['healthz_s']:>14.2f}{r['start_answered_s']:>22.2f}{r['idle_rss_mb']:>16.1f}{r['exit_code']:>14}")


if __name__ == "__main__":
    main()
