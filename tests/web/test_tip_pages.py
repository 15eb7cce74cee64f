"""One-time form tokens: a second press waits for the first and goes where it went, or takes its place."""
from __future__ import annotations

import asyncio

from web.tip_pages import Outcome, TipPages


async def _second_press_waiting(pages: TipPages, token: str, first: Outcome) -> asyncio.Task:
    second = asyncio.create_task(pages.claim(token))
    while not first.done._waiters:  # the second press is waiting on the first (no timed sleep)
        await asyncio.sleep(0)
    return second


async def test_a_second_press_goes_where_the_first_went():
    pages = TipPages()
    token = pages.issue()
    first, _ = await pages.claim(token)
    second = await _second_press_waiting(pages, token, first)
    pages.finish(first, "/tip/thread/abc")
    assert await second == (None, first) and first.location == "/tip/thread/abc"


async def test_a_second_press_is_told_why_the_first_was_refused():
    pages = TipPages()
    token = pages.issue()
    first, _ = await pages.claim(token)
    second = await _second_press_waiting(pages, token, first)
    pages.refuse(first, "receipt")
    fresh, settled = await second
    assert fresh is None and settled.error == "receipt"


async def test_a_second_press_takes_the_token_a_cancelled_first_press_gave_back():
    """A double click: the browser drops the first request, the server cancels its handler, which gives the
    token back; the press still waiting must take it and do the work, not report the page expired."""
    pages = TipPages()
    token = pages.issue()
    first, _ = await pages.claim(token)
    second = await _second_press_waiting(pages, token, first)
    pages.give_back(token, first)
    fresh, settled = await second
    assert isinstance(fresh, Outcome) and fresh is not first and settled is None
    third = await _second_press_waiting(pages, token, fresh)
    pages.finish(fresh, "/tip/thread/xyz")
    assert await third == (None, fresh)


async def test_an_unknown_token_is_neither_fresh_nor_used():
    assert await TipPages().claim("never-issued") == (None, None)
