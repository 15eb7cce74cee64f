"""The long-lived resources one Ankang process owns, opened once and closed once.

``Services`` satisfies, structurally, what each delivery layer declares it needs
(``bot.context.BotServices``, ``web.typedefs.WebServices``) and what the broadcast engine needs
(``broadcasts.engine.EngineServices``); none of them imports this module.
"""
from __future__ import annotations

import asyncio
import logging
import os
import sys
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from broadcasts.delivery import default_worker_id
from broadcasts.engine import BroadcastEngine
from campaigns.runtime import CampaignRuntime
from core import db
from core.clock import Clock, SystemClock, SystemTimer, Timer
from core.cluster import SharedBudget, bot_key
from core.conversations import ConversationMarks
from core.outgoing import TELEGRAM_PACE, ChatPace, OutgoingScheduler
from core.settings import Settings
from core.supervision import Loops
from core.writebehind import WriteBehind
from knowledge import KnowledgeBase
from knowledge.handoff import HandoffWatch
from knowledge.lawsdir import LawsDiagnosis, diagnose_laws_dir
from org import tallies  # noqa: F401 - its session events keep the rollups' tallies in every process that writes
from tips.runtime import TipsRuntime

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Shared by the bot, the web server, the scheduler and the CLI; see ``open_services``."""

    settings: Settings
    engine: AsyncEngine
    sessions: db.SessionMaker
    # Whether ANKANG_LAWS_DIR can be loaded (or is unset, missing, empty, unreadable), diagnosed at open.
    laws: LawsDiagnosis
    # Statistics, unanswered questions and feedback: written after the reply, queued while the database is away.
    writes: WriteBehind
    # The conversations open in this process, marked so that the next run tells their workers (issue 14).
    marks: ConversationMarks
    clock: Clock = field(default_factory=SystemClock)
    # Every message this process sends waits for its turn here (core/outgoing.py, bot/retry.py).
    outgoing: OutgoingScheduler = field(default_factory=lambda: OutgoingScheduler(25.0))
    # Where this process's web server actually listens (known once bound; port 0 picks a free one).
    web_url: str = ""
    # Loaded by the runner before the first update (building the indexes takes seconds).
    kb: KnowledgeBase | None = None
    # Running while the bot is up (``bot.lessons.start_broadcasts`` / ``stop_broadcasts``).
    broadcasts: BroadcastEngine | None = None
    # The tips area's in-memory state (rate limits, background alerts); bot and web share it.
    tips: TipsRuntime = field(default_factory=TipsRuntime)
    # Every background loop's supervision and health (/healthz); shared with ``writes``.
    loops: Loops = field(default_factory=Loops)
    # 问工会 reminders, escalation and closing by the clock; running (supervised) while the bot is up.
    handoffs: HandoffWatch | None = None
    # What this process does (ankang/runner.py): "leader" (polls, schedules, broadcasts; the only role
    # on SQLite), "standby" (web, ready to lead) or "web" (never leads). Shown by /healthz.
    role: str = "leader"
    # On PostgreSQL: this process's lease on the bot's send budget (core.cluster), the outgoing rate.
    budget: SharedBudget | None = None
    # 安康杯 campaigns: the question bank and templates (loaded on first use) and the leader's time-out watch.
    campaigns: CampaignRuntime = field(default_factory=CampaignRuntime)

    def is_admin_id(self, user_id: int) -> bool:
        """True for the admins named in ANKANG_ADMIN_IDS (database admins: see core.admins)."""
        return user_id in self.settings.admin_ids

    async def close(self) -> None:
        await self.writes.stop()
        if self.budget is not None and self.budget.started:
            await self.budget.stop()
        await self.engine.dispose()


async def open_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    migrate_apart: bool = False,
    laws: LawsDiagnosis | None = None,
    tips: TipsRuntime | None = None,
    timer: Timer | None = None,
    chat_pace: ChatPace = TELEGRAM_PACE,
) -> Services:
    """Create the engine and apply migrations; the runner loads the knowledge base afterwards.

    ``laws`` is the statute directory's diagnosis when the caller already made it; ``tips`` hands in
    the tips runtime (tests: one with cheap receipt codes); production's by default. ``timer`` drives
    the outgoing scheduler's pacing (tests: a virtual one); ``chat_pace`` its per-chat limits (Telegram's; tests of
    flows that are not about pacing pass a quicker one).

    A database already at the migrations' heads is left alone without importing alembic. Otherwise it is
    migrated here, or with ``migrate_apart`` (the runner) in a child process, ``ankang db upgrade``:
    alembic and Mako (about 12 MB) then never enter the memory of a process that runs for weeks.
    """
    if laws is None:
        laws = diagnose_laws_dir(settings.laws_dir)
    engine = db.create_engine(settings.database_url, sqlite_busy_timeout_s=settings.sqlite_busy_timeout_s)
    if migrate and await db.needs_upgrade(engine):
        if migrate_apart:
            await engine.dispose()  # the child changes the schema: no pooled connection from before it
            await upgrade_apart(settings.database_url)
        else:
            await db.upgrade(engine)
    sessions = db.create_sessionmaker(engine)
    loops = Loops()
    outgoing = OutgoingScheduler(settings.send_rate, timer=timer or SystemTimer(), chat_pace=chat_pace)
    budget = None
    if engine.dialect.name == "postgresql":
        # Several processes may send for this bot: a running one (ankang/runner.py) uses its lease of
        # the one budget; short commands keep the whole ceiling.
        budget = SharedBudget(sessions, settings.send_rate, bot=bot_key(settings.bot_token),
                              member=default_worker_id(), demand=outgoing.demand_per_s, loops=loops)
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        laws=laws,
        writes=WriteBehind(sessions, loops),
        marks=ConversationMarks(sessions, settings.bot_token, bot=bot_key(settings.bot_token)),
        loops=loops,
        clock=clock or SystemClock(),
        outgoing=outgoing,
        tips=tips or TipsRuntime(),
        budget=budget,
    )


class MigrationFailed(RuntimeError):
    """``ankang db upgrade``, run apart by ``open_services``, did not finish (its own message is on stderr)."""


async def upgrade_apart(database_url: str) -> None:
    """Migrate the database in a child process, ``ankang db upgrade`` (its output on our stderr).

    The URL goes by environment, not by command line (``ps`` shows that to everyone); it already carries the
    password, so ANKANG_DATABASE_PASSWORD is emptied for the child."""
    env = {**os.environ, "ANKANG_DATABASE_URL": database_url, "ANKANG_DATABASE_PASSWORD": ""}
    child = await asyncio.create_subprocess_exec(sys.executable, "-m", "ankang", "db", "upgrade", env=env,
                                                 stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL)
    code = await child.wait()
    if code != 0:
        raise MigrationFailed(f"ankang db upgrade exited with {code}")
