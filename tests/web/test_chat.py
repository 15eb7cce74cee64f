"""The demo's browser chat: a real Chromium page talking to the real bot through the emulator."""
from __future__ import annotations

from aiohttp import ClientSession

from tests.conftest import ADMIN_ID, screenshot_path


async def test_chat_round_trip_as_worker_and_admin(ankang_web, emulator, page):
    url = ankang_web.web_url
    await page.goto(f"{url}/chat")
    await page.wait_for_selector("#chat[data-ready='1']")
    await page.fill("#text", "/start")
    await page.click("#send")
    # The user's own message, then the bot's welcome, appear as bubbles.
    await page.locator(".msg.me .bubble", has_text="/start").wait_for()
    await page.locator(".msg:not(.me) .bubble", has_text="安康助手").first.wait_for()
    await page.fill("#text", "劳保用品要自己掏钱吗")
    await page.click("#send")
    answer = page.locator(".msg:not(.me) .bubble", has_text="劳动防护用品").first
    await answer.wait_for()
    await page.screenshot(path=screenshot_path("chat-worker"), full_page=True)

    # Switch to the admin identity: a separate chat, where /weblogin answers with a console link.
    await page.click("text=🛡️ 管理员")
    await page.wait_for_selector("#chat[data-ready='1']")
    await page.fill("#text", "/weblogin")
    await page.click("#send")
    link = page.locator(".msg:not(.me) .bubble a", has_text="/admin/login?t=")
    await link.wait_for()  # linked like a Telegram client would
    await page.screenshot(path=screenshot_path("chat-admin"), full_page=True)
    assert emulator.messages(ADMIN_ID)  # really went through the emulator


async def test_chat_is_off_without_the_emulator(ankang):
    async with ClientSession() as http, http.get(f"{ankang.web_url}/chat") as response:
        assert response.status == 404


async def test_chat_emergency_mid_report_is_answered_first_and_the_report_goes_on(ankang_web, page):
    """The browser chat is the bot itself: inside /report an emergency gets the guidance first, then
    the step is asked again and its buttons carry on with the report."""
    from knowledge.messages import EMERGENCY_HEAD

    bot_says = ".msg:not(.me)"
    await page.goto(f"{ankang_web.web_url}/chat")
    await page.wait_for_selector("#chat[data-ready='1']")

    async def say(text: str) -> None:
        await page.fill("#text", text)
        await page.click("#send")

    await say("/report")
    await page.locator(bot_says, has_text="第 1 步").locator("button", has_text="建筑施工").click()
    await page.locator(bot_says, has_text="第 2 步").locator("button", has_text="建筑工地").click()
    await page.locator(bot_says, has_text="第 3 步").wait_for()
    await say("有人触电了")
    again = page.locator(bot_says, has_text="刚才的举报还在继续")
    await again.wait_for()
    said = await page.locator(f"{bot_says} .bubble").all_text_contents()
    guidance = next(i for i, text in enumerate(said) if text.startswith(EMERGENCY_HEAD))
    assert guidance == len(said) - 2  # the guidance, then the step asked again, nothing between
    assert "先断开电源" in said[guidance] and "第 3 步" in said[-1]
    await page.screenshot(path=screenshot_path("chat-emergency-mid-report"), full_page=True)

    await again.locator("button", has_text="跳过").click()
    await page.locator(bot_says, has_text="第 4 步").wait_for()


async def open_chat(page, url: str) -> None:
    await page.goto(f"{url}/chat")
    await page.wait_for_selector("#chat[data-ready='1']")


async def say(page, text: str) -> None:
    await page.fill("#text", text)
    await page.press("#text", "Enter")


async def test_a_long_conversation_keeps_the_newest_message_in_view(ankang_web, page):
    from playwright.async_api import expect

    await open_chat(page, ankang_web.web_url)
    questions = ["劳保用品要自己掏钱吗", "老板逼我冒险作业怎么办", "安全生产法第五十五条", "职业病防治法 39条",
                 "什么是三违", "新员工要培训多久", "加班费怎么算", "工伤怎么认定"]
    bot_bubbles = page.locator(".msg:not(.me)")
    for question in questions:
        before = await bot_bubbles.count()
        await say(page, question)
        await expect(page.locator(".msg.me .bubble").last).to_have_text(question)
        await expect(bot_bubbles.nth(before)).to_be_attached()  # the bot's reply arrived
        # Each new message is scrolled into view, above the composer.
        await expect(page.locator(".msg").last).to_be_in_viewport()
    log_box = await page.eval_on_selector("#log", "e => [e.scrollHeight, e.clientHeight, e.scrollTop]")
    assert log_box[0] > 2 * log_box[1] and log_box[2] > 0  # long enough that it had to scroll
    composer, last = await page.locator("#composer").bounding_box(), await page.locator(".msg").last.bounding_box()
    assert last["y"] + last["height"] <= composer["y"] + 1  # not hidden behind the composer
    await page.screenshot(path=screenshot_path("chat-long-conversation"))


