"""The tree's use cases — add, rename, move, merge, retire, list, search — and workers joining a unit.

Every edge (CLI, console, bot) calls these with an open session; they raise ``OrgError`` with a
Chinese message the edge shows as it is.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

# Schedules and tips are scoped and routed to units: the tree moves the open ones with a unit.
from broadcasts.models import OPEN_SCHEDULE_STATUSES, Schedule, ScheduleStatus
from org import messages as msg
from org import tallies  # noqa: F401 - its session events keep the rollups' tallies as workers join and move
from org.models import CODE_MAX, LEVEL_MAX, NAME_MAX, Membership, Organisation
from tips.models import OPEN_STATUSES, Tip

CODE_PATTERN = re.compile(rf"[a-z0-9_-]{{1,{CODE_MAX}}}")
SEARCH_LIMIT = 8


class OrgError(ValueError):
    """A change to the tree that is refused; ``str(error)`` is the Chinese reason."""


@dataclass(frozen=True)
class TreeLine:
    """One unit in a depth-first listing of the tree."""

    depth: int
    unit: Organisation
    parent_code: str | None


def check_code(code: str) -> str:
    """The code as stored (trimmed, lower case), or OrgError."""
    cleaned = code.strip().lower()
    if not CODE_PATTERN.fullmatch(cleaned):
        raise OrgError(msg.BAD_CODE.format(code=code[:40]))
    return cleaned


def check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise OrgError(msg.EMPTY_NAME)
    if len(cleaned) > NAME_MAX:
        raise OrgError(msg.LONG_NAME)
    return cleaned


def check_level(level: str) -> str:
    cleaned = level.strip()
    if len(cleaned) > LEVEL_MAX:
        raise OrgError(msg.LONG_LEVEL)
    return cleaned


async def all_units(session: AsyncSession) -> list[Organisation]:
    return list((await session.scalars(select(Organisation).order_by(Organisation.id))).all())


async def unit_by_code(session: AsyncSession, code: str, *, active_only: bool = True) -> Organisation | None:
    """The unit with this code (None for a malformed, unknown or — by default — retired one)."""
    cleaned = code.strip().lower()
    if not CODE_PATTERN.fullmatch(cleaned):
        return None
    unit = await session.scalar(select(Organisation).where(Organisation.code == cleaned))
    if unit is None or (active_only and unit.retired):
        return None
    return unit


async def unit_by_id(session: AsyncSession, unit_id: int, *, active_only: bool = True) -> Organisation | None:
    unit = await session.get(Organisation, unit_id)
    return None if unit is None or (active_only and unit.retired) else unit


async def _require(session: AsyncSession, unit_id: int) -> Organisation:
    unit = await session.get(Organisation, unit_id)
    if unit is None:
        raise OrgError(msg.UNKNOWN_UNIT.format(code=unit_id))
    return unit


async def _active_parent(session: AsyncSession, parent_code: str | None) -> Organisation | None:
    if not parent_code:
        return None
    parent = await unit_by_code(session, parent_code, active_only=False)
    if parent is None:
        raise OrgError(msg.UNKNOWN_PARENT.format(code=parent_code[:40]))
    if parent.retired:
        raise OrgError(msg.RETIRED_PARENT.format(code=parent.code))
    return parent


async def add_unit(
    session: AsyncSession, code: str, name: str, level: str = "", parent_code: str | None = None
) -> Organisation:
    """Add a unit under ``parent_code`` (a root without one)."""
    code = check_code(code)
    name, level = check_name(name), check_level(level)
    if await unit_by_code(session, code, active_only=False) is not None:
        raise OrgError(msg.DUPLICATE_CODE.format(code=code))
    parent = await _active_parent(session, parent_code)
    unit = Organisation(code=code, name=name, level=level, parent_id=parent.id if parent else None, retired=False)
    session.add(unit)
    await session.flush()
    return unit


async def rename(session: AsyncSession, unit_id: int, name: str, level: str | None = None) -> Organisation:
    unit = await _require(session, unit_id)
    unit.name = check_name(name)
    if level is not None:
        unit.level = check_level(level)
    await session.flush()
    return unit


def _parents(units: Iterable[Organisation]) -> dict[int, int | None]:
    return {u.id: u.parent_id for u in units}


def _is_within(parents: dict[int, int | None], unit_id: int, ancestor_id: int) -> bool:
    """Whether ``unit_id`` is ``ancestor_id`` or lies below it."""
    seen: set[int] = set()
    current: int | None = unit_id
    while current is not None and current not in seen:
        if current == ancestor_id:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


async def move(session: AsyncSession, unit_id: int, parent_code: str | None) -> Organisation:
    """Put a unit (with its subtree) under another parent, or make it a root; refuse cycles."""
    unit = await _require(session, unit_id)
    parent = await _active_parent(session, parent_code)
    if parent is not None and _is_within(_parents(await all_units(session)), parent.id, unit.id):
        raise OrgError(msg.CYCLE.format(code=unit.code))
    unit.parent_id = parent.id if parent else None
    await session.flush()
    return unit


async def _hand_over(session: AsyncSession, unit: Organisation, heir_id: int | None) -> None:
    """Move a unit's workers, open tips, open schedules and active child units to ``heir_id``.

    For None (a root retired) workers leave every unit, open tips go to the union as a whole, and the
    schedules scoped to the unit are cancelled — never widened to every worker of the tree. Closed tips
    and finished or cancelled schedules stay with the unit they were for (history)."""
    open_schedules = update(Schedule).where(Schedule.unit_id == unit.id,
                                            Schedule.status.in_(OPEN_SCHEDULE_STATUSES))
    if heir_id is None:
        await session.execute(delete(Membership).where(Membership.unit_id == unit.id))
        await session.execute(open_schedules.values(status=ScheduleStatus.CANCELLED))
    else:
        await session.execute(update(Membership).where(Membership.unit_id == unit.id).values(unit_id=heir_id))
        await session.execute(open_schedules.values(unit_id=heir_id))
    await session.execute(update(Tip).where(Tip.unit_id == unit.id, Tip.status.in_(OPEN_STATUSES))
                          .values(unit_id=heir_id))
    await session.execute(update(Organisation).where(Organisation.parent_id == unit.id,
                                                     Organisation.retired.is_(False)).values(parent_id=heir_id))


async def retire(session: AsyncSession, unit_id: int) -> Organisation:
    """Retire a unit: its workers, open tips, open schedules and child units move to its parent."""
    unit = await _require(session, unit_id)
    if unit.retired:
        raise OrgError(msg.ALREADY_RETIRED.format(code=unit.code))
    await _hand_over(session, unit, unit.parent_id)
    unit.retired = True
    await session.flush()
    return unit


async def merge(session: AsyncSession, unit_id: int, into_code: str) -> Organisation:
    """Merge a unit into another: its workers, open tips, open schedules and child units move there, and it
    is retired."""
    unit = await _require(session, unit_id)
    target = await _active_parent(session, into_code)
    if target is None:
        raise OrgError(msg.UNKNOWN_PARENT.format(code=""))
    if unit.retired:
        raise OrgError(msg.ALREADY_RETIRED.format(code=unit.code))
    if _is_within(_parents(await all_units(session)), target.id, unit.id):
        raise OrgError(msg.MERGE_SELF)
    await _hand_over(session, unit, target.id)
    unit.retired = True
    await session.flush()
    return target


def tree_lines(units: list[Organisation], *, include_retired: bool = False) -> list[TreeLine]:
    """Depth-first, siblings by code; a unit whose parent is not listed is shown as a root."""
    shown = [u for u in units if include_retired or not u.retired]
    ids = {u.id for u in shown}
    by_id = {u.id: u for u in units}
    children: dict[int | None, list[Organisation]] = {}
    for u in shown:
        children.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
    lines: list[TreeLine] = []
    stack = [(0, u) for u in sorted(children.get(None, []), key=lambda u: u.code, reverse=True)]
    while stack:
        depth, unit = stack.pop()
        parent = by_id.get(unit.parent_id) if unit.parent_id is not None else None
        lines.append(TreeLine(depth, unit, parent.code if parent else None))
        stack.extend((depth + 1, c) for c in sorted(children.get(unit.id, []), key=lambda u: u.code, reverse=True))
    return lines


async def list_tree(session: AsyncSession, *, include_retired: bool = False) -> list[TreeLine]:
    return tree_lines(await all_units(session), include_retired=include_retired)


async def ancestors(session: AsyncSession, unit: Organisation) -> list[Organisation]:
    """The active units above ``unit``, nearest first (its parent, then the parent's parent …)."""
    found: list[Organisation] = []
    seen = {unit.id}
    current = unit.parent_id
    while current is not None and current not in seen:
        seen.add(current)
        parent = await session.get(Organisation, current)
        if parent is None:
            break
        if not parent.retired:
            found.append(parent)
        current = parent.parent_id
    return found


async def nearest_active(session: AsyncSession, unit_id: int) -> Organisation | None:
    """The unit itself when active, else the nearest active unit above it (a unit retired meanwhile), or None."""
    unit = await session.get(Organisation, unit_id)
    if unit is None or not unit.retired:
        return unit
    above = await ancestors(session, unit)
    return above[0] if above else None


async def unit_names(session: AsyncSession, unit_ids: Iterable[int | None]) -> dict[int, str]:
    """Names of the given units (retired ones too), in one query."""
    ids = {i for i in unit_ids if i is not None}
    if not ids:
        return {}
    rows = await session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))
    return {unit_id: name for unit_id, name in rows.all()}


