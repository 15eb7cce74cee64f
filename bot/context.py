"""Typed access to Ankang's services from every handler: ``context.services``, ``context.session()``."""
from __future__ import annotations

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from core.services import Services


class BotData:
    """The application's bot_data: a single typed slot instead of string keys."""

    services: Services | None = None


class AnkangContext(CallbackContext[ExtBot, dict, dict, BotData]):
    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:  # pragma: no cover - the runner always sets it before start
            raise RuntimeError("Ankang services are not attached to the application")
        return services

    def session(self):
        """One AsyncSession for this update: ``async with context.session() as s, s.begin(): …``."""
        return self.services.sessions()


CONTEXT_TYPES = ContextTypes(context=AnkangContext, bot_data=BotData)

AnkangApplication = Application  # alias for annotations in handler modules


async def user_is_admin(context: AnkangContext, user_id: int | None) -> bool:
    """True when ``user_id`` is an admin (settings or database)."""
    if user_id is None:
        return False
    from core.admins import is_admin

    async with context.session() as session:
        return await is_admin(session, context.services.settings, user_id)
