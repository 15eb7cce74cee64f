"""Attempts: one answer per question, time-outs, the daily cap under concurrent starts, local days,
practice, edits while running and questions leaving the bank (issue 13, point 3 and its bad input)."""
from __future__ import annotations

import asyncio
import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from broadcasts.quizbank import QuestionBank
from campaigns import attempts
from campaigns.attempts import AnswerKind, AskQuestion, AttemptInProgress, AttemptResult, DailyCapReached
from campaigns.models import Attempt, AttemptQuestion, AttemptStatus, QuestionStatus
from campaigns.service import Draft, Rules, edit_campaign, rules_on
from tests.campaigns.conftest import TZ, local, make_campaign

DAY = date(2026, 6, 3)
CHAT = 4242


async def start(services, bank, campaign_id, now, chat=CHAT, practice=False, seed=1):
    return await attempts.start_attempt(services.sessions, bank, campaign_id, chat, now=now, tz=TZ,
                                        practice=practice, rng=random.Random(seed))


async def ask_out(services, ask: AskQuestion, poll_id: str, now) -> None:
    assert await attempts.mark_asked(services.sessions, ask, poll_id, now=now)


def wrong(ask: AskQuestion) -> list[int]:
    return [next(i for i in range(len(ask.question.options)) if i not in ask.question.answer)]


async def run_through(services, bank, step, now, *, answers=None, prefix="p"):
    """Answer every question (right unless ``answers`` says otherwise) until the result; return it."""
    n = 0
    while isinstance(step, AskQuestion):
        poll_id = f"{prefix}{step.attempt_id}-{step.position}"
        await ask_out(services, step, poll_id, now)
        chosen = (answers or {}).get(n, list(step.question.answer))
        outcome = await attempts.answer(services.sessions, bank, poll_id, CHAT, chosen, now=now)
        assert outcome.kind is AnswerKind.COUNTED
        step = outcome.next
        n += 1
    assert isinstance(step, AttemptResult)
    return step


def test_balanced_selection_draws_each_difficulty_in_turn(bank):
    chosen = attempts.select_questions(bank, 9, ("rights",), "", rng=random.Random(3))
    assert len({q.id for q in chosen}) == 9 and {q.topic for q in chosen} == {"rights"}
    assert sorted(q.difficulty for q in chosen) == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    new_hires = attempts.select_questions(bank, 15, (), "new_hire", rng=random.Random(3))
    assert all("new_hire" in q.audience for q in new_hires)


async def test_an_attempt_scores_each_question_once_and_ends_with_explanations(services, bank):
    cid = await make_campaign(services, bank, questions_per_attempt=5, points_correct=10, points_finish=2,
                              points_perfect=20)
    now = local(DAY, 10)
    first = await start(services, bank, cid, now)
    assert isinstance(first, AskQuestion) and (first.number, first.total, first.seconds) == (1, 5, 30)
    await ask_out(services, first, "poll-1", now)
    # A forged poll id and another worker's answer to this poll count nothing.
    assert (await attempts.answer(services.sessions, bank, "forged", CHAT, [0], now=now)).kind is AnswerKind.UNKNOWN
    other = await attempts.answer(services.sessions, bank, "poll-1", CHAT + 1, [0], now=now)
    assert other.kind is AnswerKind.UNKNOWN
    counted = await attempts.answer(services.sessions, bank, "poll-1", CHAT, wrong(first), now=now)
    assert counted.kind is AnswerKind.COUNTED and not counted.correct and counted.points == 0
    assert isinstance(counted.next, AskQuestion) and counted.next.number == 2
    # The same poll answered again (a second device, a replayed update): not counted, nothing sent.
    again = await attempts.answer(services.sessions, bank, "poll-1", CHAT, list(first.question.answer), now=now)
    assert again.kind is AnswerKind.AGAIN and again.next is None
    result = await run_through(services, bank, counted.next, now)
    assert (result.correct, result.asked, result.timed_out) == (4, 5, 0)
    assert result.score == 4 * 10 + 2  # no perfect bonus: one wrong
    assert [item.status for item in result.review] == [QuestionStatus.ANSWERED] * 5
    assert result.review[0].question.id == first.question.id and not result.review[0].correct
    assert (result.streak_days, result.best, result.new_best) == (1, 42, True)


