"""Bad input against the tip flow, through the emulator and the real PTB stack.

Every case must get a clear Chinese answer, raise nothing in a handler (the error handler logs
"handler failed" when one does) and store nothing it should not.
"""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from bot import messages as common_messages
from bot import tip_messages as msg
from tests.tips.helpers import black_png, photo_with_gps, plain
from tests.tips.test_bot_thread import DESCRIPTION, submit
from tips.models import Tip, TipEvent, TipPhoto


@pytest.fixture(autouse=True)
def handler_failures(caplog):
    """Fail the test if any handler raised (the error handler logs every such failure)."""
    caplog.set_level(logging.INFO)
    yield
    # At teardown ``caplog.records`` holds the teardown's records: read the test's own.
    failed = [r for r in caplog.get_records("call") if r.getMessage().startswith("handler failed")]
    assert not failed, f"a handler raised: {failed[0].exc_text or failed[0].getMessage()}"


async def count(services, model) -> int:
    async with services.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


def png_bomb() -> bytes:
    """A tiny PNG that claims 100 000 × 100 000 pixels (a decompression bomb)."""
    data = bytearray(black_png(20000, 20000))  # compresses to a few kB
    # Rewrite the IHDR size: Pillow must refuse before allocating 10 gigapixels.
    data[16:24] = (100_000).to_bytes(4, "big") + (100_000).to_bytes(4, "big")
    import zlib

    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


async def test_status_without_code_and_with_a_huge_code(ankang, emulator, make_tipper):
    tipper = make_tipper()
    assert (await tipper.say("/status"))["text"].startswith("请发送您的回执码")
    # Answering the prompt with a wrong code keeps the prompt open for another try.
    assert (await tipper.say("\x01\x02 ☃ 🚧 ＡＢＣ"))["text"] == plain(msg.RECEIPT_REFUSED_AGAIN)
    assert (await tipper.say("/status " + "A" * 500))["text"] == plain(msg.RECEIPT_REFUSED)


async def test_commands_for_another_bot_are_ignored_in_groups(ankang, emulator, make_tipper):
    tipper = make_tipper()
    group = emulator.group("一车间")
    await emulator.send_text(tipper.user, "/report@otherbot", chat=group)
    await emulator.send_text(tipper.user, "/status@otherbot AAAA", chat=group)
    # The next command addressed to us gets an answer; nothing was said to the other bot's commands.
    sent = await emulator.send_text(tipper.user, "/report@ankang_bot", chat=group)
    reply = await emulator.wait_for_message(group.id, after=sent)
    assert "私聊" in reply["text"]
    assert [m["text"] for m in emulator.messages(group.id)] == [reply["text"]]


async def test_status_in_a_group_warns_instead_of_staying_silent(ankang, emulator, make_tipper):
    tipper = make_tipper()
    group = emulator.group("一车间")
    sent = await emulator.send_text(tipper.user, "/status@ankang_bot K7QF-2M9D-XR4T-PB6N", chat=group)
    reply = await emulator.wait_for_message(group.id, after=sent)
    assert "私聊" in reply["text"]


async def test_stale_and_forged_buttons_are_answered_and_change_nothing(ankang, emulator, make_tipper):
    tipper = make_tipper()
    first = await tipper.say("/report")
    await tipper.say("/cancel")
    forged = ["tr:c:construction", "tr:c:nope", "tr:p:../../x", "tr:u:2", "tr:u:1", "tr:ok", "tr:x", "tr:skip",
              "tr:done", "tf:add", "tf:end", "ta:o:1", "ta:s:1:closed", "ta:r:1", "ta:l:-:-:0:0", "ta:l:x",
              "qa|a|999|1", "qa|", "ls:zzz", "bc:1", "", "x" * 64, "tr:c:" + "c" * 59]
    ids = [await emulator.press(tipper.user, first, data=data or " ") for data in forged]
    await emulator.wait_for(lambda: all(q in emulator.callback_answers for q in ids), timeout=15)
    assert all(emulator.callback_answers[q].get("text") for q in ids)
    # The old keyboard of a cancelled flow did not restart it: no new questions were asked.
    assert emulator.last_message(tipper.user)["text"] == msg.CANCELLED
    assert await count(ankang.services, Tip) == 0


