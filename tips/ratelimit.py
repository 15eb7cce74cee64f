"""In-memory rate limits for tips: sliding windows per key (bot chats, web browsers) and token buckets.

Kept in memory only — a restart forgets them, which is acceptable for abuse control and keeps
chat ids out of any storage. The web never looks at client addresses: it keys its limits on a
digest of the browser's random CSRF cookie. That slows one browser without a global budget an
attacker could drain to lock out every tipper; the only global limit left is on stored web tips
(a storage and flood guard), documented in docs/threat-model-tips.md.
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable

Monotonic = Callable[[], float]
MAX_TRACKED_KEYS = 50_000  # per limiter; beyond it the stalest keys are forgotten


class SlidingWindowLimiter:
    """At most ``limit`` events per ``window_s`` for each key."""

    def __init__(self, limit: int, window_s: float, *, now: Monotonic = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self._now = now
        self._events: dict[Hashable, deque[float]] = {}

    def _recent(self, key: Hashable) -> deque[float]:
        now = self._now()
        events = self._events.get(key)
        if events is None:
            return deque()
        while events and now - events[0] >= self.window_s:
            events.popleft()
        if not events:
            del self._events[key]
        return events

    def allowed(self, key: Hashable) -> bool:
        """True if one more event for ``key`` would stay within the limit (records nothing)."""
        return len(self._recent(key)) < self.limit

    def hit(self, key: Hashable) -> bool:
        """Record an event for ``key`` if allowed; return whether it was."""
        events = self._recent(key)
        if len(events) >= self.limit:
            return False
        self._events.setdefault(key, events).append(self._now())
        if len(self._events) > MAX_TRACKED_KEYS:
            self._sweep()
        return True

    def _sweep(self) -> None:
        """Forget keys with no recent events, then the stalest, so a swarm of keys cannot grow memory."""
        now = self._now()
        for key in [k for k, events in self._events.items() if not events or now - events[-1] >= self.window_s]:
            del self._events[key]
        if len(self._events) > MAX_TRACKED_KEYS:
            by_age = sorted(self._events, key=lambda k: self._events[k][-1])
            for key in by_age[: len(self._events) - MAX_TRACKED_KEYS // 2]:
                del self._events[key]

    def release(self, key: Hashable) -> None:
        """Take back the latest event of ``key`` (a reservation that turned out not to count)."""
        events = self._events.get(key)
        if events:
            events.pop()
            if not events:
                del self._events[key]

    def retry_after_s(self, key: Hashable) -> float:
        events = self._recent(key)
        if len(events) < self.limit:
            return 0.0
        return max(0.0, self.window_s - (self._now() - events[0]))

    def forget(self, key: Hashable) -> None:
        self._events.pop(key, None)


class TokenBucket:
    """A global bucket: ``capacity`` tokens, refilled at ``rate_per_s``."""

    def __init__(self, capacity: float, rate_per_s: float, *, now: Monotonic = time.monotonic) -> None:
        self.capacity = capacity
        self.rate_per_s = rate_per_s
        self._now = now
        self._tokens = capacity
        self._at = now()

    def take(self, tokens: float = 1.0) -> bool:
        now = self._now()
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate_per_s)
        self._at = now
        if self._tokens >= tokens:
            self._tokens -= tokens
            return True
        return False


# Limits, with units in the names.
TIPS_PER_CHAT_PER_HOUR = 5
RECEIPT_GUESSES_PER_CHAT = 5
RECEIPT_GUESS_WINDOW_S = 15 * 60
WEB_TIPS_BURST = 20
WEB_TIPS_PER_S = 60 / 3600  # 60 an hour across the whole web form
WEB_TIPS_PER_BROWSER_PER_HOUR = 5
WEB_RECEIPT_GUESSES_PER_BROWSER = 5


class TipLimits:
    """The limiters one process shares between the bot and the web form."""

    def __init__(self, *, now: Monotonic = time.monotonic) -> None:
        self.tips_per_chat = SlidingWindowLimiter(TIPS_PER_CHAT_PER_HOUR, 3600, now=now)
        self.receipt_guesses_per_chat = SlidingWindowLimiter(RECEIPT_GUESSES_PER_CHAT, RECEIPT_GUESS_WINDOW_S, now=now)
        self.web_tips = TokenBucket(WEB_TIPS_BURST, WEB_TIPS_PER_S, now=now)
        self.web_tips_per_browser = SlidingWindowLimiter(WEB_TIPS_PER_BROWSER_PER_HOUR, 3600, now=now)
        self.web_receipt_guesses_per_browser = SlidingWindowLimiter(
            WEB_RECEIPT_GUESSES_PER_BROWSER, RECEIPT_GUESS_WINDOW_S, now=now)
