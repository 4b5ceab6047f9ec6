"""Screenshots of this week's newsletter in light and dark mode, every language, for review notes.

    python scripts/newsletter_screenshots.py                 # into docs/screenshots/
    python scripts/newsletter_screenshots.py --out /tmp/shots --width 375

Builds the newsletter of the shipped roster (``--cycle``, default 2026-W48) into a temporary
folder, opens each ``newsletter/<lang>.html`` in Debian's headless Chromium (``/usr/bin/chromium``,
driven by Playwright) with ``prefers-color-scheme`` light and dark, and saves the whole page,
``newsletter-<lang>-<scheme>.png``. Nothing is fetched: the cards are the build's own files.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")


def main() -> int:
    """Build, open and save; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycle", default="2026-W48")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--width", type=int, default=640, help="viewport width in CSS pixels")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    from campaign_kit.build.loop import BuildOptions, build
    from campaign_kit.campaign.cycles import parse_cycle
    from campaign_kit.project import Project

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ck-shots-") as tmp:
        out = Path(tmp) / "out"
        report = build(
            Project(REPO),
            BuildOptions(cycle=parse_cycle(args.cycle), out=out, only=("cards", "newsletter")),
        )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            try:
                for lang in report.languages:
                    page_file = report.target / "newsletter" / f"{lang}.html"
                    for scheme in ("light", "dark"):
                        page = browser.new_page(
                            viewport={"width": args.width, "height": 900}, color_scheme=scheme
                        )
                        page.goto(page_file.as_uri())
                        page.wait_for_load_state("load")
                        dest = args.out / f"newsletter-{lang}-{scheme}.png"
                        page.screenshot(path=str(dest), full_page=True)
                        page.close()
                        print(dest)
            finally:
                browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
