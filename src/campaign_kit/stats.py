"""Totals of an appeal, computed from the roster (never typed into a template)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from campaign_kit.config import Appeal
from campaign_kit.roster import STATUSES, Person, Roster

# Sentence bands in months, lower bound inclusive; the last is open-ended.
BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("under_3_years", 0, 36),
    ("3_to_5_years", 36, 60),
    ("5_to_10_years", 60, 120),
    ("10_years_or_more", 120, None),
)


@dataclass(frozen=True)
class Totals:
    """Counts for one appeal: women, their minor children, by status and by sentence band."""

    women: int
    children: int
    by_status: dict[str, int]
    by_sentence: dict[str, int]
    # Women whose child count is not known (``children: null``): not in ``children``.
    children_unknown: int = 0
    # Women of the appeal who have been released: left out of every count above.
    released: int = 0

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (stable key order)."""
        return {
            "women": self.women,
            "children": self.children,
            "by_status": dict(self.by_status),
            "by_sentence": dict(self.by_sentence),
            "children_unknown": self.children_unknown,
            "released": self.released,
        }


def sentence_band(months: int | None) -> str:
    """The band name of a term in months; ``unknown_term`` when it is not known."""
    if months is None:
        return "unknown_term"
    for name, low, high in BANDS:
        if months >= low and (high is None or months < high):
            return name
    raise ValueError(months)  # unreachable: the last band is open-ended


def totals(people: Sequence[Person], released: int = 0) -> Totals:
    """Count ``people`` (already filtered to an appeal: released women left out by the caller).

    Args:
        people: The women the appeal is about who are still held.
        released: How many women the appeal would take in but are free (``appeal_released``).

    """
    by_status = {s: 0 for s in STATUSES}
    by_sentence = {name: 0 for name, _, _ in BANDS} | {"unknown_term": 0}
    for p in people:
        by_status[p.status] += 1
        if p.status == "sentenced":
            by_sentence[sentence_band(p.sentence_months)] += 1
    return Totals(
        women=len(people),
        children=sum(p.children or 0 for p in people),
        by_status=by_status,
        by_sentence=by_sentence,
        children_unknown=sum(1 for p in people if p.children is None),
        released=released,
    )


def appeal_totals(roster: Roster, appeal: Appeal, on: dt.date) -> Totals:
    """Totals of ``appeal`` on ``on``: its held women, and how many of its women were released."""
    from campaign_kit.cycles import appeal_members, appeal_released

    return totals(appeal_members(roster, appeal, on), released=appeal_released(roster, appeal, on))
