"""Subtrees as SQL, and the one place that says which units an admin may target or look at.

``subtree_query`` is a recursive CTE, so a broadcast's audience reads the tree in the database at the
moment it is queued (units added or moved since the schedule was made are reached where they are now).
"""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import Settings
from org import roles
from org.models import Membership, Organisation
from org.roles import Action, Role


def subtree_query(unit_id: int) -> Select[tuple[int]]:
    """The ids of a unit and of every unit below it (retired ones too), as a SELECT to use in ``IN``."""
    orgs = Organisation.__table__
    # Nested where it is used: a WITH at the head of the broadcast's INSERT … SELECT would hide its row
    # count from sqlite3 (recipients counted as -1).
    tree = select(orgs.c.id).where(orgs.c.id == unit_id).cte("subtree", recursive=True, nesting=True)
    tree = tree.union(select(orgs.c.id).where(orgs.c.parent_id == tree.c.id))  # UNION: a cycle cannot loop
    return select(tree.c.id)


def members_of_subtree(unit_id: int) -> Select[int]:
    """The chat ids of the workers who joined the unit or any unit below it."""
    return select(Membership.chat_id).where(Membership.unit_id.in_(subtree_query(unit_id)))


async def units_in_reach(session: AsyncSession, settings: Settings, admin_id: int, duty: str) -> set[int] | None:
    """The ids of the units an admin may use for ``duty`` ("push": scope a broadcast to, with 推送; "view": see
    the rollups of, with any role) — whole subtrees, already expanded; None for every unit and the whole tree.

    The bot's /schedule, the console's schedule form and the rollups page all ask this function (the
    pickers offer only these units, and a unit outside them is refused); the roles are ``org.roles``'.
    """
    need = Role.PUSH if duty == "push" else Action.VIEW
    reach = await roles.scope_of(session, settings, admin_id, need)
    return None if reach.everything else set(reach.unit_ids)


def within_reach(reach: set[int] | None, unit_id: int | None) -> bool:
    """Whether a unit (None: the whole tree) lies within what ``units_in_reach`` allows."""
    if reach is None:
        return True
    return unit_id is not None and unit_id in reach


async def has_active_units(session: AsyncSession) -> bool:
    """Whether the tree has any unit to choose (the pickers are left out while it has none)."""
    return await session.scalar(select(Organisation.id).where(Organisation.retired.is_(False)).limit(1)) is not None
