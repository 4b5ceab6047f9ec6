"""Card images as the platforms take them: size, aspect ratio, and a blob under a byte limit."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from campaign_kit.errors import ApprovalError, PublishError, reading


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
    """Read a card file and bring it under ``limit`` bytes (see :func:`card_from_bytes`).

    Raises:
        PublishError: The card is missing or not an image, or cannot be brought under ``limit``.

    """
    with reading(path, PublishError, missing="card not found; build the cycle again"):
        data = path.read_bytes()
    return card_from_bytes(data, str(path), limit)


def card_from_bytes(data: bytes, name: str, limit: int) -> CardImage:
    """A card as sent: its own bytes, re-encoded as JPEG from its pixels only when over ``limit``.

    Re-encoding is deterministic (fixed qualities tried in order, then halving the size), so
    a resumed publish sends the same bytes and Bluesky's blob CID stays the same.

    Raises:
        PublishError: ``data`` is not an image, or cannot be brought under ``limit``.

    """
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            fmt = img.format
            if len(data) <= limit and fmt in ("PNG", "JPEG"):
                return CardImage(data, f"image/{fmt.lower()}", width, height)
            pixels = img.convert("RGB")
    except (OSError, Image.DecompressionBombError) as exc:
        raise PublishError(f"{name}: not a readable image ({exc})") from None
    for scale in (1, 2, 4):
        img = pixels if scale == 1 else pixels.resize((width // scale, height // scale), Image.LANCZOS)
        for quality in (92, 85, 75, 60):
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=quality, optimize=True)
            if buf.tell() <= limit:
                return CardImage(buf.getvalue(), "image/jpeg", img.width, img.height)
    raise PublishError(f"{name}: cannot be brought under {limit:,} bytes")


class CardStore:
    """The approved cards of one publish run: each read once, checked, and sent as read.

    A card is read (without following a link) the first time a post needs it, and its bytes
    must hash to the sha256 the approval recorded; from then on every platform gets those
    bytes, so a rebuild while publish runs cannot change what is sent.

    Args:
        read: Reads a card's bytes by its path in the cycle folder (None when missing).
        approved: Card path -> the sha256 the approval recorded.
        where: The cycle folder (for messages).

    """

    def __init__(self, read: Callable[[str], bytes | None], approved: Mapping[str, str], where: Path) -> None:
        self._read = read
        self._approved = dict(approved)
        self._where = where
        self._bytes: dict[str, bytes] = {}
        self._images: dict[tuple[str, int], CardImage] = {}

    def load(self) -> list[str]:
        """Read every approved card now, once; return one line per card that differs or is missing.

        The cards that match are kept and sent from memory; so a publish checks them all
        before it sends anything, and a rebuild while it runs changes nothing it sends.
        """
        problems = []
        for rel, want in sorted(self._approved.items()):
            data = self._read(rel)
            if data is None:
                problems.append(f"{rel} is missing")
            elif hashlib.sha256(data).hexdigest() != want:
                problems.append(f"{rel} changed")
            else:
                self._bytes[rel] = data
        return problems

    def data(self, rel: str) -> bytes:
        """The card's approved bytes (read on first use).

        Raises:
            ApprovalError: The card is not approved, missing, or its bytes differ from the approval.

        """
        if rel in self._bytes:
            return self._bytes[rel]
        want = self._approved.get(rel)
        if want is None:
            raise ApprovalError(f"{self._where / rel}: no post of the approval carries this card")
        data = self._read(rel)
        if data is None:
            raise ApprovalError(f"{self._where / rel}: approved card is missing; build and approve again")
        if hashlib.sha256(data).hexdigest() != want:
            raise ApprovalError(
                f"{self._where / rel}: changed since the approval (a build ran?); nothing of it was "
                "sent. Review the kit and approve again"
            )
        self._bytes[rel] = data
        return data

    def image(self, rel: str, limit: int) -> CardImage:
        """The card as sent to a platform with a ``limit`` on image bytes."""
        key = (rel, limit)
        if key not in self._images:
            self._images[key] = card_from_bytes(self.data(rel), str(self._where / rel), limit)
        return self._images[key]
