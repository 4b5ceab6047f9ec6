"""Card layouts as data: the schema of ``templates/cards/*.toml``, loading, and layout checks.

A layout is ``templates/cards/<format>.toml`` (canvas, shapes such as the white-red-white
stripe, images such as the logo, the photo frame with its fade and placeholder fills, and text
blocks) plus the shared ``templates/cards/theme.toml`` (font roles and named colours), so a
designer changes a card's colours, sizes and order without touching Python. This module
validates those files into frozen ``Layout`` objects and checks what can be checked without
pixels:

- texts stay where the platform shows them (``TEXT_AREAS``: Instagram's 3:4 profile grid crops
  the square and the portrait to their middle; story controls cover the top 250 px and the
  reply bar everything below y 1580);
- no two elements that are shown together overlap (a block may lie over the photo frame:
  that is where the label, the name and the hero numeral go).

Legibility (every text's x-height at the width its platform shows the card,
``legibility_problems``) needs the fonts' x-heights and contrast needs the drawn background;
``cards.check_layouts`` checks both. Setting text into the boxes is ``typeset``'s job.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from campaign_kit.campaign.toml_reader import TomlReader, join_key
from campaign_kit.errors import Problem, RenderError

#: The card formats and their exact pixel sizes (platform contracts, see DESIGN.md).
FORMATS: dict[str, tuple[int, int]] = {
    "square": (1080, 1080),
    "portrait": (1080, 1350),
    "story": (1080, 1920),
    "landscape": (1600, 900),
    "link": (1200, 630),
}

#: The width, in points, at which a phone shows each format: a feed post is shown 390 pt wide
#: (an iPhone's screen); X and Bluesky inset a landscape or link card to about 310 pt.
DISPLAY_WIDTH: dict[str, int] = {
    "square": 390,
    "portrait": 390,
    "story": 390,
    "landscape": 310,
    "link": 310,
}
#: The least x-height (the height of a lowercase "x"), in points at ``DISPLAY_WIDTH``, any text
#: may have, its last resort included: below about 9 pt a phone's text stops reading at a glance.
MIN_X_HEIGHT = 9.0

#: Where text may go, per format, as ``(x0, y0, x1, y1)``: Instagram's profile grid shows a
#: square or portrait post cropped to 3:4 around its centre; story controls cover about 250 px
#: at the top and bottom, and the reply bar and avatars a margin at the sides.
TEXT_AREAS: dict[str, tuple[int, int, int, int]] = {
    "square": (135, 0, 945, 1080),
    "portrait": (34, 0, 1046, 1350),
    "story": (64, 250, 1016, 1580),
    "landscape": (0, 0, 1600, 900),
    "link": (0, 0, 1200, 630),
}

#: The texts a card knows, by field name (``CardContent.texts`` makes them; the words come
#: from ``templates/cards/words/<lang>.j2``).
FIELDS = (
    "label",
    "hero",
    "hero_caption",
    "name",
    "other_name",
    "status",
    "fact",
    "held",
    "cta",
    "action",
    "org_name",
    "series",
    "as_of",
    "photo_credit",
    "site_host",
    "site_url",
    "appeal_title",
    "hashtags",
)
#: Fields every layout must place, on a card with a photo and on one without: who she is
#: (label, name), why she is there (status), one action, and whose appeal it is.
REQUIRED_FIELDS = ("label", "name", "status", "org_name")
#: Each card must also carry one of each group: the appeal's fact (as a line, or as the hero
#: numeral's caption), and the action (with the site's address, or alone where the post
#: beside the card carries the link).
ONE_OF_FIELDS = (("fact", "hero_caption"), ("cta", "action"))
#: When a block is drawn: always, only over a photo, or only on a card without one.
SHOWS = ("always", "photo", "placeholder")

ALIGNS = ("left", "center", "right")
VALIGNS = ("top", "center", "bottom")
TRANSFORMS = ("none", "upper")
SHAPE_KINDS = ("rect", "circle")
MAX_LINES_LIMIT = 6

RGB = tuple[int, int, int]


def display_scale(fmt: str) -> float:
    """Points on a phone per canvas pixel of ``fmt`` (390 / 1080 for the square)."""
    return DISPLAY_WIDTH[fmt] / FORMATS[fmt][0]


def x_height_at_display(fmt: str, size: int, x_ratio: float) -> float:
    """A text's x-height in points when a ``fmt`` card is shown at its ``DISPLAY_WIDTH``.

    Args:
        fmt: The card format.
        size: The font size in canvas pixels.
        x_ratio: The font's x-height as a fraction of its size (Inter: about 0.55).

    """
    return size * x_ratio * display_scale(fmt)


def min_legible_size(fmt: str, x_ratio: float) -> int:
    """The smallest font size in canvas pixels whose x-height reaches ``MIN_X_HEIGHT`` on a phone."""
    size = math.ceil(MIN_X_HEIGHT / (x_ratio * display_scale(fmt)))
    # The float division may land a hair under the threshold; step up until it holds.
    while x_height_at_display(fmt, size, x_ratio) < MIN_X_HEIGHT:
        size += 1
    return size


# --- layout data --------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in canvas pixels: left ``x``, top ``y``, width ``w``, height ``h``."""

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        """The x just past the box's right edge."""
        return self.x + self.w

    @property
    def bottom(self) -> int:
        """The y just past the box's bottom edge."""
        return self.y + self.h

    def contains(self, bbox: Sequence[float]) -> bool:
        """Whether ``bbox`` (x0, y0, x1, y1) lies inside this box (edges included)."""
        x0, y0, x1, y1 = bbox
        return self.x <= x0 and self.y <= y0 and x1 <= self.right and y1 <= self.bottom

    def overlaps(self, other: Box) -> bool:
        """Whether the two boxes share any pixel (touching edges do not)."""
        return (
            self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom
        )


