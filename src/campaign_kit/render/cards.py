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
import unicodedata
import warnings
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from PIL import Image, ImageDraw, ImageFont, features

from campaign_kit.campaign import facts
from campaign_kit.campaign.config import Appeal, Campaign
from campaign_kit.campaign.locale import Locale
from campaign_kit.campaign.templating import render, render_module
from campaign_kit.errors import CampaignKitError, Problem, RenderError, TemplateError
from campaign_kit.render.card_layout import (
    FIELDS,
    FORMATS,
    RGB,
    Box,
    Fade,
    ImageElement,
    Layout,
    legibility_problems,
    load_layout,
)
from campaign_kit.render.jpeg import encode_jpeg
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
        label: Who she is, first on the card: ``Political prisoner · Belarus``.
        hero: The large numeral of a card without a photo: ``2`` (children), ``11`` (years).
        hero_caption: What the numeral counts: ``children are waiting for her``.
        name: Her full name as a sentence says it, in the card language's script: ``Hanna Ablab``.
        other_name: Her name in the other script: ``АБЛАБ Ганна``.
        status: Why she is there, the second read: ``Sentenced to 11 years in a penal colony``.
        fact: The appeal's fact as a line: ``Her 2 children are waiting for her``.
        held: Since when she is held: ``Held since 12 March 2021 · 1,353 days`` (or empty).
        cta: The one action, the posts' own, with the address: ``Share her story: belaruswomen.org``.
        action: The action alone, where the post beside the card links: ``Share her story``.
        org_name: The organisation's name, beside its mark.
        series: Her place in the appeal's list: ``7 / 27``.
        as_of: ``List correct as of 24 November 2026`` (empty without a date).
        site_host: The organisation's site without ``https://``: ``belaruswomen.org``.
        site_url: The site's full address.
        appeal_title: The appeal's title in the card's language.
        hashtags: The appeal's tags with ``#``, appeal tags first.
        photo: Her photo's file name in the photo folder, or ``None``.
        photo_focus: The point of the photo to keep in view, or ``None``.
        photo_credit: ``Photo: family archive`` in the card's language, when credited.
        photo_alt: What her photo shows, in the card's language (from the roster).
        variant: Picks the placeholder's colour: her place in the list, so neighbours differ.
        alt: Alt text per format name, in ``FORMATS`` order (see ``alt_text``).

    """

    person_id: str
    lang: str
    label: str
    name: str
    status: str
    cta: str
    org_name: str
    action: str = ""
    hero: str = ""
    hero_caption: str = ""
    other_name: str = ""
    fact: str = ""
    held: str = ""
    series: str = ""
    as_of: str = ""
    site_host: str = ""
    site_url: str = ""
    appeal_title: str = ""
    hashtags: tuple[str, ...] = ()
    photo: str | None = None
    photo_focus: tuple[float, float] | None = None
    photo_credit: str = ""
    photo_alt: str = ""
    variant: int = 0
    alt: tuple[tuple[str, str], ...] = ()

    def texts(self) -> dict[str, str]:
        """The card's texts by layout field name (``card_layout.FIELDS``, in its order)."""
        return {name: getattr(self, name) for name in FIELDS} | {
            # Credit only a photo the card shows.
            "photo_credit": self.photo_credit if self.photo else "",
            "hashtags": " ".join(self.hashtags),
        }

    @property
    def extension(self) -> str:
        """The card files' extension: ``jpg`` over a photo, ``png`` for a drawn card."""
        return "jpg" if self.photo else "png"


#: What ``templates/cards/words/<lang>.j2`` must set (each a string; empty leaves it off).
WORD_NAMES = (
    "label",
    "hero",
    "hero_caption",
    "fact",
    "held",
    "cta",
    "action",
    "series",
    "as_of",
    "photo_credit",
)


def words_template(lang: str) -> str:
    """The card words template of ``lang``: ``cards/words/<lang>.j2``."""
    return f"cards/words/{lang}.j2"


def alt_template(lang: str) -> str:
    """The card alt text template of ``lang``: ``cards/alt/<lang>.txt.j2``."""
    return f"cards/alt/{lang}.txt.j2"


