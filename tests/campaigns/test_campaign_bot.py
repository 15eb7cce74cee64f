"""End to end through the emulator: a campaign created in the console from a template, its invitation sent by
the delivery engine, and a worker's attempt of five polls with one timed out (issue 13, points 2 and 3)."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import campaign_messages as msg
from broadcasts import subscriptions
from core import users

START = datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


@pytest.fixture
async def contest(make_settings, emulator, shared_kb, library, bank, tips_runtime):
    """Ankang on a clock the test moves (time-outs happen when the test says), with a subscribed worker."""
    from ankang.runner import running
    from core.clock import FakeClock
    from tests.conftest import QUICK_CHAT_PACE

    clock = FakeClock(START)
    async with running(make_settings(telegram_api_url=emulator.url), poll_timeout_s=1, kb=shared_kb,
                       library=library, bank=bank, tips=tips_runtime, clock=clock, chat_pace=QUICK_CHAT_PACE) as handle:
        yield handle, clock


async def subscribe(handle, chat_id: int, topics=("all",)) -> None:
    async with handle.services.sessions() as session, session.begin():
        await users.record_user(session, chat_id)
        await subscriptions.set_topics(session, chat_id, set(topics))


def correct_options(bank, poll: dict) -> list[int]:
    """The right answer to a poll: a quiz poll says it; a multiple-choice poll is looked up in the bank."""
    if poll["type"] == "quiz":
        return list(poll["correct_option_ids"])
    [question] = [q for q in bank if poll["question"].endswith(q.stem)]
    return list(question.answer)


async def create_from_template(handle, clock, template: str) -> int:
    """An admin opens the template's form in the console and submits it as filled in."""
    import re

    from aiohttp import ClientSession, CookieJar

    from tests.web.conftest import http_log_in

    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        admin = await http_log_in(http, handle.web_url, handle.services.settings, clock.now())
        listing = await admin.get("/admin/campaigns")
        assert f"/admin/campaigns/new?template={template}" in await listing.text()
        form_page = await (await admin.get(f"/admin/campaigns/new?template={template}")).text()
        assert 'value="新员工三级安全教育"' in form_page
        fields = dict(re.findall(r'<input id="(\w+)" name="\w+"[^>]*value="([^"]*)"', form_page))
        invitation = re.search(r'<textarea id="invitation"[^>]*>([^<]*)</textarea>', form_page).group(1)
        form = {key: fields[key] for key in ("name", "starts_on", "ends_on", "attempts_per_day",
                                             "questions_per_attempt", "seconds_per_question", "points_correct",
                                             "points_finish", "points_perfect")}
        form.update(template=template, audience="new_hire", balanced="1", invitation=invitation, description="")
        created = await admin.post("/admin/campaigns", form)
        assert created.status == 303, await created.text()
        location = created.headers["Location"]
        page = await (await admin.get(location.split("?")[0])).text()
        assert "进行中" in page and "新员工" in page
        return int(re.search(r"/admin/campaigns/(\d+)", location).group(1))


