"""Rollups for superiors (issue 12, point 6): a subtree's figures and those of each unit below it.

Every figure is an SQL aggregate grouped by the unit a worker joined (``GROUP BY unit_id``); the
per-unit rows — a few thousand at most, one per unit, never one per worker — are then added up into
the child units of the unit looked at. The per-unit counts are sums of the units' tallies
(``org.tallies``: kept per unit and UTC hour as the rows they count change), so a city's rollup reads
tally rows, not its 100,000 workers; a period that does not start and end on whole UTC hours (a time
zone half an hour off) is counted from the raw tables instead, to the same figures. A worker counts
where they are now: membership keeps no history (the unit is the only organisational fact about a
worker), so a worker who moved brings their lessons and answers along; questions are counted at the
unit the asker was in when asking.

What the database records, and so what the figures mean:
- 加入职工: workers in ``org_members``; 订阅者: those of them subscribed and not blocked.
- 参与: a worker who received a lesson (``lesson_progress.delivered_at``: asked for with /next or
  pushed — Telegram does not report reading) or answered a quiz (``quiz_answers.answered_at``) in
  the period; 参与率 = 参与 / 加入职工.
- 答题正确率: correct quiz answers / quiz answers in the period.
- 提问: questions the unit's workers asked in the period (``org_question_counts``: counts per unit and
  day only, never who asked).
- 举报 (received / closed / overdue): only once tips carry the unit they were sent to (``Tip.unit_id``);
  until then ``tip_counts`` returns None and the columns are left out.
"""
from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select, union, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from broadcasts.models import LessonProgress, QuizAnswer
from core import db
from core.db import SessionMaker
from core.models import User
from org import tallies
from org.models import (
    ActivityTally,
    AnswerTally,
    LastActiveTally,
    Membership,
    Organisation,
    UnitQuestionCount,
    UnitTally,
)
from tips.models import FINAL_STATUSES, OPEN_STATUSES, Tip, TipStatus

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 3660
# Up to this many workers (and units) in a subtree, SQLite looks activity up worker by worker (index probes);
# above it, and always on PostgreSQL, the period's activity is read once into a set the members are looked up in.
PROBE_WORKERS_MAX = 20_000
PROBE_UNITS_MAX = 500
CACHE_TTL_S = 60.0
CACHE_ENTRIES = 64


@dataclass(frozen=True)
class Period:
    """Local calendar days ``first`` … ``last`` (both included) in ``tz``."""

    first: date
    last: date
    tz: ZoneInfo

    @classmethod
    def last_days(cls, days: int, now: datetime, tz: ZoneInfo) -> Period:
        today = now.astimezone(tz).date()
        return cls(today - timedelta(days=days - 1), today, tz)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first, time(0), self.tz).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.last + timedelta(days=1), time(0), self.tz).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass
class Figures:
    """The figures of one unit, or of several added up."""

    joined: int = 0
    subscribers: int = 0
    participants: int = 0
    answers: int = 0
    correct: int = 0
    questions: int = 0
    # None while tips carry no unit (see ``tip_counts``).
    tips_received: int | None = None
    tips_closed: int | None = None
    tips_overdue: int | None = None

    @property
    def participation(self) -> float | None:
        """参与率, 0…1; None for a unit nobody joined."""
        return self.participants / self.joined if self.joined else None

    @property
    def accuracy(self) -> float | None:
        """答题正确率, 0…1; None without answers."""
        return self.correct / self.answers if self.answers else None

    def add(self, other: Figures) -> None:
        self.joined += other.joined
        self.subscribers += other.subscribers
        self.participants += other.participants
        self.answers += other.answers
        self.correct += other.correct
        self.questions += other.questions
        for name in ("tips_received", "tips_closed", "tips_overdue"):
            theirs = getattr(other, name)
            if theirs is not None:
                setattr(self, name, (getattr(self, name) or 0) + theirs)


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit as the rollups show it: plain columns, read without the ORM's per-object cost (2,000+ units)."""

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    retired: bool


