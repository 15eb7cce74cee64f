"""Run Ankang: services, the Telegram application and the web server, started and stopped together."""
from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator

from aiohttp import web
from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application
from bot.webhook import add_webhook_route, webhook_path
from core.clock import Clock
from core.services import Services, open_services
from core.settings import Settings
from web.app import create_web_app

log = logging.getLogger(__name__)


@dataclass
class Running:
    services: Services
    application: Application
    web_app: web.Application
    web_url: str


@asynccontextmanager
async def running(settings: Settings, *, clock: Clock | None = None, poll_timeout_s: int = 10) -> AsyncIterator[Running]:
    """Start everything; on exit stop in reverse order. Tests, the demo and ``ankang run`` share this."""
    services = await open_services(settings, clock=clock)
    try:
        await _start_areas(services)
        application = build_application(settings, services)
        web_app = create_web_app(services)
        if settings.webhook_url:
            add_webhook_route(web_app, application, webhook_path(settings.webhook_url), settings.webhook_secret)
        runner = web.AppRunner(web_app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, settings.web_host, settings.web_port)
        await site.start()
        port = runner.addresses[0][1]
        web_url = f"http://{settings.web_host}:{port}"
        try:
            async with application:
                await application.start()
                if settings.webhook_url:
                    await application.bot.set_webhook(
                        settings.webhook_url, secret_token=settings.webhook_secret or None,
                        allowed_updates=ALLOWED_UPDATES,
                    )
                else:
                    await application.bot.delete_webhook()
                    await application.updater.start_polling(
                        poll_interval=0, timeout=poll_timeout_s, allowed_updates=ALLOWED_UPDATES
                    )
                log.info("Ankang is ready (%s; web %s)", "webhook" if settings.webhook_url else "long polling", web_url)
                try:
                    yield Running(services, application, web_app, web_url)
                finally:
                    if application.updater.running:
                        await application.updater.stop()
                    await application.stop()
        finally:
            await runner.cleanup()
    finally:
        await _stop_areas(services)
        await services.close()


async def _start_areas(services: Services) -> None:
    """Load what each area needs before the first update arrives."""


async def _stop_areas(services: Services) -> None:
    """Stop area background work (schedulers, senders)."""


async def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with running(settings):
        await stop.wait()
        log.info("shutting down")
