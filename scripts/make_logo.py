"""Draw the organisation's mark, ``assets/logo.png``: an opened ring and the dot that left it.

The mark is one colour (white, with the shape in its alpha), so a card layout paints it in any
theme colour (``[[image]] colour = "red"``). It is drawn here, from code, so that it is original,
reproducible and free of any third-party artwork: run ``python scripts/make_logo.py`` from the
project root to regenerate it (the output is byte-identical for the same Pillow).
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 512
SCALE = 4  # drawn 4x larger and scaled down: Pillow's shapes are not anti-aliased

OUT = Path(__file__).resolve().parents[1] / "assets" / "logo.png"


def draw_mark(size: int = SIZE) -> Image.Image:
    """The mark as an RGBA image: white, shaped by alpha."""
    big = size * SCALE
    alpha = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(alpha)
    # An opened ring, a shackle that has let go, and the dot that has left it: release.
    outer = round(big * 0.80)
    ring = round(outer * 0.16)
    x0, y0 = 0, big - outer
    draw.ellipse((x0, y0, x0 + outer - 1, y0 + outer - 1), fill=255)
    draw.ellipse((x0 + ring, y0 + ring, x0 + outer - 1 - ring, y0 + outer - 1 - ring), fill=0)
    # The opening faces the top right (angles run clockwise from 3 o'clock).
    draw.pieslice((x0 - big, y0 - big, x0 + outer + big, y0 + outer + big), -80, -10, fill=0)
    # Round the two ends of the ring where it opens.
    cx, cy, mid = x0 + outer / 2, y0 + outer / 2, (outer - ring) / 2
    for angle in (-80, -10):
        ex = cx + mid * math.cos(math.radians(angle))
        ey = cy + mid * math.sin(math.radians(angle))
        draw.ellipse((ex - ring / 2, ey - ring / 2, ex + ring / 2, ey + ring / 2), fill=255)
    dot = round(ring * 1.5)
    draw.ellipse((big - dot - 1, 0, big - 1, dot), fill=255)
    alpha = alpha.resize((size, size), Image.Resampling.BOX)
    mark = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    mark.putalpha(alpha)
    return mark


def main() -> None:
    """Write ``assets/logo.png``."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    draw_mark().save(OUT, format="PNG", optimize=True)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
