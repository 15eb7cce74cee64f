"""A unit's QR code and poster carry its deep link (decoded back with zxing-cpp), with or without CJK fonts."""
from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from org import poster

LINK = "https://t.me/ankang_bot?start=u_jx-01"


def decoded(body: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(body)))]


def test_join_link_takes_the_username_with_or_without_at():
    assert poster.join_link("@ankang_bot", "jx-01") == poster.join_link("ankang_bot", "jx-01") == LINK


def test_the_qr_png_decodes_to_the_link():
    body = poster.qr_png(LINK)
    image = Image.open(io.BytesIO(body))
    assert image.format == "PNG" and image.width == image.height
    assert decoded(body) == [LINK]


@pytest.mark.parametrize("fonts", ["system", "none"])
def test_the_poster_is_a4_decodes_and_saves_as_pdf(monkeypatch, fonts):
    if fonts == "none":
        monkeypatch.setattr(poster, "CJK_FONTS", ())
    poster.cjk_font_path.cache_clear()
    try:
        png = poster.poster_png("某某市东城区东华街道第一机械制造厂工会委员会", "基层", LINK, "jx-01")
        pdf = poster.poster_pdf("机械厂工会", "基层", LINK, "jx-01")
    finally:
        poster.cjk_font_path.cache_clear()
    image = Image.open(io.BytesIO(png))
    assert image.size == poster.POSTER_SIZE_PX
    assert decoded(png) == [LINK]
    assert pdf.startswith(b"%PDF") and b"/MediaBox" in pdf