async def test_template_to_invitation_to_an_attempt_of_five_polls_with_one_timed_out(contest, emulator):
    handle, clock = contest
    bank = handle.services.campaigns.bank
    worker, outsider = emulator.user("小王"), emulator.user("小李")
    await subscribe(handle, worker.id)
    mark = emulator.mark()
    campaign_id = await create_from_template(handle, clock, "new_hire")

    # The invitation comes through the broadcast engine, with its buttons.
    invitation = await emulator.wait_for_message(worker, lambda m: msg.START_BUTTON in str(m.get("reply_markup")),
                                                 since=mark)
    assert "三级安全教育" in invitation["text"]
    # Its numbers are the campaign's own settings, not the template's words (issue 13: "每次10题" regardless).
    assert "每次5题、每题45秒，每天最多3次" in invitation["text"] and "{" not in invitation["text"]
    assert emulator.new_messages(outsider, mark) == []  # not subscribed: not invited
    # … as a delivery of the campaign's invitation schedule (queued before it was sent: no race).
    from sqlalchemy import select

    from broadcasts.models import Delivery, Occurrence, Schedule
    from campaigns.models import Campaign

    async with handle.services.sessions() as session:
        campaign = await session.get(Campaign, campaign_id)
        schedule = await session.get(Schedule, campaign.invitation_schedule_id)
        recipients = (await session.execute(select(Delivery.chat_id).join(Occurrence).where(
            Occurrence.schedule_id == schedule.id))).scalars().all()
    assert (schedule.kind, schedule.campaign_id, recipients) == ("campaign", campaign_id, [worker.id])

    mark = emulator.mark()
    notices_before = len(emulator.calls_to("answerCallbackQuery"))
    await emulator.press(worker, invitation, msg.START_BUTTON)
    await emulator.wait_for_message(worker, lambda m: "poll" in m, since=mark)
    # The rules come as the button's notice (sent alongside the first question, so either may arrive first); the
    # first question is the first message.
    [notice] = [c.params.get("text") for c in await emulator.wait_for(
        lambda: emulator.calls_to("answerCallbackQuery")[notices_before:], what="the button's notice")]
    assert "共 5 题" in notice and "45 秒" in notice
    assert "poll" in emulator.new_messages(worker, mark)[0]
    poll_ids = []
    for number in range(1, 6):
        poll_message = await emulator.wait_for_message(worker, lambda m: "poll" in m, since=mark)
        poll = poll_message["poll"]
        # Numbered, unless the number would push a long stem past Telegram's 300 characters.
        assert poll["question"].startswith(f"（{number}/5）") or len(poll["question"]) > 294
        poll_ids.append(poll["id"])
        assert not poll["is_anonymous"] and poll["open_period"] == 45
        multiple = poll["type"] == "regular"
        assert not multiple or poll["allows_multiple_answers"]
        mark = emulator.mark()
        if number == 3:  # the worker lets this one run out
            # Once the bot has recorded the poll (its open period runs from the send): the last answer handled.
            while handle.services.campaigns.arrivals.oldest() is not None:
                await asyncio.sleep(0.01)
            clock.advance(seconds=48)
            emulator.expire_poll(poll["id"])  # Telegram closes it by itself
            # The leader's watch (every second) or this tick times it out, whichever comes first; once.
            await handle.services.campaigns.watch.tick()
            notice = await emulator.wait_for_message(worker, lambda m: "超时" in m.get("text", ""), since=mark)
            assert "第 3 题" in notice["text"]
            continue
        right = number != 2  # one wrong answer
        options = correct_options(bank, poll)
        if not right:
            options = [next(i for i in range(len(poll["options"])) if i not in options)]
        await emulator.answer_poll(worker, poll["id"], options)

    result = await emulator.wait_for_message(worker, lambda m: "答题结束" in m.get("text", ""), since=mark)
    text = result["text"]
    assert "答对 3/5 题，超时 1 题" in text
    assert "得分 35" in text  # 3 × 10 + 5 for finishing (no perfect bonus)
    assert "连续参与 1 天" in text and "个人最佳 35 分（新纪录！）" in text
    assert "计入学时 4 分钟" in text  # 5 questions × 45 s on the clock, rounded up
    for line in ("1. ✅", "2. ❌", "3. ⏰", "4. ✅", "5. ✅"):
        assert line in text
    assert text.count("正确答案：") == 5
    assert sum("超时，不得分" in m.get("text", "") for m in emulator.messages(worker)) == 1

    # A forged answer to the timed-out poll and a replayed answer count nothing and send nothing.
    mark = emulator.mark()
    for poll_id, option in ((poll_ids[2], 0), (poll_ids[0], 1), ("forged-poll", 0)):
        await emulator.send_update({"poll_answer": {"poll_id": poll_id, "user": worker.to_json(),
                                                    "option_ids": [option]}})
    from campaigns.models import Attempt

    async with handle.services.sessions() as session:
        [attempt] = (await session.execute(Attempt.__table__.select())).all()
    assert (attempt.score, attempt.correct, attempt.answered, attempt.campaign_id) == (35, 3, 4, campaign_id)
    # /campaign offers the open campaign again (a way in besides the invitation).
    reply = await emulator.ask(worker, "/contest")
    assert "新员工三级安全教育" in reply["text"]
    # Updates of one chat are handled in order: had the forged answers been answered, it would show here.
    assert [m["message_id"] for m in emulator.new_messages(worker, mark)] == [reply["message_id"]]
    # /rank campaign: the live ranking, the worker's own row among them, tie-breaks stated.
    ranking = await emulator.ask(worker, "/rank campaign")
    assert "实时排名" in ranking["text"] and "35 分（1 次）" in ranking["text"] and "（我）" in ranking["text"]
    assert "答题次数少者在前" in ranking["text"]
    # 学时: the attempt is in the worker's study record, once.
    study = await emulator.ask(worker, "/mystudy")
    assert "4 分钟" in study["text"] and "新员工三级安全教育" in study["text"]

    # The campaign ends (14 days): the leader's watch freezes the results and issues the certificates
    # (issue 13, point 6); the worker downloads theirs from /mystudy and its code checks out on /verify.
    from aiohttp import ClientSession

    from broadcasts.quiz import anonymous_name
    from study import certificates as certs

    clock.advance(days=14)
    mark = emulator.mark()
    await handle.services.campaigns.watch.tick()
    async with handle.services.sessions() as session:
        mine = {c.title: c for c in await certs.certificates_of(session, worker.id)}
    assert set(mine) == {"「新员工三级安全教育」参赛证书", "「新员工三级安全教育」优胜证书（第 1 名）"}
    cert = mine["「新员工三级安全教育」参赛证书"]
    assert cert.holder_name == anonymous_name(worker.id)  # no name consented: the pseudonym /rank shows
    # The worker is told of each certificate through the bot: its code, how to get it, where to check it.
    for title, issued in mine.items():
        news = await emulator.wait_for_message(worker, lambda m, t=title: "您获得了证书" in m.get("text", "")
                                               and t in m["text"], since=mark)
        assert certs.format_code(issued.code) in news["text"] and "/mystudy" in news["text"]
        assert f"{handle.web_url}/verify/{certs.format_code(issued.code)}" in news["text"]
        assert f"📄 下载证书：{title}"[:60] in str(news["reply_markup"])
    assert emulator.new_messages(outsider, mark) == []
    mark = emulator.mark()
    await emulator.send_text(worker, "/mystudy")
    listing = await emulator.wait_for_message(worker, lambda m: "我的证书" in m.get("text", ""), since=mark)
    assert "（2 张" in listing["text"]
    mark = emulator.mark()
    await emulator.press(worker, listing, "📄 下载证书：「新员工三级安全教育」参赛证书")
    sent = await emulator.wait_for_message(worker, lambda m: "document" in m, since=mark, timeout=20)
    assert sent["document"]["file_name"] == f"certificate-{cert.code}.pdf"
    assert emulator.files.get(sent["document"]["file_id"]).data.startswith(b"%PDF")
    link = f"{handle.web_url}/verify/{certs.format_code(cert.code)}"
    async with ClientSession() as http, http.get(link) as page:
        body = await page.text()
        assert page.status == 200
    assert "「新员工三级安全教育」参赛证书" in body and cert.holder_name in body
    # Another tick freezes nothing again, issues nothing more and tells nobody twice.
    await handle.services.campaigns.watch.tick()
    async with handle.services.sessions() as session:
        assert len(await certs.certificates_of(session, worker.id)) == 2
    assert sum("您获得了证书" in m.get("text", "") for m in emulator.messages(worker)) == 2

    # The report for superiors (issue 13, point 7 in part): participation per day and share right per question,
    # on the campaign's page and as an Excel workbook with Chinese headers.
    import io

    from aiohttp import CookieJar
    from openpyxl import load_workbook

    from tests.web.conftest import http_log_in

    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        admin = await http_log_in(http, handle.web_url, handle.services.settings, clock.now())
        page = await (await admin.get(f"/admin/campaigns/{campaign_id}")).text()
        assert 'id="campaign-report"' in page and "<td>2026-06-01</td><td>1</td><td>1</td>" in page
        assert page.count("<td>0%</td>") == 2 and page.count("<td>100%</td>") == 3  # one wrong, one timed out
        export = await admin.get(f"/admin/campaigns/{campaign_id}/report.xlsx")
        assert export.status == 200 and "attachment" in export.headers["Content-Disposition"]
        book = load_workbook(io.BytesIO(await export.read()))
    days, questions = book["每日参与"], book["题目正确率"]
    assert [c.value for c in days[1]] == ["日期", "参与人数", "完成答题次数"]
    assert [c.value for c in days[2]] == ["2026-06-01", 1, 1]
    assert [c.value for c in questions[1]] == ["题目编号", "题目", "出题次数", "答对次数", "正确率"]
    rows = [[c.value for c in row] for row in questions.iter_rows(min_row=2)]
    assert sorted((r[2], r[3], r[4]) for r in rows) == [(1, 0, 0), (1, 0, 0), (1, 1, 1), (1, 1, 1), (1, 1, 1)]
    assert all(r[1] for r in rows)  # each question's stem, from the bank

