"""Long content splits (issue 17, row 7): a thread of long follow-ups reaches the tipper's /status and the
admin's view whole, in messages under Telegram's 4,096-character limit; the console shows all of it."""
from __future__ import annotations

from datetime import timedelta

from aiohttp import ClientSession, CookieJar

from bot import tip_messages as msg
from bot.render import MAX_TEXT, split_text
from tests.conftest import ADMIN_ID
from tests.web.conftest import http_log_in
from tips.service import TipDraft, add_followup, submit_tip

FOLLOW_UPS = [f"第{n}次补充：" + "脚手架扣件松动、安全网破损，" * 140 + f"结束标记{n}" for n in (1, 2, 3)]


async def long_thread(services) -> tuple[int, str]:
    draft = TipDraft("construction", "site", "城东3号工地", "脚手架没有挂安全网，工人高处作业不系安全带", False, [])
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        submitted = await submit_tip(session, draft, now=now, cost=services.tips.receipt_cost)
    for i, text in enumerate(FOLLOW_UPS):
        assert len(text) <= 2000
        async with services.sessions() as session, session.begin():
            await add_followup(session, submitted.tip_id, text, now=now + timedelta(hours=i))
    return submitted.tip_id, submitted.receipt_code


def joined(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


async def test_status_of_a_long_thread_arrives_whole_in_several_messages(ankang, emulator, make_tipper):
    _, code = await long_thread(ankang.services)
    tipper = make_tipper()
    mark = emulator.mark()
    await emulator.send_text(tipper.user, f"/status {code}")
    last = await emulator.wait_for_message(tipper.user, lambda m: msg.ADD_INFO_BUTTON in str(m.get("reply_markup")),
                                           since=mark)
    shown = emulator.new_messages(tipper.user, mark)
    assert len(shown) >= 2 and all(len(m["text"]) <= MAX_TEXT for m in shown)
    assert last["message_id"] == shown[-1]["message_id"]  # the buttons come under the last part
    for n in (1, 2, 3):
        assert f"结束标记{n}" in joined(shown)
    assert not [e for e in emulator.errors if e.method == "sendMessage"]


async def test_admin_view_of_a_long_thread_keeps_the_newest_messages(ankang, emulator):
    tip_id, _ = await long_thread(ankang.services)
    admin = emulator.user("工会张主任", id=ADMIN_ID)
    listing = await emulator.ask(admin, "/tips")
    button = next(b["text"] for row in listing["reply_markup"]["inline_keyboard"] for b in row
                  if f"#{tip_id} " in b["text"])  # after its flags (🚨, ✉️)
    mark = emulator.mark()
    await emulator.press(admin, listing, button)
    await emulator.wait_for_message(admin, lambda m: msg.REPLY_BUTTON in str(m.get("reply_markup")), since=mark)
    shown = [m for m in emulator.new_messages(admin, mark) if m.get("text")]
    assert len(shown) >= 2 and all(len(m["text"]) <= MAX_TEXT for m in shown)
    assert "结束标记3" in joined(shown) and "处理记录" in joined(shown)


async def test_console_shows_the_whole_thread(ankang):
    tip_id, _ = await long_thread(ankang.services)
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        admin = await http_log_in(http, ankang.web_url, ankang.services.settings, ankang.services.clock.now())
        async with await admin.get(f"/admin/tips/{tip_id}") as response:
            assert response.status == 200
            page = await response.text()
    for text in FOLLOW_UPS:
        assert text in page


def test_an_overlong_escaped_line_is_never_cut_inside_an_entity():
    line = "描述：" + "<&>" * 3000  # what escaping a hostile description can give
    from html import escape

    chunks = split_text(escape(line, quote=False))
    assert all(len(c) <= MAX_TEXT for c in chunks)
    for chunk in chunks:
        stripped = chunk.replace("&lt;", "").replace("&gt;", "").replace("&amp;", "")
        assert "&" not in stripped and ";" not in stripped.replace("描述：", "")