@dataclass
class RollupRow:
    """A child unit with everything below it, or (``direct``) the workers who joined the unit itself."""

    unit: Unit
    figures: Figures
    direct: bool = False
    has_children: bool = False


@dataclass
class Rollup:
    unit: Unit | None  # None: the whole tree (several roots)
    path: list[Unit]  # the root down to ``unit``
    period: Period
    total: Figures
    rows: list[RollupRow] = field(default_factory=list)
    tips_by_unit: bool = False
    # Every active unit, depth first with its depth (what a unit picker lists).
    outline: list[tuple[Unit, int]] = field(default_factory=list)


def tips_have_units() -> bool:
    """Whether tips record the unit they were sent to (added by the tip routing of issue 12, point 4)."""
    return hasattr(Tip, "unit_id")


def _within(column: Any, unit_ids: Collection[int] | None) -> list[ColumnElement[bool]]:
    """No condition for the whole tree; else the column's unit is one of the subtree's.

    The ids are listed rather than found by the recursive CTE (``org.scope.subtree_query``): PostgreSQL
    cannot estimate a CTE's rows, and for an 18-unit street it would hash all 100,000 workers."""
    return [] if unit_ids is None else [column.in_(sorted(unit_ids))]


async def _rows(session: AsyncSession, stmt: Executable) -> list[tuple[int, ...]]:
    """The rows of a grouped count, as ints (None as 0), through the session's connection: Core rows, without
    the ORM's per-row cost on thousands of units."""
    conn = await session.connection()
    return [tuple(int(v or 0) for v in row) for row in (await conn.execute(stmt)).all()]


async def _all_rows(session: AsyncSession, sessions: SessionMaker | None, stmts: list[Executable],
                    light: Collection[int] = ()) -> list[list[tuple[int, ...]]]:
    """Each statement's rows: one after the other in ``session``, or — with ``sessions`` — at the same time,
    each in a session (a connection) of its own, but for the ``light`` ones (their indexes: a few milliseconds
    each), run one after the other in ``session`` meanwhile, so that fewer connections are taken at once. The
    counts are independent: on PostgreSQL they run in server processes of their own, on SQLite in the threads
    of their connections (sqlite3 lets go of the GIL while a query runs), so a city's rollup takes about as
    long as its longest count, not their sum."""
    if sessions is None:
        return [await _rows(session, stmt) for stmt in stmts]

    async def apart(stmt: Executable) -> list[tuple[int, ...]]:
        async with sessions() as own:
            return await _rows(own, stmt)

    found: dict[int, list[tuple[int, ...]]] = {}

    async def at(index: int) -> None:
        found[index] = await (_rows(session, stmts[index]) if index in light else apart(stmts[index]))

    async def here() -> None:
        for index in light:
            await at(index)

    await asyncio.gather(here(), *(at(index) for index in range(len(stmts)) if index not in light))
    return [found[index] for index in range(len(stmts))]


async def unit_figures(session: AsyncSession, unit_ids: Collection[int] | None, period: Period,
                       now: datetime, *, sessions: SessionMaker | None = None,
                       from_raw_tables: bool = False) -> dict[int, Figures]:
    """Each unit's own figures (its joined workers only, nothing below it), for the units ``unit_ids`` (None:
    every unit); units with nothing to count are absent. One grouped query per figure — over the units' tallies
    (``org.tallies``) for a period of whole UTC hours, else (or ``from_raw_tables``: a check of the tallies)
    over the raw tables — at the same time with ``sessions`` (``_all_rows``)."""
    span = None if from_raw_tables else tallies.hour_span(period.starts_at, period.ends_at)
    if span is not None:
        conn = await session.connection()
        extents = _Extents(*(await conn.execute(select(
            *_extent(LastActiveTally), *_extent(AnswerTally)))).one())
        members, participants, answers = _tallied(unit_ids, *span, extents)
    else:
        members, participants, answers = await _counted(session, unit_ids, period)
    questions = (select(UnitQuestionCount.unit_id, func.sum(UnitQuestionCount.count))
                 .where(UnitQuestionCount.day >= period.first, UnitQuestionCount.day <= period.last,
                        *_within(UnitQuestionCount.unit_id, unit_ids))
                 .group_by(UnitQuestionCount.unit_id))
    tips = _tip_counts_query(unit_ids, period, now)
    # From the tallies the members are one row per unit, read in this session while the sums run.
    counted = await _all_rows(session, sessions, [members, participants, answers, questions,
                                                  *([tips] if tips is not None else [])],
                              light=(0,) if span is not None else ())

    figures: dict[int, Figures] = {}

    def at(unit: int) -> Figures:
        found = figures.get(unit)
        if found is None:
            found = figures[unit] = Figures()
        return found

    for unit, joined, subscribers in counted[0]:
        figures[unit] = Figures(joined=joined, subscribers=subscribers)
    for unit, count in counted[1]:
        at(unit).participants = count
    for unit, count, correct in counted[2]:
        figure = at(unit)
        figure.answers, figure.correct = count, correct
    for unit, count in counted[3]:
        at(unit).questions = count
    for unit, received, closed, overdue in counted[4] if tips is not None else []:
        figure = at(unit)
        figure.tips_received, figure.tips_closed, figure.tips_overdue = received, closed, overdue
    return figures


