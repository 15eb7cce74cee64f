"""Tips routed to units on the web form (issue 12, point 4): the picker, ?u=<code>, the small-unit warning,
bad codes, and a unit retired meanwhile — over plain HTTP and in real headless Chromium."""
from __future__ import annotations

from aiohttp import ClientSession, CookieJar

from core import users
from org import service as org
from tests.conftest import screenshot_path
from tests.tips.test_web import csrf_of, tip_form
from tips.models import Tip


async def seed_tree(services, *, big: str | None = None) -> dict[str, int]:
    """市 → 区 → two sibling base units; ``big``: give that unit enough members not to be small."""
    async with services.sessions() as s, s.begin():
        ids = {}
        for code, name, level, parent in (("city", "某市总工会", "市", None), ("dist", "东区总工会", "区县", "city"),
                                          ("jx", "机械厂工会", "基层", "dist"), ("hg", "化工厂工会", "基层", "dist")):
            ids[code] = (await org.add_unit(s, code, name, level, parent)).id
        if big is not None:
            unit = await org.unit_by_code(s, big)
            for chat_id in range(6_000_000, 6_000_000 + services.settings.tip_min_unit_size):
                await users.record_user(s, chat_id)
                await org.join(s, chat_id, unit)
    return ids


async def tips_of(services) -> list[Tip]:
    from sqlalchemy import select

    async with services.sessions() as s:
        return list((await s.execute(select(Tip).order_by(Tip.id))).scalars())


async def test_a_units_link_preselects_it_and_names_the_units_above(ankang):
    units = await seed_tree(ankang.services, big="jx")
    async with ClientSession(base_url=ankang.web_url, cookie_jar=CookieJar(unsafe=True)) as browser:
        page = await (await browser.get("/tip?u=jx")).text()
        assert '<option value="jx" selected>' in page
        assert "不想让本单位知道？可以改交上级单位：东区总工会、某市总工会。" in page
        assert "small-unit-warning" not in page
        response = await browser.post("/tip", data=tip_form(await csrf_of(browser, "/tip?u=jx"), unit="jx"))
        assert response.status == 200 and "回执码" in await response.text()
    assert [t.unit_id for t in await tips_of(ankang.services)] == [units["jx"]]


async def test_unknown_or_retired_codes_are_explained_and_the_tip_still_goes_through(ankang):
    units = await seed_tree(ankang.services, big="jx")
    async with ankang.services.sessions() as s, s.begin():
        await org.retire(s, units["hg"])
    async with ClientSession(base_url=ankang.web_url, cookie_jar=CookieJar(unsafe=True)) as browser:
        for code in ("nowhere", "hg", "BAD code!", "x" * 200):
            page = await (await browser.get("/tip", params={"u": code})).text()
            assert "不存在或已撤销" in page and " selected>" not in page.split('id="unit"')[1].split("</select>")[0]
        # A forged unit code in the post: said so, what was typed is kept, nothing stored.
        response = await browser.post("/tip", data=tip_form(await csrf_of(browser), unit="nowhere",
                                                            location="二号车间东侧"))
        assert response.status == 400
        page = await response.text()
        assert "选择的单位不存在" in page and "二号车间东侧" in page
        assert await tips_of(ankang.services) == []
        # A unit retired after the form was served: the tip goes to the unit above it, and the page says so.
        tokens = await csrf_of(browser)
        async with ankang.services.sessions() as s, s.begin():
            await org.retire(s, units["jx"])
        response = await browser.post("/tip", data=tip_form(tokens, unit="jx", small_seen="dist"))
        assert response.status == 200 and "回执码" in await response.text()
    assert [t.unit_id for t in await tips_of(ankang.services)] == [units["dist"]]


async def test_a_small_unit_is_warned_about_once_before_the_tip_is_stored(ankang):
    units = await seed_tree(ankang.services)
    async with ClientSession(base_url=ankang.web_url, cookie_jar=CookieJar(unsafe=True)) as browser:
        picker = await (await browser.get("/tip")).text()
        assert "机械厂工会（人数较少，建议选上级）" in picker
        response = await browser.post("/tip", data=tip_form(await csrf_of(browser), unit="jx"))
        page = await response.text()
        assert response.status == 200 and "「机械厂工会」已知只有 0 名职工（少于 30 名）" in page
        assert "改交上级「东区总工会」" in page and await tips_of(ankang.services) == []
        # Sent again as it is (the warning seen): stored for the unit chosen.
        response = await browser.post("/tip", data=tip_form(await csrf_of(browser), unit="jx", small_seen="jx"))
        assert response.status == 200 and "回执码" in await response.text()
    assert [t.unit_id for t in await tips_of(ankang.services)] == [units["jx"]]


async def test_the_picker_and_the_small_unit_warning_in_chromium(ankang, page):
    units = await seed_tree(ankang.services)
    await page.goto(f"{ankang.web_url}/tip?u=jx")
    warning = page.locator("#small-unit-warning")
    assert "建议改交上级单位「东区总工会」" in await warning.text_content()
    assert await page.input_value("#unit") == "jx"
    await page.screenshot(path=screenshot_path("tip-form-small-unit"), full_page=True)
    await page.select_option("#category", "manufacturing")
    await page.select_option("#place_type", "workshop")
    await page.fill("#description", "冲压车间的光电保护装置被人拆了，工人手伸进模具区很危险")
    await page.check("input[name=urgent][value=no]")
    await page.check("#switch-unit")  # 改交上级
    await page.click("button.tip-submit")
    # The unit above is small too: the form comes back once more, warning about it and suggesting its parent.
    await page.locator("#small-unit-warning", has_text="东区总工会").wait_for()
    assert await page.input_value("#unit") == "dist"
    assert "建议改交上级单位「某市总工会」" in await page.text_content("#small-unit-warning")
    await page.check("#keep-unit")
    await page.click("button.tip-submit")
    assert (await page.text_content("#receipt-code")).strip()
    assert [t.unit_id for t in await tips_of(ankang.services)] == [units["dist"]]
