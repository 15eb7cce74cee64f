"""Storage: migrations build the schema on an empty database; users and admins behave."""
import dataclasses
import shutil

import pytest
from sqlalchemy import inspect, text

from core import admins, db, users
from core.models import Admin, User


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


def test_the_heads_read_from_the_scripts_without_alembic_are_alembics():
    assert db.script_heads() == db.head_revisions()


def test_the_heads_follow_a_script_added_after_they_were_read(tmp_path):
    """They are parsed once per set of scripts: a new revision is not hidden by what was read before."""
    for script in (db.MIGRATIONS_DIR / "versions").glob("*.py"):
        shutil.copyfile(script, tmp_path / script.name)
    before = db.script_heads(tmp_path)
    assert before == db.script_heads()
    (tmp_path / "b006_next.py").write_text('revision = "b006"\ndown_revision = "b005"\n', encoding="utf-8")
    assert db.script_heads(tmp_path) == before - {"b005"} | {"b006"}
    (tmp_path / "b006_next.py").unlink()
    assert db.script_heads(tmp_path) == before


async def test_a_database_needs_an_upgrade_until_it_is_at_every_head(empty_database_url):
    engine = db.create_engine(empty_database_url)
    try:
        assert await db.needs_upgrade(engine)  # no alembic_version table
        await db.upgrade(engine, "0001")
        assert await db.needs_upgrade(engine)  # one branch's first revision
        await db.upgrade(engine)
        assert not await db.needs_upgrade(engine)
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
        await admins.set_on_duty(s, settings, 7, True)
        assert await admins.duty_recipients(s, settings) == [7]
        assert await admins.is_admin(s, settings, 7)
        assert not await admins.is_admin(s, settings, 8)
        await admins.audit(s, 7, "tip.status", "T-1", "已受理 → 核查中")
    async with services.sessions() as s:
        log = await admins.audit_log(s)
        assert [(e.admin_id, e.action) for e in log] == [(7, "tip.status")]
        assert log[0].at.tzinfo is not None


async def test_duty_makes_nobody_an_admin_and_removal_takes_duty_with_it(services):
    """Issue 17, row 4: /duty used to create an admins row that outlived the id's removal from the settings."""
    settings = services.settings
    settings_admin = min(settings.admin_ids)
    async with services.sessions() as s, s.begin():
        await admins.set_on_duty(s, settings, settings_admin, True)
        assert await s.get(Admin, settings_admin) is None
        with pytest.raises(admins.NotAnAdmin):
            await admins.set_on_duty(s, settings, 8, True)
    # The operator takes the id out of ANKANG_ADMIN_IDS: nothing in the database keeps them an admin.
    without = dataclasses.replace(settings, admin_ids=frozenset())
    async with services.sessions() as s, s.begin():
        assert not await admins.is_admin(s, without, settings_admin)
        assert await admins.duty_recipients(s, without) == []
        await admins.add_admin(s, 7, "李")
        await admins.set_on_duty(s, without, 7, True)
        assert [(a.user_id, a.sources, a.on_duty) for a in await admins.list_admins(s, without)] == [
            (7, (admins.AdminSource.ADDED,), True)]
        assert await admins.remove_admin(s, without, 7) == ()
        assert not await admins.is_admin(s, without, 7)
        assert not await admins.is_on_duty(s, 7)


async def test_the_roster_migration_drops_admin_rows_that_duty_created(empty_database_url):
    """Upgrading a 0.1 database: rows never added with `admin add` were /duty by-products and go; duty stays."""
    engine = db.create_engine(empty_database_url)
    try:
        await db.upgrade(engine, "0001")
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO admins (user_id, name, on_duty, added_at) VALUES "
                "(1, '', TRUE, '2026-11-30 08:00:00+00:00'), (2, '王', FALSE, '2026-11-30 08:00:00+00:00'),"
                " (3, '', TRUE, '2026-11-30 08:00:00+00:00')"))
            await conn.execute(text(
                "INSERT INTO audit_log (at, admin_id, action, target, detail) VALUES "
                "('2026-11-30 08:00:00+00:00', 0, 'admin.add', '2', 'via CLI'),"
                " ('2026-11-30 08:00:00+00:00', 0, 'admin.add', '3', 'via CLI'),"
                " ('2026-11-30 08:00:00+00:00', 1, 'duty.on', '', '')"))
        await db.upgrade(engine)
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT user_id, name FROM admins ORDER BY user_id"))).all()
            duty = (await conn.execute(text("SELECT user_id FROM admin_duty ORDER BY user_id"))).scalars().all()
    finally:
        await engine.dispose()
    assert [tuple(r) for r in rows] == [(2, "王"), (3, "")]
    assert list(duty) == [1, 3]


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
