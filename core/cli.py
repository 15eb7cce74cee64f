"""What every ``ankang`` verb that uses the database shares, whichever area defines it.

Settings are read (or the verb stops with one clear line, exit 2); an engine lives only for the
verb, connected once (or one clear line, exit 1) and migrated unless the verb is about the schema
itself; then it is disposed. Area CLIs call ``run_with_database``, never ``create_engine`` or
``asyncio.run`` themselves.
"""
from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from core.db import DatabaseUnreachable, SessionMaker, opened
from core.settings import Settings, settings_or_exit

T = TypeVar("T")


def run_with_database(
    work: Callable[[SessionMaker], Awaitable[T]], *, migrate: bool = True, settings: Settings | None = None
) -> T:
    """Run ``work(sessions)`` on the configured database and return what it returns.

    ``work`` opens its sessions (``core.db.transaction(sessions)`` to write); ``settings`` when the
    verb has already loaded them.
    """
    settings = settings or settings_or_exit()

    async def main() -> T:
        async with opened(settings.database_url, migrate=migrate) as sessions:
            return await work(sessions)

    try:
        return asyncio.run(main())
    except DatabaseUnreachable as exc:
        print(f"数据库无法连接 / cannot open the database: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