async def test_a_press_handled_too_late_to_answer_still_starts_the_attempt(contest, emulator, monkeypatch):
    """A busy bot handles a press after Telegram's callback window: answering the query fails ("query is too
    old"), but the attempt, already counted, must still send its first question (found by bench.campaign)."""
    from campaigns.service import create_campaign, draft_from_template, queue_invitation
    from campaigns.templates import load_templates

    handle, clock = contest
    services = handle.services
    worker = emulator.user("小张")
    await subscribe(handle, worker.id)
    draft = draft_from_template(load_templates()["new_hire"], START.astimezone(services.settings.tz).date())
    mark = emulator.mark()
    async with services.sessions() as session, session.begin():
        campaign = await create_campaign(session, draft, services.campaigns.bank, now=clock.now())
        schedule, send_now = await queue_invitation(session, campaign, draft.invitation, now=clock.now(),
                                                    tz=services.settings.tz)
    assert send_now
    await services.broadcasts.send_now(schedule.id, admin_id=None)
    invitation = await emulator.wait_for_message(worker, lambda m: msg.START_BUTTON in str(m.get("reply_markup")),
                                                 since=mark)
    monkeypatch.setattr(emulator, "callback_ttl_s", -1.0)  # every answer to a callback query comes too late
    mark = emulator.mark()
    await emulator.press(worker, invitation, msg.START_BUTTON)
    poll = await emulator.wait_for_message(worker, lambda m: "poll" in m, since=mark)
    assert poll["poll"]["question"].startswith("（1/")
    assert not any("出错" in m.get("text", "") for m in emulator.new_messages(worker, mark))


