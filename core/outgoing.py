"""One outgoing path: every message Ankang sends waits here for its turn under Telegram's limits.

The bot's rate limiter (``bot/retry.py``) puts every Bot API request that delivers or changes a
message through ``OutgoingScheduler.acquire`` — replies, edits, quiz polls, duty alerts, console
messages and broadcasts alike — so one process keeps one budget per bot token.

* **Priorities.** ``EMERGENCY`` never waits for pacing, only for a 429 Telegram gave (it still
  counts against the budget, so others wait for it). ``REPLY`` (a worker's own action, alerts)
  goes first; ``FOLLOW_UP`` (the next steps of what a worker began: a contest's next question
  after an answer or a time-out, its result) next, paced as replies; ``BROADCAST`` uses what is
  left. So when the budget is short, a worker who starts something hears back at once and the
  runs already under way slow down, rather than everyone waiting behind everyone.
* **Overall rate, on request starts.** A grant *is* the request's start (the limiter sends right
  after it), and a sliding window over those start times allows at most ``floor(rate)`` in any
  second; a request still unanswered after the window keeps counting (it may reach Telegram
  late). A GCRA spaces grants ``1/rate`` apart, so nothing bunches: broadcasts with a tolerance
  of ``BURST`` messages (enough to catch up on event-loop lag), replies with half the window (a
  burst of workers asking at once is answered at once).
  The rate is the ``Budget``'s: ``FixedBudget(ANKANG_SEND_RATE)`` today; a budget shared by several
  processes (issue 14, point 4) plugs in there and changes nothing else.
* **One chat.** Requests to one chat go one at a time, in order. A private chat gets 1 message/s
  with a burst of ``PRIVATE_BURST`` for replies; a group 20/min (burst ``GROUP_BURST``).
  Broadcasts take no burst: their next message to a chat starts ≥ 1 s (3 s in a group) after the
  previous one was answered.
* **429.** Telegram does not say which limit a 429 is about, so the scheduler infers it: a lone
  429 holds **that chat** for retry_after; ``GLOBAL_429_CLUSTER`` chats answered 429 close
  together (or a caller that knows) mean the bot's own limit: **everything** pauses for the
  longest retry_after. Either way the broadcast share drops (×``LONE_429_FACTOR`` or
  ×``GLOBAL_429_FACTOR``, never below ``BROADCAST_FLOOR`` of the rate) and recovers linearly,
  ``RECOVERY_PER_S`` of the rate each second, back to the ceiling.
"""
from __future__ import annotations

import asyncio
import logging
import math
from collections import Counter, OrderedDict, deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Protocol

from core.clock import SystemTimer, Timer

log = logging.getLogger(__name__)

WINDOW_S = 1.0
BURST = 8  # the overall GCRA's tolerance, in messages: catches up on timer and event-loop lag; the window bounds it
PRIVATE_INTERVAL_S = 1.0
PRIVATE_BURST = 2  # Telegram tolerates a short burst to one chat; we keep one message of margin
GROUP_INTERVAL_S = 3.0  # 20 messages a minute
GROUP_BURST = 3
GLOBAL_429_CLUSTER = 4
LONE_429_FACTOR = 0.9
GLOBAL_429_FACTOR = 0.7
BROADCAST_FLOOR = 0.3
RECOVERY_PER_S = 0.05
ADAPT_COOLDOWN_S = 1.0  # one drop per second at most: a burst of 429s is one event


@dataclass(frozen=True, slots=True)
class ChatPace:
    """The per-chat limits: (interval, burst) for private chats and for groups and channels."""

    private_interval_s: float = PRIVATE_INTERVAL_S
    private_burst: int = PRIVATE_BURST
    group_interval_s: float = GROUP_INTERVAL_S
    group_burst: int = GROUP_BURST

    def of(self, chat_id: int | None) -> tuple[float, int]:
        """(interval, burst) of one chat: private chats have positive ids, groups and channels negative."""
        if chat_id is not None and chat_id < 0:
            return self.group_interval_s, self.group_burst
        return self.private_interval_s, self.private_burst


# Telegram's: what every process uses. Tests of flows that are not about pacing inject a quicker one
# (tests/conftest.py), as they inject cheap receipt codes; tests of pacing use this.
TELEGRAM_PACE = ChatPace()


class Priority(IntEnum):
    EMERGENCY = 0
    REPLY = 1
    FOLLOW_UP = 2  # the next step of something the worker began: a contest's next question, its result
    BROADCAST = 3


