"""In-memory rate limits for tips: sliding windows per key (bot chats, web browsers) and token buckets.

Kept in memory only — a restart forgets them, which is acceptable for abuse control and keeps
chat ids out of any storage. The web keys its limits on a digest of the browser's random CSRF
cookie and on a keyed hash of the client address (``ClientKeys``: a random key that rotates every
hour, never stored; the address itself is neither kept nor logged). That slows one client without
a global budget an attacker could drain to lock out every tipper: the only site-wide limit is a
daily storage guard, and under a flood the form asks for a small proof of work instead
(``pow_valid``), documented in docs/threat-model-tips.md.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
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
WEB_TIPS_PER_BROWSER_PER_HOUR = 5
WEB_RECEIPT_GUESSES_PER_BROWSER = 5
# Per client address (through ClientKeys, never the address itself): submissions per hour.
WEB_TIPS_PER_CLIENT_PER_HOUR = 5
# The site-wide cap is only a storage guard: stored web tips per day across the whole form.
WEB_TIPS_PER_DAY = 500
# Above this many submission attempts in POW_WINDOW_S site-wide, the form asks for a proof of work.
POW_ATTEMPTS_THRESHOLD = 20
POW_WINDOW_S = 10 * 60
CLIENT_KEY_ROTATION_S = 3600


class ClientKeys:
    """A keyed hash of a client address, for in-memory limits only; the key is random and rotates hourly.

    The address itself is never kept, written or logged; the digest is meaningless after the key
    rotates (and after a restart), so even a memory dump links a key to an address only within the
    hour. Rotation starts the per-client counts afresh: at most twice the hourly limit slips through
    at the boundary, which the daily storage guard bounds.
    """

    def __init__(self, *, now: Monotonic = time.monotonic, rotation_s: float = CLIENT_KEY_ROTATION_S) -> None:
        self._now, self._rotation_s = now, rotation_s
        self._epoch = -1
        self._secret = b""

    def key(self, address: str | None) -> str:
        epoch = int(self._now() // self._rotation_s)
        if epoch != self._epoch:
            self._epoch, self._secret = epoch, secrets.token_bytes(32)
        return hmac.new(self._secret, (address or "").encode(), hashlib.sha256).hexdigest()[:32]


class RateMeter:
    """Counts events in a sliding window (site-wide), to tell when the form is under a flood."""

    def __init__(self, window_s: float, *, now: Monotonic = time.monotonic) -> None:
        self.window_s, self._now = window_s, now
        self._events: deque[float] = deque()

    def hit(self) -> None:
        self._events.append(self._now())
        self._trim()

    def count(self) -> int:
        self._trim()
        return len(self._events)

    def _trim(self) -> None:
        now = self._now()
        while self._events and now - self._events[0] >= self.window_s:
            self._events.popleft()


class TipLimits:
    """The limiters one process shares between the bot and the web form."""

    def __init__(self, *, now: Monotonic = time.monotonic) -> None:
        self.tips_per_chat = SlidingWindowLimiter(TIPS_PER_CHAT_PER_HOUR, 3600, now=now)
        self.receipt_guesses_per_chat = SlidingWindowLimiter(RECEIPT_GUESSES_PER_CHAT, RECEIPT_GUESS_WINDOW_S, now=now)
        self.client_keys = ClientKeys(now=now)
        self.web_tips_per_client = SlidingWindowLimiter(WEB_TIPS_PER_CLIENT_PER_HOUR, 3600, now=now)
        self.web_tips_per_day = SlidingWindowLimiter(WEB_TIPS_PER_DAY, 86400, now=now)
        self.web_attempts = RateMeter(POW_WINDOW_S, now=now)
        self.web_tips_per_browser = SlidingWindowLimiter(WEB_TIPS_PER_BROWSER_PER_HOUR, 3600, now=now)
        self.web_receipt_guesses_per_browser = SlidingWindowLimiter(
            WEB_RECEIPT_GUESSES_PER_BROWSER, RECEIPT_GUESS_WINDOW_S, now=now)


POW_BITS = 14  # ≈ 16 000 SHA-256 tries in the browser: well under a second on a phone
POW_WAIT_S = 15.0  # without JavaScript, waiting this long after the form was served does instead


def pow_valid(challenge: str, answer: str, bits: int = POW_BITS) -> bool:
    """True when SHA-256(challenge ":" answer) starts with ``bits`` zero bits (answer: at most 12 digits)."""
    if not challenge or not answer.isdigit() or len(answer) > 12:
        return False
    digest = hashlib.sha256(f"{challenge}:{answer}".encode()).digest()
    return int.from_bytes(digest, "big") >> (256 - bits) == 0
