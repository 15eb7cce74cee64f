"""The urgent-tip alert: one rule for the bot and the web form, delivered by the bot, through the emulator."""
from __future__ import annotations

import logging
import re

from aiohttp import ClientSession, CookieJar

from bot import tip_messages as msg
from core.admins import add_admin, set_on_duty
from tests.conftest import ADMIN_ID
from tests.tips.test_web import csrf_of, tip_form
from tips.alerts import DutyAlert, notify_duty
from tips.service import TipDraft, submit_tip

DESCRIPTION = "危化品仓库的通风机坏了三天，库里一股刺鼻的味道"
LOCATION = "开发区物流园B仓"


def is_alert(message: dict) -> bool:
    return "紧急隐患举报" in message.get("text", "")


def without_tip_id(alert: dict, tip_id: int) -> dict:
    """What the admin sees of an alert, with its tip's number taken out (two tips, two numbers)."""
    number = re.compile(rf"\b{tip_id}\b")
    return {
        "text": number.sub("N", alert["text"]),
        "entities": [(e["type"], e["offset"], e["length"]) for e in alert.get("entities", [])],
        "buttons": [[(b["text"], number.sub("N", b["callback_data"])) for b in row]
                    for row in alert.get("reply_markup", {}).get("inline_keyboard", [])],
    }


async def test_urgent_tips_from_telegram_and_the_web_form_reach_the_duty_admin_alike(ankang, emulator, make_tipper):
    on_duty = emulator.user("值班员", id=900002)
    off_duty = emulator.user("休息的管理员", id=ADMIN_ID)
    async with ankang.services.sessions() as s, s.begin():
        await add_admin(s, on_duty.id, "值班员")
        await set_on_duty(s, ankang.services.settings, on_duty.id, True)

    tipper = make_tipper()
    await tipper.report(description=DESCRIPTION, urgent=True, category="消防安全", place="仓库物流", location=LOCATION)
    await tipper.confirm()
    from_telegram = await emulator.wait_for_message(on_duty, is_alert)

    async with ClientSession(base_url=ankang.web_url, cookie_jar=CookieJar(unsafe=True)) as browser:
        form = tip_form(await csrf_of(browser), category="fire", place_type="warehouse", location=LOCATION,
                        description=DESCRIPTION, urgent="yes")
        response = await browser.post("/tip", data=form)
        assert response.status == 200, await response.text()
    from_web = await emulator.wait_for_message(on_duty, is_alert, after=from_telegram)

    assert "#1" in from_telegram["text"] and "#2" in from_web["text"] and DESCRIPTION in from_web["text"]
    assert without_tip_id(from_web, 2) == without_tip_id(from_telegram, 1)
    assert [[b["text"] for b in row] for row in from_web["reply_markup"]["inline_keyboard"]] == [[msg.OPEN_TIP_BUTTON]]
    assert not any(is_alert(m) for m in emulator.messages(off_duty))

    # The web alert's button opens that tip for the admin, as the Telegram one does.
    mark = emulator.mark()
    await emulator.press(on_duty, from_web, msg.OPEN_TIP_BUTTON)
    opened = await emulator.wait_for_message(on_duty, lambda m: "处理记录" in m.get("text", ""), since=mark)
    assert "举报 #2" in opened["text"] and DESCRIPTION in opened["text"]


class FlakyChannel:
    """A DutyAlertSender that cannot reach one admin (blocked the bot, say) and records the rest."""

    def __init__(self, unreachable: int) -> None:
        self.unreachable = unreachable
        self.sent: list[tuple[int, DutyAlert]] = []

    async def send_duty_alert(self, admin_id: int, alert: DutyAlert) -> None:
        if admin_id == self.unreachable:
            raise ConnectionError(f"cannot send {alert.html!r}")
        self.sent.append((admin_id, alert))


async def test_nobody_on_duty_alerts_every_admin_and_one_unreachable_stops_no_other(services, caplog):
    caplog.set_level(logging.INFO, logger="tips")
    async with services.sessions() as s, s.begin():
        await add_admin(s, 900003)
        tip_id = (await submit_tip(s, TipDraft("fire", "warehouse", LOCATION, DESCRIPTION, True),
                                   now=services.clock.now())).tip_id
    channel = FlakyChannel(unreachable=ADMIN_ID)
    delivery = await notify_duty(services.sessions, services.settings, channel, tip_id)
    assert (delivery.recipients, delivery.delivered) == (2, 1)
    assert [admin for admin, _ in channel.sent] == [900003]
    alert = channel.sent[0][1]
    assert alert.tip_id == tip_id and DESCRIPTION in alert.html and "消防安全" in alert.html
    logs = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("tips"))
    assert "ConnectionError" in logs and DESCRIPTION not in logs  # the kind of failure, never the tip


async def test_an_urgent_alert_waits_out_a_database_outage_instead_of_being_lost(make_settings):
    """On a PostgreSQL server of the test's own (never the shared one), stopped after the tip was stored."""
    import asyncio

    from ankang.services import open_services
    from bench.pgserver import PrivatePostgres
    from core.supervision import Loops, LoopStatus
    from tests.broadcasts.conftest import until
    from tips.alerts import ALERTS_LOOP

    async with PrivatePostgres() as pg:
        services = await open_services(make_settings(database_url=await pg.create_database("alerts")))
        try:
            async with services.sessions() as s, s.begin():
                tip_id = (await submit_tip(s, TipDraft("fire", "warehouse", LOCATION, DESCRIPTION, True),
                                           now=services.clock.now())).tip_id
            await pg.stop()
            loops = Loops(backoff=lambda attempts: 0.1)
            channel = FlakyChannel(unreachable=0)
            alerting = asyncio.create_task(
                notify_duty(services.sessions, services.settings, channel, tip_id, loops=loops))

            async def waiting_for_the_database() -> bool:
                return loops.state(ALERTS_LOOP).status == LoopStatus.FAILING

            await until(waiting_for_the_database, what="the alert to meet the outage")
            assert not alerting.done() and channel.sent == []
            await pg.start()
            delivery = await asyncio.wait_for(alerting, 30)
        finally:
            await services.close()
    assert (delivery.recipients, delivery.delivered) == (1, 1)
    assert channel.sent[0][0] == ADMIN_ID and DESCRIPTION in channel.sent[0][1].html