def _held(person: Person, as_of: date | None, date_locale: str) -> dict[str, Any]:
    """Since when she is held, for the words template: ``since`` (a date as prose) and ``days``.

    The days are counted up to the roster's ``as_of`` date (never today's: a rebuild gives the
    same card); a date known only to the month or year gives no count of days.
    """
    none = {"since": "", "days": None, "days_text": "", "precision": None}
    detained = person.detained_on
    if detained is None or person.status == "released":
        return none
    if detained.day is not None:
        since = facts.long_date(detained.earliest(), date_locale)
        days = (as_of - detained.earliest()).days if as_of is not None else None
        if days is None or days < 0:
            return {**none, "since": since, "precision": "day"}
        text = format_decimal(days, locale=date_locale)
        return {"since": since, "days": days, "days_text": text, "precision": "day"}
    if detained.month is not None:
        # "MMMM" is the month's form inside a date ("с марта 2021"), not the standalone one.
        since = format_date(detained.earliest(), format="MMMM y", locale=date_locale)
        return {**none, "since": since, "precision": "month"}
    return {**none, "since": str(detained.year), "precision": "year"}


def _in_language(pairs: tuple[tuple[str, str], ...], lang: str) -> str:
    return dict(pairs).get(lang, "")


def card_content(
    person: Person,
    campaign: Campaign,
    appeal: Appeal,
    locale: Locale,
    *,
    as_of: date | None = None,
    templates_dir: Path = DEFAULT_TEMPLATES,
    number: int = 0,
    count: int = 0,
) -> CardContent:
    """Collect the words of ``person``'s card in ``locale``'s language.

    This is the one place a card's words come from her record: ``templates/cards/words/<lang>.j2``
    writes them (Jinja, like every other text), the layout and the drawing only see the content.

    Args:
        person: The woman.
        campaign: The campaign (organisation name, site, campaign-wide hashtags).
        appeal: The appeal the card belongs to (title, its hashtags, what it is about).
        locale: The card's language.
        as_of: The roster's date: the list is correct as of it, days held are counted to it.
        templates_dir: Holds ``cards/words/`` and ``cards/alt/``.
        number: Her place in the appeal's list (1-based; 0 when unknown: no series mark).
        count: How many women the appeal's list has.

    Returns:
        The card's content.

    Raises:
        RenderError: the campaign lacks the organisation name or appeal title in this language.
        TemplateError: the words or alt text template is missing or broken.

    """
    from campaign_kit.render.context import person_view

    lang = locale.lang
    try:
        org_name = campaign.org_name[lang]
        title = appeal.title[lang]
    except KeyError:
        raise RenderError(
            f"{campaign.path}: no organisation name or title of appeal {appeal.key!r} in language {lang!r}"
        ) from None
    site_url = campaign.site_url
    site_host = re.sub(r"\Ahttps?://(www\.)?", "", site_url).rstrip("/")
    about_children = facts.about_children(appeal)
    view = person_view(person, number, locale, about_children, as_of)
    credit = _in_language(person.photo_credits, lang) or (person.photo_credit or "")
    context = {
        "lang": lang,
        "t": locale,
        "p": view,
        "org": {"name": org_name, "site_url": site_url, "site_host": site_host},
        "appeal": {"key": appeal.key, "title": title, "about_children": about_children},
        "card": {"number": number, "count": count, "photo": person.photo is not None},
        "held": _held(person, as_of, locale.date_locale),
        "as_of_text": facts.long_date(as_of, locale.date_locale) if as_of else "",
        "credit": credit if person.photo else "",
    }
    words = render_module(templates_dir, words_template(lang), context)
    missing = [name for name in WORD_NAMES if name not in words]
    if missing:
        raise TemplateError(
            f"{templates_dir / words_template(lang)}: does not set {', '.join(missing)} "
            f"(a card words file sets {', '.join(WORD_NAMES)})"
        )
    # The language's typography (no-break spaces, dashes, quotes), as every other text has it.
    said = {name: locale.typeset(_fold(str(words[name]))) for name in WORD_NAMES}
    content = CardContent(
        person_id=person.id,
        lang=lang,
        label=said["label"],
        hero=said["hero"],
        hero_caption=said["hero_caption"],
        name=view["prose_name"],
        other_name=view["other_name"],
        status=locale.typeset(view["status_line"]),
        fact=said["fact"],
        held=said["held"],
        cta=said["cta"],
        action=said["action"],
        org_name=org_name,
        series=said["series"],
        as_of=said["as_of"],
        site_host=site_host,
        site_url=site_url,
        appeal_title=title,
        hashtags=tuple(f"#{tag}" for tag in campaign.appeal_hashtags(appeal)),
        photo=person.photo,
        photo_focus=person.photo_focus,
        photo_credit=said["photo_credit"],
        photo_alt=_in_language(person.photo_alt, lang),
        variant=_variant(person.id, number),
    )
    alts = tuple((fmt, alt_text(content, fmt, templates_dir=templates_dir)) for fmt in FORMATS)
    return replace(content, alt=alts)