@dataclass(frozen=True)
class TextStyle:
    """How one text is set: font role, size range, line limit, colour, spacing.

    ``field`` names the text: a card field (``FIELDS``) or, for a free text, the layout's own
    name for it; a free text's words come from ``template`` (``"{site_host}"``).
    ``tracking`` is extra letter spacing in em (0.05 = 5% of the size between letters).
    An ``optional`` text is left out (the last optional one first) when its block cannot
    hold every text at its role's size: a text is never set smaller to make room.
    """

    field: str
    font: str
    size: int
    min_size: int
    max_lines: int
    leading: float
    colour: RGB
    space_before: int = 0
    step: int = 2
    transform: str = "none"
    wrap_size: int | None = None
    last_resort_size: int | None = None
    last_resort_lines: int | None = None
    tracking: float = 0.0
    template: str | None = None
    max_items: int | None = None
    optional: bool = False

    @property
    def floor_size(self) -> int:
        """The smallest size this text may ever take (``last_resort_size`` or ``min_size``)."""
        return self.last_resort_size if self.last_resort_size is not None else self.min_size

    @property
    def most_lines(self) -> int:
        """The most lines this text may ever take (``last_resort_lines`` or ``max_lines``)."""
        return self.last_resort_lines if self.last_resort_lines is not None else self.max_lines

    @property
    def has_last_resort(self) -> bool:
        """Whether settings beyond the normal range exist."""
        return self.floor_size < self.min_size or self.most_lines > self.max_lines

    def normal(self) -> TextStyle:
        """The style without its last resort: only the normal range."""
        if not self.has_last_resort:
            return self
        return replace(self, last_resort_size=None, last_resort_lines=None)

    def smallest(self) -> TextStyle:
        """A style allowing only this one's smallest size, in as many lines as it may take."""
        floor = self.floor_size
        return replace(
            self,
            size=floor,
            min_size=floor,
            wrap_size=None,
            max_lines=self.most_lines,
            last_resort_size=None,
            last_resort_lines=None,
        )

    def candidates(self) -> list[tuple[int, int]]:
        """``(lines, size)`` settings in order of preference.

        Shrink on one line down to ``wrap_size``, then wrap to two lines starting again from
        ``size``, and so on up to ``max_lines``. Below ``wrap_size`` (only reached when even
        ``max_lines`` lines do not fit) the largest size wins, with the fewest lines on ties.
        The last resort, if the style has one, carries on where the normal range ends: from
        ``min_size`` down to ``last_resort_size``, in up to ``last_resort_lines`` lines, by the
        same rule (the largest size wins, with the fewest lines on ties). Extra lines are never
        used to keep a text larger than ``min_size``: a secondary text must not grow tall.
        """
        wrap = self.wrap_size if self.wrap_size is not None else self.min_size
        out = [(n, size) for n in range(1, self.max_lines + 1) for size in _steps(self.size, wrap, self.step)]
        for size in _steps(wrap, self.min_size, self.step)[1:]:
            out.extend((n, size) for n in range(1, self.max_lines + 1))
        if self.has_last_resort:
            for size in _steps(self.min_size, self.floor_size, self.step):
                first = self.max_lines + 1 if size == self.min_size else 1
                out.extend((n, size) for n in range(first, self.most_lines + 1))
        return out