@dataclass(frozen=True)
class _Extents:
    """The first and last hours of the workers' last activity and of the answers (None: no rows)."""

    last_active_from: int | None
    last_active_to: int | None
    answers_from: int | None
    answers_to: int | None


def _extent(table: type[LastActiveTally] | type[AnswerTally]) -> tuple[Any, Any]:
    """A tally's first and last hour, each from its index (one aggregate per subquery: SQLite then reads one
    index entry for each)."""
    return select(func.min(table.hour)).scalar_subquery(), select(func.max(table.hour)).scalar_subquery()


def _mostly_within(first_hour: int, after_hour: int, low: int | None, high: int | None) -> bool:
    """Whether most of the hours [low, high] a tally's rows span lie within [first_hour, after_hour): then what
    lies outside, taken from the all-time totals, is the shorter sum."""
    if low is None or high is None:
        return False
    within = max(0, min(after_hour, high + 1) - max(first_hour, low))
    return 2 * within > high + 1 - low


def _tallied(unit_ids: Collection[int] | None, first_hour: int, after_hour: int, extents: _Extents,
             ) -> tuple[Executable, Executable, Executable]:
    """Members (unit, joined, subscribers), participants (unit, count) and answers (unit, count, correct) summed
    from the units' tallies over the hours [first_hour, after_hour). A worker takes part at their first active
    hour in the period, the one whose previous active hour lies before it; or, when nobody was active after the
    period (it runs up to today), if they were last active in it. A period that holds most of the hours
    recorded is counted as the all-time totals less what lies outside it. Rows of units with nothing to count
    are left out, as the counts from the raw tables leave them out."""
    u, a, last, q = UnitTally, ActivityTally, LastActiveTally, AnswerTally
    members = select(u.unit_id, u.joined, u.subscribers).where(u.joined > 0, *_within(u.unit_id, unit_ids))
    up_to_now = extents.last_active_to is None or extents.last_active_to < after_hour
    if up_to_now and _mostly_within(first_hour, after_hour, extents.last_active_from, extents.last_active_to):
        before = (select(last.unit_id, func.sum(last.workers).label("workers"))
                  .where(last.hour < first_hour, *_within(last.unit_id, unit_ids)).group_by(last.unit_id).subquery())
        took_part = u.ever_active - func.coalesce(before.c.workers, 0)
        participants = (select(u.unit_id, took_part).outerjoin(before, before.c.unit_id == u.unit_id)
                        .where(took_part > 0, *_within(u.unit_id, unit_ids)))
    elif up_to_now:
        participants = (select(last.unit_id, func.sum(last.workers))
                        .where(last.hour >= first_hour, *_within(last.unit_id, unit_ids))
                        .group_by(last.unit_id).having(func.sum(last.workers) > 0))
    else:
        participants = (select(a.unit_id, func.sum(a.workers))
                        .where(a.hour >= first_hour, a.hour < after_hour, a.prev_hour < first_hour,
                               *_within(a.unit_id, unit_ids))
                        .group_by(a.unit_id).having(func.sum(a.workers) > 0))
    if _mostly_within(first_hour, after_hour, extents.answers_from, extents.answers_to):
        outside = (select(q.unit_id, func.sum(q.answers).label("answers"), func.sum(q.correct).label("correct"))
                   .where(or_(q.hour < first_hour, q.hour >= after_hour), *_within(q.unit_id, unit_ids))
                   .group_by(q.unit_id).subquery())
        count = u.answers - func.coalesce(outside.c.answers, 0)
        answers = (select(u.unit_id, count, u.correct - func.coalesce(outside.c.correct, 0))
                   .outerjoin(outside, outside.c.unit_id == u.unit_id).where(count > 0, *_within(u.unit_id, unit_ids)))
    else:
        answers = (select(q.unit_id, func.sum(q.answers), func.sum(q.correct))
                   .where(q.hour >= first_hour, q.hour < after_hour, *_within(q.unit_id, unit_ids))
                   .group_by(q.unit_id).having(func.sum(q.answers) > 0))
    return members, participants, answers


