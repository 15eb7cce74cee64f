"""The urgent-tip alert to the admins on duty: who gets it and what it says, decided once for every channel.

A tip sent from Telegram and one sent from the web form go through ``notify_duty``; the sending
itself is a port (``DutyAlertSender``) that the bot implements, so both alerts are the same
message with the same action. The alert carries the tip id and content, never anything about
the sender. While the database is down the alert waits for it (``loops``, retried with backoff, up
to ``ALERT_WAIT_MAX_S``): an urgent alert is late through an outage, not dropped (issue 17).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from html import escape
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import SessionMaker
from core.settings import Settings
from core.supervision import Loops
from org.service import unit_names
from tips.models import Tip
from tips.ratelimit import Monotonic, SlidingWindowLimiter
from tips.routing import unit_recipients
from tips.service import get_tip, place_label, topic_label

# Urgent alerts one at a time up to this many an hour, across all chats and the web form (20 chats
# once sent one admin 105 alerts); beyond it, urgent tips wait a little and go out as one summary.
URGENT_ALERTS_PER_HOUR = 12
ALERT_SUMMARY_DELAY_S = 120.0
SUMMARY_MAX_LINES = 30

log = logging.getLogger(__name__)

ALERTS_LOOP = "tip-alerts"  # its name in services.loops and on /healthz
ALERT_WAIT_MAX_S = 600.0  # an alert waits this long for the database, then is given up (and logged)


@dataclass(frozen=True, slots=True)
class DutyAlert:
    """What an on-duty admin is told about an urgent tip; the channel adds a way to open ``tip_id``."""

    tip_id: int
    html: str
    # A digest of several tips: the action opens the tip list rather than ``tip_id``.
    opens_list: bool = False


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


def duty_alert(tip: Tip, unit_name: str = "") -> DutyAlert:
    """The alert for ``tip`` (its photos loaded): category, place, location, photo count and description;
    the unit the tipper routed it to, when they chose one."""
    location = escape(tip.location) if tip.location else "（未填写）"
    unit = f"单位：{escape(unit_name)}\n" if unit_name else ""
    html = (
        f"🚨 <b>紧急隐患举报 #{tip.id}</b>\n"
        f"{unit}"
        f"类别：{escape(topic_label(tip.category))}\n"
        f"场所：{escape(place_label(tip.place_type))}\n"
        f"地点：{location}\n"
        f"照片：{len(tip.photos)} 张\n\n"
        f"{escape(tip.description)}\n\n"
        "请立即核实处置（/tips 查看）。"
    )
    return DutyAlert(tip.id, html)


async def duty_notice(session: AsyncSession, settings: Settings, tip_id: int) -> DutyNotice:
    """The alert for tip ``tip_id`` and who is to get it: its unit's tip handlers (the nearest up the tree);
    for a tip without a unit, the admins on duty, or every admin when nobody is (``tips.routing``)."""
    tip = await get_tip(session, tip_id)
    names = await unit_names(session, [tip.unit_id])
    recipients = await unit_recipients(session, settings, tip.unit_id)
    return DutyNotice(duty_alert(tip, names.get(tip.unit_id or 0, "")), recipients)


async def deliver(sender: DutyAlertSender, recipients: tuple[int, ...], alert: DutyAlert, what: str) -> AlertDelivery:
    """Send ``alert`` to every recipient at once; one unreachable admin stops no other.

    ``what`` names the alert in the log ("urgent alert", "follow-up notice", "digest"…): only
    counts and the kinds of failure are logged, since an error's text could quote the tip.
    """
    results = await asyncio.gather(
        *(sender.send_duty_alert(admin_id, alert) for admin_id in recipients), return_exceptions=True
    )
    failures = [r for r in results if isinstance(r, BaseException)]
    for failure in failures:
        if not isinstance(failure, Exception):  # a cancellation is not a delivery failure: pass it on
            raise failure
    if failures:
        log.warning("tip %s %s failed for %d admin(s): %s", alert.tip_id, what, len(failures),
                    ", ".join(sorted({type(f).__name__ for f in failures})))
    delivery = AlertDelivery(alert.tip_id, len(results), len(results) - len(failures))
    log.info("tip %s %s delivered to %d of %d admins", alert.tip_id, what, delivery.delivered, delivery.recipients)
    return delivery


async def notify_duty(
    sessions: SessionMaker, settings: Settings, sender: DutyAlertSender, tip_id: int, *, loops: Loops | None = None,
) -> AlertDelivery:
    """Alert the admins on duty about urgent tip ``tip_id``, all at once; one unreachable admin stops no other.

    The session is closed before anything is sent, so a slow channel holds no database connection.
    With ``loops``, reading who is on duty waits out a database outage (see the module docstring).
    Both the bot's report flow and the web form call this, so both alerts carry the same action.
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
    return await deliver(sender, notice.recipients, notice.alert, "urgent alert")


