"""Share cards: content -> layout plan -> pixels -> PNG bytes, plus the card's alt text.

The planning is ``typeset.plan_card`` (pure); this module supplies real font measurements,
draws the plan onto a pre-rendered background and encodes the PNG deterministically: the same
content, layout and fonts give byte-identical files, with no timestamps and no metadata chunks.

Everything expensive is done once per process: fonts (and their character maps), layouts,
images such as the logo, and each format's static background.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import tomllib
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont, features

from campaign_kit import facts
from campaign_kit.config import Appeal, Campaign
from campaign_kit.errors import CampaignKitError, Problem, RenderError, TemplateError
from campaign_kit.locale import Locale
from campaign_kit.render.card_layout import (
    FORMATS,
    RGB,
    ImageElement,
    Layout,
    load_layout,
)
from campaign_kit.render.photos import load_photo, photo_path
from campaign_kit.render.png import encode_png
from campaign_kit.render.typeset import CardPlan, Span, plan_card
from campaign_kit.roster import Person

#: Where a project keeps its layouts, fonts and images (relative to the project root).
DEFAULT_TEMPLATES = Path("templates")
DEFAULT_FONTS = Path("assets/fonts")

#: WCAG 2 AA: the least contrast normal-size text may have against what is behind it.
MIN_CONTRAST = 4.5


# --- content ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardContent:
    """The words on one woman's card in one language, ready to set.

    Attributes:
        person_id: Her roster id (names her in errors and in output paths).
        lang: The card's language (``en``, ``be``, ``ru``).
        message: The appeal's message, first on the card: ``Her 2 children are waiting for her``.
        name: Her name in the card language's script, as lists print it: ``ABLAB Hanna``.
        other_name: Her name in the other script: ``АБЛАБ Анна``.
        spoken_name: Her name as a sentence says it, for alt text: ``Hanna Ablab``.
        given: Her given name in the card's script, set large where there is no photo.
        status: The status line: ``Sentenced to 11 years in a penal colony``.
        children: ``Mother of 2 children``, or empty when she has no minor children.
        hashtags: The appeal's tags with ``#``, appeal tags first.
        org_name: The organisation's name in the card's language.
        appeal_title: The appeal's title in the card's language.
        cta: The call to action: ``Write to her · belaruswomen.org``.
        as_of: ``List correct as of 24 November 2026`` (empty without a date).
        site_host: The organisation's site without ``https://``: ``belaruswomen.org``.
        site_url: The site's full address.
        photo: Her photo's file name in the photo folder, or ``None``.
        photo_focus: The point of the photo to keep in view, or ``None``.
        photo_credit: ``Photo: …`` when her photo has a credit, else empty.
        variant: Picks the placeholder's colour: stable for her, different between women.

    """

    person_id: str
    lang: str
    message: str
    name: str
    other_name: str
    spoken_name: str
    given: str
    status: str
    children: str
    hashtags: tuple[str, ...]
    org_name: str
    appeal_title: str
    cta: str = ""
    as_of: str = ""
    site_host: str = ""
    site_url: str = ""
    photo: str | None = None
    photo_focus: tuple[float, float] | None = None
    photo_credit: str = ""
    variant: int = 0

    def texts(self) -> dict[str, str]:
        """The card's texts by layout field name (``card_layout.FIELDS``)."""
        return {
            "message": self.message,
            "name": self.name,
            "other_name": self.other_name,
            "status": self.status,
            "children": self.children,
            "org_name": self.org_name,
            "appeal_title": self.appeal_title,
            "cta": self.cta,
            "as_of": self.as_of,
            "photo_credit": self.photo_credit if self.photo else "",
            "site_host": self.site_host,
            "site_url": self.site_url,
            "hashtags": " ".join(self.hashtags),
        }


@dataclass(frozen=True)
class CardWords:
    """``cards/words.toml`` for one language: the card's own phrases."""

    source: str
    message: tuple[tuple[str, str], ...]
    no_children: str
    cta: str
    as_of: str
    photo_credit: str

    def message_for(self, lang: str, children: int | None) -> str:
        """The message for a mother of ``children`` (``no_children`` for none or unknown)."""
        if not children:
            return self.no_children
        try:
            return facts.plural(lang, children, dict(self.message), f"{self.source}: {lang}.message")
        except TemplateError as exc:
            raise RenderError(exc.message) from None


