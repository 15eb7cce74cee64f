"""Answering never waits on a database write (issue 17, point 2): with the SQLite file locked by
another connection, a question gets its answer, an emergency its guidance and a 👍 its thanks; the
counts and the feedback are written once the lock is gone. What still needs the database (/start
records the worker) fails with a message that says only what is true."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bench.faults import SqliteLock
from bot import messages as bot_messages
from bot import qa_messages
from core import db
from knowledge.messages import EMERGENCY_HEAD
from knowledge.models import Feedback, QuestionStat
from tests.broadcasts.conftest import until
from tests.conftest import QUICK_CHAT_PACE


@pytest.fixture
async def locked_ankang(make_settings, emulator, shared_kb, library, tips_runtime, tmp_path):
    """Ankang on a SQLite file of its own, and the lock that takes its writes away."""
    from ankang.runner import running

    path = tmp_path / "outage.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    engine = db.create_engine(url)
    await db.upgrade(engine)
    await engine.dispose()
    lock = SqliteLock(path)
    settings = make_settings(database_url=url, telegram_api_url=emulator.url, sqlite_busy_timeout_s=0.3)
    try:
        async with running(settings, poll_timeout_s=1, kb=shared_kb, library=library, tips=tips_runtime,
                           chat_pace=QUICK_CHAT_PACE) as handle:
            yield handle, lock
    finally:
        await lock.release()


async def test_questions_emergencies_and_feedback_are_served_while_the_database_is_locked(
        locked_ankang, emulator, shared_kb):
    handle, lock = locked_ankang
    entry = next(e for e in shared_kb.faq if e.id.startswith("ppe") and e.cite)
    worker = emulator.user("小李")
    await lock.take()

    answer = await emulator.ask(worker, entry.q)
    assert entry.a[:20] in answer["text"]
    sent = await emulator.send_text(worker, "有人触电了")
    guidance = await emulator.wait_for_message(worker, after=sent)
    assert guidance["text"].startswith(EMERGENCY_HEAD)
    query_id = await emulator.press(worker, answer, "👍 有帮助")
    await emulator.wait_for(lambda: query_id in emulator.callback_answers, what="the thanks for the feedback")
    assert emulator.callback_answers[query_id]["text"] == qa_messages.THANKS_FEEDBACK
    # Nothing but the answer and the guidance: no error message after them.
    after = await emulator.ask(worker, "没有经过安全培训能上岗吗")
    texts = [m.get("text", "") for m in emulator.messages(worker)]
    assert texts == [answer["text"], guidance["text"], after["text"]]
    assert handle.services.writes.pending >= 3  # two questions, one emergency, one feedback, waiting

    await lock.release()

    async def written():
        if handle.services.writes.pending:  # first: a write may land while the rows are being read
            return None
        async with handle.services.sessions() as session:
            stats: dict[str, int] = {}
            for intent, count in (await session.execute(select(QuestionStat.intent, QuestionStat.count))).all():
                stats[intent] = stats.get(intent, 0) + count
            feedback = [(f.faq_id, f.helpful) for f in (await session.execute(select(Feedback))).scalars()]
        return stats, feedback

    stats, feedback = await until(written, what="the waiting writes to be flushed")
    assert stats["emergency"] == 1 and sum(stats.values()) == 3
    assert feedback == [(entry.id, True)]


async def test_what_needs_the_database_fails_with_a_true_message(locked_ankang, emulator):
    _, lock = locked_ankang
    worker = emulator.user("小赵")
    await lock.take()
    reply = await emulator.ask(worker, "/start", timeout=10)
    assert reply["text"] == bot_messages.ERROR_DATABASE
    assert "没有丢失" not in reply["text"]  # it was not kept: it must be sent again
    await lock.release()
    reply = await emulator.ask(worker, "/start", timeout=10)
    assert "安康助手" in reply["text"]


def test_no_error_message_claims_the_message_was_kept():
    for text in (bot_messages.ERROR, bot_messages.ERROR_DATABASE):
        assert "没有丢失" not in text and "再发" in text
