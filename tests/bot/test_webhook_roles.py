"""The webhook route on several processes (issue 14, point 5): only the leader takes updates; the
others answer 503, so Telegram (or the reverse proxy, to the next process) delivers them again."""
from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from telegram.ext import Application

from bot.webhook import SECRET_HEADER, add_webhook_route
from tests.conftest import TEST_TOKEN

SECRET = "webhook-secret-for-roles"
UPDATE = {"update_id": 7, "message": {"message_id": 1, "date": 0, "chat": {"id": 42, "type": "private"},
                                      "from": {"id": 42, "is_bot": False, "first_name": "工友"}, "text": "你好"}}


async def test_only_the_leader_takes_webhook_updates() -> None:
    role = {"now": "standby"}
    application = Application.builder().token(TEST_TOKEN).updater(None).build()
    app = web.Application()
    add_webhook_route(app, application, "/telegram/webhook", SECRET, accepting=lambda: role["now"] == "leader")
    async with TestClient(TestServer(app)) as client:
        refused = await client.post("/telegram/webhook", json=UPDATE, headers={SECRET_HEADER: SECRET})
        assert refused.status == 503
        assert application.update_queue.empty()  # nothing handled by a process that is not the leader

        role["now"] = "leader"  # elected: the same update, delivered again, is taken
        taken = await client.post("/telegram/webhook", json=UPDATE, headers={SECRET_HEADER: SECRET})
        assert taken.status == 200
        update = application.update_queue.get_nowait()
        assert update.update_id == 7 and update.message.text == "你好"

        forged = await client.post("/telegram/webhook", json=UPDATE, headers={SECRET_HEADER: "wrong"})
        assert forged.status == 403
