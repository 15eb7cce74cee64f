"""Who is an admin, who is on duty, and the audit trail of what admins do."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Admin, AuditEntry
from core.settings import Settings

S = TypeVar("S", bound=Select[Any])


class NotAnAdmin(PermissionError):
    """Raised by domain functions that require an admin."""


async def is_admin(session: AsyncSession, settings: Settings, user_id: int) -> bool:
    """Admins are the ids in ANKANG_ADMIN_IDS plus those added to the database."""
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
    return admin


async def set_on_duty(session: AsyncSession, user_id: int, on_duty: bool) -> Admin:
    admin = await add_admin(session, user_id)
    admin.on_duty = on_duty
    return admin


async def duty_recipients(session: AsyncSession, settings: Settings) -> list[int]:
    """Admins to alert now: those on duty, or every admin when nobody is."""
    rows = (await session.execute(select(Admin))).scalars().all()
    on_duty = sorted(a.user_id for a in rows if a.on_duty)
    if on_duty:
        return on_duty
    return sorted(settings.admin_ids | {a.user_id for a in rows})


async def audit(session: AsyncSession, admin_id: int, action: str, target: str = "", detail: str = "") -> None:
    """Record an admin action (who, what, when); the caller commits with the action itself."""
    session.add(AuditEntry(admin_id=admin_id, action=action, target=target[:128], detail=detail))


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries of the audit log to show: by admin, by action, by time (``since`` ≤ at < ``until``)."""

    admin_id: int | None = None
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None


def _filtered(stmt: S, where: AuditFilter) -> S:
    if where.admin_id is not None:
        stmt = stmt.where(AuditEntry.admin_id == where.admin_id)
    if where.action:
        stmt = stmt.where(AuditEntry.action == where.action)
    if where.since is not None:
        stmt = stmt.where(AuditEntry.at >= where.since)
    if where.until is not None:
        stmt = stmt.where(AuditEntry.at < where.until)
    return stmt


async def audit_log(session: AsyncSession, limit: int | None = 200, offset: int = 0,
                    where: AuditFilter = AuditFilter()) -> list[AuditEntry]:
    """Newest first; ``limit=None`` for all that match (the export)."""
    stmt = _filtered(select(AuditEntry), where).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list((await session.execute(stmt)).scalars())


async def audit_admin_ids(session: AsyncSession) -> list[int]:
    """Everyone who appears in the audit log (for the console's filter)."""
    rows = await session.execute(select(AuditEntry.admin_id).distinct().order_by(AuditEntry.admin_id))
    return list(rows.scalars())


async def admin_names(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, str]:
    """The names admins were given (``ankang admin add --name``), for those that have one."""
    ids = set(user_ids)
    if not ids:
        return {}
    rows = await session.execute(select(Admin.user_id, Admin.name).where(Admin.user_id.in_(ids), Admin.name != ""))
    return {user_id: name for user_id, name in rows}