async def _counted(session: AsyncSession, unit_ids: Collection[int] | None, period: Period,
                   ) -> tuple[Executable, Executable, Executable]:
    """The same three counts from the raw tables, each over the units' members at most once (a period that does
    not start and end on whole UTC hours: a time zone half an hour off)."""
    start, end = period.starts_at, period.ends_at
    read = select(LessonProgress.chat_id).where(LessonProgress.delivered_at >= start, LessonProgress.delivered_at < end)
    answered = select(QuizAnswer.chat_id).where(QuizAnswer.answered_at >= start, QuizAnswer.answered_at < end)
    active = and_(User.subscribed.is_(True), User.blocked_at.is_(None))
    sqlite = session.get_bind().dialect.name == "sqlite"
    within = _within(Membership.unit_id, unit_ids)
    few = sqlite and unit_ids is not None and len(unit_ids) <= PROBE_UNITS_MAX and int(await session.scalar(
        select(func.count()).select_from(Membership).where(*within)) or 0) <= PROBE_WORKERS_MAX
    if few:
        # A small subtree on SQLite: each member looked up (their user row, then their activity in the period by
        # index probes) beats scanning the whole period's activity.
        took_part = or_(read.where(LessonProgress.chat_id == Membership.chat_id).exists(),
                        answered.where(QuizAnswer.chat_id == Membership.chat_id).exists())
        members = (select(Membership.unit_id, func.count(), func.sum(case((active, 1), else_=0)))
                   .join(User, User.chat_id == Membership.chat_id).where(*within).group_by(Membership.unit_id))
        participants = select(Membership.unit_id, func.count()).where(took_part, *within).group_by(Membership.unit_id)
    elif not sqlite:
        # PostgreSQL hashes: the members joined to their users, and to the period's active chat ids (UNION: a
        # worker who did both counts once).
        members = (select(Membership.unit_id, func.count(), func.sum(case((active, 1), else_=0)))
                   .join(User, User.chat_id == Membership.chat_id).where(*within).group_by(Membership.unit_id))
        active_ids = union(read, answered).subquery()
        participants = (select(Membership.unit_id, func.count())
                        .join(active_ids, active_ids.c.chat_id == Membership.chat_id)
                        .where(*within).group_by(Membership.unit_id))
    else:
        # A big subtree on SQLite: the members in unit order, each looked up in a set built once — the subscribed
        # users; the chat ids active in the period, duplicates and all (a worker who did both counts once) —
        # rather than a join to 100,000 users and a sort of the period's activity (SQLite has no hash join).
        members = (select(Membership.unit_id, func.count(),
                          func.sum(case((Membership.chat_id.in_(select(User.chat_id).where(active)), 1), else_=0)))
                   .where(*within).group_by(Membership.unit_id))
        participants = (select(Membership.unit_id, func.count())
                        .where(Membership.chat_id.in_(union_all(read, answered)), *within)
                        .group_by(Membership.unit_id))
    answers = (select(Membership.unit_id, func.count(), func.sum(case((QuizAnswer.correct.is_(True), 1), else_=0)))
               .select_from(Membership if few else QuizAnswer)
               .join(QuizAnswer if few else Membership, Membership.chat_id == QuizAnswer.chat_id)
               .where(QuizAnswer.answered_at >= start, QuizAnswer.answered_at < end, *within)
               .group_by(Membership.unit_id))
    return members, participants, answers


