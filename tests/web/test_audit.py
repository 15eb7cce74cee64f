"""The audit log reads in words: admins by name, actions and records named, statuses as labels; it
filters by admin, action and date, and exports what the filters select."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from core.admins import add_admin, audit
from tests.conftest import ADMIN_ID, screenshot_path
from tests.web.conftest import log_in
from tips.models import TipStatus
from tips.service import TipDraft, change_status, submit_tip

OTHER_ADMIN = 900777


async def _seed(services) -> int:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        await add_admin(session, ADMIN_ID, "王主席")
        await add_admin(session, OTHER_ADMIN, "")
        await audit(session, 0, "admin.add", str(OTHER_ADMIN), "via CLI")
        tip = await submit_tip(session, TipDraft(
            category="fire", place_type="mall", location="城南商场三楼", description="安全出口被货架堵住，还上了锁。",
            urgent=False), now=now, cost=services.tips.receipt_cost)
        await change_status(session, tip.tip_id, "verifying", "明天到现场核查。", admin_id=ADMIN_ID, now=now)
        await change_status(session, tip.tip_id, "rectifying", "已责令整改。", admin_id=OTHER_ADMIN,
                            now=now + timedelta(minutes=5))
    return tip.tip_id


async def test_the_audit_log_reads_in_words_filters_and_exports(services, page, web_url):
    tip_id = await _seed(services)
    await log_in(page, web_url, services.settings, services.clock.now())
    await page.goto(f"{web_url}/admin/audit")
    assert await page.locator(".topbar .who").text_content() == "王主席"  # who is logged in, by name
    table = page.locator("table")
    text = await table.text_content()
    for words in ("王主席", "更改举报状态", f"举报 #{tip_id}", f"核查中 → {TipStatus.RECTIFYING.label}", "添加管理员",
                  "服务器命令行", f"管理员 {OTHER_ADMIN}", "登录管理后台"):
        assert words in text, words
    for raw in ("tip:", "->", "verifying", "admin.add", "via CLI"):
        assert raw not in text, raw
    assert await table.locator(f"a[href='/admin/tips/{tip_id}']").count() == 2
    await page.screenshot(path=screenshot_path("audit"), full_page=True)

    await page.select_option("#action-filter", "tip.status")
    await page.select_option("#admin-filter", str(ADMIN_ID))
    await page.click(".filters button[type=submit]")
    await page.wait_for_url("**/admin/audit?**action=tip.status**")
    rows = page.locator("tbody tr")
    assert await rows.count() == 1
    assert f"{TipStatus.NEW.label} → {TipStatus.VERIFYING.label}" in await rows.first.text_content()
    today = services.clock.now().astimezone(services.settings.tz).date()
    await page.fill("#from", (today + timedelta(days=1)).isoformat())
    await page.click(".filters button[type=submit]")
    await page.locator("text=没有符合筛选条件的记录").wait_for()

    await page.goto(f"{web_url}/admin/audit?action=tip.status")
    async with page.expect_download() as download:
        await page.click("#audit-export")
    path = await (await download.value).path()
    with open(path, encoding="utf-8-sig") as f:
        rows = list(csv.reader(io.StringIO(f.read())))
    assert rows[0] == ["时间", "管理员", "操作", "对象", "详情"]
    assert sorted(r[1] for r in rows[1:]) == sorted(["王主席", f"管理员 {OTHER_ADMIN}"])
    assert {r[2] for r in rows[1:]} == {"更改举报状态"} and {r[3] for r in rows[1:]} == {f"举报 #{tip_id}"}
    assert {r[4] for r in rows[1:]} == {f"{TipStatus.NEW.label} → {TipStatus.VERIFYING.label}",
                                        f"{TipStatus.VERIFYING.label} → {TipStatus.RECTIFYING.label}"}

    await page.goto(f"{web_url}/admin/audit?action=web.audit_export")
    assert "导出审计日志" in await page.locator("tbody").text_content()  # the export is audited too


async def test_bad_filter_values_are_ignored(services, page, web_url):
    await log_in(page, web_url, services.settings, services.clock.now())
    for query in ("admin=abc&action=drop%20table&from=2026-13-45&to=x", "admin=" + "9" * 40, "page=-3&from="):
        response = await page.goto(f"{web_url}/admin/audit?{query}")
        assert response.status == 200
        assert "登录管理后台" in await page.locator("tbody").text_content()


def test_every_audited_action_has_words():
    """Each action string the code audits (literal or built from a known set) has a label."""
    import re
    from pathlib import Path

    from knowledge.faq_admin import FaqTransition
    from web.messages import AUDIT_ACTIONS

    repo = Path(__file__).resolve().parents[2]
    found = set()
    for path in repo.glob("*/**/*.py"):
        if path.parts[len(repo.parts)] in ("tests", ".venv", "bench"):
            continue
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"audit(?:ed)?\((?:session, [^,]+|request), f?\"([a-z_.{}]+)\"", text))
    expanded = set()
    for action in found:
        if action == "broadcast.{action}":
            expanded |= {f"broadcast.{a}" for a in ("pause", "resume", "cancel")}
        elif action in ("kb.faq_{action}", "kb.faq_{action.value}"):
            expanded |= {"kb.faq_add", "kb.faq_draft"} | {f"kb.faq_{t.value}" for t in FaqTransition}
        else:
            expanded.add(action)
    assert len(expanded) > 20
    assert sorted(expanded - AUDIT_ACTIONS.keys()) == []
