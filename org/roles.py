"""Who handles a unit's tips — a stand-in until scoped roles (issue 12, point 3) land.

Only the two functions tip routing needs, with the signatures the roles work will provide: here
every admin (``core.admins``) counts as a handler of every unit, so no unit lacks one while any
admin exists. The roles branch replaces this module with the real walk up the tree.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.admins import list_admins
from core.settings import Settings
from org.models import Organisation


async def tip_handlers(session: AsyncSession, settings: Settings, unit_id: int | None) -> tuple[int | None, list[int]]:
    """The nearest unit at or above ``unit_id`` with tip handlers, and their user ids; else (None, super-admins)."""
    admins = [a.user_id for a in await list_admins(session, settings)]
    if unit_id is not None and admins:
        return unit_id, admins
    return None, sorted(settings.admin_ids)


async def units_without_handler(session: AsyncSession, settings: Settings) -> list[Organisation]:
    """Active units whose chain up to the root has nobody to handle their tips."""
    if await list_admins(session, settings):
        return []
    return list((await session.scalars(
        select(Organisation).where(Organisation.retired.is_(False)).order_by(Organisation.id))).all())
