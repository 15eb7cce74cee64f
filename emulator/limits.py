"""Flood limits, counters and fault injection (errors and delays) for the emulator.

Rate limits are token buckets on an injectable monotonic clock, so tests can move time by hand.
Every violation is counted, whether the emulator rejects it (``mode="reject"``, 429 retry_after
like Telegram) or only records it (``mode="count"``).
"""
from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from .validation import ApiError, blocked, too_many_requests

Clock = Callable[[], float]
LimitMode = Literal["reject", "count"]
FaultKind = Literal["retry_after", "server_error", "blocked", "bad_request", "delay"]
FAULT_KINDS: tuple[str, ...] = ("retry_after", "server_error", "blocked", "bad_request", "delay")

# Methods that deliver a message and so count against flood limits.
SEND_METHODS = frozenset(
    {
        "sendmessage", "sendphoto", "senddocument", "sendmediagroup", "sendpoll", "sendsticker",
        "sendvoice", "sendaudio", "sendvideo", "sendanimation", "sendlocation", "sendcontact",
        "copymessage", "forwardmessage",
    }
)
# Bookkeeping methods an unscoped fault never hits: failing them would only confuse the updater.
FAULT_EXEMPT_METHODS = frozenset(
    {"getupdates", "getme", "setwebhook", "deletewebhook", "getwebhookinfo"}
)


@dataclass(frozen=True)
class RateLimits:
    """Flood-limit profile. ``RateLimits.telegram()`` is the default."""

    enabled: bool = True
    mode: LimitMode = "reject"
    global_per_s: float = 30.0
    global_burst: int = 30
    private_per_s: float = 1.0
    private_burst: int = 3  # Telegram tolerates a short burst before answering 429
    group_per_min: float = 20.0
    group_burst: int = 20

    @classmethod
    def telegram(cls, mode: LimitMode = "reject") -> RateLimits:
        return cls(mode=mode)

    @classmethod
    def counting(cls) -> RateLimits:
        """Telegram's numbers, but violators only get counted, never rejected."""
        return cls(mode="count")

    @classmethod
    def off(cls) -> RateLimits:
        return cls(enabled=False)

    def with_(self, **changes: object) -> RateLimits:
        return replace(self, **changes)  # type: ignore[arg-type]


class TokenBucket:
    def __init__(self, rate_per_s: float, burst: int, now: float) -> None:
        self.rate_per_s = rate_per_s
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.updated = now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate_per_s)
        self.updated = now

    def wait_s(self, cost: float, now: float) -> float:
        """Seconds until ``cost`` tokens are available (0 when available now)."""
        self._refill(now)
        missing = cost - self.tokens
        return 0.0 if missing <= 1e-9 else missing / self.rate_per_s

    def take(self, cost: float) -> None:
        self.tokens -= cost


@dataclass
class Violation:
    at: float
    method: str
    chat_id: int | None
    scopes: tuple[str, ...]  # "global" and/or "chat"
    retry_after: int
    rejected: bool


@dataclass
class Stats:
    """Counters the tests assert on. ``violations`` counts every flood-limit violation."""

    calls: Counter[str] = field(default_factory=Counter)
    sends: int = 0
    violations: int = 0
    global_violations: int = 0
    chat_violations: Counter[int] = field(default_factory=Counter)
    violation_log: list[Violation] = field(default_factory=list)
    rejected_429: int = 0
    faults_injected: int = 0
    updates_created: int = 0
    webhook_deliveries: int = 0
    webhook_failures: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "calls": dict(self.calls),
            "sends": self.sends,
            "violations": self.violations,
            "global_violations": self.global_violations,
            "chat_violations": {str(k): v for k, v in self.chat_violations.items()},
            "rejected_429": self.rejected_429,
            "faults_injected": self.faults_injected,
            "updates_created": self.updates_created,
            "webhook_deliveries": self.webhook_deliveries,
            "webhook_failures": self.webhook_failures,
        }


class RateLimiter:
    def __init__(self, limits: RateLimits, stats: Stats, clock: Clock) -> None:
        self.limits = limits
        self._stats = stats
        self._clock = clock
        self._global: TokenBucket | None = None
        self._chats: dict[int, TokenBucket] = {}

    def configure(self, limits: RateLimits) -> None:
        self.limits = limits
        self._global = None
        self._chats.clear()

    def _chat_bucket(self, chat_id: int, chat_type: str, now: float) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if chat_type == "private":
                bucket = TokenBucket(self.limits.private_per_s, self.limits.private_burst, now)
            else:
                bucket = TokenBucket(self.limits.group_per_min / 60.0, self.limits.group_burst, now)
            self._chats[chat_id] = bucket
        return bucket

    def check_send(self, method: str, chat_id: int, chat_type: str, cost: int = 1) -> None:
        """Account one send; raise 429 when it violates a limit in reject mode."""
        self._stats.sends += cost
        if not self.limits.enabled:
            return
        now = self._clock()
        if self._global is None:
            self._global = TokenBucket(self.limits.global_per_s, self.limits.global_burst, now)
        chat_bucket = self._chat_bucket(chat_id, chat_type, now)
        waits = {"global": self._global.wait_s(cost, now), "chat": chat_bucket.wait_s(cost, now)}
        scopes = tuple(name for name, wait in waits.items() if wait > 0)
        if not scopes:
            self._global.take(cost)
            chat_bucket.take(cost)
            return
        retry_after = max(1, math.ceil(max(waits.values())))
        rejected = self.limits.mode == "reject"
        self._stats.violations += 1
        if "global" in scopes:
            self._stats.global_violations += 1
        if "chat" in scopes:
            self._stats.chat_violations[chat_id] += 1
        self._stats.violation_log.append(Violation(now, method, chat_id, scopes, retry_after, rejected))
        if rejected:
            self._stats.rejected_429 += 1
            raise too_many_requests(retry_after)
        # Counting mode: the message goes through. The buckets are left untouched, the way
        # Telegram would not have accepted (and so not charged) the rejected message.


