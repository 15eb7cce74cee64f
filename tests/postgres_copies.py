"""Each test's PostgreSQL database, made once per pytest worker and put back to the template's state
between tests (issue 9, the suite's speed).

Copying the template for every test (``CREATE DATABASE … TEMPLATE``) and dropping the copy afterwards
cost 0.4–2.5 s a test on this machine, with its load: PostgreSQL 15 writes the whole copy through its WAL, and each
``DROP DATABASE`` forces a checkpoint of the whole server. Emptying the copy's 41 tables instead,
putting back the rows the template holds (alembic_version) and setting every sequence back to where
the template's stands, takes a few milliseconds and leaves the test the same database a new copy
would be. Before a copy is handed out, whatever is still connected to it (a killed bot's pool, a
process a test started) is disconnected, and its catalog is compared with the template's: a copy whose
schema a test changed (a dropped table, an added constraint, a setting) is dropped and copied anew. The
comparison (a digest of the catalog, 45 ms of the server's time) is made only when a cheap mark of the
catalogs (their rows' count and newest transaction) moved since the copy was last put back. The connection
that puts a copy back is kept for the next time, idle while a test runs.
"""
from __future__ import annotations

import asyncio
import functools
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

# The user-defined schema of the connected database in one digest: namespaces, relations (with their
# options and privileges), columns and defaults, constraints, indexes, views, triggers, functions, types,
# enums, rules, policies, extensions, sequences' parameters and the database's own settings.
_USER = "nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"
FINGERPRINT_SQL = f"""
SELECT md5(string_agg(item, E'\\n' ORDER BY item)) FROM (
  SELECT 'n ' || nspname FROM pg_namespace WHERE {_USER}
  UNION ALL
  SELECT format('c %s %s %s %s %s %s %s', c.oid::regclass, c.relkind, c.relpersistence, c.relrowsecurity,
                c.reloptions, c.relacl, CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_USER}
  UNION ALL
  SELECT format('a %s %s %s %s %s %s %s %s', a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod),
                a.attnotnull, a.attisdropped, a.attidentity, a.attgenerated, pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND {_USER}
  UNION ALL
  SELECT format('k %s %s %s %s', k.conrelid::regclass, k.conname, k.convalidated, pg_get_constraintdef(k.oid))
    FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE {_USER}
  UNION ALL
  SELECT 'i ' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE {_USER}
  UNION ALL
  SELECT format('t %s %s %s', tgrelid::regclass, tgname, tgenabled) FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL
  SELECT format('f %s %s', p.oid::regprocedure, md5(p.prosrc))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {_USER}
  UNION ALL
  SELECT format('y %s %s', t.oid::regtype, t.typtype)
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE {_USER}
  UNION ALL
  SELECT format('e %s %s %s', enumtypid::regtype, enumsortorder, enumlabel) FROM pg_enum
  UNION ALL
  SELECT format('r %s %s %s', ev_class::regclass, rulename, ev_enabled)
    FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE {_USER}
  UNION ALL
  SELECT format('p %s %s', polrelid::regclass, polname) FROM pg_policy
  UNION ALL
  SELECT format('x %s %s', extname, extversion) FROM pg_extension
  UNION ALL
  SELECT format('s %s %s %s %s %s %s %s', seqrelid::regclass, seqtypid::regtype, seqstart, seqincrement, seqmax,
                seqmin, seqcycle) FROM pg_sequence
  UNION ALL
  SELECT format('g %s', setconfig) FROM pg_db_role_setting
    WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
) AS catalog(item)
"""


# The catalogs the fingerprint reads, each as its number of rows and its newest row's transaction. A schema
# change writes catalog rows (an insert, or an update: a new row version) or deletes some, so an unchanged
# mark means an unchanged schema; reading it costs a few milliseconds against the fingerprint's 45. A changed
# mark (a schema change, or only autovacuum freezing catalog rows) falls back to comparing the fingerprint.
_MARKED_CATALOGS = ("pg_namespace", "pg_class", "pg_attribute", "pg_attrdef", "pg_constraint", "pg_index",
                    "pg_trigger", "pg_proc", "pg_type", "pg_enum", "pg_rewrite", "pg_policy", "pg_extension",
                    "pg_sequence")
