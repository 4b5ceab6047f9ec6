"""Goldens from the tiny fixture roster: the review page and the card layout plans.

Both are built in tmp_path from ``tests/fixtures.py``'s made-up women, never from roster.json,
so a ``release`` changes neither. A change to a template, a layout, the typesetter or the page
shows here as a diff to read. When the change is meant, rewrite the goldens and review the diff:

    pytest tests/test_golden_pages.py --update-golden    (or UPDATE_GOLDEN=1)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from campaign_kit.build.inputs import Choice, load_inputs
from campaign_kit.build.kinds import BY_NAME
from campaign_kit.build.kinds.cards import CardJob
from campaign_kit.build.manifest import Previous
from campaign_kit.campaign.cycles import parse_cycle
from campaign_kit.project import Project
from campaign_kit.render import cards
from campaign_kit.render.typeset import CardPlan
from fixtures import CYCLE, build_texts, tiny_project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_project(tmp_path_factory.mktemp("golden") / "proj")


def test_review_page(project: Path, golden) -> None:
    # The texts' build (posts, appeal, newsletter) and the page that always follows it: the
    # cards' pixels are no part of a text golden, but the posts still name their cards.
    folder = build_texts(project, "mothers", project / "out")
    pages = sorted(p.name for p in folder.glob("index*.html"))
    assert pages == ["index.html"]
    # Kept as .txt: an expected output, read as data (not a second copy of the template's source).
    golden("review/mothers-index.html.txt", (folder / "index.html").read_text("utf-8"))


def describe(plan: CardPlan) -> str:
    """A card plan as text: the boxes, the photo frame, and every line at its place."""
    box = plan.photo_box
    fill = "none" if plan.placeholder_fill is None else "#{:02x}{:02x}{:02x}".format(*plan.placeholder_fill)
    out = [f"photo {box.x},{box.y} {box.w}x{box.h}; placeholder {fill}"]
    out += [f"box {field}: {b.x},{b.y} {b.w}x{b.h}" for field, b in plan.boxes]
    for line in plan.lines:
        where = f"{line.x},{line.y} bbox {','.join(str(v) for v in line.bbox)}"
        tracking = f" tracking {line.tracking:g}" if line.tracking else ""
        out.append(f"line {line.field}: {line.font} {line.size}px{tracking} at {where}: {line.text!r}")
    return "\n".join(out)


@pytest.mark.parametrize("lang", ["en", "be", "ru"])
def test_card_layout_plans(project: Path, lang: str, golden) -> None:
    # Every card of the mothers appeal's women (build --all), one language a golden: every
    # format, with and without the placeholder's photo frame as the layout decides.
    choice = Choice(
        cycle=parse_cycle(CYCLE), out=project / "out", appeal="mothers", languages=(lang,), everyone=True
    )
    inputs = load_inputs(Project(project), choice, Previous())
    plan = BY_NAME["cards"].plan(inputs, {})
    sections = []
    for card, unit in zip(plan.products, plan.units, strict=True):
        job = unit.job
        assert isinstance(job, CardJob)
        made = cards.plan(job.content, job.fmt, templates_dir=Path(job.templates), fonts_dir=Path(job.fonts))
        sections.append(f"== {card.person_id} {card.format} ({card.width}x{card.height})\n{describe(made)}\n")
    assert {c.person_id for c in plan.products} == {"dub-hanna", "lapa-alena", "taran-maryna", "haran-iryna"}
    golden(f"card_plans/mothers-{lang}.txt", "\n".join(sections))
