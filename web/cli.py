"""``ankang admin …``: web console login links, admins and their roles at units, from the server's shell.

``grant`` and ``revoke`` do what the console's 管理员 page does (an invitation accepted; a role removed,
ending the console sessions of whoever loses their last one) and leave the same audit log entries,
by the operator (服务器命令行, admin id 0)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from org.roles import Role


@click.group()
def admin() -> None:
    """Admins and the web console (管理员与管理后台)."""


@admin.command("login-link")
@click.argument("user_id", type=int)
def login_link_command(user_id: int) -> None:
    """Print a one-time web console login link for admin USER_ID (valid 10 minutes, single use)."""
    from core.admins import is_admin
    from core.cli import run_with_database
    from core.clock import SystemClock
    from core.db import SessionMaker
    from core.login_links import login_link
    from core.settings import settings_or_exit

    settings = settings_or_exit()
    if not settings.secret_key:
        click.echo("配置错误 / configuration error: set ANKANG_SECRET_KEY so the running server accepts this link",
                   err=True)
        raise SystemExit(2)

    async def check(sessions: SessionMaker) -> bool:
        async with sessions() as session:
            return await is_admin(session, settings, user_id)

    if not run_with_database(check, settings=settings):
        click.echo(f"{user_id} 不是管理员（ANKANG_ADMIN_IDS 或 `ankang admin add`） / not an admin", err=True)
        raise SystemExit(1)
    click.echo(login_link(settings, user_id, SystemClock().now()))


@admin.command("add")
@click.argument("user_id", type=int)
@click.option("--name", default="", help="A name shown in the console.")
def add_command(user_id: int, name: str) -> None:
    """Make Telegram user USER_ID an admin (stored in the database)."""
    from core.admins import add_admin, audit
    from core.cli import run_with_database
    from core.db import SessionMaker, transaction

    async def add(sessions: SessionMaker) -> None:
        async with transaction(sessions) as session:
            await add_admin(session, user_id, name)
            await audit(session, 0, "admin.add", str(user_id), "via CLI")

    run_with_database(add)
    click.echo(f"已添加管理员 {user_id} / admin added")


@admin.command("list")
def list_command() -> None:
    """List every admin: id, name, roles (role@unit), where their rights come from, and who is on duty."""
    from core.admins import AdminEntry, list_admins
    from core.cli import run_with_database
    from core.db import SessionMaker
    from core.settings import settings_or_exit
    from org.messages import WHOLE_TREE
    from org.roles import GrantLine, grants_by_admin

    settings = settings_or_exit()

    async def read(sessions: SessionMaker) -> tuple[list[AdminEntry], dict[int, list[GrantLine]]]:
        async with sessions() as session:
            return await list_admins(session, settings), await grants_by_admin(session)

    entries, grants = run_with_database(read, settings=settings)
    if not entries:
        click.echo("还没有管理员：设置 ANKANG_ADMIN_IDS 或运行 `ankang admin add` / no admins yet")
    for entry in entries:
        duty = "  值班中 / on duty" if entry.on_duty else ""
        sources = "；".join(source.label for source in entry.sources)
        held = grants.get(entry.user_id, [])
        # No grant: 管理员 of the whole tree (a super-admin, or an admin from before roles).
        rights = "，".join(f"{line.role.label}@{line.unit_name}" for line in held) or f"管理员@{WHOLE_TREE}"
        click.echo(f"{entry.user_id}\t{entry.name or '-'}\t{rights}\t{sources}{duty}")


@admin.command("remove")
@click.argument("user_id", type=int)
def remove_command(user_id: int) -> None:
    """Remove admin USER_ID added with `ankang admin add`; their console sessions end at once."""
    from core.admins import AdminSource
    from core.cli import run_with_database
    from core.db import SessionMaker, transaction
    from core.settings import settings_or_exit
    from web.auth import revoke_admin

    settings = settings_or_exit()

    async def remove(sessions: SessionMaker) -> tuple[AdminSource, ...]:
        async with transaction(sessions) as session:
            return await revoke_admin(session, settings, user_id, 0, "via CLI")

    if run_with_database(remove, settings=settings):
        click.echo(f"{user_id} 仍是管理员：其 ID 在 ANKANG_ADMIN_IDS 中。请从配置中删除并重启 / "
                   "still an admin through ANKANG_ADMIN_IDS: take the id out of the settings and restart", err=True)
        raise SystemExit(1)
    click.echo(f"已移除管理员 {user_id}，其后台登录已全部失效 / admin removed, console sessions ended")


WHOLE_TREE_CODE = "*"  # not a unit code (codes are a-z 0-9 _ -): the whole tree


def _role(role_name: str) -> Role:
    """The role named, or exit 2 listing the valid choices."""
    from org.roles import Role, parse_role

    role = parse_role(role_name)
    if role is None:
        choices = "、".join(f"{r.value}（{r.label}）" for r in Role)
        click.echo(f"没有角色“{role_name[:20]}”，可选：{choices} / unknown role", err=True)
        raise SystemExit(2)
    return role


async def _unit_id(session: AsyncSession, unit_code: str) -> int | None:
    """The active unit of ``unit_code`` (None for ``*``: the whole tree); exit 1 for an unknown or retired one."""
    from org import service

    if unit_code == WHOLE_TREE_CODE:
        return None
    unit = await service.unit_by_code(session, unit_code)
    if unit is None:
        click.echo(f"没有单位代码“{unit_code[:40]}”（或已撤销），见 `ankang org list` / unknown or retired unit",
                   err=True)
        raise SystemExit(1)
    return unit.id


@admin.command("grant")
@click.argument("user_id", type=int)
@click.argument("unit_code")
@click.argument("role_name", metavar="ROLE")
@click.option("--name", default="", help="A name shown in the console (for a new admin).")
def grant_command(user_id: int, unit_code: str, role_name: str, name: str) -> None:
    """Give Telegram user USER_ID the role ROLE (admin, tips, push, knowledge, readonly — or 管理员, 举报处理,
    推送, 知识库, 只读) at the unit UNIT_CODE and everything below it (* for the whole tree)."""
    from core.admins import audit
    from core.cli import run_with_database
    from core.db import SessionMaker, transaction
    from core.settings import settings_or_exit
    from org import roles

    settings = settings_or_exit()
    role = _role(role_name)

    async def give(sessions: SessionMaker) -> tuple[str, str]:
        async with transaction(sessions) as session:
            unit_id = await _unit_id(session, unit_code)
            where = await roles.unit_label(session, unit_id)
            if user_id in settings.admin_ids:
                return "super", where
            if not await roles.grant(session, user_id, name, role, unit_id, by=0):
                return "held", where
            await audit(session, 0, "admin.role_grant", str(user_id), f"{role.label}@{where}", unit_id=unit_id)
            return "granted", where

    outcome, where = run_with_database(give, settings=settings)
    if outcome == "super":
        click.echo(f"{user_id} 在 ANKANG_ADMIN_IDS 中，已拥有全部权限，无需授予 / a super-admin already")
    elif outcome == "held":
        click.echo(f"{user_id} 已有「{where}」的「{role.label}」角色 / already held")
    else:
        click.echo(f"已授予 {user_id}「{where}」的「{role.label}」角色 / role granted")


@admin.command("revoke")
@click.argument("user_id", type=int)
@click.argument("unit_code")
@click.argument("role_name", metavar="ROLE")
def revoke_command(user_id: int, unit_code: str, role_name: str) -> None:
    """Take the role ROLE at UNIT_CODE (* for the whole tree) from USER_ID; their last role ends them as an
    admin and their console sessions at once."""
    from core.admins import audit
    from core.cli import run_with_database
    from core.db import SessionMaker, transaction
    from core.settings import settings_or_exit
    from org import roles
    from web.auth import end_sessions_of

    settings = settings_or_exit()
    role = _role(role_name)

    async def take(sessions: SessionMaker) -> tuple[bool | None, str]:
        async with transaction(sessions) as session:
            unit_id = await _unit_id(session, unit_code)
            where = await roles.unit_label(session, unit_id)
            row = await roles.find_grant(session, user_id, role, unit_id)
            removed = await roles.revoke(session, settings, row.id) if row is not None else None
            if removed is None:
                return None, where
            if removed[1]:
                await end_sessions_of(session, user_id)
            await audit(session, 0, "admin.role_remove", str(user_id), f"{role.label}@{where}", unit_id=unit_id)
            return removed[1], where

    last, where = run_with_database(take, settings=settings)
    if last is None:
        click.echo(f"{user_id} 没有「{where}」的「{role.label}」角色（见 `ankang admin list`；没有角色的管理员用 "
                   "`ankang admin remove`） / no such role", err=True)
        raise SystemExit(1)
    ended = "；这是其最后一个角色，已不再是管理员，后台登录已全部失效 / no admin any more" if last else ""
    click.echo(f"已移除 {user_id}「{where}」的「{role.label}」角色 / role revoked{ended}")
