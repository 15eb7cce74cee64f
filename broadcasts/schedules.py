"""Broadcast schedules: what to send, to whom and when; validation, triggers and their fire times."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.library import Library
from broadcasts.models import Delivery, Occurrence, Schedule
from core.admins import audit
from core.models import utcnow
from core.topics import BY_CODE

KINDS = ("lesson", "series", "text")
TRIGGERS = ("once", "weekly", "cron")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TEXT_MAX_CHARS = 4096
CAPTION_MAX_CHARS = 1024
PHOTO_MAX_BYTES = 10 * 1024 * 1024
# A schedule firing more often than this would flood workers; also bounds catch-up work after downtime.
MISSED_FIRINGS_RECORDED_MAX = 100
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ScheduleInvalid(ValueError):
    """The schedule cannot be created; ``field`` names the offending input, ``detail`` says why (English)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail


class ScheduleNotFound(LookupError):
    pass


class ScheduleStateError(ValueError):
    """The requested change does not apply to the schedule's current status."""

    def __init__(self, schedule_id: int, status: str, action: str) -> None:
        super().__init__(f"schedule {schedule_id} is {status}; cannot {action}")
        self.status = status
        self.action = action


@dataclass(frozen=True)
class What:
    kind: str  # one of KINDS
    lesson_id: str | None = None
    series: str | None = None
    text: str | None = None
    photo: bytes | None = None


@dataclass(frozen=True)
class When:
    trigger: str  # one of TRIGGERS
    run_at: datetime | None = None  # aware, for "once"
    weekdays: tuple[str, ...] = ()
    at_time: str | None = None  # "HH:MM" local time, for "weekly"
    cron: str | None = None
    timezone: str | None = None  # default: settings.timezone


def parse_weekdays(value: str) -> tuple[str, ...]:
    """``"mon,thu"`` → ("mon", "thu"); also accepts 1-7 (Monday = 1)."""
    days = []
    for part in re.split(r"[,\s，、]+", value.strip().lower()):
        if not part:
            continue
        if part.isdigit() and 1 <= int(part) <= 7:
            part = WEEKDAYS[int(part) - 1]
        part = part[:3]
        if part not in WEEKDAYS:
            raise ScheduleInvalid("weekdays", f"unknown weekday {part!r}; use {','.join(WEEKDAYS)}")
        if part not in days:
            days.append(part)
    if not days:
        raise ScheduleInvalid("weekdays", "give at least one weekday")
    return tuple(sorted(days, key=WEEKDAYS.index))


def check_time(value: str) -> str:
    match = _TIME_RE.match(value.strip())
    if not match:
        raise ScheduleInvalid("at", f"{value!r} is not a time like 09:00")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def build_trigger(schedule: Schedule) -> BaseTrigger:
    """The APScheduler trigger for a schedule row."""
    tz = ZoneInfo(schedule.timezone)
    if schedule.trigger == "once":
        return DateTrigger(run_date=schedule.run_at, timezone=tz)
    if schedule.trigger == "weekly":
        hour, minute = schedule.at_time.split(":")
        return CronTrigger(day_of_week=schedule.weekdays, hour=int(hour), minute=int(minute), timezone=tz)
    return CronTrigger.from_crontab(schedule.cron, timezone=tz)


def fire_times(schedule: Schedule, after: datetime, until: datetime, limit: int) -> list[datetime]:
    """Scheduled fire times t with after < t <= until, oldest first, at most the newest ``limit``."""
    trigger = build_trigger(schedule)
    if schedule.trigger == "once":
        run_at = schedule.run_at
        return [run_at] if run_at is not None and after < run_at <= until else []
    times: list[datetime] = []
    cursor = after + timedelta(microseconds=1)
    while True:
        nxt = trigger.get_next_fire_time(None, cursor)
        if nxt is None or nxt > until:
            break
        times.append(nxt.astimezone(timezone.utc))
        if len(times) > limit:
            times.pop(0)
        cursor = nxt + timedelta(microseconds=1)
    return times


def next_fire_time(schedule: Schedule, now: datetime) -> datetime | None:
    if schedule.status != "active":
        return None
    if schedule.trigger == "once":
        run_at = schedule.run_at
        return run_at if run_at and (schedule.last_fire_at is None or schedule.last_fire_at < run_at) else None
    nxt = build_trigger(schedule).get_next_fire_time(None, now)
    return nxt.astimezone(timezone.utc) if nxt else None