async def test_a_timed_out_question_moves_on_once_and_a_late_answer_counts_nothing(services, bank):
    cid = await make_campaign(services, bank, questions_per_attempt=5, seconds_per_question=30)
    now = local(DAY, 10)
    first = await start(services, bank, cid, now)
    await ask_out(services, first, "t-0", now)
    # Not yet due: within the open period and its grace.
    assert await attempts.expire_due(services.sessions, lambda: bank, now=now + timedelta(seconds=31)) == []
    later = now + timedelta(seconds=33)
    [timed_out] = await attempts.expire_due(services.sessions, lambda: bank, now=later)
    assert (timed_out.chat_id, timed_out.number) == (CHAT, 1)
    assert isinstance(timed_out.next, AskQuestion) and timed_out.next.number == 2
    assert await attempts.expire_due(services.sessions, lambda: bank, now=later) == []  # once
    late = await attempts.answer(services.sessions, bank, "t-0", CHAT, list(first.question.answer), now=later)
    assert late.kind is AnswerKind.AGAIN and late.next is None
    # An answer processed after the open period (the sweep has not run yet) times the question out itself.
    second = timed_out.next
    await ask_out(services, second, "t-1", later)
    too_late = await attempts.answer(services.sessions, bank, "t-1", CHAT, list(second.question.answer),
                                     now=later + timedelta(seconds=40))
    assert too_late.kind is AnswerKind.LATE and isinstance(too_late.next, AskQuestion)
    assert too_late.next.number == 3
    assert await attempts.expire_due(services.sessions, lambda: bank, now=later + timedelta(seconds=40)) == []
    result = await run_through(services, bank, too_late.next, later + timedelta(seconds=40))
    assert (result.correct, result.asked, result.timed_out) == (3, 5, 2)
    assert [i.status for i in result.review][:2] == [QuestionStatus.TIMED_OUT] * 2


async def test_an_answer_received_in_time_counts_however_late_it_is_handled(services, bank):
    """Under load an answer waits for its turn: it is judged by when it arrived, and the time-out sweep
    leaves its question alone while answers received before the deadline are still waiting."""
    cid = await make_campaign(services, bank, questions_per_attempt=5, seconds_per_question=30)
    now = local(DAY, 10)
    first = await start(services, bank, cid, now)
    await ask_out(services, first, "r-0", now)
    arrived, handled = now + timedelta(seconds=29), now + timedelta(seconds=90)
    # The sweep runs while that answer waits: the question stays open for it …
    assert await attempts.expire_due(services.sessions, lambda: bank, now=handled, answers_since=arrived) == []
    counted = await attempts.answer(services.sessions, bank, "r-0", CHAT, list(first.question.answer),
                                    now=handled, received_at=arrived)
    assert counted.kind is AnswerKind.COUNTED and counted.correct
    async with services.sessions() as session:
        row = await session.get(AttemptQuestion, (first.attempt_id, 0))
    assert (row.status, row.answered_at) == (QuestionStatus.ANSWERED, arrived)
    # … an answer that arrived after the open period and its grace is late however soon it is handled.
    second = counted.next
    await ask_out(services, second, "r-1", handled)
    late = await attempts.answer(services.sessions, bank, "r-1", CHAT, list(second.question.answer),
                                 now=handled + timedelta(seconds=33), received_at=handled + timedelta(seconds=33))
    assert late.kind is AnswerKind.LATE


async def test_the_sweep_waits_for_waiting_answers_only_so_long(services, bank):
    cid = await make_campaign(services, bank, questions_per_attempt=5, seconds_per_question=30)
    now = local(DAY, 10)
    first = await start(services, bank, cid, now)
    await ask_out(services, first, "h-0", now)
    # An answer waiting since long before (a stuck handler) holds the time-outs for ANSWER_HOLD_MAX_S at most.
    much_later = now + timedelta(seconds=attempts.ANSWER_HOLD_MAX_S + 40)
    [timed_out] = await attempts.expire_due(services.sessions, lambda: bank, now=much_later,
                                            answers_since=now - timedelta(seconds=1000))
    assert timed_out.number == 1


