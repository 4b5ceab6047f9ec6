"""A small built project for the review page's end-to-end tests: its own roster, in tmp_path.

The women are made up (letters that spell the same in Latin, Belarusian and Russian), so the
tests never read the live roster.json; the rest of the project (campaign.toml, templates,
assets) is the repository's, as a team would use it.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from conftest import copy_project, person, roster_doc

# Latin -> Cyrillic letters that are the same in both Cyrillic alphabets and transliterate back.
_LETTERS = {"K": "К", "A": "А", "L": "Л", "M": "М", "N": "Н", "R": "Р", "S": "С", "T": "Т", "D": "Д"}
_SYLLABLES = ["KA", "LA", "MA", "NA", "RA", "SA", "TA", "DA"]
CYCLE = "2026-W48"


def surname(n: int) -> str:
    """A distinct made-up surname for woman ``n`` (``KALAVA`` style, ends in -AVA)."""
    parts = []
    for _ in range(3):
        parts.append(_SYLLABLES[n % len(_SYLLABLES)])
        n //= len(_SYLLABLES)
    return "".join(parts) + "VA"


def made_up_people(n: int, **over: Any) -> list[dict[str, Any]]:
    """``n`` mothers with distinct names and ids; ``over`` sets fields on every record."""
    people = []
    for i in range(n):
        latin = surname(i)
        cyr = "".join(_LETTERS.get(c, "") for c in latin[:-2]) + "ВА"
        people.append(
            person(
                id=f"{latin.lower()}-hanna",
                surname_latin=latin,
                surname_be=cyr,
                surname_ru=cyr,
                sentence_months=12 * (2 + i % 9),
                children=1 + i % 3,
                **over,
            )
        )
    return people


def make_project(root: Path, people: list[dict[str, Any]]) -> Path:
    """A project in ``root``: the repository's campaign, templates and assets, and ``people``."""
    copy_project(root, roster=None)
    doc = roster_doc(people)
    (root / "roster.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return root


def build_project(
    root: Path, *, everyone: bool = False, jobs: int = 1, only: tuple[str, ...] | None = None
) -> Path:
    """Build the mothers appeal's week in ``root/out``; return the cycle folder."""
    from campaign_kit.build.loop import BuildOptions, build
    from campaign_kit.campaign.cycles import parse_cycle
    from campaign_kit.project import Project
    from campaign_kit.review.status import write_status

    out = root / "out"
    chosen = {} if only is None else {"only": only}  # else BuildOptions' own default
    options = BuildOptions(cycle=parse_cycle(CYCLE), out=out, jobs=jobs, everyone=everyone, **chosen)
    # The status page as the CLI writes it, under the build lock.
    build(Project(root), options, finish=lambda folder: write_status(folder, Project(root).templates))
    return out / "mothers" / CYCLE


def serve_in_thread(folder: Path, **options: Any) -> tuple[str, threading.Event, threading.Thread]:
    """Start preview.serve (with ``options``) on a free port in a thread: its URL, stop switch, thread."""
    from campaign_kit.review import serve as preview

    ready, stop = threading.Event(), threading.Event()
    urls: list[str] = []

    def on_ready(url: str) -> None:
        urls.append(url)
        ready.set()

    thread = threading.Thread(
        target=preview.serve, args=(folder, 0, on_ready), kwargs={"stop": stop, **options}, daemon=True
    )
    thread.start()
    assert ready.wait(10), "preview.serve did not start"
    return urls[0], stop, thread
