"""Exactly once under SIGKILL: ``publish`` is killed at 30 random moments and resumed each time.

Bluesky is the real dev-env PDS (skipped with the reason when it is not installed); Mastodon
and Telegram are the local stand-ins of ``test_publish_servers.py`` (documented APIs, with a
little latency so kills land inside requests too). After the kills a last run finishes; a
Telegram post whose send was killed before its answer is settled as a person would, by
looking at the chat, with ``--resolve``. Then every post must be out exactly once, and every
thread chained in order.
"""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from campaign_kit.publish import approval
from campaign_kit.publish.bluesky import record_key
from test_publish import CYCLE, REPO, built, folder_of, posts_json, proj  # noqa: F401  (fixtures)
from test_publish_servers import FakeMastodon, FakeTelegram, platform_env, start_pds

KILLS = 30


class SlowMastodon(FakeMastodon):
    def handle(self, *args: Any) -> Any:
        time.sleep(0.03)
        return super().handle(*args)


class SlowTelegram(FakeTelegram):
    def handle(self, *args: Any) -> Any:
        time.sleep(0.03)
        return super().handle(*args)


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


def expected_posts(project: Path) -> dict[str, dict[str, Any]]:
    featured = json.loads((folder_of(project) / "manifest.json").read_text())["featured"]
    out = {}
    for p in posts_json(project):
        if p["platform"] not in ("bluesky", "mastodon", "telegram"):
            continue
        if p["kind"] == "thread":
            out[f"{p['platform']}:{p['lang']}:thread:{p['part']}"] = p
        elif p["id"] in featured:
            out[f"{p['platform']}:{p['lang']}:{p['id']}"] = p
    return out


def wait_for_ledger_writes(
    project: Path, proc: subprocess.Popen[bytes], count: int, timeout: float = 60.0
) -> None:
    """Return after ``count`` writes of the ledger by ``proc`` (or when it ends)."""
    path = folder_of(project) / "published.json"
    last = path.stat().st_mtime_ns if path.exists() else 0
    deadline = time.monotonic() + timeout
    while count > 0 and time.monotonic() < deadline and proc.poll() is None:
        now = path.stat().st_mtime_ns if path.exists() else 0
        if now != last:
            last, count = now, count - 1
        time.sleep(0.002)


def uncertain_count(project: Path) -> int:
    path = folder_of(project) / "published.json"
    if not path.exists():
        return 0
    entries = json.loads(path.read_text(encoding="utf-8"))["entries"]
    return sum(e["state"] == "uncertain" for e in entries.values())


def done_count(project: Path) -> int:
    path = folder_of(project) / "published.json"
    if not path.exists():
        return 0
    entries = json.loads(path.read_text(encoding="utf-8"))["entries"]
    return sum(e["state"] == "done" for e in entries.values())


