"""知识竞赛 in the console (issue 13, point 2): a campaign from a template in the browser, a refusal in words
with the form kept, the invitation queued on the delivery engine, and an edit while running that starts
tomorrow."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from broadcasts.models import Delivery, Occurrence, Schedule
from broadcasts.subscriptions import set_topics
from campaigns.models import Campaign, CampaignRules
from campaigns.service import local_day
from core import users
from core.clock import FakeClock
from tests.conftest import screenshot_path
from tests.web.conftest import log_in

WORKER = 8080


async def test_create_from_a_template_refuse_a_bad_count_and_edit_while_running(services, page, web_url):
    # 10:00 in Shanghai: past the invitation time of a campaign's first day, so it is sent at once.
    services.clock = FakeClock(datetime(2026, 12, 7, 10, 0, tzinfo=services.settings.tz).astimezone(UTC))
    async with services.sessions() as session, session.begin():
        await users.record_user(session, WORKER)
        await set_topics(session, WORKER, {"fire"})
    today = local_day(services.clock.now(), services.settings.tz)
    await log_in(page, web_url, services.settings, services.clock.now())
    await page.click("nav.tabs >> text=知识竞赛")
    await page.wait_for_url(f"{web_url}/admin/campaigns")
    await page.click("#campaign-templates li[data-id='year_end'] >> text=用此模板")
    assert await page.input_value("#name") == "岁末年初安全六周赛"
    assert await page.input_value("#starts_on") == today.isoformat()
    assert await page.input_value("#ends_on") == (today + timedelta(days=41)).isoformat()
    assert await page.is_checked("input[name=tags][value=fire]")
    await page.fill("#questions_per_attempt", "20")
    await page.click("#campaign-submit")
    assert "每次题数须在 5–15 之间" in await page.inner_text("#campaign-errors")
    assert await page.input_value("#name") == "岁末年初安全六周赛"  # the form kept what was typed
    assert "{每次题数}" in await page.inner_text("#invitation-help")  # the placeholders are explained
    await page.fill("#questions_per_attempt", "6")
    await page.click("#campaign-submit")
    await page.wait_for_url(f"{web_url}/admin/campaigns/*")
    assert await page.inner_text("#campaign-phase") == "进行中"
    assert "6" in await page.inner_text("#campaign-rules")

    async with services.sessions() as session:
        campaign = (await session.execute(select(Campaign))).scalar_one()
        schedule = await session.get(Schedule, campaign.invitation_schedule_id)
        queued = (await session.execute(select(Delivery.chat_id).join(Occurrence)
                                        .where(Occurrence.schedule_id == schedule.id))).scalars().all()
    assert (schedule.kind, schedule.campaign_id, queued) == ("campaign", campaign.id, [WORKER])
    # The invitation says what was set in the form, not the template's 8 questions.
    assert "每次6题" in schedule.text and "42天" in schedule.text and "{" not in schedule.text

    await page.click("#campaign-edit")
    assert "从明天起生效" in await page.inner_text("#campaign-running-note")
    await page.fill("#seconds_per_question", "20")
    await page.click("#campaign-submit")
    await page.wait_for_url(f"{web_url}/admin/campaigns/{campaign.id}?done=campaign_edited")
    async with services.sessions() as session:
        rules = (await session.execute(select(CampaignRules.effective_from, CampaignRules.seconds_per_question)
                                       .order_by(CampaignRules.effective_from))).all()
    assert [tuple(r) for r in rules] == [(today, 30), (today + timedelta(days=1), 20)]


async def test_the_report_shows_units_over_time_and_before_after_per_tag_and_exports_them(services, page, web_url):
    """Issue 13, point 7 on the page: per-unit 累计参与率 by day and the before/after accuracy per tag, and the
    Excel export downloaded from the page with the same sheets."""
    import io

    from openpyxl import load_workbook

    from tests.campaigns.test_report import START, seeded

    bank = services.campaigns.bank
    services.clock = FakeClock(datetime(2026, 6, 3, 10, 0, tzinfo=services.settings.tz).astimezone(UTC))
    campaign = await seeded(services, bank)
    assert campaign.starts_on == START
    await log_in(page, web_url, services.settings, services.clock.now())
    await page.goto(f"{web_url}/admin/campaigns/{campaign.id}")
    heads = await page.locator("#report-units thead th").all_inner_texts()
    assert heads == ["单位", "人数", "2026-06-01", "2026-06-02", "2026-06-03"]
    rows = [await r.locator("td").all_inner_texts() for r in await page.locator("#report-units tbody tr").all()]
    assert [r[0].strip() for r in rows] == ["一厂工会", "甲班组", "乙班组"]
    assert rows[1][1:] == ["2", "50% 1人", "100% 2人", "100% 0人"]
    tags = [await r.locator("td").all_inner_texts() for r in await page.locator("#report-tags tbody tr").all()]
    assert tags[0][1:] == ["1", "0%", "100%", "+100%"] and tags[1][1:] == ["2", "67%", "67%", "+0%"]
    await page.screenshot(path=str(screenshot_path("campaign-report")), full_page=True)
    async with page.expect_download() as download_info:
        await page.click("#campaign-report-export")
    download = await download_info.value
    book = load_workbook(io.BytesIO((await download.path()).read_bytes()))  # no .xlsx suffix on the temp file
    assert book.sheetnames == ["每日参与", "各单位分期", "题目正确率", "前后正确率"]
    assert book["前后正确率"].max_row == 3 and book["各单位分期"].max_row == 1 + 3 * 3
