"""Webhook delivery: secret header, retries on failure, and getUpdates conflicts."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import telegram
from aiohttp import web
from telegram.error import Conflict

from emulator import Emulator


@dataclass
class Receiver:
    url: str = ""
    fail_first: int = 0
    received: list[tuple[str | None, dict[str, Any]]] = field(default_factory=list)
    attempts: int = 0


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()

    async def hook(request: web.Request) -> web.Response:
        state.attempts += 1
        if state.attempts <= state.fail_first:
            return web.Response(status=500)
        state.received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}/hook"
    yield state
    await runner.cleanup()


async def test_updates_are_posted_with_the_secret_header(emu: Emulator, bot: telegram.Bot, receiver: Receiver) -> None:
    alice = emu.user()
    assert await bot.set_webhook(receiver.url, secret_token="s3cret_token")
    assert (await bot.get_webhook_info()).url == receiver.url

    await emu.send_text(alice, "/start")
    await emu.wait_for(lambda: receiver.received)
    secret, update = receiver.received[0]
    assert secret == "s3cret_token"
    assert update["message"]["text"] == "/start"
    assert emu.webhook["pending_update_count"] == 0

    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()


async def test_failed_deliveries_are_retried_in_order(emu: Emulator, bot: telegram.Bot, receiver: Receiver) -> None:
    alice = emu.user()
    receiver.fail_first = 2
    await bot.set_webhook(receiver.url)
    await emu.send_text(alice, "一")
    await emu.send_text(alice, "二")
    await emu.wait_for(lambda: len(receiver.received) == 2)
    assert [u["message"]["text"] for _, u in receiver.received] == ["一", "二"]
    assert receiver.received[0][0] is None  # no secret configured, no header
    assert emu.stats.webhook_failures == 2
    info = await bot.get_webhook_info()
    assert "500" in info.last_error_message and info.pending_update_count == 0


async def test_drop_pending_updates_and_back_to_polling(emu: Emulator, bot: telegram.Bot, receiver: Receiver) -> None:
    alice = emu.user()
    await emu.send_text(alice, "旧消息")
    await bot.set_webhook(receiver.url, drop_pending_updates=True)
    assert emu.webhook["pending_update_count"] == 0
    await bot.delete_webhook()
    await emu.send_text(alice, "新消息")
    [update] = await bot.get_updates()
    assert update.message.text == "新消息"
    assert receiver.received == []


async def test_get_updates_confirms_by_offset_and_long_polls(emu: Emulator, bot: telegram.Bot) -> None:
    alice = emu.user()
    await emu.send_text(alice, "一")
    await emu.send_text(alice, "二")
    first = await bot.get_updates(limit=1)
    assert [u.message.text for u in first] == ["一"]
    rest = await bot.get_updates(offset=first[0].update_id + 1)
    assert [u.message.text for u in rest] == ["二"]
    assert len(await bot.get_updates()) == 1  # not confirmed yet
    assert await bot.get_updates(offset=rest[0].update_id + 1, timeout=0) == ()

    # A long poll returns as soon as an update arrives, not when its timeout ends.
    poll = asyncio.create_task(bot.get_updates(offset=rest[0].update_id + 1, timeout=30))
    await emu.wait_for(lambda: any(c.method == "getUpdates" and c.status == 0 for c in emu.calls))
    await emu.send_text(alice, "三")
    updates = await asyncio.wait_for(poll, 2)
    assert [u.message.text for u in updates] == ["三"]
