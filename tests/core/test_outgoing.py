"""The outgoing scheduler on a virtual clock: the window over request starts, priorities, per-chat
pacing, 429 holds and pauses, and the broadcast share's drop and recovery after a 429."""
from __future__ import annotations

import asyncio

from core.clock import VirtualTimer
from core.outgoing import GLOBAL_429_CLUSTER, OutgoingScheduler, Priority


def most_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0:
            j += 1
        best = max(best, i - j + 1)
    return best


async def send(scheduler: OutgoingScheduler, timer: VirtualTimer, chat_id: int | None, priority: Priority,
               starts: list[float], latency_s: float = 0.05, *, edit: bool = False) -> float:
    """One request: wait for its turn, take ``latency_s`` to be answered; return its start."""
    slot = await scheduler.acquire(chat_id, priority, edit=edit)
    started = timer.now
    starts.append(started)
    await timer.sleep(latency_s)
    scheduler.release(slot)
    return started


async def test_request_starts_never_exceed_the_ceiling_in_any_second_yet_keep_it():
    timer = VirtualTimer()
    scheduler = OutgoingScheduler(30.0, timer=timer)
    starts: list[float] = []

    async def sender(worker: int) -> None:
        for i in range(40):  # uneven latency, a fresh chat each time
            await send(scheduler, timer, 1000 * worker + i, Priority.BROADCAST, starts, 0.02 + 0.07 * (i % 5))

    await timer.run(asyncio.gather(*(sender(w) for w in range(30))))
    assert len(starts) == 1200
    assert most_in_one_second(starts) <= 30
    achieved = (len(starts) - 1) / (max(starts) - min(starts))
    assert achieved >= 0.97 * 30


async def test_a_request_still_unanswered_after_the_window_keeps_its_place_in_it():
    timer = VirtualTimer()
    scheduler = OutgoingScheduler(2.0, timer=timer)  # two starts in any second

    async def scenario() -> None:
        slow = await scheduler.acquire(1, Priority.REPLY)
        scheduler.release(await scheduler.acquire(2, Priority.REPLY))
        await timer.sleep(5.0)  # the first request is still unanswered
        third = await scheduler.acquire(3, Priority.REPLY)
        fourth = asyncio.create_task(scheduler.acquire(4, Priority.REPLY))
        await timer.sleep(3.0)
        assert not fourth.done()  # the late request may still reach Telegram: it keeps its slot
        scheduler.release(slow)
        scheduler.release(await fourth)
        scheduler.release(third)

    await timer.run(scenario())


async def test_a_reply_goes_before_every_waiting_broadcast_and_an_emergency_waits_for_nothing():
    timer = VirtualTimer()
    scheduler = OutgoingScheduler(25.0, timer=timer)
    starts: list[float] = []
    order: list[str] = []

    async def broadcast(chat: int) -> None:
        await send(scheduler, timer, chat, Priority.BROADCAST, starts)
        order.append("broadcast")

    async def scenario() -> None:
        broadcasts = [asyncio.create_task(broadcast(chat)) for chat in range(100, 200)]
        await timer.sleep(0.5)  # the window is full and 80-odd broadcasts wait
        assert scheduler.waiting > 50
        asked = timer.now
        reply = await send(scheduler, timer, 7, Priority.REPLY, starts)
        order.append("reply")
        assert reply - asked <= 1.0  # one window at most, not behind 80 broadcasts (3 s)
        assert order.count("broadcast") < 40
        asked = timer.now
        emergency = await send(scheduler, timer, 8, Priority.EMERGENCY, starts, latency_s=0.0)
        assert emergency == asked  # granted at once, window full or not
        await asyncio.gather(*broadcasts)

    await timer.run(scenario())
    assert scheduler.stats.granted[Priority.BROADCAST] == 100
    # The emergency counted against the budget: at most one above the rate, never more.
    assert most_in_one_second(starts) <= 26