# Bot API methods that deliver or change a message: these are paced (lower-case endpoint names).
PACED_METHODS = frozenset({
    "sendmessage", "sendphoto", "senddocument", "sendmediagroup", "sendpoll", "sendsticker", "sendvoice",
    "sendaudio", "sendvideo", "sendanimation", "sendlocation", "sendcontact", "sendvenue", "senddice",
    "copymessage", "forwardmessage", "editmessagetext", "editmessagecaption", "editmessagereplymarkup",
    "editmessagemedia", "stoppoll",
})
# Of those, the ones that change a message already sent: they keep the chat's order and count in the
# overall budget, but do not spend the chat's allowance of new messages (Telegram's 1/s and 20/min
# are about messages sent; a wizard that edits its one message in a group must not wait 3 s a step).
EDIT_METHODS = frozenset({
    "editmessagetext", "editmessagecaption", "editmessagereplymarkup", "editmessagemedia", "stoppoll",
})


class Budget(Protocol):
    """How many requests per second this process may start: its share of the bot token's budget."""

    def rate_per_s(self) -> float: ...


class FixedBudget:
    """One process owns the whole budget (ANKANG_SEND_RATE)."""

    def __init__(self, rate_per_s: float) -> None:
        self._rate = rate_per_s

    def rate_per_s(self) -> float:
        return self._rate


@dataclass(eq=False)
class Slot:
    """A granted request: hand it back with ``release`` once Telegram has answered."""

    chat_id: int | None
    priority: Priority
    started: float


@dataclass
class OutgoingStats:
    granted: Counter[Priority] = field(default_factory=Counter)
    rate_limited: int = 0  # 429s reported
    chat_holds: int = 0  # 429s dealt with by holding one chat
    pauses: int = 0  # global pauses
    longest_wait_s: dict[Priority, float] = field(default_factory=dict)


@dataclass(eq=False)
class _Waiter:
    priority: Priority
    seq: int
    chat_id: int | None
    since: float
    future: asyncio.Future[Slot]
    edit: bool = False  # changes a message already sent (EDIT_METHODS)


@dataclass
class _Chat:
    tat: float = 0.0  # the chat's GCRA: theoretical time of its next message
    answered_at: float = -math.inf
    held_until: float = 0.0  # a 429 for this chat
    in_flight: int = 0


