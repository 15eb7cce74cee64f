"""学时: credit learning minutes once per (worker, source, thing), and sum them per worker and per unit.

``credit`` is what every edge calls: the bot when 读完了 is pressed or a lesson's quiz answered, and
campaigns (``credit_attempt``) when an attempt finishes. The unique key of ``study_credits`` makes a
second press, a retried update or two devices at once count once. Crossing a milestone issues its
certificate in the same transaction.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.quiz import anonymous_name
from core.db import upsert
from core.models import User, utcnow
from org.models import Membership, Organisation
from org.service import subtree_ids
from study import messages as msg
from study.certificates import issue_certificate
from study.models import REF_MAX, TITLE_MAX, Certificate, StudyCredit, StudySource

# Minutes for answering a lesson's quiz (reading the lesson earns the lesson's own ``minutes``).
QUIZ_MINUTES = 1
MINUTES_MAX = 600  # one credit: a whole day's training at most
# Totals that earn a certificate (minutes), each once.
MILESTONES_MIN = (60, 180, 600)
RECENT_ITEMS = 5


class StudyError(ValueError):
    """A credit that makes no sense (no minutes, an over-long reference)."""


@dataclass(frozen=True, slots=True)
class Credited:
    minutes: int  # credited now: 0 when this thing was credited before
    total: int  # the worker's total afterwards
    certificate: Certificate | None = None  # a milestone reached by this credit

    @property
    def new(self) -> bool:
        return self.minutes > 0


@dataclass(frozen=True, slots=True)
class MonthTotal:
    month: str  # 2026-12, in the deployment's time zone
    minutes: int


@dataclass(frozen=True, slots=True)
class MyStudy:
    total: int
    months: list[MonthTotal]
    recent: list[StudyCredit]
    certificates: list[Certificate]
    next_milestone: int | None


@dataclass(frozen=True, slots=True)
class WorkerHours:
    """One worker's minutes in a period, under the name they chose to show (never an id)."""

    name: str
    unit_name: str
    minutes: int
    items: int
    last_at: datetime


@dataclass(frozen=True, slots=True)
class UnitHours:
    unit_id: int
    name: str
    level: str
    depth: int
    members: int
    learners: int  # members with any minutes in the period
    minutes: int  # the unit's own members
    rollup_minutes: int  # with every unit below it


@dataclass(frozen=True, slots=True)
class HoursReport:
    start: datetime
    end: datetime
    scope: str  # the unit's name, or 全部单位
    workers: list[WorkerHours] = field(default_factory=list)
    units: list[UnitHours] = field(default_factory=list)

    @property
    def total_minutes(self) -> int:
        return sum(w.minutes for w in self.workers)


async def credit(
    session: AsyncSession, chat_id: int, source: StudySource, ref: str, minutes: int, *,
    title: str = "", now: datetime | None = None, offered: bool = True,
) -> Credited:
    """Credit ``minutes`` to a recorded worker for ``ref`` once; a second credit of the same thing adds nothing.
    ``offered``: the caller offers a milestone's certificate itself (the bot after 读完了 or a lesson's quiz);
    otherwise the campaign watch's sweep tells the worker (``certificates.notify_issued``)."""
    source = StudySource(source)
    if not 0 < minutes <= MINUTES_MAX:
        raise StudyError(f"minutes must be 1-{MINUTES_MAX}, not {minutes}")
    if not 0 < len(ref) <= REF_MAX:
        raise StudyError(f"ref must have 1-{REF_MAX} characters")
    # One statement whatever happened before: a second credit of the same thing (another device, a retried
    # update, at the same moment or later) inserts nothing, by the unique key, and a worker never recorded gets
    # nothing either — without a savepoint to undo.
    values = {"chat_id": chat_id, "source": source, "ref": ref, "title": title[:TITLE_MAX], "minutes": minutes,
              "credited_at": now or utcnow()}
    columns = StudyCredit.__table__.c
    row = select(*(literal(value, columns[name].type) for name, value in values.items())).where(
        select(User.chat_id).where(User.chat_id == chat_id).exists())
    insert_ = upsert(session.get_bind().dialect.name)
    added = await session.scalar(
        insert_(StudyCredit).from_select(list(values), row)
        .on_conflict_do_nothing(index_elements=["chat_id", "source", "ref"]).returning(StudyCredit.id))
    # Counted after the insert rather than added up: a credit committed meanwhile by another device counts too,
    # so two credits at once cannot both stop short of a milestone that their sum reaches.
    total = await total_minutes(session, chat_id)
    if added is None:
        return Credited(0, total)
    return Credited(minutes, total, await _milestone_certificate(session, chat_id, total, now, offered))


async def _milestone_certificate(session: AsyncSession, chat_id: int, total: int,
                                 now: datetime | None, offered: bool) -> Certificate | None:
    """The certificate of the highest milestone ``total`` reaches, if it has not been issued yet."""
    reached = [m for m in MILESTONES_MIN if m <= total]
    if not reached:
        return None
    reason = f"study:{reached[-1]}"
    issued = await session.scalar(select(Certificate.id).where(Certificate.chat_id == chat_id,
                                                               Certificate.reason_ref == reason))
    if issued is not None:
        return None
    return await issue_certificate(session, await display_name(session, chat_id), None,
                                   msg.MILESTONE_TITLE.format(minutes=reached[-1]), reason, chat_id=chat_id, now=now,
                                   told=offered)


