"""Exactly once under SIGKILL: ``publish`` is killed at 30 random moments and resumed each time.

Bluesky is the real dev-env PDS (skipped with the reason when it is not installed); Mastodon
and Telegram are the local stand-ins of ``standins.py`` (documented APIs, with a
little latency so kills land inside requests too). After the kills a last run finishes; a
Telegram post whose send was killed before its answer is settled as a person would, by
looking at the chat, with ``--resolve``. Then every post must be out exactly once, and every
thread chained in order.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from campaign_kit.publish import approval
from campaign_kit.publish.bluesky import record_key
from conftest import REPO, copy_project
from publish_kit import (
    CYCLE,
    build_kit,
    count_state,
    expected_posts,
    folder_of,
    ledger_entries,
    tally,
    wait_for_ledger_writes,
)
from standins import FakeMastodon, FakeTelegram, Pds, platform_env

KILLS = 30
# Each answer a little late, so kills land inside requests too.
LATENCY = 0.03


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    """The tests' sample project, built for the cycle in English and Belarusian."""
    root = copy_project(tmp_path / "proj")
    build_kit(root, "--lang", "en,be")
    return root


def command(project: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "campaign_kit",
        "publish",
        "--project",
        str(project),
        "--cycle",
        CYCLE,
        "--platform",
        "bluesky,mastodon,telegram",
        *extra,
    ]


def test_killed_30_times_every_post_is_published_exactly_once(proj: Path, pds: Pds) -> None:
    folder = folder_of(proj)
    with FakeMastodon(delay=LATENCY) as mastodon, FakeTelegram(delay=LATENCY) as telegram:
        approval.approve(folder, "Alena K.")
        env = {**os.environ, **platform_env(pds, mastodon, telegram), "PYTHONPATH": str(REPO / "src")}
        rng = random.Random(20261202)
        kills = finished_early = 0
        outcomes: collections.Counter[int] = collections.Counter()
        progress: list[int] = []
        total = len(expected_posts(folder))
        while kills < KILLS:
            proc = subprocess.Popen(command(proj), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            # Spread the kills over the work that is left, so the run is never over before the
            # last kill: a fast (quiet) machine sends as many posts per second as a slow one
            # sends per ten, and a test that counts on timing fails on one of them.
            # (Telegram posts whose send a kill cut short wait, uncertain, for a person's word.)
            unsent = total - count_state(folder, "done") - count_state(folder, "uncertain")
            budget = 2 * unsent // (KILLS - kills + 1)
            if kills % 6 == 0 or budget < 1:
                # Now and then while it starts (imports, log in), before any post is sent ...
                time.sleep(rng.uniform(0.0, 0.5 if budget >= 1 else 0.15))
            else:
                # ... mostly at a random moment once it is sending: after a random number of
                # its ledger writes (two per post: before and after the call), then a random
                # fraction of a request. Counting writes, not seconds, keeps the kills spread
                # over the whole run whatever the machine's load (importing the SDKs alone
                # takes seconds on a busy machine).
                wait_for_ledger_writes(folder, proc, rng.randint(1, min(4, budget)))
                time.sleep(rng.uniform(0.0, 0.15))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
                progress.append(count_state(folder, "done"))
            else:
                finished_early += 1
            out, err = proc.communicate()
            outcomes[proc.returncode] += 1
            assert b"Traceback" not in err, err.decode()[-2000:]
            assert finished_early < 3, (
                f"publish ended {finished_early} times before its kill (exit {proc.returncode}, "
                f"{kills} kills, {count_state(folder, 'done')} of {total} done): {err.decode()[-800:]}"
            )
        # The kills landed all along the run, not only while Python was starting.
        assert len(set(progress)) >= 15, progress
        # The last run finishes; uncertain Telegram sends are settled by looking at the chat.
        for _ in range(4):
            done = subprocess.run(command(proj), env=env, capture_output=True, timeout=300)
            if done.returncode == 0:
                break
            resolve = []
            expected = expected_posts(folder)
            for key, entry in ledger_entries(folder).items():
                if entry["state"] != "uncertain":
                    continue
                assert key.startswith("telegram:"), (key, entry)
                text = expected[key]["api_text"]
                seen = [m for m in telegram.messages.values() if text in (m.get("caption"), m.get("text"))]
                resolve += ["--resolve", f"{key}=sent:{seen[0]['message_id']}" if seen else f"{key}=unsent"]
            assert resolve, done.stderr.decode()[-2000:]
            subprocess.run(command(proj, *resolve), env=env, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr.decode()[-2000:]

        expected = expected_posts(folder)
        assert {k for k, e in ledger_entries(folder).items() if e["state"] == "done"} == set(expected)

        # Every post out exactly once on its platform, with the text approved, each thread part a
        # reply to the part before (media uploads cut short by a kill are orphans, never posts).
        problems = tally(expected, pds, mastodon, telegram)
        assert not any(problems.values()), problems
        # Bluesky: exactly the expected record keys, each thread part replying to its parent's.
        bsky = {k: p for k, p in expected.items() if k.startswith("bluesky:")}
        by_rkey = {r["uri"].rsplit("/", 1)[1]: r for r in pds.records()}
        assert set(by_rkey) == {record_key("mothers", CYCLE, k) for k in bsky}
        for key, post in bsky.items():
            if post["kind"] == "thread" and post["part"] > 1:
                value = by_rkey[record_key("mothers", CYCLE, key)]["value"]
                parent_key = f"bluesky:{post['lang']}:thread:{post['part'] - 1}"
                assert value["reply"]["parent"]["uri"].endswith(record_key("mothers", CYCLE, parent_key))
        assert kills == KILLS
        print(f"kills {kills}, done after each: {progress}, exits {dict(outcomes)}")


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
