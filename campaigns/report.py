"""A campaign's results for superiors (issue 13, point 7), from the counted attempts (practice counts for
nothing), on the console page and as an Excel workbook:

* participation per day;
* per unit over time: for each unit of the tree (its whole subtree's members, as in the rankings) and each
  period (a day, or a week when the campaign runs longer than ``DAILY_UP_TO_DAYS``): the workers who took
  part, their attempts and average score, and the 参与率 reached by the period's end;
* the share of right answers per question (its difficulty);
* before/after accuracy per tag: for the workers with two or more attempts, the share right in each tag
  (the question bank's topic) in their first attempt against their latest, the same people both times.

A timed-out question counts as wrong everywhere."""
from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Integer, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.quizbank import QuestionBank
from campaigns.models import Attempt, AttemptQuestion, AttemptStatus, Campaign, QuestionStatus
from core.topics import UnknownTopic
from core.topics import label as topic_label
from org.models import Membership, Organisation
from org.service import all_units

DAYS_SHEET = "每日参与"
UNITS_SHEET = "各单位分期"
QUESTIONS_SHEET = "题目正确率"
TAGS_SHEET = "前后正确率"
DAY_HEADERS = ("日期", "参与人数", "完成答题次数")
UNIT_HEADERS = ("单位", "层级", "人数", "时段", "参与人数", "答题次数", "平均分", "累计参与率")
QUESTION_HEADERS = ("题目编号", "题目", "出题次数", "答对次数", "正确率")
TAG_HEADERS = ("类别", "对比人数", "首次答题数", "首次正确率", "最近答题数", "最近正确率", "变化")
STEM_CHARS = 60  # a question's stem, cut for the page and the sheet
DAILY_UP_TO_DAYS = 31  # longer campaigns are reported by week (Monday to Sunday)


@dataclass(frozen=True, slots=True)
class DayRow:
    day: date
    participants: int  # workers with a finished counted attempt that day
    attempts: int


@dataclass(frozen=True, slots=True)
class QuestionRow:
    question_id: str
    stem: str  # "" when the question has left the bank since
    asked: int  # answered or timed out in finished counted attempts
    right: int

    @property
    def share(self) -> float:
        return self.right / self.asked if self.asked else 0.0


@dataclass(frozen=True, slots=True)
class Period:
    start: date  # a day, or the Monday of a week
    weekly: bool

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()} 起一周" if self.weekly else self.start.isoformat()


@dataclass(frozen=True, slots=True)
class UnitPeriod:
    participants: int  # members who finished a counted attempt in the period
    attempts: int
    points: int
    reached: int  # members who had taken part by the period's end

    @property
    def average(self) -> float:
        return self.points / self.attempts if self.attempts else 0.0


@dataclass(frozen=True, slots=True)
class UnitProgress:
    code: str
    name: str
    level: str
    depth: int
    members: int
    periods: list[UnitPeriod]  # one per ``Report.periods``

    def participation(self, figures: UnitPeriod) -> float:
        return figures.reached / self.members if self.members else 0.0


@dataclass(frozen=True, slots=True)
class TagRow:
    tag: str
    label: str
    workers: int  # compared: workers with two or more attempts who met the tag in both
    before_asked: int
    before_right: int
    after_asked: int
    after_right: int

    @property
    def before(self) -> float:
        return self.before_right / self.before_asked if self.before_asked else 0.0

    @property
    def after(self) -> float:
        return self.after_right / self.after_asked if self.after_asked else 0.0

    @property
    def change(self) -> float:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class Report:
    days: list[DayRow]
    questions: list[QuestionRow]  # hardest (lowest share right) first
    periods: list[Period] = field(default_factory=list)
    units: list[UnitProgress] = field(default_factory=list)  # the tree, depth first
    tags: list[TagRow] = field(default_factory=list)  # largest gain first


def period_of(day: date, weekly: bool) -> date:
    return day - timedelta(days=day.weekday()) if weekly else day


