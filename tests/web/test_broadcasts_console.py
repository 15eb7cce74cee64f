"""Broadcast schedules in the console: a weekly schedule with its next firings, pause and cancel."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.clock import FakeClock
from tests.conftest import screenshot_path
from tests.web.conftest import log_in

# Sunday 2026-11-22 10:00 in Shanghai.
NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


@pytest.fixture
async def services(settings):
    from ankang.services import open_services

    opened = await open_services(settings, clock=FakeClock(NOW))
    try:
        yield opened
    finally:
        await opened.close()


async def test_create_a_weekly_schedule_and_see_its_next_firings(services, page, web_url):
    await log_in(page, web_url, services.settings, services.clock.now())
    await page.click("nav.tabs >> text=推送")
    await page.click("text=＋ 新建推送计划")
    await page.check("input[name=kind][value=lesson]")
    await page.select_option("#lesson_id", index=1)
    await page.check("input[name=topics][value=construction]")
    await page.check("input[name=trigger][value=weekly]")
    # The recurrence editor shows only the weekly fields (progressive JS).
    assert await page.locator("#trigger-cron").is_hidden()
    await page.uncheck("input[name=weekdays][value=mon]")
    await page.check("input[name=weekdays][value=mon]")
    await page.check("input[name=weekdays][value=thu]")
    await page.fill("#at_time", "09:00")
    await page.click("#preview")
    items = await page.locator("#firings li").all_text_contents()
    assert items == [
        "2026-11-23 周一 09:00", "2026-11-26 周四 09:00", "2026-11-30 周一 09:00",
        "2026-12-03 周四 09:00", "2026-12-07 周一 09:00",
    ]
    await page.screenshot(path=screenshot_path("broadcast-form-preview"), full_page=True)
    await page.click("#save-schedule")
    await page.locator(".flash", has_text="推送计划已保存").wait_for()
    assert "每周 周一、周四 09:00" in await page.text_content("#schedule-when")
    assert (await page.locator("#firings li").all_text_contents())[0] == "2026-11-23 周一 09:00"
    await page.screenshot(path=screenshot_path("broadcast-schedule"), full_page=True)

    await page.click("#action-pause")
    await page.locator(".flash", has_text="已暂停").wait_for()
    assert await page.text_content("#schedule-status") == "已暂停"
    dialogs = []
    page.once("dialog", lambda dialog: dialogs.append(dialog.message) or dialog.accept())
    await page.click("#action-cancel")  # irreversible: asked in a dialog first
    await page.locator(".flash", has_text="已取消").wait_for()
    assert dialogs and "不能恢复" in dialogs[0]
    await page.goto(f"{web_url}/admin/audit")
    table = await page.text_content("table")
    for label in ("新建推送计划", "暂停推送计划", "取消推送计划"):
        assert label in table


async def test_an_invalid_cron_is_explained(services, page, web_url):
    await log_in(page, web_url, services.settings, services.clock.now())
    await page.goto(f"{web_url}/admin/broadcasts/new")
    await page.select_option("#lesson_id", index=1)
    await page.check("input[name=trigger][value=cron]")
    await page.fill("#cron", "every monday")
    await page.click("#save-schedule")
    assert "Cron 表达式无效" in await page.text_content(".errors")


async def test_a_preview_writes_nothing_to_the_database(services, admin_http):
    """预览推送时间 validates and lists the firings and the audience, without an INSERT (and its rollback)."""
    from sqlalchemy import event

    from broadcasts.library import load_library

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    form = {"kind": "lesson", "lesson_id": load_library().lessons[0].id, "trigger": "weekly",
            "weekdays": ["mon", "thu"], "at_time": "09:00", "preview": "1"}
    event.listen(services.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with await admin_http.post("/admin/broadcasts/new", form) as response:
            assert response.status == 200
            page = await response.text()
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", record)
    assert "<li>2026-11-23 周一 09:00</li>" in page and "预计接收：约 0 人" in page
    broadcasts_tables = ("schedules", "occurrences", "deliveries", "audit_log")
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
              and any(table in s for table in broadcasts_tables)]
    assert writes == []


async def test_a_schedule_scoped_to_a_unit_is_previewed_saved_and_shown_with_its_scope(services, admin_http):
    """The form's 推送范围 takes a unit's code (from the search list) or its exact name; the preview counts
    only the subtree's subscribers; an unknown unit is refused in words (issue 12, point 5)."""
    from broadcasts.library import load_library
    from broadcasts.models import Schedule
    from broadcasts.subscriptions import set_topics
    from org import service

    async with services.sessions() as session, session.begin():
        await service.add_unit(session, "city", "市总工会", "市")
        east = await service.add_unit(session, "east", "东区总工会", "区县", "city")
        await service.add_unit(session, "east1", "东一街道工会", "街镇", "east")
        west = await service.add_unit(session, "west", "西区总工会", "区县", "city")
        for chat_id, unit in ((1, east), (2, west), (3, east)):
            await set_topics(session, chat_id, {"all"})
            await service.join(session, chat_id, unit)
    form = {"kind": "lesson", "lesson_id": load_library().lessons[0].id, "trigger": "weekly",
            "weekdays": ["mon"], "at_time": "09:00"}
    async with await admin_http.get("/admin/broadcasts/new") as response:
        page = await response.text()
    assert '<option value="east1">　　东一街道工会</option>' in page
    async with await admin_http.post("/admin/broadcasts/new", {**form, "unit": "东区总工会", "preview": "1"}) as r:
        assert "预计接收：约 2 人" in await r.text()
    async with await admin_http.post("/admin/broadcasts/new", {**form, "unit": "南区"}) as response:
        assert response.status == 400
        assert "找不到该单位" in await response.text()
    async with await admin_http.post("/admin/broadcasts/new", {**form, "unit": "west"}) as response:
        assert response.status == 303
        location = response.headers["Location"]
    async with await admin_http.get(location.split("?")[0]) as response:
        assert "西区总工会 及其下级单位" in await response.text()
    async with services.sessions() as session:
        schedule = await session.get(Schedule, 1)
    assert schedule is not None and schedule.unit_id == west.id