_BLANKS_RE = re.compile(r"[ \t\r\n]+")


def _fold(text: str) -> str:
    """Ordinary whitespace (a template's line breaks) folded to one space; no-break spaces kept."""
    return _BLANKS_RE.sub(" ", text).strip(" ")


def _variant(person_id: str, number: int) -> int:
    # Her place in the list, shifted by one each row of three: in a three-wide grid (Instagram's
    # profile) no card shares its fill with the one beside it or the one above it. Without a
    # place, a stable spread by id (unlike hash(), the same in every process).
    if number:
        return (number - 1) + (number - 1) // 3
    return int.from_bytes(hashlib.sha256(person_id.encode("utf-8")).digest()[:4], "big")


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
    if fill is not None:
        _paint(image, layout.photo.box, fill, radius=layout.photo.radius)
    _paste_images(image, layout, images_dir)
    return image


def _paste_images(image: Image.Image, layout: Layout, images_dir: str, over: Box | None = None) -> None:
    """Paste the layout's images (the logo); with ``over``, only those lying over that box."""
    for element in layout.images:
        if over is not None and not element.box.overlaps(over):
            continue
        im, at = _fitted_image(element, Path(images_dir))
        if element.colour is not None:
            image.paste(Image.new("RGB", im.size, element.colour), at, im.getchannel("A"))
        else:
            image.paste(im, at, im)


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
    fact_moves = ""
    if not with_photo:
        texts["photo_credit"] = ""
        # Where the hero numeral and its caption say the fact, the line would say it twice.
        shows_hero = any(s.field == "hero_caption" for b in layout.blocks if b.shown(False) for s in b.texts)
        if shows_hero and content.hero and content.hero_caption:
            fact_moves, texts["fact"] = texts["fact"], ""
    card = plan_card(
        layout,
        texts,
        _PillowMeasure(fonts),
        who=f"{content.person_id} ({content.lang})",
        variant=content.variant,
        with_photo=with_photo,
        fact_moves=fact_moves,
    )
    for line in card.lines:
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
    _require_legible(layout, fonts)
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
        if layout.photo.fade is not None:
            _draw_fade(image, layout.photo.fade, box)
        # A mark on the panel (the logo of a landscape card) stays over her photo.
        _paste_images(image, layout, images, over=box)
    for line in card.lines:
        mask, (left, top) = _text_mask(fonts[line.font], line.size, line.text, line.tracking)
        x, y = line.x + left, line.y + top
        image.paste(line.colour, (x, y, x + mask.width, y + mask.height), mask)
    if debug:
        _draw_overlay(image, layout, card)
    return image


@lru_cache(maxsize=16)
def _fade_layer(fade: Fade, size: tuple[int, int], frame: Box) -> tuple[Image.Image, Image.Image]:
    """The fade's colour and its opacity mask for a frame, made once per process."""
    w, h = size
    column = Image.new("L", (1, h))
    column.putdata([round(255 * fade.alpha_at(frame.y + y, frame)) for y in range(h)])
    return Image.new("RGB", size, fade.colour), column.resize(size, Image.Resampling.NEAREST)


def _draw_fade(image: Image.Image, fade: Fade, frame: Box) -> None:
    colour, mask = _fade_layer(fade, (frame.w, frame.h), frame)
    image.paste(colour, (frame.x, frame.y), mask)


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


def _behind_block(layout: Layout, images_dir: str, show: str, box: Box) -> list[Image.Image]:
    """Every background a block showing ``show`` may be drawn on.

    On a card without a photo: the canvas with each placeholder fill. Over a photo: the fade
    over the worst photo there can be, all white and all black (one of them is the worst for
    any text colour); a block clear of the photo frame sees just the canvas.
    """
    out: list[Image.Image] = []
    if show != "photo":
        out += [_background(layout, images_dir, fill) for fill in layout.photo.placeholder.fills]
    if show != "placeholder":
        if box.overlaps(layout.photo.box):
            out += [_photo_background(layout, images_dir, pixel) for pixel in ((255,) * 3, (0,) * 3)]
        else:
            out.append(_background(layout, images_dir, None))
    return out


