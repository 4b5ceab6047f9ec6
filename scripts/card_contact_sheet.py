"""Contact sheets of the share cards, for looking at them all at once: ``docs/cards/``.

    python scripts/card_contact_sheet.py [--out docs/cards] [--appeal mothers]

Writes, from the project's roster, campaign.toml and card layouts:

- ``contact-sheet-grid-<lang>.png``: every woman's square card of the appeal, three to a row as
  Instagram's profile grid shows them (cropped to 3:4), so repeated colours and words show;
- ``contact-sheet-formats.png``: one woman's five formats in en, be and ru;
- ``contact-sheet-photo.png``: the same with a photo: a drawn stand-in portrait (never a real
  person's photo), to check the fade, the crop around ``photo_focus`` and the JPEG encoding.

Cards are drawn with the build's own renderer; nothing is written under out/.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from campaign_kit.campaign.config import load_campaign  # noqa: E402
from campaign_kit.campaign.cycles import appeal_members  # noqa: E402
from campaign_kit.campaign.locale import load_locale  # noqa: E402
from campaign_kit.render import cards  # noqa: E402
from campaign_kit.roster import PartialDate, load_roster  # noqa: E402

GAP = 12
BACK = (230, 230, 230)


def stand_in_photo(path: Path) -> None:
    """A drawn portrait (head, shoulders, a textured background): not a photo of anyone."""
    w, h = 1200, 1500
    im = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(im)
    for y in range(h):
        draw.line([(0, y), (w, y)], fill=(150 - y // 25, 160 - y // 30, 150 - y // 40))
    draw.ellipse((330, 200, 870, 900), fill=(72, 52, 40))
    draw.ellipse((410, 300, 790, 820), fill=(226, 184, 152))
    draw.rectangle((280, 900, 920, 1500), fill=(52, 72, 120))
    draw.ellipse((300, 820, 900, 1100), fill=(52, 72, 120))
    draw.ellipse((490, 500, 540, 540), fill=(50, 36, 30))
    draw.ellipse((660, 500, 710, 540), fill=(50, 36, 30))
    draw.arc((530, 650, 670, 730), 20, 160, fill=(160, 70, 70), width=9)
    noise = Image.effect_noise((w, h), 48).convert("RGB")
    Image.blend(im, noise, 0.1).filter(ImageFilter.GaussianBlur(1.2)).save(path, quality=92)


def row(images: list[Image.Image], height: int) -> Image.Image:
    """The images side by side, each scaled to ``height``."""
    scaled = [
        im.resize((round(im.width * height / im.height), height), Image.Resampling.LANCZOS) for im in images
    ]
    out = Image.new("RGB", (sum(i.width for i in scaled) + GAP * (len(scaled) - 1), height), BACK)
    x = 0
    for im in scaled:
        out.paste(im, (x, 0))
        x += im.width + GAP
    return out


def stack(rows: list[Image.Image]) -> Image.Image:
    """The rows one under another, on a light grey ground."""
    out = Image.new(
        "RGB",
        (max(r.width for r in rows) + 2 * GAP, sum(r.height for r in rows) + GAP * (len(rows) + 1)),
        BACK,
    )
    y = GAP
    for r in rows:
        out.paste(r, (GAP, y))
        y += r.height + GAP
    return out


def decode(data: bytes) -> Image.Image:
    """A card file's pixels (PNG or JPEG)."""
    return Image.open(io.BytesIO(data)).convert("RGB")


def main() -> None:
    """Draw the cards and write the sheets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "cards")
    parser.add_argument("--appeal", default="mothers")
    args = parser.parse_args()
    templates = ROOT / "templates"
    roster = load_roster(ROOT / "roster.json")
    campaign = load_campaign(ROOT / "campaign.toml")
    appeal = campaign.appeals[args.appeal]
    people = list(appeal_members(roster, appeal, roster.as_of))
    args.out.mkdir(parents=True, exist_ok=True)
    fonts = ROOT / "assets" / "fonts"

    def content(person, lang, number):  # noqa: ANN001, ANN202
        return cards.card_content(
            person,
            campaign,
            appeal,
            load_locale(templates, lang),
            as_of=roster.as_of,
            templates_dir=templates,
            number=number,
            count=len(people),
        )

    def draw(c, fmt, photos):  # noqa: ANN001, ANN202
        return decode(cards.render_card(c, fmt, photos, templates_dir=templates, fonts_dir=fonts))

    photos = ROOT / "assets" / "photos"
    for lang in campaign.languages:
        tiles = []
        for n, person in enumerate(people, start=1):
            square = draw(content(person, lang, n), "square", photos)
            tiles.append(square.crop((135, 0, 945, 1080)))  # Instagram's 3:4 grid tile
        grid = [row(tiles[i : i + 3], 320) for i in range(0, len(tiles), 3)]
        stack(grid).save(args.out / f"contact-sheet-grid-{lang}.png", optimize=True)

    first = people[0]
    rows = [
        row([draw(content(first, lang, 1), fmt, photos) for fmt in cards.FORMATS], 300)
        for lang in campaign.languages
    ]
    stack(rows).save(args.out / "contact-sheet-formats.png", optimize=True)

    with tempfile.TemporaryDirectory() as tmp:
        stand_in_photo(Path(tmp) / "stand-in.jpg")
        with_photo = dataclasses.replace(
            first,
            photo="stand-in.jpg",
            photo_focus=(0.5, 0.38),
            photo_credit=None,
            photo_credits=(("be", "сямейны архіў"), ("en", "family archive"), ("ru", "семейный архив")),
            photo_alt=(("en", "A drawn stand-in portrait"),),
            detained_on=PartialDate(2021, 3, 12),
        )
        rows = [
            row([draw(content(with_photo, lang, 1), fmt, Path(tmp)) for fmt in cards.FORMATS], 300)
            for lang in campaign.languages
        ]
    stack(rows).save(args.out / "contact-sheet-photo.png", optimize=True)
    for path in sorted(args.out.glob("contact-sheet-*.png")):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
