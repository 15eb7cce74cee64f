"""``ankang admin …``: web console login links and admins, from the server's shell."""
from __future__ import annotations

import click


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
    """List every admin, where their rights come from, and who is on duty."""
    from core.admins import AdminEntry, list_admins
    from core.cli import run_with_database
    from core.db import SessionMaker
    from core.settings import settings_or_exit

    settings = settings_or_exit()

    async def read(sessions: SessionMaker) -> list[AdminEntry]:
        async with sessions() as session:
            return await list_admins(session, settings)

    entries = run_with_database(read, settings=settings)
    if not entries:
        click.echo("还没有管理员：设置 ANKANG_ADMIN_IDS 或运行 `ankang admin add` / no admins yet")
    for entry in entries:
        duty = "  值班中 / on duty" if entry.on_duty else ""
        sources = "；".join(source.label for source in entry.sources)
        click.echo(f"{entry.user_id}\t{entry.name or '-'}\t{sources}{duty}")


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
