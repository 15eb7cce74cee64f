"""Tips routed to units (issue 12, point 4): which unit a tip goes to, who is told, and the small-unit warning.

The tipper picks a unit (or none) in the bot or on the web form; the tip stores only that choice
(``Tip.unit_id``), never the tipper's own membership. Its notices — the urgent alert, the digest,
follow-up and deadline notices — go to that unit's tip handlers, or to the nearest unit above with
some (``org.roles.tip_handlers``); a tip for no unit goes where tips always went, the admins on duty
(or every admin). A notice never goes to nobody: an empty list of handlers falls back to the duty
roster too.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from core.admins import duty_recipients
from core.settings import Settings
from org import service as org
from org.models import Organisation
from org.roles import tip_handlers, units_without_handler


@dataclass(frozen=True, slots=True)
class UnitChoice:
    """A unit a tipper is about to route a tip to, with what the tipper should know before sending."""

    unit: Organisation
    members: int  # workers known to have joined it (org members)
    min_size: int  # ANKANG_TIP_MIN_UNIT_SIZE
    above: tuple[Organisation, ...]  # active units above it, nearest first: "我不想让本单位知道"

    @property
    def small(self) -> bool:
        """Fewer known workers than the threshold: a tip routed here narrows who could have sent it."""
        return self.members < self.min_size

    @property
    def parent(self) -> Organisation | None:
        return self.above[0] if self.above else None


async def unit_choice(session: AsyncSession, settings: Settings, unit_id: int) -> UnitChoice | None:
    """The active unit ``unit_id`` as a tipper's choice, or None when it is unknown or retired."""
    unit = await org.unit_by_id(session, unit_id)
    if unit is None:
        return None
    return UnitChoice(unit, await org.member_count(session, unit.id), settings.tip_min_unit_size,
                      tuple(await org.ancestors(session, unit)))


async def route_unit(session: AsyncSession, unit_id: int | None) -> int | None:
    """The unit a tip is stored for: the chosen one, or — retired since it was chosen — the nearest active
    unit above it; None for no unit (or nothing active above)."""
    if unit_id is None:
        return None
    unit = await org.nearest_active(session, unit_id)
    return unit.id if unit is not None else None


@dataclass(frozen=True, slots=True)
class Route:
    """Where the notices of a tip for ``unit_id`` go."""

    unit_id: int | None  # the unit the tip is for (None: the union as a whole)
    handled_by: int | None  # the unit whose handlers are told: ``unit_id`` itself, or the nearest above with some
    recipients: tuple[int, ...]  # never empty while any admin exists

    @property
    def goes_up(self) -> bool:
        """The tip's own unit has no handler: its tips reach the nearest handler above (or the super-admins)."""
        return self.unit_id is not None and self.handled_by != self.unit_id


async def route_of(session: AsyncSession, settings: Settings, unit_id: int | None) -> Route:
    """Who is told about a tip for ``unit_id``: the nearest tip handlers up the tree; for no unit (or
    nobody found) the admins on duty, or every admin when nobody is on duty."""
    if unit_id is not None:
        handled_by, handlers = await tip_handlers(session, settings, unit_id)
        if handlers:
            return Route(unit_id, handled_by, tuple(dict.fromkeys(handlers)))
    return Route(unit_id, None, tuple(await duty_recipients(session, settings)))


async def unit_recipients(session: AsyncSession, settings: Settings, unit_id: int | None) -> tuple[int, ...]:
    """The admins to tell about a tip for ``unit_id`` (``route_of``)."""
    return (await route_of(session, settings, unit_id)).recipients


async def unhandled_unit_ids(session: AsyncSession, settings: Settings) -> set[int]:
    """Active units whose chain has no tip handler: the console flags them, their tips go above."""
    return {unit.id for unit in await units_without_handler(session, settings)}