def _steps(high: int, low: int, step: int) -> list[int]:
    return [*range(high, low, -step), low] if high > low else [low]


@dataclass(frozen=True)
class Block:
    """A box holding one or more texts stacked top to bottom.

    ``show`` says when it is drawn: ``always``, only over her ``photo``, or only on a
    ``placeholder`` card (the hero numeral and its caption stand where a photo would). A block
    that ``yields`` may share room with others and is left out when their text reaches into
    its box (the hero gives way to a long name).
    """

    name: str
    box: Box
    align: str
    valign: str
    texts: tuple[TextStyle, ...]
    show: str = "always"
    yields: bool = False

    def shown(self, with_photo: bool) -> bool:
        """Whether the block is drawn on a card with (or without) a photo."""
        return self.show == "always" or (self.show == "photo") == with_photo


@dataclass(frozen=True)
class Placeholder:
    """The photo frame's fill on a card without a photo, one of ``fills`` per woman.

    The fill is chosen by her place in the appeal's list (the same on every format), so
    neighbours in a grid never share a colour; the fills must differ visibly (``validate``
    measures it).
    """

    fills: tuple[RGB, ...]


@dataclass(frozen=True)
class Fade:
    """A dark gradient over her photo, so white text on it keeps its contrast.

    ``top`` is the opacity at the frame's top edge, fading to ``middle`` over ``top_height``
    px; ``bottom`` the opacity at its bottom edge, fading over ``bottom_height`` px; ``middle``
    the least opacity anywhere (an even veil where text covers the whole photo).
    """

    colour: RGB
    top: float
    top_height: int
    bottom: float
    bottom_height: int
    middle: float = 0.0

    def alpha_at(self, y: int, frame: Box) -> float:
        """The fade's opacity on row ``y`` of the canvas (both ends may overlap: the darker wins)."""
        out = self.middle
        if self.top_height:
            out = max(out, self.top * max(0.0, 1 - (y - frame.y) / self.top_height))
        if self.bottom_height:
            out = max(out, self.bottom * max(0.0, 1 - (frame.bottom - 1 - y) / self.bottom_height))
        return out


@dataclass(frozen=True)
class PhotoFrame:
    """Where the photo goes (cover-fit around her ``photo_focus``, corners rounded by ``radius``).

    Without a photo the frame is filled from ``placeholder``; over a photo ``fade`` is drawn.
    """

    box: Box
    radius: int
    placeholder: Placeholder
    fade: Fade | None = None


@dataclass(frozen=True)
class Shape:
    """A static shape drawn once per process into the format's background.

    ``kind`` is ``rect`` (corners rounded by ``radius``) or ``circle`` (the ellipse inscribed in
    ``box``); ``fill`` and/or an ``outline`` of ``outline_width`` px.
    """

    box: Box
    fill: RGB | None
    kind: str = "rect"
    radius: int = 0
    outline: RGB | None = None
    outline_width: int = 0


@dataclass(frozen=True)
class ImageElement:
    """A static picture from ``assets/`` (the organisation's logo), fitted inside ``box``.

    With ``colour``, the picture is a one-colour mark: its alpha is painted in that colour, so
    one logo file serves on white and on red.
    """

    name: str
    file: str
    box: Box
    align: str
    valign: str
    colour: RGB | None


@dataclass(frozen=True)
class Layout:
    """One validated card format."""

    name: str
    source: str
    width: int
    height: int
    background: RGB
    shapes: tuple[Shape, ...]
    photo: PhotoFrame
    blocks: tuple[Block, ...]
    fonts: tuple[tuple[str, str], ...]
    images: tuple[ImageElement, ...] = ()

    def style(self, field: str) -> TextStyle:
        """The style of ``field``."""
        for block in self.blocks:
            for style in block.texts:
                if style.field == field:
                    return style
        raise KeyError(field)

    def block_of(self, field: str) -> Block:
        """The block that places ``field``."""
        for block in self.blocks:
            if any(style.field == field for style in block.texts):
                return block
        raise KeyError(field)

    def placed(self) -> tuple[str, ...]:
        """Every text's name, in drawing order."""
        return tuple(style.field for block in self.blocks for style in block.texts)


@dataclass(frozen=True)
class Theme:
    """``theme.toml``: font roles and named colours shared by every format."""

    source: str
    fonts: tuple[tuple[str, str], ...]
    colours: tuple[tuple[str, RGB], ...]