async def test_a_quiz_colours_the_right_and_the_wrong_answer(ankang_web, emulator, page):
    from playwright.async_api import expect

    from web.chat import WORKER_ID

    await open_chat(page, ankang_web.web_url)
    await say(page, "/next")
    quiz = page.locator(".bubble.poll")
    await quiz.wait_for()
    sent = next(m for m in reversed(emulator.messages(WORKER_ID)) if "poll" in m)["poll"]
    right = sent["correct_option_ids"][0]
    wrong = next(i for i in range(len(sent["options"])) if i != right)
    options = quiz.locator(".poll-opt")
    white = await options.nth(wrong).evaluate("e => getComputedStyle(e).backgroundColor")
    await options.nth(wrong).click()
    await expect(quiz.locator(".poll-opt.wrong")).to_have_count(1)
    await expect(quiz.locator(".poll-opt.correct")).to_have_count(1)
    assert sent["options"][wrong]["text"] in await quiz.locator(".poll-opt.wrong").text_content()
    assert sent["options"][right]["text"] in await quiz.locator(".poll-opt.correct").text_content()
    colours = {await quiz.locator(f".poll-opt.{kind}").evaluate("e => getComputedStyle(e).backgroundColor")
               for kind in ("wrong", "correct")}
    assert len(colours) == 2 and white not in colours
    await page.screenshot(path=screenshot_path("chat-quiz"))


async def test_a_pop_up_reply_shows_once_and_not_again_on_opening(ankang_web, page):
    from playwright.async_api import expect

    await open_chat(page, ankang_web.web_url)
    await say(page, "劳保用品要自己掏钱吗")
    await page.locator(".msg:not(.me) button", has_text="有帮助").last.click()
    toast = page.locator("#toast")
    await expect(toast).to_be_visible()
    await expect(toast).to_contain_text("谢谢反馈")
    await open_chat(page, ankang_web.web_url)  # ready once the first batch, answers included, is shown
    assert await toast.is_hidden()  # checked at once: a stale toast would still be up for seconds


async def test_the_chat_has_a_heading_and_every_control_is_reachable_by_keyboard(ankang_web, page):
    await open_chat(page, ankang_web.web_url)
    assert await page.locator("h1").count() == 1
    await say(page, "劳保用品要自己掏钱吗")
    await page.locator(".msg:not(.me) button", has_text="有帮助").last.wait_for()
    await page.locator("body").focus()
    reached = set()
    for _ in range(40):
        await page.keyboard.press("Tab")
        reached.add(await page.evaluate(
            "() => { const e = document.activeElement; return e.id || e.name || e.textContent.trim(); }"))
    assert {"role", "photo", "text", "send", "👍 有帮助"} <= reached, reached
    # The photo control opens the file chooser from the keyboard too.
    from playwright.async_api import expect

    # Playwright asks the browser to intercept file choosers without waiting for it (fire and forget),
    # so the listener is set up before the round trips below: a key pressed at once can beat it.
    async with page.expect_file_chooser() as chooser:
        await page.focus("#photo")
        await expect(page.locator("#photo")).to_be_focused()
        await page.keyboard.press("Space")
    assert await chooser.value