_WORD_KEYS = ("message", "no_children", "cta", "as_of", "photo_credit")
_WORD_PLACEHOLDERS = {
    "message": ("n",),
    "no_children": (),
    "cta": ("site_host", "site_url"),
    "as_of": ("date",),
    "photo_credit": ("credit",),
}
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")


def _language_table(path: str, lang: str, what: str) -> dict[str, Any]:
    """One language's table of a per-language words file (``words.toml``, ``alt.toml``)."""
    try:
        data: dict[str, Any] = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: TOML errors, huge ints
        raise RenderError(f"{path}: cannot be read: {exc}") from None
    table = data.get(lang)
    if not isinstance(table, dict):
        raise RenderError(f"{path}: no [{lang}] table with {what}")
    return table


@lru_cache(maxsize=32)
def _card_words(path: str, mtime_ns: int, lang: str) -> CardWords:
    table = _language_table(path, lang, "the card wording")
    problems: list[Problem] = []
    for key in table:
        if key not in _WORD_KEYS:
            problems.append(
                Problem(path, f"unknown key (expected one of {', '.join(_WORD_KEYS)})", field=f"{lang}.{key}")
            )
    message = table.get("message")
    if not isinstance(message, dict) or not message or not all(isinstance(v, str) for v in message.values()):
        problems.append(
            Problem(
                path,
                'must be a table of plural forms (one, few, many, other, or an exact "=N")',
                field=f"{lang}.message",
            )
        )
        message = {}
    for key in _WORD_KEYS[1:]:
        if not isinstance(table.get(key), str):
            problems.append(Problem(path, "missing or not a string", field=f"{lang}.{key}"))
    texts = [(f"message.{k}", "message", v) for k, v in message.items()]
    texts += [(k, k, table[k]) for k in _WORD_KEYS[1:] if isinstance(table.get(k), str)]
    for where, kind, text in texts:
        for name in _PLACEHOLDER_RE.findall(text):
            if name not in _WORD_PLACEHOLDERS[kind]:
                known = ", ".join(f"{{{n}}}" for n in _WORD_PLACEHOLDERS[kind]) or "none"
                problems.append(
                    Problem(path, f"unknown placeholder {{{name}}} (known: {known})", field=f"{lang}.{where}")
                )
    if problems:
        raise RenderError(
            f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the card wording",
            problems,
        )
    return CardWords(
        path,
        tuple(message.items()),
        table["no_children"],
        table["cta"],
        table["as_of"],
        table["photo_credit"],
    )


def card_words(templates_dir: Path, lang: str) -> CardWords:
    """The card wording of ``lang`` from ``templates_dir/cards/words.toml`` (cached per process).

    Raises:
        RenderError: the file is missing or unreadable, lacks the language, or has a bad key.

    """
    path = templates_dir / "cards" / "words.toml"
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise RenderError(f"{path}: file not found") from None
    return _card_words(str(path), mtime, lang)


def _fill(template: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], template)


def _variant(person_id: str) -> int:
    # Stable across runs and processes (unlike hash()), spread across women.
    return int.from_bytes(hashlib.sha256(person_id.encode("utf-8")).digest()[:4], "big")


