"""The browser chat (/chat) for the demo: talks to the bot through the Bot API emulator."""
from __future__ import annotations

from aiohttp import web


def setup_routes(app: web.Application) -> None:
    pass
