"""The emulator answers python-telegram-bot 22 over real HTTP exactly as Telegram would."""
from __future__ import annotations

import pytest
import telegram
from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Keyboard
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, Forbidden

from emulator import BOT_USER, Emulator, button_texts, buttons

from .conftest import make_jpeg


async def test_get_me_describes_the_ankang_bot(bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name) == (1000000001, "ankang_bot", "安康助手")
    assert me.is_bot and me.can_join_groups and me.supports_inline_queries


async def test_send_message_with_html_and_keyboard_is_recorded(emu: Emulator, bot: telegram.Bot) -> None:
    alice = emu.user("王芳", username="wangfang")
    keyboard = Keyboard([[Button("订阅", callback_data="sub:on"), Button("官网", url="https://example.org")]])
    sent = await bot.send_message(alice.id, "<b>安全</b>第一", parse_mode=ParseMode.HTML, reply_markup=keyboard)

    assert sent.text == "安全第一"
    assert sent.entities[0].type == "bold"
    assert sent.from_user.id == BOT_USER["id"]
    [stored] = emu.messages(alice)
    assert stored["message_id"] == sent.message_id
    assert button_texts(stored) == [["订阅", "官网"]]
    assert buttons(stored)[0][0]["callback_data"] == "sub:on"


@pytest.mark.parametrize(
    ("kwargs", "description"),
    [
        ({"text": ""}, "Message text is empty"),
        ({"text": "   "}, "Message text is empty"),
        ({"text": "<b></b>", "parse_mode": "HTML"}, "Message text is empty"),
        ({"text": "长" * 4097}, "Message is too long"),
        ({"text": "<script>x</script>", "parse_mode": "HTML"},
         "Can't parse entities: unsupported start tag \"script\" at byte offset 0"),
        ({"text": "x", "reply_markup": Keyboard([[Button("太长", callback_data="x" * 65)]])}, "Button_data_invalid"),
        ({"text": "x", "reply_markup": Keyboard([[Button("空", callback_data="")]])}, "Button_data_invalid"),
        ({"text": "x", "reply_markup": Keyboard([[Button("无动作")]])},
         "Can't parse inline keyboard button: text buttons are unallowed in the inline keyboard"),
    ],
)
async def test_invalid_messages_raise_bad_request(
        emu: Emulator, bot: telegram.Bot, kwargs: dict, description: str) -> None:
    alice = emu.user()
    with pytest.raises(BadRequest) as err:
        await bot.send_message(alice.id, **kwargs)
    assert err.value.message == description  # PTB capitalises the text after "Bad Request: "
    assert emu.messages(alice) == []
    assert emu.errors[-1].status == 400


async def test_text_of_exactly_4096_characters_is_accepted(emu: Emulator, bot: telegram.Bot) -> None:
    alice = emu.user()
    sent = await bot.send_message(alice.id, "<b>" + "长" * 4096 + "</b>", parse_mode="HTML")
    assert len(sent.text) == 4096


async def test_unknown_and_unregistered_chats_are_not_found(emu: Emulator, bot: telegram.Bot) -> None:
    stranger = emu.user("陌生人", known=False)
    for chat_id in (424242, stranger.id):
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(chat_id, "你好")
    await emu.send_text(stranger, "你好")  # writing to the bot makes the chat known
    assert (await bot.send_message(stranger.id, "欢迎")).text == "欢迎"


async def test_blocked_user_gets_forbidden_and_a_my_chat_member_update(emu: Emulator, bot: telegram.Bot) -> None:
    alice = emu.user()
    await emu.block(alice)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(alice.id, "还在吗")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(alice.id, "typing")
    await emu.unblock(alice)
    await bot.send_message(alice.id, "欢迎回来")

    updates = await bot.get_updates()
    statuses = [(u.my_chat_member.old_chat_member.status, u.my_chat_member.new_chat_member.status) for u in updates]
    assert statuses == [("member", "kicked"), ("kicked", "member")]


async def test_edits_replace_content_and_identical_edits_are_refused(emu: Emulator, bot: telegram.Bot) -> None:
    alice = emu.user()
    keyboard = Keyboard([[Button("确认", callback_data="ok")]])
    sent = await bot.send_message(alice.id, "草稿", reply_markup=keyboard)

    edited = await bot.edit_message_text("定稿", chat_id=alice.id, message_id=sent.message_id, reply_markup=keyboard)
    assert edited.text == "定稿" and edited.edit_date is not None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("定稿", chat_id=alice.id, message_id=sent.message_id, reply_markup=keyboard)

    await bot.edit_message_reply_markup(chat_id=alice.id, message_id=sent.message_id, reply_markup=None)
    [stored] = emu.messages(alice)
    assert stored["text"] == "定稿" and "reply_markup" not in stored
    assert emu.message(alice, sent.message_id).version == 2
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(chat_id=alice.id, message_id=sent.message_id, reply_markup=None)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=alice.id, message_id=999)