async def test_two_devices_starting_at_once_get_one_attempt_at_a_cap_of_one(services, bank):
    cid = await make_campaign(services, bank, attempts_per_day=1, questions_per_attempt=5)
    now = local(DAY, 12)
    outcomes = await asyncio.gather(*(start(services, bank, cid, now, seed=i) for i in range(2)),
                                    return_exceptions=True)
    started = [o for o in outcomes if isinstance(o, AskQuestion)]
    refused = [o for o in outcomes if isinstance(o, DailyCapReached | AttemptInProgress)]
    assert len(started) == 1 and len(refused) == 1, outcomes
    async with services.sessions() as session:
        rows = (await session.execute(Attempt.__table__.select())).all()
    assert len(rows) == 1


async def test_the_cap_holds_under_concurrent_starts_and_slots_are_distinct(services, bank):
    cid = await make_campaign(services, bank, attempts_per_day=2, questions_per_attempt=5)
    now = local(DAY, 12)
    outcomes = await asyncio.gather(*(start(services, bank, cid, now, seed=i) for i in range(4)),
                                    return_exceptions=True)
    # Never beyond the cap; a start that sees another already running is refused as "in progress".
    started = sum(isinstance(o, AskQuestion) for o in outcomes)
    assert 1 <= started <= 2, outcomes
    assert all(isinstance(o, AskQuestion | DailyCapReached | AttemptInProgress) for o in outcomes), outcomes
    async with services.sessions() as session:
        slots = sorted(r.slot for r in (await session.execute(Attempt.__table__.select())).all())
    assert slots == list(range(1, started + 1))


async def test_days_are_local_days_and_an_attempt_belongs_to_the_day_it_started(services, bank):
    cid = await make_campaign(services, bank, attempts_per_day=1, questions_per_attempt=5)
    evening = local(DAY, 23, 59, 40)  # 15:59:40 UTC: already "tomorrow" nowhere, still DAY in Shanghai
    first = await start(services, bank, cid, evening)
    result = await run_through(services, bank, first, evening + timedelta(seconds=30))  # finishes after midnight
    assert result.streak_days == 1
    with pytest.raises(DailyCapReached) as refused:
        await start(services, bank, cid, local(DAY, 23, 59, 59))
    assert "明天" in refused.value.message
    next_day = await start(services, bank, cid, local(DAY + timedelta(days=1), 0, 0, 1))
    result = await run_through(services, bank, next_day, local(DAY + timedelta(days=1), 0, 1), prefix="n")
    assert result.streak_days == 2
    # Two days later: the streak starts again.
    third = await start(services, bank, cid, local(DAY + timedelta(days=3), 8))
    result = await run_through(services, bank, third, local(DAY + timedelta(days=3), 8, 1), prefix="m")
    assert result.streak_days == 1


async def test_practice_uses_the_bank_beyond_the_cap_and_counts_for_nothing(services, bank):
    cid = await make_campaign(services, bank, attempts_per_day=1, questions_per_attempt=5)
    now = local(DAY, 9)
    counted = await run_through(services, bank, await start(services, bank, cid, now), now)
    practice = await start(services, bank, cid, now, practice=True)
    assert isinstance(practice, AskQuestion) and practice.practice
    result = await run_through(services, bank, practice, now, prefix="x")
    assert result.practice and result.streak_days == 0
    assert counted.best == counted.score
    assert await attempts.attempts_today(services.sessions, cid, CHAT, DAY) == 1
    # Practice is possible after the campaign ended too; a counted attempt is not.
    with pytest.raises(attempts.AttemptRefused) as ended:
        await start(services, bank, cid, local(date(2026, 7, 2), 9))
    assert "已于 2026-06-30 结束" in ended.value.message
    assert isinstance(await start(services, bank, cid, local(date(2026, 7, 2), 9), practice=True), AskQuestion)


