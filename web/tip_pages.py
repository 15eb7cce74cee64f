"""Memory-only state that lets the public tip pages follow post/redirect/get safely.

- One-time form tokens: every tip form carries one (the report, the receipt-code lookup, the
  follow-up and the review request); a POST consumes it, so a reload, a double click or the back
  button never files twice. A second POST with a token already used is sent to where the first
  one went (and waits for it to finish), or is told why the first one was refused.
- Receipts: the code of a just-stored tip waits here (minutes at most) until its receipt page is
  shown once; it is never written anywhere.
- Thread views: after a receipt code was checked, the thread is at an unguessable URL bound to
  the browser's random CSRF cookie, so the code never appears in a URL or the history.

Nothing here is persisted; a restart forgets it all (a form then asks to be sent again). Nothing
here is about the client: keys are random values we issued.
"""
from __future__ import annotations

import asyncio
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

FORM_TOKEN_TTL_S = 2 * 3600.0
RECEIPT_TTL_S = 10 * 60.0
VIEW_TTL_S = 30 * 60.0
MAX_ENTRIES = 50_000  # per table; the oldest are forgotten beyond it


@dataclass
class Outcome:
    """Where the POST that consumed a token redirected to, or why it was refused; set once it is done."""

    done: asyncio.Event = field(default_factory=asyncio.Event)
    location: str = ""
    error: str = ""  # an ERRORS key or a ready message, when the first POST was refused
    given_back: bool = False  # the first POST stored nothing and handed the token back (failed or cancelled)


@dataclass(frozen=True, slots=True)
class PendingReceipt:
    code: str
    urgent: bool


@dataclass(frozen=True, slots=True)
class ThreadView:
    tip_id: int
    browser: str  # digest of the CSRF cookie that opened it


class _Expiring:
    """A bounded dict whose entries expire."""

    def __init__(self, ttl_s: float, now: Callable[[], float]) -> None:
        self.ttl_s, self._now = ttl_s, now
        self._items: OrderedDict[str, tuple[float, object]] = OrderedDict()

    def put(self, key: str, value: object) -> None:
        self._sweep()
        self._items[key] = (self._now() + self.ttl_s, value)
        while len(self._items) > MAX_ENTRIES:
            self._items.popitem(last=False)

    def get(self, key: str) -> object | None:
        item = self._items.get(key)
        if item is None or item[0] <= self._now():
            return None
        return item[1]

    def pop(self, key: str) -> object | None:
        value = self.get(key)
        self._items.pop(key, None)
        return value

    def _sweep(self) -> None:
        now = self._now()
        while self._items:
            key, (expires, _) = next(iter(self._items.items()))
            if expires > now:
                break
            del self._items[key]


class TipPages:
    """The public tip pages' memory (one per web app)."""

    def __init__(self, *, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._issued = _Expiring(FORM_TOKEN_TTL_S, now)
        self._used = _Expiring(FORM_TOKEN_TTL_S, now)
        self._receipts = _Expiring(RECEIPT_TTL_S, now)
        self._views = _Expiring(VIEW_TTL_S, now)

    # --- one-time form tokens
    def issue(self) -> str:
        token = secrets.token_urlsafe(18)
        self._issued.put(token, self._now())
        return token

    def age_s(self, token: str) -> float | None:
        """How long ago ``token`` was served (None: unknown or used)."""
        issued = self._issued.get(token)
        return self._now() - issued if isinstance(issued, float) else None

    def consume(self, token: str) -> Outcome | str:
        """A fresh token: the Outcome the caller must complete. Otherwise "used" or "expired"."""
        if self._issued.pop(token) is not None:
            outcome = Outcome()
            self._used.put(token, outcome)
            return outcome
        return "used" if isinstance(self._used.get(token), Outcome) else "expired"

    async def claim(self, token: str) -> tuple[Outcome | None, Outcome | None]:
        """``(fresh, None)``: this POST took ``token`` and must finish, refuse or give back ``fresh``.
        ``(None, first)``: another POST took it; ``first`` is its finished Outcome. ``(None, None)``: unknown or
        expired. A press that waited on a first POST which gave the token back (it failed, or its client went
        away and the server cancelled it, as a double click does) takes the token in its place."""
        while True:
            outcome = self.consume(token)
            if isinstance(outcome, Outcome):
                return outcome, None
            first = await self.settled(token) if outcome == "used" else None
            if first is None or not first.given_back:
                return None, first

    async def settled(self, token: str) -> Outcome | None:
        """The finished Outcome of the first POST with ``token`` (waits for it), or None if unknown."""
        outcome = self._used.get(token)
        if not isinstance(outcome, Outcome):
            return None
        await outcome.done.wait()
        return outcome

    @staticmethod
    def finish(outcome: Outcome, location: str) -> None:
        outcome.location = location
        outcome.done.set()

    @staticmethod
    def refuse(outcome: Outcome, error: str) -> None:
        """The POST was refused (nothing changed): a second press with the token is told ``error``."""
        outcome.error = error
        outcome.done.set()

    def give_back(self, token: str, outcome: Outcome, error: str = "") -> None:
        """The POST failed without storing anything: the same form may be sent again."""
        self._used.pop(token)
        self._issued.put(token, self._now())
        outcome.given_back = True
        self.refuse(outcome, error)

    # --- receipts shown once
    def hold_receipt(self, code: str, urgent: bool) -> str:
        key = secrets.token_urlsafe(18)
        self._receipts.put(key, PendingReceipt(code, urgent))
        return key

    def take_receipt(self, key: str) -> PendingReceipt | None:
        value = self._receipts.pop(key)
        return value if isinstance(value, PendingReceipt) else None

    # --- thread views
    def open_view(self, tip_id: int, browser: str) -> str:
        key = secrets.token_urlsafe(18)
        self._views.put(key, ThreadView(tip_id, browser))
        return key

    def view(self, key: str, browser: str) -> ThreadView | None:
        value = self._views.get(key)
        if isinstance(value, ThreadView) and secrets.compare_digest(value.browser, browser):
            return value
        return None