def periods_of(campaign: Campaign, last_day: date) -> list[Period]:
    """The campaign's periods from its first day up to ``last_day`` (today, or its end)."""
    weekly = (campaign.ends_on - campaign.starts_on).days + 1 > DAILY_UP_TO_DAYS
    end = min(last_day, campaign.ends_on)
    starts: list[date] = []
    day = campaign.starts_on
    while day <= end:
        start = period_of(day, weekly)
        if not starts or starts[-1] != start:
            starts.append(start)
        day += timedelta(days=1)
    return [Period(start, weekly) for start in starts]


async def unit_progress(session: AsyncSession, campaign: Campaign, periods: list[Period],
                        attempts: list[tuple[int, date, int]]) -> list[UnitProgress]:
    """Every active unit with members (its whole subtree's), depth first, with its figures per period."""
    weekly = bool(periods) and periods[0].weekly
    index = {p.start: i for i, p in enumerate(periods)}
    units = [u for u in await all_units(session) if not u.retired]
    members: dict[int, list[int]] = defaultdict(list)
    for chat_id, unit_id in (await session.execute(select(Membership.chat_id, Membership.unit_id))).all():
        members[unit_id].append(chat_id)
    children: dict[int | None, list[Organisation]] = defaultdict(list)
    for unit in units:
        children[unit.parent_id].append(unit)
    by_chat: dict[int, list[tuple[int, int]]] = defaultdict(list)  # chat → (period index, score)
    for chat_id, day, score in attempts:
        slot = index.get(period_of(day, weekly))
        if slot is not None:
            by_chat[chat_id].append((slot, score))

    rows: list[UnitProgress] = []

    def visit(unit: Organisation, depth: int) -> list[int]:
        chats = list(members.get(unit.id, []))
        position = len(rows)
        for child in sorted(children.get(unit.id, []), key=lambda u: u.code):
            chats += visit(child, depth + 1)
        if not chats:
            return chats
        people: list[set[int]] = [set() for _ in periods]
        counts, points = [0] * len(periods), [0] * len(periods)
        first: dict[int, int] = {}
        for chat in chats:
            for slot, score in by_chat.get(chat, ()):
                people[slot].add(chat)
                counts[slot] += 1
                points[slot] += score
                first[chat] = min(first.get(chat, slot), slot)
        reached, figures = 0, []
        for slot in range(len(periods)):
            reached += sum(1 for s in first.values() if s == slot)
            figures.append(UnitPeriod(len(people[slot]), counts[slot], points[slot], reached))
        rows.insert(position, UnitProgress(unit.code, unit.name, unit.level, depth, len(chats), figures))
        return chats

    known = {u.id for u in units}
    for root in sorted((u for u in units if u.parent_id is None or u.parent_id not in known), key=lambda u: u.code):
        visit(root, 0)
    return rows


async def tag_accuracy(session: AsyncSession, campaign: Campaign, bank: QuestionBank) -> list[TagRow]:
    """Per tag, the share right in each worker's first counted attempt against their latest (workers with two
    or more), counting a worker for a tag only when the tag came up in both."""
    finished = (await session.execute(
        select(Attempt.id, Attempt.chat_id).where(*_counted(campaign))
        .order_by(Attempt.chat_id, Attempt.finished_at, Attempt.id))).all()
    ids: dict[int, list[int]] = defaultdict(list)
    for attempt_id, chat_id in finished:
        ids[chat_id].append(attempt_id)
    pairs = {chat: (found[0], found[-1]) for chat, found in ids.items() if len(found) >= 2}
    if not pairs:
        return []
    wanted = [a for pair in pairs.values() for a in pair]
    topic = {q.id: q.topic for q in bank}
    # (attempt, tag) → [asked, right]
    tally: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for start in range(0, len(wanted), 500):  # bounded IN lists
        for attempt_id, question_id, correct in (await session.execute(
                select(AttemptQuestion.attempt_id, AttemptQuestion.question_id, AttemptQuestion.correct)
                .where(AttemptQuestion.attempt_id.in_(wanted[start:start + 500]),
                       AttemptQuestion.status.in_([QuestionStatus.ANSWERED, QuestionStatus.TIMED_OUT])))).all():
            tag = topic.get(question_id)
            if tag is None:
                continue  # the question has left the bank: its tag is unknown
            counts = tally[(attempt_id, tag)]
            counts[0] += 1
            counts[1] += int(bool(correct))
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # workers, b asked, b right, a asked, a right
    for first, last in pairs.values():
        for tag in {t for (a, t) in tally if a == first} & {t for (a, t) in tally if a == last}:
            row = totals[tag]
            row[0] += 1
            row[1] += tally[(first, tag)][0]
            row[2] += tally[(first, tag)][1]
            row[3] += tally[(last, tag)][0]
            row[4] += tally[(last, tag)][1]
    rows = [TagRow(tag, _label(tag), *figures) for tag, figures in totals.items()]
    rows.sort(key=lambda r: (-r.change, r.tag))
    return rows


