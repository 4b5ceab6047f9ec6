"""Image bytes the tests make: card sizes, a JPEG, a PNG whose header lies about its size."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

# The pixel size of each card format, as a test expects it (not read from the code it tests).
CARD_SIZES = {
    "square": (1080, 1080),
    "portrait": (1080, 1350),
    "story": (1080, 1920),
    "landscape": (1600, 900),
    "link": (1200, 630),
}


def jpeg(size: tuple[int, int] = (800, 1000)) -> bytes:
    """A plain brown JPEG of ``size`` pixels."""
    buf = io.BytesIO()
    Image.new("RGB", size, (120, 80, 60)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def png_header_only(width: int = 60_000, height: int = 60_000) -> bytes:
    """A PNG that claims ``width``×``height`` pixels but holds almost no data: a bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )
