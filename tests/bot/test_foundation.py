"""The bot end to end through the emulator: greeting, help, commands, polling, webhook, 429s."""
import errno
import socket
from contextlib import AsyncExitStack

import aiohttp
import pytest

from ankang.runner import running
from bot.commands import admin_commands, worker_commands
from core.models import User
from core.settings import SettingsError
from emulator import button_texts
from tests.conftest import ADMIN_ID


async def test_start_greets_and_records_a_new_worker(ankang, emulator):
    alice = emulator.user("王芳", username="wangfang")
    async with emulator.expect(alice, count=2) as got:
        await emulator.send_text(alice, "/start")
    greeting, offer = got.messages
    assert "安康助手" in greeting["text"]
    assert "订阅" in offer["text"] and button_texts(offer)
    async with ankang.services.sessions() as session:
        user = await session.get(User, alice.id)
    assert user is not None and user.active and user.language == "zh-hans"


async def test_second_start_welcomes_back(ankang, emulator):
    bob = emulator.user("李强")
    async with emulator.expect(bob, count=2):
        await emulator.send_text(bob, "/start")
    async with emulator.expect(bob, count=1) as got:
        await emulator.send_text(bob, "/start")
    assert "欢迎回来" in got.messages[0]["text"]


async def test_help_lists_worker_commands_and_admin_commands_only_for_admins(ankang, emulator):
    worker = emulator.user("工人")
    admin = emulator.user("管理员", id=ADMIN_ID)
    worker_help = await emulator.ask(worker, "/help")
    admin_help = await emulator.ask(admin, "/help")
    for command in worker_commands():
        assert f"/{command.name}" in worker_help["text"]
    for command in admin_commands():
        assert f"/{command.name}" not in worker_help["text"]
        assert f"/{command.name}" in admin_help["text"]


async def test_command_menu_is_published(ankang, emulator):
    names = {c["command"] for c in emulator.commands}
    assert {c.name for c in worker_commands()} <= names


async def test_unknown_command_gets_a_friendly_reply(ankang, emulator):
    alice = emulator.user()
    reply = await emulator.ask(alice, "/dance now")
    assert "/dance" in reply["text"] and "/help" in reply["text"]


async def test_malformed_command_with_markup_is_escaped(ankang, emulator):
    alice = emulator.user()
    reply = await emulator.ask(alice, "/<b>x</b>")
    assert "/help" in reply["text"]
    assert not emulator.errors or all(e.method != "sendMessage" for e in emulator.errors)


async def test_a_429_is_waited_out_and_the_reply_still_arrives(ankang, emulator):
    alice = emulator.user()
    emulator.fail_next(1, "retry_after", retry_after=1, method="sendMessage")
    reply = await emulator.ask(alice, "/help", timeout=10)
    assert "/start" in reply["text"]
    assert emulator.stats.faults_injected >= 1


WEBHOOK_SECRET = "s3cret-token-0123456789abcdefghijklmnop"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def start_with_webhook(stack: AsyncExitStack, make_settings, emulator, **shared):
    """Ankang on a webhook whose port is picked first (the URL names it). Another process — a
    pytest-xdist worker — may take the port before we bind it: then pick another."""
    for _ in range(5):
        port = free_port()
        url = f"http://127.0.0.1:{port}/telegram/webhook"
        settings = make_settings(telegram_api_url=emulator.url, webhook_url=url, webhook_secret=WEBHOOK_SECRET,
                                 web_port=port)
        try:
            return await stack.enter_async_context(running(settings, **shared)), url
        except OSError as err:
            if err.errno != errno.EADDRINUSE:
                raise
    raise AssertionError("no free port for the webhook")


async def test_webhook_round_trip_and_wrong_secret_refused(make_settings, emulator, shared_kb, library):
    async with AsyncExitStack() as stack:
        handle, url = await start_with_webhook(stack, make_settings, emulator, kb=shared_kb, library=library)
        assert emulator.webhook["url"] == url
        alice = emulator.user()
        reply = await emulator.ask(alice, "/help", timeout=10)
        assert "/start" in reply["text"]
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(url, json={"update_id": 1}, headers=headers) as response:
                    assert response.status == 403
            async with http.get(f"{handle.web_url}/healthz") as response:
                assert response.status == 200


@pytest.mark.parametrize("secret", ["", "too-short-0123456789"])
async def test_webhook_mode_does_not_start_without_a_long_secret(make_settings, emulator, secret):
    """Issue 17, row 3: a forged `/duty on` or button POSTed to an unauthenticated webhook was obeyed."""
    settings = make_settings(telegram_api_url=emulator.url, webhook_url="http://127.0.0.1:9/telegram/webhook",
                             webhook_secret=secret, web_port=0)
    with pytest.raises(SettingsError, match="ANKANG_WEBHOOK_SECRET"):
        async with running(settings):
            raise AssertionError("started without a webhook secret")
    assert emulator.webhook.get("url", "") == ""


@pytest.mark.parametrize("kind", ["sticker", "voice", "location"])
async def test_non_text_messages_get_guidance(ankang, emulator, kind):
    alice = emulator.user()
    async with emulator.expect(alice) as got:
        if kind == "sticker":
            await emulator.send_sticker(alice)
        elif kind == "voice":
            await emulator.send_voice(alice)
        else:
            await emulator.send_location(alice, 31.2, 121.5)
    assert "文字" in got.message["text"]


async def test_blocking_marks_the_worker_inactive_and_return_reactivates(ankang, emulator):
    alice = emulator.user()
    async with emulator.expect(alice, count=2):
        await emulator.send_text(alice, "/start")
    async with ankang.services.sessions() as s:
        assert await s.get(User, alice.id) is not None
    await emulator.block(alice)

    async def blocked() -> bool:
        async with ankang.services.sessions() as s:
            return (await s.get(User, alice.id)).blocked_at is not None

    await wait_until(emulator, blocked)
    await emulator.unblock(alice)

    async def active() -> bool:
        async with ankang.services.sessions() as s:
            return (await s.get(User, alice.id)).blocked_at is None

    await wait_until(emulator, active)


async def wait_until(emulator, predicate, attempts: int = 200):
    """Re-check an async condition on each emulator event (the bot's calls) — no sleeping."""
    import asyncio

    for _ in range(attempts):
        if await predicate():
            return
        await asyncio.wait_for(emulator._changed.wait(), 5) if hasattr(emulator, "_changed") else None
        emulator._changed.clear()
    raise AssertionError("condition never held")
