"""A Telegram Bot API emulator for tests, the terminal demo and the browser chat page.

    async with Emulator() as emu:
        alice = emu.user("王芳", username="wangfang")
        app = Application.builder().token("123:ABC").base_url(emu.base_url) \
            .base_file_url(emu.base_file_url).build()
        ...
        reply = await emu.ask(alice, "/start")

See README.md in this directory for the Python and HTTP control APIs.
"""
from .emulator import Emulator
from .limits import SEND_METHODS, Fault, RateLimits, Stats
from .standalone import main, run_standalone, serve
from .state import BOT_USER, Chat, User
from .validation import ApiError
from .world import EmulatorTimeout, Expectation, World, button_texts, buttons

__all__ = [
    "ApiError", "BOT_USER", "Chat", "Emulator", "EmulatorTimeout", "Expectation", "Fault",
    "RateLimits", "SEND_METHODS", "Stats", "User", "World", "button_texts", "buttons", "main",
    "run_standalone", "serve",
]
