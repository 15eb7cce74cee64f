"""Updates the Telegram library cannot parse are skipped, logged once without user data, and never
stop the others.

python-telegram-bot parses a whole getUpdates batch at once: one update it cannot read (a poll
answer from an older Bot API server, a field of the wrong type) makes the batch fail, the offset
never moves past it, and polling retries the same batch forever — nobody is answered and every
retry logs again. ``UpdateSieve`` reads the batch first and replaces each update the library
cannot parse by a bare ``{"update_id": n}``, so the offset still moves past it and nothing of its
content reaches a handler or a log. The webhook route sifts each POSTed update the same way.

Both are also where an update is first seen, so poll answers are stamped with their receipt time
there, before they queue (``campaigns.arrivals``: an answer is judged by when it arrived).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from telegram import Bot, Update
from telegram.request import HTTPXRequest

from campaigns.arrivals import Arrivals
from core.clock import Clock

log = logging.getLogger(__name__)


def _parses(data: dict[str, Any]) -> str | None:
    """None when the library reads ``data`` as an Update, else the error's type name (no message)."""
    try:
        Update.de_json(data, None)
    except Exception as err:  # any failure of the library's parser is the same verdict
        return type(err).__name__
    return None


def _kind(data: dict[str, Any]) -> str:
    """Which kind of update it claims to be (a key, never a value)."""
    return next((str(key) for key in data if key != "update_id"), "empty")[:32]


def sift(data: object) -> dict[str, Any] | None:
    """``data`` if the library can parse it as an Update; a bare update with its id if not; None
    when it has no usable ``update_id`` at all."""
    if not isinstance(data, dict):
        log.warning("skipped an update that is not an object")
        return None
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        log.warning("skipped a %s update without a numeric update_id", _kind(data))
        return None
    error = _parses(data)
    if error is None:
        return data
    log.warning("skipped a %s update the Telegram library cannot parse (%s)", _kind(data), error)
    return {"update_id": update_id}


def sift_update(data: object, bot: Bot) -> Update | None:
    """The webhook's reading of one POSTed update: see ``sift``."""
    sifted = sift(data)
    return None if sifted is None else Update.de_json(sifted, bot)


def stamp_arrivals(updates: Iterable[dict[str, Any]], arrivals: Arrivals, clock: Clock) -> None:
    """Note when each poll answer among ``updates`` (sifted) reached the process: now."""
    now = None
    for update in updates:
        if "poll_answer" in update:
            now = now or clock.now()
            arrivals.received(update["update_id"], now)


class UpdateSieve(HTTPXRequest):
    """The getUpdates request: an ``HTTPXRequest`` that sifts each batch before PTB parses it, and stamps
    its poll answers' arrival (``arrivals``, on ``clock``)."""

    def __init__(self, *args: Any, arrivals: Arrivals | None = None, clock: Clock | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._arrivals, self._clock = arrivals, clock

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(url, method, *args, **kwargs)
        if code != 200 or not url.endswith("/getUpdates"):
            return code, payload
        try:
            body = json.loads(payload)
        except ValueError:
            return code, payload  # PTB reports an unreadable response itself
        result = body.get("result") if isinstance(body, dict) else None
        if not isinstance(result, list):
            return code, payload
        sifted = [s for s in map(sift, result) if s is not None]
        if self._arrivals is not None and self._clock is not None:
            stamp_arrivals(sifted, self._arrivals, self._clock)
        if len(sifted) == len(result) and all(s is r for s, r in zip(sifted, result, strict=True)):
            return code, payload
        body["result"] = sifted
        return code, json.dumps(body).encode()
