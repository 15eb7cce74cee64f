"""The PostgreSQL copies each test gets (tests/postgres_copies.py): a copy whose rows a test changed comes back
in the template's state; one whose schema a test changed is replaced by a new copy, whether the catalog's cheap
mark or only the full fingerprint sees it."""
from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import _migrate, fresh_postgres_database, postgres_server_url
from tests.postgres_copies import CATALOG_MARK_SQL, PostgresCopies, TemplateState, admin_dsn, dsn_of


@pytest.fixture
async def copies() -> AsyncIterator[PostgresCopies]:
    base = postgres_server_url()
    if base is None:
        pytest.skip("no PostgreSQL server configured (ANKANG_TEST_POSTGRES_URL)")
    async with fresh_postgres_database(base) as template:
        await _migrate(template)
        conn = await asyncpg.connect(admin_dsn(template))
        try:
            state = await TemplateState.read(conn)
        finally:
            await conn.close()
        name = make_url(template).database
        assert name is not None
        admin = await asyncpg.connect(admin_dsn(base))
        try:
            await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        finally:
            await admin.close()
        made = PostgresCopies(base, name, state)
        try:
            yield made
        finally:
            await made.close()


async def run(copies: PostgresCopies, name: str, *statements: str) -> None:
    conn = await asyncpg.connect(dsn_of(copies.base, name))
    try:
        for statement in statements:
            await conn.execute(statement.replace("{name}", name))
    finally:
        await conn.close()


async def again(copies: PostgresCopies, name: str, *statements: str) -> str:
    """Run ``statements`` in copy ``name`` as a test would, give it back and take a copy for the next test."""
    await run(copies, name, *statements)
    copies.give_back(name)
    return await copies.take()


async def test_a_copy_whose_rows_changed_is_reused_in_the_templates_state(copies: PostgresCopies) -> None:
    name = await copies.take()
    again_name = await again(
        copies, name, "DELETE FROM alembic_version",
        "INSERT INTO users (chat_id, language, subscribed, first_seen_at) VALUES (1, 'zh-hans', true, now())",
        "CREATE TEMP TABLE scratch (a int)")
    assert again_name == name
    conn = await asyncpg.connect(dsn_of(copies.base, name))
    try:
        assert await conn.fetchval("SELECT count(*) FROM users") == 0
        assert await conn.fetchval("SELECT count(*) FROM alembic_version") > 0
    finally:
        await conn.close()


@pytest.mark.parametrize("change", [
    "ALTER TABLE users ADD COLUMN extra int",
    "CREATE INDEX extra ON alembic_version (version_num)",
    "DROP TABLE alembic_version",
    "GRANT SELECT ON users TO PUBLIC",
    """ALTER DATABASE "{name}" SET work_mem = '8MB'""",
])
async def test_a_copy_whose_schema_changed_is_replaced(copies: PostgresCopies, change: str) -> None:
    name = await copies.take()
    assert await again(copies, name, change) != name


async def test_a_moved_mark_alone_keeps_the_copy(copies: PostgresCopies) -> None:
    """A catalog change the fingerprint does not cover (a column's statistics target) moves the mark:
    the fingerprint decides, and the schema is the template's."""
    name = await again(copies, await copies.take())  # put back once: its mark is known
    before = copies.marks[name]
    await run(copies, name, "ALTER TABLE users ALTER COLUMN chat_id SET STATISTICS 500")
    conn = await asyncpg.connect(dsn_of(copies.base, name))
    try:
        assert await conn.fetchval(CATALOG_MARK_SQL) != before
    finally:
        await conn.close()
    copies.give_back(name)
    assert await copies.take() == name


async def test_the_connection_that_puts_a_copy_back_is_kept_and_replaced_when_a_test_ended_it(
        copies: PostgresCopies) -> None:
    name = await again(copies, await copies.take())
    kept = copies.conns[name]
    assert await again(copies, name) == name and copies.conns[name] is kept  # the same session, not a new one
    ended = "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = current_database()" \
            " AND pid <> pg_backend_pid()"
    assert await again(copies, name, ended, "DELETE FROM alembic_version") == name
    assert kept.is_closed() and copies.conns[name] is not kept
    conn = await asyncpg.connect(dsn_of(copies.base, name))
    try:
        assert await conn.fetchval("SELECT count(*) FROM alembic_version") > 0  # put back all the same
    finally:
        await conn.close()


async def test_an_engines_idle_connections_are_kept_for_the_next_test_with_their_sessions_discarded(
        copies: PostgresCopies) -> None:
    """The connections an engine closes are handed to the next test's engine as new sessions (KeptConnections);
    one in a transaction, or whose server process a test ended, is not."""
    kept = copies.keep_connections()
    name = await copies.take()
    url = make_url(copies.base).set(database=name)
    params = {"host": url.host, "port": url.port, "user": url.username, "database": name}
    first = await kept.connect(**params)
    await first.execute("SET work_mem = '9MB'; CREATE TEMP TABLE scratch (a int); SELECT pg_advisory_lock(7);"
                        " PREPARE mine AS SELECT 1")
    await first.close()
    assert kept.pids(name) == [first.get_server_pid()]
    copies.give_back(name)
    assert await copies.take() == name
    conn = await kept.connect(**params)
    assert conn is first and not conn.is_closed()  # kept, and the copy's reset left it connected
    assert await conn.fetchval("SHOW work_mem") != "9MB"
    assert await conn.fetchval("SELECT to_regclass('pg_temp.scratch')") is None
    assert await conn.fetchval("SELECT count(*) FROM pg_prepared_statements WHERE name = 'mine'") == 0
    # This session's own advisory locks: the server's other sessions (a PostgreSQL run beside it) hold theirs.
    assert await conn.fetchval(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()") == 0
    await conn.execute("BEGIN")
    await conn.close()  # in a transaction: really closed
    assert conn.is_closed() and not kept.idle[name]
    again_conn = await kept.connect(**params)
    await again_conn.close()
    other = await asyncpg.connect(dsn_of(copies.base, name))
    try:
        await other.execute("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND pid <> pg_backend_pid()")
    finally:
        await other.close()
    fresh = await kept.connect(**params)  # the kept one was ended: a new session instead
    try:
        assert fresh is not again_conn and await fresh.fetchval("SELECT 1") == 1
    finally:
        fresh.terminate()


async def test_a_kept_connection_goes_only_to_an_engine_with_the_same_parameters(copies: PostgresCopies) -> None:
    kept = copies.keep_connections()
    name = await copies.take()
    url = make_url(copies.base).set(database=name)
    params = {"host": url.host, "port": url.port, "user": url.username, "database": name}
    named = {**params, "server_settings": {"application_name": "kept-test"}}
    first = await kept.connect(**named)
    await first.close()
    plain = await kept.connect(**params)
    try:
        assert plain is not first and await plain.fetchval("SHOW application_name") != "kept-test"
    finally:
        plain.terminate()
    again_named = await kept.connect(**named)
    try:
        assert again_named is first and await again_named.fetchval("SHOW application_name") == "kept-test"
    finally:
        again_named.terminate()
