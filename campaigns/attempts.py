"""Taking part: an attempt is a run of questions asked one at a time, each answered once.

The rules that keep counts honest, each held by the database rather than by memory:

* **Daily cap.** A counted attempt takes slot 1, 2, … of its local day with one conditional
  ``INSERT … SELECT … WHERE used < cap``; the unique key (campaign, chat, day, slot) refuses the
  second of two devices that took the same slot at once (PostgreSQL), and SQLite's single writer
  runs the conditional insert atomically. So the cap holds however many devices start together.
* **One answer per question.** A question goes ``asked → answered | timed_out`` by a conditional
  UPDATE on its status: the first answer in time wins; a second answer, an answer after the open
  period, or an answer racing the time-out counts once or not at all. Only the winner moves the
  attempt on, so the next question is sent once.
* **One running attempt per worker.** A partial unique index on the worker's running attempts refuses
  the second of two starts at once (whatever the cap, practice too): it is told the first is in progress.
* **Days** are calendar days in the configured time zone; an attempt belongs to the day it started.
* **Practice** (练习) draws from the same bank and counts for nothing: no slot, no best, no streak.
"""
from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Table, and_, bindparam, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from broadcasts.quizbank import DIFFICULTIES, Question, QuestionBank
from campaigns import messages as msg
from campaigns.models import (
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Campaign,
    CampaignRules,
    CampaignStatus,
    QuestionStatus,
)
from campaigns.service import campaign_rules_on, candidates, local_day
from core.clock import Clock
from core.db import SessionMaker, rows_matched, write_gate, writing
from study.service import credit_attempt

# An answer processed this long after the poll's open period still counts (the update was in flight).
ANSWER_GRACE_S = 2.0
# The time-out sweep waits at most this long for answers received but not yet handled (a stuck handler must
# not hold every other worker's time-outs for ever).
ANSWER_HOLD_MAX_S = 120.0
# The time-out sweep's batch.
EXPIRE_BATCH = 200
# A running attempt this long past its last possible deadline was left behind (the process stopped between
# choosing a question and sending it): a new start closes it instead of refusing "in progress" for ever.
ABANDONED_AFTER_S = 120.0


