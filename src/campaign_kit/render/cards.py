"""Share cards: content -> layout plan -> pixels -> PNG bytes, plus the card's alt text.

The planning is ``layout.plan_card`` (pure); this module supplies real font measurements,
draws the plan onto a pre-rendered background and encodes the PNG deterministically: the same
content, layout and fonts give byte-identical files, with no timestamps and no metadata chunks.

Everything expensive is done once per process: fonts (and their character maps), layouts,
and each format's static background.
"""

from __future__ import annotations

import io
import re
import struct
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont, features

from campaign_kit.config import Appeal, Campaign
from campaign_kit.errors import RenderError
from campaign_kit.locale import Locale
from campaign_kit.render.layout import (
    FORMATS,
    CardPlan,
    Layout,
    Span,
    load_layout,
    plan_card,
)
from campaign_kit.render.photos import load_photo, photo_path
from campaign_kit.render.png import encode_png
from campaign_kit.roster import Person

#: Where a project keeps its layouts and fonts (relative to the project root).
DEFAULT_TEMPLATES = Path("templates")
DEFAULT_FONTS = Path("assets/fonts")


# --- content ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardContent:
    """The words on one woman's card in one language, ready to set.

    Attributes:
        person_id: Her roster id (names her in errors and in output paths).
        lang: The card's language (``en``, ``be``, ``ru``).
        name: Her name in the card language's script, as lists print it: ``ABLAB Hanna``.
        other_name: Her name in the other script: ``АБЛАБ Анна``.
        spoken_name: Her name as a sentence says it, for alt text: ``Hanna Ablab``.
        spoken_other_name: The same in the other script: ``Анна Аблаб``.
        status: The status line: ``Sentenced to 11 years in a penal colony``.
        children: ``Mother of 2 children``, or empty when she has no minor children.
        hashtags: The appeal's tags with ``#``, appeal tags first.
        org_name: The organisation's name in the card's language.
        appeal_title: The appeal's title in the card's language.
        initials: Shown in place of a photo: ``H. A.``.
        photo: Her photo's file name in the photo folder, or ``None``.
        photo_focus: The point of the photo to keep in view, or ``None``.

    """

    person_id: str
    lang: str
    name: str
    other_name: str
    spoken_name: str
    spoken_other_name: str
    status: str
    children: str
    hashtags: tuple[str, ...]
    org_name: str
    appeal_title: str
    initials: str
    photo: str | None = None
    photo_focus: tuple[float, float] | None = None

    def texts(self) -> dict[str, str]:
        """The card's texts by layout field name."""
        return {
            "org_name": self.org_name,
            "appeal_title": self.appeal_title,
            "name": self.name,
            "other_name": self.other_name,
            "status": self.status,
            "children": self.children,
            "hashtags": " ".join(self.hashtags),
        }


def card_content(person: Person, campaign: Campaign, appeal: Appeal, locale: Locale) -> CardContent:
    """Collect the words of ``person``'s card in ``locale``'s language.

    Args:
        person: The woman.
        campaign: The campaign (organisation name, campaign-wide hashtags).
        appeal: The appeal the card belongs to (title, its hashtags).
        locale: The card's language.

    Returns:
        The card's content.

    Raises:
        RenderError: the campaign lacks the organisation name or appeal title in this language.

    """
    lang = locale.lang
    try:
        org_name = campaign.org_name[lang]
        title = appeal.title[lang]
    except KeyError:
        raise RenderError(
            f"{campaign.path}: no organisation name or title of appeal {appeal.key!r} in language {lang!r}"
        ) from None
    # The name forms (Latin, Belarusian, Russian) are the locale file's choice.
    spoken, spoken_other = locale.prose_name(person), locale.prose_name(person, other=True)
    return CardContent(
        person_id=person.id,
        lang=lang,
        name=locale.name(person),
        other_name=locale.other_name(person),
        spoken_name=spoken,
        spoken_other_name=spoken_other,
        status=locale.status(person),
        # Only an appeal about mothers says how many children she has.
        children=locale.mother_of(person.children) if appeal.needs_children else "",
        hashtags=tuple(f"#{tag}" for tag in campaign.appeal_hashtags(appeal)),
        org_name=org_name,
        appeal_title=title,
        initials=locale.initials(person),
        photo=person.photo,
        photo_focus=person.photo_focus,
    )


