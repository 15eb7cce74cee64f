"""The urgent-tip alert to the admins on duty: who gets it and what it says, decided once for every channel.

A tip sent from Telegram and one sent from the web form go through ``notify_duty``; the sending
itself is a port (``DutyAlertSender``) that the bot implements, so both alerts are the same
message with the same action. The alert carries the tip id and content, never anything about
the sender. While the database is down the alert waits for it (``loops``, retried with backoff, up
to ``ALERT_WAIT_MAX_S``): an urgent alert is late through an outage, not dropped (issue 17).
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from html import escape
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from core.admins import duty_recipients
from core.db import SessionMaker
from core.settings import Settings
from core.supervision import Loops
from tips.models import Tip
from tips.service import get_tip, place_label, topic_label

log = logging.getLogger(__name__)

ALERTS_LOOP = "tip-alerts"  # its name in services.loops and on /healthz
ALERT_WAIT_MAX_S = 600.0  # an alert waits this long for the database, then is given up (and logged)


@dataclass(frozen=True, slots=True)
class DutyAlert:
    """What an on-duty admin is told about an urgent tip; the channel adds a way to open ``tip_id``."""

    tip_id: int
    html: str


@dataclass(frozen=True, slots=True)
class DutyNotice:
    """An alert and the admins it is for."""

    alert: DutyAlert
    recipients: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class AlertDelivery:
    tip_id: int
    recipients: int
    delivered: int


class DutyAlertSender(Protocol):
    """Delivers a duty alert to one admin, with an action that opens the tip; raises when it cannot.

    Implemented by the bot (``bot.tips_triage.TelegramDutyAlerts``); the web reaches it through its ``BotSender``
    port, which includes this one.
    """

    async def send_duty_alert(self, admin_id: int, alert: DutyAlert) -> None: ...


def duty_alert(tip: Tip) -> DutyAlert:
    """The alert for ``tip`` (its photos loaded): category, place, location, photo count and description."""
    location = escape(tip.location) if tip.location else "（未填写）"
    html = (
        f"🚨 <b>紧急隐患举报 #{tip.id}</b>\n"
        f"类别：{escape(topic_label(tip.category))}\n"
        f"场所：{escape(place_label(tip.place_type))}\n"
        f"地点：{location}\n"
        f"照片：{len(tip.photos)} 张\n\n"
        f"{escape(tip.description)}\n\n"
        "请立即核实处置（/tips 查看）。"
    )
    return DutyAlert(tip.id, html)


async def duty_notice(session: AsyncSession, settings: Settings, tip_id: int) -> DutyNotice:
    """The alert for tip ``tip_id`` and who is to get it: the admins on duty, or every admin when nobody is."""
    recipients = await duty_recipients(session, settings)
    return DutyNotice(duty_alert(await get_tip(session, tip_id)), tuple(recipients))


async def notify_duty(
    sessions: SessionMaker, settings: Settings, sender: DutyAlertSender, tip_id: int, *, loops: Loops | None = None,
) -> AlertDelivery:
    """Alert the admins on duty about urgent tip ``tip_id``, all at once; one unreachable admin stops no other.

    The session is closed before anything is sent, so a slow channel holds no database connection.
    With ``loops``, reading who is on duty waits out a database outage (see the module docstring).
    """
    async def read() -> DutyNotice:
        async with sessions() as session:
            return await duty_notice(session, settings, tip_id)

    if loops is None:
        notice = await read()
    else:
        try:
            async with asyncio.timeout(ALERT_WAIT_MAX_S):
                notice = await loops.retry(ALERTS_LOOP, read)
        except TimeoutError:
            log.error("tip %s urgent alert given up: the database did not answer for %.0f s", tip_id,
                      ALERT_WAIT_MAX_S)
            return AlertDelivery(tip_id, 0, 0)
    results = await asyncio.gather(
        *(sender.send_duty_alert(admin_id, notice.alert) for admin_id in notice.recipients), return_exceptions=True
    )
    failures = [r for r in results if isinstance(r, BaseException)]
    for failure in failures:
        if not isinstance(failure, Exception):  # a cancellation is not a delivery failure: pass it on
            raise failure
    # Only the kinds of failure are logged: an error's text could quote the alert, i.e. the tip.
    if failures:
        log.warning("tip %s urgent alert failed for %d admin(s): %s", tip_id, len(failures),
                    ", ".join(sorted({type(f).__name__ for f in failures})))
    delivery = AlertDelivery(tip_id, len(results), len(results) - len(failures))
    log.info("tip %s urgent alert delivered to %d of %d admins", tip_id, delivery.delivered, delivery.recipients)
    return delivery