CATALOG_MARK_SQL = "SELECT " + " || ' ' || ".join(
    [f"(SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM pg_catalog.{table})"
     for table in _MARKED_CATALOGS]
    + ["(SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM pg_catalog.pg_db_role_setting"
       " WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()))"])


def without_waiting_for_the_disk(database: str) -> str:
    """The statement that makes commits in ``database`` return before the WAL reaches the disk.

    What a test can observe does not change: a committed row is visible to every other session at
    once; only a crash of the server itself could lose the last commits, and no test crashes the
    suite's server (the outage tests start servers of their own). SQLite's WAL mode at
    synchronous=NORMAL (core/db.py) does not wait for the disk at commit either. On this machine's
    shared disk a waited commit took up to 0.3 s: the console's role matrix, 600 requests, took 205 s
    on PostgreSQL against 15 s on SQLite.
    """
    return f'ALTER DATABASE "{database}" SET synchronous_commit = off'


def admin_dsn(base: str) -> str:
    """asyncpg's DSN of the server's database in ``base`` (a SQLAlchemy URL)."""
    return make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)


def dsn_of(base: str, database: str) -> str:
    return make_url(admin_dsn(base)).set(database=database).render_as_string(hide_password=False)


def quoted(schema: str, name: str) -> str:
    return '"{}"."{}"'.format(schema.replace('"', '""'), name.replace('"', '""'))


@dataclass(frozen=True)
class TemplateState:
    """What a copy of the template holds before a test: its schema's digest, its rows, its sequences."""

    fingerprint: str
    tables: tuple[tuple[str, str], ...]  # (schema, name)
    rows: tuple[tuple[tuple[str, str], str], ...]  # table, its rows as a JSON array (json_agg)
    sequences: tuple[tuple[str, int, bool], ...]  # quoted name, last_value, is_called
    superuser: bool  # whether the suite's role may turn the foreign keys' triggers off (session_replication_role)

    @classmethod
    async def read(cls, conn: asyncpg.Connection) -> TemplateState:
        tables = tuple((r["schemaname"], r["tablename"]) for r in await conn.fetch(
            "SELECT schemaname, tablename FROM pg_tables"
            " WHERE schemaname NOT LIKE 'pg\\_%' AND schemaname <> 'information_schema' ORDER BY 1, 2"))
        rows = []
        for schema, name in tables:
            records = await conn.fetchval(f"SELECT json_agg(t)::text FROM {quoted(schema, name)} AS t")
            if records is not None:
                rows.append(((schema, name), records))
        sequences = []
        for r in await conn.fetch("SELECT schemaname, sequencename FROM pg_sequences ORDER BY 1, 2"):
            name = quoted(r["schemaname"], r["sequencename"])
            state = await conn.fetchrow(f"SELECT last_value, is_called FROM {name}")
            sequences.append((name, int(state["last_value"]), bool(state["is_called"])))
        superuser = await conn.fetchval("SELECT current_setting('is_superuser') = 'on'")
        return cls(await conn.fetchval(FINGERPRINT_SQL), tables, tuple(rows), tuple(sequences), bool(superuser))

    @functools.cached_property
    def restore_sql(self) -> str:
        """Empty every table, refill the template's rows, set the sequences back: one transaction, sent at once
        (the simple query protocol: one round trip to the server instead of eight)."""
        # Nothing to keep if the server crashed meanwhile: no waiting for the WAL's flush.
        statements = ["BEGIN", "SET LOCAL synchronous_commit = off"]
        if self.superuser:
            # Foreign keys are triggers: off for this transaction, so the tables empty in any order.
            statements.append("SET LOCAL session_replication_role = replica")
            statements += [f"DELETE FROM {quoted(*table)}" for table in self.tables]
        elif self.tables:  # slower (new files for every table) but needs no superuser
            statements.append("TRUNCATE " + ", ".join(quoted(*table) for table in self.tables))
        for table, records in self.rows:
            statements.append(f"INSERT INTO {quoted(*table)} SELECT * FROM json_populate_recordset("
                              f"NULL::{quoted(*table)}, {literal(records)})")
        if self.sequences:
            statements.append("SELECT " + ", ".join(
                f"setval({literal(name)}, {value}, {called})" for name, value, called in self.sequences))
        statements.append("COMMIT")
        return "; ".join(statements)

    async def restore(self, conn: asyncpg.Connection) -> None:
        try:
            await conn.execute(self.restore_sql)
        except BaseException:
            if not conn.is_closed() and conn.is_in_transaction():
                await conn.execute("ROLLBACK")
            raise


