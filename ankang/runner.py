"""Run Ankang: services, the Telegram application and the web server, started and stopped together."""
from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.engine import make_url
from telegram.error import Conflict, TelegramError
from telegram.ext import Application

from ankang.services import Services, open_services
from bot.app import ALLOWED_UPDATES, build_application
from bot.campaign import start_watch, stop_watch
from bot.handoff import TelegramHandoffs
from bot.lessons import start_broadcasts, stop_broadcasts
from bot.webhook import add_webhook_route, webhook_path
from bot.weblogin import TelegramSender
from broadcasts.library import Library
from broadcasts.quizbank import QuestionBank
from core.clock import Clock
from core.cluster import LeaderElection, SqliteOwnership, bot_key
from core.outgoing import TELEGRAM_PACE, ChatPace
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
# How long start-up waits for the first leader campaign (a connection and one try of the lock).
FIRST_CAMPAIGN_WAIT_S = 10.0


@dataclass
class Running:
    services: Services
    application: Application
    web_app: web.Application
    web_url: str


ROLES = ("auto", "web")  # ``ankang run --role``: auto = leader or hot standby; web = never the leader


@asynccontextmanager
async def running(
    settings: Settings, *, clock: Clock | None = None, poll_timeout_s: int = 10, kb: KnowledgeBase | None = None,
    library: Library | None = None, tips: TipsRuntime | None = None, role: str = "auto",
    chat_pace: ChatPace = TELEGRAM_PACE, bank: QuestionBank | None = None, migrate_apart: bool = True,
) -> AsyncIterator[Running]:
    """Start everything; on exit stop the web server, then background work, then the bot (each still
    needs the next). Tests, the demo and ``ankang run`` share this.

    ``kb``, ``library`` and ``bank`` hand in an already loaded knowledge base, lesson library and 安康杯
    question bank (the tests load them once per session); ``tips`` a tips runtime (the tests' has cheap
    receipt codes); ``chat_pace`` the per-chat limits of sending (Telegram's; tests of flows that are not
    about pacing pass a quicker one). A database that needs migrating is migrated in a child process, so that
    alembic stays out of a process that runs for weeks; ``migrate_apart=False`` (the demo, which runs for minutes)
    migrates in this one instead of starting a second Python and importing the app again (~2.5 s of CPU).

    Roles (``role``, docs in the README): on SQLite the one process leads (a second one is refused:
    ``core.cluster.DatabaseInUse``). On PostgreSQL every process serves the web console, /tip and
    /healthz and sends through its lease of the shared budget; with ``auto`` it also campaigns for
    leadership (``core.cluster.LeaderElection``), and only the leader receives updates (polling or
    webhook) and runs the broadcast engine, the tips' jobs and the handoff watch (``LeaderDuties``).
    """
    if role not in ROLES:
        raise SettingsError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    if settings.webhook_secret_problem:  # forged updates would be accepted as any user, admins included
        raise SettingsError(settings.webhook_secret_problem)
    sqlite = make_url(settings.database_url).drivername.startswith("sqlite")
    ownership = SqliteOwnership(settings.database_url) if sqlite else None
    if ownership is not None:
        ownership.acquire()  # before anything else touches the file
    try:
        async with _running(settings, clock=clock, poll_timeout_s=poll_timeout_s, kb=kb, library=library, tips=tips,
                            role=role, sqlite=sqlite, chat_pace=chat_pace, bank=bank,
                            migrate_apart=migrate_apart) as handle:
            yield handle
    finally:
        if ownership is not None:
            ownership.release()