async def credit_attempt(
    session: AsyncSession, chat_id: int, attempt_ref: str, minutes: int, *, title: str = "",
    now: datetime | None = None,
) -> Credited:
    """For campaigns: a finished attempt's minutes, once per attempt (``attempt_ref``: e.g. the attempt's id).
    A milestone it reaches is announced by the campaign watch (the attempt's result does not offer it)."""
    return await credit(session, chat_id, StudySource.ATTEMPT, attempt_ref, minutes, title=title, now=now,
                        offered=False)


async def total_minutes(session: AsyncSession, chat_id: int) -> int:
    return int(await session.scalar(
        select(func.coalesce(func.sum(StudyCredit.minutes), 0)).where(StudyCredit.chat_id == chat_id)) or 0)


async def display_name(session: AsyncSession, chat_id: int) -> str:
    """The name the worker chose to show (/rank), else their stable pseudonym: never an id or a username."""
    name = await session.scalar(select(User.display_name).where(User.chat_id == chat_id))
    return name or anonymous_name(chat_id)


async def my_study(session: AsyncSession, chat_id: int, tz: tzinfo) -> MyStudy:
    """A worker's total, by month (newest first), their last items and their certificates."""
    from study.certificates import certificates_of

    rows = list((await session.scalars(
        select(StudyCredit).where(StudyCredit.chat_id == chat_id)
        .order_by(StudyCredit.credited_at.desc(), StudyCredit.id.desc()))).all())
    by_month: dict[str, int] = defaultdict(int)
    for row in rows:
        by_month[row.credited_at.astimezone(tz).strftime("%Y-%m")] += row.minutes
    total = sum(row.minutes for row in rows)
    return MyStudy(
        total=total,
        months=[MonthTotal(month, minutes) for month, minutes in sorted(by_month.items(), reverse=True)],
        recent=rows[:RECENT_ITEMS],
        certificates=await certificates_of(session, chat_id),
        next_milestone=next((m for m in MILESTONES_MIN if m > total), None),
    )


async def hours_report(
    session: AsyncSession, start: datetime, end: datetime, unit_id: int | None = None,
) -> HoursReport:
    """Minutes credited in [start, end) by worker and by unit, within ``unit_id``'s subtree (None: everyone)."""
    units = {u.id: u for u in (await session.scalars(select(Organisation))).all()}
    scope_ids = await subtree_ids(session, unit_id) if unit_id is not None else set(units)
    members = {chat: unit for chat, unit in (await session.execute(select(Membership.chat_id, Membership.unit_id)))}
    query = (
        select(StudyCredit.chat_id, func.sum(StudyCredit.minutes), func.count(), func.max(StudyCredit.credited_at),
               User.display_name)
        .join(User, User.chat_id == StudyCredit.chat_id)
        .where(StudyCredit.credited_at >= start, StudyCredit.credited_at < end)
        .group_by(StudyCredit.chat_id, User.display_name)
    )
    workers = []
    minutes_by_unit: dict[int, int] = defaultdict(int)
    learners_by_unit: dict[int, int] = defaultdict(int)
    for chat_id, minutes, items, last_at, name in (await session.execute(query)).all():
        unit = members.get(chat_id)
        if unit_id is not None and unit not in scope_ids:
            continue
        if unit is not None:
            minutes_by_unit[unit] += int(minutes)
            learners_by_unit[unit] += 1
        workers.append(WorkerHours(name or anonymous_name(chat_id), units[unit].name if unit in units else msg.NO_UNIT,
                                   int(minutes), int(items), last_at))
    workers.sort(key=lambda w: (-w.minutes, w.name))
    member_counts: dict[int, int] = defaultdict(int)
    for unit in members.values():
        member_counts[unit] += 1
    return HoursReport(start, end, units[unit_id].name if unit_id in units else msg.EXPORT_ALL_UNITS, workers,
                       _unit_rows(units, scope_ids, unit_id, member_counts, minutes_by_unit, learners_by_unit))


def _unit_rows(units: dict[int, Organisation], scope_ids: set[int], root: int | None, members: dict[int, int],
               minutes: dict[int, int], learners: dict[int, int]) -> list[UnitHours]:
    """Depth-first from the scope's root(s), each unit with its own minutes and its subtree's."""
    children: dict[int | None, list[Organisation]] = defaultdict(list)
    for unit in units.values():
        if unit.id in scope_ids:
            parent = unit.parent_id if unit.parent_id in scope_ids and unit.id != root else None
            children[parent].append(unit)
    rows: list[UnitHours] = []

    def walk(unit: Organisation, depth: int) -> int:
        index = len(rows)
        rows.append(UnitHours(unit.id, unit.name, unit.level, depth, members.get(unit.id, 0),
                              learners.get(unit.id, 0), minutes.get(unit.id, 0), 0))
        rollup = minutes.get(unit.id, 0)
        for child in sorted(children.get(unit.id, []), key=lambda u: u.id):
            rollup += walk(child, depth + 1)
        row = rows[index]
        rows[index] = UnitHours(row.unit_id, row.name, row.level, row.depth, row.members, row.learners,
                                row.minutes, rollup)
        return rollup

    for top in sorted(children.get(None, []), key=lambda u: u.id):
        walk(top, 0)
    return rows