def literal(text: str) -> str:
    """``text`` as an SQL string literal (standard_conforming_strings, PostgreSQL's default: only quotes double)."""
    return "'" + text.replace("'", "''") + "'"


class KeptConnection(asyncpg.Connection):
    """A connection of the application's engines to a copy; closing it hands it back to its ``KeptConnections``."""

    keeper: KeptConnections | None = None
    kept_database: str | None = None
    kept_params = ""

    async def close(self, *, timeout: float | None = None) -> None:
        if self.keeper is not None and await self.keeper.keep(self):
            return
        await super().close(timeout=timeout)


class KeptConnections:
    """The connections the application's engines opened to this worker's copies, kept when the engines close them.

    Every test opens its own engine (``open_services``) and disposes of it, so each of its connections was a new
    server process that authenticated and loaded the catalog's caches again before its first statements: 3 or 4
    connections a test. Closed, a connection that is idle (outside any transaction, no listeners) is kept instead
    after ``DISCARD ALL`` — its settings, prepared statements, temporary tables, advisory locks, LISTENs and
    sequences' session state dropped, as a new session starts; RESET ALL keeps what the connection's parameters
    set — and handed to the next engine that connects to the same copy with the same parameters from the same
    event loop, once it answered. At most ``limit`` are kept a copy; the copies' reset
    (``PostgresCopies._reset_with``) leaves them connected and disconnects everything else.
    """

    def __init__(self, wanted: Any, limit: int = 6) -> None:
        self.wanted = wanted  # (database name) -> whether its connections are kept
        self.limit = limit
        self.idle: dict[str, list[KeptConnection]] = {}
        self.loop = asyncio.get_running_loop()

    async def connect(self, *args: Any, **kwargs: Any) -> asyncpg.Connection:
        """``asyncpg.connect`` for SQLAlchemy's dialect (its ``async_creator_fn``)."""
        database = kwargs.get("database")
        if not isinstance(database, str) or not self.wanted(database) or asyncio.get_running_loop() is not self.loop:
            return await asyncpg.connect(*args, **kwargs)
        params = repr(sorted(kwargs.items()))  # one engine's connection parameters are not another's
        idle = self.idle.get(database, [])
        while (conn := next((c for c in reversed(idle) if c.kept_params == params), None)) is not None:
            idle.remove(conn)
            if conn.is_closed():
                continue
            try:
                await conn.execute("SELECT 1")  # a test may have ended its server process meanwhile
            except Exception:
                conn.terminate()
                continue
            return conn
        conn = await asyncpg.connect(*args, connection_class=KeptConnection, **kwargs)
        conn.keeper, conn.kept_database, conn.kept_params = self, database, params
        return conn

    async def keep(self, conn: KeptConnection) -> bool:
        """Keep ``conn`` instead of closing it, if it can start a session anew; True when it was kept (or ended)."""
        database = conn.kept_database
        idle = self.idle.setdefault(database or "", [])
        if (database is None or not self.wanted(database) or len(idle) >= self.limit
                or asyncio.get_running_loop() is not self.loop or conn.is_closed() or conn.is_in_transaction()
                or conn._listeners or conn._log_listeners or conn._query_loggers or conn._termination_listeners):
            return False
        try:
            await conn.execute("DISCARD ALL")
        except Exception:
            conn.terminate()
            return True
        except BaseException:
            conn.terminate()
            raise
        conn._drop_local_statement_cache()  # asyncpg's own prepared statements went with DISCARD ALL
        idle.append(conn)
        return True

    def pids(self, database: str) -> list[int]:
        return [conn.get_server_pid() for conn in self.idle.get(database, []) if not conn.is_closed()]

    def forget(self, database: str) -> None:
        for conn in self.idle.pop(database, []):
            conn.keeper = None
            conn.terminate()

    def forget_all(self) -> None:
        for database in list(self.idle):
            self.forget(database)