# --- fonts --------------------------------------------------------------------------------

_LAYOUT_ENGINE = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC


@cache
def _font_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise RenderError(f"{path}: font cannot be read ({exc.strerror or exc})") from None


@lru_cache(maxsize=512)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(io.BytesIO(_font_bytes(path)), size, layout_engine=_LAYOUT_ENGINE)
    except OSError as exc:
        raise RenderError(f"{path}: not a usable font ({exc})") from None


@cache
def font_coverage(path: str) -> frozenset[int]:
    """The code points ``path``'s character map gives a real glyph (not .notdef) for.

    Read from the font's ``cmap`` table directly, so a missing letter is known before drawing
    rather than discovered as a tofu box on a published card.

    Raises:
        RenderError: the file is not an OpenType/TrueType font with a Unicode cmap.

    """
    try:
        return _cmap_codepoints(_font_bytes(path))
    except (struct.error, ValueError, IndexError) as exc:
        raise RenderError(f"{path}: cannot read the font's character map ({exc})") from None


def _cmap_codepoints(data: bytes) -> frozenset[int]:
    num_tables = struct.unpack_from(">H", data, 4)[0]
    cmap = None
    for i in range(num_tables):
        tag, _checksum, offset, _length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        if tag == b"cmap":
            cmap = offset
    if cmap is None:
        raise ValueError("no cmap table")
    count = struct.unpack_from(">H", data, cmap + 2)[0]
    subtables: dict[int, int] = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        fmt = struct.unpack_from(">H", data, cmap + offset)[0]
        if (platform, encoding) in ((3, 10), (0, 4), (0, 6)) and fmt == 12:
            subtables.setdefault(12, cmap + offset)
        elif (platform, encoding) in ((3, 1), (0, 3), (0, 4)) and fmt == 4:
            subtables.setdefault(4, cmap + offset)
    points: set[int] = set()
    if 12 in subtables:
        base = subtables[12]
        groups = struct.unpack_from(">I", data, base + 12)[0]
        for g in range(groups):
            start, end, glyph = struct.unpack_from(">III", data, base + 16 + 12 * g)
            points.update(range(start + (1 if glyph == 0 else 0), end + 1))
    elif 4 in subtables:
        base = subtables[4]
        seg_x2 = struct.unpack_from(">H", data, base + 6)[0]
        ends = base + 14
        starts = ends + seg_x2 + 2
        deltas = starts + seg_x2
        range_offsets = deltas + seg_x2
        for s in range(seg_x2 // 2):
            end = struct.unpack_from(">H", data, ends + 2 * s)[0]
            start = struct.unpack_from(">H", data, starts + 2 * s)[0]
            delta = struct.unpack_from(">h", data, deltas + 2 * s)[0]
            ro_at = range_offsets + 2 * s
            range_offset = struct.unpack_from(">H", data, ro_at)[0]
            for c in range(start, min(end, 0xFFFE) + 1):
                if range_offset == 0:
                    glyph = (c + delta) & 0xFFFF
                else:
                    glyph = struct.unpack_from(">H", data, ro_at + range_offset + 2 * (c - start))[0]
                    if glyph:
                        glyph = (glyph + delta) & 0xFFFF
                if glyph:
                    points.add(c)
    else:
        raise ValueError("no Unicode cmap subtable (format 4 or 12)")
    return frozenset(points)


def check_glyphs(text: str, font_path: Path, where: str) -> None:
    """Raise ``RenderError`` if ``font_path`` has no glyph for a character of ``text``.

    Args:
        text: The text about to be drawn.
        font_path: The font file.
        where: Names the person, format and field for the message.

    Raises:
        RenderError: naming the character, its code point and the font.

    """
    covered = font_coverage(str(font_path))
    for ch in text:
        if ord(ch) not in covered:
            name = unicodedata.name(ch, "unnamed character")
            raise RenderError(
                f"{where}: the font {font_path.name} has no glyph for {ch!r} "
                f"(U+{ord(ch):04X} {name}); fix the text or add a font that has it"
            )


class _PillowMeasure:
    """``layout.Measure`` backed by the bundled fonts (results cached per process)."""

    def __init__(self, fonts: dict[str, str]) -> None:
        self.fonts = fonts

    def span(self, text: str, font: str, size: int) -> Span:
        return _span(self.fonts[font], size, text)

    def metrics(self, font: str, size: int) -> tuple[int, int]:
        return _metrics(self.fonts[font], size)


@lru_cache(maxsize=65536)
def _span(path: str, size: int, text: str) -> Span:
    left, top, right, bottom = _font(path, size).getbbox(text, anchor="ls")
    return Span(int(left), int(top), int(right), int(bottom))


@lru_cache(maxsize=4096)
def _metrics(path: str, size: int) -> tuple[int, int]:
    ascent, descent = _font(path, size).getmetrics()
    return int(ascent), int(descent)


@lru_cache(maxsize=64)
def _font_paths(fonts: tuple[tuple[str, str], ...], fonts_dir: str) -> dict[str, str]:
    paths = {}
    for role, file in fonts:
        path = Path(fonts_dir) / file
        if not path.is_file():
            raise RenderError(f"{path}: font of role {role!r} not found (see theme.toml)")
        paths[role] = str(path)
    return paths


# --- drawing ------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _background(layout: Layout) -> Image.Image:
    """The format's static pixels (canvas, shapes, photo ground, ring), drawn once per process."""
    image = Image.new("RGB", (layout.width, layout.height), layout.background)
    draw = ImageDraw.Draw(image)
    for shape in layout.shapes:
        draw.rectangle((shape.box.x, shape.box.y, shape.box.right - 1, shape.box.bottom - 1), fill=shape.fill)
    frame = layout.photo
    box = frame.box
    draw.rectangle((box.x, box.y, box.right - 1, box.bottom - 1), fill=frame.fill)
    if frame.ring_width and frame.ring_diameter:
        # Pillow's ellipse is not anti-aliased: draw the ring 4x larger and scale it down.
        scale = 4
        d = frame.ring_diameter
        mask = Image.new("L", (d * scale, d * scale), 0)
        ImageDraw.Draw(mask).ellipse(
            (0, 0, d * scale - 1, d * scale - 1), outline=255, width=frame.ring_width * scale
        )
        mask = mask.resize((d, d), Image.Resampling.BOX)
        at = (box.x + (box.w - d) // 2, box.y + (box.h - d) // 2)
        image.paste(Image.new("RGB", (d, d), frame.ring_colour), at, mask)
    return image


def plan(
    content: CardContent,
    fmt: str,
    *,
    templates_dir: Path = DEFAULT_TEMPLATES,
    fonts_dir: Path = DEFAULT_FONTS,
    with_photo: bool | None = None,
) -> CardPlan:
    """The card's plan: every text's size, lines and position (for tests and debugging).

    Args:
        content: The card's words.
        fmt: The format name.
        templates_dir: Holds ``cards/<fmt>.toml`` and ``cards/theme.toml``.
        fonts_dir: Holds the fonts the theme names.
        with_photo: Whether a photo fills the frame; default: whether ``content`` has one.

    Raises:
        FitError: a text cannot fit (naming the person, format and field).
        RenderError: bad layout, missing font, or a character the font lacks.

    """
    layout = load_layout(templates_dir, fmt)
    photo = content.photo is not None if with_photo is None else with_photo
    return _plan(content, layout, _font_paths(layout.fonts, str(fonts_dir)), photo)


def _plan(content: CardContent, layout: Layout, fonts: dict[str, str], with_photo: bool) -> CardPlan:
    card = plan_card(
        layout,
        content.texts(),
        _PillowMeasure(fonts),
        who=f"{content.person_id} ({content.lang})",
        initials=content.initials,
        with_photo=with_photo,
    )
    for line in (*card.lines, *((card.monogram,) if card.monogram else ())):
        key = (line.text, fonts[line.font])
        if key not in _CHECKED:
            check_glyphs(
                line.text,
                Path(key[1]),
                f"{content.person_id}: {layout.name} card ({content.lang}): {line.field}",
            )
            if len(_CHECKED) < 100_000:
                _CHECKED.add(key)
    return card


# Lines already known to have every glyph (the header and hashtags recur on every card).
_CHECKED: set[tuple[str, str]] = set()


def draw_card(
    content: CardContent,
    fmt: str,
    photo_root: Path,
    *,
    templates_dir: Path = DEFAULT_TEMPLATES,
    fonts_dir: Path = DEFAULT_FONTS,
    debug: bool = False,
) -> Image.Image:
    """Draw a card as a new RGB image (no metadata); ``render_card`` encodes it.

    With ``debug``, the layout's boxes are outlined (blocks in blue, the photo frame in green)
    and each line's box in grey, for a designer tuning a layout file; never publish those.

    Raises:
        FitError: a text cannot fit (naming the person, format and field).
        PhotoError: her photo is missing, corrupt or unsafe.
        RenderError: bad layout, missing font, or a character the font lacks.

    """
    layout = load_layout(templates_dir, fmt)
    fonts = _font_paths(layout.fonts, str(fonts_dir))
    photo = None
    if content.photo is not None:
        frame = layout.photo.box
        photo = load_photo(photo_path(photo_root, content.photo), (frame.w, frame.h), content.photo_focus)
    card = _plan(content, layout, fonts, photo is not None)
    image = _background(layout).copy()
    if photo is not None:
        image.paste(photo, (card.photo_box.x, card.photo_box.y))
    for line in (*((card.monogram,) if card.monogram else ()), *card.lines):
        mask, (left, top) = _text_mask(fonts[line.font], line.size, line.text)
        x, y = line.x + left, line.y + top
        image.paste(line.colour, (x, y, x + mask.width, y + mask.height), mask)
    if debug:
        _draw_overlay(image, layout, card)
    return image


def _draw_overlay(image: Image.Image, layout: Layout, card: CardPlan) -> None:
    draw = ImageDraw.Draw(image)
    for line in card.lines:
        draw.rectangle(
            (line.bbox[0], line.bbox[1], line.bbox[2] - 1, line.bbox[3] - 1), outline=(150, 150, 150)
        )
    for block in layout.blocks:
        box = block.box
        draw.rectangle((box.x, box.y, box.right - 1, box.bottom - 1), outline=(0, 90, 255), width=2)
    box = layout.photo.box
    draw.rectangle((box.x, box.y, box.right - 1, box.bottom - 1), outline=(0, 170, 60), width=2)


@lru_cache(maxsize=256)
def _text_mask(path: str, size: int, text: str) -> tuple[Image.Image, tuple[int, int]]:
    """The anti-aliased coverage of ``text`` and its offset from the pen on the baseline.

    Rasterising is most of a card's drawing time, and most lines recur (the header and
    hashtags on every card, a name in five formats), so each line is rasterised once.
    """
    font = _font(path, size)
    left, top, right, bottom = (int(v) for v in font.getbbox(text, anchor="ls"))
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, font=font, fill=255, anchor="ls")
    return mask, (left, top)


def card_dependencies(
    fmt: str, *, templates_dir: Path = DEFAULT_TEMPLATES, fonts_dir: Path = DEFAULT_FONTS
) -> tuple[Path, ...]:
    """The files a card of ``fmt`` is drawn from, for a build's cache key.

    Her content and her photo file come on top of these. ``cards/alt.toml`` is not among them:
    it changes the alt text, never the pixels.

    Raises:
        RenderError: bad layout or missing font (as ``render_card`` would).

    """
    layout = load_layout(templates_dir, fmt)
    fonts = _font_paths(layout.fonts, str(fonts_dir))
    cards = templates_dir / "cards"
    return (cards / f"{fmt}.toml", cards / "theme.toml", *sorted({Path(path) for path in fonts.values()}))


def render_card(
    content: CardContent,
    fmt: str,
    photo_root: Path,
    *,
    templates_dir: Path = DEFAULT_TEMPLATES,
    fonts_dir: Path = DEFAULT_FONTS,
) -> bytes:
    """Render one card as PNG bytes.

    Args:
        content: The card's words (see ``card_content``).
        fmt: ``square``, ``portrait``, ``story``, ``landscape`` or ``link``.
        photo_root: The folder holding photos (``assets/photos``).
        templates_dir: Holds ``cards/<fmt>.toml``, ``cards/theme.toml``.
        fonts_dir: Holds the fonts the theme names (``assets/fonts``).

    Returns:
        The PNG file's bytes; identical inputs give identical bytes.

    Raises:
        FitError: a text cannot fit (naming the person, format and field).
        PhotoError: her photo is missing, corrupt or unsafe.
        RenderError: bad layout, missing font, or a character the font lacks.

    """
    return encode_png(draw_card(content, fmt, photo_root, templates_dir=templates_dir, fonts_dir=fonts_dir))


# --- alt text -----------------------------------------------------------------------------

ALT_KEYS = (
    "org_name",
    "appeal_title",
    "name",
    "other_name",
    "status",
    "children",
    "hashtags",
    "picture",
    "initials",
)
_ALT_FIELDS = ("parts", "photo", "placeholder")
_PLACEHOLDER_RE = re.compile(r"\{([a-z_]*)\}")


@dataclass(frozen=True)
class _AltWording:
    source: str
    parts: tuple[str, ...]
    photo: str
    placeholder: str


@lru_cache(maxsize=32)
def _alt_wording(path: str, mtime_ns: int, lang: str) -> _AltWording:
    try:
        data: dict[str, Any] = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: TOML errors, huge ints
        raise RenderError(f"{path}: cannot be read: {exc}") from None
    table = data.get(lang)
    if not isinstance(table, dict):
        raise RenderError(f"{path}: no [{lang}] table with the alt text wording")
    for key in table:
        if key not in _ALT_FIELDS:
            raise RenderError(f"{path}: {lang}.{key}: unknown key (expected one of {', '.join(_ALT_FIELDS)})")
    parts = table.get("parts")
    if not isinstance(parts, list) or not parts or not all(isinstance(p, str) for p in parts):
        raise RenderError(f"{path}: {lang}.parts: must be a list of strings")
    for key in ("photo", "placeholder"):
        if not isinstance(table.get(key), str):
            raise RenderError(f"{path}: {lang}.{key}: missing or not a string")
    for key, text in [
        *((f"parts[{i}]", p) for i, p in enumerate(parts)),
        ("photo", table["photo"]),
        ("placeholder", table["placeholder"]),
    ]:
        for name in _PLACEHOLDER_RE.findall(text):
            if name not in ALT_KEYS:
                raise RenderError(
                    f"{path}: {lang}.{key}: unknown placeholder {{{name}}} (known: {', '.join(ALT_KEYS)})"
                )
    return _AltWording(path, tuple(parts), table["photo"], table["placeholder"])


def _fill(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], template)


