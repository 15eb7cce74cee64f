"""“Nothing lost” with a real kill: ``python -m ankang run`` in a subprocess, SIGKILLed mid-confirm.

The emulator runs in the test; the bot is a separate process on the same database. We drive the
report flow, slow the emulator's responses down, and SIGKILL the bot at two moments: when the
confirm press has been answered ("正在提交…", the commit is under way) and when the receipt's
sendMessage reaches the emulator (the commit has returned). Whatever the moment, a receipt the
tipper can see belongs to a stored tip, and a stored tip survives the restart. What is NOT
guaranteed — a stored tip whose receipt never reached the tipper — is stated in
docs/threat-model-tips.md.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest
from sqlalchemy import func, select

from ankang.services import open_services
from bot import tip_messages as msg
from bot.messages import RESTARTED
from tests.conftest import CHEAP_RECEIPTS, REPO, TEST_TOKEN
from tests.tips.test_bot_thread import CODE_RE, DESCRIPTION
from tips.models import Tip
from tips.service import ReceiptInvalid, find_by_receipt

RESTARTED_HEAD = RESTARTED.split("，")[0]  # "⚠️ 服务刚刚重启": the restart notice's first words


async def start_bot(emulator, database_url: str, laws_dir, **settings: str) -> asyncio.subprocess.Process:
    """``python -m ankang run`` against the emulator; ``settings`` adds ANKANG_* variables (send_rate="15")."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANKANG_")}
    env.update(
        ANKANG_BOT_TOKEN=TEST_TOKEN, ANKANG_TELEGRAM_API_URL=emulator.url, ANKANG_DATABASE_URL=database_url,
        ANKANG_WEB_HOST="127.0.0.1", ANKANG_WEB_PORT="0", ANKANG_LAWS_DIR=str(laws_dir),
        ANKANG_SECRET_KEY="kill-test-secret", ANKANG_LOG_LEVEL="WARNING", PYTHONPATH=str(REPO),
    )
    env.update({f"ANKANG_{name.upper()}": value for name, value in settings.items()})
    seen = len(emulator.calls_to("setMyCommands"))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ankang", "run", env=env, cwd=str(REPO),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    # post_init publishes the command menu right before polling starts: the bot is up.
    await emulator.wait_for(lambda: len(emulator.calls_to("setMyCommands")) > seen, timeout=90, what="bot start")
    return process


async def kill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    await process.wait()


async def stored_tips(settings) -> int:
    services = await open_services(settings)
    try:
        async with services.sessions() as session:
            return (await session.execute(select(func.count()).select_from(Tip))).scalar_one()
    finally:
        await services.close()


async def code_is_valid(settings, code: str) -> bool:
    services = await open_services(settings)
    try:
        async with services.sessions() as session:
            await find_by_receipt(session, code, cost=CHEAP_RECEIPTS)
        return True
    except ReceiptInvalid:
        return False
    finally:
        await services.close()


def in_flight_sends(emulator) -> list:
    """Calls the emulator is still answering (status 0), long polls aside."""
    return [c for c in emulator.calls if c.status == 0 and c.method != "getUpdates"]


def receipt_calls(emulator, chat_id: int):
    return [c for c in emulator.calls_to("sendMessage")
            if c.chat_id == chat_id and "回执码" in str(c.params.get("text", ""))]


@pytest.mark.parametrize("moment", ["confirm_answered", "receipt_in_flight"])
async def test_killed_mid_confirm_never_shows_a_receipt_for_a_lost_tip(
        emulator, make_tipper, make_settings, database_url, laws_dir, moment):
    settings = make_settings(telegram_api_url=emulator.url)
    bot = await start_bot(emulator, database_url, laws_dir)
    try:
        tipper = make_tipper()
        tipper.emu = emulator
        await tipper.report(description=DESCRIPTION)
        emulator.faults.latency_s = 1.5  # every response is slow: room to kill mid-flight
        answers_before = len(emulator.calls_to("answerCallbackQuery"))
        await emulator.press(tipper.user, tipper.last, msg.CONFIRM_BUTTON)
        if moment == "confirm_answered":
            await emulator.wait_for(lambda: len(emulator.calls_to("answerCallbackQuery")) > answers_before,
                                    timeout=20)
        else:
            await emulator.wait_for(lambda: receipt_calls(emulator, tipper.user.id), timeout=20)
        await kill(bot)
        emulator.faults.latency_s = 0
        # A send already in flight still completes (Telegram would deliver it too): wait for it.
        await emulator.wait_for(lambda: not in_flight_sends(emulator), timeout=10, what="in-flight sends")
    finally:
        if bot.returncode is None:
            await kill(bot)

    shown = [m for m in emulator.messages(tipper.user) if "回执码" in m.get("text", "")]
    tips = await stored_tips(settings)
    assert tips in (0, 1)
    if shown:
        code = CODE_RE.search(shown[0]["text"]).group(0)
        assert tips == 1 and await code_is_valid(settings, code)
    if moment == "receipt_in_flight":
        # The send started only after the commit returned: the tip is stored whatever happens next.
        assert tips == 1

    # After a restart the stored tip is there, and an old confirm button is answered kindly.
    bot = await start_bot(emulator, database_url, laws_dir)
    try:
        assert await stored_tips(settings) == tips
        query = await emulator.press(tipper.user, tipper.last, data="tr:ok")
        answer = await emulator.wait_for(lambda: emulator.callback_answers.get(query), timeout=20)
        assert answer.get("text")
        assert await stored_tips(settings) == tips
        if shown:
            # The old button's press may also bring the restart notice (bot/restarted.py), which can arrive
            # after /status is sent: wait for the status reply itself, not for the next message.
            sent = await emulator.send_text(tipper.user, f"/status {code}")
            reply = await emulator.wait_for_message(
                tipper.user, lambda m: not m.get("text", "").startswith(RESTARTED_HEAD), after=sent)
            assert "待受理" in reply["text"]
    finally:
        await kill(bot)