async def test_a_certificate_is_downloaded_from_the_browser_chat(ankang_web, page):
    """学时 in the browser chat: /mystudy lists the certificate, its button sends the PDF, which the page links."""
    from study import certificates as certs
    from web.chat import WORKER_ID

    await page.goto(f"{ankang_web.web_url}/chat")
    await page.wait_for_selector("#chat[data-ready='1']")
    await page.fill("#text", "/start")
    await page.click("#send")
    await page.locator(".msg:not(.me) .bubble", has_text="安康助手").first.wait_for()
    async with ankang_web.services.sessions() as session, session.begin():
        cert = await certs.issue_certificate(session, "演示职工", None, "新员工三级安全教育 结业", "demo:1",
                                             chat_id=WORKER_ID)
    await page.fill("#text", "/mystudy")
    await page.click("#send")
    mine = page.locator(".msg:not(.me)", has_text="我的学时")
    assert "我的证书（1 张" in await mine.inner_text()
    await mine.locator("button", has_text="下载证书").click()
    link = page.locator(".msg:not(.me) .bubble a.doc", has_text=f"certificate-{cert.code}.pdf")
    await link.wait_for()
    async with ClientSession() as http, http.get(ankang_web.web_url + await link.get_attribute("href")) as response:
        assert response.status == 200 and (await response.read()).startswith(b"%PDF")
    await page.screenshot(path=screenshot_path("chat-certificate"), full_page=True)


async def test_a_campaign_attempt_is_taken_in_the_browser_chat(ankang_web, emulator, page):
    """Issue 13, point 3 in the browser chat: /campaign's 开始答题, five timed polls answered one at a time (a
    multiple-choice one ticked option by option and sent with 提交), each locked once answered, then the
    score and the explanations; the answers were recorded once each."""
    from playwright.async_api import expect
    from sqlalchemy import select

    from broadcasts.quizbank import QuestionBank
    from campaigns.models import Attempt, AttemptQuestion, QuestionStatus
    from campaigns.service import local_day
    from tests.campaigns.conftest import make_campaign
    from web.chat import WORKER_ID

    services = ankang_web.services
    full = services.campaigns.bank
    by_type = {kind: [q for q in full if q.type == kind] for kind in ("single", "truefalse", "multiple")}
    # A bank of five known questions (two of them multiple choice), so the attempt meets every kind of poll.
    bank = QuestionBank(by_type["single"][:2] + by_type["truefalse"][:1] + by_type["multiple"][:2])
    services.campaigns.bank = bank
    today = local_day(services.clock.now(), services.settings.tz)
    await make_campaign(services, bank, template="new_hire", starts_on=today, audience="", tags=(),
                        questions_per_attempt=5, seconds_per_question=60)

    await open_chat(page, ankang_web.web_url)
    await say(page, "/campaign")
    offer = page.locator(".msg:not(.me)", has_text="正在进行的知识竞赛").last
    await offer.locator("button", has_text="开始答题").click()
    # The rules come as the button's notice (a toast here), the first question as the first message.
    await expect(page.locator("#toast")).to_contain_text("共 5 题")
    polls = page.locator(".bubble.poll")
    for number in range(1, 6):
        await expect(polls).to_have_count(number)
        poll = polls.nth(number - 1)
        question = await poll.locator(".q").inner_text()
        assert question.startswith(f"（{number}/5）")
        assert "限时 60 秒" in await poll.locator(".muted").first.inner_text()
        [asked] = [q for q in bank if question.endswith(q.stem)]
        options = poll.locator(".poll-opt")
        if asked.type == "multiple":
            assert "【多选】" in question
            submit = poll.locator(".poll-submit")
            assert await submit.is_disabled()  # nothing ticked yet
            for i in asked.answer:
                await options.nth(i).click()
                await expect(options.nth(i)).to_have_attribute("aria-pressed", "true")
            await poll.locator(".poll-submit").click()
        else:
            await options.nth(asked.answer[0]).click()
        await expect(options.first).to_be_disabled()  # answered: locked

    result = page.locator(".msg:not(.me) .bubble", has_text="答题结束")
    await result.wait_for()
    text = await result.inner_text()
    assert "答对 5/5 题" in text and text.count("正确答案：") == 5
    await page.screenshot(path=screenshot_path("chat-campaign"), full_page=True)
    async with services.sessions() as session:
        [attempt] = (await session.execute(select(Attempt).where(Attempt.chat_id == WORKER_ID))).scalars().all()
        rows = (await session.execute(select(AttemptQuestion).where(
            AttemptQuestion.attempt_id == attempt.id))).scalars().all()
    assert attempt.correct == 5 and attempt.answered == 5
    assert all(r.status == QuestionStatus.ANSWERED and r.correct for r in rows)
    assert sum("poll" in m for m in emulator.messages(WORKER_ID)) == 5
