"""Who is an admin, who is on duty, and the audit trail of what admins do.

Admins come from two sources, and only from them: the ids in ANKANG_ADMIN_IDS (the operator's
settings) and those added at run time (the console's 管理员 page or ``ankang admin add``: an ``admins``
row). ``is_admin`` is the
one check every surface makes (bot commands and buttons, /weblogin, every console request, the
CLI), so removing an admin — a row deleted, an id taken out of the settings — takes effect at the
next update or request, console sessions included. Taking a duty (/duty) never makes an admin.
What an admin may do, and where, is ``org.roles`` (roles held at units of the organisation tree); an
``admins`` row is the person, kept while they hold a role (a row without any is a 管理员 of everything).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Admin, AuditEntry, DutyShift
from core.settings import Settings

S = TypeVar("S", bound=Select[Any])


class NotAnAdmin(PermissionError):
    """Raised by domain functions that require an admin."""


class AdminSource(StrEnum):
    SETTINGS = "settings"
    ADDED = "added"

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


SOURCE_LABELS: dict[AdminSource, str] = {
    AdminSource.SETTINGS: "来自配置 ANKANG_ADMIN_IDS",
    AdminSource.ADDED: "在控制台或用 ankang admin add 添加",
}


@dataclass(frozen=True, slots=True)
class AdminEntry:
    """One admin, where their rights come from, and whether they are on duty."""

    user_id: int
    name: str
    sources: tuple[AdminSource, ...]
    on_duty: bool


async def is_admin(session: AsyncSession, settings: Settings, user_id: int) -> bool:
    """Admins are the ids in ANKANG_ADMIN_IDS plus those added to the database; nobody else."""
    if user_id in settings.admin_ids:
        return True
    return await session.get(Admin, user_id) is not None


async def require_admin(session: AsyncSession, settings: Settings, user_id: int) -> None:
    if not await is_admin(session, settings, user_id):
        raise NotAnAdmin(user_id)


async def add_admin(session: AsyncSession, user_id: int, name: str = "") -> Admin:
    admin = await session.get(Admin, user_id)
    if admin is None:
        admin = Admin(user_id=user_id, name=name)
        session.add(admin)
        await session.flush()
    elif name:
        admin.name = name
    return admin


async def remove_admin(session: AsyncSession, settings: Settings, user_id: int) -> tuple[AdminSource, ...]:
    """Delete ``user_id``'s added-admin row and duty; return the sources that still make them an admin.

    An id in ANKANG_ADMIN_IDS stays an admin until the operator takes it out of the settings: the
    result then says so. The caller ends the user's console sessions and commits."""
    await session.execute(delete(Admin).where(Admin.user_id == user_id))
    remaining = (AdminSource.SETTINGS,) if user_id in settings.admin_ids else ()
    if not remaining:
        await session.execute(delete(DutyShift).where(DutyShift.user_id == user_id))
    return remaining


async def list_admins(session: AsyncSession, settings: Settings) -> list[AdminEntry]:
    """Every current admin by user id, with the sources of their rights and their duty."""
    rows = {a.user_id: a for a in (await session.execute(select(Admin))).scalars()}
    duty = set((await session.execute(select(DutyShift.user_id))).scalars())
    entries = []
    for user_id in sorted(settings.admin_ids | rows.keys()):
        sources = tuple(s for s, has in ((AdminSource.SETTINGS, user_id in settings.admin_ids),
                                         (AdminSource.ADDED, user_id in rows)) if has)
        row = rows.get(user_id)
        entries.append(AdminEntry(user_id, row.name if row else "", sources, user_id in duty))
    return entries


async def set_on_duty(session: AsyncSession, settings: Settings, user_id: int, on_duty: bool) -> None:
    """Put an admin on the urgent-tip roster or take them off; raise NotAnAdmin for anyone else."""
    await require_admin(session, settings, user_id)
    shift = await session.get(DutyShift, user_id)
    if on_duty and shift is None:
        session.add(DutyShift(user_id=user_id))
        await session.flush()
    elif not on_duty and shift is not None:
        await session.delete(shift)


async def is_on_duty(session: AsyncSession, user_id: int) -> bool:
    return await session.get(DutyShift, user_id) is not None


async def duty_recipients(session: AsyncSession, settings: Settings) -> list[int]:
    """Admins to alert now: the current admins on duty, or every admin when none is."""
    admins = [a.user_id for a in await list_admins(session, settings)]
    duty = set((await session.execute(select(DutyShift.user_id))).scalars())
    on_duty = [user_id for user_id in admins if user_id in duty]
    return on_duty or admins


async def audit(session: AsyncSession, admin_id: int, action: str, target: str = "", detail: str = "",
                *, unit_id: int | None = None) -> None:
    """Record an admin action (who, what, when, in which unit); the caller commits with the action itself."""
    session.add(AuditEntry(admin_id=admin_id, action=action, target=target[:128], detail=detail, unit_id=unit_id))


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries of the audit log to show: by admin, by action, by time (``since`` ≤ at < ``until``)."""

    admin_id: int | None = None
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None
    # The units whose entries may be shown (an admin scoped to a subtree sees only its units' entries,
    # never those of no unit); None: every entry (an admin over the whole tree).
    unit_ids: frozenset[int] | None = None


def _filtered(stmt: S, where: AuditFilter) -> S:
    if where.admin_id is not None:
        stmt = stmt.where(AuditEntry.admin_id == where.admin_id)
    if where.action:
        stmt = stmt.where(AuditEntry.action == where.action)
    if where.since is not None:
        stmt = stmt.where(AuditEntry.at >= where.since)
    if where.until is not None:
        stmt = stmt.where(AuditEntry.at < where.until)
    if where.unit_ids is not None:
        stmt = stmt.where(AuditEntry.unit_id.in_(sorted(where.unit_ids)))
    return stmt


async def audit_log(session: AsyncSession, limit: int | None = 200, offset: int = 0,
                    where: AuditFilter = AuditFilter()) -> list[AuditEntry]:
    """Newest first; ``limit=None`` for all that match (the export)."""
    stmt = _filtered(select(AuditEntry), where).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list((await session.execute(stmt)).scalars())


async def audit_admin_ids(session: AsyncSession, unit_ids: frozenset[int] | None = None) -> list[int]:
    """Everyone who appears in the audit log (in the entries of ``unit_ids`` only: ``AuditFilter``), for
    the console's filter."""
    stmt = select(AuditEntry.admin_id).distinct().order_by(AuditEntry.admin_id)
    if unit_ids is not None:
        stmt = stmt.where(AuditEntry.unit_id.in_(sorted(unit_ids)))
    rows = await session.execute(stmt)
    return list(rows.scalars())


async def admin_names(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, str]:
    """The names admins were given (``ankang admin add --name``), for those that have one."""
    ids = set(user_ids)
    if not ids:
        return {}
    rows = await session.execute(select(Admin.user_id, Admin.name).where(Admin.user_id.in_(ids), Admin.name != ""))
    return {user_id: name for user_id, name in rows}
