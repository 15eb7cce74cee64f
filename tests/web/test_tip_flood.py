"""A flood from one client slows or refuses that client, never a second one (issue 16, point 7)."""
from __future__ import annotations

import hashlib
import logging

from aiohttp import ClientSession, CookieJar, TCPConnector
from sqlalchemy import func, select

from tests.tips.test_bot_flow import all_table_text
from tests.tips.test_web import tip_form, tokens_in
from tips.models import Tip
from tips.ratelimit import POW_BITS, WEB_TIPS_PER_CLIENT_PER_HOUR, ClientKeys, pow_valid
from web.tip_pages import TipPages

FLOODER = "127.0.0.2"  # another loopback address: a second machine as far as the server can tell


async def _tips(services) -> int:
    async with services.sessions() as session:
        return (await session.execute(select(func.count()).select_from(Tip))).scalar_one()


def solve(token: str, bits: int = POW_BITS) -> str:
    n = 0
    while not pow_valid(token, str(n), bits):
        n += 1
    return str(n)


async def test_a_flooding_client_is_refused_while_a_second_client_still_submits(services, web_url, page, caplog):
    caplog.set_level(logging.DEBUG)
    statuses = []
    async with ClientSession(cookie_jar=CookieJar(unsafe=True),
                             connector=TCPConnector(local_addr=(FLOODER, 0))) as flooder:
        for _ in range(30):
            # A fresh cookie jar each time: the per-browser limit alone would not stop this client.
            flooder.cookie_jar.clear()
            async with flooder.get(f"{web_url}/tip") as form_page:
                tokens = tokens_in(await form_page.text())
            form = tip_form(tokens)
            if "data-pow-bits" in (await form_page.text()):
                form.add_field("pow", solve(tokens.form_token))  # a determined flooder pays the work
            async with flooder.post(f"{web_url}/tip", data=form, allow_redirects=False) as response:
                statuses.append(response.status)
    assert statuses.count(303) == WEB_TIPS_PER_CLIENT_PER_HOUR and statuses.count(429) == 30 - 5
    assert await _tips(services) == WEB_TIPS_PER_CLIENT_PER_HOUR

    # The second client, in Chromium: the form now asks for a proof of work, which its script
    # does; the tip goes through and the receipt is shown.
    await page.goto(f"{web_url}/tip")
    await page.locator("#pow-note", has_text="安全校验完成").wait_for(timeout=20_000)
    await page.select_option("#category", "fire")
    await page.select_option("#place_type", "mall")
    await page.fill("#description", "商场三楼安全出口被广告牌挡住，疏散指示灯不亮")
    await page.check("input[name=urgent][value=no]")
    await page.click("button[type=submit]")
    await page.locator("#receipt-code").wait_for()
    assert await _tips(services) == WEB_TIPS_PER_CLIENT_PER_HOUR + 1

    # A client without the work (no JavaScript, and not waited) is asked to wait, content kept.
    async with ClientSession(cookie_jar=CookieJar(unsafe=True),
                             connector=TCPConnector(local_addr=("127.0.0.3", 0))) as plain:
        async with plain.get(f"{web_url}/tip") as form_page:
            tokens = tokens_in(await form_page.text())
        async with plain.post(f"{web_url}/tip", data=tip_form(tokens), allow_redirects=False) as response:
            body = await response.text()
            assert response.status == 429 and "安全校验" in body and "开发区物流园B仓" in body

    # The addresses are hashed in memory only: never in the database or the logs.
    everything = await all_table_text(services)
    logs = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    for address in (FLOODER, "127.0.0.3"):
        assert address not in everything and address not in logs


def test_client_keys_rotate_hourly_and_never_hold_the_address():
    clock = [0.0]
    keys = ClientKeys(now=lambda: clock[0])
    first = keys.key("203.0.113.7")
    assert first == keys.key("203.0.113.7") != keys.key("203.0.113.8")
    assert "203.0.113.7" not in first and first != hashlib.sha256(b"203.0.113.7").hexdigest()[:32]
    clock[0] += 3600
    assert keys.key("203.0.113.7") != first  # a new random key: yesterday's digests mean nothing


def test_without_javascript_waiting_stands_in_for_the_work():
    clock = [100.0]
    pages = TipPages(now=lambda: clock[0])
    token = pages.issue()
    assert pages.age_s(token) == 0.0
    clock[0] += 15
    assert pages.age_s(token) == 15.0
    assert not pow_valid(token, "") and not pow_valid(token, "x" * 13) and pow_valid(token, solve(token, 8), 8)


async def _submit_many(client, count: int, forwarded: str | None) -> list[int]:
    statuses = []
    for _ in range(count):
        client.session.cookie_jar.clear()  # a fresh browser each time: only the per-client limit can stop it
        tokens = tokens_in(await (await client.get("/tip")).text())
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        response = await client.post("/tip", data=tip_form(tokens), headers=headers, allow_redirects=False)
        statuses.append(response.status)
    return statuses


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(make_settings, tips_runtime, caplog):
    from aiohttp.test_utils import TestClient, TestServer

    from ankang.services import open_services
    from web.app import create_web_app

    caplog.set_level(logging.DEBUG)
    services = await open_services(make_settings(trusted_proxies="127.0.0.1"), tips=tips_runtime)
    try:
        async with TestClient(TestServer(create_web_app(services))) as client:
            flooder = await _submit_many(client, 7, "198.51.100.7, 203.0.113.9")  # the proxy appended the last
            other = await _submit_many(client, 1, "198.51.100.7, 203.0.113.10")
        assert flooder == [303] * 5 + [429] * 2 and other == [303]
    finally:
        await services.close()
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert "203.0.113" not in logs and "198.51.100.7" not in logs


async def test_forwarded_requests_from_an_unlisted_proxy_skip_the_per_client_limit_rather_than_share_one(
    services, caplog
):
    from aiohttp.test_utils import TestClient, TestServer

    from web.app import create_web_app

    async with TestClient(TestServer(create_web_app(services))) as client:
        statuses = await _submit_many(client, 7, "203.0.113.9")
    assert statuses == [303] * 7  # without the setting, all tippers behind a proxy would be one client
    assert "ANKANG_TRUSTED_PROXIES" in caplog.text and "203.0.113.9" not in caplog.text
