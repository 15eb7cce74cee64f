"""Tip photos: validated by content and re-encoded with Pillow, so no metadata survives.

Accepts JPEG, PNG and WebP up to 10 MB and 40 megapixels (decompression-bomb safe); returns a
fresh JPEG carrying pixels only — no EXIF (GPS, camera, time), XMP, ICC or comments.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from core.logging import quiet_identifying_loggers

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
MAX_SIDE_PX = 2048
JPEG_QUALITY = 85
# MPO is a JPEG with more frames after the first (phones' depth maps, "live" shots): Pillow names
# it apart, and we keep the first frame, as for animated PNG and WebP.
ALLOWED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP"})
MAX_PHOTOS_PER_TIP = 5


class PhotoRejected(ValueError):
    """The upload is not an acceptable image; ``reason`` is one of too_large, not_image, too_many_pixels."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CleanPhoto:
    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"


def sanitize(data: bytes) -> CleanPhoto:
    """Validate ``data`` as an image and return it re-encoded without any metadata (CPU-bound)."""
    # Imported on the first photo: Pillow is memory a bot that is never sent one need not hold.
    from PIL import Image, ImageOps, UnidentifiedImageError

    # Pillow logs every EXIF tag it parses at DEBUG (GPS positions, owner names): make sure that
    # logger is pinned whoever calls us (bot, web, CLI, a script).
    quiet_identifying_loggers()
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRejected("too_large")
    if not data:
        raise PhotoRejected("not_image")
    try:
        with warnings.catch_warnings():
            # Pillow warns above MAX_IMAGE_PIXELS and raises at twice that; we refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise PhotoRejected("not_image")
                if probe.width * probe.height > MAX_PHOTO_PIXELS:
                    raise PhotoRejected("too_many_pixels")
                probe.verify()
            with Image.open(io.BytesIO(data)) as opened:
                opened.seek(0)  # the first frame of a multi-frame image (MPO, animated PNG or WebP)
                # A big JPEG is decoded straight to about the size we keep (DCT scaling): a tenth
                # of the memory and time for a 10 MB photo from a phone.
                scale = min(1.0, MAX_SIDE_PX / max(opened.size))
                opened.draft("RGB", (max(1, int(opened.width * scale)), max(1, int(opened.height * scale))))
                opened.load()
                # Apply the EXIF orientation to the pixels before the EXIF is dropped.
                image = ImageOps.exif_transpose(opened)
                image = image.convert("RGB")
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise PhotoRejected("too_many_pixels") from None
    except PhotoRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoRejected("not_image") from None
    image.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
    # A fresh image object copies pixels only: no info dict, no EXIF, no XMP, no ICC profile.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return CleanPhoto(out.getvalue(), clean.width, clean.height)