_HEX_RE = re.compile(r"#([0-9a-fA-F]{6})\Z")
_FONT_FILE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.(?:otf|ttf)\Z")
_IMAGE_FILE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.png\Z")
_NAME_RE = re.compile(r"[a-z][a-z0-9_]*\Z")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")


class _Reader(TomlReader):
    """The shared reader plus the kinds of value layouts hold: colours and boxes."""

    def colour(
        self, table: Mapping[str, Any], key: str, where: str, palette: Mapping[str, RGB], default: Any = ...
    ) -> RGB | None:
        value = self.get(table, key, where, str, default)
        if value is None:
            return None
        if value in palette:
            return palette[value]
        parsed = parse_colour(value)
        if parsed is None:
            names = ", ".join(sorted(palette)) or "none defined"
            self.bad(
                join_key(where, key), f"{value!r} is neither #RRGGBB nor a colour of theme.toml ({names})"
            )
        return parsed

    def box(self, table: Mapping[str, Any], key: str, where: str, canvas: tuple[int, int]) -> Box | None:
        value = self.get(table, key, where, list)
        if value is None:
            return None
        name = join_key(where, key)
        if len(value) != 4 or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            self.bad(name, "must be [x, y, width, height] in whole pixels")
            return None
        box = Box(*value)
        width, height = canvas
        if box.w <= 0 or box.h <= 0:
            self.bad(name, f"{value} has no area")
            return None
        if box.x < 0 or box.y < 0 or box.right > width or box.bottom > height:
            self.bad(name, f"{value} reaches outside the {width}×{height} canvas")
            return None
        return box


def parse_colour(value: str) -> RGB | None:
    """``"#C1272D"`` -> ``(193, 39, 45)``; ``None`` when not ``#RRGGBB``."""
    match = _HEX_RE.match(value)
    if not match:
        return None
    raw = int(match.group(1), 16)
    return ((raw >> 16) & 255, (raw >> 8) & 255, raw & 255)


def template_fields(template: str) -> list[str]:
    """The ``{placeholders}`` of a free text, in order."""
    return _PLACEHOLDER_RE.findall(template)


def parse_theme(data: Mapping[str, Any], source: str) -> Theme:
    """Validate ``theme.toml`` data.

    Raises:
        RenderError: naming the file and every bad key.

    """
    r = _Reader(source)
    r.known(data, "", ("fonts", "colours"))
    fonts: list[tuple[str, str]] = []
    for role, file in (r.get(data, "fonts", "", dict) or {}).items():
        if not _NAME_RE.match(role):
            r.bad(f"fonts.{role}", "a font role is a lowercase name like display or text")
        elif not isinstance(file, str) or not _FONT_FILE_RE.match(file):
            r.bad(f"fonts.{role}", "must be a .otf or .ttf file name in assets/fonts/ (no folders)")
        else:
            fonts.append((role, file))
    colours: list[tuple[str, RGB]] = []
    for name, value in (r.get(data, "colours", "", dict) or {}).items():
        rgb = parse_colour(value) if isinstance(value, str) else None
        if not _NAME_RE.match(name):
            r.bad(f"colours.{name}", "a colour name is a lowercase name like ink or red")
        elif rgb is None:
            r.bad(f"colours.{name}", f"{value!r} is not a #RRGGBB colour")
        else:
            colours.append((name, rgb))
    if not fonts and not any(p.field == "fonts" for p in r.problems):
        r.bad("fonts", "define at least one font role")
    _raise(r, "card theme")
    return Theme(source=source, fonts=tuple(fonts), colours=tuple(colours))


_TEXT_KEYS = (
    "field",
    "name",
    "text",
    "font",
    "size",
    "min_size",
    "wrap_size",
    "max_lines",
    "leading",
    "colour",
    "space_before",
    "step",
    "transform",
    "tracking",
    "max_items",
    "last_resort_size",
    "last_resort_lines",
    "optional",
)


