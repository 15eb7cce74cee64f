"""`ankang admin list/add/remove`: two clear sources of admins, and a removal ends console sessions at once."""
from __future__ import annotations

import asyncio

from click.testing import CliRunner, Result
from sqlalchemy import func, select

from ankang.cli import main
from tests.conftest import ADMIN_ID
from web.auth import create_session, load_session
from web.models import AdminSession

ADDED = 4242


async def ankang_admin(settings, *args: str) -> Result:
    """Run `ankang admin …` on the test database, as an operator would from the server's shell."""
    env = {"ANKANG_DATABASE_URL": settings.database_url, "ANKANG_ADMIN_IDS": str(ADMIN_ID),
           "ANKANG_SECRET_KEY": settings.secret_key}
    # The verb runs its own event loop (asyncio.run): give it a thread of its own.
    return await asyncio.to_thread(CliRunner().invoke, main, ["admin", *args], env=env)


async def test_an_added_admin_is_listed_and_removing_them_ends_their_sessions(services, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env
    settings, now = services.settings, services.clock.now()
    added = await ankang_admin(settings, "add", str(ADDED), "--name", "张主席")
    assert added.exit_code == 0, added.output
    async with services.sessions() as session, session.begin():
        cookie, _ = await create_session(session, ADDED, now)
        assert await load_session(session, settings, cookie, now) is not None

    listed = await ankang_admin(settings, "list")
    assert listed.exit_code == 0, listed.output
    lines = {line.split("\t")[0]: line for line in listed.output.splitlines()}
    assert "ANKANG_ADMIN_IDS" in lines[str(ADMIN_ID)] and "ankang admin add" not in lines[str(ADMIN_ID)]
    assert "张主席" in lines[str(ADDED)] and "ankang admin add" in lines[str(ADDED)]

    removed = await ankang_admin(settings, "remove", str(ADDED))
    assert removed.exit_code == 0, removed.output
    async with services.sessions() as session:
        assert await load_session(session, settings, cookie, now) is None
        left = await session.scalar(select(func.count()).select_from(AdminSession).where(AdminSession.user_id == ADDED))
        assert left == 0
    relisted = await ankang_admin(settings, "list")
    assert str(ADDED) not in relisted.output


async def test_removing_an_admin_of_the_settings_says_where_to_remove_them(services, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = await ankang_admin(services.settings, "remove", str(ADMIN_ID))
    assert result.exit_code == 1
    assert "ANKANG_ADMIN_IDS" in result.output
