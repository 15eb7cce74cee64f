"""A real python-telegram-bot Application long-polls the emulator; tests talk as users."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Keyboard
from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    PollAnswerHandler,
    filters,
)

from emulator import Emulator, EmulatorTimeout, button_texts

from .conftest import TOKEN, plain_http_request


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = Keyboard([[Button("订阅微课堂", callback_data="sub:on"), Button("帮助", callback_data="help")]])
    await update.effective_message.reply_html("<b>欢迎</b>使用安康助手", reply_markup=keyboard)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("已订阅")
    await query.edit_message_text("你已订阅微课堂")


async def quiz(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await context.bot.send_poll(update.effective_chat.id, "高处作业多高需系安全带？", ["1米", "2米", "5米"],
                                type="quiz", correct_option_ids=[1], explanation="2米以上", is_anonymous=False)


async def poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    answer = update.poll_answer
    await context.bot.send_message(answer.user.id, f"你选了第{answer.option_ids[0] + 1}项")


async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query.query
    await update.inline_query.answer([
        InlineQueryResultArticle("1", f"{query}条款", InputTextMessageContent(f"<b>{query}</b>", parse_mode="HTML")),
    ], cache_time=0)


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    file = await update.message.photo[-1].get_file()
    data = await file.download_as_bytearray()
    await update.message.reply_text(f"收到照片，{len(data)}字节")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(f"你说：{update.message.text}")


blocked_users: list[int] = []


async def member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.my_chat_member.new_chat_member.status == "kicked":
        blocked_users.append(update.effective_user.id)


@pytest.fixture
async def app(emu: Emulator) -> AsyncIterator[Application]:
    application = (
        Application.builder().token(TOKEN).base_url(emu.base_url).base_file_url(emu.base_file_url)
        .request(plain_http_request()).get_updates_request(plain_http_request()).build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("quiz", quiz))
    application.add_handler(CallbackQueryHandler(pressed, pattern="^sub:"))
    application.add_handler(PollAnswerHandler(poll_answer))
    application.add_handler(InlineQueryHandler(inline))
    application.add_handler(ChatMemberHandler(member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.PHOTO, photo))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    await application.initialize()
    await application.start()
    await application.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
    yield application
    await application.updater.stop()
    await application.stop()
    await application.shutdown()


async def test_start_command_gets_a_reply_with_buttons(emu: Emulator, app: Application) -> None:
    alice = emu.user("王芳", username="wangfang")
    reply = await emu.ask(alice, "/start")
    assert reply["text"] == "欢迎使用安康助手"
    assert reply["entities"] == [{"offset": 0, "length": 2, "type": "bold"}]
    assert button_texts(reply) == [["订阅微课堂", "帮助"]]


async def test_command_addressed_to_the_bot_by_name_is_recognised(emu: Emulator, app: Application) -> None:
    alice = emu.user()
    reply = await emu.ask(alice, "/start@ankang_bot")
    assert reply["text"] == "欢迎使用安康助手"


async def test_pressing_a_button_answers_the_query_and_edits_the_message(emu: Emulator, app: Application) -> None:
    alice = emu.user()
    menu = await emu.ask(alice, "/start")
    async with emu.expect(alice, count=0, edits=1) as got:
        qid = await emu.press(alice, menu, "订阅微课堂")
    assert got.edited[0]["text"] == "你已订阅微课堂"
    await emu.wait_for(lambda: qid in emu.callback_answers)
    assert emu.callback_answers[qid]["text"] == "已订阅"
    assert emu.messages(alice)[-1]["text"] == "你已订阅微课堂"


async def test_expect_collects_replies_to_plain_text(emu: Emulator, app: Application) -> None:
    alice = emu.user()
    async with emu.expect(alice) as got:
        await emu.send_text(alice, "加班费怎么算")
    assert got.message["text"] == "你说：加班费怎么算"


async def test_wait_for_message_with_predicate(emu: Emulator, app: Application) -> None:
    alice = emu.user()
    await emu.send_text(alice, "一")
    await emu.send_text(alice, "二")
    second = await emu.wait_for_message(alice, lambda m: m["text"].endswith("二"))
    assert second["text"] == "你说：二"


async def test_pressing_a_missing_button_explains_what_exists(emu: Emulator, app: Application) -> None:
    alice = emu.user()
    menu = await emu.ask(alice, "/start")
    with pytest.raises(LookupError, match="订阅微课堂"):
        await emu.press(alice, menu, "不存在")


async def test_forged_callback_data_reaches_the_bot(emu: Emulator, app: Application) -> None:
    alice = emu.user()
    menu = await emu.ask(alice, "/start")
    async with emu.expect(alice, count=0, edits=1) as got:
        qid = await emu.press(alice, menu, data="sub:forged")  # not on the keyboard
    assert qid in emu.callback_answers
    assert got.edited[0]["text"] == "你已订阅微课堂"


async def test_quiz_poll_and_poll_answer(emu: Emulator, app: Application) -> None:
    alice = emu.user()
    poll_msg = await emu.ask(alice, "/quiz")
    poll = poll_msg["poll"]
    assert poll["type"] == "quiz" and poll["correct_option_ids"] == [1]
    async with emu.expect(alice) as got:
        await emu.answer_poll(alice, poll["id"], [1])
    assert got.message["text"] == "你选了第2项"
    assert emu.messages(alice)[0]["poll"]["options"][1]["voter_count"] == 1
    with pytest.raises(ValueError, match="cannot be changed"):
        await emu.answer_poll(alice, poll["id"], [0])


async def test_inline_query_is_answered(emu: Emulator, app: Application) -> None:
    alice = emu.user()
    qid = await emu.inline_query(alice, "劳保")
    answer = await emu.wait_for(lambda: emu.inline_answers.get(qid))
    [result] = answer["results"]
    assert result["title"] == "劳保条款"
    assert result["input_message_content"]["message_text"] == "<b>劳保</b>"


async def test_user_photo_is_downloaded_by_the_application(emu: Emulator, app: Application, jpeg: bytes) -> None:
    alice = emu.user()
    async with emu.expect(alice) as got:
        await emu.send_photo(alice, jpeg, caption="隐患")
    assert got.message["text"] == f"收到照片，{len(jpeg)}字节"


async def test_block_delivers_my_chat_member(emu: Emulator, app: Application) -> None:
    alice = emu.user()
    blocked_users.clear()
    await emu.block(alice)
    await emu.wait_for(lambda: alice.id in blocked_users)


async def test_timeout_report_shows_recent_conversation(emu: Emulator, app: Application) -> None:
    alice = emu.user()
    await emu.ask(alice, "/start")
    with pytest.raises(EmulatorTimeout, match="欢迎使用安康助手"):
        await emu.wait_for_message(alice, timeout=0.05)
