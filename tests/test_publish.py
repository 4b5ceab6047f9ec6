"""approve and publish: approval bound to the bytes, the ledger, the three platforms.

Bluesky tests post to a real PDS (``@atproto/dev-env``, started by ``scripts/pds.sh``; they
skip with the reason when it is not installed). Mastodon and Telegram cannot run here: their
tests talk to the local stand-ins in ``standins.py``, which follow the documented
APIs. Every address is on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import random
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image

from campaign_kit.cli import cli
from campaign_kit.errors import ApprovalError, PublishError
from campaign_kit.publish import approval, runner
from campaign_kit.publish.bluesky import facets, record_key
from campaign_kit.publish.images import load_card
from campaign_kit.publish.ledger import Ledger
from campaign_kit.publish.remote import RetryPolicy
from campaign_kit.render.card_layout import load_layout
from conftest import copy_project, record_as_built
from publish_kit import (
    CYCLE,
    build_kit,
    campaign_kit,
    copy_kit,
    editing_ledger,
    expected_posts,
    folder_of,
    ledger_entries,
    no_wait,
    posts_json,
    publish,
)
from standins import (
    MASTODON_TOKEN,
    PDS_PASSWORD,
    TELEGRAM_TOKEN,
    FakeMastodon,
    FakeTelegram,
    Pds,
    platform_env,
)

SECRETS = (PDS_PASSWORD, MASTODON_TOKEN, TELEGRAM_TOKEN, TELEGRAM_TOKEN.split(":")[1])


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tests' sample project built once for the cycle, in English and Belarusian."""
    root = copy_project(tmp_path_factory.mktemp("publish-build"))
    build_kit(root, "--lang", "en,be")
    return root


@pytest.fixture
def proj(built: Path, tmp_path: Path) -> Path:
    """A fresh copy of the built kit (campaign.toml, templates/ and out/) for one test."""
    return copy_kit(built, tmp_path / "proj")


def featured_posts(proj: Path, platform: str) -> list[dict[str, Any]]:
    return [p for p in posts_json(proj) if p["platform"] == platform and p["kind"] == "post"]


# --- approval ---------------------------------------------------------------------------------