@dataclass(frozen=True)
class Delay:
    """A "delay" fault: the call is answered normally, ``seconds`` late (a slow or stalled Telegram;
    a client that times out first does not know whether the message went out)."""

    seconds: float


@dataclass
class Fault:
    """One scripted failure, consumed by the next ``count`` matching calls."""

    kind: FaultKind = "retry_after"
    count: int = 1
    method: str | None = None
    chat_id: int | None = None
    retry_after: int = 1
    status: int = 500
    description: str | None = None
    delay_s: float = 10.0

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.method is None:
            if method in FAULT_EXEMPT_METHODS:
                return False
        elif self.method.lower() != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id

    def error(self) -> ApiError | Delay:
        if self.kind == "delay":
            return Delay(self.delay_s)
        return make_error(self.kind, retry_after=self.retry_after, status=self.status, description=self.description)


def make_error(kind: FaultKind, *, retry_after: int = 1, status: int = 500, description: str | None = None) -> ApiError:
    if kind == "retry_after":
        return too_many_requests(retry_after)
    if kind == "blocked":
        return blocked()
    if kind == "bad_request":
        return ApiError(400, description or "Bad Request: injected fault")
    phrase = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
    return ApiError(status, description or phrase.get(status, "Internal Server Error"))


@dataclass
class RandomFaults:
    rate: float
    kind: FaultKind = "retry_after"
    methods: frozenset[str] = SEND_METHODS
    retry_after: int = 1
    status: int = 500
    seed: int | None = None
    delay_s: float = 10.0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.methods = frozenset(m.lower() for m in self.methods)
        self.rng = random.Random(self.seed)


class FaultInjector:
    """Scripted faults, random fault rates and response latency."""

    def __init__(self, stats: Stats) -> None:
        self._stats = stats
        self.scripted: list[Fault] = []
        self.random: RandomFaults | None = None
        self.latency_s: float = 0.0

    def fail_next(
        self,
        count: int = 1,
        kind: FaultKind = "retry_after",
        *,
        method: str | None = None,
        chat_id: int | None = None,
        retry_after: int = 1,
        status: int = 500,
        description: str | None = None,
        delay_s: float = 10.0,
    ) -> Fault:
        fault = Fault(kind, count, method, chat_id, retry_after, status, description, delay_s)
        self.scripted.append(fault)
        return fault

    def set_random(self, rate: float, kind: FaultKind = "retry_after", *, seed: int | None = None,
                   methods: frozenset[str] | set[str] | None = None, retry_after: int = 1,
                   status: int = 500, delay_s: float = 10.0) -> None:
        self.random = RandomFaults(rate, kind, frozenset(methods or SEND_METHODS), retry_after, status, seed, delay_s)

    def clear(self) -> None:
        self.scripted.clear()
        self.random = None
        self.latency_s = 0.0

    def pick(self, method: str, chat_id: int | None) -> ApiError | Delay | None:
        """Return the error (or delay) an injected fault imposes on this call, consuming it."""
        for fault in self.scripted:
            if fault.count > 0 and fault.matches(method, chat_id):
                fault.count -= 1
                if fault.count == 0:
                    self.scripted.remove(fault)
                self._stats.faults_injected += 1
                return fault.error()
        rnd = self.random
        if rnd is not None and method in rnd.methods and rnd.rng.random() < rnd.rate:
            self._stats.faults_injected += 1
            if rnd.kind == "delay":
                return Delay(rnd.delay_s)
            return make_error(rnd.kind, retry_after=rnd.retry_after, status=rnd.status)
        return None

    def to_json(self) -> dict[str, object]:
        return {
            "scripted": [
                {"kind": f.kind, "count": f.count, "method": f.method, "chat_id": f.chat_id,
                 "retry_after": f.retry_after, "status": f.status, "delay_s": f.delay_s}
                for f in self.scripted
            ],
            "random": None if self.random is None else {
                "rate": self.random.rate, "kind": self.random.kind, "seed": self.random.seed,
                "delay_s": self.random.delay_s,
                "methods": sorted(self.random.methods),
            },
            "latency_s": self.latency_s,
        }
