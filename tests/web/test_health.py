"""The web server's health check, in a real browser and over plain HTTP."""
import json

from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import screenshot_path
from web.app import create_web_app


async def test_healthz_reports_database_ok(services):
    async with TestClient(TestServer(create_web_app(services))) as client:
        response = await client.get("/healthz")
        assert response.status == 200
        body = await response.json()
        assert {k: v for k, v in body.items() if k in ("status", "database")} == {"status": "ok", "database": "ok"}
        assert body["writes"] == {"pending": 0, "dropped": 0}
        assert body["laws"]["status"] == "ok" and body["laws"]["statutes"] == 14


async def test_healthz_in_chromium(services, page):
    server = TestServer(create_web_app(services), host="127.0.0.1")
    async with TestClient(server):
        await page.goto(str(server.make_url("/healthz")))
        body = await page.text_content("body")
        await page.screenshot(path=screenshot_path("healthz"))
    assert json.loads(body)["status"] == "ok"
