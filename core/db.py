"""Database engine, sessions and migrations: one engine per process, owned by the app lifecycle."""
from __future__ import annotations

import ast
import functools
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, CursorResult, Engine, Result, Table, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from core.turns import Turns

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

SessionMaker = async_sessionmaker[AsyncSession]


def upsert(dialect_name: str) -> Any:
    """The ``insert`` construct of the dialect in use, with its ON CONFLICT clauses.

    SQLAlchemy's PostgreSQL dialect (its package imports every driver's module, about 2 MB) is imported
    only by a process that talks to PostgreSQL (issue 14, point 7)."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


# An index's PostgreSQL options are declared in its ``info`` (``{"postgresql_where": ...}``), not as
# ``postgresql_where=``: naming a dialect's keyword makes SQLAlchemy import that dialect, in a process on
# SQLite too. They are applied here when a table is created on PostgreSQL (migrations spell them out).
POSTGRESQL_INDEX_OPTIONS = ("postgresql_where",)


@event.listens_for(Table, "before_create")
def _postgresql_index_options(table: Table, connection: Connection, **_: object) -> None:
    if connection.dialect.name != "postgresql":
        return
    for index in table.indexes:
        for key in POSTGRESQL_INDEX_OPTIONS:
            if key in index.info:
                index.dialect_options["postgresql"][key.removeprefix("postgresql_")] = index.info[key]


def rows_matched(result: Result[*tuple[Any, ...]]) -> int:
    """How many rows the UPDATE or DELETE that gave ``result`` matched.

    ``session.execute`` is typed as returning ``Result``, which has no ``rowcount``; for a DML
    statement it is a ``CursorResult`` at run time.
    """
    if not isinstance(result, CursorResult):
        raise TypeError(f"not the result of an UPDATE or DELETE: {type(result).__name__}")
    return result.rowcount


def create_engine(database_url: str, *, echo: bool = False, sqlite_busy_timeout_s: float = 30.0) -> AsyncEngine:
    """Create an async engine; SQLite gets WAL, foreign keys and a busy timeout."""
    url = make_url(database_url)
    # Parameters never appear in SQL error messages or logs: they can hold tip text or chat ids.
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if url.drivername.startswith("sqlite"):
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": sqlite_busy_timeout_s}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(url, **kwargs)
    if url.drivername.startswith("sqlite"):
        busy_ms = int(sqlite_busy_timeout_s * 1000)

        def pragmas(dbapi_conn: DBAPIConnection, _record: object) -> None:
            _sqlite_pragmas(dbapi_conn, busy_ms)

        event.listen(engine.sync_engine, "connect", pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, busy_ms: int) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms:d}")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    return async_sessionmaker(engine, expire_on_commit=False)


def engine_of(sessions: SessionMaker) -> AsyncEngine:
    """The engine a sessionmaker from ``create_sessionmaker`` opens its sessions on (for schema work)."""
    engine = sessions.kw["bind"]
    if not isinstance(engine, AsyncEngine):
        raise TypeError("these sessions are not bound to one engine")
    return engine


class WriteGate:
    """One write transaction at a time in this process (SQLite has one writer), urgent ones first.

    Writers that collide inside SQLite wait in its busy handler, which sleeps and retries (1, 2, 5 … 100 ms)
    while holding a pooled connection: the lock goes to whoever happens to retry at the right moment, and
    readers wait for connections held by sleeping writers. Queued here instead, a writer waits without a
    connection and is handed the lock the moment it is released, in order, an urgent one (a worker's press)
    before the others. A turn is handed to its waiter directly, so no newcomer takes it in between."""

    def __init__(self) -> None:
        self._turns = Turns(1)

    @property
    def waiting(self) -> int:
        return self._turns.waiting

    @asynccontextmanager
    async def turn(self, *, urgent: bool = False) -> AsyncIterator[None]:
        await self._turns.take(urgent)
        try:
            yield
        finally:
            self._turns.release()


# One gate per SQLite engine (kept as long as its engine).
_GATES: weakref.WeakKeyDictionary[Engine, WriteGate] = weakref.WeakKeyDictionary()


def write_gate(sessions: SessionMaker) -> WriteGate | None:
    """The write gate of the SQLite engine ``sessions`` are bound to; None on PostgreSQL (row locks, many writers)."""
    engine = sessions.kw.get("bind")
    if not isinstance(engine, AsyncEngine) or engine.dialect.name != "sqlite":
        return None
    gate = _GATES.get(engine.sync_engine)
    if gate is None:
        gate = _GATES[engine.sync_engine] = WriteGate()
    return gate


@asynccontextmanager
async def writing(sessions: SessionMaker, *, urgent: bool = False) -> AsyncIterator[AsyncSession]:
    """A session in a write transaction, through the engine's ``WriteGate`` on SQLite (taken before the
    connection). Keep it short: every other writer of the process waits for it."""
    gate = write_gate(sessions)
    if gate is None:
        async with sessions() as session, session.begin():
            yield session
        return
    async with gate.turn(urgent=urgent), sessions() as session, session.begin():
        yield session


class DatabaseUnreachable(Exception):
    """The configured database cannot be opened (server down, wrong address, no such directory)."""


@asynccontextmanager
async def opened(database_url: str, *, migrate: bool = True) -> AsyncIterator[SessionMaker]:
    """For a short command (a CLI verb, through ``core.cli.run_with_database``): an engine, connected once
    (DatabaseUnreachable otherwise) and migrated, whose sessions are yielded; disposed after."""
    try:
        engine = create_engine(database_url)
    except OSError as exc:  # SQLite: the file's directory cannot be made
        raise DatabaseUnreachable(str(exc)) from exc
    try:
        try:
            async with engine.connect():
                pass
        except (SQLAlchemyError, OSError) as exc:
            raise DatabaseUnreachable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
        if migrate:
            await upgrade(engine)
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


@asynccontextmanager
async def transaction(sessions: SessionMaker) -> AsyncIterator[AsyncSession]:
    """Open a session, commit on success, roll back on error."""
    async with sessions() as session, session.begin():
        yield session


def _alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


MIGRATION_LOCK_KEY = 0x414E4B414E47  # "ANKANG": the advisory lock that serialises migrations


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    """Apply Alembic migrations up to ``revision`` on the engine's database."""
    from alembic import command

    def run(sync_conn: Connection) -> None:
        command.upgrade(_alembic_config(sync_conn), revision)

    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Several processes starting together (issue 14) migrate one after the other.
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        await conn.run_sync(run)


