"""Rough edges found by walking the bot as a worker and an admin, each pinned by a test."""
import re
from datetime import timedelta

from telegram.ext import CommandHandler, ConversationHandler

from bot import messages, qa_messages
from bot.commands import COMMANDS, worker_commands
from core.login_links import LOGIN_LINK_TTL_S
from emulator import button_texts, buttons
from knowledge.messages import ENGLISH_NOTE
from tests.conftest import ADMIN_ID


def all_button_texts(message) -> list[str]:
    return [t for row in button_texts(message) for t in row]


def registered_commands(application) -> set[str]:
    """Every command some handler answers, conversations' entry points and fallbacks included."""
    found: set[str] = set()

    def visit(handler) -> None:
        if isinstance(handler, CommandHandler):
            found.update(handler.commands)
        elif isinstance(handler, ConversationHandler):
            for inner in [*handler.entry_points, *handler.fallbacks,
                          *(h for hs in handler.states.values() for h in hs)]:
                visit(inner)

    for group in application.handlers.values():
        for handler in group:
            visit(handler)
    return found


async def test_help_and_menu_cover_every_registered_command(ankang, emulator):
    assert registered_commands(ankang.application) == {c.name for c in COMMANDS}
    assert [c["command"] for c in emulator.commands] == [c.name for c in worker_commands()]
    assert [c["description"] for c in emulator.commands] == [c.description for c in worker_commands()]


async def test_help_names_the_bot_for_inline_mode_and_shows_arguments(ankang, emulator):
    admin = emulator.user("管理员", id=ADMIN_ID)
    text = (await emulator.ask(admin, "/help"))["text"]
    assert "@ankang_bot 劳保" in text and "机器人用户名" not in text
    assert "/status 回执码" in text and "/duty [on|off]" in text


async def test_cancel_with_nothing_to_cancel_is_not_an_unknown_command(ankang, emulator):
    alice = emulator.user()
    reply = await emulator.ask(alice, "/cancel")
    assert reply["text"] == messages.NOTHING_TO_CANCEL


async def test_returning_worker_gets_one_message_with_the_offer_folded_in(ankang, emulator):
    alice = emulator.user()
    async with emulator.expect(alice, count=2):
        await emulator.send_text(alice, "/start")
    async with emulator.expect(alice, count=1) as got:
        await emulator.send_text(alice, "/start")
    assert "欢迎回来" in got.message["text"] and all_button_texts(got.message) == [messages.SUBSCRIBE_BUTTON]

    picker = await emulator.ask(alice, "/subscribe")
    async with emulator.expect(alice, count=0, edits=1):
        await emulator.press(alice, picker, data="ls:t:fire")
    async with emulator.expect(alice, count=0, edits=1):
        await emulator.press(alice, picker, data="ls:done")
    async with emulator.expect(alice, count=1) as got:
        await emulator.send_text(alice, "/start")
    assert "欢迎回来" in got.message["text"] and not buttons(got.message)


async def test_missing_article_offers_the_laws_contents_not_a_dead_button(ankang, emulator):
    alice = emulator.user()
    reply = await emulator.ask(alice, "安全生产法第999条")
    assert "没有找到" in reply["text"]
    assert all_button_texts(reply) == [qa_messages.BROWSE_LAW.format(law="安全生产法")]
    async with emulator.expect(alice, count=0, edits=1) as got:
        await emulator.press(alice, reply, qa_messages.BROWSE_LAW.format(law="安全生产法"))
    assert "选择章节" in got.edited[0]["text"] and "第一章 总则" in all_button_texts(got.edited[0])


async def test_english_question_is_told_the_answer_is_in_chinese(ankang, emulator):
    alice = emulator.user(language_code="en")
    reply = await emulator.ask(alice, "Do I have to pay for my safety helmet?")
    assert reply["text"].startswith(ENGLISH_NOTE)
    # A cited answer, or (unsure) the entries about paying for protective equipment to choose from.
    assert "法条依据" in reply["text"] or "劳保用品要自己掏钱吗" in reply["text"]


async def test_empty_inline_query_shows_what_to_type(ankang, emulator):
    alice = emulator.user()
    query_id = await emulator.inline_query(alice, "")
    answer = await emulator.wait_for(lambda: emulator.inline_answers.get(query_id))
    assert answer["results"] == []
    assert answer["button"]["text"] == qa_messages.INLINE_EMPTY_HINT


async def test_inline_answers_cite_articles_as_the_chat_does(ankang, emulator):
    alice = emulator.user()
    query_id = await emulator.inline_query(alice, "劳保用品要自己掏钱吗")
    answer = await emulator.wait_for(lambda: emulator.inline_answers.get(query_id))
    shared = "\n".join(r["input_message_content"]["message_text"] for r in answer["results"])
    assert "安全生产法第四十五条" in shared
    # The 法条依据 lines label articles in Chinese numerals, as the chat does (an answer's own text, such as
    # an overview's list, is shown as written).
    bases = [line for line in shared.splitlines() if line.startswith("<b>法条依据</b>")]
    assert bases and not any(re.search(r"第\d+条", line) for line in bases)


async def test_laws_menu_gives_long_names_a_row_of_their_own(ankang, emulator):
    alice = emulator.user()
    menu = await emulator.ask(alice, "/laws")
    rows = button_texts(menu)
    assert ["生产安全事故报告和调查处理条例"] in rows
    assert ["安全生产法", "职业病防治法"] in rows


async def test_weblogin_says_until_when_the_link_works(ankang, emulator):
    admin = emulator.user("管理员", id=ADMIN_ID)
    before = ankang.services.clock.now()
    text = (await emulator.ask(admin, "/weblogin"))["text"]
    tz = ankang.services.settings.tz
    allowed = {(before + timedelta(seconds=LOGIN_LINK_TTL_S + extra)).astimezone(tz).strftime("%H:%M")
               for extra in (0, 60)}
    shown = re.search(r"有效期至 (\d\d:\d\d)", text).group(1)
    assert shown in allowed
