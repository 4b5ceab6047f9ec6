"""A week's featured women are fixed once recorded; pins, re-selection and languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaign_kit.build.loop import BuildOptions, build
from campaign_kit.campaign.cycles import parse_cycle
from campaign_kit.cli import cli
from campaign_kit.errors import BuildError
from campaign_kit.project import Project


def run(project: Path, cycle: str, **over) -> object:
    over.setdefault("languages", ("en",))
    over.setdefault("only", ("posts",))
    return build(
        Project(project), BuildOptions(cycle=parse_cycle(cycle), out=project / "out", jobs=1, **over)
    )


def recorded(project: Path, cycle: str) -> list[str]:
    manifest = json.loads((project / "out/mothers" / cycle / "manifest.json").read_text("utf-8"))
    return manifest["featured"]


def test_all_does_not_rewrite_the_weeks_selection(project: Path):
    w48 = run(project, "2026-W48")
    run(project, "2026-W48", everyone=True, only=("cards",))
    assert recorded(project, "2026-W48") == w48.featured and len(w48.featured) == 5
    w49 = run(project, "2026-W49")
    assert not set(w49.featured) & set(w48.featured)  # next week does not repeat this one


def test_building_an_earlier_week_later_never_changes_a_later_week(project: Path):
    w49 = run(project, "2026-W49")
    run(project, "2026-W48")
    assert run(project, "2026-W49").featured == w49.featured
    assert recorded(project, "2026-W49") == w49.featured


def test_feature_pins_women_and_rotation_fills_the_rest(project: Path):
    report = run(project, "2026-W48", feature=("zhalabkova-volha", "ablab-hanna"))
    assert "zhalabkova-volha" in report.featured and "ablab-hanna" in report.featured
    assert len(report.featured) == 5
    assert "===== zhalabkova-volha " in (project / "out/mothers/2026-W48/posts/en/x.txt").read_text("utf-8")


def test_a_recorded_week_changes_only_with_reselect(project: Path):
    first = run(project, "2026-W48")
    pin = "zhalabkova-volha"
    assert pin not in first.featured
    with pytest.raises(BuildError, match="already features .* --reselect"):
        run(project, "2026-W48", feature=(pin,))
    assert recorded(project, "2026-W48") == first.featured
    again = run(project, "2026-W48", feature=(pin,), reselect=True)
    assert pin in again.featured and recorded(project, "2026-W48") == again.featured


def test_an_unknown_pin_is_named(project: Path):
    result = CliRunner().invoke(
        cli, ["build", "--project", str(project), "--cycle", "2026-W48", "--feature", "nobody-here"]
    )
    assert result.exit_code == 1
    assert "--feature nobody-here" in result.output and "Traceback" not in result.output


def test_one_language_into_a_cycle_keeps_the_others(project: Path):
    full = run(project, "2026-W48", languages=("en", "be", "ru"), only=("posts", "appeal"))
    target = full.target
    before = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert "posts/be/x.txt" in before and "appeal/ru.txt" in before
    again = run(project, "2026-W48", languages=("en",), only=("posts", "appeal"))
    after = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert after == before and not again.removed
    assert again.languages == ["en", "be", "ru"]
