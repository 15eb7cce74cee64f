"""After a restart, a worker who goes on with a conversation the old process held is told what was lost
(issue 14, point 5), not answered as if they had asked a question.

Ankang runs twice on the same database against the emulator (``running`` stopped, then started
again: the first run's memory — its drafts and conversations — is gone, as after a crash or a
takeover). The same happens between two processes on PostgreSQL (tests/ankang/test_cluster_takeover.py).
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select

from ankang.runner import Running, running
from bot import handoff_messages as hmsg
from bot import tip_messages as tmsg
from core.conversations import open_rows
from core.models import OpenConversation
from tests.conftest import QUICK_CHAT_PACE
from tests.tips.conftest import Tipper
from tests.tips.test_bot_thread import DESCRIPTION

RESTARTED = "服务刚刚重启"


@asynccontextmanager
async def run(make_settings, emulator, shared_kb, library, tips_runtime) -> AsyncIterator[Running]:
    async with running(make_settings(telegram_api_url=emulator.url), poll_timeout_s=1, kb=shared_kb,
                       library=library, tips=tips_runtime, chat_pace=QUICK_CHAT_PACE) as handle:
        yield handle


async def test_a_tip_draft_lost_in_a_restart_is_told_and_its_next_step_not_taken_for_a_question(
        make_settings, emulator, shared_kb, library, tips_runtime) -> None:
    tipper = Tipper(emulator, emulator.user("李雷", username="lilei_worker"))
    done = Tipper(emulator, emulator.user("韩梅梅", username="hanmeimei"))
    async with run(make_settings, emulator, shared_kb, library, tips_runtime) as first:
        await tipper.say("/report")
        await tipper.press("建筑施工")
        await tipper.press("建筑工地")
        asked = await tipper.say("城东3号工地")
        assert tmsg.ASK_DESCRIPTION[:8] in asked["text"]
        # A report that ends (submitted) leaves no mark behind; the open draft is one row.
        await done.report(description=DESCRIPTION)
        await done.confirm()
        await done.say("/help")  # one chat's updates run in order: the confirm's handler has returned
        assert [flow for _, flow in await open_rows(first.services.sessions)] == ["tip_report"]
        async with first.services.sessions() as session:
            [row] = (await session.execute(select(OpenConversation))).scalars()
        stored = " ".join(str(getattr(row, c.key)) for c in OpenConversation.__table__.columns)
        for identifier in (tipper.user.id, tipper.user.first_name, "lilei_worker", "城东3号工地"):
            assert str(identifier) not in stored

    async with run(make_settings, emulator, shared_kb, library, tips_runtime) as second:
        assert await open_rows(second.services.sessions) == []  # taken over: in memory only now
        # The draft's next step, typed after the restart: told plainly, not answered as a question.
        mark = emulator.mark()
        await emulator.send_text(tipper.user, DESCRIPTION)
        notice = await emulator.wait_for_message(tipper.user, since=mark)
        assert RESTARTED in notice["text"] and "举报草稿没有保存" in notice["text"] and "/report" in notice["text"]
        # Told once: starting again works, and nothing else was said in between.
        intro = await tipper.say("/report")
        assert "匿名举报" in intro["text"]
        assert [m["text"] for m in emulator.new_messages(tipper.user, mark)] == [notice["text"], intro["text"]]
        await tipper.press("建筑施工")  # one chat's updates run in order: /report's handler has returned
        assert [flow for _, flow in await open_rows(second.services.sessions)] == ["tip_report"]
        await tipper.say("/cancel")
        await tipper.say("/help")  # in order: /cancel's handler has returned
        assert await open_rows(second.services.sessions) == []


async def test_old_buttons_and_a_pending_handoff_are_told_and_others_answered_as_usual(
        make_settings, emulator, shared_kb, library, tips_runtime) -> None:
    tipper = Tipper(emulator, emulator.user("李雷", username="lilei_worker"))
    asker = emulator.user("王芳", username="wangfang")
    bystander = emulator.user("张伟")
    async with run(make_settings, emulator, shared_kb, library, tips_runtime):
        categories = await tipper.say("/report")
        confirm = await emulator.ask(asker, "/ask 加班费怎么算")
        assert hmsg.SEND_BUTTON in str(confirm["reply_markup"])

    async with run(make_settings, emulator, shared_kb, library, tips_runtime) as second:
        # An old button of the lost tip draft.
        mark = emulator.mark()
        query = await emulator.press(tipper.user, categories, "建筑施工")
        notice = await emulator.wait_for_message(tipper.user, since=mark)
        assert RESTARTED in notice["text"] and "举报草稿" in notice["text"]
        await emulator.wait_for(lambda: emulator.callback_answers.get(query), what="the press answered")
        # 发送给工会 under a question the restart lost: it was not sent, and the worker is told so.
        mark = emulator.mark()
        await emulator.press(asker, confirm, hmsg.SEND_BUTTON)
        notice = await emulator.wait_for_message(asker, since=mark)
        assert RESTARTED in notice["text"] and "没有发出" in notice["text"] and "/ask" in notice["text"]
        again = await emulator.ask(asker, "这个问题在吗")
        assert RESTARTED not in again["text"]
        # A worker who had nothing open is answered as ever.
        answer = await emulator.ask(bystander, "劳保用品要自己掏钱吗")
        assert RESTARTED not in answer["text"] and "劳动防护用品" in answer["text"]
        assert await open_rows(second.services.sessions) == []