def _tip_counts_query(unit_ids: Collection[int] | None, period: Period, now: datetime) -> Executable | None:
    """Tips per unit: (unit, received in the period, closed in the period, overdue now); None while tips carry
    no unit. The one place to change when tips are routed to units."""
    if not tips_have_units():
        return None
    tip_unit = Tip.unit_id
    start, end = period.starts_at, period.ends_at
    # The deadline a tip is under now (tips.cases.deadline, in SQL): 受理 while new, 反馈 while open.
    due = case((Tip.status == TipStatus.NEW, Tip.ack_due_at),
               (Tip.status.in_(OPEN_STATUSES), Tip.feedback_due_at), else_=None)
    return (select(tip_unit,
                   func.sum(case((and_(Tip.created_hour >= start, Tip.created_hour < end), 1), else_=0)),
                   func.sum(case((and_(Tip.status.in_(FINAL_STATUSES), Tip.closed_at >= start,
                                       Tip.closed_at < end), 1), else_=0)),
                   func.sum(case((due <= now, 1), else_=0)))
            .where(tip_unit.is_not(None), *_within(tip_unit, unit_ids)).group_by(tip_unit))


async def tip_counts(session: AsyncSession, unit_ids: Collection[int] | None, period: Period,
                     now: datetime) -> dict[int, tuple[int, int, int]] | None:
    """Tips per unit: (received in the period, closed in the period, overdue now); None while tips carry no
    unit."""
    stmt = _tip_counts_query(unit_ids, period, now)
    if stmt is None:
        return None
    return {unit: (received, closed, overdue) for unit, received, closed, overdue in await _rows(session, stmt)}


def _subtree(children: dict[int | None, list[Unit]], top: int) -> set[int]:
    """The ids of ``top`` and every unit below it (retired ones too)."""
    found, todo = {top}, [top]
    while todo:
        for child in children.get(todo.pop(), []):
            if child.id not in found:
                found.add(child.id)
                todo.append(child.id)
    return found


def _children(units: Iterable[Unit]) -> dict[int | None, list[Unit]]:
    found: dict[int | None, list[Unit]] = {}
    for unit in units:
        found.setdefault(unit.parent_id, []).append(unit)
    for siblings in found.values():
        siblings.sort(key=lambda u: u.code)
    return found


class RollupCache:
    """Recent per-unit figures by (unit, period), kept ``ttl_s``: a superior drilling down the tree, or
    exporting what they see, reuses the figures of the subtree above (counted a minute ago at most)
    instead of counting 100,000 workers again. Bounded; in memory of one process."""

    def __init__(self, ttl_s: float = CACHE_TTL_S, size: int = CACHE_ENTRIES,
                 clock: Callable[[], float] = monotonic) -> None:
        self.ttl_s, self.size, self._clock = ttl_s, size, clock
        self._entries: OrderedDict[tuple[int | None, date, date, str], tuple[float, dict[int, Figures]]] = (
            OrderedDict())

    def get(self, unit_ids: Iterable[int | None], period: Period) -> dict[int, Figures] | None:
        """The figures of the first of ``unit_ids`` (a unit, then the units above it) still kept."""
        now = self._clock()
        for unit_id in unit_ids:
            key = (unit_id, period.first, period.last, period.tz.key)
            entry = self._entries.get(key)
            if entry is not None and entry[0] > now:
                self._entries.move_to_end(key)
                return entry[1]
        return None

    def put(self, unit_id: int | None, period: Period, figures: dict[int, Figures]) -> None:
        self._entries[(unit_id, period.first, period.last, period.tz.key)] = (self._clock() + self.ttl_s, figures)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


