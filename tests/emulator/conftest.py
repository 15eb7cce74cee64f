"""Fixtures for the emulator's own tests: a running emulator and a real PTB Bot against it."""
from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
import telegram
from PIL import Image
from telegram.request import HTTPXRequest

from emulator import Emulator, RateLimits

TOKEN = "123456:TEST-token"


class FakeClock:
    """A monotonic clock the tests move by hand (for flood limits and query expiry)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[Emulator]:
    async with Emulator(clock=clock, rate_limits=RateLimits.telegram(), webhook_retry_delays_s=(0.01,)) as emulator:
        yield emulator


def plain_http_request() -> HTTPXRequest:
    """The emulator speaks plain HTTP on loopback: skip loading CA certificates (~70 ms a client)."""
    return HTTPXRequest(httpx_kwargs={"verify": False})


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url,
                            request=plain_http_request(), get_updates_request=plain_http_request()) as client:
        yield client


def make_jpeg(width: int = 320, height: int = 240, color: str = "orange") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, format="JPEG")
    return buf.getvalue()


@pytest.fixture
def jpeg() -> bytes:
    return make_jpeg()
