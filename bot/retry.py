"""Every Bot API request goes out through here: paced by the process's outgoing scheduler and kept
until Telegram delivers it or refuses it.

``OutgoingLimiter`` is python-telegram-bot's rate-limiter hook (``ApplicationBuilder.rate_limiter``,
``ExtBot(rate_limiter=…)``), so replies, edits, quiz polls, alerts and console messages all pass
through it without their handlers doing anything. For each request it:

* waits for its turn in ``core.outgoing.OutgoingScheduler`` (methods that deliver or change a
  message; others go at once), at the task's priority (``core.outgoing.sending_as``: the emergency
  handler sends as EMERGENCY, the broadcast transport as BROADCAST; ``rate_limit_args={"broadcast":
  True}`` marks a single request), and sends the moment it is granted;
* on a 429 tells the scheduler (which holds the chat or pauses everything) and sends again when
  Telegram allows; on a 5xx, a time-out or a network error sends again after a backoff
  (``TRANSIENT_BACKOFF_S``, then every ``TRANSIENT_BACKOFF_S[-1]``) — for as long as the process
  lives. Only a refusal ends it: 400 (``BadRequest``), 403 (``Forbidden``) and the like go to the
  caller. A request that timed out may have reached Telegram, so a retried message can arrive
  twice; losing it is worse.

Broadcast requests are paced the same way, but their 429s and transient errors go back to the
broadcast sender at once: it retries from the durable queue (``broadcasts/delivery.py``).

PTB asks rate limiters to handle only ``RetryAfter``; retrying transient errors here too is a
deliberate choice: this is the one place every request passes, so no handler has to.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from core.outgoing import EDIT_METHODS, PACED_METHODS, OutgoingScheduler, Priority, current_priority

log = logging.getLogger(__name__)

TRANSIENT_BACKOFF_S = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
RETRY_AFTER_MARGIN_S = 0.05


def retry_after_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked us to wait, in seconds (PTB gives an int or a timedelta, by version)."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def transient_backoff_s(failures: int) -> float:
    """The wait before sending again after ``failures`` transient errors in a row."""
    return TRANSIENT_BACKOFF_S[min(failures, len(TRANSIENT_BACKOFF_S)) - 1]


class OutgoingLimiter(BaseRateLimiter[dict[str, Any]]):
    def __init__(self, scheduler: OutgoingScheduler) -> None:
        self.scheduler = scheduler
        self.retried_rate_limited = 0  # requests sent again after a 429
        self.retried_transient = 0  # requests sent again after a 5xx, time-out or network error

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        priority = current_priority.get()
        if rate_limit_args and rate_limit_args.get("broadcast"):
            priority = Priority.BROADCAST
        broadcast = priority == Priority.BROADCAST
        paced = endpoint.lower() in PACED_METHODS
        edit = endpoint.lower() in EDIT_METHODS
        chat_id = _chat_id(data.get("chat_id"))
        failures = 0
        while True:
            slot = await self.scheduler.acquire(chat_id, priority, edit=edit) if paced else None
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait_s = retry_after_seconds(exc)
                if paced:
                    self.scheduler.rate_limited(chat_id, wait_s)
                if broadcast:
                    raise
                self.retried_rate_limited += 1
                log.warning("Telegram asked to wait %.0f s before %s; sending it then", wait_s, endpoint)
                # A paced request to a chat waits in the scheduler, which now holds that chat.
                pause_s = 0.0 if paced and chat_id is not None else wait_s + RETRY_AFTER_MARGIN_S
            except BadRequest:
                raise  # a refusal (400): sending it again cannot help
            except NetworkError as exc:  # 5xx answers, time-outs, connection errors
                if broadcast:
                    raise
                failures += 1
                self.retried_transient += 1
                pause_s = transient_backoff_s(failures)
                if failures == 1 or failures % 10 == 0:
                    log.warning("%s failed (%s, %d in a row); sending it again in %.1f s",
                                endpoint, type(exc).__name__, failures, pause_s)
            finally:
                if slot is not None:
                    self.scheduler.release(slot)
            if pause_s > 0:
                await self.scheduler.timer.sleep(pause_s)


def _chat_id(value: object) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None  # an @channel name or no chat at all: paced overall only