def followup_alert(tip: Tip, *, review: bool = False) -> DutyAlert:
    """What the owner (or the duty staff) is told when the tipper adds to a tip or asks for a 复查."""
    if review:
        head = f"🔁 <b>举报 #{tip.id} 申请复查</b>\n举报人对办理结果申请复查，举报已重新打开（复查中）。"
    else:
        head = f"✉️ <b>举报 #{tip.id} 有新补充</b>\n举报人补充了信息，请查看。"
    return DutyAlert(tip.id, f"{head}\n类别：{escape(topic_label(tip.category))}\n状态：{escape(tip.status_label)}")


async def followup_recipients(session: AsyncSession, settings: Settings, tip: Tip) -> tuple[int, ...]:
    """The tip's owner, or — when it has none — its unit's handlers (the duty staff for a tip without a unit)."""
    if tip.owner_id is not None:
        return (tip.owner_id,)
    return await unit_recipients(session, settings, tip.unit_id)


async def notify_followup(
    sessions: SessionMaker, settings: Settings, sender: DutyAlertSender, tip_id: int, *, review: bool = False
) -> AlertDelivery:
    """Tell the owner (or the on-duty staff) that the tipper added information or asked for a 复查."""
    async with sessions() as session:
        tip = await get_tip(session, tip_id)
        recipients = await followup_recipients(session, settings, tip)
    return await deliver(sender, recipients, followup_alert(tip, review=review),
                         "review notice" if review else "follow-up notice")


class AlertThrottle:
    """The hourly budget of single urgent alerts, and the tips held for the next summary (memory only)."""

    def __init__(self, per_hour: int = URGENT_ALERTS_PER_HOUR, summary_delay_s: float = ALERT_SUMMARY_DELAY_S,
                 *, now: Monotonic = time.monotonic) -> None:
        self._budget = SlidingWindowLimiter(per_hour, 3600, now=now)
        self.summary_delay_s = summary_delay_s
        self._held: list[int] = []
        self._flush = asyncio.Event()

    def admit(self) -> bool:
        """Spend one single alert of this hour's budget, if any is left."""
        return self._budget.hit("urgent")

    def hold(self, tip_id: int) -> bool:
        """Keep ``tip_id`` for the summary; True when it is the first held (a summary must be scheduled)."""
        self._held.append(tip_id)
        return len(self._held) == 1

    async def until_summary(self) -> list[int]:
        """Wait out the summary delay (or a flush at shutdown) and take the held tips."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._flush.wait(), self.summary_delay_s)
        held, self._held = self._held, []
        return held

    def flush(self) -> None:
        """Send the pending summary now (shutdown: nothing urgent is left unsaid)."""
        self._flush.set()


def summary_alert(tips: list[Tip]) -> DutyAlert:
    """One alert for the urgent tips held back while the hourly budget was spent; opens the newest."""
    lines = [f"#{t.id} {escape(topic_label(t.category))} · {escape(place_label(t.place_type))}"
             for t in tips[:SUMMARY_MAX_LINES]]
    if len(tips) > SUMMARY_MAX_LINES:
        lines.append(f"……共 {len(tips)} 条")
    html = (
        f"🚨 <b>又有 {len(tips)} 条紧急隐患举报</b>\n"
        "（紧急举报较多，已合并为一条通知）\n\n" + "\n".join(lines)
        + "\n\n请立即核实处置（/tips 紧急 查看全部）。"
    )
    return DutyAlert(tips[-1].id, html)


async def alert_urgent(
    sessions: SessionMaker, settings: Settings, sender: DutyAlertSender, tip_id: int,
    throttle: AlertThrottle, spawn: Callable[[Coroutine[Any, Any, None]], object], *, loops: Loops | None = None,
) -> AlertDelivery | None:
    """``notify_duty`` within the hourly budget; beyond it, hold the tip for one summary sent
    ``throttle.summary_delay_s`` after the first held one (``spawn`` runs it in the background)."""
    if throttle.admit():
        return await notify_duty(sessions, settings, sender, tip_id, loops=loops)
    if throttle.hold(tip_id):
        spawn(_send_summary(sessions, settings, sender, throttle))
    log.info("tip %s urgent alert held for the next summary", tip_id)
    return None


async def _send_summary(sessions: SessionMaker, settings: Settings, sender: DutyAlertSender,
                        throttle: AlertThrottle) -> None:
    held = await throttle.until_summary()
    if not held:
        return
    # Each recipient hears of the held tips routed to them: one summary per group of recipients.
    groups: dict[tuple[int, ...], list[Tip]] = {}
    async with sessions() as session:
        for tip_id in held:
            tip = await get_tip(session, tip_id)
            groups.setdefault(await unit_recipients(session, settings, tip.unit_id), []).append(tip)
    for recipients, tips in groups.items():
        await deliver(sender, recipients, summary_alert(tips), f"urgent summary of {len(tips)} tips")
