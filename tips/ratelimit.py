"""In-memory rate limits for tips: per key sliding windows (bot chats) and a global token bucket (web).

Kept in memory only — a restart forgets them, which is acceptable for abuse control and keeps
chat ids out of any storage. The web uses one global bucket because we never look at client IPs.
"""
from __future__ import annotations

import time
from collections import deque
from typing import Callable, Hashable

Monotonic = Callable[[], float]


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
        return True

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
WEB_RECEIPT_CHECKS_BURST = 30
WEB_RECEIPT_CHECKS_PER_S = 0.5


class TipLimits:
    """The limiters one process shares between the bot and the web form."""

    def __init__(self, *, now: Monotonic = time.monotonic) -> None:
        self.tips_per_chat = SlidingWindowLimiter(TIPS_PER_CHAT_PER_HOUR, 3600, now=now)
        self.receipt_guesses_per_chat = SlidingWindowLimiter(RECEIPT_GUESSES_PER_CHAT, RECEIPT_GUESS_WINDOW_S, now=now)
        self.web_tips = TokenBucket(WEB_TIPS_BURST, WEB_TIPS_PER_S, now=now)
        self.web_receipt_checks = TokenBucket(WEB_RECEIPT_CHECKS_BURST, WEB_RECEIPT_CHECKS_PER_S, now=now)
