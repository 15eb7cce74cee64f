"""The console's 管理员 page with roles (issue 12, point 3): an invitation link for a role at a unit, the
invitee listed by their Telegram name with the role, a role taken away after a confirmation (the last
one ends their console sessions), a scoped 管理员 seeing and managing only their subtree, and a role
removed while its holder is signed in refusing their next request in words; the audit log of a scoped
admin keeps to their subtree."""
from __future__ import annotations

import re

from aiohttp import ClientSession
from sqlalchemy import select

from core.admins import audit
from core.models import AuditEntry
from org import roles, service
from org.roles import Role
from tests.conftest import ADMIN_ID
from web.auth import COOKIE_NAME, create_session
from web.typedefs import SITE

INVITEE, SCOPED = 6101, 6102


async def _tree(services) -> dict[str, int]:
    async with services.sessions() as s, s.begin():
        units = {}
        for code, parent in (("city", None), ("d1", "city"), ("s1", "d1"), ("d2", "city")):
            units[code] = (await service.add_unit(s, code, f"{code} 工会", "", parent)).id
    return units


async def _session_cookie(services, user_id: int) -> str:
    async with services.sessions() as s, s.begin():
        cookie, _ = await create_session(s, user_id, services.clock.now())
    return cookie


async def test_an_invitation_link_grants_the_role_and_the_role_can_be_taken_away(services, web_server, admin_http):
    units = await _tree(services)
    web_server.app[SITE].bot_username = "ankang_test_bot"
    async with await admin_http.post("/admin/admins/invite", {"unit_id": str(units["d1"]), "role": "tips"}) as r:
        assert r.status == 200
        page = await r.text()
    link = re.search(r'<code id="invite-link">([^<]+)</code>', page).group(1)
    assert link.startswith("https://t.me/ankang_test_bot?start=inv_") and "d1 工会 · 举报处理" in page
    token = link.split("start=inv_")[1]
    async with services.sessions() as s, s.begin():
        await roles.accept_invite(s, services.settings, token, INVITEE, "李 安全员", services.clock.now())
    async with await admin_http.get("/admin/admins") as r:
        page = await r.text()
    row = page.split(f'data-id="{INVITEE}"')[1].split('<li class="admin"')[0]
    assert "李 安全员" in row and "举报处理" in row and "d1 工会" in row
    grant_id = int(re.search(r'/admin/admins/grants/(\d+)/remove', row).group(1))

    cookie = await _session_cookie(services, INVITEE)
    async with ClientSession() as http:
        tips = await http.get(f"{admin_http.base_url}/admin/tips", headers={"Cookie": f"{COOKIE_NAME}={cookie}"},
                              allow_redirects=False)
        assert tips.status == 200
    async with await admin_http.post(f"/admin/admins/grants/{grant_id}/remove") as r:
        assert r.status == 200 and "移除 李 安全员（6101） 在「d1 工会」的「举报处理」角色" in await r.text()
    async with await admin_http.post(f"/admin/admins/grants/{grant_id}/remove", {"confirmed": "1"}) as r:
        assert r.status == 303
    async with ClientSession() as http:  # the last role: no admin any more, signed out at once
        tips = await http.get(f"{admin_http.base_url}/admin/tips", headers={"Cookie": f"{COOKIE_NAME}={cookie}"},
                              allow_redirects=False)
        assert tips.status == 303 and "/admin/login" in tips.headers["Location"]
    async with await admin_http.post(f"/admin/admins/grants/{grant_id}/remove", {"confirmed": "1"}) as r:
        assert r.status == 404 and "这个角色已不存在" in await r.text()
    async with services.sessions() as s:
        rows = (await s.execute(select(AuditEntry.action, AuditEntry.unit_id)
                                .where(AuditEntry.action.in_(["admin.invite", "admin.role_remove"])))).all()
    assert sorted(rows) == [("admin.invite", units["d1"]), ("admin.role_remove", units["d1"])]
    async with await admin_http.get("/admin/audit") as r:
        log = await r.text()
    assert "移除管理员角色" in log and '<td class="hide-sm small">d1 工会</td>' in log


