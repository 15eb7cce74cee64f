"""What the web app is given and keeps: the services it uses, the bot port, and its typed app keys.

Route modules import their keys from here, not from the app factory (``web.app``), so nothing in
``web/`` needs a function-local import to dodge a circle.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from broadcasts.engine import BroadcastEngine
from broadcasts.library import LibraryCache
from campaigns.runtime import CampaignRuntime
from core.clock import Clock
from core.db import SessionMaker
from core.settings import Settings
from core.supervision import Loops
from core.writebehind import WriteBehind
from knowledge import KnowledgeBase
from knowledge.handoff import HandoffSender
from knowledge.lawsdir import LawsDiagnosis
from org.rollups import RollupCache
from tips.alerts import DutyAlertSender
from tips.runtime import TipsRuntime


class WebServices(Protocol):
    """The process services the web app uses (the composition root's ``Services`` satisfies it)."""

    settings: Settings
    engine: AsyncEngine
    sessions: SessionMaker
    clock: Clock
    kb: KnowledgeBase | None
    laws: LawsDiagnosis
    broadcasts: BroadcastEngine | None
    tips: TipsRuntime
    loops: Loops  # the background loops' health, shown by /healthz
    writes: WriteBehind  # statistics and feedback waiting for the database, shown by /healthz
    role: str  # "leader", "standby" or "web" (ankang/runner.py), shown by /healthz
    campaigns: CampaignRuntime  # the question bank and the campaign templates


class BotSender(DutyAlertSender, HandoffSender, Protocol):
    """What the web may ask of the running bot (implemented in bot/, wired by ankang/runner.py): the console's
    test messages, the duty alert of an urgent tip from the form (``send_duty_alert``, the tips port), and
    问工会 answers typed in the console (``send_handoff_answer``, the knowledge port)."""

    async def send_text(self, chat_id: int, html: str) -> None: ...

    async def send_lesson(self, chat_id: int, lesson_id: str) -> None: ...


@dataclass
class ChatConfig:
    """The browser chat (/chat) is on only in demo mode: the base URL of the Bot API emulator.

    Mutable on purpose: the demo can switch it on after the server has started
    (``web_app[CHAT].emulator_url = emulator.url``).
    """

    emulator_url: str | None = None
    # The two demo identities; by default web.chat.WORKER_ID and the smallest id in ANKANG_ADMIN_IDS.
    worker_id: int | None = None
    admin_id: int | None = None


class VerifyLimits:
    """The public /verify page's in-memory limits: lookups per client (a keyed hash of its address that
    rotates hourly, never the address), so one client cannot walk the code space; no global budget that
    one attacker could drain to lock every visitor out."""

    def __init__(self) -> None:
        from tips.ratelimit import ClientKeys, SlidingWindowLimiter

        self.client_keys = ClientKeys()
        self.lookups_per_client = SlidingWindowLimiter(VERIFY_LOOKUPS_PER_CLIENT, VERIFY_WINDOW_S)


VERIFY_LOOKUPS_PER_CLIENT = 30
VERIFY_WINDOW_S = 10 * 60


@dataclass
class SiteConfig:
    """What the public pages say about the bot: its @username, once the runner's bot has started."""

    bot_username: str | None = None


SERVICES = web.AppKey("services", WebServices)
SITE = web.AppKey("site", SiteConfig)
VERIFY_LIMITS = web.AppKey("verify_limits", VerifyLimits)
BOT_SENDER = web.AppKey("bot_sender", BotSender)
CHAT = web.AppKey("chat", ChatConfig)
# The bundled lesson library, for when no broadcast engine runs (loaded once, on first use).
LIBRARY = web.AppKey("lesson_library", LibraryCache)
# The rollups' recent per-unit figures (org.rollups.RollupCache): drilling down reuses them for a minute.
ROLLUP_CACHE = web.AppKey("rollup_cache", RollupCache)