class PostgresCopies:
    """One pytest worker's copies of the template database, each handed to one test at a time."""

    def __init__(self, base: str, template: str, state: TemplateState) -> None:
        self.base, self.template, self.state = base, template, state
        self.free: list[str] = []
        self.made: set[str] = set()
        # The application's connections to the copies, kept between tests (``KeptConnections``); made by
        # ``keep_connections`` in the event loop that runs the tests.
        self.kept: KeptConnections | None = None
        # Each copy's catalog mark (CATALOG_MARK_SQL) when it was last put back to the template's state.
        self.marks: dict[str, str] = {}
        # Each copy's connection that puts it back, kept between tests (idle, outside any transaction, while
        # a test runs): a new one is a new server process that loads the catalog's caches again, 60–80 ms.
        self.conns: dict[str, asyncpg.Connection] = {}

    async def take(self) -> str:
        """The name of a database in the template's state, for one test."""
        while self.free:
            name = self.free.pop()
            if await self._reset(name):
                return name
            await self._drop(name)
        return await self._copy()

    def give_back(self, name: str) -> None:
        self.free.append(name)

    def keep_connections(self) -> KeptConnections:
        self.kept = KeptConnections(lambda database: database in self.made)
        return self.kept

    async def close(self) -> None:
        if self.kept is not None:
            self.kept.forget_all()
        for name in list(self.made):
            await self._drop(name)

    async def _reset(self, name: str) -> bool:
        kept = self.conns.pop(name, None)
        if kept is not None and not kept.is_closed():
            try:
                return await self._reset_with(kept, name)
            except Exception:  # a test ended that session (terminated its backend): once more, on a new one
                kept.terminate()
        conn = await asyncpg.connect(dsn_of(self.base, name))
        try:
            return await self._reset_with(conn, name)
        except BaseException:
            conn.terminate()
            raise

    async def _reset_with(self, conn: asyncpg.Connection, name: str) -> bool:
        # Whatever the last test left connected goes, as DROP DATABASE … WITH (FORCE) did, but the idle
        # connections kept for the next test's engines (KeptConnections: their sessions already discarded).
        await conn.execute("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity"
                           " WHERE datname = $1 AND pid <> pg_backend_pid() AND pid <> ALL($2::int[])",
                           name, self.kept.pids(name) if self.kept is not None else [])
        mark = await conn.fetchval(CATALOG_MARK_SQL)
        if mark != self.marks.get(name) and await conn.fetchval(FINGERPRINT_SQL) != self.state.fingerprint:
            await conn.close()
            return False  # the test changed the schema
        await self.state.restore(conn)
        # DELETE, INSERT and setval write no catalog row; TRUNCATE (no superuser) writes pg_class.
        self.marks[name] = mark if self.state.superuser else await conn.fetchval(CATALOG_MARK_SQL)
        self.conns[name] = conn
        return True

    async def _copy(self) -> str:
        name = f"ankang_test_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(admin_dsn(self.base))
        try:
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
            # A database's settings are not copied with it; the template's (from fresh_postgres_database) are
            # part of the fingerprint, so the copy gets the same.
            await admin.execute(without_waiting_for_the_disk(name))
        finally:
            await admin.close()
        self.made.add(name)
        return name

    async def _drop(self, name: str) -> None:
        if self.kept is not None:
            self.kept.forget(name)
        kept = self.conns.pop(name, None)
        if kept is not None:
            kept.terminate()
        admin = await asyncpg.connect(admin_dsn(self.base))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        self.made.discard(name)
        self.marks.pop(name, None)
