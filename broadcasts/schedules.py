"""Broadcast schedules: what to send, to whom and when; validation, triggers and their fire times.

The use cases the bot's /schedule and /broadcasts and the web console share live here, once: the next
firings, the preview of a schedule not yet saved, times as admins type them (``parse_when``), the
status changes (pause, resume, cancel) and the schedule behind "send now"."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.library import Library
from broadcasts.models import (
    OPEN_SCHEDULE_STATUSES,
    Delivery,
    DeliveryStatus,
    Occurrence,
    OccurrenceStatus,
    Schedule,
    ScheduleStatus,
)
from broadcasts.subscriptions import audience_query
from core.admins import audit
from core.models import utcnow
from core.topics import BY_CODE
from org.models import Organisation

KINDS = ("lesson", "series", "text", "campaign")
TRIGGERS = ("once", "weekly", "cron")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TEXT_MAX_CHARS = 4096
CAPTION_MAX_CHARS = 1024
PHOTO_MAX_BYTES = 10 * 1024 * 1024
# How many next firings a preview lists when the caller does not say.
PREVIEW_FIRINGS = 5
# "Send now" from the wizard is a one-off this far ahead (a time not in the past), sent at once.
SEND_NOW_LEAD = timedelta(seconds=1)
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

    def __init__(self, schedule_id: int, status: ScheduleStatus, action: str) -> None:
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
    campaign_id: int | None = None  # for "campaign": the contest the invitation's buttons open


@dataclass(frozen=True)
class When:
    trigger: str  # one of TRIGGERS
    run_at: datetime | None = None  # aware, for "once"
    weekdays: tuple[str, ...] = ()
    at_time: str | None = None  # "HH:MM" local time, for "weekly"
    cron: str | None = None
    timezone: str | None = None  # default: settings.timezone

    @classmethod
    def right_away(cls, now: datetime, timezone: str) -> When:
        """The timing of "send now": a one-off a moment from ``now`` (see ``create_to_send_now``)."""
        return cls("once", run_at=now + SEND_NOW_LEAD, timezone=timezone)


def parse_weekdays(value: str) -> tuple[str, ...]:
    """``"mon,thu"`` → ("mon", "thu"); also accepts 1-7 (Monday = 1)."""
    days = []
    for part in re.split(r"[,\s，、]+", value.strip().lower()):
        if not part:
            continue
        if part in ("1", "2", "3", "4", "5", "6", "7"):
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


_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab's numbering: 0 (and 7) is Sunday


def crontab_trigger(cron: str, tz: ZoneInfo) -> CronTrigger:
    """A trigger for a standard 5-field crontab line, weekdays as crontab counts them.

    APScheduler 3 counts day_of_week from 0 = Monday, so its ``from_crontab`` would fire
    "0 9 * * 1" on Tuesdays; numeric weekdays are turned into names first.
    """
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(f"wrong number of fields; got {len(fields)}, expected 5")
    minute, hour, day, month, weekdays = fields
    return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                       day_of_week=_crontab_weekdays(weekdays), timezone=tz)


def _crontab_weekdays(field: str) -> str:
    """Crontab weekday field → APScheduler's, by name (numbers, ranges, steps and lists)."""
    if field == "*" or any(c.isalpha() for c in field):
        return field  # names mean the same to both
    days: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            low, high = 0, 6
        elif "-" in base:
            a, b = base.split("-", 1)
            low, high = int(a), int(b)
        else:
            low = high = int(base)
            if step_text:
                high = 6
        if not (0 <= low <= 7 and 0 <= high <= 7 and low <= high and step >= 1):
            raise ValueError(f"invalid weekday {part!r}")
        days.update(d % 7 for d in range(low, high + 1, step))
    return ",".join(_CRON_DAYS[d] for d in sorted(days))


def build_trigger(schedule: Schedule) -> BaseTrigger:
    """The APScheduler trigger for a schedule row."""
    tz = ZoneInfo(schedule.timezone)
    if schedule.trigger == "once":
        return DateTrigger(run_date=schedule.run_at, timezone=tz)
    if schedule.trigger == "weekly":
        hour, minute = (schedule.at_time or "").split(":")
        return CronTrigger(day_of_week=schedule.weekdays, hour=int(hour), minute=int(minute), timezone=tz)
    return crontab_trigger(schedule.cron or "", tz)


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
        times.append(nxt.astimezone(UTC))
        if len(times) > limit:
            times.pop(0)
        cursor = nxt + timedelta(microseconds=1)
    return times