class _Parser:
    """Reads one layout file; every mistake becomes a problem naming its dotted key."""

    def __init__(self, source: str, name: str, theme: Theme) -> None:
        self.r = _Reader(source)
        self.name = name
        self.palette = dict(theme.colours)
        self.roles = dict(theme.fonts)
        self.canvas = FORMATS[name]

    def font_role(self, table: Mapping[str, Any], where: str) -> str | None:
        role = self.r.get(table, "font", where, str)
        if role is not None and role not in self.roles:
            self.r.bad(
                join_key(where, "font"),
                f"{role!r} is not a font role of theme.toml ({', '.join(sorted(self.roles))})",
            )
            return None
        return role

    def text_style(self, table: Mapping[str, Any], where: str, *, free: bool = True) -> TextStyle | None:
        """One ``[[block.text]]`` (or the placeholder's text, ``free=False``)."""
        r = self.r
        r.known(table, where, _TEXT_KEYS if free else _TEXT_KEYS[3:])
        field: str | None = None
        template: str | None = None
        if free:
            if "text" in table:
                template = r.get(table, "text", where, str)
                field = r.get(table, "name", where, str)
                if "field" in table:
                    r.bad(join_key(where, "field"), "a text has either a field or its own text, not both")
                if field is not None and (not _NAME_RE.match(field) or field in FIELDS):
                    r.bad(
                        join_key(where, "name"),
                        f"{field!r}: a free text's name is a lowercase name that is not a field",
                    )
                    field = None
                if template is not None:
                    unknown = [f for f in template_fields(template) if f not in FIELDS]
                    if unknown:
                        r.bad(
                            join_key(where, "text"),
                            f"unknown placeholder {{{unknown[0]}}} (known: {', '.join(FIELDS)})",
                        )
                    elif not template_fields(template) and not template.strip():
                        r.bad(join_key(where, "text"), "is empty")
            else:
                field = r.choice(table, "field", where, FIELDS)
                if "name" in table:
                    r.bad(join_key(where, "name"), "only a free text (text = ...) takes a name")
        else:
            field = "placeholder"
        font = self.font_role(table, where)
        size = r.int_(table, "size", where, 8, 1000)
        min_size = r.int_(table, "min_size", where, 8, 1000)
        if size and min_size and min_size > size:
            r.bad(join_key(where, "min_size"), f"{min_size} is larger than size {size}")
        wrap_size = r.int_(table, "wrap_size", where, 8, 1000, default=None)
        if wrap_size is not None and size and min_size and not min_size <= wrap_size <= size:
            r.bad(join_key(where, "wrap_size"), f"{wrap_size} is not between min_size and size")
        max_lines = r.int_(table, "max_lines", where, 1, MAX_LINES_LIMIT, default=1)
        last_size = r.int_(table, "last_resort_size", where, 8, 1000, default=None)
        if last_size is not None and min_size and last_size > min_size:
            r.bad(join_key(where, "last_resort_size"), f"{last_size} is larger than min_size {min_size}")
        last_lines = r.int_(table, "last_resort_lines", where, 1, MAX_LINES_LIMIT, default=None)
        if last_lines is not None and max_lines and last_lines < max_lines:
            r.bad(join_key(where, "last_resort_lines"), f"{last_lines} is fewer than max_lines {max_lines}")
        leading = r.num(table, "leading", where, 0.8, 3.0, default=1.2)
        colour = r.colour(table, "colour", where, self.palette)
        space = r.int_(table, "space_before", where, 0, 2000, default=0)
        step = r.int_(table, "step", where, 1, 50, default=2)
        transform = r.choice(table, "transform", where, TRANSFORMS, default="none")
        tracking = r.num(table, "tracking", where, -0.05, 0.5, default=0.0)
        max_items = r.int_(table, "max_items", where, 1, 10, default=None)
        if max_items is not None and field != "hashtags":
            r.bad(join_key(where, "max_items"), "only the hashtags field takes max_items")
        optional = r.get(table, "optional", where, bool, default=False)
        values = (field, font, size, min_size, max_lines, leading, colour, space, step, transform, tracking)
        if any(v is None for v in values) or (free and "text" in table and template is None):
            return None
        return TextStyle(
            field,  # type: ignore[arg-type]
            font,  # type: ignore[arg-type]
            size,  # type: ignore[arg-type]
            min_size,  # type: ignore[arg-type]
            max_lines,  # type: ignore[arg-type]
            leading,  # type: ignore[arg-type]
            colour,  # type: ignore[arg-type]
            space,  # type: ignore[arg-type]
            step,  # type: ignore[arg-type]
            transform,  # type: ignore[arg-type]
            wrap_size,
            last_size,
            last_lines,
            tracking,  # type: ignore[arg-type]
            template,
            max_items,
            bool(optional),
        )

    def shapes(self, data: Mapping[str, Any]) -> list[Shape]:
        r = self.r
        out: list[Shape] = []
        keys = ("box", "kind", "fill", "radius", "outline", "outline_width")
        for _, where, table in r.tables(data, "shape", "", keys, default=[]):
            box = r.box(table, "box", where, self.canvas)
            kind = r.choice(table, "kind", where, SHAPE_KINDS, default="rect")
            fill = r.colour(table, "fill", where, self.palette, default=None)
            outline = r.colour(table, "outline", where, self.palette, default=None)
            width = r.int_(table, "outline_width", where, 0, 200, default=0)
            radius = r.int_(table, "radius", where, 0, 2000, default=0)
            if "fill" not in table and "outline" not in table:
                r.bad(where, "a shape needs a fill or an outline")
            if outline is not None and not width:
                r.bad(join_key(where, "outline_width"), "an outline needs a width")
            if box and radius and radius * 2 > min(box.w, box.h):
                r.bad(join_key(where, "radius"), f"{radius} is more than half the box's shorter side")
            if box and kind and width is not None and radius is not None and (fill or outline):
                out.append(Shape(box, fill, kind, radius, outline, width))
        return out

    def images(self, data: Mapping[str, Any]) -> list[ImageElement]:
        r = self.r
        out: list[ImageElement] = []
        keys = ("name", "file", "box", "align", "valign", "colour")
        for i, where, table in r.tables(data, "image", "", keys, default=[]):
            name = r.get(table, "name", where, str, default=f"image{i + 1}")
            file = r.get(table, "file", where, str)
            if file is not None and not _IMAGE_FILE_RE.match(file):
                r.bad(join_key(where, "file"), f"{file!r} must be a .png file name in assets/ (no folders)")
                file = None
            box = r.box(table, "box", where, self.canvas)
            align = r.choice(table, "align", where, ALIGNS, default="left")
            valign = r.choice(table, "valign", where, VALIGNS, default="center")
            colour = r.colour(table, "colour", where, self.palette, default=None)
            if name and file and box and align and valign:
                out.append(ImageElement(name, file, box, align, valign, colour))
        return out

    def photo(self, data: Mapping[str, Any]) -> PhotoFrame | None:
        r = self.r
        table = r.get(data, "photo", "", dict) or {}
        r.known(table, "photo", ("box", "radius", "placeholder", "fade"))
        box = r.box(table, "box", "photo", self.canvas)
        radius = r.int_(table, "radius", "photo", 0, 2000, default=0)
        if box and radius and radius * 2 > min(box.w, box.h):
            r.bad("photo.radius", f"{radius} is more than half the box's shorter side")
        ph = r.get(table, "placeholder", "photo", dict) or {}
        where = "photo.placeholder"
        r.known(ph, where, ("fills",))
        fills_raw = r.get(ph, "fills", where, list)
        fills: list[RGB] = []
        for k, value in enumerate(fills_raw or []):
            colour = r.colour({"f": value}, "f", where, self.palette) if isinstance(value, str) else None
            if colour is None:
                r.bad(join_key(join_key(where, "fills"), k), "must be a colour name or #RRGGBB")
            else:
                fills.append(colour)
        if fills_raw is not None and not fills_raw:
            r.bad(join_key(where, "fills"), "needs at least one colour")
        fade = self.fade(table, box)
        if box and radius is not None and fills:
            return PhotoFrame(box, radius, Placeholder(tuple(fills)), fade)
        return None

    def fade(self, table: Mapping[str, Any], box: Box | None) -> Fade | None:
        """``[photo.fade]``: the dark gradient drawn over her photo (none when absent)."""
        r = self.r
        fade = r.get(table, "fade", "photo", dict, default=None)
        if fade is None:
            return None
        where = "photo.fade"
        r.known(fade, where, ("colour", "top", "top_height", "bottom", "bottom_height", "middle"))
        colour = r.colour(fade, "colour", where, self.palette)
        top = r.num(fade, "top", where, 0.0, 1.0, default=0.0)
        bottom = r.num(fade, "bottom", where, 0.0, 1.0, default=0.0)
        middle = r.num(fade, "middle", where, 0.0, 1.0, default=0.0)
        limit = box.h if box else 4000
        top_h = r.int_(fade, "top_height", where, 0, limit, default=0)
        bottom_h = r.int_(fade, "bottom_height", where, 0, limit, default=0)
        if None in (colour, top, bottom, top_h, bottom_h, middle):
            return None
        return Fade(colour, float(top), top_h, float(bottom), bottom_h, float(middle))  # type: ignore[arg-type]

    def blocks(self, data: Mapping[str, Any]) -> list[Block]:
        r = self.r
        out: list[Block] = []
        placed: dict[tuple[str, str], str] = {}
        keys = ("name", "box", "align", "valign", "text", "show", "yields")
        for i, where, table in r.tables(data, "block", "", keys):
            bname = r.get(table, "name", where, str, default=f"block{i + 1}")
            show = r.choice(table, "show", where, SHOWS, default="always")
            yields = r.get(table, "yields", where, bool, default=False)
            bbox = r.box(table, "box", where, self.canvas)
            align = r.choice(table, "align", where, ALIGNS, default="left")
            valign = r.choice(table, "valign", where, VALIGNS, default="top")
            styles: list[TextStyle] = []
            for _, twhere, text_t in r.tables(table, "text", where):
                style = self.text_style(text_t, twhere)
                if style is None:
                    continue
                # A field may appear once on a photo card and once on a placeholder card.
                for mode in ("photo", "placeholder") if show == "always" else (show,):
                    if (style.field, mode) in placed:
                        key = "field" if style.template is None else "name"
                        r.bad(
                            join_key(twhere, key),
                            f"{style.field} is already placed in {placed[style.field, mode]}",
                        )
                        break
                for mode in ("photo", "placeholder") if show == "always" else (show,):
                    placed[style.field, mode] = twhere
                styles.append(style)
            if not styles and not any(p.field and p.field.startswith(where) for p in r.problems):
                r.bad(join_key(where, "text"), "a block needs at least one [[block.text]]")
            if bbox and align and valign and styles and show:
                out.append(Block(bname, bbox, align, valign, tuple(styles), show, bool(yields)))
        for mode, card in (("photo", "a card with a photo"), ("placeholder", "a card without a photo")):
            for field in REQUIRED_FIELDS:
                if (field, mode) not in placed:
                    r.bad("block", f"no [[block.text]] places the field {field!r} on {card}")
            for group in ONE_OF_FIELDS:
                if not any((field, mode) in placed for field in group):
                    r.bad("block", f"{card} places none of {' or '.join(group)}")
        return out


