"""Per-process state of the tips area (in-memory rate limits), reached through ``services.tips``."""
from __future__ import annotations

from core.services import Services
from tips.ratelimit import TipLimits


class TipsRuntime:
    """What the tips area keeps in memory for the life of the process; nothing here is persisted."""

    def __init__(self) -> None:
        self.limits = TipLimits()


def tips_runtime(services: Services) -> TipsRuntime:
    """Return the process's TipsRuntime, creating it on first use (bot and web share it)."""
    if not isinstance(services.tips, TipsRuntime):
        services.tips = TipsRuntime()
    return services.tips
