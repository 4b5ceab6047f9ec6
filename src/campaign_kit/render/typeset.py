"""Text fitting and card geometry: pure functions that set a card's texts into its layout.

``card_layout`` says where things go; this module decides how the words fit there: which
size, which line breaks and which position every text gets, and where a photo is cropped.
It never draws and never opens a font: the caller passes a ``Measure`` (Pillow in production,
a fake in tests), so the fitting rules are unit-testable without pixels.

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Protocol

from campaign_kit.errors import FitError
from campaign_kit.render.card_layout import (
    RGB,
    Block,
    Box,
    Layout,
    TextStyle,
    template_fields,
)


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
        """The drawn extent of ``text`` in ``font`` at ``size`` px.

        A measure that supports letter spacing also takes ``tracking=`` (em); it is passed
        only for texts whose style sets one.
        """
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


# Breakable space: any whitespace but a no-break space (U+00A0, U+202F), which the typography
# filter puts where a line must not break («к 10 годам», "27 women"): it stays inside the word.
_SPACE_RE = re.compile(r"[^\S\u00a0\u202f]+")
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
    Letter spacing (``style.tracking``) only widens a line: the estimates that skip hopeless
    candidates leave it out, and every candidate tried is measured with it.
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
    # The normal range is tried with every kind of break before the last resort is: a text that
    # fits without the last resort (even with looser breaks) is set exactly as it would be then.
    candidates = style.candidates()
    normal = [(n, size) for n, size in candidates if n <= style.max_lines and size >= style.min_size]
    tiers = [normal, [c for c in candidates if c not in set(normal)]]
    cache: list[dict[int, tuple[tuple[str, ...], float] | None]] = [{} for _ in passes]
    for tier, (index, allowed) in ((t, p) for t in tiers for p in enumerate(passes)):
        splits = cache[index]
        for n, size in tier:
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
    if style.tracking:
        spans = tuple(measure.span(line, style.font, size, tracking=style.tracking) for line in lines)  # type: ignore[call-arg]
    else:
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
    tracking: float = 0.0


@dataclass(frozen=True)
class CardPlan:
    """Everything a card draws, in drawing order, with every position decided."""

    layout: str
    lines: tuple[PlacedLine, ...]
    photo_box: Box
    placeholder_fill: RGB | None
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
    """Fit and place a block's texts; optional texts are left out, last first, when they must be.

    See ``_plan_block`` for the fitting; a text marked ``optional`` is dropped (with its
    spacing) before any text would fail, so a long name takes the room of "Held since".

    Raises:
        FitError: the block cannot be set even without its optional texts.

    """
    texts = dict(texts)
    optional = [s.field for s in block.texts if s.optional and texts.get(s.field, "").strip()]
    while True:
        try:
            return _plan_block(block, texts, measure, layout, who)
        except FitError:
            if not optional:
                raise
            texts[optional.pop()] = ""


def _plan_block(
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
    items = [(s, _transform(texts[s.field], s)) for s in block.texts if texts.get(s.field, "").strip()]
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
    (``last_resort_lines``, at ``min_size`` and below), by the normal priorities. Then her
    name (or, in a block without it, the first text) may go below its ``min_size``, down to
    its ``last_resort_size``, as large as leaves room for the others: at their preferred
    setting if it can; else at
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
    # The text that yields is her name where the block has it (the message may stand above
    # it), else the block's first text.
    k = next((i for i, (s, _) in enumerate(items) if s.field == "name"), 0)
    (style, text) = items[k]
    rest = [*items[:k], *items[k + 1 :]]
    rest_smallest = [*smallest[:k], *smallest[k + 1 :]]
    levels: list[list[FittedText]] = []
    preferred = [fit_text(t, s, width, height, measure) for s, t in rest]
    if all(f is not None for f in preferred):
        levels.append([f for f in preferred if f is not None])
    normal_small = [
        fit_text(t, replace(s, last_resort_size=None).smallest(), width, math.inf, measure) for s, t in rest
    ]
    levels.append([n if n is not None else f for n, f in zip(normal_small, rest_smallest, strict=True)])
    levels.append(rest_smallest)
    for later in levels:
        room = height - sum(gaps) - sum(f.height for f in later)
        first = fit_text(text, style, width, room, measure)
        if first is not None:
            return [*later[:k], first, *later[k:]], None
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
            out.append(
                PlacedLine(
                    style.field, line, style.font, fit.size, style.colour, x, line_y, bbox, style.tracking
                )
            )
        y += fit.height
    return out


def resolve_texts(layout: Layout, values: Mapping[str, str]) -> dict[str, str]:
    """Every text the layout places, by its name: card fields as given, free texts filled in.

    A free text (``text = "Photo: {photo_credit}"``) is left out, with its spacing, when every
    field it refers to is empty: no "Photo:" without a credit.
    """
    out: dict[str, str] = {}
    for block in layout.blocks:
        for style in block.texts:
            if style.template is None:
                text = values.get(style.field, "")
                if style.field == "hashtags" and style.max_items is not None:
                    text = " ".join(text.split()[: style.max_items])
                out[style.field] = text
                continue
            names = template_fields(style.template)
            if names and not any(values.get(name, "").strip() for name in names):
                out[style.field] = ""
                continue
            out[style.field] = _PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), ""), style.template)
    return out


_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")


def placeholder_fill(layout: Layout, variant: int) -> RGB:
    """The placeholder's fill for a woman's ``variant`` (any whole number; it wraps)."""
    fills = layout.photo.placeholder.fills
    return fills[variant % len(fills)]


def plan_card(
    layout: Layout,
    texts: Mapping[str, str],
    measure: Measure,
    *,
    who: str,
    variant: int = 0,
    with_photo: bool = False,
    fact_moves: str = "",
) -> CardPlan:
    """Plan a whole card: every text fitted and placed in its block.

    Args:
        layout: The format's layout.
        texts: Field name -> text (see ``card_layout.FIELDS``); an empty or absent text is left
            out with its spacing. Free texts of the layout are filled in from these.
        measure: Font measurements.
        who: The person, for error messages (her id).
        variant: Chooses the placeholder's fill (her place in the list).
        with_photo: Whether a photo fills the frame (the blocks shown over a photo are set,
            else the placeholder's).
        fact_moves: The fact line that the hero's caption says instead (left out of ``texts``);
            it is set after all when the hero gives way to a long name.

    Raises:
        FitError: a text cannot fit, naming ``who``, the format and the field.

    """
    resolved = resolve_texts(layout, texts)
    shown = [b for b in layout.blocks if b.shown(with_photo)]
    placed: dict[int, list[PlacedLine]] = {}
    for k, block in enumerate(shown):
        if not block.yields:
            placed[k] = plan_block(block, resolved, measure, layout, who)
    taken = [line.bbox for got in placed.values() for line in got]
    yielding = [(k, b) for k, b in enumerate(shown) if b.yields]
    # The blocks that yield are one picture (the numeral and its caption): if text reaches into
    # any of them, all give way together.
    crowded = any(
        x0 < b.box.right and b.box.x < x1 and y0 < b.box.bottom and b.box.y < y1
        for _, b in yielding
        for x0, y0, x1, y1 in taken
    )
    left_out: set[str] = set()
    for k, block in yielding:
        if crowded:
            left_out.update(style.field for style in block.texts)
        else:
            placed[k] = plan_block(block, resolved, measure, layout, who)
    if fact_moves and left_out and texts.get("fact") != fact_moves:
        # The hero gave way to her name: the fact it carried goes back on its line.
        return plan_card(
            layout, {**texts, "fact": fact_moves}, measure, who=who, variant=variant, with_photo=with_photo
        )
    lines: list[PlacedLine] = []
    boxes: list[tuple[str, Box]] = []
    for k, block in enumerate(shown):
        if k in placed:
            lines.extend(placed[k])
            boxes.extend((style.field, block.box) for style in block.texts)
    fill = None if with_photo else placeholder_fill(layout, variant)
    return CardPlan(layout.name, tuple(lines), layout.photo.box, fill, tuple(boxes))
