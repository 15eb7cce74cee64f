"""Wait out Telegram's 429 for interactive replies, so a flood-wait never loses a worker's answer.

Broadcast traffic opts out (``rate_limit_args={"broadcast": True}``): the delivery engine paces
itself and pauses only broadcast traffic on a 429.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

MAX_RETRIES = 3
# Waiting longer than this would leave a worker staring at nothing; give up and let the error show.
MAX_WAIT_S = 60.0


def retry_after_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked us to wait, in seconds (PTB gives an int or a timedelta, by version)."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class RetryAfterLimiter(BaseRateLimiter[dict[str, Any]]):
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
        if rate_limit_args and rate_limit_args.get("broadcast"):
            return await callback(*args, **kwargs)
        for attempt in range(MAX_RETRIES + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait_s = retry_after_seconds(exc)
                if attempt == MAX_RETRIES or wait_s > MAX_WAIT_S:
                    raise
                log.warning("Telegram asked to wait %.0f s before %s; retrying", wait_s, endpoint)
                await asyncio.sleep(wait_s + 0.05)
        raise AssertionError("unreachable")