async def has_units(session: AsyncSession) -> bool:
    """Whether the tree has any active unit (without one, nobody is asked to pick a unit)."""
    return await session.scalar(select(Organisation.id).where(Organisation.retired.is_(False)).limit(1)) is not None


async def subtree_ids(session: AsyncSession, unit_id: int) -> set[int]:
    """The ids of a unit and every unit below it (retired ones too): the scope of a unit's admins and rollups."""
    rows = (await session.execute(select(Organisation.id, Organisation.parent_id))).all()
    children: dict[int, list[int]] = {}
    for child, parent in rows:
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found, todo = {unit_id}, [unit_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


async def search_units(session: AsyncSession, text: str, limit: int = SEARCH_LIMIT) -> list[Organisation]:
    """Active units whose name (or code) contains ``text``, shortest names first."""
    words = text.split()
    if not words:
        return []
    query = select(Organisation).where(Organisation.retired.is_(False))
    for word in words[:5]:
        pattern = "%" + word[:NAME_MAX].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(Organisation.name.like(pattern, escape="\\")
                            | Organisation.code.like(pattern.lower(), escape="\\"))
    units = (await session.scalars(query.limit(200))).all()
    return sorted(units, key=lambda u: (len(u.name), u.code))[:limit]


async def unit_of(session: AsyncSession, chat_id: int) -> Organisation | None:
    """The unit a worker joined, or None."""
    membership = await session.get(Membership, chat_id)
    return None if membership is None else await session.get(Organisation, membership.unit_id)


async def join(session: AsyncSession, chat_id: int, unit: Organisation | None) -> None:
    """Put a (recorded) worker in ``unit``, or in none; replaces any earlier choice."""
    membership = await session.get(Membership, chat_id)
    if unit is None:
        if membership is not None:
            await session.delete(membership)
    elif membership is None:
        session.add(Membership(chat_id=chat_id, unit_id=unit.id))
    else:
        membership.unit_id = unit.id
    await session.flush()


async def member_counts(session: AsyncSession) -> dict[int, int]:
    """Workers joined, by unit id (units without any are absent), in one query."""
    rows = await session.execute(select(Membership.unit_id, func.count()).group_by(Membership.unit_id))
    return {unit_id: int(count) for unit_id, count in rows.all()}


async def member_count(session: AsyncSession, unit_id: int) -> int:
    return int(await session.scalar(select(func.count()).where(Membership.unit_id == unit_id)) or 0)
