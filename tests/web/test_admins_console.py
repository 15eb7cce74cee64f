"""管理员 in the console: every admin with the source of their rights; adding one by Telegram id and
name; removing one added at run time after a confirmation, which ends their console sessions at once;
refusals (bad ids and names, existing admins, oneself, the settings' admins) in words; all audited."""
from __future__ import annotations

import pytest
from aiohttp import ClientSession, CookieJar
from sqlalchemy import func, select

from core.admins import AdminSource, add_admin, is_admin, set_on_duty
from core.models import Admin, AuditEntry
from tests.conftest import ADMIN_ID, screenshot_path
from tests.web.conftest import AdminHTTP, http_log_in, log_in
from web import messages
from web.auth import COOKIE_NAME
from web.models import AdminSession

ADDED = 4242
OTHER = 5151


async def admins_in_db(services) -> dict[int, str]:
    async with services.sessions() as session:
        return {a.user_id: a.name for a in (await session.execute(select(Admin))).scalars()}


async def audit_entries(services, action: str) -> list[tuple[int, str, str]]:
    async with services.sessions() as session:
        rows = await session.execute(select(AuditEntry.admin_id, AuditEntry.target, AuditEntry.detail)
                                     .where(AuditEntry.action == action).order_by(AuditEntry.id))
        return [tuple(row) for row in rows]


async def sessions_of(services, user_id: int) -> int:
    async with services.sessions() as session:
        return await session.scalar(select(func.count()).select_from(AdminSession)
                                    .where(AdminSession.user_id == user_id))


async def page_text(admin: AdminHTTP, path: str = "/admin/admins") -> str:
    async with await admin.get(path) as response:
        assert response.status == 200
        return await response.text()


async def test_an_added_admin_is_listed_with_their_source_and_the_addition_audited(services, admin_http):
    async with services.sessions() as session, session.begin():
        await set_on_duty(session, services.settings, ADMIN_ID, True)
    async with await admin_http.post("/admin/admins", {"user_id": f" {ADDED} ", "name": " 张  主席 "}) as response:
        assert response.status == 303
        assert response.headers["Location"] == "/admin/admins?done=admin_added"
    assert await admins_in_db(services) == {ADDED: "张 主席"}
    async with services.sessions() as session:
        assert await is_admin(session, services.settings, ADDED)

    text = await page_text(admin_http, "/admin/admins?done=admin_added")
    assert messages.FLASH["admin_added"] in text
    rows = {line.split('data-id="')[1].split('"')[0]: line.split("</li>")[0]
            for line in text.split('<li class="admin" ')[1:]}
    assert AdminSource.SETTINGS.label in rows[str(ADMIN_ID)] and "值班中" in rows[str(ADMIN_ID)]
    assert "需修改 ANKANG_ADMIN_IDS" in rows[str(ADMIN_ID)] and "/remove" not in rows[str(ADMIN_ID)]
    assert "张 主席" in rows[str(ADDED)] and AdminSource.ADDED.label in rows[str(ADDED)]
    assert AdminSource.SETTINGS.label not in rows[str(ADDED)] and "值班中" not in rows[str(ADDED)]
    assert f'action="/admin/admins/{ADDED}/remove"' in rows[str(ADDED)]
    assert await audit_entries(services, "admin.add") == [(ADMIN_ID, str(ADDED), "")]


@pytest.mark.parametrize("user_id", [
    "", "   ", "abc", "12a", "²", "①", "１２３", "٣٤٥", "-5", "+5", "0", "000", "1 2", "1.0", "1e9",
    "1" * 17, "9" * 1000, "12\x0034",
])
async def test_an_id_that_is_not_ascii_digits_is_refused_with_a_reason(services, admin_http, user_id):
    async with await admin_http.post("/admin/admins", {"user_id": user_id, "name": "李四"}) as response:
        assert response.status == 400
        text = await response.text()
    assert messages.ADMIN_ID_INVALID in text
    assert 'value="李四"' in text  # what was typed is kept
    assert await admins_in_db(services) == {}
    assert await audit_entries(services, "admin.add") == []


