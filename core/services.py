"""The long-lived resources one Ankang process owns, opened once and closed once."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from core import db
from core.clock import Clock, SystemClock
from core.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Shared by the bot, the web server, the scheduler and the CLI; see ``open_services``."""

    settings: Settings
    engine: AsyncEngine
    sessions: db.SessionMaker
    clock: Clock = field(default_factory=SystemClock)
    # Where this process's web server actually listens (known once bound; port 0 picks a free one).
    web_url: str = ""
    # Filled by the areas at start-up (typed in their own modules):
    kb: Any = None  # knowledge.KnowledgeBase
    broadcasts: Any = None  # broadcasts engine
    tips: Any = None  # tips service (rate limiter, etc.)

    def is_admin_id(self, user_id: int) -> bool:
        """True for the admins named in ANKANG_ADMIN_IDS (database admins: see core.admins)."""
        return user_id in self.settings.admin_ids

    async def close(self) -> None:
        await self.engine.dispose()


async def open_services(settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> Services:
    """Create the engine, apply migrations and load the knowledge base."""
    engine = db.create_engine(settings.database_url)
    if migrate:
        await db.upgrade(engine)
    services = Services(
        settings=settings,
        engine=engine,
        sessions=db.create_sessionmaker(engine),
        clock=clock or SystemClock(),
    )
    return services