async def test_a_second_attempt_while_one_runs_is_refused(services, bank):
    cid = await make_campaign(services, bank, attempts_per_day=3, questions_per_attempt=5)
    now = local(DAY, 9)
    await start(services, bank, cid, now)
    with pytest.raises(AttemptInProgress):
        await start(services, bank, cid, now, practice=True)


async def test_an_attempt_left_behind_does_not_block_the_worker_for_ever(services, bank):
    """The process stopped after choosing a question and before sending it: once every question's time is
    over (and a margin), a new start closes the old attempt instead of answering "in progress" for ever."""
    cid = await make_campaign(services, bank, attempts_per_day=2, questions_per_attempt=5, seconds_per_question=30)
    now = local(DAY, 9)
    left = await start(services, bank, cid, now)  # never sent: its first question stays pending
    with pytest.raises(AttemptInProgress):
        await start(services, bank, cid, now + timedelta(seconds=200))
    fresh = await start(services, bank, cid, now + timedelta(seconds=5 * 32 + 121))
    assert isinstance(fresh, AskQuestion) and fresh.attempt_id != left.attempt_id
    async with services.sessions() as session:
        old = await session.get(Attempt, left.attempt_id)
        statuses = {r.status for r in (await session.execute(
            select(AttemptQuestion).where(AttemptQuestion.attempt_id == left.attempt_id))).scalars()}
    assert old.status == AttemptStatus.FINISHED and old.score == 0
    assert statuses == {QuestionStatus.TIMED_OUT}


async def test_an_attempt_costs_a_few_statements_each_step(services, bank):
    """Thousands take part at once (issue 13, Scale): a start is 3 statements, an answer that moves on to the
    next question 3 (the question, its attempt and the next one read together; two conditional UPDATEs), the
    last answer with the result and 学时 10."""
    from sqlalchemy import event

    from core import users

    cid = await make_campaign(services, bank, questions_per_attempt=5, seconds_per_question=30)
    async with services.sessions() as session, session.begin():
        await users.record_user(session, CHAT)  # for 学时
    now = local(DAY, 9)
    sent: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    engine = services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        step = await start(services, bank, cid, now)
        assert isinstance(step, AskQuestion) and len(sent) == 3, sent
        costs = []
        while isinstance(step, AskQuestion):
            await ask_out(services, step, f"s{step.position}", now)
            sent.clear()
            outcome = await attempts.answer(services.sessions, bank, f"s{step.position}", CHAT,
                                            list(step.question.answer), now=now)
            costs.append(len(sent))
            step = outcome.next
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert isinstance(step, AttemptResult) and step.study_minutes == 3
    assert costs == [3, 3, 3, 3, 10], costs


async def test_at_the_cap_an_attempt_under_way_is_what_the_worker_hears_of(services, bank):
    """The running attempt is read only when a start is refused: at the cap, one still running is "in progress";
    one left behind is closed (its slot stays used) and the cap is what is left to say."""
    cid = await make_campaign(services, bank, attempts_per_day=1, questions_per_attempt=5, seconds_per_question=30)
    now = local(DAY, 9)
    left = await start(services, bank, cid, now)
    with pytest.raises(AttemptInProgress):
        await start(services, bank, cid, now + timedelta(seconds=10))
    with pytest.raises(DailyCapReached):
        await start(services, bank, cid, now + timedelta(seconds=5 * 32 + 121))
    async with services.sessions() as session:
        old = await session.get(Attempt, left.attempt_id)
    assert old.status == AttemptStatus.FINISHED
    assert await attempts.attempts_today(services.sessions, cid, CHAT, DAY) == 1


async def test_an_edit_while_running_changes_only_the_days_to_come(services, bank):
    cid = await make_campaign(services, bank, questions_per_attempt=5, seconds_per_question=30)
    now = local(DAY, 9)
    running = await start(services, bank, cid, now)
    draft = Draft(name="安全生产月知识竞赛", starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 30),
                  invitation="来答题", rules=Rules(questions_per_attempt=8, seconds_per_question=20))
    async with services.sessions() as session, session.begin():
        effective = await edit_campaign(session, cid, draft, bank, now=now, tz=TZ)
        assert effective == DAY + timedelta(days=1)
        assert (await rules_on(session, cid, DAY)).questions_per_attempt == 5
        assert (await rules_on(session, cid, DAY + timedelta(days=1))).questions_per_attempt == 8
    result = await run_through(services, bank, running, now)
    assert result.asked == 5  # the running attempt keeps its rules
    tomorrow = await start(services, bank, cid, local(DAY + timedelta(days=1), 9))
    assert (tomorrow.total, tomorrow.seconds) == (8, 20)
    # Editing again the same day replaces tomorrow's rules rather than adding a second row for it.
    async with services.sessions() as session, session.begin():
        await edit_campaign(session, cid, draft, bank, now=local(DAY + timedelta(days=1), 10), tz=TZ)


