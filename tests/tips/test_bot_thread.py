"""Receipts, the anonymous thread, urgent alerts, admin triage and bad input — via the emulator."""
from __future__ import annotations

import re

from sqlalchemy import select, text

from bot import messages as common_messages
from bot import tip_messages as msg
from core.admins import add_admin, set_on_duty
from core.models import AuditEntry
from tests.conftest import ADMIN_ID
from tests.tips.helpers import photo_with_gps, plain
from tips.models import Tip, TipEvent

CODE_RE = re.compile(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}")
DESCRIPTION = "车间配电箱门一直敞开，里面电线裸露，地面还有积水"


async def submit(tipper, **kwargs) -> str:
    await tipper.report(description=DESCRIPTION, **kwargs)
    receipt = await tipper.confirm()
    return CODE_RE.search(receipt["text"]).group(0)


async def test_receipt_opens_the_thread_and_a_wrong_one_is_refused(ankang, emulator, make_tipper):
    tipper = make_tipper()
    code = await submit(tipper)
    shown = await tipper.say(f"/status {code.lower()}")
    assert "待受理" in shown["text"] and "提交举报" in shown["text"]
    refused = await tipper.say("/status K7QF-2M9D-XR4T-PB6N")
    assert refused["text"] == plain(msg.RECEIPT_REFUSED)
    nonsense = await tipper.say("/status hello")
    assert nonsense["text"] == plain(msg.RECEIPT_REFUSED)  # the same answer: nothing about what exists
    async with ankang.services.sessions() as session:
        stored = (await session.execute(text("SELECT receipt_hash FROM tips"))).scalar_one()
    assert stored.startswith("$argon2id$") and code.replace("-", "") not in stored


async def test_receipt_guessing_is_rate_limited(ankang, emulator, make_tipper):
    tipper = make_tipper()
    for _ in range(5):
        assert (await tipper.say("/status K7QF-2M9D-XR4T-PB6N"))["text"] == plain(msg.RECEIPT_REFUSED)
    assert (await tipper.say("/status K7QF-2M9D-XR4T-PB6N"))["text"] == msg.RECEIPT_RATE_LIMITED


async def test_admin_status_change_and_reply_reach_the_tippers_status(ankang, emulator, make_tipper):
    tipper = make_tipper()
    code = await submit(tipper, photos=[photo_with_gps(), photo_with_gps((1, 2, 3))])
    admin = emulator.user("工会张主任", id=ADMIN_ID)

    listing = await emulator.ask(admin, "/tips")
    assert "共 1 条" in listing["text"]
    button = next(b["text"] for row in listing["reply_markup"]["inline_keyboard"] for b in row
                  if b["text"].startswith("#"))
    mark = emulator.mark()
    await emulator.press(admin, listing, button)
    opened = await emulator.wait_for_message(admin, lambda m: "处理记录" in m.get("text", ""), since=mark)
    albums = [m for m in emulator.new_messages(admin, mark) if m.get("photo")]
    assert len(albums) == 2  # both photos, re-encoded, shown to the admin

    mark = emulator.mark()
    await emulator.press(admin, opened, "核查中")
    await emulator.wait_for_message(admin, since=mark)
    done = await emulator.ask(admin, "已联系车间主任，明天上午到现场核查")
    assert "核查中" in done["text"]
    mark = emulator.mark()
    await emulator.press(admin, opened, msg.REPLY_BUTTON)
    await emulator.wait_for_message(admin, since=mark)
    await emulator.ask(admin, "请问是几号车间？")

    view = await tipper.say(f"/status {code}")
    assert "核查中" in view["text"] and "明天上午到现场核查" in view["text"] and "几号车间" in view["text"]
    await tipper.press(msg.ADD_INFO_BUTTON, view)
    saved = await tipper.say("三号车间东门")
    assert saved["text"] == msg.FOLLOWUP_SAVED
    saved = await tipper.photo(photo_with_gps())
    assert saved["text"] == msg.FOLLOWUP_SAVED
    await tipper.press(msg.END_BUTTON)

    async with ankang.services.sessions() as session:
        events = (await session.execute(select(TipEvent).order_by(TipEvent.id))).scalars().all()
        audit = (await session.execute(select(AuditEntry.admin_id, AuditEntry.action))).all()
    assert [e.text for e in events][-2:] == ["三号车间东门", ""]
    assert {(ADMIN_ID, "tip.view"), (ADMIN_ID, "tip.status"), (ADMIN_ID, "tip.reply")} <= set(audit)


