"""The tips area's scheduled work: the digest of new tips, deadline reminders and escalation, the retention purge.

``run_due(...)`` does whatever is due at ``now`` and is safe to call at any time and as often as
wanted: what was done is recorded in the database (``Tip.digested``, ``tip_reminders``, the
purge itself), so a restart neither repeats nor skips anything. The runner calls it every minute
(``run_forever``); the tests call it with a virtual clock. Messages go through the same
``DutyAlertSender`` port as the urgent alert.
"""
from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from html import escape

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.admins import audit
from core.clock import Clock
from core.db import SessionMaker
from core.logging import redacted_traceback
from core.settings import Settings
from core.supervision import Loops
from org.roles import Role, escalation_recipients
from tips.alerts import DutyAlert, DutyAlertSender, deliver
from tips.cases import ESCALATE_AFTER, CasePolicy, deadline
from tips.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Tip,
    TipEvent,
    TipNote,
    TipPhoto,
    TipPurgeCount,
    TipReminder,
    TipStatus,
)
from tips.routing import unit_recipients
from tips.service import topic_label

log = logging.getLogger(__name__)

JOB_INTERVAL_S = 60.0
JOBS_LOOP = "tips-jobs"  # its name in services.loops and on /healthz
DIGEST_MAX_LISTED = 20  # tips listed by name in one digest; the rest are counted
PURGE_PREVIEW_DAYS = 30


@dataclass(frozen=True, slots=True)
class JobReport:
    digested: int = 0
    reminders: int = 0
    escalations: int = 0
    purged: int = 0


def latest_digest_slot(now: datetime, policy: CasePolicy) -> datetime | None:
    """The most recent digest time at or before ``now`` (today's or yesterday's), or None without times."""
    if not policy.digest_times:
        return None
    local = now.astimezone(policy.tz)
    for day in (local.date(), local.date() - timedelta(days=1)):
        for text in sorted(policy.digest_times, reverse=True):
            hour, minute = (int(part) for part in text.split(":"))
            slot = datetime.combine(day, time(hour, minute), tzinfo=policy.tz)
            if slot <= local:
                return slot
    return None


def digest_alert(tips: list[Tip], tz_label: str = "") -> DutyAlert:
    """One message listing the new non-urgent tips; its button opens the list."""
    lines = [f"🗂 <b>新举报汇总</b>：{len(tips)} 条新的一般举报待受理"]
    for tip in tips[:DIGEST_MAX_LISTED]:
        lines.append(f"• #{tip.id} {escape(topic_label(tip.category))}：{escape(tip.description[:30])}")
    if len(tips) > DIGEST_MAX_LISTED:
        lines.append(f"…… 另有 {len(tips) - DIGEST_MAX_LISTED} 条")
    lines.append("请在受理时限内处理（/tips 查看）。")
    return DutyAlert(tips[0].id, "\n".join(lines), opens_list=True)


async def send_digest(
    sessions: SessionMaker, settings: Settings, sender: DutyAlertSender, now: datetime, policy: CasePolicy
) -> int:
    """At each digest time, tell the on-duty staff of the non-urgent tips that came in before it.

    A tip created (to the hour) before the latest digest time and not yet announced is listed;
    each tip goes to its unit's handlers (``tips.routing``: the duty staff for a tip without a unit),
    one digest per group of recipients. The tips of a group are marked only once at least one of
    its admins got the message, so a failed send is retried at the next run rather than lost.
    """
    slot = latest_digest_slot(now, policy)
    if slot is None:
        return 0
    async with sessions() as session:
        tips = list((await session.execute(
            select(Tip).where(Tip.digested.is_(False), Tip.created_hour < slot, Tip.status == TipStatus.NEW)
            .order_by(Tip.id)
        )).scalars())
        if not tips:
            return 0
        groups: dict[tuple[int, ...], list[Tip]] = {}
        for tip in tips:
            groups.setdefault(await unit_recipients(session, settings, tip.unit_id), []).append(tip)
    announced: list[Tip] = []
    for recipients, group in groups.items():
        delivery = await deliver(sender, recipients, digest_alert(group), "digest")
        if not recipients or delivery.delivered > 0:
            announced.extend(group)
    if not announced:
        return 0
    async with sessions() as session, session.begin():
        for tip in announced:
            row = await session.get(Tip, tip.id)
            if row is not None:
                row.digested = True
    return len(announced)


def reminder_alert(tip: Tip, kind: str, now: datetime, policy: CasePolicy, *, escalation: bool) -> DutyAlert:
    due = deadline(tip, now)
    label = due.label if due is not None else ""
    when = due.due_at.astimezone(policy.tz).strftime("%Y-%m-%d %H:%M") if due is not None else ""
    owner = f"负责人：{tip.owner_id}" if tip.owner_id is not None else "尚未指定负责人"
    head = f"⏫ <b>举报 #{tip.id} 超期未办，已上报</b>" if escalation else f"⏰ <b>举报 #{tip.id} 已超过{label}</b>"
    return DutyAlert(tip.id, f"{head}\n{label}：{when}（{due.left_text if due else ''}）\n"
                             f"类别：{escape(topic_label(tip.category))}\n{owner}\n请尽快处理。")