async def create_schedule(
    session: AsyncSession, library: Library, what: What, when: When, *, topics: tuple[str, ...] = (),
    created_by: int | None = None, default_timezone: str = "Asia/Shanghai", now: datetime | None = None,
) -> Schedule:
    """Validate and store a schedule (audited when an admin created it)."""
    now = now or utcnow()
    _check_what(library, what)
    for code in topics:
        if code not in BY_CODE:
            raise ScheduleInvalid("topics", f"unknown topic {code!r}")
    tz_name = when.timezone or default_timezone
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleInvalid("timezone", f"unknown time zone {tz_name!r}") from None
    schedule = Schedule(
        kind=what.kind, lesson_id=what.lesson_id, series=what.series, text=what.text, photo=what.photo,
        topics=",".join(dict.fromkeys(topics)), trigger=when.trigger, timezone=tz_name, status="active",
        created_by=created_by, created_at=now, updated_at=now,
    )
    if when.trigger == "once":
        if when.run_at is None or when.run_at.tzinfo is None:
            raise ScheduleInvalid("once", "give an aware date and time")
        if when.run_at <= now:
            raise ScheduleInvalid("once", "the time is in the past")
        schedule.run_at = when.run_at.astimezone(timezone.utc)
    elif when.trigger == "weekly":
        schedule.weekdays = ",".join(parse_weekdays(",".join(when.weekdays)))
        schedule.at_time = check_time(when.at_time or "")
    elif when.trigger == "cron":
        try:
            CronTrigger.from_crontab((when.cron or "").strip(), timezone=ZoneInfo(tz_name))
        except ValueError as exc:
            raise ScheduleInvalid("cron", f"invalid cron expression: {exc}") from None
        schedule.cron = (when.cron or "").strip()
    else:
        raise ScheduleInvalid("trigger", f"use one of {', '.join(TRIGGERS)}")
    # Firings before creation are not "missed": the watermark starts now.
    schedule.last_fire_at = now
    session.add(schedule)
    await session.flush()
    if created_by is not None:
        await audit(session, created_by, "broadcast.create", f"schedule:{schedule.id}", describe_what(schedule))
    return schedule


def _check_what(library: Library, what: What) -> None:
    if what.kind == "lesson":
        if not what.lesson_id or what.lesson_id not in library:
            raise ScheduleInvalid("lesson", f"no lesson {what.lesson_id!r}")
    elif what.kind == "series":
        if not what.series or not library.series(what.series):
            raise ScheduleInvalid("series", f"no series {what.series!r}; have {', '.join(library.series_names())}")
    elif what.kind == "text":
        text = (what.text or "").strip()
        limit = CAPTION_MAX_CHARS if what.photo else TEXT_MAX_CHARS
        if not text and not what.photo:
            raise ScheduleInvalid("text", "the announcement is empty")
        if len(text) > limit:
            raise ScheduleInvalid("text", f"at most {limit} characters ({len(text)} given)")
        if what.photo is not None and len(what.photo) > PHOTO_MAX_BYTES:
            raise ScheduleInvalid("photo", "the photo is larger than 10 MB")
    else:
        raise ScheduleInvalid("kind", f"use one of {', '.join(KINDS)}")


def describe_what(schedule: Schedule) -> str:
    if schedule.kind == "lesson":
        return f"lesson {schedule.lesson_id}"
    if schedule.kind == "series":
        return f"series {schedule.series}"
    return "text" + (" + photo" if schedule.photo else "")


async def get_schedule(session: AsyncSession, schedule_id: int) -> Schedule:
    schedule = await session.get(Schedule, schedule_id)
    if schedule is None:
        raise ScheduleNotFound(schedule_id)
    return schedule


async def list_schedules(session: AsyncSession, include_closed: bool = False) -> list[Schedule]:
    stmt = select(Schedule).order_by(Schedule.id)
    if not include_closed:
        stmt = stmt.where(Schedule.status.in_(("active", "paused")))
    return list((await session.execute(stmt)).scalars())


_TRANSITIONS = {"pause": ({"active"}, "paused"), "resume": ({"paused"}, "active"), "cancel": ({"active", "paused"}, "cancelled")}


async def change_status(session: AsyncSession, schedule_id: int, action: str, admin_id: int | None = None,
                        now: datetime | None = None) -> Schedule:
    """Pause, resume or cancel. Resuming does not catch up firings missed while paused;
    cancelling also drops the deliveries still waiting in a running broadcast."""
    now = now or utcnow()
    schedule = await get_schedule(session, schedule_id)
    allowed, target = _TRANSITIONS[action]
    if schedule.status not in allowed:
        raise ScheduleStateError(schedule_id, schedule.status, action)
    schedule.status = target
    schedule.updated_at = now
    if action == "resume":
        schedule.last_fire_at = max(now, schedule.last_fire_at or now)
    if action == "cancel":
        running = select(Occurrence.id).where(Occurrence.schedule_id == schedule_id, Occurrence.status == "running")
        await session.execute(
            update(Delivery).where(Delivery.occurrence_id.in_(running), Delivery.status == "pending")
            .values(status="skipped", error="cancelled")
        )
    await session.flush()
    if admin_id is not None:
        await audit(session, admin_id, f"broadcast.{action}", f"schedule:{schedule_id}")
    return schedule
