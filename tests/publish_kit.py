"""What the publish tests share: the platform fixtures, a built kit's files, the ledger, the CLI.

A pytest plugin (``conftest.py`` names it in ``pytest_plugins``), so every test module gets the
``mastodon``, ``telegram`` and ``pds`` fixtures without a copy of its own. ``bench/`` imports the
plain helpers too; nothing here imports ``conftest`` (whose import pins the suite's "today"),
so a bench that imports this module runs on the real date.
"""

from __future__ import annotations

import collections
import contextlib
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from campaign_kit.cli import cli
from campaign_kit.publish import runner
from campaign_kit.publish.remote import RetryPolicy
from fault_proxy import FaultProxy
from standins import ADDRESS_VARS, FakeMastodon, FakeTelegram, Pds, start_pds

CAMPAIGN_TOML = (Path(__file__).resolve().parents[1] / "campaign.toml").read_text(encoding="utf-8")
CYCLE = "2026-W49"  # Monday 30 November to Sunday 6 December 2026
APPEAL = "mothers"
PLATFORMS = ("bluesky", "mastodon", "telegram")


# --- the platforms ------------------------------------------------------------------------------


@pytest.fixture
def mastodon() -> Iterator[FakeMastodon]:
    """The Mastodon stand-in, for one test."""
    with FakeMastodon() as fake:
        yield fake


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    """The Telegram stand-in, for one test."""
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture(scope="session")
def pds_server() -> Iterator[Pds]:
    """The local PDS, started once per test process (a start takes seconds; an account does not)."""
    with start_pds() as server:
        yield server


@pytest.fixture(scope="module")
def pds(pds_server: Pds) -> Pds:
    """An account of its own on the session's PDS, one per test module.

    Record keys repeat from module to module (the same appeal, cycle and post), so no module may
    find another's posts in its repo.
    """
    return pds_server.new_account()


@contextlib.contextmanager
def behind_proxy(env: dict[str, str], platform: str) -> Iterator[tuple[FaultProxy, dict[str, str]]]:
    """A fault proxy in front of ``platform``'s server in ``env``, and ``env`` pointing at it."""
    var = ADDRESS_VARS[platform]
    with FaultProxy(env[var]) as proxy:
        yield proxy, {**env, var: proxy.url}


def no_wait() -> RetryPolicy:
    """The retry policy with every wait skipped."""
    return RetryPolicy(sleep=lambda s: None)


def publish(root: Path, platforms: str, env: dict[str, str], **options: Any) -> runner.Report:
    """``runner.publish`` of the project's cycle folder to ``platforms`` ("mastodon,telegram").

    Retries skip their waits unless ``options`` gives a ``retry`` policy.
    """
    options.setdefault("retry", no_wait())
    return runner.publish(folder_of(root), runner.parse_platforms(platforms), env, **options)


# --- a built kit --------------------------------------------------------------------------------