class OutgoingScheduler:
    """Grants request starts by priority within the budget and the per-chat limits (module docstring)."""

    def __init__(self, budget: Budget | float, *, timer: Timer | None = None,
                 cluster_size: int = GLOBAL_429_CLUSTER, chat_pace: ChatPace = TELEGRAM_PACE) -> None:
        self.budget: Budget = FixedBudget(budget) if isinstance(budget, int | float) else budget
        self.timer = timer or SystemTimer()
        self.cluster_size = max(1, cluster_size)
        self.chat_pace = chat_pace
        self.stats = OutgoingStats()
        now = self.timer.monotonic()
        self._tat = now
        self._tat_broadcast = now
        self._starts: deque[float] = deque()  # start times within the last WINDOW_S
        self._in_flight: dict[Slot, None] = {}
        self._chats: OrderedDict[int, _Chat] = OrderedDict()
        self._waiters: list[_Waiter] = []
        self._seq = 0
        self._paused_until = 0.0
        self._recent_429: deque[tuple[float, int | None, float]] = deque()
        self._broadcast_dropped_to: float | None = None  # the broadcast rate right after the last drop
        self._broadcast_dropped_at = -math.inf
        self._broadcast_rate_before_drop = 0.0
        self._broadcast_drop_factor = 1.0
        self._timer_task: asyncio.Task[None] | None = None
        self._timer_at = math.inf
        self._demand_mark = (now, 0)  # (when, grants so far) at the last demand_per_s()

    # -- what callers use

    @property
    def rate_per_s(self) -> float:
        return self.budget.rate_per_s()

    def broadcast_rate(self) -> float:
        """The broadcast share now: the ceiling, or less while recovering from a 429."""
        ceiling = self.rate_per_s
        if self._broadcast_dropped_to is None:
            return ceiling
        elapsed = self.timer.monotonic() - self._broadcast_dropped_at
        rate = self._broadcast_dropped_to + RECOVERY_PER_S * ceiling * elapsed
        if rate >= ceiling:
            self._broadcast_dropped_to = None
            return ceiling
        return rate

    @property
    def paused(self) -> bool:
        return self.timer.monotonic() < self._paused_until

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def demand_per_s(self) -> float:
        """What this process would send per second: its grants since the last call, plus its backlog
        (a shared budget's heartbeat asks this, ``core.cluster.SharedBudget``)."""
        now = self.timer.monotonic()
        total = sum(self.stats.granted.values())
        since, before = self._demand_mark
        self._demand_mark = (now, total)
        used = (total - before) / (now - since) if now > since else 0.0
        return used + len(self._waiters)

    def chat_held_until(self, chat_id: int) -> float:
        chat = self._chats.get(chat_id)
        return chat.held_until if chat is not None else 0.0

    @asynccontextmanager
    async def slot(self, chat_id: int | None, priority: Priority = Priority.REPLY, *,
                   edit: bool = False) -> AsyncIterator[Slot]:
        granted = await self.acquire(chat_id, priority, edit=edit)
        try:
            yield granted
        finally:
            self.release(granted)

    async def acquire(self, chat_id: int | None, priority: Priority = Priority.REPLY, *, edit: bool = False) -> Slot:
        """Wait for the turn of one request to ``chat_id`` (None: a request to no chat); it starts now.
        ``edit``: it changes a message already sent, so it does not spend the chat's message allowance."""
        now = self.timer.monotonic()
        self._seq += 1
        waiter = _Waiter(priority, self._seq, chat_id, now, asyncio.get_running_loop().create_future(), edit)
        self._waiters.append(waiter)
        self._dispatch()
        try:
            return await waiter.future
        except asyncio.CancelledError:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            elif waiter.future.done() and not waiter.future.cancelled():
                self.release(waiter.future.result())
            raise

    def release(self, slot: Slot) -> None:
        """Telegram answered the request (or it failed): its chat's next message counts from now."""
        if slot not in self._in_flight:
            return  # released twice
        del self._in_flight[slot]
        if slot.chat_id is not None:
            chat = self._chats.get(slot.chat_id)
            if chat is not None:
                chat.in_flight -= 1
                chat.answered_at = self.timer.monotonic()
                self._chats.move_to_end(slot.chat_id)
        self._forget_idle_chats()
        self._dispatch()

    def rate_limited(self, chat_id: int | None, retry_after: float, *, is_global: bool = False) -> str:
        """Telegram answered 429: hold that chat, or everything; return "chat" or "global"."""
        now = self.timer.monotonic()
        self.stats.rate_limited += 1
        if chat_id is not None:
            chat = self._chat(chat_id)
            chat.held_until = max(chat.held_until, now + retry_after)
        self._recent_429.append((now, chat_id, retry_after))
        cluster_window = max(1.0, 2 * self.cluster_size / self.rate_per_s)
        while self._recent_429 and self._recent_429[0][0] < now - cluster_window:
            self._recent_429.popleft()
        chats = {chat for _, chat, _ in self._recent_429}
        cluster = len(chats) >= self.cluster_size
        scope = "global" if is_global or cluster or chat_id is None else "chat"
        self._slow_broadcasts(now, GLOBAL_429_FACTOR if scope == "global" else LONE_429_FACTOR)
        if scope == "chat":
            self.stats.chat_holds += 1
        else:
            longest = max(r for _, _, r in self._recent_429) if cluster else retry_after
            until = now + max(retry_after, longest)
            if until > self._paused_until:
                if self._paused_until <= now:
                    self.stats.pauses += 1
                    log.warning("sending paused for %.0f s: Telegram rate-limited the bot (%d chats)",
                                until - now, len(chats))
                self._paused_until = until
                # No catch-up after the pause: the rate starts afresh.
                self._tat = max(self._tat, until)
                self._tat_broadcast = max(self._tat_broadcast, until)
        self._dispatch()
        return scope

    # -- the grant decision

    def _dispatch(self) -> None:
        """Grant every waiter that may start now, highest priority first; arm the timer for the next."""
        if not self._waiters:
            return
        now = self.timer.monotonic()
        next_at = math.inf
        waiting_chats: set[int] = set()  # a chat's later requests never overtake its earlier ones
        for waiter in sorted(self._waiters, key=lambda w: (w.priority, w.seq)):
            if waiter.future.done():
                self._waiters.remove(waiter)
                continue
            if waiter.chat_id is not None and waiter.chat_id in waiting_chats:
                continue
            at = self._ready_at(waiter, now)
            if at <= now:
                self._waiters.remove(waiter)
                waiter.future.set_result(self._grant(waiter, now))
                continue
            next_at = min(next_at, at)
            if waiter.chat_id is not None:
                waiting_chats.add(waiter.chat_id)
        self._arm(next_at)

    def _ready_at(self, waiter: _Waiter, now: float) -> float:
        """The earliest time ``waiter`` may start if nothing else changes (inf: after a release)."""
        priority = waiter.priority
        at = self._paused_until
        chat = self._chats.get(waiter.chat_id) if waiter.chat_id is not None else None
        if chat is not None:
            at = max(at, chat.held_until)
        if priority == Priority.EMERGENCY:
            return at
        if chat is not None:
            if chat.in_flight:
                return math.inf
            interval, burst = self.chat_pace.of(waiter.chat_id)
            if waiter.edit:
                pass  # in the chat's order (nothing in flight), outside its allowance of new messages
            elif priority == Priority.BROADCAST:
                at = max(at, chat.tat, chat.answered_at + interval)
            else:
                at = max(at, chat.tat - (burst - 1) * interval)
        rate = self.rate_per_s
        limit = _window_max(rate)
        # Replies may come in a burst (up to half the window: 200 workers asking at once should not
        # queue 40 ms apart); broadcasts stay smooth. The window bounds both.
        burst = BURST if priority == Priority.BROADCAST else max(BURST, limit // 2)
        at = max(at, self._tat - (burst - 1) / rate)
        if priority == Priority.BROADCAST:
            broadcast_rate = self.broadcast_rate()
            at = max(at, self._tat_broadcast - (BURST - 1) / broadcast_rate)
            limit = _window_max(broadcast_rate)
        return max(at, self._window_frees_at(now, limit))

    def _window_frees_at(self, now: float, limit: int) -> float:
        starts = self._starts
        while starts and starts[0] <= now - WINDOW_S:
            starts.popleft()
        # A request still unanswered after the window keeps its place in it.
        late = sum(1 for slot in self._in_flight if slot.started <= now - WINDOW_S)
        excess = len(starts) + late - limit
        if excess < 0:
            return now
        if excess >= len(starts):
            return math.inf
        return starts[excess] + WINDOW_S

    def _grant(self, waiter: _Waiter, now: float) -> Slot:
        rate = self.rate_per_s
        self._tat = max(self._tat, now) + 1.0 / rate
        if waiter.priority == Priority.BROADCAST:
            self._tat_broadcast = max(self._tat_broadcast, now) + 1.0 / self.broadcast_rate()
        self._starts.append(now)
        slot = Slot(waiter.chat_id, waiter.priority, now)
        self._in_flight[slot] = None
        if waiter.chat_id is not None:
            chat = self._chat(waiter.chat_id)
            if not waiter.edit:
                interval, _ = self.chat_pace.of(waiter.chat_id)
                chat.tat = max(chat.tat, now) + interval
            chat.in_flight += 1
        self.stats.granted[waiter.priority] += 1
        waited = now - waiter.since
        if waited > self.stats.longest_wait_s.get(waiter.priority, 0.0):
            self.stats.longest_wait_s[waiter.priority] = waited
        return slot

    def _slow_broadcasts(self, now: float, factor: float) -> None:
        if now - self._broadcast_dropped_at < ADAPT_COOLDOWN_S:
            # The same burst of 429s: one drop, the deepest its 429s call for.
            if factor >= self._broadcast_drop_factor:
                return
            before = self._broadcast_rate_before_drop
        else:
            before = self.broadcast_rate()
            self._broadcast_dropped_at = now
        self._broadcast_rate_before_drop = before
        self._broadcast_drop_factor = factor
        self._broadcast_dropped_to = max(BROADCAST_FLOOR * self.rate_per_s, before * factor)

    def _arm(self, at: float) -> None:
        if at == math.inf:
            return
        task = self._timer_task
        if task is not None and not task.done():
            if self._timer_at <= at:
                return
            task.cancel()
        self._timer_at = at
        self._timer_task = asyncio.get_running_loop().create_task(self._wake_at(at), name="outgoing-pacing")

    async def _wake_at(self, at: float) -> None:
        await self.timer.sleep(at - self.timer.monotonic())
        self._timer_at = math.inf
        self._dispatch()

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(tat=self.timer.monotonic())
        self._chats.move_to_end(chat_id)
        return chat

    def _forget_idle_chats(self) -> None:
        # Chats are in the order of their last change, so idle ones sit at the front: memory stays
        # bounded by rate × (interval + latency), not by the audience.
        now = self.timer.monotonic()
        while self._chats:
            chat_id, chat = next(iter(self._chats.items()))
            interval, _ = self.chat_pace.of(chat_id)
            if chat.in_flight or chat.held_until > now or chat.tat > now or chat.answered_at + interval > now:
                break
            self._chats.popitem(last=False)


def _window_max(rate_per_s: float) -> int:
    return max(1, math.floor(rate_per_s * WINDOW_S + 1e-9))


# The priority of what the current task sends, for callers that cannot pass one with each request
# (a handler replying through PTB's shortcuts): the emergency handler sends as EMERGENCY.
current_priority: ContextVar[Priority] = ContextVar("outgoing_priority", default=Priority.REPLY)


@contextmanager
def sending_as(priority: Priority) -> Iterator[None]:
    """Send everything within the block at ``priority``."""
    token = current_priority.set(priority)
    try:
        yield
    finally:
        current_priority.reset(token)