def next_fire_times(schedule: Schedule, now: datetime, count: int) -> list[datetime]:
    """The next ``count`` fire times of a schedule (stored or not) after ``now``, oldest first, in UTC;
    none when it is not active. Times its watermark has already dealt with are not next."""
    if schedule.status != ScheduleStatus.ACTIVE or count <= 0:
        return []
    after = max(now, schedule.last_fire_at) if schedule.last_fire_at is not None else now
    if schedule.trigger == "once":
        run_at = schedule.run_at
        return [run_at] if run_at is not None and run_at > after else []
    trigger = build_trigger(schedule)
    times: list[datetime] = []
    previous = None
    cursor = after + timedelta(microseconds=1)
    while len(times) < count:
        nxt = trigger.get_next_fire_time(previous, cursor)
        if nxt is None:
            break
        times.append(nxt.astimezone(UTC))
        previous, cursor = nxt, nxt + timedelta(microseconds=1)
    return times


def next_fire_time(schedule: Schedule, now: datetime) -> datetime | None:
    """The schedule's next fire time after ``now``, or None (not active, or a one-off already fired)."""
    times = next_fire_times(schedule, now, 1)
    return times[0] if times else None


def build_schedule(
    library: Library, what: What, when: When, *, topics: tuple[str, ...] = (), created_by: int | None = None,
    default_timezone: str = "Asia/Shanghai", now: datetime | None = None, unit_id: int | None = None,
) -> Schedule:
    """Validate ``what``, ``when`` and ``topics`` into a Schedule row that is not in any session
    (``unit_id`` is checked by the callers that have a session: ``check_unit``)."""
    now = now or utcnow()
    check_what(library, what)
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
        campaign_id=what.campaign_id,
        topics=",".join(dict.fromkeys(topics)), trigger=when.trigger, timezone=tz_name, status=ScheduleStatus.ACTIVE,
        created_by=created_by, created_at=now, updated_at=now, unit_id=unit_id,
    )
    if when.trigger == "once":
        if when.run_at is None or when.run_at.tzinfo is None:
            raise ScheduleInvalid("once", "give an aware date and time")
        if when.run_at <= now:
            raise ScheduleInvalid("once", "the time is in the past")
        schedule.run_at = when.run_at.astimezone(UTC)
    elif when.trigger == "weekly":
        schedule.weekdays = ",".join(parse_weekdays(",".join(when.weekdays)))
        schedule.at_time = check_time(when.at_time or "")
    elif when.trigger == "cron":
        try:
            crontab_trigger((when.cron or "").strip(), ZoneInfo(tz_name))
        except ValueError as exc:
            raise ScheduleInvalid("cron", f"invalid cron expression: {exc}") from None
        schedule.cron = (when.cron or "").strip()
    else:
        raise ScheduleInvalid("trigger", f"use one of {', '.join(TRIGGERS)}")
    # Firings before creation are not "missed": the watermark starts now.
    schedule.last_fire_at = now
    return schedule


async def check_unit(session: AsyncSession, unit_id: int | None) -> Organisation | None:
    """The unit a schedule is scoped to (None for the whole tree); ScheduleInvalid for an unknown or retired one."""
    if unit_id is None:
        return None
    unit = await session.get(Organisation, unit_id)
    if unit is None or unit.retired:
        raise ScheduleInvalid("unit", f"no active unit {unit_id}")
    return unit


async def create_schedule(
    session: AsyncSession, library: Library, what: What, when: When, *, topics: tuple[str, ...] = (),
    created_by: int | None = None, default_timezone: str = "Asia/Shanghai", now: datetime | None = None,
    unit_id: int | None = None,
) -> Schedule:
    """Validate and store a schedule (audited when an admin created it)."""
    schedule = build_schedule(library, what, when, topics=topics, created_by=created_by,
                              default_timezone=default_timezone, now=now, unit_id=unit_id)
    await check_unit(session, unit_id)
    return await _store(session, schedule)