def build_kit(root: Path, *extra: str, cycle: str = CYCLE) -> None:
    """``campaign-kit build`` of the project at ``root`` for ``cycle`` into ``root/out``; it must pass."""
    result = CliRunner().invoke(
        cli,
        ["build", "--project", str(root), "--cycle", cycle, "--out", str(root / "out"), *extra],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output


def folder_of(root: Path, appeal: str = APPEAL, cycle: str = CYCLE) -> Path:
    """The cycle folder of the project at ``root``."""
    return root / "out" / appeal / cycle


def copy_kit(built: Path, root: Path) -> Path:
    """A fresh copy at ``root`` of what publish reads from the built project ``built``."""
    root.mkdir()
    shutil.copy(built / "campaign.toml", root / "campaign.toml")
    shutil.copytree(built / "templates", root / "templates")
    shutil.copytree(built / "out" / APPEAL, root / "out" / APPEAL)
    return root


def posts_json(root: Path) -> list[dict[str, Any]]:
    """The posts of the project's cycle folder."""
    return json.loads((folder_of(root) / "posts.json").read_text(encoding="utf-8"))


def expected_posts(
    folder: Path, platforms: tuple[str, ...] = PLATFORMS, langs: tuple[str, ...] | None = None
) -> dict[str, dict[str, Any]]:
    """Ledger key -> post, for every post publish must send: the featured women's and the threads'.

    Worked out from posts.json and the manifest, not by publish's own code, so a test compares
    what publish did with what the kit says.
    """
    featured = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["featured"]
    out = {}
    for p in json.loads((folder / "posts.json").read_text(encoding="utf-8")):
        if p["platform"] not in platforms or (langs is not None and p["lang"] not in langs):
            continue
        if p["kind"] == "thread":
            out[f"{p['platform']}:{p['lang']}:thread:{p['part']}"] = p
        elif p["id"] in featured:
            out[f"{p['platform']}:{p['lang']}:{p['id']}"] = p
    return out


def posts_on(
    platform: str, pds: Pds | None, mastodon: FakeMastodon, telegram: FakeTelegram
) -> list[dict[str, Any]]:
    """Every post on ``platform`` now: its text, its id, and the id of the post it replies to."""
    if platform == "bluesky":
        assert pds is not None
        return [
            {
                "text": r["value"]["text"],
                "id": r["uri"],
                "reply": ((r["value"].get("reply") or {}).get("parent") or {}).get("uri"),
            }
            for r in pds.records()
        ]
    if platform == "mastodon":
        return [
            {"text": s["text"], "id": s["id"], "reply": s["in_reply_to_id"]}
            for s in mastodon.statuses.values()
        ]
    return [
        {
            "text": m.get("caption") or m.get("text"),
            "id": str(m["message_id"]),
            "reply": str(m["reply_to_message"]["message_id"]) if m.get("reply_to_message") else None,
        }
        for m in telegram.messages.values()
    ]


def tally(
    expected: dict[str, dict[str, Any]],
    pds: Pds | None,
    mastodon: FakeMastodon,
    telegram: FakeTelegram,
    platforms: tuple[str, ...] = PLATFORMS,
) -> collections.Counter[str]:
    """Duplicates, losses, wrong texts and broken chains on ``platforms`` now, against ``expected``.

    All are 0 when every expected post is out exactly once and each thread part replies to the
    part before it.
    """
    found: collections.Counter[str] = collections.Counter()
    for platform in platforms:
        posts = posts_on(platform, pds, mastodon, telegram)
        by_text = collections.Counter(p["text"] for p in posts)
        mine = {k: p for k, p in expected.items() if k.startswith(platform + ":")}
        texts = {p["api_text"] for p in mine.values()}
        found["wrong texts"] += sum(n for t, n in by_text.items() if t not in texts)
        for post in mine.values():
            n = by_text.get(post["api_text"], 0)
            found["losses"] += n == 0
            found["duplicates"] += max(0, n - 1)
            if post["kind"] == "thread" and post["part"] > 1 and n:
                parent = expected[f"{platform}:{post['lang']}:thread:{post['part'] - 1}"]
                me = next(p for p in posts if p["text"] == post["api_text"])
                parent_ids = {p["id"] for p in posts if p["text"] == parent["api_text"]}
                found["broken chains"] += me["reply"] not in parent_ids
    return found


# --- the ledger (published.json) ----------------------------------------------------------------


def ledger_entries(folder: Path) -> dict[str, dict[str, Any]]:
    """The ledger's entries by key; none before the first run."""
    path = folder / "published.json"
    return json.loads(path.read_text(encoding="utf-8"))["entries"] if path.exists() else {}


def count_state(folder: Path, state: str) -> int:
    """How many ledger entries are in ``state``."""
    return sum(e["state"] == state for e in ledger_entries(folder).values())


@contextlib.contextmanager
def editing_ledger(folder: Path) -> Iterator[dict[str, Any]]:
    """The ledger as data, written back when the block ends: a run's leftovers made by hand."""
    path = folder / "published.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    yield data
    path.write_text(json.dumps(data), encoding="utf-8")


def wait_for_ledger_writes(
    folder: Path, proc: subprocess.Popen[bytes], count: int, timeout: float = 60.0
) -> None:
    """Return after ``count`` writes of the ledger by ``proc`` (or when it ends, or ``timeout`` passes).

    Counting writes (two a post: before and after its call), not seconds, lets a kill land at
    the same point of a run whatever the machine's load.
    """
    path = folder / "published.json"
    last = path.stat().st_mtime_ns if path.exists() else 0
    deadline = time.monotonic() + timeout
    while count > 0 and time.monotonic() < deadline and proc.poll() is None:
        now = path.stat().st_mtime_ns if path.exists() else 0
        if now != last:
            last, count = now, count - 1
        time.sleep(0.002)


# --- campaign.toml with a posting plan ---------------------------------------------------------


def strip_tables(text: str, *names: str) -> str:
    """campaign.toml's text without the named tables (and arrays of tables), to set them anew."""
    out: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        header = line.strip()
        if header.startswith("["):
            skipping = header.strip("[]") in names or any(
                header.strip("[]").startswith(n + ".") for n in names
            )
        if not skipping:
            out.append(line)
    return "".join(out)


def table(name: str, **fields: str | list[str]) -> str:
    """``[name]`` and its fields, as campaign.toml text (JSON strings and arrays are TOML too)."""
    return "".join(
        [f"[{name}]\n", *(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in fields.items())]
    )


def account(platform: str, langs: list[str], **fields: str) -> str:
    """One ``[[accounts]]`` table of campaign.toml, as text."""
    return "\n" + table("[accounts]", platform=platform, langs=langs, **fields)


# --- the command line ---------------------------------------------------------------------------


def campaign_kit(root: Path, *args: str, env: dict[str, str] | None = None, cycle: str = CYCLE) -> Result:
    """``campaign-kit ARGS --project ROOT --cycle CYCLE`` in process, ``env`` added to the environment."""
    return CliRunner().invoke(
        cli, [*args, "--project", str(root), "--cycle", cycle], env=env or {}, catch_exceptions=False
    )
