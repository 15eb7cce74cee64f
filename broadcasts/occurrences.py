"""Firing schedules: one occurrence per (schedule, fire time), its recipients queued in the database.

Missed firings (the process was down) are sent once on recovery if still within the grace period,
otherwise recorded as skipped. Everything here is idempotent: firing the same time twice, from one
process or several, creates one occurrence.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.models import (
    OPEN_DELIVERY_STATUSES,
    Delivery,
    DeliveryStatus,
    Occurrence,
    OccurrenceStatus,
    Schedule,
    ScheduleStatus,
    StatusType,
)
from broadcasts.schedules import MISSED_FIRINGS_RECORDED_MAX, check_can_send_now, fire_times, get_schedule
from broadcasts.subscriptions import audience_query
from core.db import SessionMaker, rows_matched
from core.models import utcnow


@dataclass(frozen=True, slots=True)
class Progress:
    occurrence_id: int
    schedule_id: int
    status: OccurrenceStatus
    recipients: int
    pending: int
    sent: int
    blocked: int
    failed: int
    skipped: int
    messages: int

    @property
    def done(self) -> int:
        return self.sent + self.blocked + self.failed + self.skipped


@dataclass(frozen=True, slots=True)
class Report:
    """What the creating admin is told when a broadcast ends."""

    occurrence_id: int
    schedule_id: int
    created_by: int | None
    recipients: int
    sent: int
    blocked: int
    failed: int
    skipped: int
    messages: int
    duration_s: float
    enqueue_ms: int

    @property
    def rate_per_s(self) -> float:
        return self.messages / self.duration_s if self.duration_s > 0 else float(self.messages)


async def enqueue(session: AsyncSession, schedule: Schedule, fire_at: datetime, now: datetime) -> Occurrence:
    """Create the occurrence and write its recipients with one INSERT … SELECT (memory stays flat)."""
    started = time.perf_counter()
    occurrence = Occurrence(schedule_id=schedule.id, fire_at=fire_at, status=OccurrenceStatus.RUNNING, created_at=now,
                            started_at=utcnow())
    session.add(occurrence)
    await session.flush()  # the UNIQUE (schedule, fire time) key makes a second firing fail here
    recipients = audience_query(schedule).subquery()
    queued = await session.execute(
        insert(Delivery).from_select(
            ["occurrence_id", "chat_id", "status", "step", "attempts"],
            select(literal(occurrence.id), recipients.c.chat_id,
                   literal(DeliveryStatus.PENDING, StatusType(DeliveryStatus)), literal(0), literal(0)),
        )
    )
    occurrence.recipients = rows_matched(queued)  # no second scan of 100,000 rows to count them
    occurrence.enqueue_ms = int((time.perf_counter() - started) * 1000)
    await session.flush()
    return occurrence


async def fire_due(sessions: SessionMaker, schedule_id: int, now: datetime, grace_s: int,
                   dialect: str = "sqlite") -> list[int]:
    """Deal with every fire time of the schedule up to ``now``; return the ids of occurrences to send.

    Only the newest missed firing inside the grace period is sent; older ones are recorded as skipped.
    """
    try:
        async with sessions() as session, session.begin():
            stmt = select(Schedule).where(Schedule.id == schedule_id)
            if dialect == "postgresql":
                stmt = stmt.with_for_update()  # serialise firing across processes
            schedule = (await session.execute(stmt)).scalar_one_or_none()
            if schedule is None or schedule.status != ScheduleStatus.ACTIVE:
                return []
            watermark = schedule.last_fire_at or schedule.created_at
            times = fire_times(schedule, watermark, now, MISSED_FIRINGS_RECORDED_MAX)
            if not times:
                return []
            created = []
            grace = timedelta(seconds=grace_s)
            for fire_at in times[:-1]:
                session.add(Occurrence(schedule_id=schedule.id, fire_at=fire_at, status=OccurrenceStatus.SKIPPED,
                                       reason="superseded", created_at=now))
            last = times[-1]
            if now - last <= grace:
                created.append((await enqueue(session, schedule, last, now)).id)
            else:
                session.add(Occurrence(schedule_id=schedule.id, fire_at=last, status=OccurrenceStatus.SKIPPED,
                                       reason="missed", created_at=now))
            schedule.last_fire_at = last
            if schedule.trigger == "once":
                schedule.status = ScheduleStatus.FINISHED
            await session.flush()
            return created
    except IntegrityError:
        return []  # another process fired this time first


async def send_now(sessions: SessionMaker, schedule_id: int, now: datetime, admin_id: int | None = None) -> int:
    """Fire a schedule immediately, outside its timetable; return the occurrence id."""
    from core.admins import audit

    async with sessions() as session, session.begin():
        schedule = await get_schedule(session, schedule_id)
        check_can_send_now(schedule)
        occurrence = await enqueue(session, schedule, now, now)
        if admin_id is not None:
            await audit(session, admin_id, "broadcast.send_now", f"schedule:{schedule_id}",
                        f"occurrence:{occurrence.id}", unit_id=schedule.unit_id)
        return occurrence.id


async def schedule_ids_due(sessions: SessionMaker) -> list[int]:
    async with sessions() as session:
        rows = await session.execute(
            select(Schedule.id).where(Schedule.status == ScheduleStatus.ACTIVE).order_by(Schedule.id))
        return list(rows.scalars())


async def progress(session: AsyncSession, occurrence_id: int) -> Progress:
    occurrence = await session.get(Occurrence, occurrence_id)
    if occurrence is None:
        raise LookupError(occurrence_id)
    if occurrence.compacted_at is not None:  # its delivery rows are gone; the counts were kept
        return Progress(
            occurrence_id, occurrence.schedule_id, occurrence.status, occurrence.recipients, 0, occurrence.sent,
            occurrence.blocked, occurrence.failed, occurrence.skipped, occurrence.messages,
        )
    rows = await session.execute(
        select(Delivery.status, func.count(), func.coalesce(func.sum(Delivery.step), 0))
        .where(Delivery.occurrence_id == occurrence_id).group_by(Delivery.status)
    )
    counts: dict[DeliveryStatus, int] = {}
    messages = 0
    for status, count, steps in rows.all():
        counts[status] = int(count)
        messages += int(steps)
    return Progress(
        occurrence_id, occurrence.schedule_id, occurrence.status, occurrence.recipients,
        sum(counts.get(s, 0) for s in OPEN_DELIVERY_STATUSES), counts.get(DeliveryStatus.SENT, 0),
        counts.get(DeliveryStatus.BLOCKED, 0), counts.get(DeliveryStatus.FAILED, 0),
        counts.get(DeliveryStatus.SKIPPED, 0), messages,
    )


async def latest_occurrences(session: AsyncSession, limit: int = 20) -> list[Occurrence]:
    stmt = select(Occurrence).order_by(Occurrence.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def finish_completed(sessions: SessionMaker) -> list[Report]:
    """Close running occurrences with no deliveries left to send; return a report for each one closed here."""
    reports = []
    async with sessions() as session:
        running = list((await session.execute(
            select(Occurrence.id).where(Occurrence.status == OccurrenceStatus.RUNNING))).scalars())
    for occurrence_id in running:
        async with sessions() as session, session.begin():
            open_left = (await session.execute(select(func.count()).select_from(Delivery).where(
                Delivery.occurrence_id == occurrence_id, Delivery.status.in_(OPEN_DELIVERY_STATUSES)))).scalar_one()
            if open_left:
                continue
            p = await progress(session, occurrence_id)
            now = utcnow()
            closed = await session.execute(
                update(Occurrence).where(Occurrence.id == occurrence_id, Occurrence.status == OccurrenceStatus.RUNNING)
                .values(status=OccurrenceStatus.DONE, finished_at=now, sent=p.sent, blocked=p.blocked, failed=p.failed,
                        skipped=p.skipped, messages=p.messages, reported=True)
            )
            if rows_matched(closed) != 1:
                continue  # another process closed it and reports it
            occurrence = await session.get_one(Occurrence, occurrence_id)
            schedule = await session.get(Schedule, occurrence.schedule_id)
            started = occurrence.started_at or occurrence.created_at
            reports.append(Report(
                occurrence_id, occurrence.schedule_id, schedule.created_by if schedule else None, p.recipients,
                p.sent, p.blocked, p.failed, p.skipped, p.messages, (now - started).total_seconds(),
                occurrence.enqueue_ms,
            ))
    return reports


async def compact_finished(sessions: SessionMaker, now: datetime, retention_days: int) -> int:
    """Keep only the counts of broadcasts finished more than ``retention_days`` ago: store them on the
    occurrence and delete its delivery rows (100,000 per broadcast would otherwise pile up for ever).
    Return how many occurrences were compacted; one transaction each, so a crash leaves none half done."""
    cutoff = now - timedelta(days=retention_days)
    async with sessions() as session:
        due = list((await session.execute(
            select(Occurrence.id).where(Occurrence.status == OccurrenceStatus.DONE, Occurrence.finished_at < cutoff,
                                        Occurrence.compacted_at.is_(None)).order_by(Occurrence.id))).scalars())
    compacted = 0
    for occurrence_id in due:
        async with sessions() as session, session.begin():
            p = await progress(session, occurrence_id)  # from the rows: exact even for rows finished long ago
            done = await session.execute(
                update(Occurrence).where(Occurrence.id == occurrence_id, Occurrence.compacted_at.is_(None))
                .values(sent=p.sent, blocked=p.blocked, failed=p.failed, skipped=p.skipped, messages=p.messages,
                        compacted_at=now))
            if rows_matched(done) != 1:
                continue  # another process compacted it meanwhile
            await session.execute(delete(Delivery).where(Delivery.occurrence_id == occurrence_id))
            compacted += 1
    return compacted


def claimable(now: datetime) -> ColumnElement[bool]:
    """Deliveries a sender may take: pending and due, or claimed under a lease that has run out."""
    return or_(
        and_(Delivery.status == DeliveryStatus.PENDING, or_(Delivery.not_before.is_(None), Delivery.not_before <= now)),
        and_(Delivery.status == DeliveryStatus.CLAIMED, Delivery.lease_until < now),
    )
