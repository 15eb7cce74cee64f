"""Alembic environment: runs on a connection handed in by core.db.upgrade, or on ANKANG_DATABASE_URL."""
from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from core.model_registry import metadata

config = context.config


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    from core.db import create_engine
    from core.settings import load_settings

    async def run() -> None:
        engine = create_engine(load_settings().database_url)
        async with engine.begin() as conn:
            await conn.run_sync(run_on)
        await engine.dispose()

    asyncio.run(run())


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run `ankang db upgrade`")
main()
