"""Memory of ``ankang run`` while many chats send a big photo at the same moment (issue 17, point 5).

The bot runs as a process of its own (``python -m ankang run``) against an emulator in this process,
so its RSS is the bot's alone. ``chats`` workers walk the tip report flow to the photo step, then all
send a ~10 MB JPEG (as a file, the way phones send originals) at once; the bot's RSS is sampled
every 20 ms until each has had its reply. Run through ``python -m bench.faults --only photos``.
"""
from __future__ import annotations

import asyncio
import io
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from PIL import Image

TOKEN = "123456789:PHOTOS-token-abcdefghijklmnopqrstuvwxyz"
TARGET_BYTES = 10 * 1024 * 1024 - 64 * 1024  # just under the 10 MB a tip photo may have
SAMPLE_EVERY_S = 0.02


@dataclass
class PhotoRun:
    chats: int
    photo_mb: float
    accepted: int = 0
    rss_before_mb: float = 0.0
    rss_peak_mb: float = 0.0
    rss_after_mb: float = 0.0
    seconds: float = 0.0


def big_photo() -> bytes:
    """A noisy JPEG (noise does not compress) of just under 10 MB, about 18 megapixels."""
    width, height = 4900, 3675
    noise = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    for quality in (70, 65, 60, 55, 50, 45, 40):
        out = io.BytesIO()
        noise.save(out, format="JPEG", quality=quality)
        if out.tell() <= TARGET_BYTES:
            return out.getvalue()
    raise RuntimeError("could not make a photo under 10 MB")


async def concurrent_photos(chats: int, laws_dir: Path | None) -> PhotoRun:
    from bot import tip_messages as msg
    from emulator import Emulator, RateLimits, User

    photo = await asyncio.to_thread(big_photo)
    run = PhotoRun(chats, len(photo) / 2**20)
    emulator = Emulator(rate_limits=RateLimits.off())
    await emulator.start(host="127.0.0.1", port=0)
    workdir = tempfile.mkdtemp(prefix="ankang-photos-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANKANG_")}
    env.update(ANKANG_BOT_TOKEN=TOKEN, ANKANG_TELEGRAM_API_URL=emulator.url, ANKANG_WEB_PORT="0",
               ANKANG_DATABASE_URL=f"sqlite+aiosqlite:///{workdir}/photos.sqlite3",
               ANKANG_LAWS_DIR=str(laws_dir or ""), ANKANG_LOG_LEVEL="WARNING", ANKANG_ALLOW_NO_LAWS="1",
               PYTHONPATH=os.getcwd())
    bot = await asyncio.create_subprocess_exec(sys.executable, "-m", "ankang", "run", env=env, cwd=workdir,
                                               stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        await emulator.wait_for(lambda: emulator.calls_to("setMyCommands"), timeout=120, what="bot start")
        process = psutil.Process(bot.pid)
        users = [emulator.user(f"工友{n}") for n in range(chats)]

        async def to_photo_step(user: User) -> None:
            async def say(text: str) -> dict:
                sent = await emulator.send_text(user, text)
                return await emulator.wait_for_message(user, after=sent, timeout=60)

            async def press(reply: dict, button: str) -> dict:
                mark = emulator.mark()
                await emulator.press(user, reply, button)
                return await emulator.wait_for_message(user, since=mark, timeout=60)

            reply = await say("/report")
            reply = await press(reply, "建筑施工")
            await press(reply, "建筑工地")
            await say("城东3号工地")
            reply = await say("脚手架没有挂安全网，工人在十米高处作业不系安全带")
            assert "照片" in reply["text"], reply["text"]

        await asyncio.gather(*(to_photo_step(u) for u in users))
        run.rss_before_mb = run.rss_peak_mb = process.memory_info().rss / 2**20
        marks = {u.id: emulator.mark() for u in users}
        started = time.monotonic()
        sending = asyncio.gather(*(emulator.send_document(u, photo, "IMG_0001.jpg", "image/jpeg") for u in users))

        def all_replied() -> bool:
            return all(emulator.new_messages(u, marks[u.id]) for u in users)

        async def sample() -> None:
            while not all_replied():
                run.rss_peak_mb = max(run.rss_peak_mb, process.memory_info().rss / 2**20)
                await asyncio.sleep(SAMPLE_EVERY_S)  # a sampling period, not synchronisation

        await asyncio.gather(sending, sample())
        run.seconds = time.monotonic() - started
        rejected = msg.PHOTO_REJECTED.values()
        run.accepted = sum(1 for u in users if not any(
            m.get("text") in rejected for m in emulator.new_messages(u, marks[u.id])))
        run.rss_after_mb = process.memory_info().rss / 2**20
    finally:
        bot.terminate()
        await bot.wait()
        await emulator.stop()
    return run