async def current_revisions(engine: AsyncEngine) -> tuple[str, ...]:
    """The revision the database is at on each migration branch (one per area); ``()`` if unmigrated."""
    from alembic.runtime.migration import MigrationContext

    def get(sync_conn: Connection) -> tuple[str, ...]:
        return MigrationContext.configure(sync_conn).get_current_heads()

    async with engine.connect() as conn:
        return await conn.run_sync(get)


def head_revisions() -> set[str]:
    """The newest revision of each migration branch."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(_alembic_config()).get_heads())


def script_heads(versions_dir: Path = MIGRATIONS_DIR / "versions") -> frozenset[str]:
    """``head_revisions`` read from the scripts' ``revision`` and ``down_revision`` with ``ast``, without
    importing alembic: alembic with Mako is about 12 MB that a running process would keep for a check
    that finds nothing to do on most starts (issue 14, point 7). A test holds the two equal.

    Parsed once per set of scripts (their names, sizes and modification times): a process that opens
    the database many times (the test suite: every test) parsed the 26 scripts each time, 18 ms."""
    paths = sorted(versions_dir.glob("*.py"))
    signature = tuple((str(path), stat.st_mtime_ns, stat.st_size) for path in paths for stat in [path.stat()])
    return _heads_of(signature)


@functools.lru_cache(maxsize=8)
def _heads_of(scripts: tuple[tuple[str, int, int], ...]) -> frozenset[str]:
    revisions: set[str] = set()
    parents: set[str] = set()
    for name, _mtime, _size in scripts:
        path = Path(name)
        found: dict[str, object] = {}
        for node in ast.parse(path.read_text(encoding="utf-8"), filename=str(path)).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                found[target.id] = ast.literal_eval(value)
        revision, down = found.get("revision"), found.get("down_revision")
        if not isinstance(revision, str):
            continue
        revisions.add(revision)
        parents.update([down] if isinstance(down, str) else down if isinstance(down, (tuple, list)) else [])
    return frozenset(revisions - parents)


async def needs_upgrade(engine: AsyncEngine) -> bool:
    """Whether the database is not at the head of every migration branch (unmigrated included); checked
    with one query and ``script_heads``, without alembic."""
    try:
        async with engine.connect() as conn:
            current = set((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())
    except SQLAlchemyError:  # no alembic_version table yet
        return True
    return current != script_heads()