def parse_layout(data: Mapping[str, Any], source: str, name: str, theme: Theme) -> Layout:
    """Validate one format's layout data against its format's pixel size and the theme.

    Besides keys and types this checks the layout's geometry (``check_geometry``): legible
    sizes, texts inside the platform's visible area, no overlapping elements.

    Args:
        data: The parsed TOML of ``templates/cards/<name>.toml``.
        source: The file, for messages.
        name: The format name (``square``, ``portrait``, ...).
        theme: The validated theme (font roles, colours).

    Raises:
        RenderError: naming the file and every bad key.

    """
    if name not in FORMATS:
        raise RenderError(f"{source}: no card format {name!r} (known: {', '.join(FORMATS)})")
    p = _Parser(source, name, theme)
    r = p.r
    r.known(data, "", ("canvas", "shape", "image", "photo", "block"))
    canvas_t = r.get(data, "canvas", "", dict) or {}
    r.known(canvas_t, "canvas", ("width", "height", "background"))
    want = FORMATS[name]
    width = r.get(canvas_t, "width", "canvas", int)
    height = r.get(canvas_t, "height", "canvas", int)
    if width is not None and height is not None and (width, height) != want:
        r.bad("canvas", f"{name} cards are {want[0]}×{want[1]} pixels, not {width}×{height}")
    background = r.colour(canvas_t, "background", "canvas", p.palette)
    shapes = p.shapes(data)
    images = p.images(data)
    photo = p.photo(data)
    blocks = p.blocks(data)
    _raise(r, "card layout")
    assert background and photo
    layout = Layout(
        name=name,
        source=source,
        width=want[0],
        height=want[1],
        background=background,
        shapes=tuple(shapes),
        photo=photo,
        blocks=tuple(blocks),
        fonts=theme.fonts,
        images=tuple(images),
    )
    r.problems.extend(check_geometry(layout))
    _raise(r, "card layout")
    return layout


