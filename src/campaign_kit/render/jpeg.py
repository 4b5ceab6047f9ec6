"""JPEG encoding for cards over a photo: pixels in, a metadata-free JPEG within Bluesky's limit out.

A card with her photo is mostly photograph, which PNG stores at 1-1.6 MB (over Bluesky's
1,000,000-byte image limit); as a JPEG it is a tenth of that with no visible loss. Cards without
a photo (flat colour and text) stay PNG, where JPEG would smear the letters.

The file holds only what a decoder needs (SOI, the JFIF header, tables, frame, scan, EOI): no
EXIF, no GPS, no comment, no ICC profile; the same pixels give the same bytes.
"""

from __future__ import annotations

import io

from PIL import Image
from PIL import __version__ as PILLOW_VERSION

from campaign_kit.errors import RenderError

#: The quality a card is first encoded at, and the least it may drop to to fit ``MAX_BYTES``.
QUALITY = 90
MIN_QUALITY = 85
#: Bluesky refuses images over 1,000,000 bytes; the rest is room for what a client adds.
MAX_BYTES = 976_000
#: What decides the bytes for given pixels: part of each card's cache key.
ENCODER = f"jpeg q{QUALITY}..{MIN_QUALITY} 4:2:0 optimize pillow {PILLOW_VERSION}"


def encode_jpeg(image: Image.Image, *, max_bytes: int = MAX_BYTES) -> bytes:
    """JPEG bytes of ``image``'s pixels only, at quality 90 (85 at least) and at most ``max_bytes``.

    Args:
        image: An RGB image.
        max_bytes: The largest file allowed.

    Returns:
        A baseline JPEG with no EXIF, GPS, ICC or comment; identical pixels give identical bytes.

    Raises:
        RenderError: not even quality 85 fits ``max_bytes`` (a card this size never comes near).
        ValueError: not an RGB image (a programming error).

    """
    if image.mode != "RGB":
        raise ValueError(f"encode_jpeg takes RGB images, not {image.mode}")
    size = 0
    for quality in range(QUALITY, MIN_QUALITY - 1, -1):
        out = io.BytesIO()
        # No exif=, icc_profile= or comment=: Pillow then writes none of them.
        image.save(out, format="JPEG", quality=quality, optimize=True, subsampling="4:2:0")
        data = out.getvalue()
        size = len(data)
        if size <= max_bytes:
            return data
    raise RenderError(
        f"a {image.width}×{image.height} card is {size:,} bytes as a JPEG at quality {MIN_QUALITY}; "
        f"at most {max_bytes:,} are allowed"
    )
