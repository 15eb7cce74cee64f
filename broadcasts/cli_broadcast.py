"""``ankang broadcast …``: list, create, pause, resume, cancel and send 微课堂 broadcasts from a shell.

The CLI writes to the database; a running bot picks new and changed schedules up within
``broadcasts.engine.SYNC_INTERVAL_S`` and sends queued deliveries (``send-now`` without a running
bot queues them; ``--wait`` then shows progress while a bot sends)."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from core.cli import run_with_database
from core.settings import settings_or_exit

if TYPE_CHECKING:
    from broadcasts.models import Schedule
    from core.db import SessionMaker


@click.group("broadcast")
def broadcast() -> None:
    """微课堂 broadcasts: schedules, sending and progress."""


@broadcast.command("list")
@click.option("--all", "include_closed", is_flag=True, help="Include cancelled and finished schedules.")
def list_cmd(include_closed: bool) -> None:
    """Print the schedules with their next fire time."""
    from broadcasts.schedules import describe_what, list_schedules, next_fire_time
    from core.models import utcnow

    async def work(sessions: SessionMaker) -> None:
        async with sessions() as session:
            rows = await list_schedules(session, include_closed)
        if not rows:
            click.echo("no schedules")
        for s in rows:
            nxt = next_fire_time(s, utcnow())
            when = {"once": f"once {s.run_at:%Y-%m-%d %H:%M}Z" if s.run_at else "once",
                    "weekly": f"weekly {s.weekdays} {s.at_time}", "cron": f"cron '{s.cron}'"}[s.trigger]
            nxt_text = nxt.astimezone(ZoneInfo(s.timezone)).strftime("%Y-%m-%d %H:%M") if nxt else "-"
            click.echo(f"#{s.id:<4} {s.status:<9} {describe_what(s):<32} to {s.topics or 'all':<20} "
                       f"{when} ({s.timezone}) next {nxt_text}")

    run_with_database(work)


@broadcast.command("create")
@click.option("--lesson", "lesson_id", help="Send this lesson (see `ankang lessons list`).")
@click.option("--next-in-series", "series", help="Send each recipient their next unseen lesson of this series.")
@click.option("--text", help="Send this announcement.")
@click.option("--photo", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Photo for the announcement.")
@click.option("--topics", default="", help="Comma-separated topic codes (default: every subscriber).")
@click.option("--once", "once", help="Send once at this local time, e.g. 2026-12-01T09:00.")
@click.option("--weekly", help="Weekdays, e.g. mon,thu (with --at).")
@click.option("--at", "at_time", help="Local time for --weekly, e.g. 09:00.")
@click.option("--cron", help='Cron expression, e.g. "0 9 * * 1".')
@click.option("--timezone", "tz", default=None, help="Time zone (default: ANKANG_TIMEZONE).")
@click.option("--admin", "admin_id", type=int, default=None, help="Admin user id to record and to send the report to.")
def create_cmd(
    lesson_id: str | None, series: str | None, text: str | None, photo: Path | None, topics: str, once: str | None,
    weekly: str | None, at_time: str | None, cron: str | None, tz: str | None, admin_id: int | None,
) -> None:
    """Create a schedule: one of --lesson/--next-in-series/--text, one of --once/--weekly/--cron."""
    from broadcasts.library import load_library
    from broadcasts.schedules import ScheduleInvalid, What, When, create_schedule

    whats = [x for x in (lesson_id, series, text or photo) if x]
    if len(whats) != 1:
        raise click.UsageError("give exactly one of --lesson, --next-in-series, --text/--photo")
    whens = [x for x in (once, weekly, cron) if x]
    if len(whens) != 1:
        raise click.UsageError("give exactly one of --once, --weekly (with --at), --cron")
    settings = settings_or_exit()
    tz_name = tz or settings.timezone
    if lesson_id:
        what = What("lesson", lesson_id=lesson_id)
    elif series:
        what = What("series", series=series)
    else:
        what = What("text", text=text, photo=photo.read_bytes() if photo else None)
    if once:
        try:
            local = datetime.fromisoformat(once)
        except ValueError:
            raise click.BadParameter("use e.g. 2026-12-01T09:00", param_hint="--once") from None
        when = When("once", run_at=local if local.tzinfo else local.replace(tzinfo=ZoneInfo(tz_name)), timezone=tz_name)
    elif weekly:
        if not at_time:
            raise click.UsageError("--weekly needs --at HH:MM")
        when = When("weekly", weekdays=tuple(weekly.split(",")), at_time=at_time, timezone=tz_name)
    else:
        when = When("cron", cron=cron, timezone=tz_name)
    topic_codes = tuple(t.strip() for t in topics.split(",") if t.strip())

    async def work(sessions: SessionMaker) -> int:
        async with sessions() as session, session.begin():
            schedule = await create_schedule(session, load_library(), what, when, topics=topic_codes,
                                             created_by=admin_id, default_timezone=tz_name)
            return schedule.id

    try:
        schedule_id = run_with_database(work, settings=settings)
    except ScheduleInvalid as exc:
        raise click.BadParameter(exc.detail, param_hint=f"--{exc.field}") from None
    click.echo(f"created schedule #{schedule_id}")


def _change(action: str) -> Callable[[int, int | None], None]:
    @click.argument("schedule_id", type=int)
    @click.option("--admin", "admin_id", type=int, default=None, help="Admin user id for the audit log.")
    def command(schedule_id: int, admin_id: int | None) -> None:
        from broadcasts.schedules import ScheduleNotFound, ScheduleStateError, change_status

        async def work(sessions: SessionMaker) -> Schedule:
            async with sessions() as session, session.begin():
                return await change_status(session, schedule_id, action, admin_id)

        try:
            schedule = run_with_database(work)
        except ScheduleNotFound:
            raise click.ClickException(f"no schedule #{schedule_id}") from None
        except ScheduleStateError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"schedule #{schedule.id} is now {schedule.status}")

    command.__doc__ = f"{action.capitalize()} a schedule."
    return command


broadcast.command("pause")(_change("pause"))
broadcast.command("resume")(_change("resume"))
broadcast.command("cancel")(_change("cancel"))


@broadcast.command("send-now")
@click.argument("schedule_id", type=int)
@click.option("--admin", "admin_id", type=int, default=None)
@click.option("--wait", is_flag=True, help="Show a progress bar until a running bot has sent it.")
def send_now_cmd(schedule_id: int, admin_id: int | None, wait: bool) -> None:
    """Queue a firing of the schedule now (a running bot sends it)."""
    from broadcasts.occurrences import send_now
    from broadcasts.schedules import ScheduleNotFound, ScheduleStateError
    from core.models import utcnow

    async def work(sessions: SessionMaker) -> None:
        occurrence_id = await send_now(sessions, schedule_id, utcnow(), admin_id)
        async with sessions() as session:
            from broadcasts.occurrences import progress

            p = await progress(session, occurrence_id)
        click.echo(f"occurrence #{occurrence_id} queued for {p.recipients} recipient(s)")
        if wait:
            await _wait(sessions, occurrence_id, p.recipients)

    try:
        run_with_database(work)
    except (ScheduleNotFound, ScheduleStateError) as exc:
        raise click.ClickException(f"cannot send schedule #{schedule_id}: {exc}") from None


async def _wait(sessions: SessionMaker, occurrence_id: int, total: int) -> None:
    from broadcasts.occurrences import progress

    with click.progressbar(length=max(total, 1), label="sending", show_pos=True) as bar:
        shown = 0
        while True:
            async with sessions() as session:
                p = await progress(session, occurrence_id)
            bar.update(p.done - shown)
            shown = p.done
            if p.pending == 0:
                break
            await asyncio.sleep(0.5)  # a polling progress display, not synchronisation
    click.echo(f"sent {p.sent}, blocked {p.blocked}, failed {p.failed}, skipped {p.skipped}")


@broadcast.command("status")
@click.argument("occurrence_id", type=int, required=False)
def status_cmd(occurrence_id: int | None) -> None:
    """Progress of one broadcast, or of the latest ones."""
    from broadcasts.occurrences import latest_occurrences, progress

    async def work(sessions: SessionMaker) -> None:
        async with sessions() as session:
            ids = [occurrence_id] if occurrence_id else [o.id for o in await latest_occurrences(session, 10)]
            if not ids:
                click.echo("no broadcasts yet")
            for oid in ids:
                try:
                    p = await progress(session, oid)
                except LookupError:
                    raise click.ClickException(f"no occurrence #{oid}") from None
                click.echo(f"#{p.occurrence_id} schedule #{p.schedule_id} {p.status}: {p.recipients} recipients, "
                           f"{p.sent} sent, {p.blocked} blocked, {p.failed} failed, {p.skipped} skipped, "
                           f"{p.pending} pending")

    run_with_database(work)
