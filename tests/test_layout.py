"""Card geometry and text fitting, tested without fonts or pixels (a fake, monospaced measure)."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaign_kit.errors import FitError, RenderError
from campaign_kit.render.layout import (
    FIELDS,
    FORMATS,
    Block,
    Box,
    Layout,
    Monogram,
    PhotoFrame,
    Span,
    TextStyle,
    break_positions,
    cover_crop,
    fit_text,
    join_lines,
    load_layout,
    parse_layout,
    parse_theme,
    place_monogram,
    plan_block,
    plan_card,
    tokens,
)

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "templates"


class Mono:
    """Every character is 0.6 em wide (a space 0.3 em); caps 0.72 em tall; no kerning."""

    def __init__(self) -> None:
        self.calls = 0

    def span(self, text: str, font: str, size: int) -> Span:
        self.calls += 1
        width = sum(0.3 if ch == " " else 0.6 for ch in text) * size
        return Span(0, -round(0.72 * size), round(width), round(0.2 * size))

    def metrics(self, font: str, size: int) -> tuple[int, int]:
        return round(0.95 * size), round(0.25 * size)


def style(field: str = "name", size: int = 80, min_size: int = 60, max_lines: int = 3,
          **kw: Any) -> TextStyle:
    return TextStyle(field=field, font="display", size=size, min_size=min_size,
                     max_lines=max_lines, leading=kw.pop("leading", 1.05),
                     colour=(0, 0, 0), **kw)


def layout_with(blocks: tuple[Block, ...], name: str = "portrait") -> Layout:
    w, h = FORMATS[name]
    frame = PhotoFrame(Box(0, 0, 400, 400), (200, 0, 0),
                       Monogram("display", 120, 60, 300, (255, 255, 255)), 4, 300,
                       (255, 255, 255))
    return Layout(name=name, source=f"templates/cards/{name}.toml", width=w, height=h,
                  background=(255, 255, 255), shapes=(), photo=frame, blocks=blocks,
                  fonts=(("display", "x.otf"),))


def rejoin(lines: tuple[str, ...]) -> str:
    """Undo a wrap: a line ending in a hyphen continues the word, otherwise a space."""
    out = lines[0]
    for line in lines[1:]:
        out += line if out.endswith("-") else " " + line
    return out


# --- breaking -----------------------------------------------------------------------------

def test_tokens_break_after_in_word_hyphen_and_at_spaces() -> None:
    atoms, joins = tokens("SHABLINSKAYA-IVANOVA Katsiaryna")
    assert atoms == ("SHABLINSKAYA-", "IVANOVA", "Katsiaryna")
    assert joins == ("", " ")
    assert join_lines(atoms, joins, (0,)) == ("SHABLINSKAYA-", "IVANOVA Katsiaryna")
    assert join_lines(atoms, joins, (1,)) == ("SHABLINSKAYA-IVANOVA", "Katsiaryna")
    assert join_lines(atoms, joins, ()) == ("SHABLINSKAYA-IVANOVA Katsiaryna",)


def test_tokens_cyrillic_hyphen() -> None:
    atoms, joins = tokens("ШАБЛИНСКАЯ-ИВАНОВА Екатерина")
    assert atoms == ("ШАБЛИНСКАЯ-", "ИВАНОВА", "Екатерина")


def test_no_line_starts_with_a_dash() -> None:
    atoms, joins = tokens("Жанчыны — палітычныя вязні Беларусі")
    allowed = break_positions(atoms, joins, glue=False)
    for lines in (join_lines(atoms, joins, (b,)) for b in allowed):
        assert not lines[1].startswith("—")


def test_glue_keeps_numbers_and_short_words_with_the_next_word() -> None:
    text = "Sentenced to 5 years 6 months in a penal colony"
    atoms, joins = tokens(text)
    allowed = break_positions(atoms, joins, glue=True)
    ends = {atoms[i] for i in allowed}
    assert not ends & {"to", "5", "6", "in", "a"}
    # Without glue every space is a break.
    assert len(break_positions(atoms, joins, glue=False)) == len(atoms) - 1


# --- fitting ------------------------------------------------------------------------------

def test_short_text_fits_on_one_line_at_full_size() -> None:
    got = fit_text("ABLAB Hanna", style(), 900, 1000, Mono())
    assert got is not None
    assert got.lines == ("ABLAB Hanna",) and got.size == 80


def test_shrinks_before_wrapping() -> None:
    # 20 characters + 1 space: 0.6*20+0.3 = 12.3 em; at 80 px = 984 > 900; at 72 px = 886.
    got = fit_text("VAITSIAKHOVICHA Volh", style(), 900, 1000, Mono())
    assert got is not None
    assert len(got.lines) == 1 and 60 <= got.size < 80 and got.width <= 900


def test_wraps_at_the_hyphen_keeping_it_at_the_line_end() -> None:
    got = fit_text("SHABLINSKAYA-IVANOVA Katsiaryna", style(), 900, 1000, Mono())
    assert got is not None
    assert got.lines == ("SHABLINSKAYA-", "IVANOVA Katsiaryna")
    assert got.lines[0].endswith("-") and not got.lines[1].startswith("-")
    assert got.width <= 900


def test_wraps_at_space_when_there_is_no_hyphen() -> None:
    got = fit_text("VAITSIAKHOVICHOVNA Volha Aliaksandrauna", style(), 700, 1000, Mono())
    assert got is not None
    assert len(got.lines) >= 2
    assert rejoin(got.lines) == "VAITSIAKHOVICHOVNA Volha Aliaksandrauna"


def test_does_not_fit_returns_none_never_cuts() -> None:
    assert fit_text("A" * 40, style(), 900, 1000, Mono()) is None
    # Fits the width wrapped, but not the height.
    assert fit_text("SHABLINSKAYA-IVANOVA Katsiaryna", style(), 900, 100, Mono()) is None


def test_measures_are_few() -> None:
    m = Mono()
    fit_text("SHABLINSKAYA-IVANOVA Katsiaryna", style(), 900, 1000, m)
    assert m.calls < 30


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(st.text(alphabet="ABCDEFGHIJKLMNOPRSTUVYZабвгдеёжзіўАБВГДЕЁЖЗІЎ", min_size=1,
                           max_size=14), min_size=1, max_size=4),
    hyphens=st.lists(st.booleans(), min_size=4, max_size=4),
    width=st.integers(300, 1500),
    height=st.integers(60, 600),
)
def test_fitted_text_always_inside_and_lossless(words: list[str], hyphens: list[bool],
                                                width: int, height: int) -> None:
    text = ""
    for i, word in enumerate(words):
        text += ("-" if hyphens[i] else " ") if i else ""
        text += word
    got = fit_text(text, style(), width, height, Mono())
    if got is None:
        return
    assert got.width <= width and got.height <= height
    assert 60 <= got.size <= 80 and len(got.lines) <= 3
    assert rejoin(got.lines) == text
    for line in got.lines:
        assert line and not line.startswith((" ", "-")) and not line.endswith(" ")


# --- blocks and cards ---------------------------------------------------------------------

FACTS = Block("facts", Box(84, 800, 912, 400), "left", "top", (
    style("name", 88, 60),
    style("other_name", 40, 30, 2, space_before=4),
    style("status", 38, 34, 3, space_before=30, leading=1.25),
    style("children", 38, 34, 2, space_before=6, leading=1.25),
))
TEXTS = {"name": "SHABLINSKAYA-IVANOVA Katsiaryna", "other_name": "ШАБЛИНСКАЯ-ИВАНОВА Екатерина",
         "status": "Sentenced to 5 years 6 months in a penal colony",
         "children": "Mother of 3 children"}


@pytest.mark.parametrize("valign", ["top", "center", "bottom"])
@pytest.mark.parametrize("align", ["left", "center", "right"])
def test_block_lines_inside_box(valign: str, align: str) -> None:
    block = Block("facts", FACTS.box, align, valign, FACTS.texts)
    lines = plan_block(block, TEXTS, Mono(), layout_with((block,)), "shablinskaya")
    assert {line.field for line in lines} == set(TEXTS)
    for line in lines:
        assert block.box.contains(line.bbox), line
    tops = [line.bbox[1] for line in lines]
    assert tops == sorted(tops)
    if valign == "top":
        assert min(tops) == block.box.y
    if valign == "bottom":
        assert max(line.bbox[3] for line in lines) == block.box.bottom


def test_empty_text_is_skipped_with_its_spacing() -> None:
    lines = plan_block(FACTS, {**TEXTS, "children": ""}, Mono(), layout_with((FACTS,)), "x")
    assert "children" not in {line.field for line in lines}


def test_later_texts_keep_their_size_when_the_name_must_give_way() -> None:
    tight = Block("facts", Box(84, 800, 912, 330), "left", "top", FACTS.texts)
    lines = plan_block(tight, TEXTS, Mono(), layout_with((tight,)), "x")
    sizes = {line.field: line.size for line in lines}
    roomy = {s.field: fit_text(TEXTS[s.field], s, 912, 10_000, Mono()) for s in FACTS.texts}
    assert sizes["status"] == roomy["status"].size  # type: ignore[union-attr]
    assert sizes["children"] == roomy["children"].size == 38  # type: ignore[union-attr]
    assert sizes["name"] < 88 or len([x for x in lines if x.field == "name"]) < len(
        roomy["name"].lines)  # type: ignore[union-attr]
    for line in lines:
        assert tight.box.contains(line.bbox)


def test_fit_error_names_person_format_and_field() -> None:
    block = Block("facts", Box(84, 800, 400, 300), "left", "top", FACTS.texts)
    with pytest.raises(FitError) as err:
        plan_card(layout_with((block,), "square"), {**TEXTS, "name": "X" * 30}, Mono(),
                  who="some-woman")
    message = str(err.value)
    assert "some-woman" in message and "square" in message and "name" in message


def test_monogram_centred_by_ink() -> None:
    frame = layout_with(()).photo
    placed = place_monogram(frame, "H. A.", Mono())
    assert placed is not None
    x0, y0, x1, y1 = placed.bbox
    assert frame.box.contains(placed.bbox)
    assert abs((x0 + x1) / 2 - (frame.box.x + frame.box.w / 2)) <= 1
    assert abs((y0 + y1) / 2 - (frame.box.y + frame.box.h / 2)) <= 1
    assert x1 - x0 <= frame.monogram.max_width


# --- cover crop ---------------------------------------------------------------------------

def test_cover_crop_centre_and_focus() -> None:
    assert cover_crop(2000, 1000, 500, 500, (0.5, 0.5)) == (500.0, 0.0, 1500.0, 1000.0)
    assert cover_crop(2000, 1000, 500, 500, (0.0, 0.5)) == (0.0, 0.0, 1000.0, 1000.0)
    assert cover_crop(2000, 1000, 500, 500, (1.0, 0.5)) == (1000.0, 0.0, 2000.0, 1000.0)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 9000), st.integers(1, 9000), st.integers(1, 2000), st.integers(1, 2000),
       st.one_of(st.none(), st.tuples(st.floats(0, 1), st.floats(0, 1))))
def test_cover_crop_inside_source_with_frame_aspect(sw: int, sh: int, dw: int, dh: int,
                                                    focus: tuple[float, float] | None) -> None:
    left, top, right, bottom = cover_crop(sw, sh, dw, dh, focus)
    eps = 1e-6 * max(sw, sh)
    assert -eps <= left <= right <= sw + eps and -eps <= top <= bottom <= sh + eps
    assert right - left > 0 and bottom - top > 0
    # Aspect ratio of the region equals the frame's (to rounding).
    assert abs((right - left) * dh - (bottom - top) * dw) <= 1e-6 * max(sw, sh) * max(dw, dh)
    # Full width or full height of the source is used (cover, not contain).
    assert abs(right - left - sw) <= eps or abs(bottom - top - sh) <= eps


# --- layout data --------------------------------------------------------------------------

def shipped(name: str) -> dict[str, Any]:
    return tomllib.loads((TEMPLATES / "cards" / f"{name}.toml").read_text(encoding="utf-8"))


def theme() -> Any:
    return parse_theme(shipped("theme"), "theme.toml")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_shipped_layouts_are_valid_and_place_every_field(fmt: str) -> None:
    layout = load_layout(TEMPLATES, fmt)
    assert (layout.width, layout.height) == FORMATS[fmt]
    placed = [s.field for b in layout.blocks for s in b.texts]
    assert sorted(placed) == sorted(FIELDS)
    for block in layout.blocks:
        assert 0 <= block.box.x and block.box.right <= layout.width
    assert load_layout(TEMPLATES, fmt) is layout  # loaded once per process


def test_story_text_stays_out_of_the_platform_controls() -> None:
    layout = load_layout(TEMPLATES, "story")
    for block in layout.blocks:
        assert block.box.y >= 250 and block.box.bottom <= 1920 - 250


def bad(fmt: str, mutate: Any) -> str:
    data = copy.deepcopy(shipped(fmt))
    mutate(data)
    with pytest.raises(RenderError) as err:
        parse_layout(data, f"templates/cards/{fmt}.toml", fmt, theme())
    return str(err.value)


def test_bad_layouts_name_file_and_key() -> None:
    msg = bad("square", lambda d: d["canvas"].update(width=1000))
    assert "templates/cards/square.toml" in msg and "canvas" in msg and "1080×1080" in msg

    msg = bad("portrait", lambda d: d["block"][1]["text"][0].update(size="big"))
    assert 'block[1].text[0].size' in msg

    msg = bad("portrait", lambda d: d["block"][1]["text"][0].update(colour="blue"))
    assert "block[1].text[0].colour" in msg and "'blue'" in msg

    msg = bad("portrait", lambda d: d["block"][1]["text"][0].update(sise=80))
    assert "block[1].text[0].sise" in msg and "unknown key" in msg

    msg = bad("link", lambda d: d["block"][0].update(box=[500, 52, 900, 100]))
    assert "block[0].box" in msg and "outside" in msg

    msg = bad("landscape", lambda d: d["block"][1]["text"].pop(0))
    assert "'name'" in msg

    msg = bad("story", lambda d: d["block"][1]["text"][1].update(field="name"))
    assert "already placed" in msg

    msg = bad("story", lambda d: d["block"][1]["text"][0].update(min_size=200))
    assert "min_size" in msg

    msg = bad("square", lambda d: d["block"][1]["text"][0].update(font="serif"))
    assert "'serif'" in msg and "font role" in msg


def test_bad_theme_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"colours\.red"):
        parse_theme({"fonts": {"display": "a.otf"}, "colours": {"red": "crimson"}}, "theme.toml")
    with pytest.raises(RenderError, match=r"fonts\.display"):
        parse_theme({"fonts": {"display": "../etc/a.otf"}}, "theme.toml")
    with pytest.raises(RenderError, match="no card format"):
        load_layout(TEMPLATES, "banner")
    (tmp_path / "cards").mkdir()
    with pytest.raises(RenderError, match="theme.toml: file not found"):
        load_layout(tmp_path, "square")
    (tmp_path / "cards" / "theme.toml").write_text("[fonts\n", encoding="utf-8")
    with pytest.raises(RenderError, match="not valid TOML"):
        load_layout(tmp_path, "square")
