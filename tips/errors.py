"""The tip domain's errors (the bot and web map them to friendly Chinese); ``tips.service`` re-exports them."""
from __future__ import annotations

from tips.models import TipStatus


class TipError(Exception):
    """Base of the tip domain errors (the bot and web map them to friendly Chinese)."""


class TipInvalid(TipError, ValueError):
    """A draft field is missing or out of range; ``field`` names it."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class TipNotFound(TipError, LookupError):
    pass


class TransitionNotAllowed(TipError):
    """``target`` is not a step the tip may take from ``current`` (None: not a status at all)."""

    def __init__(self, current: TipStatus, target: TipStatus | None) -> None:
        super().__init__(f"{current} -> {target}")
        self.current, self.target = current, target
