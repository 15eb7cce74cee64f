"""``ankang tips …``: list tips and export them (CSV + clean photos) for handing to the authorities."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from tips.models import ALL_STATUSES, TipStatus

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.db import SessionMaker

T = TypeVar("T")

# By code (closed), as stored; click would match enum members by their NAME.
STATUS_CHOICE = click.Choice([s.value for s in ALL_STATUSES])


@click.group()
def tips() -> None:
    """匿名隐患举报 / anonymous hazard tips."""


def _run(coro_factory: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``coro_factory(session)`` in one transaction on the configured database."""
    from core.cli import run_with_database
    from core.db import transaction

    async def work(sessions: SessionMaker) -> T:
        async with transaction(sessions) as session:
            return await coro_factory(session)

    return run_with_database(work)


@tips.command("list")
@click.option("--status", type=STATUS_CHOICE, default=None, help="Only this status.")
@click.option("--all", "show_all", is_flag=True, help="Include closed and rejected tips.")
@click.option("--limit", default=50, show_default=True)
def list_command(status: str | None, show_all: bool, limit: int) -> None:
    """List tips, urgent first."""
    from tips.service import list_tips, place_label, topic_label

    chosen = TipStatus(status) if status else None
    page = _run(lambda s: list_tips(s, status=chosen, open_only=not show_all, limit=limit))
    if not page.tips:
        click.echo("没有符合条件的举报 / no tips")
        return
    for tip in page.tips:
        flag = "紧急 " if tip.urgent else ""
        summary = tip.description.replace("\n", " ")[:40]
        click.echo(
            f"#{tip.id}\t{tip.created_hour:%Y-%m-%d %H:00}Z\t{flag}{tip.status_label}\t"
            f"{topic_label(tip.category)}/{place_label(tip.place_type)}\t{summary}"
        )
    click.echo(f"共 {page.total} 条 / {page.total} tips")


@tips.command("export")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for tips.xlsx, tips.csv, thread.csv and photos/.")
@click.option("--status", type=STATUS_CHOICE, default=None, help="Only this status.")
@click.option("--open", "open_only", is_flag=True, help="Only open tips.")
def export_command(out_dir: Path, status: str | None, open_only: bool) -> None:
    """Write tips as Excel (local times) and CSV plus their photos (metadata already removed)."""
    from core.settings import settings_or_exit
    from tips.service import export_tips

    tz = settings_or_exit().tz
    # admin_id 0 marks an export run from the server's shell in the audit log.
    chosen = TipStatus(status) if status else None
    result = _run(lambda s: export_tips(s, out_dir, status=chosen, open_only=open_only, admin_id=0,
                                                 tz=tz))
    click.echo(f"已导出 {result.tips} 条举报、{result.photos} 张照片 → {out_dir}")