def card_content(
    person: Person,
    campaign: Campaign,
    appeal: Appeal,
    locale: Locale,
    *,
    as_of: date | None = None,
    templates_dir: Path = DEFAULT_TEMPLATES,
) -> CardContent:
    """Collect the words of ``person``'s card in ``locale``'s language.

    This is the one place a card's words come from her record: the layout and the drawing
    only see the content.

    Args:
        person: The woman.
        campaign: The campaign (organisation name, site, campaign-wide hashtags).
        appeal: The appeal the card belongs to (title, its hashtags).
        locale: The card's language.
        as_of: The date the list is correct as of (the roster's); ``None`` leaves it off.
        templates_dir: Holds ``cards/words.toml`` (the message, call to action, credit line).

    Returns:
        The card's content.

    Raises:
        RenderError: the campaign lacks the organisation name or appeal title in this
            language, or the card wording is missing or bad.

    """
    lang = locale.lang
    try:
        org_name = campaign.org_name[lang]
        title = appeal.title[lang]
    except KeyError:
        raise RenderError(
            f"{campaign.path}: no organisation name or title of appeal {appeal.key!r} in language {lang!r}"
        ) from None
    words = card_words(templates_dir, lang)
    site_url = campaign.site_url
    site_host = re.sub(r"\Ahttps?://(www\.)?", "", site_url).rstrip("/")
    # The name forms (Latin, Belarusian, Russian) are the locale file's choice.
    given = locale.name_parts(person)[1]
    # Only an appeal about mothers speaks of her children, on the card as in the texts.
    children = facts.children_stated(appeal, person)
    credit = _fill(words.photo_credit, {"credit": person.photo_credit}) if person.photo_credit else ""
    date_text = facts.long_date(as_of, locale.date_locale) if as_of else ""
    return CardContent(
        person_id=person.id,
        lang=lang,
        message=words.message_for(lang, children),
        name=locale.name(person),
        other_name=locale.other_name(person),
        spoken_name=locale.prose_name(person),
        given=given,
        status=locale.status(person),
        children=locale.mother_of(children),
        hashtags=tuple(f"#{tag}" for tag in campaign.appeal_hashtags(appeal)),
        org_name=org_name,
        appeal_title=title,
        cta=_fill(words.cta, {"site_host": site_host, "site_url": site_url}),
        as_of=_fill(words.as_of, {"date": date_text}) if date_text else "",
        site_host=site_host,
        site_url=site_url,
        photo=person.photo,
        photo_focus=person.photo_focus,
        photo_credit=credit,
        variant=_variant(person.id),
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
    """``typeset.Measure`` backed by the bundled fonts (results cached per process)."""

    def __init__(self, fonts: dict[str, str]) -> None:
        self.fonts = fonts

    def span(self, text: str, font: str, size: int, tracking: float = 0.0) -> Span:
        if tracking:
            return _tracked(self.fonts[font], size, text, tracking)[0]
        return _span(self.fonts[font], size, text)

    def metrics(self, font: str, size: int) -> tuple[int, int]:
        return _metrics(self.fonts[font], size)


@lru_cache(maxsize=65536)
def _span(path: str, size: int, text: str) -> Span:
    left, top, right, bottom = _font(path, size).getbbox(text, anchor="ls")
    return Span(int(left), int(top), int(right), int(bottom))


@lru_cache(maxsize=4096)
def _tracked(path: str, size: int, text: str, tracking: float) -> tuple[Span, tuple[tuple[str, int], ...]]:
    """A letter-spaced line: its extent and each character's pen x (kerning kept).

    Each character's pen is where the unspaced line puts it (so pairs keep their kerning)
    plus ``tracking`` em per character before it.
    """
    font = _font(path, size)
    extra = tracking * size
    pens: list[tuple[str, int]] = []
    left = top = right = bottom = 0
    first = True
    for k, ch in enumerate(text):
        pen = round(font.getlength(text[:k]) + k * extra)
        pens.append((ch, pen))
        if ch.isspace():
            continue
        x0, t, x1, b = (int(v) for v in font.getbbox(ch, anchor="ls"))
        if first:
            left, top, right, bottom = pen + x0, t, pen + x1, b
            first = False
        else:
            left, top, right, bottom = min(left, pen + x0), min(top, t), max(right, pen + x1), max(bottom, b)
    return Span(left, top, right, bottom), tuple(pens)


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


# --- images (the logo) --------------------------------------------------------------------

#: A layout image is a small mark; anything larger is refused before its pixels are decoded.
MAX_IMAGE_PIXELS = 4_000_000


@lru_cache(maxsize=32)
def _asset_image(path: str, mtime_ns: int) -> Image.Image:
    """A layout image as RGBA, decoded once per process (a PNG from the project's assets)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise RenderError(f"{path}: image of the card layout not found") from None
    except OSError as exc:
        raise RenderError(f"{path}: image cannot be read ({exc.strerror or exc})") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=("PNG",))
            if im.width * im.height > MAX_IMAGE_PIXELS:
                raise RenderError(
                    f"{path}: image is {im.width}×{im.height}; at most {MAX_IMAGE_PIXELS:,} pixels"
                )
            im.load()
    except RenderError:
        raise
    except Exception as exc:  # Pillow raises many kinds for a bad file; all mean the same here
        raise RenderError(f"{path}: not a readable PNG image ({exc})") from None
    return im.convert("RGBA")


def _image_file(images_dir: Path, element: ImageElement) -> Path:
    return images_dir / element.file


def _fitted_image(element: ImageElement, images_dir: Path) -> tuple[Image.Image, tuple[int, int]]:
    """The image scaled to fit inside its box (aspect kept), and where it goes."""
    path = _image_file(images_dir, element)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise RenderError(f"{path}: image of the card layout not found") from None
    src = _asset_image(str(path), mtime)
    box = element.box
    scale = min(box.w / src.width, box.h / src.height)
    size = (max(1, round(src.width * scale)), max(1, round(src.height * scale)))
    im = src.resize(size, Image.Resampling.LANCZOS)
    free_x, free_y = box.w - size[0], box.h - size[1]
    x = box.x + {"left": 0, "center": free_x // 2, "right": free_x}[element.align]
    y = box.y + {"top": 0, "center": free_y // 2, "bottom": free_y}[element.valign]
    return im, (x, y)


# --- drawing ------------------------------------------------------------------------------

_SUPERSAMPLE = 4


def _shape_mask(size: tuple[int, int], kind: str, radius: int, width: int = 0) -> Image.Image:
    """An anti-aliased mask of a rounded rectangle or ellipse (Pillow's own are not smoothed)."""
    w, h = size
    s = _SUPERSAMPLE
    big = Image.new("L", (w * s, h * s), 0)
    draw = ImageDraw.Draw(big)
    rect = (0, 0, w * s - 1, h * s - 1)
    if kind == "circle":
        if width:
            draw.ellipse(rect, outline=255, width=width * s)
        else:
            draw.ellipse(rect, fill=255)
    elif width:
        draw.rounded_rectangle(rect, radius=radius * s, outline=255, width=width * s)
    else:
        draw.rounded_rectangle(rect, radius=radius * s, fill=255)
    return big.resize((w, h), Image.Resampling.BOX)


def _paint(
    image: Image.Image, box: Any, colour: RGB, kind: str = "rect", radius: int = 0, width: int = 0
) -> None:
    if kind == "rect" and not radius and not width:
        ImageDraw.Draw(image).rectangle((box.x, box.y, box.right - 1, box.bottom - 1), fill=colour)
        return
    mask = _shape_mask((box.w, box.h), kind, radius, width)
    image.paste(Image.new("RGB", (box.w, box.h), colour), (box.x, box.y), mask)


@lru_cache(maxsize=64)
def _background(layout: Layout, images_dir: str, fill: RGB | None) -> Image.Image:
    """The format's static pixels (canvas, shapes, images, the frame's fill), once per process.

    ``fill`` is the placeholder's colour for a card without a photo, ``None`` under a photo.
    """
    image = Image.new("RGB", (layout.width, layout.height), layout.background)
    for shape in layout.shapes:
        if shape.fill is not None:
            _paint(image, shape.box, shape.fill, shape.kind, shape.radius)
        if shape.outline is not None and shape.outline_width:
            _paint(image, shape.box, shape.outline, shape.kind, shape.radius, shape.outline_width)
    for element in layout.images:
        im, at = _fitted_image(element, Path(images_dir))
        if element.colour is not None:
            image.paste(Image.new("RGB", im.size, element.colour), at, im.getchannel("A"))
        else:
            image.paste(im, at, im)
    if fill is not None:
        _paint(image, layout.photo.box, fill, radius=layout.photo.radius)
    return image


@lru_cache(maxsize=16)
def _photo_mask(size: tuple[int, int], radius: int) -> Image.Image:
    return _shape_mask(size, "rect", radius)


def _images_dir(fonts_dir: Path, images_dir: Path | None) -> Path:
    # The logo lives in assets/ beside assets/fonts/: one folder argument serves both.
    return images_dir if images_dir is not None else fonts_dir.parent


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
    texts = content.texts()
    if not with_photo:
        texts["photo_credit"] = ""
    card = plan_card(
        layout,
        texts,
        _PillowMeasure(fonts),
        who=f"{content.person_id} ({content.lang})",
        placeholder=content.given,
        variant=content.variant,
        with_photo=with_photo,
    )
    for line in (*card.lines, *card.placeholder):
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


# Lines already known to have every glyph (the header and the site recur on every card).
_CHECKED: set[tuple[str, str]] = set()


def draw_card(
    content: CardContent,
    fmt: str,
    photo_root: Path,
    *,
    templates_dir: Path = DEFAULT_TEMPLATES,
    fonts_dir: Path = DEFAULT_FONTS,
    images_dir: Path | None = None,
    debug: bool = False,
) -> Image.Image:
    """Draw a card as a new RGB image (no metadata); ``render_card`` encodes it.

    With ``debug``, the layout's boxes are outlined (blocks in blue, the photo frame in green)
    and each line's box in grey, for a designer tuning a layout file; never publish those.

    Raises:
        FitError: a text cannot fit (naming the person, format and field).
        PhotoError: her photo is missing, corrupt or unsafe.
        RenderError: bad layout, missing font or image, too little contrast, or a character
            the font lacks.

    """
    layout = load_layout(templates_dir, fmt)
    fonts = _font_paths(layout.fonts, str(fonts_dir))
    images = str(_images_dir(fonts_dir, images_dir))
    _require_contrast(layout, images)
    photo = None
    if content.photo is not None:
        frame = layout.photo.box
        photo = load_photo(photo_path(photo_root, content.photo), (frame.w, frame.h), content.photo_focus)
    card = _plan(content, layout, fonts, photo is not None)
    image = _background(layout, images, card.placeholder_fill).copy()
    if photo is not None:
        box = card.photo_box
        mask = _photo_mask((box.w, box.h), layout.photo.radius) if layout.photo.radius else None
        image.paste(photo, (box.x, box.y), mask)
    for line in (*card.placeholder, *card.lines):
        mask, (left, top) = _text_mask(fonts[line.font], line.size, line.text, line.tracking)
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
    for element in layout.images:
        box = element.box
        draw.rectangle((box.x, box.y, box.right - 1, box.bottom - 1), outline=(220, 0, 220), width=2)
    box = layout.photo.box
    draw.rectangle((box.x, box.y, box.right - 1, box.bottom - 1), outline=(0, 170, 60), width=2)


@lru_cache(maxsize=256)
def _text_mask(path: str, size: int, text: str, tracking: float = 0.0) -> tuple[Image.Image, tuple[int, int]]:
    """The anti-aliased coverage of ``text`` and its offset from the pen on the baseline.

    Rasterising is most of a card's drawing time, and most lines recur (the site and the call
    to action on every card, a name in five formats), so each line is rasterised once.
    """
    font = _font(path, size)
    if tracking:
        span, pens = _tracked(path, size, text, tracking)
        left, top, right, bottom = span.left, span.top, span.right, span.bottom
        mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
        draw = ImageDraw.Draw(mask)
        for ch, pen in pens:
            if not ch.isspace():
                draw.text((pen - left, -top), ch, font=font, fill=255, anchor="ls")
        return mask, (left, top)
    left, top, right, bottom = (int(v) for v in font.getbbox(text, anchor="ls"))
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, font=font, fill=255, anchor="ls")
    return mask, (left, top)


# --- contrast -----------------------------------------------------------------------------


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: RGB) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0 black .. 1 white)."""
    r, g, b = (_channel(v) for v in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    """WCAG 2 contrast ratio of two colours (1 .. 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def contrast_behind(image: Image.Image, box: tuple[int, int, int, int], colour: RGB) -> float:
    """The lowest contrast of ``colour`` against any pixel of ``image`` inside ``box``.

    ``box`` is (x0, y0, x1, y1). Every distinct colour counts, anti-aliased shape edges too:
    text that straddles a red edge is judged against the worst pixel it covers.
    """
    region = image.crop(box)
    colours = region.getcolors(maxcolors=region.width * region.height + 1) or []
    return min((contrast(colour, pixel) for _count, pixel in colours), default=21.0)


def layout_contrast_problems(layout: Layout, images_dir: str) -> list[Problem]:
    """Every text of ``layout`` whose colour has less than 4.5:1 against what is behind its box.

    The background is drawn as a card draws it (canvas, shapes, the logo); each block's whole
    box is judged, since a text may be set anywhere in it. The placeholder's name is judged
    against each of its fills.
    """
    out: list[Problem] = []
    plain = _background(layout, images_dir, None)
    for i, block in enumerate(layout.blocks):
        box = (block.box.x, block.box.y, block.box.right, block.box.bottom)
        for j, style in enumerate(block.texts):
            ratio = contrast_behind(plain, box, style.colour)
            if ratio < MIN_CONTRAST:
                out.append(
                    Problem(
                        layout.source,
                        f"{style.field}: contrast {ratio:.2f}:1 against what is behind block "
                        f"{block.name!r}; at least {MIN_CONTRAST}:1 is needed",
                        field=f"block[{i}].text[{j}].colour",
                    )
                )
    ph = layout.photo.placeholder
    for k, fill in enumerate(ph.fills):
        ratio = contrast(ph.style.colour, fill)
        if ratio < MIN_CONTRAST:
            out.append(
                Problem(
                    layout.source,
                    f"the placeholder's name has contrast {ratio:.2f}:1 on fill {k + 1}; "
                    f"at least {MIN_CONTRAST}:1 is needed",
                    field=f"photo.placeholder.fills[{k}]",
                )
            )
    return out


@lru_cache(maxsize=64)
def _require_contrast(layout: Layout, images_dir: str) -> None:
    problems = layout_contrast_problems(layout, images_dir)
    if problems:
        n = len(problems)
        raise RenderError(
            f"{layout.source}: {n} text{'s' if n != 1 else ''} with too little contrast", problems
        )


def check_layouts(
    templates_dir: Path = DEFAULT_TEMPLATES, fonts_dir: Path = DEFAULT_FONTS, images_dir: Path | None = None
) -> list[Problem]:
    """Every problem of the card layouts, for ``validate``: keys, geometry, images, contrast.

    Returns:
        One problem per finding (an empty list when every format is fine).

    """
    out: list[Problem] = []
    images = str(_images_dir(fonts_dir, images_dir))
    for fmt in FORMATS:
        try:
            layout = load_layout(templates_dir, fmt)
            _font_paths(layout.fonts, str(fonts_dir))
            out.extend(layout_contrast_problems(layout, images))
        except CampaignKitError as exc:
            out.extend(exc.problems or [Problem(str(templates_dir / "cards" / f"{fmt}.toml"), exc.message)])
    return _unique_problems(out)


def _unique_problems(problems: list[Problem]) -> list[Problem]:
    # theme.toml's problems come back once per format that loads it.
    seen: set[tuple[str, str, str | None]] = set()
    out = []
    for p in problems:
        key = (p.path, p.message, p.field)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def card_asset_files(assets_dir: Path) -> list[Path]:
    """The asset files cards are drawn from, for a build's cache key: fonts and layout images.

    Photos are not among them: each card's key carries her own photo's digest.
    """
    fonts = sorted(p for p in (assets_dir / "fonts").rglob("*") if p.is_file() and not p.name.startswith("."))
    images = sorted(p for p in assets_dir.glob("*.png") if p.is_file()) if assets_dir.is_dir() else []
    return [*fonts, *images]


def card_dependencies(
    fmt: str,
    *,
    templates_dir: Path = DEFAULT_TEMPLATES,
    fonts_dir: Path = DEFAULT_FONTS,
    images_dir: Path | None = None,
) -> tuple[Path, ...]:
    """The files a card of ``fmt`` is drawn from, for a build's cache key.

    Her content and her photo file come on top of these. ``cards/alt.toml`` is not among them:
    it changes the alt text, never the pixels (``words.toml`` reaches the pixels through the
    content).

    Raises:
        RenderError: bad layout or missing font (as ``render_card`` would).

    """
    layout = load_layout(templates_dir, fmt)
    fonts = _font_paths(layout.fonts, str(fonts_dir))
    images = _images_dir(fonts_dir, images_dir)
    cards = templates_dir / "cards"
    files = {Path(path) for path in fonts.values()} | {_image_file(images, e) for e in layout.images}
    return (cards / f"{fmt}.toml", cards / "theme.toml", *sorted(files))


def render_card(
    content: CardContent,
    fmt: str,
    photo_root: Path,
    *,
    templates_dir: Path = DEFAULT_TEMPLATES,
    fonts_dir: Path = DEFAULT_FONTS,
    images_dir: Path | None = None,
) -> bytes:
    """Render one card as PNG bytes.

    Args:
        content: The card's words (see ``card_content``).
        fmt: ``square``, ``portrait``, ``story``, ``landscape`` or ``link``.
        photo_root: The folder holding photos (``assets/photos``).
        templates_dir: Holds ``cards/<fmt>.toml``, ``cards/theme.toml``.
        fonts_dir: Holds the fonts the theme names (``assets/fonts``).
        images_dir: Holds the layouts' images (the logo); default: the folder above ``fonts_dir``.

    Returns:
        The PNG file's bytes; identical inputs give identical bytes.

    Raises:
        FitError: a text cannot fit (naming the person, format and field).
        PhotoError: her photo is missing, corrupt or unsafe.
        RenderError: bad layout, missing font, or a character the font lacks.

    """
    image = draw_card(
        content, fmt, photo_root, templates_dir=templates_dir, fonts_dir=fonts_dir, images_dir=images_dir
    )
    return encode_png(image)


# --- alt text -----------------------------------------------------------------------------

#: What alt text may say. No initials (read out as letters) and no hashtags (the post has
#: them): the alt text leads with the message and names her once.
ALT_KEYS = (
    "message",
    "name",
    "status",
    "children",
    "org_name",
    "appeal_title",
    "site_host",
    "cta",
    "as_of",
    "picture",
)
_ALT_FIELDS = ("parts", "photo", "placeholder")


@dataclass(frozen=True)
class _AltWording:
    source: str
    parts: tuple[str, ...]
    photo: str
    placeholder: str


@lru_cache(maxsize=32)
def _alt_wording(path: str, mtime_ns: int, lang: str) -> _AltWording:
    table = _language_table(path, lang, "the alt text wording")
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


def alt_wording(templates_dir: Path, lang: str) -> object:
    """Check and load ``templates_dir/cards/alt.toml``'s wording of ``lang`` (for ``validate``).

    Raises:
        RenderError: the file is missing, unreadable, lacks the language or has a bad key.

    """
    path = templates_dir / "cards" / "alt.toml"
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise RenderError(f"{path}: file not found") from None
    return _alt_wording(str(path), mtime, lang)


def alt_text(content: CardContent, *, templates_dir: Path = DEFAULT_TEMPLATES) -> str:
    """The card's alt text in its language: what the card says, message first.

    Her name is written once, as a sentence says it (``Hanna Ablab``): screen readers spell
    out all-capital words letter by letter. A part whose values are all empty is left out.

    Args:
        content: The card's words.
        templates_dir: Holds ``cards/alt.toml`` (the wording per language).

    Raises:
        RenderError: ``alt.toml`` is missing, unreadable, or lacks this language.

    """
    wording = alt_wording(templates_dir, content.lang)
    assert isinstance(wording, _AltWording)
    values = {
        "message": content.message.rstrip(". "),
        "name": content.spoken_name,
        "status": content.status.rstrip(". "),
        "children": content.children.rstrip(". "),
        "org_name": content.org_name,
        "appeal_title": content.appeal_title,
        "site_host": content.site_host,
        "cta": content.cta.rstrip(". "),
        "as_of": content.as_of.rstrip(". "),
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
    "card_words",
    "check_glyphs",
    "check_layouts",
    "contrast",
    "draw_card",
    "encode_png",
    "font_coverage",
    "plan",
    "render_card",
]