async def create_to_send_now(
    session: AsyncSession, library: Library, what: What, *, topics: tuple[str, ...] = (),
    created_by: int | None = None, default_timezone: str = "Asia/Shanghai", now: datetime | None = None,
    unit_id: int | None = None,
) -> Schedule:
    """Store the schedule behind "send now": a one-off, finished from the start because its one firing is
    the send-now that follows (``BroadcastEngine.send_now``); the timer never fires it."""
    now = now or utcnow()
    schedule = build_schedule(library, what, When.right_away(now, default_timezone), topics=topics,
                              created_by=created_by, default_timezone=default_timezone, now=now, unit_id=unit_id)
    await check_unit(session, unit_id)
    schedule.status = ScheduleStatus.FINISHED
    return await _store(session, schedule)


async def _store(session: AsyncSession, schedule: Schedule) -> Schedule:
    session.add(schedule)
    await session.flush()
    if schedule.created_by is not None:
        scope = f" unit:{schedule.unit_id}" if schedule.unit_id is not None else ""
        await audit(session, schedule.created_by, "broadcast.create", f"schedule:{schedule.id}",
                    describe_what(schedule) + scope, unit_id=schedule.unit_id)
    return schedule


@dataclass(frozen=True)
class Preview:
    """A schedule as it would be saved, its next firings, and how many workers a firing would reach now."""

    schedule: Schedule  # transient: never added to a session
    firings: list[datetime]
    audience: int


async def preview_schedule(
    session: AsyncSession, library: Library, what: What, when: When, *, topics: tuple[str, ...] = (),
    default_timezone: str = "Asia/Shanghai", now: datetime | None = None, firings: int = PREVIEW_FIRINGS,
    unit_id: int | None = None,
) -> Preview:
    """Validate as ``create_schedule`` does (raising ScheduleInvalid) and describe the result; writes nothing."""
    now = now or utcnow()
    schedule = build_schedule(library, what, when, topics=topics, default_timezone=default_timezone, now=now,
                              unit_id=unit_id)
    await check_unit(session, unit_id)
    return Preview(schedule, next_fire_times(schedule, now, firings), await audience_size(session, schedule))


def check_what(library: Library, what: What) -> None:
    """Raise ScheduleInvalid when ``what`` cannot be sent (the wizard checks a typed announcement early)."""
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
    elif what.kind == "campaign":
        text = (what.text or "").strip()
        if what.campaign_id is None or not text or len(text) > TEXT_MAX_CHARS:
            raise ScheduleInvalid("campaign", "an invitation needs its campaign and a text")
    else:
        raise ScheduleInvalid("kind", f"use one of {', '.join(KINDS)}")


def describe_what(schedule: Schedule) -> str:
    if schedule.kind == "lesson":
        return f"lesson {schedule.lesson_id}"
    if schedule.kind == "series":
        return f"series {schedule.series}"
    if schedule.kind == "campaign":
        return f"campaign {schedule.campaign_id} invitation"
    return "text" + (" + photo" if schedule.photo else "")


async def get_schedule(session: AsyncSession, schedule_id: int) -> Schedule:
    schedule = await session.get(Schedule, schedule_id)
    if schedule is None:
        raise ScheduleNotFound(schedule_id)
    return schedule


async def list_schedules(session: AsyncSession, include_closed: bool = False) -> list[Schedule]:
    stmt = select(Schedule).order_by(Schedule.id)
    if not include_closed:
        stmt = stmt.where(Schedule.status.in_(OPEN_SCHEDULE_STATUSES))
    return list((await session.execute(stmt)).scalars())


# action → (the statuses it applies to, the status it leads to)
_TRANSITIONS: dict[str, tuple[frozenset[ScheduleStatus], ScheduleStatus]] = {
    "pause": (frozenset({ScheduleStatus.ACTIVE}), ScheduleStatus.PAUSED),
    "resume": (frozenset({ScheduleStatus.PAUSED}), ScheduleStatus.ACTIVE),
    "cancel": (frozenset(OPEN_SCHEDULE_STATUSES), ScheduleStatus.CANCELLED),
}


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
        running = select(Occurrence.id).where(Occurrence.schedule_id == schedule_id,
                                              Occurrence.status == OccurrenceStatus.RUNNING)
        await session.execute(
            update(Delivery).where(Delivery.occurrence_id.in_(running), Delivery.status == DeliveryStatus.PENDING)
            .values(status=DeliveryStatus.SKIPPED, error="cancelled")
        )
    await session.flush()
    if admin_id is not None:
        await audit(session, admin_id, f"broadcast.{action}", f"schedule:{schedule_id}", unit_id=schedule.unit_id)
    return schedule