@pytest.mark.parametrize("name, error", [
    ("", messages.ADMIN_NAME_EMPTY),
    (" \t\n ", messages.ADMIN_NAME_EMPTY),
    ("\x00\x01\x7f", messages.ADMIN_NAME_EMPTY),
    ("长" * 65, messages.ADMIN_NAME_TOO_LONG.format(limit=64, given=65)),
    ("x" * 100_000, messages.ADMIN_NAME_TOO_LONG.format(limit=64, given=100_000)),
])
async def test_an_empty_or_long_name_is_refused_with_a_reason(services, admin_http, name, error):
    async with await admin_http.post("/admin/admins", {"user_id": str(ADDED), "name": name}) as response:
        assert response.status == 400
        assert error in await response.text()
    assert await admins_in_db(services) == {}


async def test_unstorable_and_control_characters_are_dropped_from_a_name(services, admin_http):
    async with await admin_http.post("/admin/admins", {"user_id": str(ADDED), "name": "王\x00五\x07"}) as response:
        assert response.status == 303
    assert await admins_in_db(services) == {ADDED: "王五"}


async def test_a_name_carrying_html_is_shown_as_text(services, admin_http):
    from tests.web.test_escaping import ATTRIBUTE, SCRIPT, assert_inert

    for user_id, name in ((ADDED, SCRIPT), (OTHER, ATTRIBUTE)):
        async with await admin_http.post("/admin/admins", {"user_id": str(user_id), "name": name}) as response:
            assert response.status == 303
    assert_inert(await page_text(admin_http))
    for user_id in (ADDED, OTHER):
        async with await admin_http.post(f"/admin/admins/{user_id}/remove") as response:
            assert response.status == 200
            assert_inert(await response.text())
        async with await admin_http.post("/admin/admins", {"user_id": str(user_id), "name": SCRIPT}) as response:
            assert response.status == 409
            assert_inert(await response.text())


async def test_adding_someone_who_is_already_an_admin_says_so(services, admin_http):
    async with services.sessions() as session, session.begin():
        await add_admin(session, ADDED, "张主席")
    for user_id, source in ((ADMIN_ID, AdminSource.SETTINGS), (ADDED, AdminSource.ADDED)):
        async with await admin_http.post("/admin/admins", {"user_id": str(user_id), "name": "别名"}) as response:
            assert response.status == 409
            text = await response.text()
        assert "已经是管理员" in text and source.label in text
    assert await admins_in_db(services) == {ADDED: "张主席"}  # the name was not changed either
    assert await audit_entries(services, "admin.add") == []


async def test_removing_asks_first_then_ends_the_admins_sessions_at_once(services, admin_http, web_url):
    async with services.sessions() as session, session.begin():
        await add_admin(session, ADDED, "张主席")
        await set_on_duty(session, services.settings, ADDED, True)
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        removed = await http_log_in(http, web_url, services.settings, services.clock.now(), user_id=ADDED)
        assert "张主席" in await page_text(removed)

        async with await admin_http.post(f"/admin/admins/{ADDED}/remove") as response:
            assert response.status == 200  # the confirmation, nothing removed yet
            text = await response.text()
        assert "确认移除" in text and "张主席" in text and 'name="confirmed" value="1"' in text
        assert await admins_in_db(services) == {ADDED: "张主席"}
        assert "张主席" in await page_text(removed)

        async with await admin_http.post(f"/admin/admins/{ADDED}/remove", {"confirmed": "1"}) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/admin/admins?done=admin_removed"
        assert await admins_in_db(services) == {}
        assert await sessions_of(services, ADDED) == 0

        # The removed admin's very next requests, a page and a form with their token, are refused.
        async with await removed.get("/admin/admins") as response:
            assert response.status == 303 and response.headers["Location"].startswith("/admin/login")
        async with await removed.post("/admin/admins", {"user_id": "777", "name": "后门"}) as response:
            assert response.status == 303 and response.headers["Location"].startswith("/admin/login")
        assert await admins_in_db(services) == {}

        # Their sessions ended, not only their rights: added again, the old cookie stays dead.
        async with services.sessions() as session, session.begin():
            await add_admin(session, ADDED, "张主席")
        async with (
            ClientSession(cookies={COOKIE_NAME: removed.cookie}) as replay,
            replay.get(web_url + "/admin/admins", allow_redirects=False) as response,
        ):
            assert response.status == 303
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Admin).where(Admin.user_id == ADDED)) == 1
    assert await audit_entries(services, "admin.remove") == [(ADMIN_ID, str(ADDED), "张主席")]
    assert messages.FLASH["admin_removed"] in await page_text(admin_http, "/admin/admins?done=admin_removed")


