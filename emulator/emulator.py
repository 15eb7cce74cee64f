"""The Telegram Bot API emulator: the emulated world served over HTTP, for tests and the demo.

``Emulator`` is a ``World`` (users, chats, messages, the Python API, waiting) plus an aiohttp server
speaking the Bot API and the delivery of updates to a webhook. The HTTP handlers act on the world
alone, so nothing below imports this module.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from .server import create_app
from .world import WebhookState, World

log = logging.getLogger("emulator")

WEBHOOK_TIMEOUT_S = 10.0


class Emulator(World):
    """A Telegram Bot API server in a box. See emulator/README.md for a tour."""

    # Set while serving (between start and stop).
    _runner: web.AppRunner | None = None
    _http: aiohttp.ClientSession | None = None
    _webhook_task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Emulator:
        """Serve the Bot API (and the /_emulator/ control API); ``self.url`` is the root URL."""
        self._closing = False
        self._http = aiohttp.ClientSession()
        self._runner = web.AppRunner(create_app(self), access_log=None, handle_signals=False,
                                     shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        addresses = self._runner.addresses  # (host, port) of the bound socket: port 0 picks a free one
        bound_port = addresses[0][1] if addresses else port
        self.url = f"http://{host}:{bound_port}"
        self._webhook_task = asyncio.create_task(self._webhook_loop(), name="emulator-webhook")
        log.info("Bot API emulator listening on %s", self.url)
        return self

    async def stop(self) -> None:
        self._closing = True
        self._wake()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """What python-telegram-bot wants as ``base_url``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # ------------------------------------------------------------------ webhook delivery

    async def _webhook_loop(self) -> None:
        """Deliver pending updates one by one to the webhook, retrying with backoff."""
        attempt = 0
        while not self._closing:
            await self._wait_until(lambda: self._closing or (self._webhook.url and self.updates.pending), None)
            if self._closing:
                return
            hook = self._webhook
            update = self.updates.pending[0]
            error = await self._post_update(hook, update)
            if hook is not self._webhook:
                attempt = 0
                continue  # the webhook changed meanwhile; start over with the new one
            if error is None:
                if self.updates.pending and self.updates.pending[0] is update:
                    self.updates.pending.pop(0)
                self.stats.webhook_deliveries += 1
                attempt = 0
                self._emit("webhook")
                continue
            hook.last_error_date = int(time.time())
            hook.last_error_message = error
            self.stats.webhook_failures += 1
            self._emit("webhook")
            delay = self.webhook_retry_delays_s[min(attempt, len(self.webhook_retry_delays_s) - 1)]
            attempt += 1
            # Back off, but move on at once if the webhook is changed or removed.
            await self._wait_until(self._webhook_moved_on(hook.generation), delay)

    def _webhook_moved_on(self, generation: int) -> Callable[[], bool]:
        """Whether the emulator is closing or the webhook changed since ``generation``."""
        return lambda: self._closing or self._webhook.generation != generation

    async def _post_update(self, hook: WebhookState, update: dict[str, Any]) -> str | None:
        assert self._http is not None and hook.url
        headers = {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token} if hook.secret_token else {}
        try:
            async with self._http.post(hook.url, json=update, headers=headers,
                                       timeout=aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT_S)) as resp:
                if 200 <= resp.status < 300:
                    return None
                return f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except (TimeoutError, aiohttp.ClientError) as exc:
            return f"Connection failed: {type(exc).__name__}"