async def send_reminders(
    sessions: SessionMaker, settings: Settings, sender: DutyAlertSender, now: datetime, policy: CasePolicy
) -> tuple[int, int]:
    """Remind the owner (or the unit's handlers, or the duty staff) of an overdue tip, then escalate a day
    later one step up the tree: to the 举报处理 staff of the nearest unit above the one handling it, or the
    admins over the whole tree (``org.roles.escalation_recipients``). Each notice is recorded before it is
    sent, so none goes out twice.
    """
    notices: list[tuple[tuple[int, ...], DutyAlert, str]] = []
    async with sessions() as session, session.begin():
        tips = list((await session.execute(select(Tip).where(Tip.status.in_(OPEN_STATUSES)))).scalars())
        sent = {(r.tip_id, r.kind) for r in (await session.execute(select(TipReminder))).scalars()}
        for tip in tips:
            due = deadline(tip, now)
            if due is None or not due.overdue:
                continue
            for level, escalation in (("remind", False), ("escalate", True)):
                kind = f"{due.kind}.{level}"
                if (tip.id, kind) in sent or (escalation and now < due.due_at + ESCALATE_AFTER):
                    continue
                if escalation:
                    _, above = await escalation_recipients(session, settings, Role.TIPS, tip.unit_id)
                    recipients = tuple(above)
                elif tip.owner_id is not None:
                    recipients = (tip.owner_id,)
                else:
                    recipients = await unit_recipients(session, settings, tip.unit_id)
                session.add(TipReminder(tip_id=tip.id, kind=kind))
                notices.append((recipients, reminder_alert(tip, kind, now, policy, escalation=escalation), level))
    for recipients, alert, level in notices:
        await deliver(sender, recipients, alert, "escalation" if level == "escalate" else "reminder")
    escalations = sum(1 for _, _, level in notices if level == "escalate")
    return len(notices) - escalations, escalations


def purge_cutoff(now: datetime, policy: CasePolicy) -> datetime:
    return now - timedelta(days=policy.retention_days)


async def purge_due(session: AsyncSession, now: datetime, policy: CasePolicy) -> int:
    """Delete closed tips past retention (text, thread, photos, notes), unless on legal hold; keep counts only."""
    tips = list((await session.execute(
        select(Tip).where(Tip.status.in_(FINAL_STATUSES), Tip.closed_at <= purge_cutoff(now, policy),
                          Tip.hold_reason.is_(None))
    )).scalars())
    if not tips:
        return 0
    counts = Counter(
        (tip.created_hour.astimezone(policy.tz).strftime("%Y-%m"), tip.category, tip.status, tip.urgent,
         tip.recognized) for tip in tips
    )
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for (month, category, status, urgent, recognized), count in sorted(counts.items()):
        session.add(TipPurgeCount(purged_on=day, created_month=month, category=category, status=status,
                                  urgent=urgent, recognized=recognized, count=count))
    ids = [tip.id for tip in tips]
    # Children first, explicitly: SQLite enforces ON DELETE CASCADE only with a pragma.
    for table in (TipPhoto, TipNote, TipReminder, TipEvent):
        await session.execute(delete(table).where(table.tip_id.in_(ids)))
    await session.execute(delete(Tip).where(Tip.id.in_(ids)))
    await audit(session, 0, "tip.purge", "", f"{len(ids)} tips")
    log.info("purged %d tips past retention", len(ids))
    return len(ids)


@dataclass(frozen=True, slots=True)
class PurgePreview:
    """What the purge will delete in the next days, and every tip a legal hold keeps."""

    due: list[tuple[Tip, datetime]]
    held: list[Tip]


async def preview_purge(session: AsyncSession, now: datetime, policy: CasePolicy,
                        days: int = PURGE_PREVIEW_DAYS) -> PurgePreview:
    horizon = purge_cutoff(now + timedelta(days=days), policy)
    rows = list((await session.execute(
        select(Tip).where(Tip.status.in_(FINAL_STATUSES), Tip.closed_at <= horizon).order_by(Tip.closed_at)
    )).scalars())
    due = [(tip, at) for tip in rows if (at := policy.purge_at(tip)) is not None]
    held = list((await session.execute(select(Tip).where(Tip.hold_reason.is_not(None)).order_by(Tip.id))).scalars())
    return PurgePreview(due, held)


async def run_due(
    sessions: SessionMaker, settings: Settings, sender: DutyAlertSender | None, now: datetime
) -> JobReport:
    """Everything due at ``now``: the purge always; the digest and reminders when a sender is attached."""
    policy = CasePolicy.from_settings(settings)
    async with sessions() as session, session.begin():
        purged = await purge_due(session, now, policy)
    if sender is None:
        return JobReport(purged=purged)
    digested = await send_digest(sessions, settings, sender, now, policy)
    reminders, escalations = await send_reminders(sessions, settings, sender, now, policy)
    return JobReport(digested, reminders, escalations, purged)


async def run_forever(
    sessions: SessionMaker, settings: Settings, sender: DutyAlertSender | None, clock: Clock,
    interval_s: float = JOB_INTERVAL_S, *, loops: Loops | None = None,
) -> None:
    """Call ``run_due`` every ``interval_s`` until cancelled; a failed run is logged (redacted) and retried.

    With ``loops`` (the runner's), the loop is supervised (issue 17): one log line per database
    outage, a retry after the backoff rather than a whole interval, and its state on /healthz.
    """
    if loops is not None:
        await loops.every(JOBS_LOOP, interval_s, lambda: run_due(sessions, settings, sender, clock.now()))
        return
    while True:
        # A run cancelled halfway (shutdown) would leave its database connection to the garbage
        # collector, which then fails to roll it back on a closed loop: let the run finish, then stop.
        run = asyncio.ensure_future(run_due(sessions, settings, sender, clock.now()))
        try:
            await asyncio.shield(run)
        except asyncio.CancelledError:
            await asyncio.gather(run, return_exceptions=True)
            raise
        except Exception as err:  # one bad run must not end the loop
            log.error("tips jobs failed\n%s", redacted_traceback(err))
        await asyncio.sleep(interval_s)