async def test_forged_buttons_inside_the_flow_do_not_skip_steps(ankang, emulator, make_tipper):
    tipper = make_tipper()
    first = await tipper.say("/report")
    # Waiting for a category: urgency, confirm and photo buttons are refused.
    ids = [await emulator.press(tipper.user, first, data=d) for d in ("tr:u:1", "tr:ok", "tr:done", "tr:p:site")]
    await emulator.wait_for(lambda: all(q in emulator.callback_answers for q in ids), timeout=15)
    assert emulator.last_message(tipper.user)["message_id"] == first["message_id"]
    await tipper.press("建筑施工", first)
    assert "场所" in tipper.last["text"]
    assert await count(ankang.services, Tip) == 0


async def test_double_press_on_confirm_stores_one_tip(ankang, emulator, make_tipper):
    tipper = make_tipper()
    preview = await tipper.report(description=DESCRIPTION)
    mark = emulator.mark()
    first = await emulator.press(tipper.user, preview, msg.CONFIRM_BUTTON)
    second = await emulator.press(tipper.user, preview, data="tr:ok")
    await emulator.wait_for(lambda: first in emulator.callback_answers and second in emulator.callback_answers,
                            timeout=15)
    await emulator.wait_for_message(tipper.user, lambda m: "回执码" in m.get("text", ""), since=mark)
    receipts = [m for m in emulator.new_messages(tipper.user, mark) if "回执码" in m.get("text", "")]
    assert len(receipts) == 1
    assert not any("没有" in m.get("text", "") and "保存" in m.get("text", "")
                   for m in emulator.new_messages(tipper.user, mark))
    assert await count(ankang.services, Tip) == 1


STEPS = ["category", "place", "location", "description", "photos", "urgency", "preview"]


@pytest.mark.parametrize("step", STEPS)
async def test_cancel_at_every_step_leaves_nothing(ankang, emulator, make_tipper, step):
    tipper = make_tipper()
    await tipper.say("/report")
    walk = [
        lambda: tipper.press("建筑施工"),
        lambda: tipper.press("建筑工地"),
        lambda: tipper.say("城东3号工地"),
        lambda: tipper.say(DESCRIPTION),
        lambda: tipper.photo(photo_with_gps()),
        lambda: tipper.press(msg.DONE_BUTTON),
        lambda: tipper.press(msg.NOT_URGENT_BUTTON),
    ]
    for action in walk[: STEPS.index(step)]:
        await action()
    assert (await tipper.say("/cancel"))["text"] == msg.CANCELLED
    assert await count(ankang.services, Tip) == 0 and await count(ankang.services, TipPhoto) == 0
    assert not any("tip_draft" in data for data in ankang.application.user_data.values())


async def test_bad_images_and_a_sixth_photo(ankang, emulator, make_tipper):
    tipper = make_tipper()
    await tipper.say("/report")
    await tipper.press("建筑施工")
    await tipper.press("建筑工地")
    await tipper.press(msg.SKIP_BUTTON)
    await tipper.say(DESCRIPTION)
    user = tipper.user
    cases = [
        (b"", "empty.jpg", "image/jpeg", msg.PHOTO_REJECTED["not_image"]),
        (b"\x00\xff" * 500, "garbage.jpg", "image/jpeg", msg.PHOTO_REJECTED["not_image"]),
        (b"GIF89a" + b"\x00" * 64, "x.jpg", "image/jpeg", msg.PHOTO_REJECTED["not_image"]),
        (png_bomb(), "bomb.png", "image/png", msg.PHOTO_REJECTED["too_many_pixels"]),
    ]
    for data, name, mime, expected in cases:
        mark = emulator.mark()
        await emulator.send_document(user, data, name, mime)
        assert (await emulator.wait_for_message(user, since=mark))["text"] == expected, name
    for index in range(5):
        await tipper.photo(photo_with_gps(color=(index * 40, 10, 10)))
    assert msg.PHOTO_LIMIT in tipper.last["text"]
    sixth = await tipper.photo(photo_with_gps())
    assert sixth["text"] == msg.USE_BUTTONS
    await tipper.press(msg.NOT_URGENT_BUTTON, emulator.messages(user)[-2])
    assert "照片：5 张" in tipper.last["text"]


