"""Flood limits are counted (and optionally enforced); faults can be injected on demand."""
from __future__ import annotations

import pytest
import telegram
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from emulator import Emulator, RateLimits

from .conftest import FakeClock

# PTB 22 warns that RetryAfter.retry_after will become a timedelta; we accept both.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")


def _seconds(value: object) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)  # type: ignore[union-attr,arg-type]


async def test_private_chat_allows_a_short_burst_then_answers_retry_after(
    emu: Emulator, bot: telegram.Bot, clock: FakeClock
) -> None:
    alice = emu.user()
    for i in range(3):  # the Telegram profile tolerates a burst of three
        await bot.send_message(alice.id, f"第{i}条")
    with pytest.raises(RetryAfter) as err:
        await bot.send_message(alice.id, "太快了")
    assert _seconds(err.value.retry_after) == 1
    assert emu.stats.violations == 1 and emu.stats.chat_violations[alice.id] == 1
    assert len(emu.messages(alice)) == 3

    clock.advance(1.0)  # one token back after a second
    await bot.send_message(alice.id, "现在可以了")
    assert len(emu.messages(alice)) == 4


async def test_global_limit_counts_violations_across_chats(emu: Emulator, bot: telegram.Bot) -> None:
    emu.set_rate_limits(RateLimits.counting())
    users = [emu.user(f"用户{i}") for i in range(35)]
    for user in users:  # 35 sends in the same instant, 30 allowed per second
        await bot.send_message(user.id, "微课堂开课啦")
    assert emu.stats.global_violations == 5
    assert emu.stats.violations == 5
    assert sum(emu.stats.chat_violations.values()) == 0
    # Counting mode lets every message through.
    assert all(len(emu.messages(u)) == 1 for u in users)
    assert [v.rejected for v in emu.stats.violation_log] == [False] * 5


async def test_limits_can_be_switched_off(emu: Emulator, bot: telegram.Bot) -> None:
    emu.set_rate_limits(RateLimits.off())
    alice = emu.user()
    for _ in range(10):
        await bot.send_message(alice.id, "刷屏")
    assert emu.stats.violations == 0 and emu.stats.sends == 10


async def test_groups_allow_twenty_messages_per_minute(emu: Emulator, bot: telegram.Bot, clock: FakeClock) -> None:
    emu.set_rate_limits(RateLimits.counting())
    group = emu.group("一车间")
    for _ in range(21):
        await bot.send_message(group.id, "通知")
    assert emu.stats.chat_violations[group.id] == 1


async def test_fail_next_injects_429_5xx_and_403_then_recovers(emu: Emulator, bot: telegram.Bot) -> None:
    emu.set_rate_limits(RateLimits.off())
    alice, bob = emu.user("甲"), emu.user("乙")
    emu.fail_next(1, "retry_after", retry_after=7, method="sendMessage")
    emu.fail_next(1, "server_error", status=502, chat_id=bob.id)
    emu.fail_next(1, "blocked", method="sendPhoto")

    with pytest.raises(RetryAfter) as err:
        await bot.send_message(alice.id, "一")
    assert _seconds(err.value.retry_after) == 7
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(bob.id, "二")
    await bot.send_message(bob.id, "三")  # faults are consumed
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_photo(alice.id, "whatever")
    await bot.get_me()  # unscoped faults never hit getMe/getUpdates anyway
    assert emu.stats.faults_injected == 3
    assert [m["text"] for m in emu.messages(bob)] == ["三"]


async def test_random_faults_are_reproducible_with_a_seed(emu: Emulator, bot: telegram.Bot) -> None:
    emu.set_rate_limits(RateLimits.off())
    alice = emu.user()

    async def run() -> list[bool]:
        emu.faults.set_random(0.3, "retry_after", seed=42)
        outcome = []
        for _ in range(20):
            try:
                await bot.send_message(alice.id, "x")
                outcome.append(True)
            except RetryAfter:
                outcome.append(False)
        return outcome

    first, second = await run(), await run()
    assert first == second and False in first and True in first


async def test_a_delay_fault_stalls_one_call_which_then_goes_through(emu: Emulator) -> None:
    """A stalled Telegram: the client times out, yet the message was delivered (a retry duplicates it)."""
    from telegram.error import TimedOut
    from telegram.request import HTTPXRequest

    emu.set_rate_limits(RateLimits.off())
    alice, bob = emu.user("甲"), emu.user("乙")
    emu.fail_next(1, "delay", delay_s=0.5, method="sendMessage", chat_id=alice.id)
    impatient = telegram.Bot("123:ABC", base_url=emu.base_url, request=HTTPXRequest(read_timeout=0.2))
    async with impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(alice.id, "慢")
        await impatient.send_message(bob.id, "快")  # the fault was alice's alone and is consumed
        await emu.wait_for(lambda: len(emu.messages(alice)) == 1, timeout=5)
        await impatient.send_message(alice.id, "又快了")
    assert [m["text"] for m in emu.messages(alice)] == ["慢", "又快了"]
    assert emu.stats.faults_injected == 1


async def test_random_delays_hit_the_share_asked_for(emu: Emulator, bot: telegram.Bot) -> None:
    import time

    emu.set_rate_limits(RateLimits.off())
    alice = emu.user()
    emu.faults.set_random(0.5, "delay", seed=3, delay_s=0.05)
    start = time.monotonic()
    for _ in range(20):
        await bot.send_message(alice.id, "x")
    assert 5 <= emu.stats.faults_injected <= 15
    assert time.monotonic() - start >= 0.05 * emu.stats.faults_injected
    assert len(emu.messages(alice)) == 20  # delayed, never lost


async def test_latency_delays_responses(emu: Emulator, bot: telegram.Bot) -> None:
    import time

    emu.faults.latency_s = 0.05
    start = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - start >= 0.05


async def test_rejected_sends_are_not_stored_and_errors_are_logged(emu: Emulator, bot: telegram.Bot) -> None:
    alice = emu.user()
    emu.fail_next(2, "retry_after", retry_after=3, chat_id=alice.id)
    for _ in range(2):
        with pytest.raises(RetryAfter):
            await bot.send_message(alice.id, "x")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(1, "x")
    assert emu.messages(alice) == []
    assert [(c.status, c.outcome) for c in emu.errors] == [
        (429, "Too Many Requests: retry after 3"), (429, "Too Many Requests: retry after 3"),
        (400, "Bad Request: chat not found"),
    ]
