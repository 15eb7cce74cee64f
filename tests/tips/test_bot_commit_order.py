"""“Nothing lost”: a tip is committed before its receipt is shown.

Killing the process right after “confirm” can stop it (a) before the commit — then no receipt was
sent, because the receipt is only sent after the commit returns — or (b) after the commit — then
the tip is stored and the receipt is sent next (retried on transient errors). These tests prove
both halves of that ordering with real failures: a database that refuses the insert, and a Bot API
that refuses to deliver the receipt. The one residual window (killed between the commit and the
sendMessage call) leaves a stored tip without a shown receipt; we choose it over the opposite
order, which could show a receipt for a tip that was never stored.
"""
from __future__ import annotations

from sqlalchemy import text

from bot import retry
from bot import tip_messages as msg
from tests.tips.helpers import photo_with_gps

DESCRIPTION = "锅炉房安全阀锈死，压力表指针一直在红线附近"


async def count_tips(services) -> int:
    async with services.sessions() as session:
        return (await session.execute(text("SELECT COUNT(*) FROM tips"))).scalar_one()


async def test_failure_before_commit_shows_no_receipt(ankang, emulator, make_tipper, caplog):
    tipper = make_tipper()
    await tipper.report(description=DESCRIPTION, photos=[photo_with_gps()])
    async with ankang.services.engine.begin() as conn:
        await conn.execute(text("DROP TABLE tip_photos"))  # the insert of the photo will now fail
    mark = emulator.mark()
    await emulator.press(tipper.user, tipper.last, msg.CONFIRM_BUTTON)
    failed = await emulator.wait_for_message(tipper.user, since=mark)
    assert "没有</b>保存" in failed["text"] or "没有保存" in failed["text"]
    assert not any("回执码" in m.get("text", "") for m in emulator.new_messages(tipper.user, mark))
    assert await count_tips(ankang.services) == 0  # the tip row was rolled back with the photos


async def test_a_receipt_refused_after_commit_keeps_the_tip(ankang, emulator, make_tipper, caplog):
    tipper = make_tipper()
    await tipper.report(description=DESCRIPTION)
    emulator.fail_next(1, "bad_request", description="Bad Request: injected", method="sendMessage",
                       chat_id=tipper.user.id)
    await emulator.press(tipper.user, tipper.last, msg.CONFIRM_BUTTON)
    await emulator.wait_for(lambda: any("refused its receipt" in r.getMessage() for r in caplog.records),
                            timeout=30)
    assert await count_tips(ankang.services) == 1
    assert not any("回执码" in m.get("text", "") for m in emulator.messages(tipper.user))


async def test_a_receipt_outlasts_a_telegram_outage_after_commit(ankang, emulator, make_tipper, monkeypatch):
    """5xx answers are not a refusal: the stored tip's receipt is sent again until Telegram takes it."""
    # Backoffs a tenth of production's (which wait 0.2 + 0.5 + 1 + 2 s before the fifth try): what is tested
    # here is that the receipt is sent again until it is taken, not how long each wait is.
    monkeypatch.setattr(retry, "TRANSIENT_BACKOFF_S", tuple(s / 10 for s in retry.TRANSIENT_BACKOFF_S))
    tipper = make_tipper()
    await tipper.report(description=DESCRIPTION)
    emulator.fail_next(4, "server_error", status=502, method="sendMessage", chat_id=tipper.user.id)
    await emulator.press(tipper.user, tipper.last, msg.CONFIRM_BUTTON)
    await emulator.wait_for(lambda: len([c for c in emulator.errors if c.chat_id == tipper.user.id]) >= 2, timeout=10)
    assert await count_tips(ankang.services) == 1  # stored before the receipt went out
    receipt = await emulator.wait_for_message(tipper.user, lambda m: "回执码" in m.get("text", ""), timeout=20)
    assert receipt is not None
    assert not any("出错" in m.get("text", "") for m in emulator.messages(tipper.user))


async def test_a_transient_send_error_still_delivers_the_receipt(ankang, emulator, make_tipper):
    tipper = make_tipper()
    await tipper.report(description=DESCRIPTION)
    emulator.fail_next(1, "server_error", method="sendMessage", chat_id=tipper.user.id)
    receipt = await tipper.confirm()
    assert "回执码" in receipt["text"]
    assert await count_tips(ankang.services) == 1