async def rollup(session: AsyncSession, unit_id: int | None, period: Period, now: datetime,
                 cache: RollupCache | None = None, sessions: SessionMaker | None = None) -> Rollup:
    """The figures of a unit's subtree (None: the whole tree) and of each of its active child units with
    everything below them; workers who joined the unit itself make a row of their own (``direct``).
    With ``cache``: the figures of this subtree or of one above it counted lately are reused; with ``sessions``
    the counts run at the same time, each in a session of its own."""
    o = Organisation
    conn = await session.connection()
    units = [Unit(*row) for row in (await conn.execute(
        select(o.id, o.code, o.name, o.level, o.parent_id, o.retired))).all()]
    by_id = {u.id: u for u in units}
    children = _children(units)
    unit = by_id.get(unit_id) if unit_id is not None else None
    path: list[Unit] = []
    current = unit
    while current is not None and len(path) <= len(units):
        path.insert(0, current)
        current = by_id.get(current.parent_id) if current.parent_id is not None else None
    # Figures counted for an enclosing subtree hold this one's too (the walk below keeps to the subtree).
    own = cache.get([*(u.id for u in reversed(path)), None], period) if cache is not None else None
    if own is None:
        within = _subtree(children, unit_id) if unit_id is not None else None
        own = await unit_figures(session, within if within is None or len(within) < len(units) else None, period,
                                 now, sessions=sessions)
        if cache is not None:
            cache.put(unit_id, period, own)
    tips = tips_have_units()

    def subtree_total(top: int) -> Figures:
        total = Figures()
        for unit_id_below in _subtree(children, top):
            if unit_id_below in own:
                total.add(own[unit_id_below])
        return total

    rows: list[RollupRow] = []
    below = children.get(unit_id, [])
    # A retired child has no workers left (they moved up) but its history stays below it: show it only if
    # something is counted there.
    for child in below:
        figures = subtree_total(child.id)
        if not child.retired or figures != Figures():
            rows.append(RollupRow(child, figures, has_children=any(not c.retired for c in children.get(child.id, []))))
    if unit is not None and unit.id in own:
        rows.append(RollupRow(unit, replace(own[unit.id]), direct=True))
    total = Figures()
    for row in rows:
        total.add(row.figures)
    if tips:
        for figures in (total, *(row.figures for row in rows)):
            for name in ("tips_received", "tips_closed", "tips_overdue"):
                if getattr(figures, name) is None:
                    setattr(figures, name, 0)
    return Rollup(unit, path, period, total, rows, tips, _outline(units, children))


def _outline(units: list[Unit], children: dict[int | None, list[Unit]]) -> list[tuple[Unit, int]]:
    """Active units depth first (siblings by code) with their depths; a unit under a retired one is a root."""
    active = {u.id for u in units if not u.retired}
    roots = sorted((u for u in units if u.id in active and u.parent_id not in active), key=lambda u: u.code)
    found: list[tuple[Unit, int]] = []
    stack = [(u, 0) for u in reversed(roots)]
    while stack:
        unit, depth = stack.pop()
        found.append((unit, depth))
        stack.extend((c, depth + 1) for c in reversed(children.get(unit.id, [])) if c.id in active)
    return found


async def default_unit(session: AsyncSession) -> Organisation | None:
    """The unit the rollups open on: the one active root, or None (the whole tree) when there are several."""
    roots = list((await session.scalars(select(Organisation).where(
        Organisation.parent_id.is_(None), Organisation.retired.is_(False)).limit(2))).all())
    return roots[0] if len(roots) == 1 else None


async def count_question(session: AsyncSession, chat_id: int, day: date) -> None:
    """Count one question for the unit the asker joined on ``day`` (local date); nothing for a worker in no
    unit. Only the count is kept, never who asked."""
    unit_id = await session.scalar(select(Membership.unit_id).where(Membership.chat_id == chat_id))
    if unit_id is None:
        return
    stmt = db.upsert(session.get_bind().dialect.name)(UnitQuestionCount).values(unit_id=unit_id, day=day, count=1)
    await session.execute(stmt.on_conflict_do_update(index_elements=["unit_id", "day"],
                                                     set_={"count": UnitQuestionCount.count + 1}))
