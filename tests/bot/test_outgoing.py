"""The one outgoing path over real PTB and the emulator: a reply that meets 429s, 5xx answers or a
time-out is sent again until delivered, in order; only a refusal ends it; no worker is told of a
failure that Telegram's transient fault caused."""
from __future__ import annotations

import pytest
from telegram.error import BadRequest, Forbidden
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot import messages
from bot.retry import OutgoingLimiter
from core.outgoing import OutgoingScheduler
from tests.conftest import TEST_TOKEN


def texts(emulator, user) -> list[str]:
    return [m.get("text", "") for m in emulator.messages(user)]


async def test_a_reply_through_5xx_answers_and_a_429_is_delivered_and_no_error_is_shown(ankang, emulator, shared_kb):
    entry = next(e for e in shared_kb.faq if e.cite)
    alice, bob = emulator.user("甲"), emulator.user("乙")
    emulator.fail_next(1, "server_error", status=500, method="sendMessage", chat_id=alice.id)
    emulator.fail_next(1, "server_error", status=502, method="sendMessage", chat_id=alice.id)
    emulator.fail_next(1, "retry_after", retry_after=1, method="sendMessage", chat_id=alice.id)

    reply = await emulator.ask(alice, entry.q)
    assert entry.a[:20] in reply["text"]
    assert texts(emulator, alice) == [reply["text"]]  # once, and no "出了问题" before or after it
    assert emulator.stats.faults_injected == 3
    # Others were never held up by alice's troubles.
    other = await emulator.ask(bob, entry.q)
    assert entry.a[:20] in other["text"]
    assert messages.ERROR not in texts(emulator, alice) + texts(emulator, bob)


async def test_an_emergency_reply_gets_through_a_server_error(ankang, emulator):
    alice = emulator.user()
    emulator.fail_next(2, "server_error", status=503, method="sendMessage", chat_id=alice.id)
    reply = await emulator.ask(alice, "车间着火了")
    assert "119" in reply["text"]
    assert messages.ERROR not in texts(emulator, alice)


@pytest.fixture
async def impatient_bot(emulator):
    """An ExtBot through the outgoing path whose requests time out after 0.3 s."""
    bot = ExtBot(TEST_TOKEN, base_url=emulator.base_url, request=HTTPXRequest(read_timeout=0.3),
                 rate_limiter=OutgoingLimiter(OutgoingScheduler(30.0)))
    async with bot:
        yield bot


async def test_a_request_that_times_out_is_sent_again_and_the_chat_keeps_its_order(impatient_bot, emulator):
    alice = emulator.user()
    emulator.fail_next(1, "delay", delay_s=1.0, method="sendMessage", chat_id=alice.id)
    await impatient_bot.send_message(alice.id, "第一条")  # stalls, times out, is sent again
    await impatient_bot.send_message(alice.id, "第二条")
    limiter = impatient_bot.rate_limiter
    assert isinstance(limiter, OutgoingLimiter) and limiter.retried_transient >= 1
    await emulator.wait_for(lambda: len(emulator.messages(alice)) >= 3, timeout=5)
    sent = texts(emulator, alice)
    # Nothing lost and in order: the resent first message comes before the second. The stalled copy
    # arrives too, late: after a time-out nobody can tell whether Telegram had it.
    assert sent.count("第一条") == 2 and sent.count("第二条") == 1
    assert sent.index("第一条") < sent.index("第二条")


async def test_only_a_refusal_ends_a_request(impatient_bot, emulator):
    alice = emulator.user()
    emulator.fail_next(1, "bad_request", description="Bad Request: message text is empty", method="sendMessage")
    with pytest.raises(BadRequest):
        await impatient_bot.send_message(alice.id, "x")
    emulator.fail_next(1, "blocked", method="sendMessage")
    with pytest.raises(Forbidden):
        await impatient_bot.send_message(alice.id, "y")
    limiter = impatient_bot.rate_limiter
    assert isinstance(limiter, OutgoingLimiter)
    assert limiter.retried_transient == 0 and limiter.retried_rate_limited == 0
    assert texts(emulator, alice) == []
