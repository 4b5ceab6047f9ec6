"""Benchmark share cards against the DESIGN.md budget.

Budget: one 1080×1350 card rendered and PNG-encoded costs at most 1.3× the time of encoding the
same pixels alone (Pillow, zlib level 6).

For each card this measures, side by side in one run: layout+draw (``draw_card``), encode
(``encode_png`` of that image), and a second, separate encode of the same pixels (the
"encode alone" baseline). It prints per-card medians and the median of
(layout+draw + encode) / (encode alone).

Usage (from the project root):
    python bench/cards.py [--format portrait] [--cards 60] [--all-formats]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from campaign_kit.config import load_campaign  # noqa: E402
from campaign_kit.locale import load_locale  # noqa: E402
from campaign_kit.render.cards import (  # noqa: E402
    FORMATS,
    CardContent,
    card_content,
    draw_card,
    encode_png,
)
from campaign_kit.roster import Person, load_roster  # noqa: E402

LANGS = ("en", "be", "ru")


def synthetic_people(n: int) -> list[Person]:
    """Women with names as long as the roster's longest, and longer (no real data needed)."""
    latin = [("SHABLINSKAYA-IVANOVA", "Katsiaryna", "ШАБЛИНСКАЯ-ИВАНОВА", "Екатерина"),
             ("SHARENDA-PANASIUK", "Palina", "ШАРЕНДА-ПАНАСЮК", "Полина"),
             ("VAITSIAKHOVICH", "Volha", "ВОЙТЕХОВИЧ", "Ольга"),
             ("ABLAB", "Hanna", "АБЛАБ", "Анна"),
             ("KAZAKOVA", "Viktoryia", "КАЗАКОВА", "Виктория")]
    out = []
    for i in range(n):
        sl, gl, sc, gc = latin[i % len(latin)]
        status = ("sentenced", "pre_trial", "compulsory_treatment")[i % 3]
        out.append(Person(
            id=f"woman-{i}", surname_latin=sl, given_latin=gl, surname_cyrillic=sc,
            given_cyrillic=gc, status=status, children=1 + i % 5, groups=("mothers",),
            sentence_months=(12 + 7 * i) if status == "sentenced" else None,
            facility="penal_colony" if status == "sentenced" else None,
        ))
    return out


def contents(count: int) -> list[CardContent]:
    campaign = load_campaign(ROOT / "campaign.toml")
    appeal = campaign.appeal("mothers")
    roster_path = ROOT / "roster.json"
    if roster_path.exists():
        people = list(load_roster(roster_path).in_group("mothers"))
        source = f"roster.json ({len(people)} women)"
    else:
        people = synthetic_people(30)
        source = "synthetic women (no roster.json)"
    print(f"content: {source}", file=sys.stderr)
    locales = [load_locale(ROOT / "templates", lang) for lang in LANGS]
    out: list[CardContent] = []
    i = 0
    while len(out) < count:
        person = people[i % len(people)]
        out.append(card_content(person, campaign, appeal, locales[i % len(locales)]))
        i += 1
    return out


def bench(fmt: str, cards: list[CardContent]) -> dict[str, float]:
    kw = {"templates_dir": ROOT / "templates", "fonts_dir": ROOT / "assets" / "fonts"}
    photos = ROOT / "assets" / "photos"
    t = time.perf_counter()
    encode_png(draw_card(cards[0], fmt, photos, **kw))  # cold: loads layout, fonts, background
    cold = time.perf_counter() - t
    draw_t, enc_t, alone_t, ratio = [], [], [], []
    for content in cards:
        t0 = time.perf_counter()
        image = draw_card(content, fmt, photos, **kw)
        t1 = time.perf_counter()
        encode_png(image)
        t2 = time.perf_counter()
        encode_png(image)  # the same pixels again: the "encode alone" baseline
        t3 = time.perf_counter()
        draw_t.append(t1 - t0)
        enc_t.append(t2 - t1)
        alone_t.append(t3 - t2)
        ratio.append((t2 - t0) / (t3 - t2))
    return {
        "cold_ms": cold * 1000,
        "draw_ms": statistics.median(draw_t) * 1000,
        "encode_ms": statistics.median(enc_t) * 1000,
        "alone_ms": statistics.median(alone_t) * 1000,
        "ratio": statistics.median(ratio),
        "ratio_max": max(ratio),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", default="portrait", choices=list(FORMATS))
    parser.add_argument("--cards", type=int, default=60)
    parser.add_argument("--all-formats", action="store_true")
    args = parser.parse_args()
    if args.cards < 1:
        parser.error("--cards must be at least 1")
    cards = contents(args.cards)
    fmts = list(FORMATS) if args.all_formats else [args.format]
    print(f"{'format':<10} {'cards':>5} {'cold ms':>8} {'layout+draw':>12} {'encode':>8} "
          f"{'encode alone':>13} {'ratio':>6} {'worst':>6}")
    worst = 0.0
    for fmt in fmts:
        r = bench(fmt, cards)
        print(f"{fmt:<10} {len(cards):>5} {r['cold_ms']:>8.1f} {r['draw_ms']:>10.2f}ms "
              f"{r['encode_ms']:>6.2f}ms {r['alone_ms']:>11.2f}ms {r['ratio']:>6.3f} "
              f"{r['ratio_max']:>6.3f}")
        if fmt == "portrait":
            worst = r["ratio"]
    if "portrait" in fmts:
        verdict = "within" if worst <= 1.3 else "OVER"
        print(f"budget: portrait median (render+encode)/encode = {worst:.3f} "
              f"({verdict} the 1.3 budget)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
