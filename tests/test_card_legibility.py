"""Phone legibility as a checked rule, contrast, and where text may go, with the real fonts.

Every text's x-height at the width a phone shows the card (390 pt in a feed, 310 pt for the
landscape and link cards X and Bluesky inset) must reach 9 pt; texts stay inside Instagram's
3:4 grid tile and a story's safe zone; every text keeps 4.5:1 against what is behind it. The
women are a fixture roster made here (never the live roster.json).
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest

from campaign_kit.campaign.config import load_campaign
from campaign_kit.campaign.locale import load_locale
from campaign_kit.render import cards
from campaign_kit.render.card_layout import (
    DISPLAY_WIDTH,
    FORMATS,
    MIN_X_HEIGHT,
    TEXT_AREAS,
    Box,
    min_legible_size,
    x_height_at_display,
)
from campaign_kit.render.cards import CardContent, card_content, contrast_behind, plan
from campaign_kit.roster import PartialDate, validate_roster_data
from conftest import (
    CARD_DIRS,
    FONTS,
    PHOTOS,
    REPO,
    TEMPLATES,
    copy_project,
    named,
    person,
    roster_doc,
    write_roster,
)

ASSETS = str(REPO / "assets")
LANGS = ("en", "be", "ru")
CAMPAIGN = load_campaign(REPO / "campaign.toml")
APPEAL = CAMPAIGN.appeal("mothers")

WOMEN = [
    person(),
    named("shablinskaya-ivanova-katsiaryna", "SHABLINSKAYA-IVANOVA Katsiaryna", "ШАБЛІНСКАЯ-ІВАНОВА Кацярына",
          "ШАБЛИНСКАЯ-ИВАНОВА Екатерина", sentence_months=None, children=3, detained_on="2021-03-12"),
    named("sharenda-panasiuk-palina", "SHARENDA-PANASIUK Palina", "ШАРЭНДА-ПАНАСЮК Паліна",
          "ШАРЕНДА-ПАНАСЮК Полина", status="compulsory_treatment", sentence_months=None, facility=None,
          children=1),
    named("kazakova-viktoryia", "KAZAKOVA Viktoryia", "КАЗАКОВА Вікторыя", "КАЗАКОВА Виктория",
          status="pre_trial", sentence_months=None, facility=None, children=5, detained_on="2024-11"),
]  # fmt: skip
ROSTER, _PROBLEMS = validate_roster_data(roster_doc(WOMEN), "roster.json")
assert ROSTER is not None, _PROBLEMS


def contents() -> list[CardContent]:
    out = []
    for lang in LANGS:
        locale = load_locale(TEMPLATES, lang)
        for n, woman in enumerate(ROSTER.people, start=1):
            c = card_content(
                woman,
                CAMPAIGN,
                APPEAL,
                locale,
                as_of=ROSTER.as_of,
                templates_dir=TEMPLATES,
                number=n,
                count=27,
            )
            out.append(c)
            out.append(dataclasses.replace(c, photo="her.jpg", photo_credit="Photo: Viasna"))
    return out


CONTENTS = contents()


def overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def x_ratios(fmt: str) -> dict[str, float]:
    layout = cards.load_layout(TEMPLATES, fmt)
    fonts = cards._font_paths(layout.fonts, str(FONTS))
    return {role: cards.x_height_ratio(path) for role, path in fonts.items()}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_text_reaches_9pt_x_height_at_its_display_width(fmt: str) -> None:
    layout = cards.load_layout(TEMPLATES, fmt)
    ratios = x_ratios(fmt)
    assert 0.45 < ratios["text"] < 0.6  # Inter's x-height, measured from its "x"
    assert cards.layout_legibility_problems(layout, cards._font_paths(layout.fonts, str(FONTS))) == []
    smallest = min(
        x_height_at_display(fmt, style.floor_size, ratios[style.font])
        for b in layout.blocks
        for style in b.texts
    )
    assert smallest >= MIN_X_HEIGHT, f"{fmt}: {smallest:.2f} pt"
    # And on every planned card, at the size each line was actually set.
    for c in CONTENTS:
        for line in plan(c, fmt, **CARD_DIRS).lines:
            seen = x_height_at_display(fmt, line.size, ratios[line.font])
            assert seen >= MIN_X_HEIGHT, (c.person_id, c.lang, line.field, seen)


def test_the_platform_display_widths() -> None:
    assert DISPLAY_WIDTH == {"square": 390, "portrait": 390, "story": 390, "landscape": 310, "link": 310}
    # 9 pt of x-height in Inter is 46 px on a 1080-px card and 86 px on the 1600-px landscape.
    ratio = x_ratios("square")["text"]
    assert min_legible_size("square", ratio) == 46
    assert min_legible_size("landscape", ratio) == 86


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_card_inside_its_visible_area_apart_and_in_contrast(fmt: str) -> None:
    layout = cards.load_layout(TEMPLATES, fmt)
    x0, y0, x1, y1 = TEXT_AREAS[fmt]
    area = Box(x0, y0, x1 - x0, y1 - y0)
    images = [(im.box.x, im.box.y, im.box.right, im.box.bottom) for im in layout.images]
    checked = 0
    for c in CONTENTS:
        card = plan(c, fmt, **CARD_DIRS)
        behind = cards._background(layout, ASSETS, card.placeholder_fill)
        fields = {line.field for line in card.lines}
        assert {"label", "name", "status", "org_name"} <= fields, (c.person_id, c.lang, fields)
        assert fields & {"fact", "hero_caption"} or fmt in ("landscape", "link")
        for line in card.lines:
            assert area.contains(line.bbox), (c.person_id, c.lang, line.field, "outside the visible area")
            if c.photo is None:
                ratio = contrast_behind(behind, line.bbox, line.colour)
                assert ratio >= 4.5, (c.person_id, c.lang, line.field, round(ratio, 2))
            for image in images:
                assert not overlap(line.bbox, image), (c.person_id, c.lang, line.field, "on the logo")
            checked += 1
        for i, a in enumerate(card.lines):
            for b in card.lines[i + 1 :]:
                if a.field != b.field:
                    assert not overlap(a.bbox, b.bbox), (c.person_id, c.lang, a.text, b.text)
                else:
                    assert b.y > a.y
    assert checked > 150


def test_square_text_stays_inside_instagrams_grid_tile_and_story_inside_its_safe_zone() -> None:
    assert TEXT_AREAS["square"] == (135, 0, 945, 1080)  # 3:4 of 1080 tall: 810 wide, centred
    assert TEXT_AREAS["story"][1:4:2] == (250, 1580)  # under the top bar, above the reply bar
    for fmt in ("square", "portrait", "story"):
        layout = cards.load_layout(TEMPLATES, fmt)
        x0, y0, x1, y1 = TEXT_AREAS[fmt]
        for block in layout.blocks:
            assert (
                x0 <= block.box.x and block.box.right <= x1 and y0 <= block.box.y and block.box.bottom <= y1
            )


def edited_layout(tmp_path: Path, fmt: str, old: str, new: str, after: str = "") -> tuple[Path, list[Any]]:
    """Check a copy of the card layouts whose ``fmt`` has its first ``old`` past ``after`` made ``new``.

    Returns the copy's templates folder and what ``check_layouts`` found in it.
    """
    shutil.copytree(TEMPLATES / "cards", tmp_path / "cards")
    path = tmp_path / "cards" / f"{fmt}.toml"
    text = path.read_text(encoding="utf-8")
    i = text.index(after)
    assert old in text[i:], (fmt, old)
    path.write_text(text[:i] + text[i:].replace(old, new, 1), encoding="utf-8")
    return tmp_path, cards.check_layouts(tmp_path, FONTS, REPO / "assets")


ORG_NAME = 'field = "org_name"'


def test_a_layout_whose_text_is_under_9pt_is_refused(tmp_path: Path) -> None:
    # The organisation's name at 40 px: an x-height of 7.9 pt at 390 pt wide.
    size_40 = "size = 40\n  min_size = 40"
    templates, problems = edited_layout(tmp_path, "square", "size = 46\n  min_size = 46", size_40, ORG_NAME)
    assert len(problems) == 1, problems
    assert problems[0].field.endswith(".min_size") and "x-height of 7.9 pt" in problems[0].message
    assert "390 pt wide" in problems[0].message and "46 px" in problems[0].message
    with pytest.raises(cards.RenderError, match="too small to read on a phone"):
        cards.draw_card(CONTENTS[0], "square", PHOTOS, templates_dir=templates, fonts_dir=FONTS)


def test_landscape_is_judged_at_310pt(tmp_path: Path) -> None:
    # 85 px would be plenty on a square; on a landscape inset to 310 pt it is 8.99 pt.
    size_85 = "size = 85\n  min_size = 85"
    _, problems = edited_layout(tmp_path, "landscape", "size = 86\n  min_size = 86", size_85, ORG_NAME)
    assert [p.field for p in problems] == ["block[1].text[0].min_size"]
    assert "310 pt wide" in problems[0].message


def test_a_low_contrast_layout_is_refused(tmp_path: Path) -> None:
    _, problems = edited_layout(tmp_path, "portrait", 'colour = "muted"', 'colour = "#BBBBBB"')
    assert len(problems) == 1 and problems[0].field.endswith(".colour"), problems
    assert "contrast 1.9" in problems[0].message


def test_fills_that_look_alike_are_refused(tmp_path: Path) -> None:
    # Wine and slate: 1.12:1 apart in luminance, one colour in a grid.
    wine_slate = 'fills = ["#6E1423", "#27313D"]'
    _, problems = edited_layout(tmp_path, "square", 'fills = ["slate", "red", "pine"]', wine_slate)
    assert [p.field for p in problems] == ["photo.placeholder.fills[1]"]
    assert "differ by only" in problems[0].message


def test_text_over_a_photo_is_judged_against_the_fade_over_the_worst_photo(tmp_path: Path) -> None:
    # Too light a veil under the label.
    _, problems = edited_layout(tmp_path, "square", "top = 0.9\n", "top = 0.3\n")
    assert [p.field for p in problems] == ["block[0].text[0].colour"]


def test_held_since_is_optional_and_left_out_before_anything_else() -> None:
    woman = dataclasses.replace(ROSTER.people[1], detained_on=PartialDate(2021, 3, 12))
    c = card_content(
        woman, CAMPAIGN, APPEAL, load_locale(TEMPLATES, "ru"), as_of=ROSTER.as_of, templates_dir=TEMPLATES
    )
    assert c.held
    for fmt in FORMATS:
        fields = {line.field for line in plan(c, fmt, **CARD_DIRS).lines}
        assert {"label", "name", "status", "org_name"} <= fields, fmt


def test_validate_lists_every_layout_problem(tmp_path: Path) -> None:

    from campaign_kit.build.validate import check_project
    from campaign_kit.project import Project

    copy_project(tmp_path, roster=None)
    write_roster(tmp_path, WOMEN)
    assert check_project(Project(tmp_path)).problems == []
    square = tmp_path / "templates" / "cards" / "square.toml"
    text = square.read_text(encoding="utf-8")
    bad = text.replace('colour = "muted"', 'colour = "#CCCCCC"', 1)  # too pale on white
    bad = bad.replace("box = [171, 966, 72, 72]", "box = [300, 966, 72, 72]")  # logo under the org name
    bad = bad.replace('valign = "top"\n', 'valign = "top"\nsize = 40\n', 1)  # unknown key
    square.write_text(bad, encoding="utf-8")
    found = {(Path(p.path).name, p.field) for p in check_project(Project(tmp_path)).problems}
    assert ("square.toml", "block[0].size") in found
    fixed = bad.replace('valign = "top"\nsize = 40\n', 'valign = "top"\n', 1)
    square.write_text(fixed, encoding="utf-8")
    found = {(Path(p.path).name, p.field) for p in check_project(Project(tmp_path)).problems}
    assert any(f == "square.toml" and k.endswith(".box") for f, k in found)  # the overlap with the logo
    square.write_text(fixed.replace("box = [300, 966, 72, 72]", "box = [171, 966, 72, 72]"), encoding="utf-8")
    found = {(Path(p.path).name, p.field) for p in check_project(Project(tmp_path)).problems}
    assert any(f == "square.toml" and k.endswith(".colour") for f, k in found)