@lru_cache(maxsize=32)
def _photo_background(layout: Layout, images_dir: str, pixel: RGB) -> Image.Image:
    """The background with a one-colour photo in the frame and the fade over it."""
    image = _background(layout, images_dir, pixel).copy()
    if layout.photo.fade is not None:
        _draw_fade(image, layout.photo.fade, layout.photo.box)
    return image


def layout_contrast_problems(layout: Layout, images_dir: str) -> list[Problem]:
    """Every text of ``layout`` whose colour has less than 4.5:1 against what is behind its box.

    The background is drawn as a card draws it (canvas, shapes, the logo, the placeholder
    fills, the fade over the worst photo); each block's whole box is judged, since a text may
    be set anywhere in it. The placeholder fills must also differ visibly from each other
    (``MIN_FILL_DISTANCE``): a grid of cards must not read as one colour.
    """
    out: list[Problem] = []
    for i, block in enumerate(layout.blocks):
        box = (block.box.x, block.box.y, block.box.right, block.box.bottom)
        backgrounds = _behind_block(layout, images_dir, block.show, block.box)
        for j, style in enumerate(block.texts):
            ratio = min(contrast_behind(bg, box, style.colour) for bg in backgrounds)
            if ratio < MIN_CONTRAST:
                out.append(
                    Problem(
                        layout.source,
                        f"{style.field}: contrast {ratio:.2f}:1 against what is behind block "
                        f"{block.name!r}; at least {MIN_CONTRAST}:1 is needed",
                        field=f"block[{i}].text[{j}].colour",
                    )
                )
    fills = layout.photo.placeholder.fills
    for a in range(len(fills)):
        for b in range(a + 1, len(fills)):
            distance = colour_distance(fills[a], fills[b])
            ratio = contrast(fills[a], fills[b])
            if distance < MIN_FILL_DISTANCE or ratio < MIN_FILL_CONTRAST:
                out.append(
                    Problem(
                        layout.source,
                        f"fills {a + 1} and {b + 1} differ by only {distance:.0f} (CIELAB ΔE) and "
                        f"{ratio:.2f}:1 in lightness; at least {MIN_FILL_DISTANCE} and "
                        f"{MIN_FILL_CONTRAST}:1 are needed so neighbours in a grid look different",
                        field=f"photo.placeholder.fills[{b}]",
                    )
                )
    return out


#: The least CIELAB distance (ΔE*76) between two placeholder fills: about twice what a viewer
#: needs to tell two flat colours apart side by side at a glance.
MIN_FILL_DISTANCE = 25
#: And the least lightness contrast between them: dark fills of different hues (wine and
#: slate, 1.12:1) still read as one colour in a grid of thumbnails.
MIN_FILL_CONTRAST = 1.25


def _lab(colour: RGB) -> tuple[float, float, float]:
    r, g, b = (_channel(v) for v in colour)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def colour_distance(a: RGB, b: RGB) -> float:
    """The CIELAB distance (ΔE*76) of two sRGB colours: 0 for the same, about 2.3 just noticeable."""
    la, lb = _lab(a), _lab(b)
    return sum((p - q) ** 2 for p, q in zip(la, lb, strict=True)) ** 0.5


@lru_cache(maxsize=64)
def _require_contrast(layout: Layout, images_dir: str) -> None:
    problems = layout_contrast_problems(layout, images_dir)
    if problems:
        n = len(problems)
        raise RenderError(
            f"{layout.source}: {n} text{'s' if n != 1 else ''} with too little contrast", problems
        )


@cache
def x_height_ratio(font_path: str) -> float:
    """The font's x-height as a fraction of its size, measured from its "x" as the layout engine sets it."""
    size = 1000
    top = _font(font_path, size).getbbox("x", anchor="ls")[1]
    return -float(top) / size


def layout_legibility_problems(layout: Layout, fonts: dict[str, str]) -> list[Problem]:
    """``card_layout.legibility_problems`` with each font role's x-height measured from its font."""
    ratios = {role: x_height_ratio(path) for role, path in fonts.items()}
    return legibility_problems(layout, ratios)


