"""Typed access to Ankang's services from every handler: ``context.services``, ``context.session()``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.conversation import Prompt
from broadcasts.engine import BroadcastEngine
from broadcasts.schedules import When
from campaigns.runtime import CampaignRuntime
from core.clock import Clock
from core.conversations import ConversationMarks
from core.db import SessionMaker
from core.outgoing import OutgoingScheduler
from core.settings import Settings
from core.supervision import Loops
from core.writebehind import WriteBehind
from knowledge import KnowledgeBase
from tips.runtime import TipsRuntime


@dataclass
class ScheduleDraft:
    """The schedule being built, kept in the chat's data (``ChatData.schedule_drafts``) while the wizard runs."""

    kind: str = ""
    lesson_id: str | None = None
    series: str | None = None
    text: str | None = None
    photo: bytes | None = None
    topics: list[str] = field(default_factory=list)
    unit_id: int | None = None  # the subtree the schedule is scoped to; None for the whole tree
    unit_name: str = ""
    trigger: str = ""
    when: When | None = None
    now: bool = False


class BotServices(Protocol):
    """The process services the bot uses (the composition root's ``ankang.services.Services`` satisfies it)."""

    settings: Settings
    engine: AsyncEngine
    sessions: SessionMaker
    clock: Clock
    # The process's one outgoing path: every Bot API request is paced through it (bot/retry.py).
    outgoing: OutgoingScheduler
    # Where the web server listens (for /weblogin links when ANKANG_PUBLIC_URL is not set).
    web_url: str
    kb: KnowledgeBase | None
    # Set by ``bot.lessons.start_broadcasts`` while the bot runs.
    broadcasts: BroadcastEngine | None
    tips: TipsRuntime
    # Statistics, unanswered questions and feedback go through it, after the reply (issue 17).
    writes: WriteBehind
    loops: Loops
    # The question bank, the templates and the time-out watch of the 安康杯 campaigns.
    campaigns: CampaignRuntime
    # The conversations open here, marked so that the next run tells their workers they were lost.
    marks: ConversationMarks


class BotData:
    """The application's bot_data: a single typed slot instead of string keys."""

    services: BotServices | None = None


class ChatData(dict):
    """A chat's data: a dict for each area's own drafts (keys named for them), and typed slots: the
    ``prompt`` of the flow in progress (see bot/conversation.py) and the /schedule wizard's drafts."""

    def __init__(self) -> None:
        super().__init__()
        self.prompt: Prompt | None = None
        # The /schedule wizard's drafts by admin: the conversation is per chat and user, so two admins in
        # one group each build their own.
        self.schedule_drafts: dict[int, ScheduleDraft] = {}


class AnkangContext(CallbackContext[ExtBot, dict, ChatData, BotData]):
    @property
    def services(self) -> BotServices:
        services = self.bot_data.services
        if services is None:  # pragma: no cover - the runner always sets it before start
            raise RuntimeError("Ankang services are not attached to the application")
        return services

    @property
    def broadcasts(self) -> BroadcastEngine:
        """The broadcast engine, which runs whenever the bot does (``bot.lessons.start_broadcasts``)."""
        engine = self.services.broadcasts
        if engine is None:
            raise RuntimeError("the broadcast engine is not running")
        return engine

    def session(self):
        """One AsyncSession for this update: ``async with context.session() as s, s.begin(): …``."""
        return self.services.sessions()


CONTEXT_TYPES = ContextTypes(context=AnkangContext, bot_data=BotData, chat_data=ChatData)

AnkangApplication = Application  # alias for annotations in handler modules


async def user_is_admin(context: AnkangContext, user_id: int | None) -> bool:
    """True when ``user_id`` is an admin (settings or database)."""
    if user_id is None:
        return False
    from core.admins import is_admin

    async with context.session() as session:
        return await is_admin(session, context.services.settings, user_id)
