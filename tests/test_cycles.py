"""Cycles (ISO weeks) and the featured selection: least recently featured first, stable."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from campaign_kit.build.manifest import featured_history
from campaign_kit.campaign.cycles import Cycle, current_cycle, parse_cycle, select_featured
from campaign_kit.errors import BuildError
from campaign_kit.roster import Person
from conftest import made_person


def people(n: int) -> list[Person]:
    """``n`` women in roster order; only their ids tell them apart (all selection looks at)."""
    return [made_person(id=f"p{i:02d}") for i in range(n)]


def test_parse_and_dates():
    c = parse_cycle("2026-W48")
    assert (c.id, c.start, c.end) == ("2026-W48", dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    assert c.day(2) == dt.date(2026, 11, 25)
    assert current_cycle(dt.date(2026, 11, 25)) == c
    assert current_cycle(dt.date(2027, 1, 1)).id == "2026-W53"


@pytest.mark.parametrize("bad", ["2026-48", "2026-W5", "2025-W53", "W48", "2026-W00", ""])
def test_bad_cycles_are_clear_errors(bad):
    with pytest.raises(BuildError, match="cycle"):
        parse_cycle(bad)


def test_selection_rotates_through_everyone():
    everyone = people(12)
    history: dict[str, str] = {}
    seen: list[str] = []
    for week in range(40, 43):
        chosen = select_featured(everyone, 5, history)
        assert len(chosen) == 5
        ids = [p.id for p in chosen]
        assert ids == sorted(ids)  # roster order
        seen.extend(ids)
        for pid in ids:
            history[pid] = Cycle(2026, week).id
    # 3 cycles x 5 = 15 picks over 12 women: the two never featured, then the three
    # featured longest ago; each cycle lists its women in roster order.
    assert seen[:10] == [f"p{i:02d}" for i in range(10)]
    assert seen[10:] == ["p00", "p01", "p02", "p10", "p11"]


def test_history_reads_only_earlier_cycles(tmp_path: Path):
    for cycle, featured in (("2026-W46", ["a"]), ("2026-W47", ["b", "a"]), ("2026-W48", ["c"])):
        folder = tmp_path / cycle
        folder.mkdir()
        (folder / "manifest.json").write_text(json.dumps({"cycle": cycle, "featured": featured, "files": []}))
    (tmp_path / "2026-W45").mkdir()
    (tmp_path / "2026-W45" / "manifest.json").write_text("{broken")
    assert featured_history(tmp_path, parse_cycle("2026-W48")) == {"a": "2026-W47", "b": "2026-W47"}
    assert featured_history(tmp_path / "nope", parse_cycle("2026-W48")) == {}