@asynccontextmanager
async def _running(
    settings: Settings, *, clock: Clock | None, poll_timeout_s: int, kb: KnowledgeBase | None,
    library: Library | None, tips: TipsRuntime | None, role: str, sqlite: bool, chat_pace: ChatPace,
    bank: QuestionBank | None, migrate_apart: bool,
) -> AsyncIterator[Running]:
    # Before the migrations, so that a missing statute directory is among the first lines of the log.
    laws = await asyncio.to_thread(diagnose_laws_dir, settings.laws_dir)
    if not laws.ok:
        log.warning("%s", laws.message)
    # Migrations, when the database needs them, run in a child process (alembic stays out of this one).
    services = await open_services(settings, clock=clock, laws=laws, tips=tips, chat_pace=chat_pace,
                                   migrate_apart=migrate_apart)
    services.role = "web" if role == "web" else "standby"
    if bank is not None:
        services.campaigns.bank = bank
    try:
        await _start_areas(services, kb)
        application = build_application(settings, services)
        # The two peers meet here: the web console sends to Telegram through the bot's sender.
        web_app = create_web_app(services, bot_sender=TelegramSender(application.bot, services, library),
                                 library=library)
        if settings.webhook_url:
            # Every process has the route; only the leader takes updates (the others answer 503, and
            # Telegram or the reverse proxy tries again: README, "Several processes").
            add_webhook_route(web_app, application, webhook_path(settings.webhook_url), settings.webhook_secret,
                              accepting=lambda: services.role == "leader", arrivals=services.campaigns.arrivals,
                              clock=services.clock)
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
                web_app[SITE].bot_username = application.bot.username  # the landing page links to the bot
                if services.budget is not None:
                    # Before the first message: this process's lease of the bot's one send budget.
                    await services.budget.start()
                    services.outgoing.budget = services.budget
                duties = LeaderDuties(application, services, library, poll_timeout_s)
                election: LeaderElection | None = None
                if sqlite and role == "auto":
                    await duties.start()
                elif role == "auto":
                    election = LeaderElection(settings.database_url, bot_key(settings.bot_token),
                                              on_elected=duties.start, on_deposed=duties.stop, loops=services.loops)
                    first_campaign = asyncio.ensure_future(election.next_beat())
                    election.start()
                    # "Ready" after the first campaign: a process that finds no leader leads from its
                    # first moment (its duties have started); a standby goes on campaigning meanwhile.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(first_campaign, FIRST_CAMPAIGN_WAIT_S)
                _return_freed_memory()
                log.info("Ankang is ready (%s; web %s; role %s)", "webhook" if settings.webhook_url else "long polling",
                         web_url, "leader" if sqlite and role == "auto" else role if role == "web" else "auto")
                try:
                    yield Running(services, application, web_app, web_url)
                finally:
                    # While the bot can still send: first the web server (requests in flight finish,
                    # and may queue urgent tip alerts), then the leader's duties, then background work.
                    await runner.cleanup()
                    web_stopped = True
                    if election is not None:
                        await election.stop()  # a leader steps down first
                    else:
                        await duties.stop()
                    await _stop_areas(services)
                    await application.stop()
        finally:
            if not web_stopped:  # start-up failed before the bot was up
                await runner.cleanup()
    finally:
        await services.close()


