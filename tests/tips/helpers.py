"""Images with GPS EXIF, XMP and comments for the tips tests, made with Pillow alone."""
from __future__ import annotations

import io
import struct
import zlib
from functools import cache

from PIL import Image

GPS_IFD = 0x8825
SECRET_COMMENT = b"made-on-phone-of-zhang-san"


def photo_with_gps(color=(200, 80, 40), size=(64, 48), fmt="JPEG") -> bytes:
    """An image whose EXIF holds a GPS position, a camera owner and a comment."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x013B] = "Zhang San"  # Artist
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (31.0, 14.0, 2.5)
    gps[3] = "E"
    gps[4] = (121.0, 28.0, 40.0)
    out = io.BytesIO()
    extra = {"comment": SECRET_COMMENT} if fmt == "JPEG" else {}
    image.save(out, format=fmt, exif=exif, **extra)
    return out.getvalue()


@cache
def black_png(width: int, height: int) -> bytes:
    """A bilevel PNG of ``width`` × ``height`` black pixels, written row by row.

    What ``Image.new("1", (width, height)).save(out, format="PNG")`` writes, pixel for pixel, without
    holding the image: Pillow keeps a bilevel image at a byte a pixel, so a 20,000 × 20,000 one took
    400 MB and about a second of CPU to make, where compressing its zero rows takes 0.2 s.
    """
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = bytes(1 + (width + 7) // 8)  # filter type 0, then the row's bits
    packer = zlib.compressobj(9)
    rows_at_once = max(1, 1_000_000 // len(row))
    pixels = b"".join(packer.compress(row * min(rows_at_once, height - done))
                      for done in range(0, height, rows_at_once)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # bit depth 1, greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def has_metadata(data: bytes) -> list[str]:
    """Names of the metadata found in ``data`` (empty when clean)."""
    found = []
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        if len(exif):
            found.append("exif")
        if exif.get_ifd(GPS_IFD):
            found.append("gps")
        for key in ("exif", "comment", "xmp", "icc_profile", "XML:com.adobe.xmp"):
            if image.info.get(key):
                found.append(key)
    for marker in (b"Exif\x00\x00", b"http://ns.adobe.com/xap", SECRET_COMMENT, b"Zhang San"):
        if marker in data:
            found.append(repr(marker))
    return found


def plain(html: str) -> str:
    """What a Telegram user sees of an HTML message text: tags gone, entities decoded."""
    import html as html_lib
    import re

    return html_lib.unescape(re.sub(r"<[^>]+>", "", html))