async def test_a_scoped_admin_sees_and_manages_only_their_subtree(services, web_server, web_url):
    units = await _tree(services)
    web_server.app[SITE].bot_username = "ankang_test_bot"
    async with services.sessions() as s, s.begin():
        await roles.grant(s, SCOPED, "区管理员", Role.ADMIN, units["d1"], by=ADMIN_ID)
        await roles.grant(s, INVITEE, "街道", Role.PUSH, units["s1"], by=ADMIN_ID)
        await roles.grant(s, 6103, "邻区", Role.TIPS, units["d2"], by=ADMIN_ID)
    headers = {"Cookie": f"{COOKIE_NAME}={await _session_cookie(services, SCOPED)}"}
    async with ClientSession() as http:
        page = await (await http.get(f"{web_url}/admin/admins", headers=headers)).text()
        assert "街道" in page and "邻区" not in page and str(ADMIN_ID) not in page
        assert 'id="admin-add"' not in page and 'id="admin-invite"' in page  # adding by id: the whole tree's
        options = re.findall(r'<option value="(\d*)">', page.split('id="invite-unit"')[1].split("</select>")[0])
        assert options == [str(units["d1"]), str(units["s1"])]
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        refused = await http.post(f"{web_url}/admin/admins/invite", headers=headers,
                                  data={"unit_id": str(units["d2"]), "role": "admin", "csrf_token": csrf})
        assert refused.status == 403 and "你在「d2 工会」没有「管理员」权限" in await refused.text()
        made = await http.post(f"{web_url}/admin/admins/invite", headers=headers,
                               data={"unit_id": str(units["s1"]), "role": "readonly", "csrf_token": csrf})
        assert made.status == 200 and "start=inv_" in await made.text()


async def test_a_role_removed_mid_action_refuses_the_next_request_in_words(services, web_url):
    units = await _tree(services)
    async with services.sessions() as s, s.begin():
        await roles.grant(s, SCOPED, "知识库员", Role.KNOWLEDGE, units["city"], by=ADMIN_ID)
        await roles.grant(s, SCOPED, "知识库员", Role.READONLY, units["d1"], by=ADMIN_ID)
    headers = {"Cookie": f"{COOKIE_NAME}={await _session_cookie(services, SCOPED)}"}
    async with ClientSession() as http:
        form = await (await http.get(f"{web_url}/admin/knowledge/faq/new", headers=headers)).text()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        async with services.sessions() as s, s.begin():
            grant = next(g for g in await roles.list_grants(s) if g.role is Role.KNOWLEDGE)
            await roles.revoke(s, services.settings, grant.grant_id)
        sent = await http.post(f"{web_url}/admin/knowledge/faq", headers=headers,
                               data={"question": "劳保用品谁出钱", "answer": "单位出", "csrf_token": csrf})
        assert sent.status == 403
        assert "你在「全部单位」没有「知识库」权限（也可能刚被移除）" in await sent.text()
        # Still an admin (只读 at d1): the page of their unit opens.
        assert (await http.get(f"{web_url}/admin/org/{units['d1']}", headers=headers)).status == 200


async def test_the_menu_shows_only_the_areas_a_role_may_see(services, web_url):
    units = await _tree(services)
    async with services.sessions() as s, s.begin():
        await roles.grant(s, SCOPED, "知识库员", Role.KNOWLEDGE, units["d1"], by=ADMIN_ID)
    headers = {"Cookie": f"{COOKIE_NAME}={await _session_cookie(services, SCOPED)}"}
    async with ClientSession() as http:
        page = await (await http.get(f"{web_url}/admin/knowledge/faq", headers=headers)).text()
    nav = page.split('<nav class="tabs"')[1].split("</nav>")[0]
    assert all(f'href="{href}"' in nav for href in ("/admin/knowledge", "/admin/handoffs", "/admin/org"))
    assert all(f'href="{href}"' not in nav for href in ("/admin/tips", "/admin/broadcasts", "/admin/lessons"))