async def test_a_question_that_leaves_the_bank_mid_attempt_is_skipped_and_not_counted(services, bank):
    cid = await make_campaign(services, bank, questions_per_attempt=5, points_perfect=20, points_finish=0)
    now = local(DAY, 9)
    first = await start(services, bank, cid, now)
    async with services.sessions() as session:
        second_id = (await session.get(attempts.AttemptQuestion, (first.attempt_id, 1))).question_id
    smaller = QuestionBank([q for q in bank if q.id != second_id])
    await ask_out(services, first, "d-0", now)
    outcome = await attempts.answer(services.sessions, smaller, "d-0", CHAT, list(first.question.answer), now=now)
    assert isinstance(outcome.next, AskQuestion) and outcome.next.number == 3  # question 2 was skipped
    result = await run_through(services, smaller, outcome.next, now)
    assert (result.asked, result.skipped, result.correct) == (4, 1, 4)
    assert result.score == 4 * 10 + 20  # all asked ones right: the perfect bonus
    assert result.review[1].question is None and result.review[1].status is QuestionStatus.SKIPPED


@pytest.fixture(params=["sqlite", "postgresql"])
async def both_databases(request, make_settings, tips_runtime, tmp_path):
    """Services on SQLite and on PostgreSQL (a fresh database, migrated here) in turn, whatever the suite's."""
    from contextlib import AsyncExitStack

    from ankang.services import open_services
    from core import db
    from tests.conftest import QUICK_CHAT_PACE, fresh_postgres_database, postgres_server_url

    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path / 'both.sqlite3'}"
        else:
            server = postgres_server_url()
            if server is None:
                pytest.skip("no PostgreSQL server configured (ANKANG_TEST_POSTGRES_URL)")
            url = await stack.enter_async_context(fresh_postgres_database(server))
        engine = db.create_engine(url)
        try:
            await db.upgrade(engine)
        finally:
            await engine.dispose()
        opened = await open_services(make_settings(database_url=url), tips=tips_runtime, chat_pace=QUICK_CHAT_PACE)
        try:
            yield opened
        finally:
            await opened.close()


@pytest.mark.parametrize("cap", [2, 3])
async def test_one_running_attempt_per_worker_holds_under_concurrent_starts_whatever_the_cap(
        both_databases, bank, cap):
    """Two (or more) devices starting at once with slots to spare: one attempt runs, the others are told it is
    in progress; a practice run started at the same moment is refused the same way (issue 13, bad input)."""
    services = both_databases
    cid = await make_campaign(services, bank, attempts_per_day=cap, questions_per_attempt=5)
    now = local(DAY, 12)
    for round_ in range(2):
        outcomes = await asyncio.gather(
            *(start(services, bank, cid, now, seed=i) for i in range(cap + 1)),
            start(services, bank, cid, now, practice=True, seed=9), return_exceptions=True)
        started = [o for o in outcomes if isinstance(o, AskQuestion)]
        assert len(started) == 1, outcomes
        # Refused as in progress; in the second round a start may instead find the winner took the last slot.
        refusals = AttemptInProgress if round_ == 0 else AttemptInProgress | DailyCapReached
        assert all(isinstance(o, AskQuestion | refusals) for o in outcomes), outcomes
        async with services.sessions() as session:
            running = (await session.execute(select(Attempt).where(
                Attempt.chat_id == CHAT, Attempt.status == AttemptStatus.RUNNING))).scalars().all()
        assert [a.id for a in running] == [started[0].attempt_id]
        if round_ == 0:  # finish it: the next concurrent round again gets exactly one
            await run_through(services, bank, started[0], now, prefix=f"r{round_}-")
    async with services.sessions() as session:
        counted = (await session.execute(select(Attempt.slot).where(Attempt.slot.is_not(None)))).scalars().all()
    assert len(counted) == len(set(counted)) <= cap


