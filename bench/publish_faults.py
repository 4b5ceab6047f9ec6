"""Publish under kills and spoiled answers: count duplicates, losses and broken threads.

Run from the repository root (needs ``bash scripts/pds.sh install`` once):

    PYTHONPATH=src python bench/publish_faults.py              # 60 kills, faults on half the runs
    PYTHONPATH=src python bench/publish_faults.py --quick      # 12 kills
    PYTHONPATH=src python bench/publish_faults.py --kills 200 --fault-rate 0.8 --seed 7

It builds the repository's project for one cycle (en, be, ru) in a temporary folder, approves
it, and publishes it to all three platforms again and again: to the real local PDS and the
Mastodon and Telegram stand-ins, each behind the fault proxy of ``tests/fault_proxy.py``. Before
a run, faults of random kinds (lost, slow, 5xx, cut, html200, refuse) are armed on random write
requests; the run is killed (SIGKILL) at a random moment, mostly inside its sends. When the
kills are done, runs go on without faults until all is out; posts left uncertain are settled as
a person would, by looking at the platform (``--resolve``). Then every post is counted on every
platform: duplicates, losses, wrong texts and thread parts that do not reply to the part
before must all be 0; tracebacks too. Everything stays on 127.0.0.1; a fixed seed repeats a run.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))


from fault_proxy import FaultProxy  # noqa: E402
from publish import build_approved_kit  # noqa: E402 (bench/publish.py builds and approves the kit)
from publish_kit import expected_posts, ledger_entries, posts_on, tally, wait_for_ledger_writes  # noqa: E402
from standins import ADDRESS_VARS, FakeMastodon, FakeTelegram, platform_env, start_pds  # noqa: E402

CYCLE = "2026-W49"
APPEAL = "mothers"
PLATFORMS = ("bluesky", "mastodon", "telegram")
KINDS = ("lost", "slow", "5xx", "cut", "html200", "refuse")
# The requests that write (where a spoiled answer matters) and the uploads before them.
WRITES = {
    "bluesky": ("com.atproto.repo.createRecord", "com.atproto.repo.uploadBlob"),
    "mastodon": ("/api/v1/statuses", "/api/v2/media"),
    "telegram": ("/sendPhoto", "/sendMessage"),
}
# Each stand-in answers a little late, so kills land inside requests too.
LATENCY = 0.02


def child(folder: Path, resolve: list[str]) -> None:
    """One publish run, as cron would make it, with a short patience (a slow answer is lost)."""
    from campaign_kit.errors import CampaignKitError
    from campaign_kit.publish import runner
    from campaign_kit.publish.remote import RetryPolicy

    try:
        report = runner.publish(
            folder,
            PLATFORMS,
            os.environ,
            resolve=runner.parse_resolve(tuple(resolve)),
            retry=RetryPolicy(attempts=4, base=0.05, cap=0.4, timeout=1.5),
        )
    except CampaignKitError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        sys.exit(1)
    sys.exit(3 if report.uncertain else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="12 kills")
    parser.add_argument("--fault-rate", type=float, default=0.5, help="share of runs with faults armed")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--lang", default="en,be,ru")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--resolve", action="append", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.resolve)
        return
    kills_wanted = 12 if args.quick else args.kills
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-publish-faults-") as tmp:
        root = Path(tmp)
        folder = build_approved_kit(root, CYCLE, args.lang, APPEAL)
        try:
            pds = start_pds()
        except BaseException as exc:  # pytest.skip outside pytest
            sys.exit(f"no local PDS: {exc}")
        mastodon, telegram = FakeMastodon(delay=LATENCY).start(), FakeTelegram(delay=LATENCY).start()
        direct = platform_env(pds, mastodon, telegram)
        proxies = {platform: FaultProxy(direct[var]).start() for platform, var in ADDRESS_VARS.items()}
        try:
            env = {
                **os.environ,
                **direct,
                **{var: proxies[platform].url for platform, var in ADDRESS_VARS.items()},
                "PYTHONPATH": str(REPO / "src"),
            }
            expected = expected_posts(folder)
            total = len(expected)
            started = time.monotonic()
            kills = runs = tracebacks = settled = 0
            exits: collections.Counter[int] = collections.Counter()

            def run(resolve: list[str], kill: bool) -> int:
                nonlocal kills, runs, tracebacks
                cmd = [sys.executable, __file__, "--child", str(folder)]
                for r in resolve:
                    cmd += ["--resolve", r]
                proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                runs += 1
                if kill:
                    if rng.random() < 0.15:
                        time.sleep(rng.uniform(0.0, 0.8))  # while it starts, logs in
                    else:
                        wait_for_ledger_writes(folder, proc, rng.randint(1, 6))
                        time.sleep(rng.uniform(0.0, 0.12))
                    if proc.poll() is None:
                        proc.send_signal(signal.SIGKILL)
                        kills += 1
                _, err = proc.communicate()
                if b"Traceback" in err:
                    tracebacks += 1
                    print(err.decode(errors="replace")[-1500:], file=sys.stderr)
                exits[proc.returncode] += 1
                return proc.returncode

            def settle() -> list[str]:
                """What a person does for each uncertain post: look on the platform, then --resolve."""
                out = []
                for key, entry in ledger_entries(folder).items():
                    if entry["state"] != "uncertain":
                        continue
                    platform = key.split(":", 1)[0]
                    text = expected[key]["api_text"]
                    seen = [p for p in posts_on(platform, pds, mastodon, telegram) if p["text"] == text]
                    ref = seen[0]["id"].rsplit("/", 1)[-1] if platform == "bluesky" and seen else None
                    out.append(f"{key}=sent:{ref or seen[0]['id']}" if seen else f"{key}=unsent")
                return out

            def reset() -> None:
                """A new round: nothing out anywhere, no ledger."""
                from atproto import Client

                client = Client(base_url=f"{pds.url}/xrpc")
                client.login(pds.handle, env["CAMPAIGN_KIT_BLUESKY_PASSWORD"], fetch_bsky_profile=False)
                for rec in pds.records():
                    client.com.atproto.repo.delete_record(
                        {
                            "repo": pds.did,
                            "collection": "app.bsky.feed.post",
                            "rkey": rec["uri"].rsplit("/", 1)[1],
                        }
                    )
                with mastodon.lock:
                    mastodon.statuses.clear()
                    mastodon.media.clear()
                    mastodon.keys.clear()
                with telegram.lock:
                    telegram.messages.clear()
                (folder / "published.json").unlink(missing_ok=True)

            totals: collections.Counter[str] = collections.Counter()
            rounds = posts_counted = 0
            states: collections.Counter[str] = collections.Counter()
            while kills < kills_wanted:
                rounds += 1
                # Killed, with faults armed, until the round's posts are all out (or kills run out).
                while kills < kills_wanted:
                    for proxy in proxies.values():
                        proxy.faults.clear()
                    if rng.random() < args.fault_rate:
                        for _ in range(rng.randint(1, 3)):
                            platform = rng.choice(PLATFORMS)
                            proxies[platform].arm(
                                rng.choice(KINDS),
                                rng.choice(WRITES[platform]),
                                delay=2.0,
                                count=rng.randint(1, 2),
                            )
                    resolve = settle()
                    settled += len(resolve)
                    run(resolve, kill=True)
                    entries = ledger_entries(folder)
                    if len(entries) == total and all(e["state"] == "done" for e in entries.values()):
                        break
                # Then runs without faults (and a person settling what is uncertain) finish it.
                for proxy in proxies.values():
                    proxy.faults.clear()
                for _ in range(10):
                    resolve = settle()
                    settled += len(resolve)
                    if run(resolve, kill=False) == 0 and not settle():
                        break
                states.update(e["state"] for e in ledger_entries(folder).values())
                totals.update(tally(expected, pds, mastodon, telegram))
                posts_counted += total
                if kills < kills_wanted:
                    reset()
            seconds = time.monotonic() - started
            fired = collections.Counter(kind for proxy in proxies.values() for _, _, kind in proxy.fired())
            print(f"cycle {CYCLE}, languages {args.lang}: {total} posts on 3 platforms; seed {args.seed}")
            print(
                f"rounds {rounds} ({posts_counted} posts), runs {runs}, kills {kills}, "
                f"exits {dict(sorted(exits.items()))}, {seconds:.0f} s"
            )
            print(
                "faults fired: "
                + ", ".join(f"{k} {fired.get(k, 0)}" for k in KINDS)
                + f" (total {sum(fired.values())})"
            )
            print(f"uncertain posts settled by looking: {settled}; ledger: {dict(states)}")
            print(
                f"duplicates {totals['duplicates']}, losses {totals['losses']}, wrong texts "
                f"{totals['wrong texts']}, broken chains {totals['broken chains']}, tracebacks {tracebacks}"
            )
            if sum(totals.values()) or tracebacks:
                sys.exit(1)
        finally:
            for proxy in proxies.values():
                proxy.stop()
            pds.stop()
            mastodon.stop()
            telegram.stop()


if __name__ == "__main__":
    main()
