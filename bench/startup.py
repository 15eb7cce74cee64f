"""Start-up time to ready and idle memory of `ankang run`, against `ankang emulator` (both real processes).

    python -m bench.startup [--webhook]

Prints a table: time until /healthz answers, until /start is answered, idle RSS, and the RSS once
``ASKED`` workers have each asked a question of the dev split and been answered (what an idle bot holds
after it has served: the search's scoring arrays, built on the first question, and its caches).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psutil

ASKED = 50
DEV_SPLIT = Path(__file__).resolve().parent / "data" / "qa" / "dev.jsonl"


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
            await ask_and_wait(http, control, _dev_questions()[:ASKED])
            await asyncio.sleep(3)
            asked_rss_mb = psutil.Process(bot.pid).memory_info().rss / 2**20
        finally:
            bot.terminate()
            code = await asyncio.wait_for(bot.wait(), 30)
            emulator.terminate()
            await emulator.wait()
    return {"healthz_s": healthy, "start_answered_s": answered, "idle_rss_mb": rss_mb, "asked_rss_mb": asked_rss_mb,
            "exit_code": code}


def _dev_questions() -> list[str]:
    return [json.loads(line)["q"] for line in DEV_SPLIT.read_text(encoding="utf-8").splitlines() if line.strip()]


async def ask_and_wait(http: aiohttp.ClientSession, control: str, questions: list[str]) -> None:
    """Each question from a worker of its own (no per-chat pacing), all at once; wait for every reply."""
    users = []
    for question in questions:
        async with http.post(f"{control}/users", json={"first_name": "问"}) as r:
            uid = (await r.json())["result"]["id"]
        async with http.post(f"{control}/users/{uid}/text", json={"text": question}) as r:
            assert r.status == 200
        users.append(uid)
    for uid in users:
        async with http.get(f"{control}/chats/{uid}/messages", params={"timeout": "60"}) as r:
            assert (await r.json())["result"], "a question went unanswered"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--laws-dir", default=os.environ.get("ANKANG_LAWS_DIR", "../shared/laws"))
    args = parser.parse_args()
    rows = [("long polling", asyncio.run(measure(False, args.laws_dir))),
            ("webhook", asyncio.run(measure(True, args.laws_dir)))]
    print(f"{'mode':<14}{'/healthz (s)':>14}{'/start answered (s)':>22}{'idle RSS (MB)':>16}"
          f"{f'after {ASKED} questions':>22}{'SIGTERM exit':>14}")
    for name, r in rows:
        print(f"{name:<14}{r['healthz_s']:>14.2f}{r['start_answered_s']:>22.2f}{r['idle_rss_mb']:>16.1f}"
              f"{r['asked_rss_mb']:>22.1f}{r['exit_code']:>14}")


if __name__ == "__main__":
    main()
