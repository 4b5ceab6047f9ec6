"""Card images as the platforms take them: size, aspect ratio, and a blob under a byte limit."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from campaign_kit.errors import PublishError


@dataclass(frozen=True)
class CardImage:
    """A card's bytes as sent.

    Attributes:
        data: The bytes.
        mime: Their MIME type.
        width: Pixel width.
        height: Pixel height.

    """

    data: bytes
    mime: str
    width: int
    height: int


def load_card(path: Path, limit: int) -> CardImage:
    """Read a card; re-encode it as JPEG from its pixels only when the PNG exceeds ``limit`` bytes.

    Re-encoding is deterministic (fixed qualities tried in order, then halving the size), so
    a resumed publish sends the same bytes and Bluesky's blob CID stays the same.

    Raises:
        PublishError: The card is missing or not an image, or cannot be brought under ``limit``.

    """
    try:
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            fmt = img.format
            if len(data) <= limit and fmt in ("PNG", "JPEG"):
                return CardImage(data, f"image/{fmt.lower()}", width, height)
            pixels = img.convert("RGB")
    except FileNotFoundError:
        raise PublishError(f"{path}: card not found; build the cycle again") from None
    except (OSError, Image.DecompressionBombError) as exc:
        raise PublishError(f"{path}: not a readable image ({exc})") from None
    for scale in (1, 2, 4):
        img = pixels if scale == 1 else pixels.resize((width // scale, height // scale), Image.LANCZOS)
        for quality in (92, 85, 75, 60):
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=quality, optimize=True)
            if buf.tell() <= limit:
                return CardImage(buf.getvalue(), "image/jpeg", img.width, img.height)
    raise PublishError(f"{path}: cannot be brought under {limit:,} bytes")
