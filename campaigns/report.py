"""A campaign's results for superiors (issue 13, point 7, in part): participation per day and the share of
right answers per question, from the counted attempts (practice counts for nothing), and as an Excel workbook."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.quizbank import QuestionBank
from campaigns.models import Attempt, AttemptQuestion, AttemptStatus, Campaign, QuestionStatus

DAYS_SHEET = "每日参与"
QUESTIONS_SHEET = "题目正确率"
DAY_HEADERS = ("日期", "参与人数", "完成答题次数")
QUESTION_HEADERS = ("题目编号", "题目", "出题次数", "答对次数", "正确率")
STEM_CHARS = 60  # a question's stem, cut for the page and the sheet


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
class Report:
    days: list[DayRow]
    questions: list[QuestionRow]  # hardest (lowest share right) first


async def campaign_report(session: AsyncSession, campaign: Campaign, bank: QuestionBank) -> Report:
    counted = (Attempt.campaign_id == campaign.id, Attempt.practice.is_(False),
               Attempt.status == AttemptStatus.FINISHED)
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
    return Report(days, questions)


def report_xlsx(report: Report) -> bytes:
    """The report as .xlsx bytes: 每日参与 and 题目正确率, Chinese headers; text cells never formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    days = book.active
    assert days is not None
    days.title = DAYS_SHEET
    days.append(list(DAY_HEADERS))
    for d in report.days:
        days.append([d.day.isoformat(), d.participants, d.attempts])
    questions = book.create_sheet(QUESTIONS_SHEET)
    questions.append(list(QUESTION_HEADERS))
    for q in report.questions:
        questions.append([q.question_id, q.stem, q.asked, q.right, round(q.share, 4)])
        questions.cell(row=questions.max_row, column=5).number_format = "0%"
    for sheet in (days, questions):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    questions.column_dimensions["B"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