class AttemptRefused(Exception):
    """The worker cannot start an attempt now; ``message`` says why in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DailyCapReached(AttemptRefused):
    pass


class AttemptInProgress(AttemptRefused):
    pass


@dataclass(frozen=True, slots=True)
class AskQuestion:
    """The next question to send as a poll."""

    attempt_id: int
    position: int
    total: int
    question: Question
    seconds: int
    practice: bool

    @property
    def number(self) -> int:
        return self.position + 1


@dataclass(frozen=True, slots=True)
class ReviewItem:
    number: int
    question: Question | None  # None: it left the bank during the attempt
    status: QuestionStatus
    chosen: tuple[int, ...]
    correct: bool


@dataclass(frozen=True, slots=True)
class AttemptResult:
    attempt_id: int
    campaign_name: str
    practice: bool
    score: int
    correct: int
    asked: int  # questions that counted (not the ones that left the bank)
    timed_out: int
    skipped: int
    review: tuple[ReviewItem, ...]
    streak_days: int  # consecutive days with a finished counted attempt, up to this one's day
    best: int  # the best score of a counted attempt in this campaign (this one included)
    new_best: bool
    study_minutes: int = 0  # 学时 this attempt credited (issue 13, point 5): counted attempts only, once


Step = AskQuestion | AttemptResult


class AnswerKind(StrEnum):
    COUNTED = "counted"
    LATE = "late"  # after the open period: not counted (the question timed out)
    AGAIN = "again"  # the question was already answered or timed out
    UNKNOWN = "unknown"  # not a poll of ours, or not this worker's


@dataclass(frozen=True, slots=True)
class AnswerOutcome:
    kind: AnswerKind
    correct: bool = False
    points: int = 0
    next: Step | None = None  # what to send now (the winner of the question moves the attempt on)


class QuestionSender(Protocol):
    """How a step reaches the worker; the bot implements it."""

    async def send_question(self, chat_id: int, ask: AskQuestion) -> str:
        """Send the question as a poll with ``open_period``; return the poll id."""
        ...

    async def send_result(self, chat_id: int, result: AttemptResult) -> None: ...

    async def send_timeout(self, chat_id: int, number: int) -> None:
        """Tell the worker question ``number`` timed out (the next step follows)."""
        ...


# --- selection -------------------------------------------------------------------------------------


def select_questions(
    bank: QuestionBank, count: int, tags: tuple[str, ...], audience: str, *, balanced: bool = True,
    rng: random.Random | None = None,
) -> list[Question]:
    """``count`` distinct questions drawn at random from the tags; balanced: easy, medium and hard in turn
    (a difficulty that runs out gives its turn to the others)."""
    rng = rng or random.Random()
    pool = candidates(bank, tags, audience)
    if not balanced:
        return rng.sample(pool, min(count, len(pool)))
    by_level = {level: [q for q in pool if q.difficulty == level] for level in DIFFICULTIES}
    for questions in by_level.values():
        rng.shuffle(questions)
    chosen: list[Question] = []
    while len(chosen) < count and any(by_level.values()):
        for level in DIFFICULTIES:
            if by_level[level] and len(chosen) < count:
                chosen.append(by_level[level].pop())
    rng.shuffle(chosen)
    return chosen


# --- starting ------------------------------------------------------------------------------------


class RulesOfTheDay:
    """Each campaign's rules for today, read once per process rather than at every start (``CampaignRuntime.rules``).

    Kept only for a campaign already under way: its rules for today then never change (an edit applies from
    tomorrow), while its status and last day may, so a start still checks those inside its INSERT (a cancelled or
    ended campaign's start inserts nothing, and then the campaign is read to say why). A new day forgets the old."""

    def __init__(self) -> None:
        self._day: date | None = None
        self._rules: dict[int, CampaignRules] = {}

    def get(self, campaign_id: int, day: date) -> CampaignRules | None:
        return self._rules.get(campaign_id) if day == self._day else None

    def keep(self, campaign: Campaign, rules: CampaignRules, day: date) -> None:
        if day < campaign.starts_on:
            return  # before its start everything about it may still change
        if day != self._day:
            self._day, self._rules = day, {}
        self._rules[campaign.id] = rules


async def _campaign_open(
    sessions: SessionMaker, campaign_id: int, day: date, *, practice: bool,
) -> tuple[Campaign, CampaignRules]:
    """Read the campaign and its rules on ``day``; raise AttemptRefused unless it takes attempts (practice: any day)."""
    async with sessions() as session:
        found = await campaign_rules_on(session, campaign_id, day)
    if found is None:
        raise AttemptRefused(msg.NOT_FOUND)
    campaign, rules = found
    if campaign.status != CampaignStatus.ACTIVE:
        raise AttemptRefused(msg.CANCELLED.format(name=campaign.name))
    if not practice and day < campaign.starts_on:
        raise AttemptRefused(msg.NOT_STARTED.format(name=campaign.name, day=campaign.starts_on.isoformat()))
    if not practice and day > campaign.ends_on:
        raise AttemptRefused(msg.ENDED.format(name=campaign.name, day=campaign.ends_on.isoformat()))
    return campaign, rules


async def start_attempt(
    sessions: SessionMaker, bank: QuestionBank, campaign_id: int, chat_id: int, *, now: datetime, tz: ZoneInfo,
    practice: bool = False, rng: random.Random | None = None, known: RulesOfTheDay | None = None,
) -> Step:
    """Start an attempt (or a practice run) and return its first question; raise AttemptRefused. ``known``: today's
    rules already read (a counted attempt's start is then one transaction)."""
    day = local_day(now, tz)
    rules = None if practice or known is None else known.get(campaign_id, day)
    cached = rules is not None
    if rules is None:
        campaign, rules = await _campaign_open(sessions, campaign_id, day, practice=practice)
        if known is not None and not practice:
            known.keep(campaign, rules, day)
    questions = select_questions(bank, rules.questions_per_attempt, rules.tag_codes, rules.audience,
                                 balanced=rules.balanced, rng=rng)
    values = {
        "campaign_id": campaign_id, "chat_id": chat_id, "day": day, "practice": practice,
        "status": AttemptStatus.RUNNING, "position": 0, "question_count": len(questions),
        "seconds_per_question": rules.seconds_per_question, "points_correct": rules.points_correct,
        "points_finish": rules.points_finish, "points_perfect": rules.points_perfect,
        "score": 0, "correct": 0, "answered": 0, "started_at": now,
    }
    attempt_id: int | None = None
    # No look for a running attempt first: the one-running index refuses a second one, and only then (or at the
    # cap) is the running one read, to tell "in progress" from one left behind (closed, and the start retried).
    closed_abandoned = False
    for _ in range(rules.attempts_per_day + 2):
        try:
            # Urgent: a worker waits for this question; on SQLite the answers' writes queue behind it.
            async with writing(sessions, urgent=True) as session:
                # The write comes first in its transaction: on SQLite it takes the write lock at once.
                if practice:
                    attempt_id = (await session.execute(
                        insert(Attempt).values(slot=None, **values).returning(Attempt.id))).scalar_one()
                else:
                    attempt_id = await _take_slot(session, values, rules.attempts_per_day)
                if attempt_id is not None and questions:
                    # One INSERT of all the rows (Core: no ORM objects to build and flush).
                    await session.execute(_INSERT_QUESTIONS, [
                        {"attempt_id": attempt_id, "position": i, "question_id": q.id, "kind": q.type,
                         "answer": ",".join(map(str, q.answer)), "status": QuestionStatus.PENDING, "points": 0}
                        for i, q in enumerate(questions)])
        except IntegrityError:
            # Another device started at the same moment, or an attempt of this worker's runs (the one-running index
            # refused this one); or another device's finished attempt took the same slot: then try the next one.
            if await _refuse_or_close_running(sessions, chat_id, now=now):
                closed_abandoned = True
            continue
        if attempt_id is None:  # at the cap; but an attempt under way is what the worker should hear of
            if cached:  # or the campaign, known from before, was cancelled or is over: read it to say which
                await _campaign_open(sessions, campaign_id, day, practice=practice)
                cached = False
            if not closed_abandoned and await _refuse_or_close_running(sessions, chat_id, now=now):
                closed_abandoned = True
                continue
            raise DailyCapReached(msg.DAILY_CAP.format(cap=rules.attempts_per_day))
        break
    else:
        raise DailyCapReached(msg.DAILY_CAP.format(cap=rules.attempts_per_day))
    assert attempt_id is not None
    if questions:  # just drawn from the bank: the first is the one to ask (no second look at the database)
        return AskQuestion(attempt_id, 0, len(questions), questions[0], rules.seconds_per_question, practice)
    step = await proceed(sessions, bank, attempt_id, now=now)
    assert step is not None  # a fresh attempt without questions has its result
    return step


async def _refuse_or_close_running(sessions: SessionMaker, chat_id: int, *, now: datetime) -> bool:
    """Raise AttemptInProgress if the worker has an attempt under way; close one left behind (True); False when
    none is running."""
    async with sessions() as session:
        running = (await session.execute(select(Attempt).where(
            Attempt.chat_id == chat_id, Attempt.status == AttemptStatus.RUNNING).limit(1))).scalar_one_or_none()
    if running is None:
        return False
    if now < abandoned_at(running):
        raise AttemptInProgress(msg.IN_PROGRESS)
    await close_abandoned(sessions, running.id, now=now)
    return True


_SLOT_COLUMNS = ("campaign_id", "chat_id", "day", "practice", "status", "position", "question_count",
                 "seconds_per_question", "points_correct", "points_finish", "points_perfect", "score", "correct",
                 "answered", "started_at")
_SLOTS_USED = (
    select(func.count()).select_from(Attempt)
    .where(Attempt.campaign_id == bindparam("b_campaign_id"), Attempt.chat_id == bindparam("b_chat_id"),
           Attempt.day == bindparam("b_day"), Attempt.slot.is_not(None))
    .scalar_subquery()
)
# The campaign takes attempts on the day (its rules may have been read before: ``RulesOfTheDay``).
_CAMPAIGN_OPEN = (
    select(Campaign.id)
    .where(Campaign.id == bindparam("b_campaign_id"), Campaign.status == CampaignStatus.ACTIVE,
           Campaign.starts_on <= bindparam("b_day"), Campaign.ends_on >= bindparam("b_day"))
    .exists()
)
# The attempt INSERTed into the next free slot of its day, if one is left under the cap and the campaign is open
# (built once; each value a parameter typed as its column; Core's INSERT: the ORM's, given parameters, would take
# them for a bulk insert).
_TAKE_SLOT = insert(cast(Table, Attempt.__table__)).from_select(
    [*_SLOT_COLUMNS, "slot"],
    select(*(bindparam(f"b_{c}", type_=Attempt.__table__.c[c].type) for c in _SLOT_COLUMNS), _SLOTS_USED + 1)
    .where(bindparam("b_cap", type_=Integer()) > _SLOTS_USED, _CAMPAIGN_OPEN),
).returning(Attempt.__table__.c.id)


async def _take_slot(session: AsyncSession, values: dict[str, object], cap: int) -> int | None:
    """INSERT the attempt into the next free slot of its day if one is left and the campaign is open; its id, or None
    (at the cap, or the campaign was cancelled or is over)."""
    params = {f"b_{c}": values[c] for c in _SLOT_COLUMNS}
    params["b_cap"] = cap
    attempt_id: int | None = (await session.execute(_TAKE_SLOT, params)).scalar_one_or_none()
    return attempt_id


# --- moving on -----------------------------------------------------------------------------------


async def proceed(sessions: SessionMaker, bank: QuestionBank, attempt_id: int, *, now: datetime) -> Step | None:
    """What the attempt needs next: its current question (to send), or its result when it has just
    finished; None when its current question is out already or it finished before."""
    async with writing(sessions) as session:
        return await _next_step(session, bank, attempt_id, now=now)


async def _next_step(session: AsyncSession, bank: QuestionBank, attempt_id: int, *, now: datetime) -> Step | None:
    """``proceed`` within the caller's transaction."""
    attempt = await session.get(Attempt, attempt_id, populate_existing=True)
    if attempt is None or attempt.status != AttemptStatus.RUNNING:
        return None
    while attempt.position < attempt.question_count:
        row = await session.get(AttemptQuestion, (attempt_id, attempt.position), populate_existing=True)
        assert row is not None
        if row.status != QuestionStatus.PENDING:
            return None  # asked and waiting for its answer or its time-out
        if row.question_id not in bank:
            # The question left the bank during the attempt: not asked, not counted.
            moved = await session.execute(
                update(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id,
                                              AttemptQuestion.position == row.position,
                                              AttemptQuestion.status == QuestionStatus.PENDING)
                .values(status=QuestionStatus.SKIPPED))
            if rows_matched(moved) != 1:
                return None
            attempt.position += 1
            await session.flush()
            continue
        return AskQuestion(attempt_id, attempt.position, attempt.question_count, bank.get(row.question_id),
                           attempt.seconds_per_question, attempt.practice)
    # The questions first: the finishing bonus is known before the attempt is closed, in one UPDATE. (Its
    # ``correct`` is final: only the winner of its last question, or of that question's time-out, gets here.)
    # Read as columns, not ORM objects: as stored, with the answer just written to the last question (not in the
    # row the caller read).
    rows = (await session.execute(_RESULT_ROWS, {"b_attempt_id": attempt_id})).all()
    asked = [r for r in rows if r.status != QuestionStatus.SKIPPED]
    bonus = attempt.points_finish
    if asked and attempt.correct == len(asked):
        bonus += attempt.points_perfect
    finished = await session.execute(
        update(Attempt).where(Attempt.id == attempt_id, Attempt.status == AttemptStatus.RUNNING)
        .values(status=AttemptStatus.FINISHED, finished_at=now, score=Attempt.score + bonus)
        .execution_options(synchronize_session=False))
    if rows_matched(finished) != 1:
        return None
    # What the UPDATE wrote, as the row's committed state (not a change for the flush to write again).
    set_committed_value(attempt, "status", AttemptStatus.FINISHED)
    set_committed_value(attempt, "finished_at", now)
    set_committed_value(attempt, "score", attempt.score + bonus)
    result = await _result(session, bank, attempt, rows)
    if attempt.practice:
        return result
    # 学时: the attempt's time on the clock (its questions' seconds), at least a minute, once per attempt.
    minutes = max(1, math.ceil(len(asked) * attempt.seconds_per_question / 60))
    credited = await credit_attempt(session, attempt.chat_id, f"attempt:{attempt.id}", minutes,
                                    title=result.campaign_name, now=now)
    return dataclasses.replace(result, study_minutes=credited.minutes)


_RESULT_ROWS = (
    select(AttemptQuestion.position, AttemptQuestion.question_id, AttemptQuestion.status, AttemptQuestion.chosen,
           AttemptQuestion.correct)
    .where(AttemptQuestion.attempt_id == bindparam("b_attempt_id")).order_by(AttemptQuestion.position)
)
_CAMPAIGN_NAME = select(Campaign.name).where(Campaign.id == bindparam("b_campaign_id"))


async def _result(session: AsyncSession, bank: QuestionBank, attempt: Attempt,
                  rows: Sequence[Any]) -> AttemptResult:
    """``rows``: the attempt's questions in order (position, question_id, status, chosen, correct)."""
    name = (await session.execute(_CAMPAIGN_NAME, {"b_campaign_id": attempt.campaign_id})).scalar_one_or_none() or ""
    review = tuple(
        ReviewItem(r.position + 1, bank.get(r.question_id) if r.question_id in bank else None, r.status,
                   tuple(int(x) for x in r.chosen.split(",") if x) if r.chosen else (), bool(r.correct))
        for r in rows)
    streak, best, new_best = 0, attempt.score, False
    if not attempt.practice:
        # The worker's days with a finished counted attempt and the best score on each before this one: one query.
        counted = and_(Attempt.campaign_id == attempt.campaign_id, Attempt.chat_id == attempt.chat_id,
                       Attempt.practice.is_(False), Attempt.status == AttemptStatus.FINISHED)
        by_day = (await session.execute(
            select(Attempt.day, func.max(case((Attempt.id != attempt.id, Attempt.score))))
            .where(counted).group_by(Attempt.day))).all()
        earlier = [score for _, score in by_day if score is not None]
        before = max(earlier) if earlier else None
        new_best = before is None or attempt.score > before
        best = attempt.score if before is None else max(before, attempt.score)
        streak = streak_ending({day for day, _ in by_day}, attempt.day)
    return AttemptResult(
        attempt_id=attempt.id, campaign_name=name, practice=attempt.practice, score=attempt.score,
        correct=attempt.correct, asked=sum(r.status != QuestionStatus.SKIPPED for r in rows),
        timed_out=sum(r.status == QuestionStatus.TIMED_OUT for r in rows),
        skipped=sum(r.status == QuestionStatus.SKIPPED for r in rows),
        review=review, streak_days=streak, best=best, new_best=new_best,
    )


def abandoned_at(attempt: Attempt) -> datetime:
    """When a running attempt counts as left behind: every question's time and grace, and a margin, are over."""
    per_question = attempt.seconds_per_question + ANSWER_GRACE_S
    return attempt.started_at + timedelta(seconds=attempt.question_count * per_question + ABANDONED_AFTER_S)


async def close_abandoned(sessions: SessionMaker, attempt_id: int, *, now: datetime) -> None:
    """Finish an attempt left behind as it stands: its unanswered questions time out, no finishing points."""
    async with writing(sessions) as session:
        closed = await session.execute(
            update(Attempt).where(Attempt.id == attempt_id, Attempt.status == AttemptStatus.RUNNING)
            .values(status=AttemptStatus.FINISHED, finished_at=now))
        if rows_matched(closed) == 1:
            await session.execute(
                update(AttemptQuestion)
                .where(AttemptQuestion.attempt_id == attempt_id,
                       AttemptQuestion.status.in_((QuestionStatus.PENDING, QuestionStatus.ASKED)))
                .values(status=QuestionStatus.TIMED_OUT, correct=False))


def streak_ending(days: set[date], last: date) -> int:
    """How many consecutive days up to ``last`` are in ``days``."""
    streak = 0
    while last - timedelta(days=streak) in days:
        streak += 1
    return streak


async def mark_asked(sessions: SessionMaker, ask: AskQuestion, poll_id: str, *, now: datetime) -> bool:
    """Record that the question went out as poll ``poll_id``: its answers count until the open period ends."""
    async with writing(sessions) as session:
        result = await session.execute(_MARK_ASKED, {
            "b_attempt_id": ask.attempt_id, "b_position": ask.position, "b_poll_id": poll_id, "b_sent_at": now,
            "b_deadline": now + timedelta(seconds=ask.seconds)})
        return rows_matched(result) == 1


async def deliver(sessions: SessionMaker, sender: QuestionSender, chat_id: int, step: Step | None, *,
                  clock: Clock) -> None:
    """Send a step: a question (then record its poll) or the result."""
    if isinstance(step, AskQuestion):
        poll_id = await sender.send_question(chat_id, step)
        # The open period runs from when Telegram took the poll, not from when it was chosen: under load a
        # poll waits its turn in the outgoing queue, and a deadline counted from before would close early.
        await mark_asked(sessions, step, poll_id, now=clock.now())
    elif isinstance(step, AttemptResult):
        await sender.send_result(chat_id, step)


async def is_campaign_poll(sessions: SessionMaker, poll_id: str) -> bool:
    async with sessions() as session:
        found = await session.execute(select(AttemptQuestion.attempt_id).where(AttemptQuestion.poll_id == poll_id))
        return found.first() is not None


async def awaiting_poll(sessions: SessionMaker, chat_id: int) -> bool:
    """Whether a question of this worker's running attempt is being sent (its poll id not recorded yet)."""
    async with sessions() as session:
        found = await session.execute(
            select(Attempt.id).join(AttemptQuestion, and_(AttemptQuestion.attempt_id == Attempt.id,
                                                          AttemptQuestion.position == Attempt.position))
            .where(Attempt.chat_id == chat_id, Attempt.status == AttemptStatus.RUNNING,
                   AttemptQuestion.status == QuestionStatus.PENDING).limit(1))
        return found.first() is not None


_INSERT_QUESTIONS = insert(cast(Table, AttemptQuestion.__table__))
# The hot statements of an attempt (each answer, each question sent), built once: a statement built per call cost
# more CPU in SQLAlchemy (constructing it, an alias's columns, its cache key) than running it.
_following = aliased(AttemptQuestion)
# The question, its attempt and the question after it in one statement: one round trip per answer (columns, not
# ORM objects: nothing here is changed through the session).
_ANSWER_READ = (
    select(AttemptQuestion.attempt_id, AttemptQuestion.position, AttemptQuestion.status, AttemptQuestion.deadline,
           AttemptQuestion.answer, Attempt.chat_id, Attempt.status, Attempt.position, Attempt.question_count,
           Attempt.seconds_per_question, Attempt.points_correct, Attempt.practice, _following.position,
           _following.status, _following.question_id)
    .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
    .outerjoin(_following, and_(_following.attempt_id == AttemptQuestion.attempt_id,
                                _following.position == AttemptQuestion.position + 1))
    .where(AttemptQuestion.poll_id == bindparam("b_poll_id"))
)
# Counted once: only the answer that finds the question still ASKED wins.
_ANSWER_WIN = (
    update(AttemptQuestion)
    .where(AttemptQuestion.attempt_id == bindparam("b_attempt_id"), AttemptQuestion.position == bindparam("b_position"),
           AttemptQuestion.status == QuestionStatus.ASKED)
    .values(status=QuestionStatus.ANSWERED, chosen=bindparam("b_chosen"), correct=bindparam("b_correct"),
            points=bindparam("b_points"), answered_at=bindparam("b_answered_at"))
    .execution_options(synchronize_session=False)
)
_ANSWER_SCORE = (
    update(Attempt).where(Attempt.id == bindparam("b_attempt_id"))
    .values(score=Attempt.score + bindparam("b_points"), correct=Attempt.correct + bindparam("b_right"),
            answered=Attempt.answered + 1, position=Attempt.position + 1)
    .execution_options(synchronize_session=False)
)
_MARK_ASKED = (
    update(AttemptQuestion)
    .where(AttemptQuestion.attempt_id == bindparam("b_attempt_id"), AttemptQuestion.position == bindparam("b_position"),
           AttemptQuestion.status == QuestionStatus.PENDING)
    .values(status=QuestionStatus.ASKED, poll_id=bindparam("b_poll_id"), sent_at=bindparam("b_sent_at"),
            deadline=bindparam("b_deadline"))
    .execution_options(synchronize_session=False)  # nothing loaded in its session to bring up to date
)


async def answer(sessions: SessionMaker, bank: QuestionBank, poll_id: str, chat_id: int,
                 option_ids: Sequence[int], *, now: datetime, received_at: datetime | None = None) -> AnswerOutcome:
    """Record a poll answer once: the first in time counts; late, repeated or forged ones count nothing.

    In time means received (``received_at``, when the update reached the process; ``now`` if unknown)
    within the open period and its grace, however long the answer then waited for its turn."""
    arrived = received_at or now
    row: Any = None
    read_first = write_gate(sessions) is not None
    if read_first:
        # SQLite: the read takes no lock (pysqlite runs it before its transaction anyway), so it goes before the
        # writer's turn, which then covers only the writes; the conditional UPDATE still decides what counts.
        async with sessions() as session:
            row = (await session.execute(_ANSWER_READ, {"b_poll_id": poll_id})).first()
        refused = _not_counted(row, chat_id, option_ids)
        if refused is not None:
            return refused
    async with writing(sessions) as session:
        if not read_first:
            row = (await session.execute(_ANSWER_READ, {"b_poll_id": poll_id})).first()
            refused = _not_counted(row, chat_id, option_ids)
            if refused is not None:
                return refused
        (attempt_id, position, status, deadline, right_answer, _, attempt_status, attempt_position, question_count,
         seconds, points_correct, practice, next_position, next_status, next_question_id) = row
        assert deadline is not None
        if arrived > deadline + timedelta(seconds=ANSWER_GRACE_S):
            late = True
        else:
            late = False
            chosen = sorted(set(option_ids))
            correct = ",".join(map(str, chosen)) == right_answer
            points = points_correct if correct else 0
            won = await session.execute(_ANSWER_WIN, {
                "b_attempt_id": attempt_id, "b_position": position, "b_chosen": ",".join(map(str, chosen)),
                "b_correct": correct, "b_points": points, "b_answered_at": arrived})
            if rows_matched(won) != 1:
                return AnswerOutcome(AnswerKind.AGAIN)
            await session.execute(_ANSWER_SCORE,
                                  {"b_attempt_id": attempt_id, "b_points": points, "b_right": int(correct)})
            # The next step in the same transaction: usually the question after, read above (the attempt's
            # position as it was before this answer).
            if (attempt_status == AttemptStatus.RUNNING and attempt_position == position
                    and next_position is not None and next_status == QuestionStatus.PENDING
                    and next_question_id in bank):
                after: Step | None = AskQuestion(attempt_id, next_position, question_count,
                                                 bank.get(next_question_id), seconds, practice)
            else:  # the last question (the result), or one that left the bank
                after = await _next_step(session, bank, attempt_id, now=now)
    if late:
        # The open period is over: the question times out now (if the sweep has not done it already).
        moved = await _time_out(sessions, attempt_id, position)
        after = await proceed(sessions, bank, attempt_id, now=now) if moved else None
        return AnswerOutcome(AnswerKind.LATE, next=after)
    return AnswerOutcome(AnswerKind.COUNTED, correct=correct, points=points, next=after)


def _not_counted(row: Any, chat_id: int, option_ids: Sequence[int]) -> AnswerOutcome | None:
    """What an answer is when its question's row (``_ANSWER_READ``) already says it counts nothing; None if it may."""
    if row is None or row[5] != chat_id:
        return AnswerOutcome(AnswerKind.UNKNOWN)
    if row[2] != QuestionStatus.ASKED or not option_ids:
        return AnswerOutcome(AnswerKind.AGAIN)
    return None


async def _time_out(sessions: SessionMaker, attempt_id: int, position: int) -> bool:
    async with writing(sessions) as session:
        result = await session.execute(
            update(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id,
                                          AttemptQuestion.position == position,
                                          AttemptQuestion.status == QuestionStatus.ASKED)
            .values(status=QuestionStatus.TIMED_OUT, correct=False))
        if rows_matched(result) != 1:
            return False
        await session.execute(update(Attempt).where(Attempt.id == attempt_id, Attempt.position == position)
                              .values(position=Attempt.position + 1))
        return True


@dataclass(frozen=True, slots=True)
class TimedOut:
    chat_id: int
    number: int  # the question's number in its attempt
    next: Step | None


async def expire_due(sessions: SessionMaker, bank: Callable[[], QuestionBank], *, now: datetime,
                     answers_since: datetime | None = None) -> list[TimedOut]:
    """Time out every question whose open period (and grace) is over; return what each attempt needs next.

    ``bank`` gives the question bank when a question did time out: the watch asks every second, and a
    process whose campaigns never time out a question never loads the bank (issue 14, point 7).

    ``answers_since``: the receipt time of the oldest answer received and not yet handled. A question open
    then may have its answer among them, so it waits (up to ``ANSWER_HOLD_MAX_S``) for them to be handled."""
    judged_at = now
    if answers_since is not None:
        judged_at = min(now, max(answers_since, now - timedelta(seconds=ANSWER_HOLD_MAX_S)))
    cutoff = judged_at - timedelta(seconds=ANSWER_GRACE_S)
    async with sessions() as session:
        due = (await session.execute(
            select(AttemptQuestion.attempt_id, AttemptQuestion.position, Attempt.chat_id)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .where(AttemptQuestion.status == QuestionStatus.ASKED, AttemptQuestion.deadline < cutoff)
            .order_by(AttemptQuestion.deadline).limit(EXPIRE_BATCH))).all()
    timed_out = []
    for attempt_id, position, chat_id in due:
        if await _time_out(sessions, attempt_id, position):
            step = await proceed(sessions, bank(), attempt_id, now=now)
            timed_out.append(TimedOut(chat_id, position + 1, step))
    return timed_out


async def attempts_today(sessions: SessionMaker, campaign_id: int, chat_id: int, day: date) -> int:
    async with sessions() as session:
        return int((await session.execute(
            select(func.count()).select_from(Attempt).where(
                Attempt.campaign_id == campaign_id, Attempt.chat_id == chat_id, Attempt.day == day,
                Attempt.slot.is_not(None)))).scalar_one())
