"""Card layouts as data, and the pure geometry that fits text into them.

A layout is ``templates/cards/<format>.toml`` (canvas, static shapes, the photo frame and text
blocks) plus the shared ``templates/cards/theme.toml`` (font roles and named colours), so a
designer changes a card without touching Python. This module validates those files into frozen
``Layout`` objects and plans a card: which size, which line breaks and which position every text
gets. It never draws and never opens a font: the caller passes a ``Measure`` (Pillow in
production, a fake in tests), so the fitting rules are unit-testable without pixels.

The fitting rule, per text: shrink from ``size`` towards ``min_size`` on one line; if that cannot
fit, wrap into 2, 3 ... ``max_lines`` lines (breaking after a hyphen inside a word, keeping the
hyphen at the end of the line, or at a space), again shrinking from ``size``. That is the
*normal range*, and every ordinary name is set inside it. A style may also name a *last resort*
(``last_resort_lines`` above ``max_lines``, ``last_resort_size`` below ``min_size``), used only
when a block cannot be set with every text in its normal range: a name at the roster's caps
(two 20-letter words of ``Ж`` and a 30-letter given name) then takes more lines, and if need be
a smaller size, instead of stopping the build. Texts that cannot fit even then raise
``FitError``: nothing is ever clipped or cut.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Protocol

from campaign_kit.errors import FitError, Problem, RenderError

#: The card formats and their exact pixel sizes (platform contracts, see DESIGN.md).
FORMATS: dict[str, tuple[int, int]] = {
    "square": (1080, 1080),
    "portrait": (1080, 1350),
    "story": (1080, 1920),
    "landscape": (1600, 900),
    "link": (1200, 630),
}

#: The texts a card shows; every layout must place each of them exactly once.
FIELDS = ("org_name", "appeal_title", "name", "other_name", "status", "children", "hashtags")

ALIGNS = ("left", "center", "right")
VALIGNS = ("top", "center", "bottom")
TRANSFORMS = ("none", "upper")
MAX_LINES_LIMIT = 6

RGB = tuple[int, int, int]


# --- geometry -----------------------------------------------------------------------------


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


def cover_crop(
    src_w: int,
    src_h: int,
    dst_w: int,
    dst_h: int,
    focus: tuple[float, float] | None = None,
) -> tuple[float, float, float, float]:
    """The region of a source image that, scaled, exactly covers a ``dst_w``×``dst_h`` frame.

    The region keeps the frame's aspect ratio, is as large as the source allows, and is centred
    on ``focus`` (fractions of the source's width and height) as far as the edges permit.

    Args:
        src_w: Source width in pixels.
        src_h: Source height in pixels.
        dst_w: Frame width in pixels.
        dst_h: Frame height in pixels.
        focus: The point to keep in view; ``None`` means centred horizontally and a little above
            the middle, where a face sits in most portraits.

    Returns:
        ``(left, top, right, bottom)`` in source pixels (floats, for ``Image.resize(box=...)``).

    """
    if min(src_w, src_h, dst_w, dst_h) <= 0:
        raise ValueError("sizes must be positive")
    fx, fy = focus if focus is not None else (0.5, 0.4)
    scale = max(dst_w / src_w, dst_h / src_h)
    crop_w = min(src_w, dst_w / scale)
    crop_h = min(src_h, dst_h / scale)
    left = min(max(fx * src_w - crop_w / 2, 0.0), src_w - crop_w)
    top = min(max(fy * src_h - crop_h / 2, 0.0), src_h - crop_h)
    return (left, top, left + crop_w, top + crop_h)


# --- layout data --------------------------------------------------------------------------


@dataclass(frozen=True)
class TextStyle:
    """How one field is set: font role, size range, line limit, colour, spacing."""

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

    def sizes(self) -> list[int]:
        """Candidate sizes of the normal range, largest first, always ending at ``min_size``."""
        return _steps(self.size, self.min_size, self.step)

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
    """A box holding one or more texts stacked top to bottom."""

    name: str
    box: Box
    align: str
    valign: str
    texts: tuple[TextStyle, ...]


@dataclass(frozen=True)
class Monogram:
    """The initials drawn in the photo frame when there is no photo."""

    font: str
    size: int
    min_size: int
    max_width: int
    colour: RGB


@dataclass(frozen=True)
class PhotoFrame:
    """Where the photo goes (cover-fit), and the placeholder drawn there without one."""

    box: Box
    fill: RGB
    monogram: Monogram
    ring_width: int
    ring_diameter: int
    ring_colour: RGB


@dataclass(frozen=True)
class Shape:
    """A static filled rectangle, drawn once per process into the format's background."""

    box: Box
    fill: RGB


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

    def font_file(self, role: str) -> str:
        """The font file name (in ``assets/fonts/``) for a font role."""
        return dict(self.fonts)[role]

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


@dataclass(frozen=True)
class Theme:
    """``theme.toml``: font roles and named colours shared by every format."""

    source: str
    fonts: tuple[tuple[str, str], ...]
    colours: tuple[tuple[str, RGB], ...]


_HEX_RE = re.compile(r"#([0-9a-fA-F]{6})\Z")
_FONT_FILE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.(?:otf|ttf)\Z")
_NAME_RE = re.compile(r"[a-z][a-z0-9_]*\Z")


class _Reader:
    """Typed access to parsed TOML that records a ``Problem`` (file + dotted key) per mistake."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def bad(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.source, message, field=key))

    def known(self, table: Mapping[str, Any], where: str, allowed: Sequence[str]) -> None:
        for key in table:
            if key not in allowed:
                self.bad(_join(where, key), f"unknown key (expected one of {', '.join(allowed)})")

    def get(
        self,
        table: Mapping[str, Any],
        key: str,
        where: str,
        kind: type | tuple[type, ...],
        default: Any = ...,
    ) -> Any:
        name = _join(where, key)
        if key not in table:
            if default is ...:
                self.bad(name, "missing")
                return None
            return default
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            kinds = kind if isinstance(kind, tuple) else (kind,)
            label = " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)
            self.bad(name, f"must be {label}, not {_KIND_NAMES.get(type(value), type(value).__name__)}")
            return None
        return value

    def int_(
        self, table: Mapping[str, Any], key: str, where: str, lo: int, hi: int, default: Any = ...
    ) -> int | None:
        value = self.get(table, key, where, int, default)
        if value is None:
            return None
        if not lo <= value <= hi:
            self.bad(_join(where, key), f"{value} is outside {lo}..{hi}")
            return None
        return int(value)

    def num(
        self, table: Mapping[str, Any], key: str, where: str, lo: float, hi: float, default: Any = ...
    ) -> float | None:
        value = self.get(table, key, where, (int, float), default)
        if value is None:
            return None
        if not lo <= value <= hi:
            self.bad(_join(where, key), f"{value} is outside {lo}..{hi}")
            return None
        return float(value)

    def choice(
        self, table: Mapping[str, Any], key: str, where: str, choices: Sequence[str], default: Any = ...
    ) -> str | None:
        value = self.get(table, key, where, str, default)
        if value is None:
            return None
        if value not in choices:
            self.bad(_join(where, key), f"{value!r} is not one of {', '.join(choices)}")
            return None
        return str(value)

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
            self.bad(_join(where, key), f"{value!r} is neither #RRGGBB nor a colour of theme.toml ({names})")
        return parsed

    def box(self, table: Mapping[str, Any], key: str, where: str, canvas: tuple[int, int]) -> Box | None:
        value = self.get(table, key, where, list)
        if value is None:
            return None
        name = _join(where, key)
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


_KIND_NAMES = {
    int: "a whole number",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "a table",
    bool: "true/false",
}


def _join(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def parse_colour(value: str) -> RGB | None:
    """``"#C1272D"`` -> ``(193, 39, 45)``; ``None`` when not ``#RRGGBB``."""
    match = _HEX_RE.match(value)
    if not match:
        return None
    raw = int(match.group(1), 16)
    return ((raw >> 16) & 255, (raw >> 8) & 255, raw & 255)


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


def parse_layout(data: Mapping[str, Any], source: str, name: str, theme: Theme) -> Layout:
    """Validate one format's layout data against its format's pixel size and the theme.

    Args:
        data: The parsed TOML of ``templates/cards/<name>.toml``.
        source: The file, for messages.
        name: The format name (``square``, ``portrait``, ...).
        theme: The validated theme (font roles, colours).

    Raises:
        RenderError: naming the file and every bad key.

    """
    r = _Reader(source)
    palette = dict(theme.colours)
    roles = dict(theme.fonts)
    if name not in FORMATS:
        raise RenderError(f"{source}: no card format {name!r} (known: {', '.join(FORMATS)})")
    r.known(data, "", ("canvas", "shape", "photo", "block"))

    canvas_t = r.get(data, "canvas", "", dict) or {}
    r.known(canvas_t, "canvas", ("width", "height", "background"))
    want = FORMATS[name]
    width = r.get(canvas_t, "width", "canvas", int)
    height = r.get(canvas_t, "height", "canvas", int)
    if width is not None and height is not None and (width, height) != want:
        r.bad("canvas", f"{name} cards are {want[0]}×{want[1]} pixels, not {width}×{height}")
    canvas = want
    background = r.colour(canvas_t, "background", "canvas", palette)

    def font_role(table: Mapping[str, Any], where: str) -> str | None:
        role = r.get(table, "font", where, str)
        if role is not None and role not in roles:
            r.bad(
                _join(where, "font"),
                f"{role!r} is not a font role of theme.toml ({', '.join(sorted(roles))})",
            )
            return None
        return role

    shapes: list[Shape] = []
    for i, table in enumerate(r.get(data, "shape", "", list, default=[]) or []):
        where = _join("shape", i)
        if not isinstance(table, dict):
            r.bad(where, "must be a table ([[shape]])")
            continue
        r.known(table, where, ("box", "fill"))
        box = r.box(table, "box", where, canvas)
        fill = r.colour(table, "fill", where, palette)
        if box and fill:
            shapes.append(Shape(box, fill))

    photo_t = r.get(data, "photo", "", dict) or {}
    r.known(photo_t, "photo", ("box", "fill", "ring_width", "ring_diameter", "ring_colour", "monogram"))
    photo_box = r.box(photo_t, "box", "photo", canvas)
    photo_fill = r.colour(photo_t, "fill", "photo", palette)
    ring_width = r.int_(photo_t, "ring_width", "photo", 0, 100, default=0)
    ring_diameter = r.int_(photo_t, "ring_diameter", "photo", 0, 4000, default=0)
    ring_colour = r.colour(photo_t, "ring_colour", "photo", palette, default="#FFFFFF")
    if photo_box and ring_diameter and ring_diameter > min(photo_box.w, photo_box.h):
        r.bad("photo.ring_diameter", "the ring must fit inside the photo box")
    mono_t = r.get(photo_t, "monogram", "photo", dict) or {}
    r.known(mono_t, "photo.monogram", ("font", "size", "min_size", "max_width", "colour"))
    mono_font = font_role(mono_t, "photo.monogram")
    mono_size = r.int_(mono_t, "size", "photo.monogram", 8, 2000)
    mono_min = r.int_(mono_t, "min_size", "photo.monogram", 8, 2000)
    mono_width = r.int_(mono_t, "max_width", "photo.monogram", 8, 4000)
    mono_colour = r.colour(mono_t, "colour", "photo.monogram", palette)
    if mono_size and mono_min and mono_min > mono_size:
        r.bad("photo.monogram.min_size", "must not be larger than size")
    if photo_box and mono_width and mono_width > photo_box.w:
        r.bad("photo.monogram.max_width", "must not be wider than the photo box")

    blocks: list[Block] = []
    placed: dict[str, str] = {}
    for i, table in enumerate(r.get(data, "block", "", list) or []):
        where = _join("block", i)
        if not isinstance(table, dict):
            r.bad(where, "must be a table ([[block]])")
            continue
        r.known(table, where, ("name", "box", "align", "valign", "text"))
        bname = r.get(table, "name", where, str, default=f"block{i + 1}")
        bbox = r.box(table, "box", where, canvas)
        align = r.choice(table, "align", where, ALIGNS, default="left")
        valign = r.choice(table, "valign", where, VALIGNS, default="top")
        styles: list[TextStyle] = []
        for j, text_t in enumerate(r.get(table, "text", where, list) or []):
            twhere = _join(_join(where, "text"), j)
            if not isinstance(text_t, dict):
                r.bad(twhere, "must be a table ([[block.text]])")
                continue
            r.known(
                text_t,
                twhere,
                (
                    "field",
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
                    "last_resort_size",
                    "last_resort_lines",
                ),
            )
            field = r.choice(text_t, "field", twhere, FIELDS)
            if field is not None:
                if field in placed:
                    r.bad(_join(twhere, "field"), f"{field} is already placed in {placed[field]}")
                placed[field] = twhere
            font = font_role(text_t, twhere)
            size = r.int_(text_t, "size", twhere, 8, 1000)
            min_size = r.int_(text_t, "min_size", twhere, 8, 1000)
            if size and min_size and min_size > size:
                r.bad(_join(twhere, "min_size"), f"{min_size} is larger than size {size}")
            wrap_size = r.int_(text_t, "wrap_size", twhere, 8, 1000, default=None)
            if wrap_size is not None and size and min_size and not min_size <= wrap_size <= size:
                r.bad(_join(twhere, "wrap_size"), f"{wrap_size} is not between min_size and size")
            max_lines = r.int_(text_t, "max_lines", twhere, 1, MAX_LINES_LIMIT, default=1)
            last_size = r.int_(text_t, "last_resort_size", twhere, 8, 1000, default=None)
            if last_size is not None and min_size and last_size > min_size:
                r.bad(_join(twhere, "last_resort_size"), f"{last_size} is larger than min_size {min_size}")
            last_lines = r.int_(text_t, "last_resort_lines", twhere, 1, MAX_LINES_LIMIT, default=None)
            if last_lines is not None and max_lines and last_lines < max_lines:
                r.bad(_join(twhere, "last_resort_lines"), f"{last_lines} is fewer than max_lines {max_lines}")
            leading = r.num(text_t, "leading", twhere, 0.8, 3.0, default=1.2)
            colour = r.colour(text_t, "colour", twhere, palette)
            space = r.int_(text_t, "space_before", twhere, 0, 2000, default=0)
            step = r.int_(text_t, "step", twhere, 1, 50, default=2)
            transform = r.choice(text_t, "transform", twhere, TRANSFORMS, default="none")
            values = (field, font, size, min_size, max_lines, leading, colour, space, step, transform)
            if all(v is not None for v in values):
                styles.append(
                    TextStyle(
                        field,
                        font,
                        size,
                        min_size,
                        max_lines,
                        leading,  # type: ignore[arg-type]
                        colour,
                        space,
                        step,
                        transform,
                        wrap_size,  # type: ignore[arg-type]
                        last_size,
                        last_lines,
                    )
                )
        if not styles and not any(p.field and p.field.startswith(where) for p in r.problems):
            r.bad(_join(where, "text"), "a block needs at least one [[block.text]]")
        if bbox and align and valign and styles:
            blocks.append(Block(bname, bbox, align, valign, tuple(styles)))
    for field in FIELDS:
        if field not in placed:
            r.bad("block", f"no [[block.text]] places the field {field!r}")
    _raise(r, "card layout")
    assert background and photo_box and photo_fill and ring_colour and mono_colour
    assert mono_font and mono_size and mono_min and mono_width is not None
    return Layout(
        name=name,
        source=source,
        width=canvas[0],
        height=canvas[1],
        background=background,
        shapes=tuple(shapes),
        photo=PhotoFrame(
            photo_box,
            photo_fill,
            Monogram(mono_font, mono_size, mono_min, mono_width, mono_colour),
            ring_width or 0,
            ring_diameter or 0,
            ring_colour,
        ),
        blocks=tuple(blocks),
        fonts=theme.fonts,
    )


def _raise(r: _Reader, what: str) -> None:
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


def load_layouts(templates_dir: Path) -> dict[str, Layout]:
    """Every format's layout, validated (for ``validate``-style checks before a build)."""
    return {fmt: load_layout(templates_dir, fmt) for fmt in FORMATS}


# --- text fitting (pure) ------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A text line's extent around its pen origin on the baseline (``top`` is negative)."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        """Extent from the leftmost to the rightmost pixel."""
        return self.right - self.left


class Measure(Protocol):
    """What the planner needs to know about fonts; a role is a theme font role."""

    def span(self, text: str, font: str, size: int) -> Span:
        """The drawn extent of ``text`` in ``font`` at ``size`` px."""
        ...

    def metrics(self, font: str, size: int) -> tuple[int, int]:
        """The font's ``(ascent, descent)`` at ``size`` px, both positive."""
        ...


@dataclass(frozen=True)
class FittedText:
    """A text set at one size into lines, with its vertical extent around the first baseline."""

    field: str
    font: str
    size: int
    lines: tuple[str, ...]
    spans: tuple[Span, ...]
    advance: int
    ascent: int
    descent: int
    top_ext: int
    bottom_ext: int

    @property
    def height(self) -> int:
        """From the top of the highest pixel or ascent to the bottom of the lowest one."""
        return self.top_ext + self.advance * (len(self.lines) - 1) + self.bottom_ext

    @property
    def width(self) -> int:
        """The widest line."""
        return max(span.width for span in self.spans)


_SPACE_RE = re.compile(r"\s+")
# A hyphen (or a run of them: "A--B" is a typo, not a reason to fail) inside a word is a
# break opportunity; the hyphens stay at the end of the line.
_HYPHEN_RUN_RE = re.compile(r"[-\u2010]+")
_PUNCT_ONLY_RE = re.compile(r"[\W_]+\Z")
# Words a line should not end on: numbers (keep "5 years" together) and one- or two-letter
# lowercase words, the prepositions and conjunctions of en/be/ru ("a", "to", "к", "ў", "да").
_GLUE_RE = re.compile(r"(?:\d+|[^\W\d_]{1,2})\Z")


def tokens(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split text into atoms between break opportunities.

    Returns:
        ``(atoms, joins)``: ``joins[i]`` sits between ``atoms[i]`` and ``atoms[i + 1]``; it is
        ``" "`` for a space (dropped at a line break) or ``""`` after an in-word hyphen (the
        hyphen is part of ``atoms[i]`` and stays at the end of its line).

    """
    atoms: list[str] = []
    joins: list[str] = []
    for word in _SPACE_RE.split(text.strip()):
        if not word:
            continue
        if atoms:
            joins.append(" ")
        parts = _split_word(word)
        atoms.append(parts[0])
        for part in parts[1:]:
            joins.append("")
            atoms.append(part)
    return tuple(atoms), tuple(joins)


def _split_word(word: str) -> list[str]:
    """A word without spaces, split after each run of hyphens that has letters on both sides."""
    parts: list[str] = []
    start = 0
    for run in _HYPHEN_RUN_RE.finditer(word):
        if run.start() > 0 and run.end() < len(word):
            parts.append(word[start : run.end()])
            start = run.end()
    parts.append(word[start:])
    return parts


def break_positions(atoms: Sequence[str], joins: Sequence[str], glue: bool) -> tuple[int, ...]:
    """Indices ``i`` where a line may end after ``atoms[i]``.

    Never before a lone dash or other punctuation (a line must not start with "—"). With
    ``glue``, also not after a number or a short lowercase word, as careful typesetting does.
    """
    out = []
    for i, join in enumerate(joins):
        if join == " " and _PUNCT_ONLY_RE.match(atoms[i + 1]):
            continue
        if glue and join == " " and _GLUE_RE.match(atoms[i]) and (atoms[i].isdigit() or atoms[i].islower()):
            continue
        out.append(i)
    return tuple(out)


def join_lines(atoms: Sequence[str], joins: Sequence[str], breaks: Sequence[int]) -> tuple[str, ...]:
    """The lines made by ending a line after each atom index in ``breaks``."""
    lines: list[str] = []
    current = atoms[0] if atoms else ""
    for i in range(1, len(atoms)):
        if i - 1 in breaks:
            lines.append(current)
            current = atoms[i]
        else:
            current += joins[i - 1] + atoms[i]
    lines.append(current)
    return tuple(lines)


def _best_split(
    atoms: Sequence[str],
    joins: Sequence[str],
    allowed: Sequence[int],
    n: int,
    width_of: Callable[[str], float],
) -> tuple[str, ...] | None:
    """The split into ``n`` lines whose widest line is narrowest.

    Ties go to the fewest hyphen breaks, then to the earliest breaks. Two dynamic programmes
    over (first atom of a line, lines left) find it exactly in polynomial time: the narrowest
    widest line first, then, among the splits within it, the fewest hyphens. A name of 35
    one-letter words set in 5 lines costs a few thousand steps, not 46,000 combinations.
    """
    if n - 1 > len(allowed):
        return None
    last = len(atoms) - 1
    ends = tuple(sorted(set(allowed)))

    @cache
    def width(first: int, end: int) -> float:
        return width_of(join_lines(atoms[first : end + 1], joins[first:end], ())[0])

    @cache
    def narrowest(first: int, k: int) -> float:
        if k == 1:
            return width(first, last)
        best = math.inf
        for end in ends:
            if end >= first:
                best = min(best, max(width(first, end), narrowest(end + 1, k - 1)))
        return best

    limit = narrowest(0, n)
    if limit == math.inf:
        return None

    @cache
    def fewest(first: int, k: int) -> tuple[int, tuple[int, ...]] | None:
        if k == 1:
            return (0, ()) if width(first, last) <= limit else None
        best: tuple[int, tuple[int, ...]] | None = None
        for end in ends:
            if end < first or width(first, end) > limit:
                continue
            rest = fewest(end + 1, k - 1)
            if rest is None:
                continue
            key = (rest[0] + (joins[end] == ""), (end, *rest[1]))
            if best is None or key < best:
                best = key
        return best

    found = fewest(0, n)
    return None if found is None else join_lines(atoms, joins, found[1])


def fit_text(
    text: str, style: TextStyle, width: int, max_height: float, measure: Measure
) -> FittedText | None:
    """Set ``text`` as large as ``style`` allows inside ``width`` × ``max_height`` pixels.

    Order of preference: see ``TextStyle.candidates`` (shrink, then wrap, then shrink further).
    Breaks avoid ending a line on a number or a short word when they can, and fall back to any
    space or in-word hyphen when they must.

    Args:
        text: The text, already transformed (upper case etc.).
        style: The field's style.
        width: The box width in pixels.
        max_height: The height available to this text.
        measure: Font measurements.

    Returns:
        The fitted text, or ``None`` when even ``max_lines`` lines at ``min_size`` do not fit.

    """
    atoms, joins = tokens(text)
    if not atoms:
        return None
    ref = style.size
    # Widths at the reference size guide the choice of breaks and the first size to try;
    # every candidate is then measured for real, so the guess never decides the outcome.
    atom_w = {a: measure.span(a, style.font, ref).width for a in set(atoms)}
    space_w = max(0, measure.span("x x", style.font, ref).width - measure.span("xx", style.font, ref).width)

    def estimate(line: str) -> float:
        sub_atoms, sub_joins = tokens(line)
        return sum(
            atom_w.get(a) or measure.span(a, style.font, ref).width for a in sub_atoms
        ) + space_w * sum(1 for j in sub_joins if j == " ")

    passes = [break_positions(atoms, joins, glue=True)]
    loose = break_positions(atoms, joins, glue=False)
    if loose != passes[0]:
        passes.append(loose)
    for allowed in passes:
        splits: dict[int, tuple[tuple[str, ...], float] | None] = {}
        for n, size in style.candidates():
            if n not in splits:
                lines = _best_split(atoms, joins, allowed, n, estimate)
                splits[n] = None if lines is None else (lines, max(map(estimate, lines)))
            split = splits[n]
            if split is None:
                continue
            lines, guess = split
            # Skip sizes the estimate says are clearly too wide (2% slack for kerning);
            # everything else is measured for real.
            if guess * size / ref > width * 1.02:
                continue
            fitted = _set(style, lines, size, measure)
            if fitted.width <= width and fitted.height <= max_height:
                return fitted
    return None


def _set(style: TextStyle, lines: tuple[str, ...], size: int, measure: Measure) -> FittedText:
    spans = tuple(measure.span(line, style.font, size) for line in lines)
    ascent, descent = measure.metrics(style.font, size)
    advance = round(size * style.leading)
    last = len(lines) - 1
    # Exact extents even when a later line reaches higher than the first (a tall accent).
    top_ext = max(max(ascent, -span.top) - k * advance for k, span in enumerate(spans))
    bottom_ext = max(max(descent, span.bottom) - (last - k) * advance for k, span in enumerate(spans))
    return FittedText(
        style.field, style.font, size, lines, spans, advance, ascent, descent, top_ext, bottom_ext
    )


# --- card planning (pure) -----------------------------------------------------------------


@dataclass(frozen=True)
class PlacedLine:
    """One line of text at its final place: draw ``text`` with its pen at ``(x, y)`` on the baseline."""

    field: str
    text: str
    font: str
    size: int
    colour: RGB
    x: int
    y: int
    bbox: tuple[int, int, int, int]


@dataclass(frozen=True)
class CardPlan:
    """Everything a card draws, in drawing order, with every position decided."""

    layout: str
    lines: tuple[PlacedLine, ...]
    photo_box: Box
    monogram: PlacedLine | None
    boxes: tuple[tuple[str, Box], ...]

    def box_of(self, field: str) -> Box:
        """The layout box that must contain ``field``'s lines."""
        return dict(self.boxes)[field]


def _transform(text: str, style: TextStyle) -> str:
    return text.upper() if style.transform == "upper" else text


def _fit_error(who: str, layout: Layout, block: Block, style: TextStyle, text: str) -> FitError:
    lines = style.most_lines
    return FitError(
        f"{who}: {layout.name} card: {style.field} {text!r} does not fit its box "
        f"({block.box.w}×{block.box.h} px, block {block.name!r} of {layout.source}) even at "
        f"{style.floor_size} px in {lines} line{'s' if lines != 1 else ''}"
    )


def plan_block(
    block: Block, texts: Mapping[str, str], measure: Measure, layout: Layout, who: str
) -> list[PlacedLine]:
    """Fit and place a block's texts, stacked, every line inside the block's box.

    First every text in its normal range: each gets its preferred setting when they all fit;
    when they do not, earlier texts shrink or wrap first so that later ones keep their preferred
    setting; failing that, later texts are held to their smallest. Only when the block cannot
    be set that way does the last resort begin (see ``_fit_texts``). Empty texts are skipped
    with their spacing.

    Raises:
        FitError: a text cannot fit (names ``who``, the format and the field).

    """
    items = [(s, _transform(texts[s.field], s)) for s in block.texts if texts.get(s.field)]
    gaps = [style.space_before if k else 0 for k, (style, _) in enumerate(items)]
    fitted, failed = _fit_texts(items, gaps, block.box.w, block.box.h, measure)
    if failed is not None:
        raise _fit_error(who, layout, block, *items[failed])
    return _place(block, items, fitted)


def _fit_texts(
    items: Sequence[tuple[TextStyle, str]], gaps: Sequence[int], width: int, height: float, measure: Measure
) -> tuple[list[FittedText], int | None]:
    """Fit stacked texts into ``width`` × ``height``: the normal range, then the last resort.

    The last resort comes in two steps. First the texts may take their extra lines
    (``last_resort_lines``, at ``min_size`` and below), by the normal priorities. Then the
    first text (the name) may go below its ``min_size``, down to its ``last_resort_size``, as
    large as leaves room for the later texts: at their preferred setting if it can; else at
    their smallest normal size; else at their own ``last_resort_size``. The later texts are set
    exactly at that level, never enlarged by the room the name leaves over: the facts under
    an extreme name look as they do under any other, or uniformly smaller.

    Returns:
        The fitted texts, and the index of a text that could not fit (or ``None``).

    """
    normal = [(s.normal(), t) for s, t in items]
    fitted, failed = _fit_block(normal, gaps, width, height, measure)
    if failed is None or not any(s.has_last_resort for s, _ in items):
        return fitted, failed
    if any(s.most_lines > s.max_lines for s, _ in items):
        more_lines = [(replace(s, last_resort_size=None), t) for s, t in items]
        fitted, failed = _fit_block(more_lines, gaps, width, height, measure)
        if failed is None:
            return fitted, failed
    if not any(s.floor_size < s.min_size for s, _ in items):
        return fitted, failed
    smallest: list[FittedText] = []
    for k, (style, text) in enumerate(items):
        small = fit_text(text, style.smallest(), width, math.inf, measure)
        if small is None:
            return [], k
        smallest.append(small)
    (style, text), rest = items[0], items[1:]
    levels: list[list[FittedText]] = []
    preferred = [fit_text(t, s, width, height, measure) for s, t in rest]
    if all(f is not None for f in preferred):
        levels.append([f for f in preferred if f is not None])
    normal_small = [
        fit_text(t, replace(s, last_resort_size=None).smallest(), width, math.inf, measure) for s, t in rest
    ]
    levels.append([n if n is not None else f for n, f in zip(normal_small, smallest[1:], strict=True)])
    levels.append(smallest[1:])
    for later in levels:
        room = height - sum(gaps) - sum(f.height for f in later)
        first = fit_text(text, style, width, room, measure)
        if first is not None:
            return [first, *later], None
    # Not even that: name the text that cannot fit.
    return _stack(items, gaps, [f.height for f in smallest], width, height, measure)


def _fit_block(
    items: Sequence[tuple[TextStyle, str]], gaps: Sequence[int], width: int, height: float, measure: Measure
) -> tuple[list[FittedText], int | None]:
    """Fit texts within what their styles allow, by the priorities of ``plan_block``.

    Returns:
        The fitted texts, and the index of a text that could not fit (or ``None``).

    """
    preferred = [fit_text(text, style, width, height, measure) for style, text in items]
    if all(f is not None for f in preferred):
        fitted = [f for f in preferred if f is not None]
        if sum(f.height for f in fitted) + sum(gaps) <= height:
            return fitted, None
        # Too tall together: earlier texts (the name) give up size so that later, smaller
        # texts keep theirs; a status line shrunk next to a full-size one looks like a mistake.
        got, failed = _stack(items, gaps, [f.height for f in fitted], width, height, measure)
        if failed is None:
            return got, None
    # Reserve every later text's smallest setting.
    floors = []
    for k, (style, text) in enumerate(items):
        small = fit_text(text, style.smallest(), width, math.inf, measure)
        if small is None:
            return [], k
        floors.append(small.height)
    return _stack(items, gaps, floors, width, height, measure)


def _stack(
    items: Sequence[tuple[TextStyle, str]],
    gaps: Sequence[int],
    reserved: Sequence[float],
    width: int,
    height: float,
    measure: Measure,
) -> tuple[list[FittedText], int | None]:
    """Fit texts in order, each leaving room for the later ones' ``reserved`` heights.

    Returns:
        The fitted texts, and the index of the first text that could not fit (or ``None``).

    """
    fitted: list[FittedText] = []
    used = 0.0
    for k, (style, text) in enumerate(items):
        reserve = sum(gaps[j] + reserved[j] for j in range(k + 1, len(items)))
        got = fit_text(text, style, width, height - used - gaps[k] - reserve, measure)
        if got is None:
            return fitted, k
        fitted.append(got)
        used += gaps[k] + got.height
    return fitted, None


def _place(
    block: Block, items: Sequence[tuple[TextStyle, str]], fitted: Sequence[FittedText]
) -> list[PlacedLine]:
    total = sum(f.height for f in fitted) + sum(s.space_before for s, _ in items[1:])
    free = block.box.h - total
    y = block.box.y + {"top": 0, "center": free // 2, "bottom": free}[block.valign]
    out: list[PlacedLine] = []
    for k, ((style, _text), fit) in enumerate(zip(items, fitted, strict=True)):
        if k:
            y += style.space_before
        baseline = y + fit.top_ext
        for i, (line, span) in enumerate(zip(fit.lines, fit.spans, strict=True)):
            if block.align == "left":
                x = block.box.x - span.left
            elif block.align == "right":
                x = block.box.right - span.right
            else:
                x = block.box.x + (block.box.w - span.width) // 2 - span.left
            line_y = baseline + i * fit.advance
            # A line's box spans the font's ascent and descent (or its ink, if taller), so
            # "inside the box" holds for every glyph the font can draw, not just these.
            bbox = (
                x + span.left,
                line_y - max(fit.ascent, -span.top),
                x + span.right,
                line_y + max(fit.descent, span.bottom),
            )
            out.append(PlacedLine(style.field, line, style.font, fit.size, style.colour, x, line_y, bbox))
        y += fit.height
    return out


def place_monogram(frame: PhotoFrame, initials: str, measure: Measure) -> PlacedLine | None:
    """Centre the initials (by their ink, not their line box) in the photo frame.

    Returns:
        The placed initials, or ``None`` when they cannot fit at ``min_size``.

    """
    mono = frame.monogram
    box = frame.box
    sizes = list(range(mono.size, mono.min_size, -2)) + [mono.min_size]
    for size in sizes:
        span = measure.span(initials, mono.font, size)
        height = span.bottom - span.top
        if span.width <= mono.max_width and height <= box.h:
            x = box.x + (box.w - span.width) // 2 - span.left
            y = box.y + (box.h - height) // 2 - span.top
            return PlacedLine(
                "monogram",
                initials,
                mono.font,
                size,
                mono.colour,
                x,
                y,
                (x + span.left, y + span.top, x + span.right, y + span.bottom),
            )
    return None


def plan_card(
    layout: Layout,
    texts: Mapping[str, str],
    measure: Measure,
    *,
    who: str,
    initials: str = "",
    with_photo: bool = False,
) -> CardPlan:
    """Plan a whole card: every text fitted and placed in its block, the placeholder's initials.

    Args:
        layout: The format's layout.
        texts: Field name -> text; an empty or absent text is left out with its spacing.
        measure: Font measurements.
        who: The person, for error messages (her id).
        initials: Shown in the photo frame when there is no photo.
        with_photo: Whether a photo fills the frame (no initials then).

    Raises:
        FitError: a text cannot fit, naming ``who``, the format and the field.

    """
    lines: list[PlacedLine] = []
    boxes: list[tuple[str, Box]] = []
    for block in layout.blocks:
        lines.extend(plan_block(block, texts, measure, layout, who))
        boxes.extend((style.field, block.box) for style in block.texts)
    monogram = None
    if initials and not with_photo:
        monogram = place_monogram(layout.photo, initials, measure)
        if monogram is None:
            raise FitError(
                f"{who}: {layout.name} card: the initials {initials!r} do not fit "
                f"the photo frame of {layout.source} even at "
                f"{layout.photo.monogram.min_size} px"
            )
    return CardPlan(layout.name, tuple(lines), layout.photo.box, monogram, tuple(boxes))