def test_killed_30_times_every_post_is_published_exactly_once(proj: Path) -> None:  # noqa: F811
    pds = start_pds()
    mastodon = SlowMastodon().start()
    telegram = SlowTelegram().start()
    try:
        approval.approve(folder_of(proj), "Alena K.")
        env = {**os.environ, **platform_env(pds, mastodon, telegram), "PYTHONPATH": str(REPO / "src")}
        rng = random.Random(20261202)
        kills = finished_early = 0
        outcomes: collections.Counter[int] = collections.Counter()
        progress: list[int] = []
        total = len(expected_posts(proj))
        while kills < KILLS:
            proc = subprocess.Popen(command(proj), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            # Spread the kills over the work that is left, so the run is never over before the
            # last kill: a fast (quiet) machine sends as many posts per second as a slow one
            # sends per ten, and a test that counts on timing fails on one of them.
            # (Telegram posts whose send a kill cut short wait, uncertain, for a person's word.)
            left = KILLS - kills
            budget = (2 * (total - done_count(proj) - uncertain_count(proj))) // (left + 1)
            if kills % 6 == 0 or budget < 1:
                # Now and then while it starts (imports, log in), before any post is sent ...
                time.sleep(rng.uniform(0.0, 0.5 if budget >= 1 else 0.15))
            else:
                # ... mostly at a random moment once it is sending: after a random number of
                # its ledger writes (two per post: before and after the call), then a random
                # fraction of a request. Counting writes, not seconds, keeps the kills spread
                # over the whole run whatever the machine's load (importing the SDKs alone
                # takes seconds on a busy machine).
                wait_for_ledger_writes(proj, proc, rng.randint(1, min(4, budget)))
                time.sleep(rng.uniform(0.0, 0.15))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
                progress.append(done_count(proj))
            else:
                finished_early += 1
            out, err = proc.communicate()
            outcomes[proc.returncode] += 1
            assert b"Traceback" not in err, err.decode()[-2000:]
            assert finished_early < 3, (
                f"publish ended {finished_early} times before its kill (exit {proc.returncode}, "
                f"{kills} kills, {done_count(proj)} of {total} done): {err.decode()[-800:]}"
            )
        # The kills landed all along the run, not only while Python was starting.
        assert len(set(progress)) >= 15, progress
        # The last run finishes; uncertain Telegram sends are settled by looking at the chat.
        for _ in range(4):
            done = subprocess.run(command(proj), env=env, capture_output=True, timeout=300)
            if done.returncode == 0:
                break
            ledger = json.loads((folder_of(proj) / "published.json").read_text(encoding="utf-8"))
            resolve = []
            expected = expected_posts(proj)
            for key, entry in ledger["entries"].items():
                if entry["state"] != "uncertain":
                    continue
                assert key.startswith("telegram:"), (key, entry)
                text = expected[key]["api_text"]
                seen = [m for m in telegram.messages.values() if text in (m.get("caption"), m.get("text"))]
                resolve += ["--resolve", f"{key}=sent:{seen[0]['message_id']}" if seen else f"{key}=unsent"]
            assert resolve, done.stderr.decode()[-2000:]
            subprocess.run(command(proj, *resolve), env=env, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr.decode()[-2000:]

        expected = expected_posts(proj)
        ledger = json.loads((folder_of(proj) / "published.json").read_text(encoding="utf-8"))["entries"]
        assert {k for k, e in ledger.items() if e["state"] == "done"} == set(expected)

        # Bluesky: exactly the expected record keys, each text once, threads chained.
        records = pds.records()
        texts = collections.Counter(r["value"]["text"] for r in records)
        bsky = {k: p for k, p in expected.items() if k.startswith("bluesky:")}
        assert sorted(texts.values()) == [1] * len(bsky)
        assert set(texts) == {p["api_text"] for p in bsky.values()}
        by_rkey = {r["uri"].rsplit("/", 1)[1]: r for r in records}
        assert set(by_rkey) == {record_key("mothers", CYCLE, k) for k in bsky}
        for key, post in bsky.items():
            if post["kind"] == "thread" and post["part"] > 1:
                value = by_rkey[record_key("mothers", CYCLE, key)]["value"]
                parent_key = f"bluesky:{post['lang']}:thread:{post['part'] - 1}"
                assert value["reply"]["parent"]["uri"].endswith(record_key("mothers", CYCLE, parent_key))

        # Mastodon: each status once (media uploads cut short by a kill are orphans, never posts).
        masto = {k: p for k, p in expected.items() if k.startswith("mastodon:")}
        statuses = collections.Counter(s["text"] for s in mastodon.statuses.values())
        assert sorted(statuses.values()) == [1] * len(masto)
        assert set(statuses) == {p["api_text"] for p in masto.values()}
        for post in masto.values():
            if post["kind"] == "thread" and post["part"] > 1:
                status = next(s for s in mastodon.statuses.values() if s["text"] == post["api_text"])
                parent = expected[f"mastodon:{post['lang']}:thread:{post['part'] - 1}"]
                assert mastodon.statuses[status["in_reply_to_id"]]["text"] == parent["api_text"]

        # Telegram: each photo once.
        tg = {k: p for k, p in expected.items() if k.startswith("telegram:")}
        captions = collections.Counter(m.get("caption") or m.get("text") for m in telegram.messages.values())
        assert sorted(captions.values()) == [1] * len(tg)
        assert set(captions) == {p["api_text"] for p in tg.values()}
        assert kills == KILLS
        print(f"kills {kills}, done after each: {progress}, exits {dict(outcomes)}")
    finally:
        pds.stop()
        mastodon.stop()
        telegram.stop()


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
