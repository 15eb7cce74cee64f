"""The log at DEBUG holds no SQL parameters or update payloads, whatever the libraries set (issue 17, row 10)."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from core.logging import configure_logging

SECRET = "城东3号工地配电箱漏电-韩梅梅"


@pytest.fixture
def root_restored():
    """configure_logging replaces the root's handlers: put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in ("aiosqlite", "telegram.ext.Updater", "asyncpg")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


async def test_library_records_below_their_pinned_level_are_dropped_even_when_a_library_turns_them_on(
    root_restored, capfd, tmp_path
):
    configure_logging("DEBUG")
    # What libraries do on their own: SQLAlchemy's echo sets its engine logger to INFO; a library or a
    # plugin may set a child logger to DEBUG. The root is at DEBUG, as with ANKANG_LOG_LEVEL=DEBUG.
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}", echo=True)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT :p"), {"p": SECRET})).scalar_one() == SECRET
    finally:
        await engine.dispose()
    for name in ("aiosqlite", "telegram.ext.Updater", "asyncpg"):
        logging.getLogger(name).setLevel(logging.DEBUG)
        logging.getLogger(name).debug("payload %s", {"message": {"text": SECRET}})
    logging.getLogger("bot.probe").debug("our own debug line")
    logging.getLogger("sqlalchemy.pool").warning("a library warning still shows")
    err = capfd.readouterr().err
    assert "our own debug line" in err and "a library warning still shows" in err
    assert SECRET not in err


async def test_migrating_at_start_prints_no_alembic_lines_at_info(root_restored, capfd, empty_database_url):
    """`ankang run` at INFO: the migrations run at every start, and Alembic's "Context impl SQLiteImpl.",
    "Will assume non-transactional DDL." and "Running upgrade …" lines said nothing an operator needs."""
    from core.db import opened

    alembic_level = logging.getLogger("alembic").level
    try:
        configure_logging("INFO")
        logging.getLogger("core.probe").info("our own info line")
        async with opened(empty_database_url, migrate=True):
            pass
        logging.getLogger("alembic.runtime.migration").warning("an alembic warning still shows")
        err = capfd.readouterr().err
    finally:
        logging.getLogger("alembic").setLevel(alembic_level)
    assert "our own info line" in err and "an alembic warning still shows" in err
    assert "Context impl" not in err and "Running upgrade" not in err and "INFO alembic" not in err


def test_a_connection_reset_cancelled_at_stop_is_one_warning_line_and_other_errors_keep_their_traceback():
    """SQLAlchemy's pool logs a reset interrupted by a task's cancellation with a traceback (the demo printed it
    at /quit); it becomes one warning line. Any other pool error keeps its traceback."""
    import asyncio
    import io

    from core.logging import CancelledResetFilter

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(CancelledResetFilter())
    pool = logging.getLogger("sqlalchemy.pool.impl.AsyncAdaptedQueuePool")
    pool.addHandler(handler)
    try:
        for error in (asyncio.CancelledError(), OSError("disk full")):
            try:
                raise error
            except BaseException:
                pool.error("Exception during reset or similar", exc_info=True)
    finally:
        pool.removeHandler(handler)
    cancelled, other = out.getvalue().split("ERROR", 1)
    assert cancelled.startswith("WARNING") and "Traceback" not in cancelled and "cancelled" in cancelled
    assert "Traceback" in other and "OSError: disk full" in other
