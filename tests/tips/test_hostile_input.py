"""Hostile input at the tips' edges (issue 17, row 9): NUL in a web tip, multi-frame JPEGs."""
from __future__ import annotations

import io

import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image

from tests.tips.test_web import csrf_of, tip_form
from tests.tips.test_web_bad_input import tip_count
from tips.photos import sanitize
from web.app import create_web_app


@pytest.fixture
async def client(services):
    async with TestClient(TestServer(create_web_app(services))) as client:
        yield client


@pytest.mark.parametrize("field", ["description", "location"])
async def test_nul_in_a_web_tip_gets_a_friendly_message_not_a_failure(client, services, field):
    """PostgreSQL refuses U+0000 in text: the form said "提交失败" for ever; now it says what to fix."""
    csrf = await csrf_of(client)
    value = "仓库消防通道被货物\x00堵死了很久" if field == "description" else "B\x00仓"
    response = await client.post("/tip", data=tip_form(csrf, **{field: value}))
    page = await response.text()
    assert response.status == 400
    assert "特殊字符" in page and "提交失败" not in page
    assert await tip_count(services) == 0


def mpo(colors: list[tuple[int, int, int]]) -> bytes:
    """A multi-picture JPEG as phones write them (a second frame after the first)."""
    frames = [Image.new("RGB", (64, 48), color) for color in colors]
    out = io.BytesIO()
    frames[0].save(out, format="MPO", save_all=True, append_images=frames[1:])
    return out.getvalue()


def test_a_multi_frame_jpeg_keeps_its_first_frame():
    data = mpo([(200, 30, 30), (30, 200, 30)])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    clean = sanitize(data)
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.format == "JPEG" and getattr(image, "n_frames", 1) == 1
        red, green, _ = image.getpixel((32, 24))
        assert red > 150 and green < 80  # the first frame, not the second


async def test_a_multi_frame_jpeg_is_accepted_in_the_bot_flow(ankang, emulator, make_tipper):
    tipper = make_tipper()
    await tipper.report(description="配电箱门敞开，线路裸露在外", photos=[mpo([(10, 10, 200), (200, 200, 10)])])
    receipt = await tipper.confirm()
    assert "回执码" in receipt["text"]
