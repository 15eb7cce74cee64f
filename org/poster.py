"""A unit's join link as a QR code (PNG) and as a printable A4 poster (PNG or PDF) to pin in a canteen or workshop.

segno draws the QR code; Pillow lays out the poster and saves its PDF. The unit's name is set in
the system's Noto Sans CJK when it is installed (Debian's fonts-noto-cjk, which
scripts/ensure-chromium.sh installs); without it the poster is set in ASCII — the unit's code and
the link — rather than in boxes that stand for missing glyphs.
"""
from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

# segno and Pillow are imported where a QR code or a poster is made: a process that serves no poster
# need not hold them (issue 14, point 7: idle memory).

QR_SCALE = 10  # pixels per module of the plain QR PNG
QR_BORDER = 4  # quiet zone in modules, as the QR standard asks
POSTER_DPI = 150
POSTER_SIZE_PX = (1240, 1754)  # A4 at 150 dpi
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)
CJK_SC_INDEX = 2  # in Noto's .ttc collections: JP, KR, SC, TC, HK
TAGLINE = "扫码加入 · 安康助手"
TAGLINE_ASCII = "Scan to join - Ankang"
HINT = "用手机相机或 Telegram 扫码，在 Telegram 中打开"


def join_link(bot_username: str, code: str) -> str:
    """The deep link that joins a worker to the unit: ``https://t.me/<bot>?start=u_<code>``."""
    return f"https://t.me/{bot_username.lstrip('@')}?start=u_{code}"


def qr_png(link: str, *, scale: int = QR_SCALE) -> bytes:
    import segno

    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=scale, border=QR_BORDER)
    return out.getvalue()


@cache
def cjk_font_path() -> Path | None:
    """The first Noto Sans CJK collection installed, or None."""
    return next((Path(p) for p in CJK_FONTS if Path(p).is_file()), None)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    path = cjk_font_path()
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size, index=CJK_SC_INDEX)


def _centred(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, width: int) -> int:
    """Draw ``text`` centred at height ``y``, shrinking it to fit; return the y below it."""
    while True:
        font = _font(size)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        if right - left <= width * 0.9 or size <= 20:
            break
        size -= 4
    draw.text(((width - (right - left)) / 2 - left, y - top), text, fill="black", font=font)
    return int(y + (bottom - top))


def poster_image(unit_name: str, level: str, link: str, code: str) -> Image.Image:
    import segno
    from PIL import Image, ImageDraw

    width, height = POSTER_SIZE_PX
    poster = Image.new("RGB", POSTER_SIZE_PX, "white")
    draw = ImageDraw.Draw(poster)
    chinese = cjk_font_path() is not None
    y = _centred(draw, 140, unit_name if chinese else code, 88, width) + 30
    if level and chinese:
        y = _centred(draw, y, level, 48, width) + 30
    y = _centred(draw, y + 20, TAGLINE if chinese else TAGLINE_ASCII, 56, width) + 50
    qr = segno.make(link, error="m")
    modules = qr.symbol_size(scale=1, border=QR_BORDER)[0]
    scale = int(max(1, min(width - 240, height - y - 260) // modules))
    symbol = Image.open(io.BytesIO(qr_png(link, scale=scale))).convert("RGB")
    poster.paste(symbol, ((width - symbol.width) // 2, y))
    y += symbol.height + 40
    y = _centred(draw, y, link, 32, width) + 24
    if chinese:
        _centred(draw, y, HINT, 28, width)
    return poster


def poster_png(unit_name: str, level: str, link: str, code: str) -> bytes:
    out = io.BytesIO()
    poster_image(unit_name, level, link, code).save(out, format="PNG", dpi=(POSTER_DPI, POSTER_DPI))
    return out.getvalue()


def poster_pdf(unit_name: str, level: str, link: str, code: str) -> bytes:
    out = io.BytesIO()
    poster_image(unit_name, level, link, code).save(out, format="PDF", resolution=POSTER_DPI,
                                              title=f"{unit_name} 扫码加入", author="安康助手")
    return out.getvalue()
