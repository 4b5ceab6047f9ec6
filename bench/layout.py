"""Time the line splitter on its worst realistic input (what a test once bounded by wall time).

35 one-letter words (a surname of 40 and a given name of 30 characters) split into 5 lines:
46,376 ways to split, solved by a dynamic programme. Prints the median of many runs; the test
suite checks the work done (how many lines are measured), never the time.

Usage (from the project root):
    python bench/layout.py [--runs 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from campaign_kit.render.typeset import _best_split, break_positions, tokens  # noqa: E402


def mono_width(line: str) -> float:
    """A monospace stand-in for a font's advance widths."""
    return sum(0.3 if ch == " " else 0.6 if ch.isupper() else 0.5 for ch in line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    text = " ".join("A" * 20) + " " + " ".join("B" * 15)
    atoms, joins = tokens(text)
    allowed = break_positions(atoms, joins, True)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        _best_split(atoms, joins, allowed, 5, mono_width)
        times.append(time.perf_counter() - start)
    median_ms = statistics.median(times) * 1000
    print(f"split of 35 words into 5 lines: median {median_ms:.2f} ms over {args.runs} runs")


if __name__ == "__main__":
    main()
