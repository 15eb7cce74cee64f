"""Console 单位汇总 (issue 12, point 6): the subtree's figures and its child units in Chromium, drilling
down by clicking a unit, the period picker, the Excel export and refused queries."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from core.clock import FakeClock
from tests.conftest import screenshot_path
from tests.org.seed_rollups import NOW, seed
from tests.web.conftest import log_in

NOVEMBER = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
async def services(settings):
    from ankang.services import open_services

    opened = await open_services(settings, clock=FakeClock(NOW))
    try:
        async with opened.sessions() as session, session.begin():
            await seed(session)
        yield opened
    finally:
        await opened.close()


async def _table(page) -> list[list[str]]:
    rows = page.locator("#rollup-table tbody tr")
    return [[cell.strip() for cell in await rows.nth(i).locator("td").all_text_contents()]
            for i in range(await rows.count())]


async def test_the_rollup_page_shows_child_units_and_drills_down(services, page, web_url):
    await log_in(page, web_url, services.settings, services.clock.now())
    await page.click("nav.tabs >> text=单位汇总")
    # The one root by default, over the last 30 days (2 November – 1 December in Shanghai).
    assert await page.locator("#crumbs b").text_content() == "某市总工会"
    assert await page.input_value("#from") == "2026-11-02"
    await page.fill("#from", "2026-11-01")
    await page.fill("#to", "2026-11-30")
    await page.click("#rollup-show")
    await page.wait_for_url("**/admin/rollups?*from=2026-11-01*")
    # unit, joined, subscribers, took part, rate, answers, accuracy, questions (worked out in tests/org/test_rollups.py)
    # … and tips received, closed, overdue
    assert [row[1:] for row in await _table(page)] == [
        ["4", "2", "3", "75.0%", "3", "66.7%", "3", "2", "1", "0"],
        ["1", "1", "0", "0.0%", "0", "—", "0", "0", "0", "1"],
        ["1", "1", "0", "0.0%", "0", "—", "0", "0", "0", "0"],
    ]
    assert (await _table(page))[2][0] == "某市总工会（本级直属）"
    totals = await page.locator("#rollup-total .stat b").all_text_contents()
    assert totals[:5] == ["6", "4", "50.0%", "66.7%", "3"]
    await page.screenshot(path=screenshot_path("rollups-city"), full_page=True)

    await page.click("#rollup-table >> text=东区总工会")
    await page.wait_for_url("**unit=east**")
    assert await page.locator("#crumbs").text_content() == "全部单位 › 某市总工会 › 东区总工会"
    assert await page.input_value("#from") == "2026-11-01"  # the period is kept while drilling down
    codes = await page.locator("#rollup-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.code)")
    assert [(code, row[1], row[4]) for code, row in zip(codes, await _table(page), strict=True)] == [
        ("e1", "2", "50.0%"), ("e2", "1", "100.0%"), ("east", "1", "100.0%")]
    # Every child unit links to its own rollup; the row of the unit's own workers does not.
    assert await page.locator("#rollup-table a").all_text_contents() == ["东一街道工会", "东二街道工会"]
    await page.click("#crumbs >> text=某市总工会")
    await page.wait_for_url("**unit=city**")
    assert len(await _table(page)) == 3


async def test_the_rollup_exports_to_excel_with_chinese_headers_and_local_times(services, admin_http):
    async with await admin_http.get(f"/admin/rollups.xlsx?unit=east&{NOVEMBER}") as response:
        assert response.status == 200
        assert "rollup-east-2026-11-01-2026-11-30.xlsx" in response.headers["Content-Disposition"]
        book = load_workbook(io.BytesIO(await response.read()))
    sheet = book["单位汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("汇总范围", "某市总工会 → 东区总工会")
    assert rows[1][1].startswith("2026-11-01 至 2026-11-30")
    assert rows[2][:2] == ("导出时间", "2026-12-01 12:00")  # 04:00 UTC in Shanghai
    assert rows[4][:11] == ("单位", "层级", "代码", "加入职工", "订阅者", "参与人数", "参与率", "答题数", "答对数",
                            "正确率", "提问数")
    assert [r[:10] for r in rows[5:]] == [
        ("东一街道工会", "街镇", "e1", 2, 2, 1, 0.5, 2, 1, 0.5),
        ("东二街道工会", "街镇", "e2", 1, 0, 1, 1.0, 1, 1, 1.0),
        ("东区总工会（本级直属）", "区县", "east", 1, 0, 1, 1.0, 0, 0, None),
        ("合计", None, None, 4, 2, 3, 0.75, 3, 2, 2 / 3),
    ]


@pytest.mark.parametrize(("query", "says"), [
    ("unit=nowhere", "找不到单位"),
    ("from=2026-11-30&to=2026-11-01", "开始日期晚于结束日期"),
    ("from=2026-13-01", "日期格式不对"),
    ("from=2000-01-01&to=2026-11-01", "最长十年"),
])
async def test_a_query_that_cannot_be_answered_is_refused_in_words(services, admin_http, query, says):
    async with await admin_http.get(f"/admin/rollups?{query}") as response:
        assert response.status == 400
        assert says in await response.text()


async def test_an_admin_of_a_district_sees_its_rollup_and_not_the_citys(services, web_url):
    """Scope (org.scope.units_in_reach over org.roles): a 只读 of 东区 opens on 东区, is refused the city and
    a sibling, and is offered only 东区's units to pick."""
    from aiohttp import ClientSession, CookieJar

    from org import roles, service
    from org.roles import Role
    from tests.web.conftest import http_log_in

    async with services.sessions() as session, session.begin():
        east = await service.unit_by_code(session, "east")
        await roles.grant(session, 555, "东区只读", Role.READONLY, east.id, by=1)
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        viewer = await http_log_in(http, web_url, services.settings, services.clock.now(), user_id=555)
        async with await viewer.get(f"/admin/rollups?{NOVEMBER}") as response:
            page = await response.text()
        assert response.status == 200 and "<b>东区总工会</b>" in page
        assert 'value="e1"' in page and 'value="west"' not in page and 'value="city"' not in page
        for unit in ("city", "west", "all"):
            async with await viewer.get(f"/admin/rollups?unit={unit}&{NOVEMBER}") as response:
                assert response.status == 400 and "不在你的管理范围内" in await response.text()
