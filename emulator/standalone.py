"""Run the emulator on its own (``ankang emulator --port 8081`` / ``python -m emulator``)."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import Sequence

from .emulator import Emulator
from .limits import RateLimits

log = logging.getLogger("emulator")

PROFILES = {"telegram": RateLimits.telegram, "counting": RateLimits.counting, "off": RateLimits.off}


async def serve(host: str = "127.0.0.1", port: int = 8081, *, rate_limits: RateLimits | None = None,
                ready: asyncio.Event | None = None) -> None:
    """Serve until cancelled."""
    emu = Emulator(rate_limits=rate_limits)
    await emu.start(host, port)
    try:
        print(f"Bot API emulator on {emu.url}")
        print(f"  python-telegram-bot: base_url={emu.base_url}  base_file_url={emu.base_file_url}")
        print(f"  ANKANG_TELEGRAM_API_URL={emu.url}")
        print(f"  control API: {emu.url}/_emulator/")
        if ready is not None:
            ready.set()
        await asyncio.Event().wait()
    finally:
        await emu.stop()


def run_standalone(host: str = "127.0.0.1", port: int = 8081, *, rate_limits: RateLimits | None = None) -> None:
    """Run the emulator in the foreground until Ctrl-C."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(host, port, rate_limits=rate_limits))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ankang emulator", description="Telegram Bot API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--limits", choices=sorted(PROFILES), default="telegram",
                        help="flood-limit profile: telegram (reject with 429), counting, off")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every Bot API call (never the token)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    # Client libraries log request URLs, which contain the token.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    run_standalone(args.host, args.port, rate_limits=PROFILES[args.limits]())
    return 0