async def test_a_reply_goes_before_waiting_follow_ups_which_go_before_broadcasts():
    """A worker starting a contest hears back first when the budget is short; the next questions of attempts
    under way (follow-ups) wait for it, and broadcasts wait for both."""
    timer = VirtualTimer()
    scheduler = OutgoingScheduler(10.0, timer=timer)
    starts: list[float] = []
    order: list[tuple[str, float]] = []

    async def one(kind: str, chat: int, priority: Priority) -> None:
        started = await send(scheduler, timer, chat, priority, starts)
        order.append((kind, started))

    asked: list[float] = []

    async def scenario() -> None:
        tasks = [asyncio.create_task(one("broadcast", chat, Priority.BROADCAST)) for chat in range(100, 130)]
        tasks += [asyncio.create_task(one("follow-up", chat, Priority.FOLLOW_UP)) for chat in range(200, 230)]
        await timer.sleep(0.5)  # the first burst is out; the rest wait
        assert scheduler.waiting > 40
        asked.append(timer.now)
        await one("reply", 7, Priority.REPLY)
        assert order[-1][1] - asked[0] <= 1.0  # one window at most, not behind 25-odd follow-ups (2.5 s at 10/s)
        await asyncio.gather(*tasks)

    await timer.run(scenario())
    waited = [(started, kind) for kind, started in order if started > asked[0]]
    [reply] = [started for started, kind in waited if kind == "reply"]
    assert all(started >= reply for started, kind in waited)  # the reply before every waiting follow-up
    last_follow_up = max(started for started, kind in waited if kind == "follow-up")
    first_broadcast = min(started for started, kind in waited if kind == "broadcast")
    assert last_follow_up < first_broadcast  # every waiting follow-up before any waiting broadcast


async def test_replies_to_one_chat_go_in_order_with_a_short_burst_then_one_a_second():
    timer = VirtualTimer()
    scheduler = OutgoingScheduler(30.0, timer=timer)
    starts: list[float] = []
    got: list[int] = []

    async def reply(n: int) -> None:
        await send(scheduler, timer, 42, Priority.REPLY, starts, latency_s=0.01)
        got.append(n)

    async def scenario() -> None:
        tasks = [asyncio.create_task(reply(n)) for n in range(6)]
        await asyncio.gather(*tasks)

    began = timer.now
    await timer.run(scenario())
    assert got == list(range(6))
    assert starts[1] - began < 0.1  # the burst: two at once
    assert all(b - a >= 0.99 for a, b in zip(starts[1:], starts[2:], strict=False))  # then one a second


async def test_a_group_gets_twenty_messages_a_minute():
    timer = VirtualTimer()
    scheduler = OutgoingScheduler(30.0, timer=timer)
    starts: list[float] = []

    async def scenario() -> None:
        for _ in range(30):
            await send(scheduler, timer, -100123, Priority.REPLY, starts, latency_s=0.01)

    await timer.run(scenario())
    in_a_minute = max(sum(1 for t in starts if s <= t < s + 60) for s in starts)
    assert in_a_minute <= 22  # 20 a minute plus the short burst
    assert starts[-1] - starts[0] >= 60


async def test_edits_keep_a_groups_order_but_do_not_spend_its_twenty_messages_a_minute():
    timer = VirtualTimer()
    scheduler = OutgoingScheduler(30.0, timer=timer)
    sends: list[float] = []
    edits: list[float] = []

    async def scenario() -> None:
        for _ in range(3):  # the group's short burst of new messages
            await send(scheduler, timer, -100123, Priority.REPLY, sends, latency_s=0.01)
        for _ in range(10):  # a wizard editing its message step by step: no 3 s wait per step
            await send(scheduler, timer, -100123, Priority.REPLY, edits, latency_s=0.01, edit=True)
        await send(scheduler, timer, -100123, Priority.REPLY, sends, latency_s=0.01)

    await timer.run(scenario())
    assert edits[-1] - sends[0] < 1.0
    # The fourth new message still waits for the group's allowance (3 s a message after the burst).
    assert sends[3] - sends[0] >= 3.0 - 1e-9


