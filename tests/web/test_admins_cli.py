"""`ankang admin list/add/remove/grant/revoke`: two clear sources of admins, roles at units granted and revoked
like the console does (with the audit log), and a removal ends console sessions at once."""
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


async def test_roles_are_granted_listed_and_revoked_from_the_shell_with_the_audit_log(services, monkeypatch, tmp_path):
    from core.models import AuditEntry
    from org import roles, service
    from org.roles import Role

    monkeypatch.chdir(tmp_path)
    settings, now = services.settings, services.clock.now()
    async with services.sessions() as session, session.begin():
        city = await service.add_unit(session, "city", "某市总工会", "市")
        east = await service.add_unit(session, "east", "东区总工会", "区县", "city")
        await service.add_unit(session, "gone", "已撤销工会", "基层", "east")
        await service.retire(session, (await service.unit_by_code(session, "gone")).id)

    granted = await ankang_admin(settings, "grant", str(ADDED), "east", "tips", "--name", "李安全员")
    assert granted.exit_code == 0, granted.output
    assert "已授予 4242「东区总工会」的「举报处理」角色" in granted.output
    by_label = await ankang_admin(settings, "grant", str(ADDED), "*", "只读")
    assert by_label.exit_code == 0 and "「全部单位」的「只读」" in by_label.output
    again = await ankang_admin(settings, "grant", str(ADDED), "east", "举报处理")
    assert again.exit_code == 0 and "已有" in again.output
    for args, code, words in ((["nowhere", "tips"], 1, "没有单位代码"), (["gone", "tips"], 1, "已撤销"),
                              (["east", "boss"], 2, "可选：admin（管理员）")):
        refused = await ankang_admin(settings, "grant", str(ADDED), *args)
        assert refused.exit_code == code and words in refused.output, refused.output
    supreme = await ankang_admin(settings, "grant", str(ADMIN_ID), "east", "push")
    assert supreme.exit_code == 0 and "ANKANG_ADMIN_IDS" in supreme.output
    async with services.sessions() as session:
        assert await roles.can(session, settings, ADDED, Role.TIPS, east.id)
        assert not await roles.can(session, settings, ADDED, Role.TIPS, city.id)
        assert [(g.role, g.unit_id) for g in await roles.list_grants(session)] == [(Role.READONLY, None),
                                                                                   (Role.TIPS, east.id)]

    listed = await ankang_admin(settings, "list")
    lines = {line.split("\t")[0]: line.split("\t") for line in listed.output.splitlines()}
    assert lines[str(ADDED)][1] == "李安全员"
    assert set(lines[str(ADDED)][2].split("，")) == {"举报处理@东区总工会", "只读@全部单位"}
    assert lines[str(ADMIN_ID)][2] == "管理员@全部单位"

    async with services.sessions() as session, session.begin():
        cookie, _ = await create_session(session, ADDED, now)
    missing = await ankang_admin(settings, "revoke", str(ADDED), "city", "tips")
    assert missing.exit_code == 1 and "没有「某市总工会」的「举报处理」角色" in missing.output
    first = await ankang_admin(settings, "revoke", str(ADDED), "*", "readonly")
    assert first.exit_code == 0 and "最后一个角色" not in first.output
    async with services.sessions() as session:
        assert await load_session(session, settings, cookie, now) is not None  # still 举报处理 at east
    last = await ankang_admin(settings, "revoke", str(ADDED), "east", "tips")
    assert last.exit_code == 0 and "最后一个角色" in last.output
    async with services.sessions() as session:
        assert await load_session(session, settings, cookie, now) is None
        assert not await roles.holds(session, settings, ADDED, Role.READONLY)
        audits = (await session.execute(select(AuditEntry.admin_id, AuditEntry.action, AuditEntry.target,
                                               AuditEntry.detail, AuditEntry.unit_id)
                                        .where(AuditEntry.action.like("admin.role_%"))
                                        .order_by(AuditEntry.id))).all()
    assert audits == [(0, "admin.role_grant", str(ADDED), "举报处理@东区总工会", east.id),
                      (0, "admin.role_grant", str(ADDED), "只读@全部单位", None),
                      (0, "admin.role_remove", str(ADDED), "只读@全部单位", None),
                      (0, "admin.role_remove", str(ADDED), "举报处理@东区总工会", east.id)]