def _label(tag: str) -> str:
    try:
        return topic_label(tag)
    except UnknownTopic:
        return tag


def _counted(campaign: Campaign) -> tuple[ColumnElement[bool], ...]:
    return (Attempt.campaign_id == campaign.id, Attempt.practice.is_(False),
            Attempt.status == AttemptStatus.FINISHED)


async def campaign_report(session: AsyncSession, campaign: Campaign, bank: QuestionBank, *,
                          today: date | None = None) -> Report:
    """The whole report; its periods run up to ``today`` (default: the campaign's last day)."""
    counted = _counted(campaign)
    days = [DayRow(day, int(people), int(n)) for day, people, n in (await session.execute(
        select(Attempt.day, func.count(func.distinct(Attempt.chat_id)), func.count())
        .where(*counted).group_by(Attempt.day).order_by(Attempt.day))).all()]
    rows = (await session.execute(
        select(AttemptQuestion.question_id, func.count(),
               func.sum(case((AttemptQuestion.correct.is_(True), 1), else_=0)).cast(Integer))
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(*counted, AttemptQuestion.status.in_([QuestionStatus.ANSWERED, QuestionStatus.TIMED_OUT]))
        .group_by(AttemptQuestion.question_id))).all()
    stems = {q.id: q.stem for q in bank}
    questions = [QuestionRow(qid, stems.get(qid, "")[:STEM_CHARS], int(n), int(right or 0)) for qid, n, right in rows]
    questions.sort(key=lambda q: (q.share, -q.asked, q.question_id))
    periods = periods_of(campaign, today or campaign.ends_on)
    attempts = [(int(c), d, int(p)) for c, d, p in (await session.execute(
        select(Attempt.chat_id, Attempt.day, Attempt.score).where(*counted))).all()]
    units = await unit_progress(session, campaign, periods, attempts)
    return Report(days, questions, periods, units, await tag_accuracy(session, campaign, bank))


def report_xlsx(report: Report) -> bytes:
    """The report as .xlsx bytes: 每日参与, 各单位分期, 题目正确率 and 前后正确率, Chinese headers; text cells
    never formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    days = book.active
    assert days is not None
    days.title = DAYS_SHEET
    days.append(list(DAY_HEADERS))
    for d in report.days:
        days.append([d.day.isoformat(), d.participants, d.attempts])
    units = book.create_sheet(UNITS_SHEET)
    units.append(list(UNIT_HEADERS))
    for u in report.units:
        for period, figures in zip(report.periods, u.periods, strict=True):
            units.append(["　" * u.depth + u.name, u.level, u.members, period.label, figures.participants,
                          figures.attempts, round(figures.average, 1), round(u.participation(figures), 4)])
            units.cell(row=units.max_row, column=8).number_format = "0%"
    questions = book.create_sheet(QUESTIONS_SHEET)
    questions.append(list(QUESTION_HEADERS))
    for q in report.questions:
        questions.append([q.question_id, q.stem, q.asked, q.right, round(q.share, 4)])
        questions.cell(row=questions.max_row, column=5).number_format = "0%"
    tags = book.create_sheet(TAGS_SHEET)
    tags.append(list(TAG_HEADERS))
    for t in report.tags:
        tags.append([t.label, t.workers, t.before_asked, round(t.before, 4), t.after_asked, round(t.after, 4),
                     round(t.change, 4)])
        for column in (4, 6, 7):
            tags.cell(row=tags.max_row, column=column).number_format = "0%"
    for sheet in (days, units, questions, tags):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    questions.column_dimensions["B"].width = 60
    units.column_dimensions["A"].width = 30
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
