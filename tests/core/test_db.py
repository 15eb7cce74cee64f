"""Storage: migrations build the schema on an empty database; users and admins behave."""
from sqlalchemy import inspect

from core import admins, db, users
from core.models import User


async def test_migrations_upgrade_an_empty_database(empty_database_url):
    engine = db.create_engine(empty_database_url)
    try:
        assert await db.current_revisions(engine) == ()
        await db.upgrade(engine)
        # One branch per area off the core tables: the database is at each branch's head.
        assert set(await db.current_revisions(engine)) == db.head_revisions()
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"users", "admins", "audit_log", "alembic_version"} <= tables
        # Running again is a no-op, not an error.
        await db.upgrade(engine)
    finally:
        await engine.dispose()


async def test_users_table_keeps_only_what_is_needed_to_reach_a_worker():
    assert set(User.__table__.columns.keys()) == {
        "chat_id", "language", "subscribed", "display_name", "first_seen_at", "blocked_at",
    }


async def test_record_block_and_return(services):
    async with services.sessions() as s, s.begin():
        user, is_new = await users.record_user(s, 42, "zh-CN")
        assert is_new and user.language == "zh-hans"
        _, again = await users.record_user(s, 42)
        assert not again
    async with services.sessions() as s, s.begin():
        await users.mark_blocked(s, 42)
    async with services.sessions() as s:
        assert (await s.get(User, 42)).blocked_at is not None
    async with services.sessions() as s, s.begin():
        await users.record_user(s, 42)
    async with services.sessions() as s:
        assert (await s.get(User, 42)).active


async def test_duty_roster_falls_back_to_all_admins(services):
    settings = services.settings
    async with services.sessions() as s, s.begin():
        await admins.add_admin(s, 7, "李")
        assert await admins.duty_recipients(s, settings) == sorted(settings.admin_ids | {7})
        await admins.set_on_duty(s, 7, True)
        assert await admins.duty_recipients(s, settings) == [7]
        assert await admins.is_admin(s, settings, 7)
        assert not await admins.is_admin(s, settings, 8)
        await admins.audit(s, 7, "tip.status", "T-1", "已受理 → 核查中")
    async with services.sessions() as s:
        log = await admins.audit_log(s)
        assert [(e.admin_id, e.action) for e in log] == [(7, "tip.status")]
        assert log[0].at.tzinfo is not None


async def test_migrations_match_every_model(empty_database_url):
    """Alembic owns the schema: a database migrated from scratch must equal what the models declare.

    (Every other test starts from a copy of a template migrated the same way; this one does not
    rely on it.)"""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.model_registry import metadata

    def diff(conn):
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)

    engine = db.create_engine(empty_database_url)
    try:
        await db.upgrade(engine)
        async with engine.connect() as conn:
            changes = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert changes == []
