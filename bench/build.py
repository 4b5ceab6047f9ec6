"""Benchmark `campaign-kit build`: cold, warm, one-woman change, and a 1,500-woman roster.

Run from the repository root:

    python bench/build.py            # the figures DESIGN.md budgets (takes a few minutes)
    python bench/build.py --quick    # smaller synthetic roster, fewer repeats
    python bench/build.py --review   # only the review overview: size, DOM and load time in
                                     # Chromium at 1,500 and 15,000 women (--sizes to change)

Each build runs in its own process (as a user runs it), on a fresh copy of the project in a
temporary folder, so nothing touches the repository's out/. Figures are medians of repeats;
the machine is shared and noisy, so compare ratios measured side by side in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Runs one build in a fresh interpreter and reports its wall time and peak memory (its own
# and its card workers'), in KiB as getrusage reports them on Linux.
RUNNER = r"""
import json, resource, sys, time
from pathlib import Path
from campaign_kit.build.loop import BuildOptions, build
from campaign_kit.campaign.cycles import parse_cycle
from campaign_kit.project import Project
root, out, only, langs, everyone = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
t = time.perf_counter()
report = build(Project(Path(root)), BuildOptions(
    cycle=parse_cycle("2026-W48"), out=Path(out), only=tuple(only.split(",")),
    languages=tuple(langs.split(",")) if langs else None, everyone=everyone == "1"))
seconds = time.perf_counter() - t
print(json.dumps({
    "seconds": seconds, "rendered": report.cards_rendered, "counts": report.counts,
    "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "workers_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
}))
"""

ALL = "cards,posts,appeal,newsletter"


def run_build(root: Path, out: Path, only: str = ALL, langs: str = "", everyone: bool = True) -> dict:
    """Run one build in a subprocess; return its JSON figures plus the process wall time."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(root), str(out), only, langs, "1" if everyone else "0"],
        capture_output=True,
        text=True,
        cwd=root,
    )
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stderr}")
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["process_seconds"] = time.perf_counter() - started
    return figures


def encode_floor(out: Path) -> tuple[int, float]:
    """(cards, CPU seconds) to PNG-encode every card of a build again, in this one process.

    The cards' pixels are decoded first and only ``encode_png`` is timed: the least work any
    build of these cards must do at zlib level 6, whatever it does around it.
    """
    sys.path.insert(0, str(REPO / "src"))
    from PIL import Image

    from campaign_kit.render.cards import encode_png

    total, cards = 0.0, 0
    for path in sorted(out.rglob("cards/**/*.png")):
        with Image.open(path) as image:
            image.load()
            started = time.process_time()
            encode_png(image)
            total += time.process_time() - started
            cards += 1
    return cards, total


def output_sizes(out: Path) -> dict[str, int]:
    """Sizes of a built cycle's biggest text outputs, in bytes."""
    folder = out / "mothers" / "2026-W48"
    pages = list(folder.glob("index*.html"))
    return {
        "newsletter_bytes": max(p.stat().st_size for p in folder.glob("newsletter/*.html")),
        "review_pages": len(pages),
        "review_bytes": max(p.stat().st_size for p in pages),
        "posts_json_bytes": (folder / "posts.json").stat().st_size,
    }


def copy_project(dest: Path) -> Path:
    """A fresh copy of the repository's project files."""
    dest.mkdir(parents=True)
    for name in ("roster.json", "campaign.toml"):
        shutil.copy(REPO / name, dest / name)
    shutil.copytree(REPO / "templates", dest / "templates")
    shutil.copytree(REPO / "assets", dest / "assets")
    return dest


