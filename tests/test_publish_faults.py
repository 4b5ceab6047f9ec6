"""Every answer a network can spoil, through the fault proxy, on each platform; and the rate limits.

A write whose answer is lost, slow, a gateway's 5xx, cut off, or an HTML page with 200 may have
been carried out. Bluesky (the real local PDS) and Mastodon (the stand-in, honouring
Idempotency-Key) must each end with the post out exactly once in the same run; Telegram, which
cannot be asked, must mark it uncertain and never send it again until a person settles it.

The kit is built here from a roster of three made-up women (tests own their data).
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import publish_kit as kit
from campaign_kit.errors import PublishError
from campaign_kit.publish import approval, runner
from campaign_kit.publish.bluesky import record_key
from campaign_kit.publish.ledger import Ledger
from campaign_kit.publish.remote import RetryPolicy, retry_after_seconds
from conftest import copy_project, named, person, record_as_built, write_roster
from fault_proxy import KINDS, FaultProxy
from publish_kit import APPEAL, CYCLE, behind_proxy, editing_ledger, folder_of
from standins import PDS_PASSWORD, FakeMastodon, FakeTelegram, Pds, platform_env

TSITOU = ("tsitou-maryia", "TSITOU Maryia", "ЦІТОЎ Марыя", "ТИТОВ Мария")
KAVALEVA = ("kavaleva-iryna", "KAVALEVA Iryna", "КАВАЛЁВА Ірына", "КОВАЛЁВА Ирина")


def women() -> list[dict[str, Any]]:
    """Three made-up mothers, one of them person()'s Hanna Ablab."""
    return [
        person(),
        named(*TSITOU, children=3, sentence_months=60),
        named(*KAVALEVA, children=1, sentence_months=36),
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project of three women, built once for the cycle in English."""
    root = copy_project(tmp_path_factory.mktemp("faults-build"), roster=None)
    write_roster(root, women())
    kit.build_kit(root, "--lang", "en")
    return root


@pytest.fixture
def proj(built: Path, tmp_path: Path) -> Path:
    root = kit.copy_kit(built, tmp_path / "proj")
    approval.approve(folder_of(root), "Alena K.")
    return root


@pytest.fixture
def clean_pds(pds: Pds):
    """The PDS with no posts (record keys repeat from test to test: same appeal, cycle, post)."""
    yield pds
    from atproto import Client

    client = Client(base_url=f"{pds.url}/xrpc")
    client.login(pds.handle, PDS_PASSWORD, fetch_bsky_profile=False)
    for rec in pds.records():
        client.com.atproto.repo.delete_record(
            {"repo": pds.did, "collection": "app.bsky.feed.post", "rkey": rec["uri"].rsplit("/", 1)[1]}
        )


def quick() -> RetryPolicy:
    """No real waits, and a short patience so a slow answer counts as lost."""
    policy = RetryPolicy(sleep=lambda s: None)
    policy.timeout = 1.0
    return policy


def expected(proj: Path, platform: str) -> dict[str, dict[str, Any]]:
    return kit.expected_posts(folder_of(proj), (platform,), ("en",))


def entries(proj: Path) -> dict[str, dict[str, Any]]:
    return kit.ledger_entries(folder_of(proj))


def cli_publish(proj: Path, env: dict[str, str], *args: str) -> Any:
    return kit.campaign_kit(proj, "publish", "--lang", "en", *args, env=env)


def first_key(proj: Path, platform: str) -> str:
    """The ledger key of the first English post to send on ``platform``."""
    return next(iter(expected(proj, platform)))


def record(proj: Path, key: str, state: str, **fields: Any) -> None:
    """Put ``key`` in the ledger in ``state``, as an earlier run left it."""
    platform, lang = key.split(":")[:2]
    Ledger(folder_of(proj), APPEAL, CYCLE).update(key, platform, lang, state, **fields)


def bluesky_intent(key: str, created_at: str) -> dict[str, str]:
    """What a Bluesky run records before its write: the record key it chose and the post's time."""
    return {"rkey": record_key(APPEAL, CYCLE, key), "created_at": created_at}


# The request that makes a post on each platform: the write whose answer a network can spoil.
WRITES = {
    "bluesky": "com.atproto.repo.createRecord",
    "mastodon": "/api/v1/statuses",
    "telegram": "/sendPhoto",
}


@contextlib.contextmanager
def spoiling(
    env: dict[str, str], platform: str, kind: str, count: int = 1, delay: float = 2.5
) -> Iterator[tuple[FaultProxy, dict[str, str]]]:
    """A proxy in front of ``platform`` that spoils the answers to its next ``count`` writes."""
    with behind_proxy(env, platform) as (proxy, proxied):
        proxy.arm(kind, WRITES[platform], delay=delay, count=count)
        yield proxy, proxied


def publish_spoiled(
    proj: Path, env: dict[str, str], platform: str, kind: str, delay: float = 2.5
) -> tuple[runner.Report, dict[str, dict[str, Any]]]:
    """Publish ``platform`` in English through a proxy that spoils the answer to one write.

    Returns the run's report and the posts it had to send.
    """
    with spoiling(env, platform, kind, delay=delay) as (proxy, proxied):
        report = runner.publish(folder_of(proj), (platform,), proxied, langs=("en",), retry=quick())
    assert proxy.fired(kind), proxy.log
    return report, expected(proj, platform)


# --- Bluesky, the real PDS behind the proxy ------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_bluesky_a_spoiled_answer_to_a_write_is_found_by_its_record_key(
    kind: str, proj: Path, clean_pds: Pds, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    # Slow: longer than the SDK's own default patience (5 s) as well as ours.
    env = platform_env(clean_pds, mastodon, telegram)
    report, want = publish_spoiled(proj, env, "bluesky", kind, delay=6.0)
    assert set(report.published) == set(want) and not report.uncertain
    texts = collections.Counter(r["value"]["text"] for r in clean_pds.records())
    assert texts == collections.Counter(p["api_text"] for p in want.values())
    got = entries(proj)
    assert all(got[k]["state"] == "done" for k in want)
    # Threads hang together: each part replies to the part before, found or written.
    for post in want.values():
        if post["kind"] == "thread" and post["part"] > 1:
            rec = next(r for r in clean_pds.records() if r["value"]["text"] == post["api_text"])
            parent = got[f"bluesky:en:thread:{post['part'] - 1}"]["remote"]
            assert rec["value"]["reply"]["parent"]["uri"] == parent["uri"]


def test_bluesky_every_answer_lost_leaves_it_sending_and_the_next_run_finds_it(
    proj: Path, clean_pds: Pds, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    with behind_proxy(platform_env(clean_pds, mastodon, telegram), "bluesky") as (proxy, env):
        # The write lands; every answer and every look-up after it is lost, until retries run out.
        proxy.arm("lost", "com.atproto.repo.createRecord", count=20)
        proxy.arm("lost", "com.atproto.repo.getRecord", count=20)
        first = cli_publish(proj, env, "--platform", "bluesky")
        assert first.exit_code == 1 and "may be out" in first.output and "Traceback" not in first.output
        stuck = [k for k, e in entries(proj).items() if e["state"] != "done"]
        assert stuck and all(entries(proj)[k]["state"] == "sending" for k in stuck)
        proxy.faults.clear()
        second = cli_publish(proj, env, "--platform", "bluesky")
    assert second.exit_code == 0, second.output
    want = expected(proj, "bluesky")
    texts = collections.Counter(r["value"]["text"] for r in clean_pds.records())
    assert texts == collections.Counter(p["api_text"] for p in want.values())


def test_bluesky_a_failed_entry_from_an_older_run_is_looked_up_not_blocked(
    proj: Path, clean_pds: Pds, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    env = platform_env(clean_pds, mastodon, telegram)
    runner.publish(folder_of(proj), ("bluesky",), env, langs=("en",), retry=quick())
    # As the old publisher left it: the write landed, its answer was lost, the retries hit the
    # taken key (500) until "failed".
    key = first_key(proj, "bluesky")
    record(proj, key, "failed", error="gave up after 6 attempts: 500")
    report = runner.publish(folder_of(proj), ("bluesky",), env, langs=("en",), retry=quick())
    assert report.recovered == [key] and not report.published
    assert len(clean_pds.records()) == len(expected(proj, "bluesky"))


def test_bluesky_a_resumed_post_gets_a_fresh_created_at(
    proj: Path, clean_pds: Pds, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    env = platform_env(clean_pds, mastodon, telegram)
    key = first_key(proj, "bluesky")
    record(proj, key, "sending", intent=bluesky_intent(key, created_at="2026-11-29T08:00:00.000Z"))
    before = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    runner.publish(folder_of(proj), ("bluesky",), env, langs=("en",), retry=quick())
    rec = next(r for r in clean_pds.records() if r["uri"].endswith(record_key(APPEAL, CYCLE, key)))
    made = dt.datetime.fromisoformat(rec["value"]["createdAt"].replace("Z", "+00:00"))
    assert made >= before


def test_bluesky_resolve_takes_a_link_and_the_thread_replies_to_it(
    proj: Path, clean_pds: Pds, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    env = platform_env(clean_pds, mastodon, telegram)
    runner.publish(folder_of(proj), ("bluesky",), env, langs=("en",), retry=quick())
    done = entries(proj)
    first = "bluesky:en:thread:1"
    uri = done[first]["remote"]["uri"]
    # A person settles the first part by hand (as if it had been uncertain): the bsky.app link.
    with editing_ledger(folder_of(proj)) as data:
        for key in [k for k in data["entries"] if k.startswith("bluesky:en:thread:")]:
            # What a run records of the approval it sent under (approval, thread digest) stays.
            marks = {
                k: v for k, v in data["entries"][key].items() if k in ("approval", "content", "thread_digest")
            }
            data["entries"][key] = {
                "platform": "bluesky",
                "lang": "en",
                "state": "uncertain",
                "reason": "x",
                **marks,
            }
    link = f"https://bsky.app/profile/{clean_pds.handle}/post/{uri.rsplit('/', 1)[1]}"
    bad = cli_publish(proj, env, "--platform", "bluesky", "--resolve", f"{first}=sent:3zzzzzzzzzzzz")
    assert bad.exit_code == 1 and "no Bluesky post 3zzzzzzzzzzzz" in bad.output
    assert "Traceback" not in bad.output
    parts = [k for k in expected(proj, "bluesky") if ":thread:" in k]
    settle = ["--resolve", f"{first}=sent:{link}"]
    for key in parts[1:]:
        settle += ["--resolve", f"{key}=sent:{done[key]['remote']['uri']}"]
    ok = cli_publish(proj, env, "--platform", "bluesky", *settle)
    assert ok.exit_code == 0, ok.output
    after = entries(proj)
    assert (
        after[first]["remote"]["uri"] == uri and after[first]["remote"]["cid"] == done[first]["remote"]["cid"]
    )
    assert len(clean_pds.records()) == len(expected(proj, "bluesky"))


def test_bluesky_a_revoked_password_on_resume_is_a_clear_message(
    proj: Path, clean_pds: Pds, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    key = first_key(proj, "bluesky")
    record(proj, key, "sending", intent=bluesky_intent(key, created_at="2026-12-01T09:00:00.000Z"))
    env = {**platform_env(clean_pds, mastodon, telegram), "CAMPAIGN_KIT_BLUESKY_PASSWORD": "revoked-0000"}
    result = cli_publish(proj, env, "--platform", "bluesky")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "log in" in result.output and "app password" in result.output
    assert entries(proj)[key]["state"] == "sending"


# --- Mastodon, the stand-in behind the proxy -------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_mastodon_a_spoiled_answer_is_repeated_with_its_idempotency_key(
    kind: str, proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    report, want = publish_spoiled(proj, platform_env(None, mastodon, telegram), "mastodon", kind)
    assert set(report.published) == set(want) and not report.uncertain
    texts = collections.Counter(s["text"] for s in mastodon.statuses.values())
    assert texts == collections.Counter(p["api_text"] for p in want.values())
    # The repeat carried the same key (the stand-in answered it with the status it had made).
    keys = [r["headers"].get("Idempotency-Key") for r in mastodon.requests if r["path"] == "/api/v1/statuses"]
    assert len(keys) == len(want) + 1 and len(set(keys)) == len(want)


def test_mastodon_a_post_that_may_be_out_keeps_its_first_time_past_the_key_window(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    # The status is made, then every answer is a gateway's 502 until retries run out.
    with spoiling(platform_env(None, mastodon, telegram), "mastodon", "5xx", count=6) as (_, env):
        first = cli_publish(proj, env, "--platform", "mastodon")
        assert first.exit_code == 1 and "may be out" in first.output and "Traceback" not in first.output
    key = next(k for k, e in entries(proj).items() if e["state"] != "done")
    assert entries(proj)[key]["state"] == "sending"
    # Two hours later Mastodon has forgotten the key: the post is uncertain, never sent again.
    with editing_ledger(folder_of(proj)) as data:
        data["entries"][key]["intent"]["first_sent_at"] = (
            dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        ).isoformat()
    env = platform_env(None, mastodon, telegram)
    later = cli_publish(proj, env, "--platform", "mastodon")
    assert later.exit_code == 1 and f"--resolve {key}=sent:" in later.output
    assert entries(proj)[key]["state"] == "uncertain"
    texts = collections.Counter(s["text"] for s in mastodon.statuses.values())
    assert set(texts.values()) == {1} and len(texts) == len(expected(proj, "mastodon"))
    # A person looks and settles it with the status's link.
    sid = next(
        s["id"]
        for s in mastodon.statuses.values()
        if s["text"] == expected(proj, "mastodon")[key]["api_text"]
    )
    settled = cli_publish(
        proj, env, "--platform", "mastodon", "--resolve", f"{key}=sent:{mastodon.url}/@kit/{sid}"
    )
    assert settled.exit_code == 0, settled.output
    assert entries(proj)[key]["remote"]["id"] == sid
    # A status Mastodon does not know is refused, naming it.
    other = next(k for k, e in entries(proj).items() if k != key)
    with editing_ledger(folder_of(proj)) as data:
        data["entries"][other]["state"] = "uncertain"
    unknown = cli_publish(proj, env, "--platform", "mastodon", "--resolve", f"{other}=sent:999")
    assert unknown.exit_code == 1 and "Mastodon has no status 999" in unknown.output
    assert len(mastodon.statuses) == len(expected(proj, "mastodon"))


def test_mastodon_a_legacy_failed_entry_keeps_its_first_time(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    # A ledger entry "failed" by retries running out, two hours ago: it may be out.
    key = first_key(proj, "mastodon")
    two_hours_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat()
    intent = {"idempotency_key": "campaign-kit-x", "first_sent_at": two_hours_ago}
    record(proj, key, "failed", intent=intent, error="gave up after 6 attempts: 502")
    report = runner.publish(
        folder_of(proj), ("mastodon",), platform_env(None, mastodon, telegram), langs=("en",), retry=quick()
    )
    assert key in report.uncertain
    assert expected(proj, "mastodon")[key]["api_text"] not in {s["text"] for s in mastodon.statuses.values()}


def test_mastodon_a_retried_status_reuses_the_uploaded_card(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    with spoiling(platform_env(None, mastodon, telegram), "mastodon", "refuse", count=6) as (_, env):
        first = cli_publish(proj, env, "--platform", "mastodon")
        assert first.exit_code == 1
        second = cli_publish(proj, env, "--platform", "mastodon")
        assert second.exit_code == 0, second.output
    cards = [p for p in expected(proj, "mastodon").values() if p["card"]]
    assert len(mastodon.media) == len(cards)  # no orphan upload
    assert all(
        s["media_attachments"]
        for s in mastodon.statuses.values()
        if s["text"] in {p["api_text"] for p in cards}
    )


@dataclass(kw_only=True)
class LimitedMastodon(FakeMastodon):
    """A stand-in whose 429 (the first answer) says how long to wait, as Mastodon does."""

    limit_headers: dict[str, str]
    faults: list[int] = field(default_factory=lambda: [429])

    def fault(self, status: int) -> tuple[int, Any, dict[str, str]]:
        return status, {"error": "Too many requests"}, dict(self.limit_headers)


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "7"},
        {"X-RateLimit-Reset": "+7"},  # replaced below by an ISO time 7 s ahead
    ],
)
def test_mastodon_429_waits_as_long_as_the_server_asks(
    headers: dict[str, str], proj: Path, telegram: FakeTelegram
) -> None:
    if "X-RateLimit-Reset" in headers:
        headers = {"X-RateLimit-Reset": (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=7.5)).isoformat()}
    waits: list[float] = []
    with LimitedMastodon(limit_headers=headers) as fake:
        policy = RetryPolicy(sleep=waits.append)
        runner.publish(
            folder_of(proj), ("mastodon",), platform_env(None, fake, telegram), langs=("en",), retry=policy
        )
    assert len(waits) == 1 and 6.0 <= waits[0] <= 9.0, waits
    assert len(fake.statuses) == len(expected(proj, "mastodon"))


def test_mastodon_a_long_rate_limit_ends_the_run_with_when_to_come_back(
    proj: Path, telegram: FakeTelegram
) -> None:
    with LimitedMastodon(limit_headers={"Retry-After": "7200"}) as fake:
        result = cli_publish(proj, platform_env(None, fake, telegram), "--platform", "mastodon")
    assert (
        result.exit_code == 1
        and "asks to wait 7200 s" in result.output
        and "run publish again after" in result.output
    )
    assert not fake.statuses
    assert all(e["state"] == "failed" and e.get("unsent") for e in entries(proj).values())


# --- Telegram, the stand-in behind the proxy -------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_telegram_a_spoiled_answer_is_uncertain_never_sent_twice(
    kind: str, proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    report, want = publish_spoiled(proj, platform_env(None, mastodon, telegram), "telegram", kind)
    uncertain = [k for k, e in entries(proj).items() if e["state"] == "uncertain"]
    assert list(report.uncertain) == uncertain and len(uncertain) == 1
    assert f"--resolve {uncertain[0]}=sent:MESSAGE_ID" in report.uncertain[uncertain[0]]
    # The next run (the CLI, as cron runs it) sends nothing of it and says what to do.
    result = cli_publish(proj, platform_env(None, mastodon, telegram), "--platform", "telegram")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"--resolve {uncertain[0]}=sent:MESSAGE_ID" in result.output
    # A photo's caption, or the text of a roll-call message.
    captions = collections.Counter(m.get("caption", m.get("text")) for m in telegram.messages.values())
    assert captions == collections.Counter(p["api_text"] for p in want.values())  # each once
    # Settled by a person who saw it in the chat; nothing is sent again.
    mid = next(
        m["message_id"]
        for m in telegram.messages.values()
        if m.get("caption") == want[uncertain[0]]["api_text"]
    )
    again = cli_publish(
        proj,
        platform_env(None, mastodon, telegram),
        "--platform",
        "telegram",
        "--resolve",
        f"{uncertain[0]}=sent:{mid}",
    )
    assert again.exit_code == 0, again.output
    assert len(telegram.messages) == len(want)


def test_telegram_429_is_retried_but_a_refused_connection_only(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    telegram.faults[:] = [429, 502]
    report = runner.publish(
        folder_of(proj), ("telegram",), platform_env(None, mastodon, telegram), langs=("en",), retry=quick()
    )
    # The 429 waited and went through; the 502 may have come after the send: uncertain.
    assert len(report.uncertain) == 1
    assert len(telegram.messages) == len(expected(proj, "telegram")) - 1


# --- addresses, headers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "var", ["CAMPAIGN_KIT_MASTODON_URL", "CAMPAIGN_KIT_TELEGRAM_API", "CAMPAIGN_KIT_BLUESKY_PDS"]
)
def test_plain_http_to_another_machine_is_refused(
    var: str, proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    env = {
        **platform_env(None, mastodon, telegram),
        "CAMPAIGN_KIT_BLUESKY_HANDLE": "a.test",
        "CAMPAIGN_KIT_BLUESKY_PASSWORD": "pw-123456",
        var: "http://platform.example.org",
    }
    result = cli_publish(proj, env, "--platform", "bluesky,mastodon,telegram")
    assert result.exit_code == 1 and var in result.output and "https://" in result.output
    assert not mastodon.requests and not telegram.requests


def test_retry_after_reads_seconds_dates_and_epochs() -> None:
    now = 1_800_000_000.0
    assert retry_after_seconds("7", now) == 7
    assert retry_after_seconds(str(int(now) + 30), now) == 30
    assert retry_after_seconds("Fri, 15 Jan 2027 08:00:30 GMT", 1_800_000_000.0) is not None
    iso = dt.datetime.fromtimestamp(now + 12, dt.UTC).isoformat()
    assert retry_after_seconds(iso, now) == pytest.approx(12)
    assert retry_after_seconds("soon", now) is None and retry_after_seconds("nan", now) is None


def test_bluesky_a_card_over_a_million_bytes_goes_out_under_the_limit(
    proj: Path, clean_pds: Pds, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    # A card between 1,000,000 and 2,000,000 bytes (the limit the publisher once assumed).
    post = next(p for p in expected(proj, "bluesky").values() if p["card"])
    rng = random.Random(3)
    noisy = Image.frombytes("RGB", (760, 760), bytes(rng.getrandbits(8) for _ in range(760 * 760 * 3)))
    noisy.save(folder_of(proj) / post["card"], "PNG")
    size = (folder_of(proj) / post["card"]).stat().st_size
    assert 1_000_000 < size < 2_000_000
    record_as_built(folder_of(proj), post["card"])  # as a build of a large photo card makes it
    approval.approve(folder_of(proj), "Alena K.")
    env = platform_env(clean_pds, mastodon, telegram)
    runner.publish(folder_of(proj), ("bluesky",), env, langs=("en",), retry=quick())
    rec = next(r for r in clean_pds.records() if r["value"]["text"] == post["api_text"])
    image = rec["value"]["embed"]["images"][0]["image"]
    assert image["size"] <= 1_000_000 and image["mimeType"] == "image/jpeg"


@pytest.mark.parametrize("platform", ["bluesky", "mastodon"])
def test_a_server_answering_only_html_pages_is_a_clear_error(
    platform: str, proj: Path, pds: Pds, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    with behind_proxy(platform_env(pds, mastodon, telegram), platform) as (proxy, env):
        proxy.arm("html200", "/", count=1000)  # log in, version lookup: every answer a web page
        with pytest.raises(PublishError) as err:
            runner.publish(folder_of(proj), (platform,), env, langs=("en",), retry=quick())
    assert "gave up after 6 attempts" in str(err.value) and "unreadable answer" in str(err.value)
    assert not mastodon.statuses