def _require_legible(layout: Layout, fonts: dict[str, str]) -> None:
    key = (layout, tuple(sorted(fonts.items())))
    if key in _LEGIBLE:
        return
    problems = layout_legibility_problems(layout, fonts)
    if problems:
        n = len(problems)
        raise RenderError(
            f"{layout.source}: {n} text{'s' if n != 1 else ''} too small to read on a phone", problems
        )
    _LEGIBLE.add(key)


_LEGIBLE: set[tuple[Layout, tuple[tuple[str, str], ...]]] = set()


def check_layouts(
    templates_dir: Path = DEFAULT_TEMPLATES, fonts_dir: Path = DEFAULT_FONTS, images_dir: Path | None = None
) -> list[Problem]:
    """Every problem of the card layouts, for ``validate``: keys, geometry, images, contrast, legibility.

    Returns:
        One problem per finding (an empty list when every format is fine).

    """
    out: list[Problem] = []
    images = str(_images_dir(fonts_dir, images_dir))
    for fmt in FORMATS:
        try:
            layout = load_layout(templates_dir, fmt)
            fonts = _font_paths(layout.fonts, str(fonts_dir))
            out.extend(layout_legibility_problems(layout, fonts))
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


def card_dependencies(
    fmt: str,
    *,
    templates_dir: Path = DEFAULT_TEMPLATES,
    fonts_dir: Path = DEFAULT_FONTS,
    images_dir: Path | None = None,
) -> tuple[Path, ...]:
    """The files a card of ``fmt`` is drawn from, for a build's cache key.

    Her content and her photo file come on top of these. ``cards/alt/`` is not among them:
    it changes the alt text, never the pixels (``cards/words/`` reaches the pixels through the
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
    """Render one card: PNG bytes, or JPEG bytes for a card over her photo (``content.extension``).

    Args:
        content: The card's words (see ``card_content``).
        fmt: ``square``, ``portrait``, ``story``, ``landscape`` or ``link``.
        photo_root: The folder holding photos (``assets/photos``).
        templates_dir: Holds ``cards/<fmt>.toml``, ``cards/theme.toml``.
        fonts_dir: Holds the fonts the theme names (``assets/fonts``).
        images_dir: Holds the layouts' images (the logo); default: the folder above ``fonts_dir``.

    Returns:
        The file's bytes; identical inputs give identical bytes.

    Raises:
        FitError: a text cannot fit (naming the person, format and field).
        PhotoError: her photo is missing, corrupt or unsafe.
        RenderError: bad layout, missing font, or a character the font lacks.

    """
    image = draw_card(
        content, fmt, photo_root, templates_dir=templates_dir, fonts_dir=fonts_dir, images_dir=images_dir
    )
    # Over a photo, a JPEG (a tenth of the PNG, within Bluesky's limit); drawn cards stay PNG.
    return encode_jpeg(image) if content.photo else encode_png(image)


# --- alt text -----------------------------------------------------------------------------


def alt_text(content: CardContent, fmt: str, *, templates_dir: Path = DEFAULT_TEMPLATES) -> str:
    """The alt text of ``content``'s ``fmt`` card: what that card says, her name first.

    Written by ``templates/cards/alt/<lang>.txt.j2``, which is told the format and which
    texts its layout places (``fields``), so it says what the card says and nothing it does
    not. Her name is written as a sentence says it (``Hanna Ablab``): screen readers spell out
    all-capital words letter by letter. Whitespace is folded to single spaces.

    Raises:
        RenderError: the format's layout is bad.
        TemplateError: the template is missing or broken.

    """
    layout = load_layout(templates_dir, fmt)
    with_photo = content.photo is not None
    # Only the texts the card always shows: an optional one may give way to a long name, and
    # the alt text must never say what the card does not.
    fields = [
        s.field
        for b in layout.blocks
        if b.shown(with_photo) and not b.yields
        for s in b.texts
        if not s.optional
    ]
    context = {
        "lang": content.lang,
        "format": fmt,
        "fields": fields,
        "photo": with_photo,
        "c": content.texts() | {"photo_alt": content.photo_alt},
    }
    return _fold(render(templates_dir, alt_template(content.lang), context))


__all__ = [
    "FORMATS",
    "CardContent",
    "alt_text",
    "card_content",
    "card_dependencies",
    "check_glyphs",
    "check_layouts",
    "contrast",
    "draw_card",
    "encode_png",
    "font_coverage",
    "plan",
    "render_card",
]
