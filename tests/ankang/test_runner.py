"""The runner stops in an order that loses nothing the process already took on."""
from __future__ import annotations

import re

from aiohttp import ClientSession, CookieJar

from ankang.runner import running
from tests.conftest import ADMIN_ID

# A hazard, not an emergency in progress (that would get the guidance first and store nothing yet).
DESCRIPTION = "消防通道被货物堵死，安全出口也锁上了"


async def post_urgent_web_tip(web_url: str) -> None:
    async with ClientSession(base_url=web_url, cookie_jar=CookieJar(unsafe=True)) as client:
        async with client.get("/tip") as form:
            page = await form.text()
        csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
        form_token = re.search(r'name="form_token" value="([A-Za-z0-9_-]+)"', page).group(1)
        tip = {"csrf": csrf, "form_token": form_token, "category": "fire", "place_type": "warehouse",
               "location": "开发区物流园B仓", "description": DESCRIPTION, "urgent": "yes"}
        async with client.post("/tip", data=tip) as receipt:
            assert receipt.status == 200 and "回执码" in await receipt.text()


async def test_an_urgent_alert_still_on_its_way_at_shutdown_is_delivered(make_settings, emulator, shared_kb, library,
                                                                         tips_runtime):
    emulator.user("管理员", id=ADMIN_ID)
    # Telegram tells the alert to wait a second: it is still on its way when shutdown begins.
    emulator.fail_next(1, "retry_after", retry_after=1, method="sendMessage", chat_id=ADMIN_ID)
    settings = make_settings(telegram_api_url=emulator.url)
    async with running(settings, poll_timeout_s=1, kb=shared_kb, library=library, tips=tips_runtime) as ankang:
        await post_urgent_web_tip(ankang.web_url)
        await emulator.wait_for(
            lambda: any(c.status == 429 for c in emulator.calls_to("sendMessage") if c.chat_id == ADMIN_ID),
            what="Telegram to ask the urgent alert to wait",
        )
    alerts = [m for m in emulator.messages(ADMIN_ID) if "紧急隐患举报" in m.get("text", "")]
    assert len(alerts) == 1 and DESCRIPTION in alerts[0]["text"]
