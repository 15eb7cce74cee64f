"""Rough edges of the tip screens found by walking them as a tipper and an admin, each pinned by a test."""
from __future__ import annotations

from bot import tip_messages as msg
from emulator import button_texts
from tests.conftest import ADMIN_ID
from tests.tips.helpers import photo_with_gps, plain
from tests.tips.test_bot_thread import DESCRIPTION, submit


def texts(message) -> list[str]:
    return [t for row in button_texts(message) for t in row]


async def test_after_a_photo_only_done_is_offered_not_skip(ankang, emulator, make_tipper):
    tipper = make_tipper()
    await tipper.say("/report")
    await tipper.press("建筑施工")
    await tipper.press("建筑工地")
    await tipper.press(msg.SKIP_BUTTON)
    ask_photos = await tipper.say(DESCRIPTION)
    assert texts(ask_photos) == [msg.SKIP_BUTTON, msg.CANCEL_BUTTON]
    received = await tipper.photo(photo_with_gps())
    assert texts(received) == [msg.DONE_BUTTON, msg.CANCEL_BUTTON]


async def test_preview_labels_the_description(ankang, emulator, make_tipper):
    preview = await make_tipper().report(description=DESCRIPTION)
    assert f"描述：{DESCRIPTION}" in preview["text"]


async def test_wrong_code_after_the_prompt_can_be_retried(ankang, emulator, make_tipper):
    tipper = make_tipper()
    code = await submit(tipper)
    await tipper.say("/status")
    assert (await tipper.say("K7QF-2M9D-XR4T-PB6N"))["text"] == plain(msg.RECEIPT_REFUSED_AGAIN)
    shown = await tipper.say(code)
    assert "当前状态" in shown["text"]


async def test_photo_only_follow_up_has_no_dangling_colon(ankang, emulator, make_tipper):
    tipper = make_tipper()
    code = await submit(tipper)
    await tipper.say(f"/status {code}")
    await tipper.press(msg.ADD_INFO_BUTTON)
    await tipper.photo(photo_with_gps())
    await tipper.press(msg.END_BUTTON)
    shown = await tipper.say(f"/status {code}")
    line = next(row for row in shown["text"].splitlines() if "举报人留言" in row)
    assert line.endswith("（1 张照片）")


async def test_tip_list_filters_every_status_and_ticks_the_current_one(ankang, emulator, make_tipper):
    await submit(make_tipper())
    admin = emulator.user("管理员", id=ADMIN_ID)
    listing = await emulator.ask(admin, "/tips")
    labels = texts(listing)
    assert "✅ " + msg.FILTER_OPEN in labels
    assert {"待受理", "已受理", "核查中", "整改中", "已办结", "不予受理"} <= set(labels)
    async with emulator.expect(admin, count=0, edits=1) as got:
        await emulator.press(admin, listing, "已办结")
    assert "✅ 已办结" in texts(got.edited[0]) and msg.FILTER_OPEN in texts(got.edited[0])
    assert msg.NO_TIPS in got.edited[0]["text"]


async def test_duty_status_says_what_to_do_next(ankang, emulator):
    admin = emulator.user("管理员", id=ADMIN_ID)
    off = (await emulator.ask(admin, "/duty"))["text"]
    assert off == plain(msg.DUTY_STATUS_OFF) and "/duty on" in off
    await emulator.ask(admin, "/duty on")
    on = (await emulator.ask(admin, "/duty"))["text"]
    assert on == plain(msg.DUTY_STATUS_ON) and "/duty off" in on


async def test_admin_reply_prompt_names_the_tip_not_a_person(ankang, emulator, make_tipper):
    await submit(make_tipper())
    admin = emulator.user("管理员", id=ADMIN_ID)
    listing = await emulator.ask(admin, "/tips")
    mark = emulator.mark()
    await emulator.press(admin, listing, next(t for t in texts(listing) if t.startswith("🚨#") or t.startswith("#")))
    opened = await emulator.wait_for_message(admin, lambda m: "处理记录" in m.get("text", ""), since=mark)
    prompt = await _press(emulator, admin, opened, msg.REPLY_BUTTON)
    assert prompt["text"].startswith("请输入对举报 #")
    cancelled = await emulator.ask(admin, "/cancel")
    assert cancelled["text"] == msg.ADMIN_CANCELLED


async def _press(emulator, user, message, button):
    mark = emulator.mark()
    await emulator.press(user, message, button)
    return await emulator.wait_for_message(user, since=mark)