async def test_oneself_the_settings_admins_and_strangers_cannot_be_removed(services, web_url):
    async with services.sessions() as session, session.begin():
        await add_admin(session, ADDED, "张主席")
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        added = await http_log_in(http, web_url, services.settings, services.clock.now(), user_id=ADDED)
        assert "不能移除自己" in await page_text(added)
        cases = [(ADDED, 400, messages.ADMIN_REMOVE_SELF),
                 (ADMIN_ID, 400, messages.ADMIN_REMOVE_SETTINGS.format(who=f"管理员 {ADMIN_ID}")),
                 (OTHER, 404, messages.ADMIN_NOT_FOUND.format(who=f"管理员 {OTHER}"))]
        for user_id, status, error in cases:
            for data in ({}, {"confirmed": "1"}):
                async with await added.post(f"/admin/admins/{user_id}/remove", data) as response:
                    assert response.status == status, (user_id, data)
                    assert error in await response.text()
        async with await added.post(f"/admin/admins/{'9' * 17}/remove", {"confirmed": "1"}) as response:
            assert response.status == 404
            assert messages.NOT_FOUND in await response.text()
        assert "张主席" in await page_text(added)  # still signed in: nothing was removed
    assert await admins_in_db(services) == {ADDED: "张主席"}
    assert await audit_entries(services, "admin.remove") == []


async def test_list_add_and_remove_in_the_browser(services, page, web_url):
    await log_in(page, web_url, services.settings, services.clock.now())
    await page.click("nav.tabs >> text=管理员")
    await page.wait_for_url(f"{web_url}/admin/admins")
    me = page.locator(f"#admins li[data-id='{ADMIN_ID}']")
    assert AdminSource.SETTINGS.label in await me.inner_text()
    assert await me.locator("button").count() == 0

    await page.fill("#user_id", "１２３")  # full-width digits: refused with the reason, the form kept
    await page.fill("#name", "张主席")
    await page.evaluate("document.querySelector('#user_id').removeAttribute('pattern')")
    await page.click("#admin-add-submit")
    assert messages.ADMIN_ID_INVALID in await page.text_content("#admin-errors")
    assert await page.input_value("#name") == "张主席"

    await page.fill("#user_id", str(ADDED))
    await page.click("#admin-add-submit")
    await page.locator(".flash", has_text=messages.FLASH["admin_added"]).wait_for()
    row = page.locator(f"#admins li[data-id='{ADDED}']")
    assert "张主席" in await row.inner_text() and AdminSource.ADDED.label in await row.inner_text()
    await page.screenshot(path=screenshot_path("admins"), full_page=True)

    await row.locator("button", has_text="移除").click()
    await page.locator("#confirm").wait_for()
    assert "张主席" in await page.text_content("#confirm")
    await page.click("#confirm-no")  # changed one's mind: still there
    await page.wait_for_url(f"{web_url}/admin/admins")
    await row.locator("button", has_text="移除").click()
    await page.click("#confirm-yes")
    await page.locator(".flash", has_text=messages.FLASH["admin_removed"]).wait_for()
    assert await page.locator(f"#admins li[data-id='{ADDED}']").count() == 0
    assert await admins_in_db(services) == {}
    assert [a for _, _, a in await audit_entries(services, "admin.remove")] == ["张主席"]