async def test_an_answer_cast_in_time_but_handled_after_the_open_period_still_counts(contest, emulator):
    """A busy bot: the worker answers within the open period, the answer waits behind the chat's earlier
    update until the period is over. It is judged by when it arrived (stamped on receipt, since poll_answer
    carries no date), and the time-out watch leaves the question to it meanwhile (found by bench.campaign)."""
    from datetime import timedelta

    from sqlalchemy import select

    from campaigns.models import AttemptQuestion, QuestionStatus
    from campaigns.service import create_campaign, draft_from_template, queue_invitation
    from campaigns.templates import load_templates

    handle, clock = contest
    services = handle.services
    worker = emulator.user("小赵")
    await subscribe(handle, worker.id)
    draft = draft_from_template(load_templates()["new_hire"], START.astimezone(services.settings.tz).date())
    mark = emulator.mark()
    async with services.sessions() as session, session.begin():
        campaign = await create_campaign(session, draft, services.campaigns.bank, now=clock.now())
        schedule, _ = await queue_invitation(session, campaign, draft.invitation, now=clock.now(),
                                             tz=services.settings.tz)
    await services.broadcasts.send_now(schedule.id, admin_id=None)
    invitation = await emulator.wait_for_message(worker, lambda m: msg.START_BUTTON in str(m.get("reply_markup")),
                                                 since=mark)
    mark = emulator.mark()
    await emulator.press(worker, invitation, msg.START_BUTTON)
    first = (await emulator.wait_for_message(worker, lambda m: "poll" in m, since=mark))["poll"]
    answered_at = clock.now()

    # The worker's /campaign is handled first and its reply stalls (Telegram slow to answer): the chat's turn
    # is taken, and the poll answer that follows waits behind it.
    calls = len(emulator.calls_to("sendMessage"))
    emulator.fail_next(1, "delay", method="sendMessage", chat_id=worker.id, delay_s=1.0)
    await emulator.send_text(worker, "/campaign")
    while len(emulator.calls_to("sendMessage")) == calls:  # the stalled reply has been asked for
        await asyncio.sleep(0.01)
    mark = emulator.mark()
    await emulator.answer_poll(worker, first["id"], correct_options(services.campaigns.bank, first))
    arrivals = services.campaigns.arrivals
    while arrivals.oldest() is None:  # received and stamped, not yet handled
        await asyncio.sleep(0.01)
    assert arrivals.oldest() == answered_at
    # Now the open period (45 s) and its grace are over; the watch must not time the question out.
    clock.advance(seconds=60)
    assert await services.campaigns.watch.tick() == []
    second = await emulator.wait_for_message(worker, lambda m: "poll" in m and m["poll"]["id"] != first["id"],
                                             since=mark)
    assert second["poll"]["question"].startswith("（2/")
    texts = [m.get("text", "") for m in emulator.new_messages(worker, mark)]
    assert not any(msg.LATE_ANSWER in t or "超时" in t for t in texts)
    async with services.sessions() as session:
        row = (await session.execute(
            select(AttemptQuestion).where(AttemptQuestion.poll_id == first["id"]))).scalar_one()
    assert (row.status, row.correct, row.answered_at) == (QuestionStatus.ANSWERED, True, answered_at)
    async with asyncio.timeout(10):  # handled: the stamp goes once the handler has returned (after its sends)
        while arrivals.oldest() is not None:
            await asyncio.sleep(0.01)
    assert row.deadline is not None and row.deadline <= answered_at + timedelta(seconds=45)