def test_publish_refuses_an_unapproved_cycle(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    result = campaign_kit(
        proj, "publish", "--platform", "mastodon", env=platform_env(None, mastodon, telegram)
    )
    assert result.exit_code == 1
    assert "not approved" in result.output and "campaign-kit approve" in result.output
    assert not mastodon.requests
    assert not (folder_of(proj) / "published.json").exists()


def test_approve_records_every_post_to_send_with_who_and_when(proj: Path) -> None:
    result = campaign_kit(proj, "approve", "--by", "Alena K.")
    assert result.exit_code == 0, result.output
    folder = folder_of(proj)
    data = json.loads((folder / "approval.json").read_text(encoding="utf-8"))
    assert data["approved_by"] == "Alena K." and data["approved_at"].endswith("Z")
    assert (data["appeal"], data["cycle"]) == ("mothers", CYCLE)
    assert data["manifest_sha256"] == hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    posts = {p["key"]: p for p in data["posts"]}
    sent = [p for p in posts_json(proj) if p["platform"] in ("bluesky", "mastodon", "telegram")]
    cards = {p["card"] for p in sent if p["card"] and p["kind"] == "post"}
    assert {p["card"] for p in posts.values() if p["card"]} == cards and len(cards) >= 10
    for post in posts.values():
        if post["card"]:
            assert hashlib.sha256((folder / post["card"]).read_bytes()).hexdigest() == post["card_sha256"]
    hanna = posts["bluesky:en:ablab-hanna"]
    source = next(p for p in sent if (p["platform"], p["lang"], p["id"]) == ("bluesky", "en", "ablab-hanna"))
    assert (hanna["text"], hanna["alt_text"]) == (source["api_text"], source["alt_text"])
    assert "bluesky:en:thread:1" in posts and "bluesky:en:thread" in data["threads"]
    body = {k: v for k, v in data.items() if k not in ("schema", "id")}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert data["id"] == hashlib.sha256(canonical).hexdigest()


def test_a_changed_card_or_post_is_refused_and_named(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    folder = folder_of(proj)
    approval.approve(folder, "Alena K.")
    card = next(p["card"] for p in featured_posts(proj, "mastodon"))
    originals = {rel: (folder / rel).read_bytes() for rel in (card, "posts.json")}
    (folder / card).write_bytes(originals[card] + b"\0")
    posts = posts_json(proj)
    target = next(
        p for p in posts if p["platform"] == "telegram" and p["lang"] == "be" and p["kind"] == "post"
    )
    target["text"] = target["api_text"] = target["text"] + " !"
    (folder / "posts.json").write_text(json.dumps(posts, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ApprovalError) as err:
        publish(proj, "mastodon,telegram", platform_env(None, mastodon, telegram))
    message = str(err.value)
    assert f"{card} changed" in message
    assert f"post telegram:be:{target['id']} changed" in message
    assert "approve again" in message
    assert not mastodon.requests and not telegram.requests
    # Nor is a hand-edited folder approved: it is not the build its manifest records.
    with pytest.raises(ApprovalError) as err:
        approval.approve(folder, "Alena K.")
    assert f"{card} differs from its record" in str(err.value)
    assert "posts.json differs from its record" in str(err.value) and "campaign-kit build" in str(err.value)
    # The build's own files back: the approval holds again.
    for rel, data in originals.items():
        (folder / rel).write_bytes(data)
    assert publish(proj, "telegram", platform_env(None, mastodon, telegram)).published


def test_approve_rejects_an_empty_or_odd_name(proj: Path) -> None:
    assert campaign_kit(proj, "approve", "--by", "  ").exit_code == 1
    result = campaign_kit(proj, "approve", "--by", "a\x1bb")
    assert result.exit_code == 1 and "control character" in result.output
    assert not (folder_of(proj) / "approval.json").exists()


# --- Mastodon and Telegram against the local stand-ins --------------------------------------


def test_mastodon_and_telegram_publish_each_post_once_with_image_and_thread(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    approval.approve(folder_of(proj), "Alena K.")
    (proj / "campaign.toml").write_text(
        (proj / "campaign.toml").read_text(encoding="utf-8")
        + '\n[publish.mastodon]\nvisibility = "unlisted"\n',
        encoding="utf-8",
    )
    env = platform_env(None, mastodon, telegram)
    result = campaign_kit(proj, "publish", "--platform", "mastodon,telegram", env=env)
    assert result.exit_code == 0, result.output

    posts = featured_posts(proj, "mastodon")
    statuses = list(mastodon.statuses.values())
    with_media = [s for s in statuses if s["media_attachments"]]
    assert sorted(s["text"] for s in with_media) == sorted(p["api_text"] for p in posts)
    for status in with_media:
        post = next(p for p in posts if p["api_text"] == status["text"])
        media = status["media_attachments"][0]
        assert media["description"] == post["alt_text"]
        # Mastodon's focus (x right, y up, -1..1) falls on her name in the card's layout.
        focus = media["meta"]["focus"]
        layout = load_layout(proj / "templates", Path(post["card"]).stem)
        box = layout.block_of("name").box
        px, py = (focus["x"] + 1) / 2 * layout.width, (1 - focus["y"]) / 2 * layout.height
        assert box.x <= px <= box.right and box.y <= py <= box.bottom
        assert status["language"] == post["lang"] and status["visibility"] == "unlisted"
    keys = [r["headers"].get("Idempotency-Key") for r in mastodon.requests if r["path"] == "/api/v1/statuses"]
    assert all(keys) and len(set(keys)) == len(keys) == len(statuses)
    for lang in ("en", "be"):
        parts = sorted(
            (
                p
                for p in posts_json(proj)
                if p["platform"] == "mastodon" and p["kind"] == "thread" and p["lang"] == lang
            ),
            key=lambda p: p["part"],
        )
        chain = [next(s for s in statuses if s["text"] == p["api_text"]) for p in parts]
        assert chain[0]["in_reply_to_id"] is None
        for before, after in zip(chain, chain[1:], strict=False):
            assert after["in_reply_to_id"] == before["id"]

    tg_posts = featured_posts(proj, "telegram")
    photos = [m for m in telegram.messages.values() if "photo" in m]
    assert sorted(m["caption"] for m in photos) == sorted(p["api_text"] for p in tg_posts)
    assert all(m["photo"][0]["file_size"] > 1000 for m in photos)
    # The roll call goes to Telegram too, as plain messages (4,096 units each, not 1,024).
    roll_calls = [p for p in posts_json(proj) if p["platform"] == "telegram" and p["kind"] == "thread"]
    texts = [m["text"] for m in telegram.messages.values() if "text" in m]
    assert roll_calls and sorted(texts) == sorted(p["api_text"] for p in roll_calls)

    # Running again publishes nothing new.
    before = (len(mastodon.statuses), len(telegram.messages))
    again = campaign_kit(proj, "publish", "--platform", "mastodon,telegram", env=env)
    assert again.exit_code == 0 and "0 published" in again.output
    assert (len(mastodon.statuses), len(telegram.messages)) == before


def test_rate_limits_and_5xx_are_retried_with_backoff(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    approval.approve(folder_of(proj), "Alena K.")
    mastodon.faults[:] = [429, 503, 500]
    # Telegram: only a 429 is retried (a 5xx may come after the send: test_publish_faults.py).
    telegram.faults[:] = [429, 429]
    waits: list[float] = []
    policy = RetryPolicy(sleep=waits.append)
    report = publish(
        proj, "mastodon,telegram", platform_env(None, mastodon, telegram), langs=("en",), retry=policy
    )
    assert len(waits) == 5 and all(w <= policy.cap for w in waits)
    assert len(report.published) == len({p for p in report.published})
    texts = [s["text"] for s in mastodon.statuses.values()]
    assert len(texts) == len(set(texts)) == len([k for k in report.published if k.startswith("mastodon")])
    assert len([m for m in telegram.messages.values() if "photo" in m]) == 5  # and the roll call
    roll_call = [k for k in report.published if k.startswith("telegram:en:thread")]
    assert roll_call and len(telegram.messages) == 5 + len(roll_call)


def test_a_4xx_names_post_and_platform_and_the_rerun_resumes(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    approval.approve(folder_of(proj), "Alena K.")
    env = platform_env(None, mastodon, telegram)
    publish(proj, "mastodon", env, langs=("en",))  # warm: nothing of this fails
    first = len(mastodon.statuses)
    mastodon.statuses.clear()
    mastodon.keys.clear()
    (folder_of(proj) / "published.json").unlink()
    # The second post's media upload is refused.
    real_handle = mastodon.handle
    calls = {"n": 0}

    def refuse_third(path: str, *args: Any) -> Any:
        calls["n"] += path == "/api/v2/media"
        if path == "/api/v2/media" and calls["n"] == 2:
            return 422, {"error": "Validation failed: File content type is invalid"}, {}
        return real_handle(path, *args)

    mastodon.handle = refuse_third  # type: ignore[method-assign]
    result = campaign_kit(proj, "publish", "--platform", "mastodon", "--lang", "en", env=env)
    assert result.exit_code == 1
    second = featured_posts(proj, "mastodon")[1]
    assert f"mastodon refused post mastodon:en:{second['id']}" in result.output
    assert "File content type is invalid" in result.output and "Traceback" not in result.output
    assert ledger_entries(folder_of(proj))[f"mastodon:en:{second['id']}"]["state"] == "failed"
    assert len(mastodon.statuses) == 1
    mastodon.handle = real_handle  # type: ignore[method-assign]
    again = campaign_kit(proj, "publish", "--platform", "mastodon", "--lang", "en", env=env)
    assert again.exit_code == 0, again.output
    assert len(mastodon.statuses) == first
    assert len({s["text"] for s in mastodon.statuses.values()}) == first


def test_telegram_unconfirmed_send_is_uncertain_until_resolved(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    folder = folder_of(proj)
    approval.approve(folder, "Alena K.")
    env = platform_env(None, mastodon, telegram)
    post = featured_posts(proj, "telegram")[0]
    key = f"telegram:en:{post['id']}"
    # As a run killed between sendPhoto and the ledger's "done" leaves it.
    Ledger(folder, "mothers", CYCLE).update(
        key, "telegram", "en", "sending", intent={"first_sent_at": "2026-12-01T09:00:00+00:00"}, attempts=1
    )
    result = campaign_kit(proj, "publish", "--platform", "telegram", "--lang", "en", env=env)
    assert result.exit_code == 1
    assert f"--resolve {key}=sent:MESSAGE_ID" in result.output
    assert post["api_text"] not in [m.get("caption") for m in telegram.messages.values()]
    assert len([m for m in telegram.messages.values() if "photo" in m]) == 4
    status = campaign_kit(proj, "publish", "--status", "--platform", "telegram", "--json", env=env)
    rows = {r["key"]: r["state"] for r in json.loads(status.output)["posts"]}
    assert rows[key] == "uncertain"
    settled = campaign_kit(
        proj, "publish", "--platform", "telegram", "--lang", "en", "--resolve", f"{key}=unsent", env=env
    )
    assert settled.exit_code == 0, settled.output
    assert [m.get("caption") for m in telegram.messages.values()].count(post["api_text"]) == 1


def test_mastodon_at_schedules_and_other_platforms_refuse_it(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    approval.approve(folder_of(proj), "Alena K.")
    env = platform_env(None, mastodon, telegram)
    refused = campaign_kit(proj, "publish", "--platform", "telegram", "--at", "2099-01-01T09:00:00Z", env=env)
    assert refused.exit_code == 1 and "only Mastodon schedules" in refused.output
    assert not telegram.requests
    bad = campaign_kit(proj, "publish", "--platform", "mastodon", "--at", "tomorrow", env=env)
    assert bad.exit_code == 1 and "ISO 8601" in bad.output
    assert not mastodon.requests
    # Every kit has a Mastodon roll-call thread, and a reply cannot be scheduled: --at
    # schedules the women's posts and leaves the thread for a run on its own day.
    scheduled = campaign_kit(
        proj, "publish", "--platform", "mastodon", "--at", "2099-01-01T09:00:00Z", env=env
    )
    assert scheduled.exit_code == 0, scheduled.output
    assert "thread parts left for their own day" in scheduled.output
    assert len(mastodon.scheduled) == len(featured_posts(proj, "mastodon")) and not mastodon.statuses
    later = campaign_kit(proj, "publish", "--platform", "mastodon", env=env)
    assert later.exit_code == 0, later.output
    threads = [p for p in posts_json(proj) if p["platform"] == "mastodon" and p["kind"] == "thread"]
    assert sorted(s["text"] for s in mastodon.statuses.values()) == sorted(p["api_text"] for p in threads)


def test_mastodon_at_schedules_posts(proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram) -> None:
    approval.approve(folder_of(proj), "Alena K.")
    env = platform_env(None, mastodon, telegram)
    kit, _ = approval.approved_kit(folder_of(proj))
    items = [i for i in kit.select(("mastodon",), ("en",)) if i.parent is None and i.thread is None]
    at = runner.parse_at("2099-01-01T09:00:00+00:00")
    publishers = runner.make_publishers(("mastodon",), env, runner.Secrets(), no_wait(), "public", at)
    ledger = Ledger(folder_of(proj), kit.appeal, kit.cycle)
    report = runner.Report()
    for item in items:
        runner._publish_one(item, kit, ledger, publishers["mastodon"], report, lambda *a: None)
    assert len(mastodon.scheduled) == 5 and not mastodon.statuses
    assert all(s["scheduled_at"].startswith("2099-01-01T09:00:00") for s in mastodon.scheduled.values())


def test_dry_run_and_status_send_nothing(proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram) -> None:
    approval.approve(folder_of(proj), "Alena K.")
    env = platform_env(None, mastodon, telegram)
    dry = campaign_kit(proj, "publish", "--platform", "mastodon,telegram", "--dry-run", env=env)
    assert dry.exit_code == 0, dry.output
    assert "send" in dry.output and "telegram:be:thread:1" in dry.output
    assert not mastodon.requests and not telegram.requests
    assert not (folder_of(proj) / "published.json").exists()
    status = campaign_kit(proj, "publish", "--status", "--platform", "mastodon", env=env)
    assert status.exit_code == 0 and "approved by Alena K." in status.output and "left" in status.output


def test_missing_variables_are_named_never_their_values(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    approval.approve(folder_of(proj), "Alena K.")
    env = platform_env(None, mastodon, telegram)
    del env["CAMPAIGN_KIT_TELEGRAM_CHAT"]
    result = campaign_kit(proj, "publish", "--platform", "mastodon,telegram", env=env)
    assert result.exit_code == 1 and "CAMPAIGN_KIT_TELEGRAM_CHAT" in result.output
    assert MASTODON_TOKEN not in result.output and not mastodon.requests


def test_no_credential_in_any_output_ledger_or_log(
    proj: Path,
    mastodon: FakeMastodon,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr("campaign_kit.publish.remote.time.sleep", lambda s: None)
    approval.approve(folder_of(proj), "Alena K.")
    env = platform_env(None, mastodon, telegram)
    outputs = []
    # Rate limits, a refusal, then a wrong token (its error text would hold the URL), then success.
    telegram.faults[:] = [429, 400]
    outputs.append(
        campaign_kit(proj, "publish", "--platform", "mastodon,telegram", "--lang", "en", env=env).output
    )
    outputs.append(
        campaign_kit(
            proj,
            "publish",
            "--platform",
            "telegram",
            env={**env, "CAMPAIGN_KIT_TELEGRAM_API": "http://127.0.0.1:9"},
        ).output
    )
    wrong = {
        **env,
        "CAMPAIGN_KIT_MASTODON_TOKEN": MASTODON_TOKEN + "x",
        "CAMPAIGN_KIT_TELEGRAM_TOKEN": TELEGRAM_TOKEN + "x",
    }
    outputs.append(campaign_kit(proj, "publish", "--platform", "mastodon,telegram", env=wrong).output)
    outputs.append(campaign_kit(proj, "publish", "--platform", "mastodon,telegram", env=env).output)
    outputs.append(campaign_kit(proj, "publish", "--status", "--json", env=env).output)
    assert "401" in outputs[2] or "Unauthorized" in outputs[2] or "invalid" in outputs[2]
    written = [
        p.read_bytes().decode("utf-8", "replace")
        for p in proj.rglob("*")
        if p.is_file() and p.suffix != ".png"
    ]
    logs = [r.getMessage() for r in caplog.records]
    for secret in SECRETS:
        for text in outputs + written + logs:
            assert secret not in text
    assert len([m for m in telegram.messages.values() if "photo" in m]) == 10


# --- Bluesky against the real PDS -------------------------------------------------------------


def test_bluesky_publishes_images_alt_facets_langs_and_a_chained_thread(
    proj: Path, pds: Pds, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    approval.approve(folder_of(proj), "Alena K.")
    env = platform_env(pds, mastodon, telegram)
    before = {r["uri"] for r in pds.records()}
    result = campaign_kit(proj, "publish", "--platform", "bluesky", env=env)
    assert result.exit_code == 0, result.output
    ledger = ledger_entries(folder_of(proj))
    records = {r["uri"]: r for r in pds.records() if r["uri"] not in before}
    expected = expected_posts(folder_of(proj), ("bluesky",))
    assert len(records) == len(expected)
    for key, post in expected.items():
        uri = ledger[key]["remote"]["uri"]
        assert uri.endswith("/" + record_key("mothers", CYCLE, key))
        value = records[uri]["value"]
        assert value["text"] == post["api_text"] and value["langs"] == [post["lang"]]
        raw = value["text"].encode("utf-8")
        kinds = set()
        for facet in value.get("facets", []):
            piece = raw[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode("utf-8")
            feature = facet["features"][0]
            kinds.add(feature["$type"])
            if feature["$type"].endswith("#link"):
                assert piece == feature["uri"]
            else:
                assert piece == "#" + feature["tag"]
        if post["kind"] == "post":
            assert kinds == {"app.bsky.richtext.facet#link", "app.bsky.richtext.facet#tag"}
            image = value["embed"]["images"][0]
            assert image["alt"] == post["alt_text"]
            with Image.open(folder_of(proj) / post["card"]) as img:
                ratio = image["aspectRatio"]
                assert (ratio["width"], ratio["height"]) == (img.width, img.height)
            assert image["image"]["mimeType"] == "image/png"
            assert image["image"]["size"] == (folder_of(proj) / post["card"]).stat().st_size
        else:
            root = ledger[f"bluesky:{post['lang']}:thread:1"]["remote"]
            if post["part"] == 1:
                assert "reply" not in value
            else:
                parent = ledger[f"bluesky:{post['lang']}:thread:{post['part'] - 1}"]["remote"]
                for ref, want in (("root", root), ("parent", parent)):
                    got = value["reply"][ref]
                    assert (got["uri"], got["cid"]) == (want["uri"], want["cid"])
    # A lost "done" (a kill after the write) is found by its record key, not posted again.
    first = next(iter(k for k in ledger if k.startswith("bluesky:en:")))
    with editing_ledger(folder_of(proj)) as data:
        data["entries"][first]["state"] = "sending"
    report = publish(proj, "bluesky", env)
    assert report.recovered == [first] and not report.published
    assert len([r for r in pds.records() if r["uri"] not in before]) == len(expected)


def test_bluesky_wrong_password_is_a_clear_error_without_the_password(
    proj: Path, pds: Pds, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    approval.approve(folder_of(proj), "Alena K.")
    env = {**platform_env(pds, mastodon, telegram), "CAMPAIGN_KIT_BLUESKY_PASSWORD": PDS_PASSWORD + "-wrong"}
    result = campaign_kit(proj, "publish", "--platform", "bluesky", env=env)
    assert result.exit_code == 1 and "bluesky" in result.output and "log in" in result.output
    assert PDS_PASSWORD not in result.output and "Traceback" not in result.output


# --- pure parts -------------------------------------------------------------------------------


def test_record_keys_are_deterministic_tids() -> None:
    a = record_key("mothers", CYCLE, "bluesky:en:ablab-hanna")
    assert a == record_key("mothers", CYCLE, "bluesky:en:ablab-hanna")
    assert a != record_key("mothers", CYCLE, "bluesky:be:ablab-hanna")
    assert a != record_key("long-sentences", CYCLE, "bluesky:en:ablab-hanna")
    assert re.fullmatch(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}", a)


def test_facets_use_utf8_byte_offsets() -> None:
    text = "Ганна Аблаб 🤍❤️🤍\nhttps://belaruswomen.org/appeal\n#СвабодуПалітвязням #FreeThemAll spring96.org"
    found = facets(text)
    raw = text.encode()
    pieces = [raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in found]
    assert pieces == [
        "https://belaruswomen.org/appeal",
        "#СвабодуПалітвязням",
        "#FreeThemAll",
        "spring96.org",
    ]
    assert found[3]["features"][0]["uri"] == "https://spring96.org"
    assert found[1]["features"][0]["tag"] == "СвабодуПалітвязням"


def test_a_card_over_the_blob_limit_is_reencoded_under_it(tmp_path: Path) -> None:
    rng = random.Random(7)
    img = Image.frombytes("RGB", (1600, 900), bytes(rng.getrandbits(8) for _ in range(1600 * 900 * 3)))
    path = tmp_path / "noisy.png"
    img.save(path)
    assert path.stat().st_size > 2_000_000
    card = load_card(path, 2_000_000)
    assert len(card.data) <= 2_000_000 and card.mime == "image/jpeg"
    assert card == load_card(path, 2_000_000)  # the same bytes on every attempt
    with Image.open(io.BytesIO(card.data)) as out:
        assert not out.info.get("exif")


def test_parse_platforms_rejects_unknown() -> None:
    with pytest.raises(PublishError, match="publish supports bluesky, mastodon, telegram"):
        runner.parse_platforms("bluesky,x")


def test_a_telegram_thread_is_sent_as_replies(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    # The shipped roll call fits one Telegram message; a longer one (here: Bluesky's parts)
    # is sent as text messages, each a reply to the one before.
    folder = folder_of(proj)
    posts = posts_json(proj)
    parts = [
        dict(p, platform="telegram") for p in posts if p["platform"] == "bluesky" and p["kind"] == "thread"
    ]
    parts = [p for p in parts if p["lang"] == "en"]
    posts = [p for p in posts if not (p["platform"] == "telegram" and p["kind"] == "thread")]
    (folder / "posts.json").write_text(json.dumps(posts + parts, ensure_ascii=False), encoding="utf-8")
    record_as_built(folder, "posts.json")
    approval.approve(folder, "Alena K.")
    publish(proj, "telegram", platform_env(None, mastodon, telegram), langs=("en",))
    by_text = {m.get("text"): m for m in telegram.messages.values() if "text" in m}
    chain = [by_text[p["api_text"]] for p in sorted(parts, key=lambda p: p["part"])]
    assert "reply_to_message" not in chain[0]
    for before, after in zip(chain, chain[1:], strict=False):
        assert after["reply_to_message"]["message_id"] == before["message_id"]


def test_publish_without_platform_is_a_usage_error(proj: Path) -> None:
    result = campaign_kit(proj, "publish")
    assert result.exit_code == 2 and "--platform" in result.output
    assert "Example" in CliRunner().invoke(cli, ["publish", "--help"]).output
    assert "Example" in CliRunner().invoke(cli, ["approve", "--help"]).output