async def test_a_lone_429_holds_its_chat_and_a_cluster_pauses_everything():
    timer = VirtualTimer()
    scheduler = OutgoingScheduler(25.0, timer=timer)
    starts: list[float] = []

    async def scenario() -> None:
        assert scheduler.rate_limited(1, 5.0) == "chat"
        assert not scheduler.paused
        asked = timer.now
        await send(scheduler, timer, 2, Priority.REPLY, starts)  # other chats carry on at once
        assert starts[-1] == asked
        await send(scheduler, timer, 1, Priority.REPLY, starts)  # the held chat waits out retry_after
        assert starts[-1] >= asked + 5.0

        for chat in range(10, 10 + GLOBAL_429_CLUSTER):
            scope = scheduler.rate_limited(chat, 2.0)
        assert scope == "global" and scheduler.paused and scheduler.stats.pauses == 1
        paused_at = timer.now
        emergency = await send(scheduler, timer, 99, Priority.EMERGENCY, starts, latency_s=0.0)
        assert emergency >= paused_at + 2.0  # Telegram's own pause binds even an emergency
        starts.clear()
        await asyncio.gather(*(send(scheduler, timer, chat, Priority.BROADCAST, starts) for chat in range(100, 160)))
        assert most_in_one_second(starts) <= 25  # no catch-up burst after the pause
        assert scheduler.rate_limited(None, 1.0, is_global=True) == "global"

    await timer.run(scenario())
    assert scheduler.stats.pauses == 2


async def test_after_a_429_the_broadcast_share_drops_and_recovers_gradually():
    timer = VirtualTimer()
    scheduler = OutgoingScheduler(30.0, timer=timer)
    assert scheduler.broadcast_rate() == 30.0
    for chat in range(GLOBAL_429_CLUSTER):
        scheduler.rate_limited(chat, 0.1)
    dropped = scheduler.broadcast_rate()
    assert dropped < 0.8 * 30.0
    scheduler.rate_limited(50, 0.1)  # the same burst of 429s: no second drop
    assert scheduler.broadcast_rate() == dropped
    rates = []
    for _ in range(20):
        timer.now += 1.0
        rates.append(scheduler.broadcast_rate())
    assert rates == sorted(rates) and rates[0] < 30.0  # gradually, never in one jump
    assert rates[-1] == 30.0  # and back to the ceiling within 20 s

    # Broadcasts follow the share; replies keep the whole ceiling.
    starts: list[float] = []
    replies: list[float] = []
    for chat in range(GLOBAL_429_CLUSTER):
        scheduler.rate_limited(100 + chat, 0.1)
    timer.now += 0.2

    async def scenario() -> None:
        began = timer.now
        await asyncio.gather(*(send(scheduler, timer, 200 + chat, Priority.BROADCAST, starts) for chat in range(40)))
        assert (len(starts) - 1) / (max(starts) - began) < 0.9 * 30.0
        await asyncio.gather(*(send(scheduler, timer, 300 + chat, Priority.REPLY, replies) for chat in range(90)))
        assert (len(replies) - 1) / (max(replies) - min(replies)) >= 0.97 * 30.0

    await timer.run(scenario())


async def test_a_cancelled_wait_gives_its_turn_away():
    timer = VirtualTimer()
    scheduler = OutgoingScheduler(1.0, timer=timer)
    starts: list[float] = []

    async def scenario() -> None:
        first = await scheduler.acquire(1, Priority.REPLY)
        waiting = asyncio.create_task(scheduler.acquire(2, Priority.REPLY))
        await asyncio.sleep(0)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        scheduler.release(first)
        await send(scheduler, timer, 3, Priority.REPLY, starts)

    await timer.run(scenario())
    assert scheduler.waiting == 0 and scheduler.in_flight == 0
