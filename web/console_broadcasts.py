"""Console: broadcast schedules, recurrence editor with next firings, live progress, reports."""
from __future__ import annotations

from aiohttp import web


def setup_routes(app: web.Application) -> None:
    pass
