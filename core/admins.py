"""Who is an admin, who is on duty, and the audit trail of what admins do."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Admin, AuditEntry
from core.settings import Settings


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


async def audit_log(session: AsyncSession, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
    return list((await session.execute(stmt)).scalars())