def check_can_send_now(schedule: Schedule) -> None:
    """Raise ScheduleStateError when the schedule may not be sent outside its timetable (it was cancelled)."""
    if schedule.status == ScheduleStatus.CANCELLED:
        raise ScheduleStateError(schedule.id, schedule.status, "send-now")


async def audience_size(session: AsyncSession, schedule: Schedule) -> int:
    """How many workers a firing of ``schedule`` would reach now (its row need not be stored)."""
    return (await session.execute(select(func.count()).select_from(audience_query(schedule).subquery()))).scalar_one()


# --- times as admins type them ---------------------------------------------------------------------
# "每周一 9点", "周一至周五 上午8点半", "一,四 09:00", "mon,thu 09:00"; "明天 9点", "12月1日 9:00",
# "2026-12-01 09:00". The parsers raise ScheduleInvalid; its (English) detail is for logs and the CLI,
# the bot answers with its own Chinese text.

_FULL_WIDTH = str.maketrans("：，、　０１２３４５６７８９－／～．", ":,, 0123456789-/~.")
_CN_DAYS = {"一": "mon", "二": "tue", "三": "wed", "四": "thu", "五": "fri", "六": "sat", "日": "sun", "天": "sun",
            "七": "sun"}
_CN_SMALL = "一二两三四五六七八九十"
_CN_HOUR = r"二十[一二三]?|十[一二]?|[零一二两三四五六七八九]"
_CN_MINUTE = r"[一二三四五]?十[一二三四五六七八九]?|零?[一二三四五六七八九]"
_TIME_TAIL_RE = re.compile(
    r"(?P<period>凌晨|早上|早晨|上午|中午|下午|傍晚|晚上)?\s*(?:"
    r"(?P<h>\d{1,2})\s*:\s*(?P<m>\d{2})"
    rf"|(?P<h2>\d{{1,2}}|{_CN_HOUR})\s*[点时]\s*(?:(?P<half>半)|(?P<m2>\d{{1,2}}|{_CN_MINUTE})\s*分?|整)?"
    r")\s*$"
)
_DAY_RANGE_RE = re.compile(r"^(\w+?)\s*(?:至|到|-|~)\s*(\w+)$")
_DATE_RE = re.compile(r"^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2}


def _cn_number(text: str) -> int:
    if text.isascii() and text.isdigit():
        return int(text)
    from knowledge.numerals import cn_to_int

    return cn_to_int(text.replace("两", "二"))


def _split_time(text: str, field: str) -> tuple[str, str]:
    """Split "<days or date> <time>" into the head and "HH:MM" (24-hour)."""
    text = text.translate(_FULL_WIDTH).strip().lower()
    match = _TIME_TAIL_RE.search(text)
    if not match:
        raise ScheduleInvalid(field, f"no time of day in {text!r}")
    hour = _cn_number(match["h"] or match["h2"])
    minute = 30 if match["half"] else _cn_number(match["m"] or match["m2"] or "0")
    period = match["period"]
    if (period in ("下午", "傍晚", "晚上") and 1 <= hour < 12) or (period == "中午" and 1 <= hour <= 2):
        hour += 12
    elif period == "凌晨" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ScheduleInvalid(field, f"{hour}:{minute:02d} is not a time of day")
    return text[: match.start()].strip(), f"{hour:02d}:{minute:02d}"


def _weekday_token(token: str) -> list[str]:
    if not token:
        return []
    if token[:3] in WEEKDAYS:
        return [token[:3]]
    if token.isdigit():
        if not all("1" <= ch <= "7" for ch in token):
            raise ScheduleInvalid("weekdays", f"unknown weekday {token!r}")
        return [WEEKDAYS[int(ch) - 1] for ch in token]
    if all(ch in _CN_DAYS for ch in token):
        return [_CN_DAYS[ch] for ch in token]
    raise ScheduleInvalid("weekdays", f"unknown weekday {token!r}")


def _weekday_range(first: str, last: str) -> list[str]:
    [start], [end] = _weekday_token(first), _weekday_token(last)
    i, j = WEEKDAYS.index(start), WEEKDAYS.index(end)
    return list(WEEKDAYS[i:j + 1]) if i <= j else list(WEEKDAYS[i:] + WEEKDAYS[:j + 1])


def parse_weekly_text(text: str) -> tuple[tuple[str, ...], str]:
    """``"每周一、四 9点半"`` → (("mon", "thu"), "09:30"); raise ScheduleInvalid when not understood."""
    head, at = _split_time(text, "weekly")
    head = re.sub(r"^(每个|每|逢)", "", head.strip())
    if head in ("天", "日", "天天") or text.strip().startswith(("每天", "每日")):
        return tuple(WEEKDAYS), at
    if head in ("工作日", "个工作日"):
        return WEEKDAYS[:5], at
    if head == "周末":
        return WEEKDAYS[5:], at
    head = re.sub(r"\s*(至|到|-|~)\s*", r"\1", re.sub(r"星期|礼拜|周", " ", head))
    days: list[str] = []
    for token in re.split(r"[,\s和及与/]+", head.strip()):
        ranged = _DAY_RANGE_RE.match(token)
        days += _weekday_range(ranged[1], ranged[2]) if ranged else _weekday_token(token)
    if not days:
        raise ScheduleInvalid("weekdays", "give at least one weekday")
    return tuple(sorted(set(days), key=WEEKDAYS.index)), at


def parse_once_text(text: str, now_local: datetime) -> datetime:
    """``"明天 9点"``, ``"12月1日 9:00"``, ``"2026-12-01 09:00"`` → naive local datetime after ``now_local``
    where the text leaves the year or the day open; raise ScheduleInvalid when not understood."""
    text = re.sub(r"(?<=\d)t(?=\d)", " ", text.translate(_FULL_WIDTH).strip().lower())
    head, at = _split_time(text, "once")
    hour, minute = (int(part) for part in at.split(":"))
    now_local = now_local.replace(tzinfo=None)
    today = now_local.date()

    def at_day(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute)  # noqa: DTZ001 - local; parse_when adds the zone

    head = head.strip()
    if not head:
        candidate = at_day(today)
        return candidate if candidate > now_local else at_day(today + timedelta(days=1))
    if head in _RELATIVE_DAYS:
        return at_day(today + timedelta(days=_RELATIVE_DAYS[head]))
    weekday = re.fullmatch(r"(下|这|本)?(?:个)?(?:星期|礼拜|周)([一二三四五六日天七])", head)
    if weekday:
        target = WEEKDAYS.index(_CN_DAYS[weekday[2]])
        if weekday[1] == "下":
            monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
            return at_day(monday + timedelta(days=target))
        ahead = (target - today.weekday()) % 7
        candidate = at_day(today + timedelta(days=ahead))
        return candidate if candidate > now_local else at_day(today + timedelta(days=ahead + 7))
    dated = _DATE_RE.match(head)
    if dated:
        year = int(dated[1]) if dated[1] else today.year
        try:
            candidate = datetime(year, int(dated[2]), int(dated[3]), hour, minute)  # noqa: DTZ001 - as above
            if not dated[1] and candidate <= now_local:
                candidate = candidate.replace(year=year + 1)
        except ValueError:
            raise ScheduleInvalid("once", f"no such date {head!r}") from None
        return candidate
    raise ScheduleInvalid("once", f"no date in {head!r}")


def parse_when(trigger: str, text: str, tz_name: str, now: datetime) -> When:
    """Parse an admin's typed time for ``trigger`` (once, weekly or cron) in ``tz_name``; raise ScheduleInvalid
    when it is not understood. A one-off may still be in the past: ``create_schedule`` refuses it."""
    if trigger == "once":
        tz = ZoneInfo(tz_name)
        local = parse_once_text(text, now.astimezone(tz))
        return When("once", run_at=local.replace(tzinfo=tz), timezone=tz_name)
    if trigger == "weekly":
        days, at = parse_weekly_text(text)
        return When("weekly", weekdays=days, at_time=at, timezone=tz_name)
    if trigger != "cron":
        raise ScheduleInvalid("trigger", f"use one of {', '.join(TRIGGERS)}")
    cron = " ".join(text.split())
    try:
        crontab_trigger(cron, ZoneInfo(tz_name))
    except (ValueError, TypeError, KeyError):
        raise ScheduleInvalid("cron", "not a 5-field cron expression") from None
    return When("cron", cron=cron, timezone=tz_name)