def check_geometry(layout: Layout) -> list[Problem]:
    """What a layout's numbers alone show is wrong: hidden text, overlaps.

    - every text block lies inside the format's ``TEXT_AREAS``;
    - no two elements drawn on the same card overlap: text blocks and images each own their
      box (shapes are backgrounds and may lie under anything; a block may lie over the photo
      frame, and a photo-only block may share room with a placeholder-only one).

    Legibility needs the fonts: see ``legibility_problems``.

    Returns:
        One problem per finding, naming the layout file and the element.

    """
    out: list[Problem] = []

    def bad(key: str, message: str) -> None:
        out.append(Problem(layout.source, message, field=key))

    x0, y0, x1, y1 = TEXT_AREAS[layout.name]
    area = Box(x0, y0, x1 - x0, y1 - y0)
    for i, block in enumerate(layout.blocks):
        if not area.contains((block.box.x, block.box.y, block.box.right, block.box.bottom)):
            bad(
                f"block[{i}].box",
                f"block {block.name!r} reaches outside the area where {layout.name} text is seen "
                f"(x {x0}..{x1}, y {y0}..{y1})",
            )
    elements: list[tuple[str, str, Box, str]] = [
        (f"image[{i}]", f"image {im.name!r}", im.box, "always") for i, im in enumerate(layout.images)
    ]
    # A block that yields is left out when another's text reaches into it: it may overlap.
    blocks = [(i, b) for i, b in enumerate(layout.blocks) if not b.yields]
    elements += [(f"block[{i}]", f"block {b.name!r}", b.box, b.show) for i, b in blocks]
    for a in range(len(elements)):
        for b in range(a + 1, len(elements)):
            key_a, label_a, box_a, show_a = elements[a]
            key_b, label_b, box_b, show_b = elements[b]
            together = "always" in (show_a, show_b) or show_a == show_b
            if together and box_a.overlaps(box_b):
                bad(f"{key_b}.box", f"{label_b} overlaps {label_a} ({key_a})")
    return out


