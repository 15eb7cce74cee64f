"""Receive Telegram updates by webhook on our own aiohttp server."""
from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp import web
from telegram.ext import Application

from bot.incoming import sift_update
from campaigns.arrivals import Arrivals
from core.clock import Clock

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram/webhook"


def webhook_path(webhook_url: str) -> str:
    return urlsplit(webhook_url).path or DEFAULT_PATH


def add_webhook_route(app: web.Application, application: Application, path: str, secret: str, *,
                      accepting: Callable[[], bool] = lambda: True, arrivals: Arrivals | None = None,
                      clock: Clock | None = None) -> None:
    """Route POSTs on ``path`` into the application's update queue, checking the secret header.

    Without a secret every call is refused: the runner does not start in webhook mode without one.
    While ``accepting()`` is false (a process that is not the leader) updates are answered 503, so
    Telegram delivers them again, or the reverse proxy passes them on to the next process.
    Poll answers are stamped in ``arrivals`` as they come (bot/incoming.py)."""

    async def receive(request: web.Request) -> web.Response:
        if not secret or not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            log.warning("webhook call with a wrong or missing secret header refused")
            return web.Response(status=403, text="forbidden")
        if not accepting():
            return web.Response(status=503, text="not the leader")
        try:
            payload = await request.json(loads=json.loads)
        except ValueError:
            return web.Response(status=400, text="malformed update")
        # An update the library cannot parse is acknowledged and skipped: refused, Telegram would
        # send it again and again (bot/incoming.py).
        update = sift_update(payload, application.bot)
        if update is not None:
            if update.poll_answer is not None and arrivals is not None and clock is not None:
                arrivals.received(update.update_id, clock.now())
            await application.update_queue.put(update)
        return web.Response(text="ok")

    app.router.add_post(path, receive)
