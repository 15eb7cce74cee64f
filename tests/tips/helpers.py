"""Images with GPS EXIF, XMP and comments for the tips tests, made with Pillow alone."""
from __future__ import annotations

import io

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