async def test_deleted_messages_leave_the_chat_view(emu: Emulator, bot: telegram.Bot) -> None:
    alice = emu.user()
    first = await bot.send_message(alice.id, "一")
    await bot.send_message(alice.id, "二")
    assert await bot.delete_message(alice.id, first.message_id)
    assert [m["text"] for m in emu.messages(alice)] == ["二"]
    assert [m["text"] for m in emu.messages(alice, include_deleted=True)] == ["一", "二"]
    assert emu.message(alice, first.message_id).deleted
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(alice.id, first.message_id)


async def test_photo_and_document_upload_then_download_round_trip(
        emu: Emulator, bot: telegram.Bot, jpeg: bytes) -> None:
    alice = emu.user()
    photo_msg = await bot.send_photo(alice.id, jpeg, caption="<i>隐患</i>", parse_mode="HTML")
    assert [(p.width, p.height) for p in photo_msg.photo] == [(90, 68), (320, 240)]
    assert photo_msg.caption == "隐患" and photo_msg.caption_entities[0].type == "italic"
    largest = photo_msg.photo[-1]
    downloaded = await (await bot.get_file(largest.file_id)).download_as_bytearray()
    assert bytes(downloaded) == jpeg

    # Re-sending by file_id reuses the stored file.
    again = await bot.send_photo(alice.id, largest.file_id)
    assert again.photo[-1].file_unique_id == largest.file_unique_id

    doc_msg = await bot.send_document(alice.id, b"%PDF-1.4 fake", filename="规章.pdf", caption="附件")
    assert doc_msg.document.file_name == "规章.pdf"
    file = await bot.get_file(doc_msg.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 fake"
    assert [m.get("caption") for m in emu.messages(alice)] == ["隐患", None, "附件"]

    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(alice.id, "no-such-file-id")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(alice.id, jpeg, caption="长" * 1025)
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("nope")


async def test_user_photo_is_downloadable_by_the_bot(emu: Emulator, bot: telegram.Bot) -> None:
    alice = emu.user()
    image = make_jpeg(1280, 960, "red")
    await emu.send_photo(alice, image, caption="脚手架松动")
    [update] = await bot.get_updates()
    assert update.message.caption == "脚手架松动"
    biggest = update.message.photo[-1]
    assert (biggest.width, biggest.height) == (1280, 960)
    data = await (await bot.get_file(biggest.file_id)).download_as_bytearray()
    assert bytes(data) == image


async def test_media_group_sends_one_message_per_item(emu: Emulator, bot: telegram.Bot, jpeg: bytes) -> None:
    alice = emu.user()
    sent = await bot.send_media_group(alice.id, [telegram.InputMediaPhoto(jpeg, caption="一"),
                                                 telegram.InputMediaPhoto(make_jpeg(color="blue"))])
    assert len(sent) == 2 and sent[0].media_group_id == sent[1].media_group_id
    assert [m.get("caption") for m in emu.messages(alice)] == ["一", None]


async def test_polls_validate_and_stop(emu: Emulator, bot: telegram.Bot) -> None:
    alice = emu.user()
    quiz = await bot.send_poll(alice.id, "安全帽多久检查一次？", ["每天", "每年"], type="quiz",
                               correct_option_ids=[0], explanation="使用前检查", is_anonymous=False)
    assert quiz.poll.type == "quiz" and quiz.poll.correct_option_ids == (0,)
    assert quiz.poll.explanation == "使用前检查"
    regular = await bot.send_poll(alice.id, "你关心哪些话题？", ["工伤", "加班", "防护"], allows_multiple_answers=True)
    assert not regular.poll.is_closed

    for kwargs, message in [
        ({"options": ["唯一"]}, "Poll must have at least 2 option"),
        ({"options": [str(i) for i in range(11)]}, "Poll can't have more than 10 options"),
        ({"question": "问" * 301}, "Poll question length must not exceed 300"),
        ({"options": ["长" * 101, "短"]}, "Poll options length must not exceed 100"),
        ({"type": "quiz", "correct_option_ids": [2]}, "Wrong correct option id specified"),
        ({"type": "quiz"}, "Wrong correct option id specified"),
        ({"type": "quiz", "correct_option_ids": [0], "explanation": "解" * 201}, "Explanation is too long"),
    ]:
        args = {"question": "问题", "options": ["甲", "乙"], **kwargs}
        with pytest.raises(BadRequest) as err:
            await bot.send_poll(alice.id, **args)
        assert err.value.message == message

    stopped = await bot.stop_poll(alice.id, regular.message_id)
    assert stopped.is_closed
    with pytest.raises(BadRequest, match="Poll has already been closed"):
        await bot.stop_poll(alice.id, regular.message_id)


async def test_commands_menu_button_and_get_chat(emu: Emulator, bot: telegram.Bot) -> None:
    alice = emu.user("王芳", username="wangfang")
    await bot.set_my_commands([("start", "开始"), ("ask", "提问")])
    assert emu.commands == [{"command": "start", "description": "开始"}, {"command": "ask", "description": "提问"}]
    assert [c.command for c in await bot.get_my_commands()] == ["start", "ask"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Bad-Name", "x")])
    await bot.delete_my_commands()
    assert emu.commands == []

    await bot.set_chat_menu_button(alice.id, telegram.MenuButtonCommands())
    assert (await bot.get_chat_menu_button(alice.id)).type == "commands"
    chat = await bot.get_chat(alice.id)
    assert (chat.id, chat.username, chat.type) == (alice.id, "wangfang", "private")


async def test_unknown_method_is_not_found(bot: telegram.Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})


async def test_reply_parameters_quote_the_original(emu: Emulator, bot: telegram.Bot) -> None:
    alice = emu.user()
    question = await emu.send_text(alice, "加班费怎么算？")
    reply = await bot.send_message(alice.id, "见劳动法", reply_to_message_id=question["message_id"])
    assert reply.reply_to_message.text == "加班费怎么算？"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(alice.id, "x", reply_to_message_id=999)


async def test_call_log_never_needs_the_token(emu: Emulator, bot: telegram.Bot) -> None:
    alice = emu.user()
    await bot.send_message(alice.id, "你好")
    [call] = emu.calls_to("sendMessage")
    assert (call.chat_id, call.status, call.outcome) == (alice.id, 200, "ok")
    assert call.params["text"] == "你好"


async def test_callback_queries_expire_and_are_answered_once(emu: Emulator, bot: telegram.Bot, clock) -> None:
    alice = emu.user()
    sent = await bot.send_message(alice.id, "菜单", reply_markup=Keyboard([[Button("好", callback_data="ok")]]))
    fresh = await emu.press(alice, sent.to_dict(), "好")
    stale = await emu.press(alice, sent.message_id, "ok")
    assert await bot.answer_callback_query(fresh, text="收到")
    assert emu.callback_answers[fresh]["text"] == "收到"
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(fresh)  # a second answer
    clock.advance(emu.callback_ttl_s + 1)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(stale)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("123")


async def test_a_poll_closes_when_its_open_period_is_over(emu: Emulator, bot: telegram.Bot, clock) -> None:
    """open_period: votes count until the period ends; then the poll is closed (a ``poll`` update says so)
    and refuses votes, as Telegram does. ``close_due_polls`` closes every poll whose time is up."""
    alice = emu.user()
    quiz = await bot.send_poll(alice.id, "安全帽多久检查一次？", ["每天", "每年"], type="quiz",
                               correct_option_ids=[0], is_anonymous=False, open_period=30)
    other = await bot.send_poll(alice.id, "你关心哪些话题？", ["工伤", "加班"], is_anonymous=False, open_period=60)
    untimed = await bot.send_poll(alice.id, "不限时", ["甲", "乙"], is_anonymous=False)
    assert emu.polls[quiz.poll.id].poll["open_period"] == 30 and not quiz.poll.is_closed
    clock.advance(29)
    await emu.answer_poll(alice, quiz.poll.id, [0])  # in time
    await emu.answer_poll(alice, other.poll.id, [1])
    clock.advance(2)
    with pytest.raises(ValueError, match="closed"):
        await emu.answer_poll(alice, quiz.poll.id, [1])  # 31 s after: closed
    assert emu.polls[quiz.poll.id].poll["is_closed"]
    assert emu.close_due_polls() == []  # the other one has 29 s left
    clock.advance(30)
    assert emu.close_due_polls() == [other.poll.id]
    await emu.answer_poll(alice, untimed.poll.id, [0])  # no open period: stays open
    updates = await bot.get_updates()
    closed = [u.poll.id for u in updates if u.poll is not None and u.poll.is_closed]
    assert closed == [quiz.poll.id, other.poll.id]
    assert [(u.poll_answer.poll_id, u.poll_answer.option_ids) for u in updates if u.poll_answer] == [
        (quiz.poll.id, (0,)), (other.poll.id, (1,)), (untimed.poll.id, (0,))]


async def test_expire_poll_ends_the_open_period_now(emu: Emulator, bot: telegram.Bot) -> None:
    alice = emu.user()
    poll = await bot.send_poll(alice.id, "问题", ["甲", "乙"], is_anonymous=False, open_period=600)
    emu.expire_poll(poll.poll.id)
    with pytest.raises(ValueError, match="closed"):
        await emu.answer_poll(alice, poll.poll.id, [0])
    with pytest.raises(LookupError):
        emu.expire_poll("forged")
    with pytest.raises(BadRequest, match="Poll has already been closed"):
        await bot.stop_poll(alice.id, poll.message_id)
