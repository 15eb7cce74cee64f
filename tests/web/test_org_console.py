"""组织架构 in the console, in Chromium: add units, see them in the tree, rename, move (no cycles),
retire, and download a unit's QR code and poster, which decode to its deep link."""
from __future__ import annotations

import io

import zxingcpp
from PIL import Image
from sqlalchemy import select

from core import users
from core.models import AuditEntry
from org import service
from tests.conftest import screenshot_path
from tests.web.conftest import log_in


def decoded(body: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(body)))]


async def add(page, code: str, name: str, level: str = "", parent: str = "") -> None:
    await page.fill("#code", code)
    await page.fill("#name", name)
    await page.fill("#level", level)
    await page.select_option("#parent", parent)
    await page.click("#org-add-submit")


async def test_add_units_see_the_tree_and_download_a_decodable_qr(ankang, page):
    services = ankang.services
    base = ankang.web_url
    await log_in(page, base, services.settings, services.clock.now())
    await page.click("nav.tabs >> text=组织架构")
    await page.locator("text=还没有任何单位").wait_for()

    await add(page, "city", "某市总工会", "市")
    await page.locator(".flash", has_text="单位已添加").wait_for()
    await add(page, "jx-01", "机械厂工会", "基层", "city")
    await page.locator(".flash", has_text="单位已添加").wait_for()
    tree = page.locator("#org-tree li")
    assert await tree.count() == 2
    assert [await li.get_attribute("data-code") for li in await tree.all()] == ["city", "jx-01"]
    assert await tree.nth(1).get_attribute("data-depth") == "1"
    assert "机械厂工会" in await tree.nth(1).inner_text() and "基层" in await tree.nth(1).inner_text()

    await add(page, "jx-01", "重复的", "", "city")  # a taken code: the reason, the form kept
    assert "「jx-01」已被使用" in await page.text_content("#org-errors")
    assert await page.input_value("#name") == "重复的"
    await page.screenshot(path=screenshot_path("org-tree"), full_page=True)

    await page.click("#org-tree >> text=机械厂工会")
    link = (await page.text_content("#join-link")).strip()
    assert link == f"https://t.me/{ankang.application.bot.username}?start=u_jx-01"
    async with page.expect_download() as waiting:
        await page.click("#qr-png")
    body = (await (await waiting.value).path()).read_bytes()
    image = Image.open(io.BytesIO(body))
    assert image.format == "PNG" and image.width == image.height >= 200
    assert decoded(body) == [link]
    async with page.expect_download() as waiting:
        await page.click("#poster-pdf")
    assert (await (await waiting.value).path()).read_bytes().startswith(b"%PDF")
    poster = await page.request.get(f"{base}/admin/org/{(await unit_id(services, 'jx-01'))}/poster.png")
    assert decoded(await poster.body()) == [link]
    await page.screenshot(path=screenshot_path("org-unit"), full_page=True)


async def unit_id(services, code: str) -> int:
    async with services.sessions() as s:
        return (await service.unit_by_code(s, code, active_only=False)).id


async def test_rename_move_refuses_cycles_retire_and_merge_move_workers_up(ankang, page):
    services = ankang.services
    async with services.sessions() as s, s.begin():
        await service.add_unit(s, "city", "某市总工会", "市")
        district = await service.add_unit(s, "d1", "东城区总工会", "区县", "city")
        await service.add_unit(s, "d2", "西城区总工会", "区县", "city")
        factory = await service.add_unit(s, "f1", "机械厂工会", "基层", "d1")
        await users.record_user(s, 501)
        await service.join(s, 501, factory)
    base = ankang.web_url
    await log_in(page, base, services.settings, services.clock.now())

    await page.goto(f"{base}/admin/org/{factory.id}")
    await page.fill("#org-rename #name", "第一机械厂工会")
    await page.click("#org-rename button")
    await page.locator(".flash", has_text="名称已修改").wait_for()

    await page.goto(f"{base}/admin/org/{district.id}")
    offered = await page.locator("#org-move option").all_inner_texts()
    assert not any("第一机械厂工会" in o for o in offered)  # its own subtree is not offered
    # A stale page (or a forged form) that still offers the child is refused with the reason.
    response = await page.request.post(f"{base}/admin/org/{district.id}/move", form={
        "parent": "f1", "csrf_token": await page.input_value("#org-move [name=csrf_token]")})
    assert response.status == 400 and "循环" in await response.text()

    await page.select_option("#org-move #parent", "d2")
    await page.click("#org-move button")
    await page.locator(".flash", has_text="已移动").wait_for()
    async with services.sessions() as s:
        assert await service.subtree_ids(s, (await service.unit_by_code(s, "d2")).id) == {
            (await service.unit_by_code(s, c)).id for c in ("d2", "d1", "f1")}

    await page.goto(f"{base}/admin/org/{factory.id}")
    await page.click("#org-retire button")
    await page.click("#confirm-yes")
    await page.locator(".flash", has_text="已撤销").wait_for()
    async with services.sessions() as s:
        assert (await service.unit_of(s, 501)).code == "d1"
        actions = (await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert [a for a in actions if a.startswith("org.")] == ["org.rename", "org.move", "org.retire"]
    # Merge 西城区 into 某市: its worker and its child unit 东城区 go to the city.
    d2 = await unit_id(services, "d2")
    async with services.sessions() as s, s.begin():
        await users.record_user(s, 502)
        await service.join(s, 502, await service.unit_by_code(s, "d2"))
    await page.goto(f"{base}/admin/org/{d2}")
    await page.click("#org-merge button")  # nothing chosen: the reason, nothing merged
    assert "请选择要并入的单位" in await page.text_content("#org-errors")
    await page.select_option("#org-merge #into", "city")
    await page.click("#org-merge button")
    assert "并入「某市总工会」" in await page.text_content("#confirm")
    await page.click("#confirm-yes")
    await page.locator(".flash", has_text="单位已合并").wait_for()
    async with services.sessions() as s:
        assert (await service.unit_of(s, 502)).code == "city"
        assert (await service.unit_by_code(s, "d1")).parent_id == (await service.unit_by_code(s, "city")).id
    await page.goto(f"{base}/admin/audit")
    log = await page.text_content("main")
    assert all(label in log for label in ("撤销单位", "移动单位", "修改单位名称", "合并单位"))
    await page.goto(f"{base}/admin/org")
    assert [await li.get_attribute("data-code") for li in await page.locator("#org-tree li").all()] == [
        "city", "d1"]


async def test_without_a_bot_the_qr_explains_why_and_unknown_units_are_not_found(admin_http, services):
    """The web server alone (no bot, so no @username for the link): a Chinese reason, not a broken image."""
    async with services.sessions() as s, s.begin():
        unit = await service.add_unit(s, "city", "某市总工会", "市")
    for kind in ("qr.png", "poster.png", "poster.pdf"):
        response = await admin_http.get(f"/admin/org/{unit.id}/{kind}")
        assert response.status == 503
        assert "机器人尚未启动" in await response.text()
    page = await admin_http.get(f"/admin/org/{unit.id}")
    assert page.status == 200 and "暂时无法生成加入链接" in await page.text()
    for path in ("/admin/org/999999", "/admin/org/999999/qr.png", "/admin/org/9999999999"):
        assert (await admin_http.get(path)).status == 404
    response = await admin_http.post("/admin/org", {"code": "", "name": "", "level": "", "parent": ""})
    assert response.status == 400 and "单位代码只能" in await response.text()