async def test_todays_rules_once_known_make_a_start_one_transaction_and_the_cap_still_holds(services, bank):
    """``RulesOfTheDay`` (the bot's ``services.campaigns.rules``): the day's first start reads the rules, the next
    ones only write (2 statements: the attempt in its slot, its questions); the cap is counted in the INSERT as
    before, concurrent starts included."""
    from sqlalchemy import event

    cid = await make_campaign(services, bank, attempts_per_day=2, questions_per_attempt=5, seconds_per_question=30)
    known = attempts.RulesOfTheDay()
    now = local(DAY, 9)

    async def start_known(chat: int, seed: int = 1):
        return await attempts.start_attempt(services.sessions, bank, cid, chat, now=now, tz=TZ,
                                            rng=random.Random(seed), known=known)

    sent: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    engine = services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert isinstance(await start_known(1), AskQuestion) and len(sent) == 3, sent
        sent.clear()
        assert isinstance(await start_known(2), AskQuestion) and len(sent) == 2, sent
    finally:
        event.remove(engine, "before_cursor_execute", count)
    outcomes = await asyncio.gather(*(start_known(CHAT, seed=i) for i in range(4)), return_exceptions=True)
    assert sum(isinstance(o, AskQuestion) for o in outcomes) == 1, outcomes  # the rest: in progress
    assert all(isinstance(o, AskQuestion | AttemptInProgress) for o in outcomes), outcomes
    later = local(DAY, 9) + timedelta(seconds=5 * 32 + 121)  # the first left behind: closed, the second slot taken
    second = await attempts.start_attempt(services.sessions, bank, cid, CHAT, now=later, tz=TZ, known=known)
    assert isinstance(second, AskQuestion)
    with pytest.raises(AttemptInProgress):
        await attempts.start_attempt(services.sessions, bank, cid, CHAT, now=later, tz=TZ, known=known)
    assert await attempts.attempts_today(services.sessions, cid, CHAT, DAY) == 2


async def test_a_campaign_cancelled_after_its_rules_were_known_refuses_the_next_start(services, bank):
    from campaigns.attempts import AttemptRefused
    from campaigns.service import cancel_campaign

    cid = await make_campaign(services, bank, attempts_per_day=3, questions_per_attempt=5)
    known = attempts.RulesOfTheDay()
    now = local(DAY, 9)
    assert isinstance(await attempts.start_attempt(services.sessions, bank, cid, 1, now=now, tz=TZ, known=known),
                      AskQuestion)
    assert known.get(cid, DAY) is not None
    async with services.sessions() as session, session.begin():
        await cancel_campaign(session, cid, now=now)
    with pytest.raises(AttemptRefused) as refused:
        await attempts.start_attempt(services.sessions, bank, cid, 2, now=now, tz=TZ, known=known)
    assert "取消" in refused.value.message
    assert await attempts.attempts_today(services.sessions, cid, 2, DAY) == 0


async def test_rules_are_not_kept_before_the_campaign_starts_nor_past_their_day(services, bank):
    cid = await make_campaign(services, bank, starts_on=DAY + timedelta(days=1), questions_per_attempt=5)
    known = attempts.RulesOfTheDay()
    with pytest.raises(attempts.AttemptRefused):  # not started yet: refused, and nothing kept (its rules may change)
        await attempts.start_attempt(services.sessions, bank, cid, 1, now=local(DAY, 9), tz=TZ, known=known)
    assert known.get(cid, DAY) is None
    await attempts.start_attempt(services.sessions, bank, cid, 1, now=local(DAY + timedelta(days=1), 9), tz=TZ,
                                 known=known)
    assert known.get(cid, DAY + timedelta(days=1)) is not None
    assert known.get(cid, DAY + timedelta(days=2)) is None  # a new day reads its own rules
