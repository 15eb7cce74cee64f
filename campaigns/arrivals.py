"""When each poll answer reached this process, kept until it has been handled.

A ``poll_answer`` update carries no date of its own, so a bot that judges it by the time it handles it
turns a busy minute into lost answers: an answer cast within the poll's open period but handled after it
counts as too late. The update's receipt — the getUpdates batch it came in, or the webhook POST — is the
closest to the vote Telegram lets us see, so it is stamped there, before it queues behind other updates,
and the answer is judged by that stamp (``campaigns.attempts.answer``).

The book also says how far back the oldest answer still waiting for its turn was received: the time-out
watch does not time out a question whose answer may be among them (``CampaignWatch``).
"""
from __future__ import annotations

from collections import OrderedDict
from datetime import datetime

# The most answers in flight the book keeps (the oldest go first beyond it: an answer dropped by the book is
# judged by when it is handled, as before). Far above what one process queues.
MAX_PENDING = 100_000


class Arrivals:
    """Receipt times of the poll answers received and not yet handled, by update id."""

    def __init__(self, max_pending: int = MAX_PENDING) -> None:
        self._pending: OrderedDict[int, datetime] = OrderedDict()
        self._max_pending = max_pending

    def received(self, update_id: int, at: datetime) -> None:
        """Stamp an update as it arrives (a second arrival of the same update keeps the first stamp)."""
        if update_id in self._pending:
            return
        self._pending[update_id] = at
        while len(self._pending) > self._max_pending:
            self._pending.popitem(last=False)

    def received_at(self, update_id: int) -> datetime | None:
        return self._pending.get(update_id)

    def handled(self, update_id: int) -> None:
        self._pending.pop(update_id, None)

    def oldest(self) -> datetime | None:
        """The receipt time of the oldest answer still waiting or being handled, if any."""
        # Stamps go in as updates arrive, so the first in the book is the oldest.
        return next(iter(self._pending.values()), None)

    def __len__(self) -> int:
        return len(self._pending)