def synthetic_roster(root: Path, n: int) -> None:
    """Replace the roster with ``n`` women cycled from the real ones, each with a unique id."""
    data = json.loads((root / "roster.json").read_text(encoding="utf-8"))
    base = data["people"]
    people = []
    for i in range(n):
        rec = dict(base[i % len(base)])
        rec["id"] = f"{rec['id']}-{i}"
        people.append(rec)
    data["people"] = people
    (root / "roster.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def change_one_woman(root: Path) -> None:
    """Give the first woman one more child (her cards and the roll-call outputs change)."""
    path = root / "roster.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["people"][0]["children"] += 1
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


CHROMIUM = Path("/usr/bin/chromium")
# Load the overview page in Chromium and report what a reviewer's browser has to take in.
LOADER = r"""
import json, statistics, sys
from playwright.sync_api import sync_playwright
url, chromium, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
times, nodes = [], 0
with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=chromium, args=args)
    for _ in range(repeats):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url, wait_until="load", timeout=600_000)
        timing = page.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0])")
        nav = json.loads(timing)
        times.append(nav["loadEventEnd"] - nav["startTime"])
        nodes = page.evaluate("document.getElementsByTagName('*').length")
        page.close()
    browser.close()
print(json.dumps({"load_ms": statistics.median(times), "dom_nodes": nodes}))
"""


def overview_figures(folder: Path, repeats: int) -> dict:
    """The review overview's size, and its load time and element count in Chromium."""
    page = folder / "index.html"
    figures: dict = {
        "overview_bytes": page.stat().st_size,
        "pages": len(list(folder.glob("index*.html"))),
        "largest_page_bytes": max(p.stat().st_size for p in folder.glob("index*.html")),
    }
    if not CHROMIUM.exists():
        return {**figures, "load_ms": None, "dom_nodes": None}
    proc = subprocess.run(
        [sys.executable, "-c", LOADER, page.as_uri(), str(CHROMIUM), str(repeats)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        sys.exit(f"loading the review page failed:\n{proc.stderr[-2000:]}")
    return {**figures, **json.loads(proc.stdout.strip().splitlines()[-1])}


def review_section(tmp: Path, sizes: tuple[int, ...], repeats: int) -> None:
    """The review overview at large rosters: the week as built, and after `build --all`.

    ``--all`` builds the posts only (cards for 15,000 women would take hours and change
    nothing on the overview, which lists women, posts and files by count past a few).
    """
    print("\nreview overview (index.html) opened from file:// in Chromium, median of", repeats, "loads:")
    for n in sizes:
        root = copy_project(tmp / f"review{n}")
        synthetic_roster(root, n)
        for label, only, everyone in (("weekly", ALL, False), ("--all --only posts", "posts", True)):
            shutil.rmtree(root / "out", ignore_errors=True)
            built = run_build(root, root / "out", only=only, everyone=everyone)
            f = overview_figures(root / "out" / "mothers" / "2026-W48", repeats)
            load = "n/a (no Chromium)" if f["load_ms"] is None else f"{f['load_ms']:7.0f} ms"
            print(
                f"  {n:6,d} women, {label:<18} build {built['process_seconds']:6.1f} s; overview "
                f"{f['overview_bytes'] / 1e3:8.1f} kB, {f['dom_nodes'] or 0:6,d} elements, load {load}; "
                f"{f['pages']} pages, largest {f['largest_page_bytes'] / 1e6:.1f} MB"
            )


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller synthetic roster")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--review", action="store_true", help="only the review overview figures")
    parser.add_argument(
        "--sizes", default="1500,15000", help="roster sizes for --review (default: 1500,15000)"
    )
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    tmp = Path(tempfile.mkdtemp(prefix="ck-bench-"))
    if args.review:
        try:
            review_section(tmp, tuple(int(n) for n in args.sizes.split(",")), repeats)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    try:
        cold, warm, one = [], [], []
        rendered_one = 0
        for i in range(repeats):
            root = copy_project(tmp / f"p{i}")
            out = root / "out"
            figures = run_build(root, out)
            cold.append(figures["process_seconds"])
            cards = figures["rendered"]
            warm_figures = run_build(root, out)
            warm.append(warm_figures["process_seconds"])
            assert warm_figures["rendered"] == 0, warm_figures
            changed = warm_figures["counts"]["create"] + warm_figures["counts"]["overwrite"]
            assert changed == 0, f"a warm build rewrote {changed} files"
            change_one_woman(root)
            one_figures = run_build(root, out)
            one.append(one_figures["process_seconds"])
            rendered_one = one_figures["rendered"]
        print(f"27 women x 5 formats x 3 languages = {cards} cards, everything built (--all)")
        print(f"  cold build        median {statistics.median(cold):6.2f} s   (budget < 8 s)")
        print(
            f"  warm rebuild      median {statistics.median(warm):6.2f} s   (budget < 0.5 s), "
            "0 cards rendered, 0 files written"
        )
        print(
            f"  one woman changed median {statistics.median(one):6.2f} s   "
            f"{rendered_one} cards re-rendered (her 5 formats x 3 languages)"
        )
        print(f"  warm / cold ratio {statistics.median(warm) / statistics.median(cold):.3f}")
        encoded, encode_cpu = encode_floor(out)
        cores = os.cpu_count() or 1
        print(
            f"  floor: PNG encode alone of the same {encoded} cards {encode_cpu:6.2f} s CPU, "
            f"{encode_cpu / cores:.2f} s on {cores} cores; cold build / floor "
            f"{statistics.median(cold) / (encode_cpu / cores):.2f}"
        )

        # Linear time, flat memory: the same per-woman work at two roster sizes.
        sizes = (50, 300) if args.quick else (150, 1500)
        only = ALL  # past newsletter.roll_call_max the newsletter links the roll call
        rows = []
        for n in sizes:
            root = copy_project(tmp / f"big{n}")
            synthetic_roster(root, n)
            f = run_build(root, root / "out", only=only, langs="en")
            rows.append((n, {**f, **output_sizes(root / "out")}))
        print(f"\nsynthetic rosters, --all --lang en --only {only}:")
        for n, f in rows:
            print(
                f"  {n:5d} women  {f['seconds']:7.2f} s  {1000 * f['seconds'] / n:6.1f} ms/woman"
                f"  peak RSS main {f['rss_kib'] / 1024:6.1f} MiB, "
                f"worker {f['workers_rss_kib'] / 1024:6.1f} MiB; newsletter HTML "
                f"{f['newsletter_bytes']:,} B (Gmail clips > 102,000), review {f['review_pages']} "
                f"page(s), largest {f['review_bytes'] / 1e6:.1f} MB"
            )
        (n0, f0), (n1, f1) = rows
        print(
            f"  time per woman ratio ({n1} vs {n0}): "
            f"{(f1['seconds'] / n1) / (f0['seconds'] / n0):.2f} (1.00 = linear)"
        )
        print(
            f"  peak memory ratio ({n1} vs {n0}): {f1['rss_kib'] / f0['rss_kib']:.2f} "
            f"main, {f1['workers_rss_kib'] / f0['workers_rss_kib']:.2f} worker"
        )

        # The week as the team builds it: the featured women only, every language.
        weekly = []
        for n in sizes:
            root = tmp / f"big{n}"
            shutil.rmtree(root / "out", ignore_errors=True)
            f = run_build(root, root / "out", everyone=False)
            weekly.append((n, {**f, **output_sizes(root / "out")}))
        print("\nsynthetic rosters, the weekly build (featured women, every language, every part):")
        for n, f in weekly:
            print(
                f"  {n:5d} women  {f['seconds']:7.2f} s  peak RSS main {f['rss_kib'] / 1024:6.1f} MiB; "
                f"largest newsletter HTML {f['newsletter_bytes']:,} B; review {f['review_pages']} "
                f"page(s), largest {f['review_bytes'] / 1e6:.1f} MB; posts.json "
                f"{f['posts_json_bytes'] / 1e6:.1f} MB"
            )
        (n0, f0), (n1, f1) = weekly
        print(
            f"  peak memory ratio ({n1} vs {n0}): {f1['rss_kib'] / f0['rss_kib']:.2f} main "
            "(issue 17: within 1.50)"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
