"""Publish benchmark: posts per second to a local Bluesky PDS and the Mastodon/Telegram stand-ins.

Run from the repository root (needs ``bash scripts/pds.sh install`` once):

    PYTHONPATH=src python bench/publish.py            # all three languages
    PYTHONPATH=src python bench/publish.py --lang en

It builds the repository's project for one cycle in a temporary folder, approves it, and
publishes it in-process with the real publishers: Bluesky to the dev-env PDS started by
``scripts/pds.sh`` (blob upload, record write, ledger writes with fsync), Mastodon and
Telegram to the local stand-ins of ``tests/standins.py``. It prints, per
platform, posts, seconds and posts per second. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from campaign_kit.cli import cli  # noqa: E402
from campaign_kit.publish import approval, runner  # noqa: E402
from campaign_kit.publish.remote import RetryPolicy  # noqa: E402
from standins import FakeMastodon, FakeTelegram, platform_env, start_pds  # noqa: E402

CYCLE = "2026-W49"


def build_approved_kit(root: Path, cycle: str, lang: str, appeal: str = "mothers") -> Path:
    """The repository's project copied into ``root``, built for ``cycle`` in ``lang`` and approved.

    Returns the cycle folder; exits with the build's output when the build fails.
    """
    for name in ("roster.json", "campaign.toml"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "assets", root / "assets")
    out = root / "out"
    built = CliRunner().invoke(
        cli, ["build", "--project", str(root), "--cycle", cycle, "--lang", lang, "--out", str(out)]
    )
    if built.exit_code:
        sys.exit(built.output)
    folder = out / appeal / cycle
    approval.approve(folder, "bench")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="en,be,ru")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp:
        root = Path(tmp)
        folder = build_approved_kit(root, CYCLE, args.lang)
        try:
            pds = start_pds()
        except BaseException as exc:  # pytest.skip outside pytest
            sys.exit(f"no local PDS: {exc}")
        mastodon, telegram = FakeMastodon().start(), FakeTelegram().start()
        try:
            env = platform_env(pds, mastodon, telegram)
            print(f"cycle {CYCLE}, languages {args.lang}; PDS {pds.url} (dev-env), stand-ins on 127.0.0.1")
            total_posts, total_seconds = 0, 0.0
            for platform in ("bluesky", "mastodon", "telegram"):
                start = time.perf_counter()
                report = runner.publish(folder, (platform,), env, retry=RetryPolicy())
                seconds = time.perf_counter() - start
                n = len(report.published)
                total_posts += n
                total_seconds += seconds
                rate = n / seconds
                print(
                    f"{platform:<9} {n:4d} posts in {seconds:6.2f} s = {rate:6.1f} posts/s (log in included)"
                )
            rate = total_posts / total_seconds
            print(f"{'all':<9} {total_posts:4d} posts in {total_seconds:6.2f} s = {rate:6.1f} posts/s")
        finally:
            pds.stop()
            mastodon.stop()
            telegram.stop()


if __name__ == "__main__":
    main()