def legibility_problems(layout: Layout, x_ratio: Mapping[str, float]) -> list[Problem]:
    """Every text of ``layout`` whose x-height on a phone may fall under ``MIN_X_HEIGHT``.

    A text is judged at the smallest size it may ever take (its ``last_resort_size``, else its
    ``min_size``), shown at its format's ``DISPLAY_WIDTH``.

    Args:
        layout: A validated layout.
        x_ratio: Font role -> the font's x-height as a fraction of its size (measured from the
            font by ``cards.x_height_ratio``).

    Returns:
        One problem per text that is too small, naming the layout file and the key to change.

    """
    out: list[Problem] = []
    for i, block in enumerate(layout.blocks):
        for j, style in enumerate(block.texts):
            ratio = x_ratio[style.font]
            size = style.floor_size
            seen = x_height_at_display(layout.name, size, ratio)
            if seen < MIN_X_HEIGHT:
                key = "last_resort_size" if style.last_resort_size is not None else "min_size"
                need = min_legible_size(layout.name, ratio)
                out.append(
                    Problem(
                        layout.source,
                        f"{style.field} may be set at {size} px: an x-height of {seen:.1f} pt on a "
                        f"phone showing the card {DISPLAY_WIDTH[layout.name]} pt wide; at least "
                        f"{MIN_X_HEIGHT:g} pt ({need} px in {style.font}) is needed",
                        field=f"block[{i}].text[{j}].{key}",
                    )
                )
    return out


def _raise(r: TomlReader, what: str) -> None:
    if r.problems:
        n = len(r.problems)
        raise RenderError(f"{r.source}: {n} problem{'s' if n != 1 else ''} in the {what}", r.problems)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RenderError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RenderError(f"{path}: cannot be read: {exc}") from None
    except (ValueError, RecursionError) as exc:  # TOMLDecodeError, or an int over 4,300 digits
        raise RenderError(f"{path}: not valid TOML: {exc}") from None


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        raise RenderError(f"{path}: file not found") from None


@lru_cache(maxsize=64)
def _load_theme(path: str, mtime_ns: int) -> Theme:
    return parse_theme(_read_toml(Path(path)), path)


@lru_cache(maxsize=64)
def _load_layout(path: str, mtime_ns: int, name: str, theme: Theme) -> Layout:
    return parse_layout(_read_toml(Path(path)), path, name, theme)


def load_layout(templates_dir: Path, fmt: str) -> Layout:
    """Load and validate ``templates_dir/cards/<fmt>.toml`` with ``theme.toml`` (cached per process).

    The cache is keyed on the files' modification times, so an edited layout is re-read and a
    long-running process never uses a stale one.

    Raises:
        RenderError: unknown format, missing file, or invalid data (naming file and key).

    """
    if fmt not in FORMATS:
        raise RenderError(f"no card format {fmt!r} (known: {', '.join(FORMATS)})")
    cards = templates_dir / "cards"
    theme_path = cards / "theme.toml"
    theme = _load_theme(str(theme_path), _mtime(theme_path))
    path = cards / f"{fmt}.toml"
    return _load_layout(str(path), _mtime(path), fmt, theme)