async def test_markup_and_control_characters_in_text_are_escaped(ankang, emulator, make_tipper):
    tipper = make_tipper()
    nasty = "<b>配电箱</b> & <a href='x'>裸露</a> \u202e\u200b 电线 </code> &amp; 积水"
    preview = await tipper.report(description=nasty, location="<i>二号车间</i> & 东侧")
    assert nasty in preview["text"] and "<i>二号车间</i> & 东侧" in preview["text"]
    await tipper.confirm()
    async with ankang.services.sessions() as session:
        tip = (await session.execute(select(Tip))).scalar_one()
    assert tip.description == nasty.strip()


async def test_whitespace_and_huge_descriptions_are_explained(ankang, emulator, make_tipper):
    tipper = make_tipper()
    await tipper.say("/report")
    await tipper.press("建筑施工")
    await tipper.press("建筑工地")
    assert "200 字" in (await tipper.say("地" * 5000))["text"]
    await tipper.press(msg.SKIP_BUTTON, emulator.messages(tipper.user)[-2])
    assert (await tipper.say(" \u3000 \n 短 "))["text"] == msg.DESCRIPTION_TOO_SHORT
    assert "太长" in (await tipper.say("很" * 5000))["text"]


async def test_report_while_adding_information_ends_the_follow_up(ankang, emulator, make_tipper):
    """A report started from the follow-up thread must not leave later messages flowing into the old tip."""
    tipper = make_tipper()
    code = await submit(tipper)
    await tipper.say(f"/status {code}")
    await tipper.press(msg.ADD_INFO_BUTTON)
    await tipper.report(description="另一处隐患：消防通道被纸箱堵死了")
    await tipper.confirm()
    question = await tipper.say("劳保用品要自己掏钱吗")
    assert question["text"] != msg.FOLLOWUP_SAVED
    async with ankang.services.sessions() as session:
        messages = (await session.execute(select(TipEvent).where(TipEvent.kind == "message"))).scalars().all()
    assert messages == []


async def test_follow_up_timeout_says_so(ankang_short_ttl, emulator, make_tipper):
    tipper = make_tipper()
    code = await submit(tipper)
    await tipper.say(f"/status {code}")
    await tipper.press(msg.ADD_INFO_BUTTON)
    notice = await emulator.wait_for_message(tipper.user, lambda m: m.get("text") == msg.FOLLOWUP_TIMED_OUT,
                                             timeout=10)
    assert notice


async def test_handler_exceptions_are_logged_without_the_message_text(ankang, emulator, caplog):
    """The error handler logs where it failed, never what the worker wrote (tips are anonymous)."""
    from telegram.ext import MessageHandler, filters

    async def boom(update, context):
        raise ValueError(f"cannot handle {update.effective_message.text!r} from {update.effective_user.id}")

    ankang.application.add_handler(MessageHandler(filters.Regex("^爆炸"), boom), group=-5)
    alice = emulator.user("王芳", username="wangfang")
    reply = await emulator.ask(alice, "爆炸 机密内容XYZ")
    assert reply["text"] == common_messages.ERROR
    records = [r for r in caplog.records if r.getMessage().startswith("handler failed")]
    assert records
    logged = "\n".join(logging.Formatter().format(r) for r in caplog.records)
    assert "ValueError" in logged and "boom" in logged
    assert "机密内容XYZ" not in logged and str(alice.id) not in logged
    caplog.clear()  # this test expects the failure