async def test_the_audit_log_shows_a_scoped_admin_only_the_entries_of_their_subtree(services, web_url, admin_http):
    units = await _tree(services)
    async with services.sessions() as s, s.begin():
        await roles.grant(s, SCOPED, "区只读", Role.READONLY, units["d1"], by=ADMIN_ID)
        await roles.grant(s, 6103, "邻区员", Role.TIPS, units["d2"], by=ADMIN_ID)
        await audit(s, ADMIN_ID, "tip.note", "tip:11", unit_id=units["d1"])
        await audit(s, ADMIN_ID, "tip.note", "tip:12", unit_id=units["s1"])
        await audit(s, 6103, "tip.note", "tip:13", unit_id=units["d2"])
        await audit(s, ADMIN_ID, "tip.note", "tip:14", unit_id=units["city"])
        await audit(s, ADMIN_ID, "tip.note", "tip:15")  # of no unit: the whole tree's
    headers = {"Cookie": f"{COOKIE_NAME}={await _session_cookie(services, SCOPED)}"}
    async with ClientSession() as http:
        page = await (await http.get(f"{web_url}/admin/audit?action=tip.note", headers=headers)).text()
        export = await (await http.get(f"{web_url}/admin/audit/export.csv?action=tip.note", headers=headers)).text()
        filter_page = await (await http.get(f"{web_url}/admin/audit", headers=headers)).text()
    shown = set(re.findall(r"/admin/tips/(\d+)", page))
    assert shown == {"11", "12"}
    assert "举报 #11" in export and "举报 #12" in export
    assert all(f"举报 #{n}" not in export for n in (13, 14, 15))
    admin_filter = filter_page.split('id="admin-filter"')[1].split("</select>")[0]
    assert "邻区员" not in admin_filter  # nobody only seen outside the subtree is named
    async with await admin_http.get("/admin/audit?action=tip.note") as r:  # a super-admin: every entry
        assert set(re.findall(r"/admin/tips/(\d+)", await r.text())) == {"11", "12", "13", "14", "15"}


async def test_the_owner_picker_lists_only_the_tip_handlers_over_the_tips_unit(services, admin_http):
    from tips.service import TipDraft, submit_tip

    units = await _tree(services)
    async with services.sessions() as s, s.begin():
        await roles.grant(s, 6201, "街道举报员", Role.TIPS, units["s1"], by=ADMIN_ID)
        await roles.grant(s, 6202, "区管理员", Role.ADMIN, units["d1"], by=ADMIN_ID)
        await roles.grant(s, 6203, "邻区举报员", Role.TIPS, units["d2"], by=ADMIN_ID)
        await roles.grant(s, 6204, "区推送员", Role.PUSH, units["d1"], by=ADMIN_ID)
        tip = await submit_tip(s, TipDraft("fire", "mall", "东华街道某商场", "安全出口被货架堵住，还上了锁。", False,
                                           unit_id=units["s1"]), now=services.clock.now(),
                               cost=services.tips.receipt_cost)
    async with await admin_http.get(f"/admin/tips/{tip.tip_id}") as r:
        page = await r.text()
    picker = page.split('<select id="owner"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\d+)"', picker) == [str(u) for u in sorted([ADMIN_ID, 6201, 6202])]
    async with await admin_http.post(f"/admin/tips/{tip.tip_id}/owner", {"owner": "6203"}) as r:
        assert r.status == 400 and "没有「举报处理」权限" in await r.text()
    async with await admin_http.post(f"/admin/tips/{tip.tip_id}/owner", {"owner": "6201"}) as r:
        assert r.status == 303
