"""``ankang org …``: the organisation tree from the command line — import a file, list, export; recount the
rollups' tallies."""
from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.db import SessionMaker

T = TypeVar("T")


@click.group()
def org() -> None:
    """组织架构 / the organisation tree (市 → 区县 → 街镇 → 基层 → 班组)."""


def _run(coro_factory: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``coro_factory(session)`` in one transaction on the configured database."""
    from core.cli import run_with_database
    from core.db import transaction

    async def work(sessions: SessionMaker) -> T:
        async with transaction(sessions) as session:
            return await coro_factory(session)

    return run_with_database(work)


@org.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Add or update units from FILE (.xlsx, .csv or .yaml: code, name, level, parent); all or nothing."""
    from org import transfer

    try:
        fmt = transfer.format_of(file.name)
        rows = transfer.parse(file.read_bytes(), fmt)
        result = _run(lambda s: transfer.import_tree(s, rows))
    except transfer.ImportRejected as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"已导入：新增 {result.added} 个单位，更新 {result.updated} 个 / "
               f"imported: {result.added} added, {result.updated} updated")


@org.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include retired units.")
def list_command(show_all: bool) -> None:
    """Print the tree, indented by level."""
    from org.service import list_tree

    lines = _run(lambda s: list_tree(s, include_retired=show_all))
    if not lines:
        click.echo("还没有任何单位 / no units yet (ankang org import FILE)")
        return
    for line in lines:
        level = f"（{line.unit.level}）" if line.unit.level else ""
        retired = " [已撤销]" if line.unit.retired else ""
        click.echo(f"{'  ' * line.depth}{line.unit.name}{level} {line.unit.code}{retired}")


@org.command("export")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "yaml"]), default=None,
              help="Default: from the file name's extension.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_command(fmt: str | None, file: Path) -> None:
    """Write the active tree to FILE (the same columns import reads)."""
    from org import transfer

    try:
        fmt = fmt or transfer.format_of(file.name)
    except transfer.ImportRejected as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    rows = _run(transfer.export_rows)
    file.write_bytes(transfer.render(rows, fmt))
    click.echo(f"已导出 {len(rows)} 个单位到 {file} / exported {len(rows)} units")


@org.command("retally")
def retally_command() -> None:
    """Count the rollups' tallies afresh from the workers, lessons and answers (after rows were written past
    the application, e.g. restored from a backup of some tables only)."""
    from org import tallies

    async def recount(session: AsyncSession) -> bool:
        kept = await tallies.snapshot(session)
        await tallies.rebuild(session)
        return kept != await tallies.snapshot(session)

    if _run(recount):
        click.echo("已重新统计：原有统计与实际数据不符，已更正 / recounted: the kept tallies were wrong, now corrected")
    else:
        click.echo("已重新统计：原有统计无误 / recounted: the kept tallies were right")
