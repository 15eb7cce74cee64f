"""Run Ankang: services, the Telegram application and the web server, started and stopped together."""
from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web
from telegram.ext import Application

from ankang.services import Services, open_services
from bot.app import ALLOWED_UPDATES, build_application
from bot.handoff import TelegramHandoffs
from bot.lessons import start_broadcasts, stop_broadcasts
from bot.webhook import add_webhook_route, webhook_path
from bot.weblogin import TelegramSender
from broadcasts.library import Library
from core.clock import Clock
from core.settings import Settings, SettingsError
from knowledge import KnowledgeBase
from knowledge.faq_admin import hidden_ids
from knowledge.handoff import HandoffWatch
from knowledge.lawsdir import diagnose_laws_dir
from knowledge.models import load_db_faq
from tips.jobs import run_forever as run_tip_jobs
from tips.runtime import TipsRuntime
from web.app import create_web_app
from web.typedefs import SITE

log = logging.getLogger(__name__)


@dataclass
class Running:
    services: Services
    application: Application
    web_app: web.Application
    web_url: str


@asynccontextmanager
async def running(
    settings: Settings, *, clock: Clock | None = None, poll_timeout_s: int = 10, kb: KnowledgeBase | None = None,
    library: Library | None = None, tips: TipsRuntime | None = None,
) -> AsyncIterator[Running]:
    """Start everything; on exit stop the web server, then background work, then the bot (each still
    needs the next). Tests, the demo and ``ankang run`` share this.

    ``kb`` and ``library`` hand in an already loaded knowledge base and lesson library (the tests
    load them once per session); ``tips`` a tips runtime (the tests' has cheap receipt codes).
    """
    if settings.webhook_secret_problem:  # forged updates would be accepted as any user, admins included
        raise SettingsError(settings.webhook_secret_problem)
    # Before the migrations, so that a missing statute directory is among the first lines of the log.
    laws = await asyncio.to_thread(diagnose_laws_dir, settings.laws_dir)
    if not laws.ok:
        log.warning("%s", laws.message)
    services = await open_services(settings, clock=clock, laws=laws, tips=tips)
    try:
        await _start_areas(services, kb)
        application = build_application(settings, services)
        # The two peers meet here: the web console sends to Telegram through the bot's sender.
        web_app = create_web_app(services, bot_sender=TelegramSender(application.bot, services))
        if settings.webhook_url:
            add_webhook_route(web_app, application, webhook_path(settings.webhook_url), settings.webhook_secret)
        runner = web.AppRunner(web_app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, settings.web_host, settings.web_port)
        await site.start()
        port = runner.addresses[0][1]
        web_url = f"http://{settings.web_host}:{port}"
        services.web_url = web_url
        web_stopped = False
        try:
            async with application:
                await application.start()
                # PTB runs post_init only from run_polling/run_webhook; we drive the lifecycle ourselves.
                if application.post_init is not None:
                    await application.post_init(application)
                if settings.webhook_url:
                    await application.bot.set_webhook(
                        settings.webhook_url, secret_token=settings.webhook_secret,
                        allowed_updates=ALLOWED_UPDATES,
                    )
                else:
                    await application.bot.delete_webhook()
                    assert application.updater is not None  # build_application keeps PTB's updater
                    await application.updater.start_polling(
                        poll_interval=0, timeout=poll_timeout_s, allowed_updates=ALLOWED_UPDATES
                    )
                web_app[SITE].bot_username = application.bot.username  # the landing page links to the bot
                # Broadcasts start once the bot is up (the sender and the admin reports need it).
                await start_broadcasts(application, services, library=library)
                # The tips' digest, deadline reminders and retention purge (tips.jobs), through the bot.
                # Both supervised through services.loops (core.supervision): on /healthz, one log line per outage.
                services.tips.start_jobs(run_tip_jobs(services.sessions, settings, TelegramSender(
                    application.bot, services), services.clock, loops=services.loops))
                services.handoffs = HandoffWatch(services.sessions, settings, TelegramHandoffs(application.bot),
                                                 services.clock, loops=services.loops)
                services.handoffs.start()
                log.info("Ankang is ready (%s; web %s)", "webhook" if settings.webhook_url else "long polling", web_url)
                try:
                    yield Running(services, application, web_app, web_url)
                finally:
                    # While the bot can still send: first the web server (requests in flight finish,
                    # and may queue urgent tip alerts), then the areas' background work.
                    await runner.cleanup()
                    web_stopped = True
                    await _stop_areas(services)
                    await stop_broadcasts(services)
                    if application.updater is not None and application.updater.running:
                        await application.updater.stop()
                    await application.stop()
        finally:
            if not web_stopped:  # start-up failed before the bot was up
                await runner.cleanup()
    finally:
        await services.close()


async def _start_areas(services: Services, kb: KnowledgeBase | None = None) -> None:
    """Load what each area needs before the first update arrives."""
    services.writes.start()
    async with services.sessions() as session:
        admin_faq = await load_db_faq(session)
        # Drafts, disabled and deleted entries, bundled ones among them, must not answer.
        hidden = await hidden_ids(session)
    if kb is None:
        # Building the indexes is CPU work: keep the event loop free meanwhile.
        settings = services.settings
        laws_dir = settings.laws_dir if services.laws.ok else None
        kb = await asyncio.to_thread(KnowledgeBase.load, laws_dir, admin_faq, cache_dir=settings.cache_dir)
    else:
        for entry in admin_faq:
            kb.add_faq(entry)
    for faq_id in hidden:
        kb.remove_faq(faq_id)
    services.kb = kb


async def _stop_areas(services: Services) -> None:
    """Stop the handoff watch and the tips' scheduled jobs, then let background work that sends through
    the bot finish (urgent tip alerts); then flush the writes still waiting for the database (what
    cannot be written now is counted and logged)."""
    if services.handoffs is not None:
        await services.handoffs.stop()
    await services.tips.stop_jobs()
    await services.tips.drain()
    await services.writes.stop()


async def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with running(settings):
        await stop.wait()
        log.info("shutting down")