async def test_rank_campaign_shows_the_workers_unit_among_its_siblings_at_each_level_up_to_the_top(contest, emulator):
    """/rank campaign (issue 13, point 4): a worker in a team sees their team among the teams of their plant,
    their plant among the plants of the city, and the city among the top-level units, each with 参与率, 平均分
    and 人均次数 and the tie-breaks; a worker in no unit sees the top level and how to choose a unit."""
    from org.service import add_unit, join, unit_by_code
    from tests.campaigns.conftest import make_campaign
    from tests.campaigns.test_rankings import finished

    handle, clock = contest
    services = handle.services
    cid = await make_campaign(services, services.campaigns.bank)  # 2026-06-01 to 2026-06-30: open today
    me, loner = emulator.user("小赵"), emulator.user("小钱")
    others = [9101, 9102, 9103, 9104, 9105]
    async with services.sessions() as s, s.begin():
        for chat in (me.id, loner.id, *others):
            await users.record_user(s, chat)
        await add_unit(s, "city", "市总工会", "市")
        await add_unit(s, "town", "县总工会", "市")
        await add_unit(s, "plant1", "一厂工会", "基层", "city")
        await add_unit(s, "plant2", "二厂工会", "基层", "city")
        await add_unit(s, "teamA", "甲班组", "班组", "plant1")
        await add_unit(s, "teamB", "乙班组", "班组", "plant1")
        for chat, code in ((me.id, "teamA"), (9101, "teamA"), (9102, "teamB"), (9103, "plant2"),
                           (9104, "plant2"), (9105, "town")):
            await join(s, chat, await unit_by_code(s, code))
        day = START.astimezone(services.settings.tz).date()
        await finished(s, cid, me.id, 40, day=day)
        await finished(s, cid, 9102, 30, day=day)  # 乙班组: everyone took part (100%), ahead of 甲班组 (50%)
        await finished(s, cid, 9103, 50, day=day)
        await finished(s, cid, 9104, 10, day=day)  # 二厂 100%, 一厂 2/3
        await finished(s, cid, 9105, 20, day=day)  # 县总 100% of 1, ahead of 市总 (4/5)

    ranking = (await emulator.ask(me, "/rank campaign"))["text"]
    sections = ranking.split("\n\n")
    team = next(p for p in sections if p.startswith("一厂工会下属单位排名"))
    assert team.splitlines()[1:3] == ["1. 乙班组 — 100% · 30.0 · 1.0", "2. 甲班组（我的单位） — 50% · 40.0 · 0.5"]
    plant = next(p for p in sections if p.startswith("市总工会下属单位排名"))
    assert plant.splitlines()[1:3] == ["1. 二厂工会 — 100% · 30.0 · 1.0",
                                       "2. 一厂工会（我的单位） — 67% · 35.0 · 0.7"]
    top = next(p for p in sections if p.startswith("顶级单位排名"))
    assert top.splitlines()[1:3] == ["1. 县总工会 — 100% · 20.0 · 1.0", "2. 市总工会（我的单位） — 80% · 32.5 · 0.8"]
    assert [s.split("排名")[0] for s in sections if "下属单位排名" in s or s.startswith("顶级单位排名")] == [
        "一厂工会下属单位", "市总工会下属单位", "顶级单位"]  # from the worker's unit up to the top
    assert "参与率 · 平均分 · 人均次数" in team and "按参与率排序；参与率相同比平均分" in ranking

    lonely = (await emulator.ask(loner, "/rank campaign"))["text"]
    assert "单位排名" in lonely and "1. 县总工会" in lonely and "下属单位排名" not in lonely
    assert "/settings" in lonely
