"""Read-only figures for the dashboard, gathered from each area's tables.

These are aggregate queries the areas do not offer as functions (yet); each block degrades to an
empty chart when its area is not installed, so the dashboard renders from day one.
"""
from __future__ import annotations

import contextlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.models import ALL_TOPICS
from core.models import User
from core.topics import words as topic_words
from web import charts, messages
from web.typedefs import WebServices

log = logging.getLogger(__name__)

DAYS = 14
WEEKS = 8
TOP_N = 8


@dataclass
class Dashboard:
    totals: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    charts: dict[str, Markup] = field(default_factory=dict)


def _days(today: date) -> list[date]:
    return [today - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]


def _weeks(today: date) -> list[date]:
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]


async def dashboard(session: AsyncSession, services: WebServices) -> Dashboard:
    tz = services.settings.tz
    now = services.clock.now()
    today = now.astimezone(tz).date()
    d = Dashboard()
    workers = await session.scalar(select(func.count()).select_from(User).where(User.blocked_at.is_(None))) or 0
    d.totals.append(("活跃职工", str(workers)))
    for block in (_knowledge, _tips, _broadcasts):
        with contextlib.suppress(ImportError):  # area not installed yet: its charts stay empty
            await block(session, services, d, today, tz)
    for key in ("questions", "feedback", "topics", "tips_category", "tips_status", "deliveries", "subscribers"):
        d.charts.setdefault(key, charts.empty())
    return d


def _local_day(when: datetime, tz) -> date:
    return when.astimezone(tz).date()


# How the dashboard groups the kinds of reply (knowledge.Reply.intent).
ANSWERED = {"answer", "article", "term"}
UNSURE = {"unsure"}


async def _knowledge(session, services, d: Dashboard, today: date, tz) -> None:
    from knowledge.handoff import counts as handoff_counts
    from knowledge.models import Feedback, HandoffStatus, UnansweredQuestion, question_stats

    days = _days(today)
    labels = [f"{x.month}/{x.day}" for x in days]
    answered: Counter[date] = Counter()
    unsure: Counter[date] = Counter()
    other: Counter[date] = Counter()
    topics: Counter[str] = Counter()
    for row in await question_stats(session, days[0]):
        bucket = answered if row.intent in ANSWERED else unsure if row.intent in UNSURE else other
        bucket[row.day] += row.count
        if row.topic:
            topics[topic_words(row.topic)] += row.count
    d.charts["questions"] = charts.column_chart(labels, [
        charts.Series("已回答", tuple(answered[x] for x in days), charts.PALETTE[2]),
        charts.Series("没把握", tuple(unsure[x] for x in days), charts.PALETTE[6]),
        charts.Series("其他（紧急、寒暄、超范围）", tuple(other[x] for x in days), charts.PALETTE[5]),
    ], title="每日问答")
    since = datetime.combine(days[0], datetime.min.time(), tz)
    fb = (await session.execute(select(Feedback.helpful).where(Feedback.at >= since))).scalars().all()
    good = sum(1 for ok in fb if ok)
    d.charts["feedback"] = charts.bar_chart(
        [("已回答", sum(answered.values())), ("没把握", sum(unsure.values())),
         ("👍 有用", good), ("👎 没用", len(fb) - good)],
        title="回答质量", colors=[charts.PALETTE[2], charts.PALETTE[6], charts.PALETTE[2], charts.PALETTE[3]])
    d.charts["topics"] = charts.bar_chart(topics.most_common(TOP_N), color=charts.PALETTE[5], title="热门话题")
    total_unanswered = await session.scalar(select(func.count()).select_from(UnansweredQuestion)) or 0
    d.totals.append(("未答问题", str(total_unanswered)))
    waiting = await handoff_counts(session)
    d.totals.append(("问工会待回答", str(waiting[HandoffStatus.RECEIVED] + waiting[HandoffStatus.ANSWERING])))


async def _tips(session, services, d: Dashboard, today: date, tz) -> None:
    from tips.models import ALL_STATUSES, OPEN_STATUSES, Tip, TipStatus

    weeks = _weeks(today)
    since = datetime.combine(weeks[0], datetime.min.time(), tz)
    rows = (await session.execute(
        select(Tip.created_hour, Tip.category, Tip.status).where(Tip.created_hour >= since)
    )).all()
    by_category: Counter[str] = Counter()
    by_week_status: dict[TipStatus, Counter] = {s: Counter() for s in ALL_STATUSES}
    for at, category, status in rows:
        by_category[topic_words(category)] += 1
        local = _local_day(at, tz)
        monday = local - timedelta(days=local.weekday())
        by_week_status[status][monday] += 1
    d.charts["tips_category"] = charts.bar_chart(
        by_category.most_common(TOP_N), color=charts.PALETTE[1], title="举报类别")
    d.charts["tips_status"] = charts.column_chart(
        [f"{w.month}/{w.day}" for w in weeks],
        [charts.Series(s.label, tuple(c[w] for w in weeks)) for s, c in by_week_status.items() if c],
        title="每周举报（按状态）",
    )
    open_count = await session.scalar(
        select(func.count()).select_from(Tip).where(Tip.status.in_(OPEN_STATUSES))) or 0
    d.totals.append(("待办举报", str(open_count)))


async def _broadcasts(session, services, d: Dashboard, today: date, tz) -> None:
    from broadcasts.models import DeliveryStatus, Occurrence, Schedule, ScheduleStatus, Subscription

    occurrences = list((await session.execute(
        select(Occurrence).order_by(Occurrence.fire_at.desc()).limit(10))).scalars())[::-1]
    labels = [o.fire_at.astimezone(tz).strftime("%m/%d") for o in occurrences]
    d.charts["deliveries"] = charts.column_chart(labels, [
        charts.Series(DeliveryStatus.SENT.label, tuple(o.sent for o in occurrences), charts.PALETTE[2]),
        charts.Series(DeliveryStatus.BLOCKED.label, tuple(o.blocked for o in occurrences), charts.PALETTE[6]),
        charts.Series(DeliveryStatus.FAILED.label, tuple(o.failed for o in occurrences), charts.PALETTE[3]),
    ], title="最近推送送达")
    subs = (await session.execute(
        select(Subscription.topic, func.count()).group_by(Subscription.topic).order_by(func.count().desc()))).all()
    d.charts["subscribers"] = charts.bar_chart(
        [(messages.SUBSCRIBED_TO_ALL if t == ALL_TOPICS else topic_words(t), n) for t, n in subs][:TOP_N],
        color=charts.PALETTE[0], title="订阅主题")
    active = await session.scalar(
        select(func.count()).select_from(Schedule).where(Schedule.status == ScheduleStatus.ACTIVE)) or 0
    d.totals.append(("已启用的推送计划", str(active)))