class LeaderDuties:
    """What only the leader does: receive updates, run the broadcast engine (schedules and sender),
    the tips' scheduled jobs and the handoff watch. Started when elected, stopped when deposed."""

    def __init__(self, application: Application, services: Services, library: Library | None,
                 poll_timeout_s: int) -> None:
        self.application = application
        self.services = services
        self.library = library
        self.poll_timeout_s = poll_timeout_s
        self.active = False

    async def start(self) -> None:
        application, services, settings = self.application, self.services, self.services.settings
        self.active = True
        services.role = "leader"
        # Before the first update: conversations an earlier run (a restart, a dead leader) held in memory
        # are lost; their workers are told on their next message (bot/restarted.py).
        try:
            await services.marks.take_over()
        except Exception as err:  # the database's message could quote rows: types only
            log.warning("could not read the conversations an earlier run left open (%s)", type(err).__name__)
        if settings.webhook_url:
            await application.bot.set_webhook(
                settings.webhook_url, secret_token=settings.webhook_secret, allowed_updates=ALLOWED_UPDATES,
            )
        else:
            await application.bot.delete_webhook()
            assert application.updater is not None  # build_application keeps PTB's updater
            await application.updater.start_polling(
                poll_interval=0, timeout=self.poll_timeout_s, allowed_updates=ALLOWED_UPDATES,
                error_callback=polling_error,
            )
        # Broadcasts start once the bot is up (the sender and the admin reports need it). The leader is
        # the only sender: claims a dead leader left are released now, not after their lease.
        await start_broadcasts(application, services, library=self.library, sole_sender=True)
        # The tips' digest, deadline reminders and retention purge (tips.jobs), through the bot.
        # Both supervised through services.loops (core.supervision): on /healthz, one log line per outage.
        services.tips.start_jobs(run_tip_jobs(services.sessions, settings, TelegramSender(
            application.bot, services), services.clock, loops=services.loops))
        services.handoffs = HandoffWatch(services.sessions, settings, TelegramHandoffs(application.bot),
                                         services.clock, loops=services.loops)
        services.handoffs.start()
        # 安康杯 attempts: a question whose open period ended gets the next one sent.
        start_watch(application, services)

    async def stop(self) -> None:
        if not self.active:
            return
        self.active = False
        services = self.services
        if services.role == "leader":
            services.role = "standby"
        if services.handoffs is not None:
            await services.handoffs.stop()
            services.handoffs = None
        await stop_watch(services)
        await services.tips.stop_jobs()
        await stop_broadcasts(services)
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()


def _return_freed_memory() -> None:
    """Hand the heap start-up freed (the knowledge base's build) back to the system: glibc keeps it
    otherwise, about 6 MB of idle RSS (issue 14, point 7). Elsewhere than glibc, nothing to do."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.malloc_trim(0)


M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)
MALLOC_ARENAS = 1


def _share_one_malloc_arena() -> None:
    """Let every thread allocate from glibc's main heap (MALLOC_ARENA_MAX=1). By default each thread that
    allocates gets an arena of its own, and the one that loaded the knowledge base keeps ~3 MB of free
    space there for the life of the process (issue 14, point 7). Our threads (the loader, aiosqlite's
    connections) allocate little and seldom at once; the event loop's thread does the work. Elsewhere
    than glibc, nothing to do. Before the first thread that allocates."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.mallopt(M_ARENA_MAX, MALLOC_ARENAS)


def polling_error(exc: TelegramError) -> None:
    """getUpdates failed; PTB tries again by itself. One line, never a traceback."""
    if isinstance(exc, Conflict):
        log.warning("getUpdates: Telegram says another process polls with this bot token (409 Conflict)")
    else:
        log.warning("getUpdates failed (%s: %s); trying again", type(exc).__name__, exc)


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
        kb = await asyncio.to_thread(KnowledgeBase.load, laws_dir, admin_faq, cache_dir=settings.cache_dir,
                                     build_apart=True)
    else:
        for entry in admin_faq:
            kb.add_faq(entry)
    for faq_id in hidden:
        kb.remove_faq(faq_id)
    services.kb = kb


async def _stop_areas(services: Services) -> None:
    """Let background work that sends through the bot finish (urgent tip alerts); then flush the writes
    still waiting for the database (what cannot be written now is counted and logged). The leader's
    duties (handoff watch, tips' jobs) are stopped before."""
    await services.tips.drain()
    await services.writes.stop()


async def serve(settings: Settings, role: str = "auto") -> None:
    """Run until SIGTERM or SIGINT."""
    _share_one_malloc_arena()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with running(settings, role=role):
        # What start-up made lives as long as the process: out of the cyclic collector's way (a full
        # collection would walk it every time), after one last collection of start-up's garbage. Only
        # here: the tests start and stop many times in one process, and frozen garbage is never freed.
        # The collector was off during the start (``ankang.cli._no_collection_during_start``): on from now.
        gc.collect()
        gc.freeze()
        gc.enable()
        await stop.wait()
        log.info("shutting down")
