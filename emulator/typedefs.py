"""What the HTTP handlers are given: the world they act on, under an aiohttp AppKey.

Its own module so that both the Bot API routes (``server``) and the control API (``control``) can
import it without importing each other.
"""
from __future__ import annotations

from aiohttp import web

from .world import World

EMULATOR_KEY = web.AppKey("emulator", World)