async def test_urgent_tip_guides_the_tipper_and_alerts_on_duty_admins(ankang, emulator, make_tipper):
    on_duty = emulator.user("值班员", id=900002)
    off_duty = emulator.user("休息的管理员", id=ADMIN_ID)
    async with ankang.services.sessions() as s, s.begin():
        await add_admin(s, on_duty.id, "值班员")
        await set_on_duty(s, ankang.services.settings, on_duty.id, True)
    tipper = make_tipper()
    await submit(tipper, urgent=True)
    alert = await emulator.wait_for_message(on_duty, lambda m: "紧急隐患举报" in m.get("text", ""))
    assert DESCRIPTION in alert["text"]
    assert str(tipper.user.id) not in alert["text"] and tipper.user.first_name not in alert["text"]
    assert not any("紧急隐患举报" in m.get("text", "") for m in emulator.messages(off_duty))
    guidance = [m for m in emulator.messages(tipper.user) if "119" in m.get("text", "")]
    assert guidance and "12350" in guidance[0]["text"]


async def test_duty_toggle_is_audited(ankang, emulator):
    admin = emulator.user("管理员", id=ADMIN_ID)
    assert (await emulator.ask(admin, "/duty on"))["text"] == msg.DUTY_ON
    assert (await emulator.ask(admin, "/duty off"))["text"] == msg.DUTY_OFF
    async with ankang.services.sessions() as session:
        actions = (await session.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars().all()
    assert actions == ["duty.on", "duty.off"]


async def test_non_admins_cannot_use_admin_commands_or_buttons(ankang, emulator, make_tipper):
    tipper = make_tipper()
    await submit(tipper)
    worker = emulator.user("普通职工")
    for command in ("/tips", "/duty on"):
        assert (await emulator.ask(worker, command))["text"] == common_messages.NOT_ADMIN
    # Forged triage buttons are refused too, and change nothing.
    said = await emulator.ask(worker, "/help")
    for data in ("ta:o:1", "ta:s:1:closed", "ta:l:-:-:0:0"):
        await emulator.press(worker, said, data=data)
    await emulator.wait_for(lambda: len(emulator.calls_to("answerCallbackQuery")) >= 3)
    async with ankang.services.sessions() as session:
        assert (await session.execute(select(Tip.status))).scalar_one() == "new"
        assert (await session.execute(select(AuditEntry))).first() is None


async def test_stickers_voice_location_and_long_text_get_guidance(ankang, emulator, make_tipper):
    tipper = make_tipper()
    await tipper.say("/report")
    user = tipper.user
    for send in (emulator.send_sticker(user), emulator.send_voice(user), emulator.send_location(user, 31.2, 121.5)):
        mark = emulator.mark()
        await send
        assert (await emulator.wait_for_message(user, since=mark))["text"] == msg.USE_BUTTONS
    await tipper.press("用电安全", emulator.messages(user)[0])
    await tipper.press("工厂车间")
    await tipper.say("二号车间")
    mark = emulator.mark()
    await emulator.send_sticker(user)
    assert (await emulator.wait_for_message(user, since=mark))["text"] == msg.NEED_TEXT
    too_long = await tipper.say("很" * 2500)
    assert "太长" in too_long["text"]
    await tipper.say(DESCRIPTION)
    mark = emulator.mark()
    await emulator.send_voice(user)
    assert msg.NEED_PHOTO in (await emulator.wait_for_message(user, since=mark))["text"]
    mark = emulator.mark()
    await emulator.send_document(user, b"%PDF-1.4 nope", "x.jpg", "image/jpeg")
    assert (await emulator.wait_for_message(user, since=mark))["text"] == msg.PHOTO_REJECTED["not_image"]
    # An image sent as a file is accepted (and sanitised like a photo).
    mark = emulator.mark()
    await emulator.send_document(user, photo_with_gps(fmt="PNG"), "scan.png", "image/png")
    assert "第 1 张" in (await emulator.wait_for_message(user, since=mark))["text"]


async def test_per_chat_tip_rate_limit(ankang, emulator, make_tipper):
    tipper = make_tipper()
    for _ in range(5):
        await submit(tipper)
    refused = await tipper.say("/report")
    assert refused["text"] == msg.RATE_LIMITED
    other = make_tipper("另一位职工", username=None)
    assert "匿名举报" in (await other.say("/report"))["text"]