def alt_text(content: CardContent, *, templates_dir: Path = DEFAULT_TEMPLATES) -> str:
    """The card's alt text in its language: what the card says, for people who cannot see it.

    Names are written as a sentence says them (``Hanna Ablab``), because screen readers spell
    out all-capital words letter by letter. A part whose values are all empty is left out
    (no "Mother of" line for a woman without minor children).

    Args:
        content: The card's words.
        templates_dir: Holds ``cards/alt.toml`` (the wording per language).

    Raises:
        RenderError: ``alt.toml`` is missing, unreadable, or lacks this language.

    """
    path = templates_dir / "cards" / "alt.toml"
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise RenderError(f"{path}: file not found") from None
    wording = _alt_wording(str(path), mtime, content.lang)
    values = {
        "org_name": content.org_name,
        "appeal_title": content.appeal_title,
        "name": content.spoken_name,
        "other_name": content.spoken_other_name,
        "status": content.status.rstrip(". "),
        "children": content.children.rstrip(". "),
        "hashtags": " ".join(content.hashtags),
        "initials": content.initials,
    }
    picture = wording.photo if content.photo else wording.placeholder
    values["picture"] = _fill(picture, values)
    out = []
    for part in wording.parts:
        names = _PLACEHOLDER_RE.findall(part)
        if names and not any(values[name] for name in names):
            continue
        out.append(_fill(part, values))
    return " ".join(" ".join(out).split())


__all__ = [
    "FORMATS",
    "CardContent",
    "alt_text",
    "card_content",
    "card_dependencies",
    "check_glyphs",
    "draw_card",
    "encode_png",
    "font_coverage",
    "plan",
    "render_card",
]
