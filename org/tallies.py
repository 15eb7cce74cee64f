"""The rollups' tallies (issue 12, Scale): per unit, the counts ``org.rollups`` adds up, kept as the rows they
count change, so that a city's rollup reads a few thousand tally rows instead of joining 100,000 workers to
their lessons and answers.

A worker counts where they are now (``org.rollups``), so what they count for is tallied under their current
unit and moves with them (``org.models``):
- ``UnitTally``: joined, and subscribers (subscribed and not blocked); over all time, the workers ever active
  and their answers (a period covering most of the time recorded is counted as these less what lies outside);
- ``AnswerTally``: quiz answers and right ones, per UTC hour;
- ``ActivityTally``: 参与 per (hour, previous active hour): a worker active in the hours [S, E) is counted once,
  at their first active hour in it — the one whose previous active hour lies before S (or who had none) — so
  the workers who took part in any span of whole hours are a sum of rows: ``S <= hour < E and prev_hour < S``;
- ``LastActiveTally``: workers by the hour they were last active in; for a span that runs past everyone's
  latest activity (a period up to today) the workers who took part are a shorter sum: ``hour >= S``.
Hours, not local days: a period of local days starts and ends on whole UTC hours in every time zone whose
offset is whole hours (Asia/Shanghai among them); ``org.rollups`` counts from the raw tables otherwise.

How they are kept: every write through a Session to what they count — ``users`` (subscribed, blocked_at),
``org_members``, ``lesson_progress``, ``quiz_answers`` and ``quiz_polls`` (whose answers go with them) — is
bracketed, whether the ORM flushes it or it is a statement given to ``session.execute`` (a bulk UPDATE, DELETE or
INSERT): the workers it touches are locked (their ``users`` rows on PostgreSQL, the database on SQLite), what they
count for is read before and after, and the difference is applied to the tallies in the same transaction. A
flush that only adds lessons received and answers (most writes) is read once, after it, under the lock: before
it the workers counted for the same less the rows it added. So two transactions touching one worker take
turns, and a rollback takes the tallies back with the rows. Only SQL sent past the Session
(``connection.execute``, another program) goes unseen: ``rebuild`` counts everything afresh
(``ankang org retally``).

Importing this module registers the session events (as importing a models module registers its mappers);
``org.service``, ``org.rollups`` and the composition root import it.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Executable,
    bindparam,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    null,
    select,
    text,
    union,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Integer

from broadcasts.models import LessonProgress, QuizAnswer
from core import db
from core.models import User
from org.models import ActivityTally, AnswerTally, LastActiveTally, Membership, UnitTally

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
NEVER = 0  # the prev_hour of a worker's first active hour
IDS_PER_QUERY = 5_000  # chat ids per IN list; a read names them three times, under the 32,766 parameters allowed
_BEFORE = "org.tallies.before"  # session.info: what the workers a flush touches counted for before it

# What changes what a worker counts for, by table: rows added (a users row added counts for nothing — a worker
# joins a unit after being recorded), the columns whose change matters (chat_id too: the row moves to another
# worker), rows deleted (a poll's answer goes with it: ON DELETE CASCADE; a worker's membership and lessons with
# their users row).
_ADDED = frozenset({"org_members", "lesson_progress", "quiz_answers"})
_CHANGED: dict[str, frozenset[str]] = {
    "users": frozenset({"subscribed", "blocked_at"}),
    "org_members": frozenset({"unit_id"}),
    "lesson_progress": frozenset({"delivered_at"}),
    "quiz_answers": frozenset({"answered_at", "correct"}),
}
_DELETED = frozenset({*_CHANGED, "quiz_polls"})


def hour_of(moment: datetime) -> int:
    """The UTC hour ``moment`` falls in, as hours since the epoch."""
    return (moment - EPOCH) // HOUR


def hour_span(starts_at: datetime, ends_at: datetime) -> tuple[int, int] | None:
    """The hours [first, after) of a span that starts and ends on whole UTC hours; None for any other span."""
    if (starts_at - EPOCH) % HOUR or (ends_at - EPOCH) % HOUR:
        return None
    return hour_of(starts_at), hour_of(ends_at)


class utc_hour(FunctionElement[int]):  # noqa: N801 - an SQL function, named as one
    """``hour_of`` in SQL, for rebuilding the tallies from the raw tables."""

    type = Integer()
    name = "utc_hour"
    inherit_cache = True


@compiles(utc_hour, "sqlite")
def _utc_hour_sqlite(element: utc_hour, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps a UTC time as text, 'YYYY-MM-DD HH:MM:SS.ffffff': its day in hours plus its hour (strftime('%s')
    # of the whole text would round the fraction of a second, which could carry into the next hour).
    column = compiler.process(next(iter(element.clauses)), **kw)
    return (f"(CAST(strftime('%s', substr({column}, 1, 10)) AS INTEGER) / 3600"
            f" + CAST(substr({column}, 12, 2) AS INTEGER))")


@compiles(utc_hour, "postgresql")
def _utc_hour_postgresql(element: utc_hour, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST(floor(extract(epoch FROM {column}) / 3600) AS INTEGER)"


# A lesson received, ("lesson", chat_id, lesson_id), or a quiz answer, ("answer", poll_id): a worker's row.
RowKey = tuple[str, ...]


@dataclass
class Worker:
    """A worker as the tallies see them: their unit (None: in none), whether they are a subscriber, and the
    hour of each of their lessons received and answers (with whether it was right; None for a lesson)."""

    unit_id: int | None
    subscriber: bool
    rows: dict[RowKey, tuple[int, bool | None]] = field(default_factory=dict)

    def contribution(self, without: Collection[RowKey] = ()) -> Contribution | None:
        """What they count for (None in no unit), leaving out the rows ``without``."""
        if self.unit_id is None:
            return None
        found = Contribution(self.unit_id, self.subscriber)
        for key, (hour, correct) in self.rows.items():
            if key in without:
                continue
            found.hours.add(hour)
            if correct is not None:
                found.answers[hour] += 1
                found.correct[hour] += 1 if correct else 0
        return found


@dataclass
class Contribution:
    """What one worker counts for, under their unit."""

    unit_id: int
    subscriber: bool
    hours: set[int] = field(default_factory=set)  # the hours they were active in
    answers: Counter[int] = field(default_factory=Counter)  # answers by hour
    correct: Counter[int] = field(default_factory=Counter)  # right answers by hour


# Each tally: its table, the columns of a row's key (the unit first) and the columns it counts.
_TALLIES: tuple[tuple[Any, tuple[str, ...], tuple[str, ...]], ...] = (
    (UnitTally, ("unit_id",), ("joined", "subscribers", "ever_active", "answers", "correct")),
    (ActivityTally, ("unit_id", "hour", "prev_hour"), ("workers",)),
    (LastActiveTally, ("unit_id", "hour"), ("workers",)),
    (AnswerTally, ("unit_id", "hour"), ("answers", "correct")),
)


@dataclass
class Deltas:
    """Changes to the tallies: by table and row key, a change to each counted column."""

    rows: dict[Any, dict[tuple[int, ...], list[int]]] = field(
        default_factory=lambda: {table: {} for table, _, _ in _TALLIES})

    def _add(self, table: Any, key: tuple[int, ...], *changes: int) -> None:
        row = self.rows[table].setdefault(key, [0] * len(changes))
        for column, change in enumerate(changes):
            row[column] += change

    def add(self, worker: Contribution, sign: int) -> None:
        """Count the worker in (``sign`` 1) or out (-1)."""
        unit = worker.unit_id
        self._add(UnitTally, (unit,), sign, sign if worker.subscriber else 0, sign if worker.hours else 0,
                  sign * worker.answers.total(), sign * worker.correct.total())
        previous = NEVER
        for hour in sorted(worker.hours):
            self._add(ActivityTally, (unit, hour, previous), sign)
            previous = hour
        if worker.hours:
            self._add(LastActiveTally, (unit, previous), sign)
        for hour, count in worker.answers.items():
            self._add(AnswerTally, (unit, hour), sign * count, sign * worker.correct[hour])


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), IDS_PER_QUERY):
        yield ordered[start:start + IDS_PER_QUERY]


def _lock(conn: Connection, chat_ids: Collection[int]) -> None:
    """Make transactions that touch these workers take turns: lock their ``users`` rows on PostgreSQL (NO KEY
    UPDATE: it does not wait for the KEY SHARE locks of rows that refer to them), the database on SQLite. A
    statement of its own: a statement that waited for a lock still reads what was committed when it began."""
    if conn.dialect.name == "postgresql":
        for chunk in _chunks(chat_ids):
            conn.execute(select(User.chat_id).where(User.chat_id.in_(chunk)).order_by(User.chat_id)
                         .with_for_update(key_share=True))
    else:
        # SQLite has one writer at a time: a write that changes nothing makes this transaction the writer now
        # (the driver begins a transaction before it) rather than at its first real write, after the read.
        conn.execute(text("UPDATE users SET chat_id = chat_id WHERE 0"))


def _read(conn: Connection, chat_ids: Collection[int]) -> dict[int, Worker]:
    """The workers as they are now, in one query per few thousand (a row per lesson and answer of a member)."""
    found: dict[int, Worker] = {}
    for chunk in _chunks(chat_ids):
        activity = union_all(
            select(LessonProgress.chat_id, LessonProgress.lesson_id.label("key"),
                   LessonProgress.delivered_at.label("at"), null().label("correct"))
            .where(LessonProgress.chat_id.in_(chunk)),
            select(QuizAnswer.chat_id, QuizAnswer.poll_id, QuizAnswer.answered_at, QuizAnswer.correct)
            .where(QuizAnswer.chat_id.in_(chunk))).subquery()
        query = (select(User.chat_id, Membership.unit_id, User.subscribed, User.blocked_at, activity.c.key,
                        activity.c.at, activity.c.correct)
                 .outerjoin(Membership, Membership.chat_id == User.chat_id)
                 .outerjoin(activity, activity.c.chat_id == Membership.chat_id)
                 .where(User.chat_id.in_(chunk)))
        for chat_id, unit_id, subscribed, blocked_at, key, at, correct in conn.execute(query):
            worker = found.get(chat_id)
            if worker is None:
                worker = found[chat_id] = Worker(unit_id, bool(subscribed) and blocked_at is None)
            if at is not None:
                row_key = ("lesson", chat_id, key) if correct is None else ("answer", key)
                worker.rows[row_key] = (hour_of(at), None if correct is None else bool(correct))
    return found


def _tally(conn: Connection, before: dict[int, Worker], after: dict[int, Worker],
           added: Collection[RowKey] = ()) -> None:
    """Tally the difference between what the workers counted for before and after a write (``added``: rows
    in ``after`` that the write added, left out of ``before`` when it is the same reading)."""
    deltas = Deltas()
    for sign, workers, without in ((-1, before, added), (+1, after, ())):
        for worker in workers.values():
            counted = worker.contribution(without)
            if counted is not None:
                deltas.add(counted, sign)
    _apply(conn, deltas)


def _apply(conn: Connection, deltas: Deltas) -> None:
    """Add the changes to the tallies' rows (inserted if missing; keys in order, so that transactions lock rows
    in one order), then delete the rows that counted down to nothing: a unit with nothing to count has no row,
    as it has none in a count from the raw tables."""
    insert_ = db.upsert(conn.dialect.name)
    for table, keys, counts in _TALLIES:
        changed = sorted((key, row) for key, row in deltas.rows[table].items() if any(row))
        if not changed:
            continue
        stmt = insert_(table)
        conn.execute(stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: getattr(table, name) + getattr(stmt.excluded, name) for name in counts}),
            [dict(zip((*keys, *counts), (*key, *row), strict=True)) for key, row in changed])
        gone = [{f"k_{name}": value for name, value in zip(keys, key, strict=True)}
                for key, row in changed if min(row) < 0]
        if gone:
            conn.execute(delete(table).where(*(getattr(table, name) == bindparam(f"k_{name}") for name in keys),
                                             *(getattr(table, name) == 0 for name in counts)), gone)


# --- the ORM's flushes --------------------------------------------------------------------------------------

def _changed(obj: object) -> set[int]:
    """For a row the flush updates: its worker (and the one it belonged to, if it moves) when the change matters
    to the tallies; else nobody."""
    columns = _CHANGED.get(getattr(obj, "__tablename__", ""))
    if columns is None:
        return set()
    attrs = inspect(obj).attrs
    moved = attrs.chat_id.history
    if not moved.has_changes() and not any(attrs[name].history.has_changes() for name in columns):
        return set()
    return {obj.chat_id, *(c for c in moved.deleted if c is not None)}  # type: ignore[attr-defined]


def _row_key(obj: object) -> RowKey | None:
    """A lesson received or a quiz answer as ``Worker.rows`` keys it; None for another row."""
    table = getattr(obj, "__tablename__", None)
    if table == "lesson_progress":
        return ("lesson", obj.chat_id, obj.lesson_id)  # type: ignore[attr-defined]
    if table == "quiz_answers":
        return ("answer", obj.poll_id)  # type: ignore[attr-defined]
    return None


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    added = [obj for obj in session.new if getattr(obj, "__tablename__", None) in _ADDED]
    deleted = [obj for obj in session.deleted if getattr(obj, "__tablename__", None) in _DELETED]
    changed: set[int] = set().union(*(_changed(obj) for obj in session.dirty))
    touched = {obj.chat_id for obj in (*added, *deleted)} | changed
    if not touched:
        session.info.pop(_BEFORE, None)
        return
    rows = [_row_key(obj) for obj in added]
    if not deleted and not changed and None not in rows:
        # Lessons received and answers added, nothing else (most writes): what the workers counted for before is
        # what they count for after, less these rows — read once, after the flush, under the lock.
        session.info[_BEFORE] = (touched, None, rows)
    else:
        conn = session.connection()
        _lock(conn, touched)
        session.info[_BEFORE] = (touched, _read(conn, touched), [])


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    stashed = session.info.pop(_BEFORE, None)
    if stashed is None:
        return
    touched, before, added = stashed
    conn = session.connection()
    if before is None:
        if conn.dialect.name == "postgresql":  # on SQLite the flush's inserts made this transaction the writer
            _lock(conn, touched)
        after = _read(conn, touched)
        _tally(conn, after, after, added)
    else:
        _tally(conn, before, _read(conn, touched))


# --- statements given to session.execute ---------------------------------------------------------------------

class UntallyableStatement(Exception):
    """A statement changes what the rollups count in a way org.tallies cannot follow."""


def _statement_chat_ids(conn: Connection, state: ORMExecuteState, table: Any) -> set[int]:
    stmt = state.statement
    if state.is_insert:
        params = state.parameters
        rows = ([params] if params else []) if isinstance(params, Mapping) else list(params or [])
        if not rows or any("chat_id" not in row for row in rows):
            raise UntallyableStatement(f"an INSERT into {table.name} must be given its rows as parameters, each "
                                       "with its chat_id, for org.tallies to follow it")
        return {int(row["chat_id"]) for row in rows}
    where = stmt.whereclause  # type: ignore[attr-defined]
    query = select(table.c.chat_id)
    return set(conn.execute(query.where(where) if where is not None else query).scalars())


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> Any:
    if state.is_insert:
        watched = _ADDED
    elif state.is_update:
        watched = frozenset(_CHANGED)  # any UPDATE of these tables (which columns it sets is not public)
    elif state.is_delete:
        watched = _DELETED
    else:
        return None
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in watched:
        return None
    session = state.session
    if session.autoflush:
        session.flush()  # as the statement would: pending changes are tallied by their own flush first
    conn = session.connection()
    touched = _statement_chat_ids(conn, state, table)
    if not touched:
        return None
    _lock(conn, touched)
    before = _read(conn, touched)
    result = state.invoke_statement()
    _tally(conn, before, _read(conn, touched))
    return result


# --- counting afresh -----------------------------------------------------------------------------------------

def _rebuild_statements() -> list[Executable]:
    """Every tally counted from the raw tables (the tables emptied first)."""
    subscriber = case((User.subscribed.is_(True) & User.blocked_at.is_(None), 1), else_=0)
    units = (select(Membership.unit_id, func.count(), func.sum(subscriber), literal(0), literal(0), literal(0))
             .join(User, User.chat_id == Membership.chat_id).group_by(Membership.unit_id))
    hours = union(select(LessonProgress.chat_id, utc_hour(LessonProgress.delivered_at).label("hour")),
                  select(QuizAnswer.chat_id, utc_hour(QuizAnswer.answered_at).label("hour"))).subquery()
    previous = func.lag(hours.c.hour).over(partition_by=hours.c.chat_id, order_by=hours.c.hour)
    points = select(hours.c.chat_id, hours.c.hour, func.coalesce(previous, NEVER).label("prev_hour")).subquery()
    activity = (select(Membership.unit_id, points.c.hour, points.c.prev_hour, func.count())
                .join(points, points.c.chat_id == Membership.chat_id)
                .group_by(Membership.unit_id, points.c.hour, points.c.prev_hour))
    latest = select(hours.c.chat_id, func.max(hours.c.hour).label("hour")).group_by(hours.c.chat_id).subquery()
    last_active = (select(Membership.unit_id, latest.c.hour, func.count())
                   .join(latest, latest.c.chat_id == Membership.chat_id).group_by(Membership.unit_id, latest.c.hour))
    answered = (select(QuizAnswer.chat_id, utc_hour(QuizAnswer.answered_at).label("hour"),
                       case((QuizAnswer.correct.is_(True), 1), else_=0).label("right")).subquery())
    answers = (select(Membership.unit_id, answered.c.hour, func.count(), func.sum(answered.c.right))
               .join(answered, answered.c.chat_id == Membership.chat_id)
               .group_by(Membership.unit_id, answered.c.hour))
    counted = {UnitTally: units, ActivityTally: activity, LastActiveTally: last_active, AnswerTally: answers}

    def total(column: Any) -> Any:
        table = column.class_
        return func.coalesce(select(func.sum(column)).where(table.unit_id == UnitTally.unit_id).scalar_subquery(), 0)

    totals = update(UnitTally).values(ever_active=total(LastActiveTally.workers), answers=total(AnswerTally.answers),
                                      correct=total(AnswerTally.correct))
    return [*(delete(table) for table, _, _ in _TALLIES),
            *(insert(table).from_select([*keys, *counts], counted[table]) for table, keys, counts in _TALLIES),
            totals]


async def rebuild(session: AsyncSession) -> None:
    """Count every tally afresh from the raw tables, in the session's transaction (after a bulk load past the
    Session, or to check the kept tallies: ``ankang org retally``)."""
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        # Writers wait until the recount is committed rather than tally against rows it replaces.
        names = ", ".join(table.__tablename__ for table, _, _ in _TALLIES)
        await conn.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
    for stmt in _rebuild_statements():
        await conn.execute(stmt)


async def snapshot(session: AsyncSession) -> dict[str, set[tuple[int, ...]]]:
    """Every tally row, by table name (to compare the kept tallies with a recount)."""
    conn = await session.connection()
    return {table.__tablename__: {tuple(row) for row in await conn.execute(
                select(*(getattr(table, name) for name in (*keys, *counts))))}
            for table, keys, counts in _TALLIES}
