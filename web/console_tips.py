"""Console: the hazard-tip inbox (filters, a tip with photos and thread, status changes, replies, export)."""
from __future__ import annotations

from aiohttp import web


def setup_routes(app: web.Application) -> None:
    pass
