"""The /_emulator/ HTTP control API mirrors the Python API for people and the browser page."""
from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import telegram
from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Keyboard

from emulator import Emulator

pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")


@pytest.fixture
async def http(emu: Emulator) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=emu.url) as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
    async with http.request(method, f"/_emulator{path}", **kwargs) as resp:
        body = await resp.json()
        assert resp.status == status, body
        return body["result"] if body["ok"] else body


async def test_a_conversation_driven_over_http(emu: Emulator, bot: telegram.Bot, http: aiohttp.ClientSession) -> None:
    user = await call(http, "POST", "/users", json={"first_name": "王芳", "username": "wangfang"})
    uid = user["id"]
    assert user["chat_id"] == uid and emu.users[uid].username == "wangfang"

    sent = await call(http, "POST", f"/users/{uid}/text", json={"text": "/start"})
    assert sent["entities"][0]["type"] == "bot_command"
    [update] = await bot.get_updates()
    assert update.message.text == "/start"

    # A long poll for chat events returns when the bot replies.
    events = asyncio.create_task(call(http, "GET", f"/chats/{uid}/events?since={emu.mark()}&timeout=5"))
    reply = await bot.send_message(uid, "请选择", reply_markup=Keyboard([[Button("订阅", callback_data="sub")]]))
    changes = await asyncio.wait_for(events, 5)
    assert [m["message"]["text"] for m in changes["messages"]] == ["请选择"]
    assert changes["messages"][0]["outgoing"] is True

    pressed = await call(http, "POST", f"/users/{uid}/press", json={"message_id": reply.message_id, "button": "订阅"})
    updates = await bot.get_updates(offset=update.update_id + 1)
    assert updates[0].callback_query.data == "sub"
    await bot.answer_callback_query(pressed["callback_query_id"], text="好的")
    answer = await call(http, "GET", f"/callback_answers/{pressed['callback_query_id']}")
    assert answer["text"] == "好的"

    history = await call(http, "GET", f"/chats/{uid}/messages?include_user=1")
    assert [m["text"] for m in history] == ["/start", "请选择"]
    bot_only = await call(http, "GET", f"/chats/{uid}/messages?after={sent['message_id']}")
    assert [m["text"] for m in bot_only] == ["请选择"]
    waiting = asyncio.create_task(call(http, "GET", f"/chats/{uid}/messages?after={reply.message_id}&timeout=5"))
    await bot.send_message(uid, "第二条")
    assert [m["text"] for m in await asyncio.wait_for(waiting, 5)] == ["第二条"]


async def test_photo_upload_as_base64_and_multipart(emu: Emulator, http: aiohttp.ClientSession, jpeg: bytes) -> None:
    uid = (await call(http, "POST", "/users", json={"first_name": "李"}))["id"]
    msg = await call(http, "POST", f"/users/{uid}/photo",
                     json={"data_base64": base64.b64encode(jpeg).decode(), "caption": "隐患"})
    assert msg["caption"] == "隐患"
    form = aiohttp.FormData()
    form.add_field("photo", jpeg, filename="a.jpg", content_type="image/jpeg")
    msg2 = await call(http, "POST", f"/users/{uid}/photo", data=form)
    file_id = msg2["photo"][-1]["file_id"]
    async with http.get(f"/_emulator/files/{file_id}") as resp:
        assert await resp.read() == jpeg


async def test_faults_limits_block_and_stats(emu: Emulator, bot: telegram.Bot, http: aiohttp.ClientSession) -> None:
    uid = (await call(http, "POST", "/users", json={"first_name": "赵"}))["id"]
    limits = await call(http, "POST", "/limits", json={"profile": "counting", "private_burst": 1})
    assert limits["mode"] == "count" and limits["private_burst"] == 1
    await call(http, "POST", "/faults", json={"kind": "retry_after", "count": 1, "retry_after": 5})
    with pytest.raises(telegram.error.RetryAfter):
        await bot.send_message(uid, "一")
    await bot.send_message(uid, "二")
    await bot.send_message(uid, "三")  # over the burst of one: counted, delivered
    stats = await call(http, "GET", "/stats")
    assert stats["violations"] == 1 and stats["chat_violations"] == {str(uid): 1}
    assert stats["faults_injected"] == 1

    await call(http, "POST", f"/users/{uid}/block")
    with pytest.raises(telegram.error.Forbidden):
        await bot.send_message(uid, "四")
    state = await call(http, "GET", "/state")
    assert state["users"][0]["blocked"] is True

    bad = await call(http, "POST", "/faults", status=400, json={"kind": "nonsense"})
    assert bad["ok"] is False
    delayed = await call(http, "POST", "/faults", json={"kind": "delay", "count": 1, "delay_s": 2.5})
    assert delayed["scripted"][-1]["delay_s"] == 2.5
    randomly = await call(http, "POST", "/faults/random", json={"rate": 0.2, "kind": "delay", "delay_s": 10})
    assert randomly["random"]["kind"] == "delay" and randomly["random"]["delay_s"] == 10
    await call(http, "POST", "/faults/random", status=400, json={"rate": 0.2, "kind": "nonsense"})
    await call(http, "DELETE", "/faults")
    missing = await call(http, "POST", "/users/999/text", status=404, json={"text": "x"})
    assert "no user" in missing["description"]


async def test_poll_answer_and_inline_query_over_http(
        emu: Emulator, bot: telegram.Bot, http: aiohttp.ClientSession) -> None:
    uid = (await call(http, "POST", "/users", json={"first_name": "钱"}))["id"]
    poll = await bot.send_poll(uid, "问题", ["甲", "乙"], is_anonymous=False)
    await call(http, "POST", f"/users/{uid}/poll_answer", json={"poll_id": poll.poll.id, "option_ids": [1]})
    updates = await bot.get_updates()
    assert [u.poll_answer.option_ids for u in updates if u.poll_answer] == [(1,)]
    await call(http, "POST", f"/polls/{poll.poll.id}/expire")
    updates = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert [u.poll.is_closed for u in updates if u.poll] == [True]

    qid = (await call(http, "POST", f"/users/{uid}/inline_query", json={"query": "劳保"}))["inline_query_id"]
    result = telegram.InlineQueryResultArticle("a", "劳保用品", telegram.InputTextMessageContent("x"))
    await bot.answer_inline_query(qid, [result])
    answer = await call(http, "GET", f"/inline_answers/{qid}")
    assert answer["results"][0]["title"] == "劳保用品"


async def test_cors_preflight_is_allowed(http: aiohttp.ClientSession) -> None:
    async with http.options("/_emulator/users") as resp:
        assert resp.status == 204
        assert resp.headers["Access-Control-Allow-Origin"] == "*"


async def test_standalone_serve_starts_and_stops_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    from emulator import serve

    ready = asyncio.Event()
    task = asyncio.create_task(serve("127.0.0.1", 0, ready=ready))
    await asyncio.wait_for(ready.wait(), 5)
    url = capsys.readouterr().out.split("control API: ")[1].split()[0]
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        assert (await resp.json())["ok"] is True
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
