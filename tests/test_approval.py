"""Exactly what was approved goes out (issue 27): approve takes only a complete build, the
approval is bound to every post and card byte, publish sends the bytes it checked, a thread
is never continued under another approval, and nothing under out/ is reached through a link.

Every test builds its own small roster in tmp_path. Mastodon and Telegram are the local
stand-ins of ``standins.py``; the Bluesky test uses the local PDS.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from campaign_kit.cli import cli
from campaign_kit.errors import ApprovalError, BuildError, PublishError
from campaign_kit.output import BuildLock
from campaign_kit.publish import approval
from campaign_kit.publish.bluesky import record_key
from conftest import add_postal_address, copy_project, own_copy, person, record_as_built, write_roster
from publish_kit import CYCLE, build_kit, campaign_kit, folder_of, posts_json, publish
from standins import FakeMastodon, FakeTelegram, platform_env
from test_esp import BASE, LISTMONK_TOML, server  # noqa: F401  (a fixture)
from test_esp import _env as esp_env

# Made-up women: one name table, Latin as the Belarusian passport spelling of the Cyrillic.
NAMES = [
    ("BARAN", "БАРАН"),
    ("DALAT", "ДАЛАТ"),
    ("KAMAR", "КАМАР"),
    ("MALAN", "МАЛАН"),
    ("NAVAK", "НАВАК"),
    ("PARAS", "ПАРАС"),
    ("RAMAN", "РАМАН"),
    ("SAMAL", "САМАЛ"),
]


def women() -> list[dict[str, Any]]:
    return [
        person(
            id=f"{latin.lower()}-hanna",
            surname_latin=latin,
            surname_be=cyr,
            surname_ru=cyr,
            children=1 + n % 3,
            sentence_months=24 + 6 * n,
        )
        for n, (latin, cyr) in enumerate(NAMES)
    ]


def build(root: Path, *extra: str) -> None:
    build_kit(root, "--lang", "en", *extra)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project of eight made-up mothers, built once in English."""
    root = copy_project(tmp_path_factory.mktemp("approval-base"), roster=None)
    write_roster(root, women())
    build(root)
    return root


@pytest.fixture
def proj(base: Path, tmp_path: Path) -> Path:
    return own_copy(base, tmp_path)


def set_children(root: Path, pid: str, children: int) -> None:
    path = root / "roster.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    for rec in doc["people"]:
        if rec["id"] == pid:
            rec["children"] = children
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def release(root: Path, pid: str) -> None:
    result = CliRunner().invoke(
        cli, ["release", pid, "--on", "2026-12-02", "--project", str(root)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output


# --- approve takes only a complete, verified build ---------------------------------------------


def test_approve_refuses_a_build_with_only_posts_after_the_roster_changed(proj: Path) -> None:
    featured = json.loads((folder_of(proj) / "manifest.json").read_text())["featured"]
    set_children(proj, featured[0], 5)
    build(proj, "--only", "posts")  # the posts say 5 children; the cards still say what they said
    result = campaign_kit(proj, "approve", "--by", "Alena K.")
    assert result.exit_code == 1
    assert "cards (another roster.json)" in result.output
    assert "campaign-kit build --appeal mothers --cycle 2026-W49" in result.output
    assert "without --only" in result.output and "Traceback" not in result.output
    assert not (folder_of(proj) / "approval.json").exists()
    build(proj)  # everything from the one roster: approved
    assert campaign_kit(proj, "approve", "--by", "Alena K.").exit_code == 0


def test_approve_refuses_a_killed_build(proj: Path, tmp_path: Path) -> None:
    # A build killed after it replaced a card and wrote a new one, before its manifest.
    folder = folder_of(proj)
    card = next(p["card"] for p in posts_json(proj) if p["card"])
    other = tmp_path / "other"
    shutil.copytree(proj, other)
    set_children(other, card.split("/")[2], 4)
    build(other)
    (folder / card).write_bytes((folder_of(other) / card).read_bytes())
    (folder / "cards" / "en" / "late-card.png").write_bytes(b"\x89PNG half")
    result = campaign_kit(proj, "approve", "--by", "Alena K.")
    assert result.exit_code == 1
    assert f"{card} differs from its record" in result.output
    assert "cards/en/late-card.png is not in manifest.json" in result.output
    assert "campaign-kit build --appeal mothers --cycle 2026-W49" in result.output
    assert not (folder / "approval.json").exists()


def test_approve_refuses_a_hand_edited_posts_json(proj: Path) -> None:
    folder = folder_of(proj)
    posts = posts_json(proj)
    target = next(p for p in posts if p["platform"] == "telegram" and p["kind"] == "post")
    target["text"] = target["api_text"] = target["text"].replace("Sentenced", "Released")
    (folder / "posts.json").write_text(json.dumps(posts, ensure_ascii=False), encoding="utf-8")
    result = campaign_kit(proj, "approve", "--by", "Alena K.")
    assert result.exit_code == 1 and "posts.json differs from its record" in result.output
    assert not (folder / "approval.json").exists()


def test_approve_waits_for_a_running_build(proj: Path) -> None:
    with BuildLock(proj / "out", f"mothers-{CYCLE}"):
        result = campaign_kit(proj, "approve", "--by", "Alena K.")
    assert result.exit_code == 1 and "a build of this cycle is running" in result.output
    assert not (folder_of(proj) / "approval.json").exists()


def test_approve_records_due_and_account_when_the_posts_carry_them(proj: Path) -> None:
    # The posting plan puts due/account on every post; the approval binds them too.
    folder = folder_of(proj)
    posts = posts_json(proj)
    target = next(p for p in posts if p["platform"] == "bluesky" and p["kind"] == "post")
    target["due"] = "2026-12-01T10:00:00+02:00"
    target["account"] = "bluesky:kit.example"
    (folder / "posts.json").write_text(json.dumps(posts, ensure_ascii=False), encoding="utf-8")
    record_as_built(folder, "posts.json")
    made = approval.approve(folder, "Alena K.")
    post = made.posts[f"bluesky:en:{target['id']}"]
    assert post.due == "2026-12-01T10:00:00+02:00" and post.account == "bluesky:kit.example"
    # A later change of a due time alone is a change of what was approved.
    target["due"] = "2026-12-02T10:00:00+02:00"
    (folder / "posts.json").write_text(json.dumps(posts, ensure_ascii=False), encoding="utf-8")
    record_as_built(folder, "posts.json")
    assert f"post {post.key} changed (due time)" in approval.changes(folder, made)


# --- the approval itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.update(approved_by="Someone Else"),
        lambda d: d["posts"][0].update(text=d["posts"][0]["text"] + " !"),
        lambda d: d.update(cycle="2026-W50"),
    ],
    ids=["approved_by", "post text", "cycle"],
)
def test_an_edited_approval_is_refused(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram, edit
) -> None:
    folder = folder_of(proj)
    approval.approve(folder, "Alena K.")
    path = folder / "approval.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = campaign_kit(
        proj, "publish", "--platform", "mastodon,telegram", env=platform_env(None, mastodon, telegram)
    )
    assert result.exit_code == 1 and "was changed after it was written" in result.output
    assert not mastodon.requests and not telegram.requests


def test_publish_refuses_a_folder_copied_to_another_cycle_or_appeal(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    approval.approve(folder_of(proj), "Alena K.")
    env = platform_env(None, mastodon, telegram)
    shutil.copytree(folder_of(proj), folder_of(proj, cycle="2026-W50"))
    shutil.copytree(folder_of(proj), folder_of(proj, appeal="long-sentences"))
    copied = campaign_kit(proj, "publish", "--platform", "telegram", env=env, cycle="2026-W50")
    assert copied.exit_code == 1 and "a copied or renamed cycle folder is never published" in copied.output
    other = campaign_kit(proj, "publish", "--appeal", "long-sentences", "--platform", "telegram", env=env)
    assert other.exit_code == 1 and "a copied or renamed cycle folder is never published" in other.output
    again = campaign_kit(proj, "approve", "--by", "Alena K.", cycle="2026-W50")
    assert again.exit_code == 1 and "a copied or renamed cycle folder is never approved" in again.output
    assert not telegram.requests


def test_a_rebuild_that_changes_nothing_sent_still_publishes(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    folder = folder_of(proj)
    made = approval.approve(folder, "Alena K.")
    doc = json.loads((proj / "roster.json").read_text(encoding="utf-8"))
    doc["people"].append(
        person(id="tarak-hanna", surname_latin="TARAK", surname_be="ТАРАК", surname_ru="ТАРАК", groups=[])
    )
    (proj / "roster.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    build(proj)
    assert approval.rebuilt_since(folder, made) and approval.changes(folder, made) == []
    report = publish(proj, "telegram", platform_env(None, mastodon, telegram))
    assert report.published and not report.stopped


# --- publish sends the card bytes it checked -------------------------------------------------


def test_a_rebuild_during_publish_changes_no_card_that_is_sent(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    folder = folder_of(proj)
    made = approval.approve(folder, "Alena K.")
    featured = json.loads((folder / "manifest.json").read_text())["featured"]
    rebuilt = {"done": False}

    def rebuild_once(key: str, action: str, detail: str) -> None:
        # As another person runs `build` with a changed roster after the first post is out.
        if not rebuilt["done"]:
            rebuilt["done"] = True
            for pid in featured:
                set_children(proj, pid, 9)
            build(proj)
            assert any(
                hashlib.sha256((folder / c).read_bytes()).hexdigest() != made.files[c] for c in made.files
            )

    publish(proj, "mastodon,telegram", platform_env(None, mastodon, telegram), progress=rebuild_once)
    assert rebuilt["done"] and mastodon.uploads and telegram.photos
    approved = set(made.files.values())
    assert set(mastodon.uploads) <= approved and set(telegram.photos) <= approved
    # The texts sent are the approved ones too.
    sent = {s["text"] for s in mastodon.statuses.values()} | {
        m.get("caption") or m.get("text") for m in telegram.messages.values()
    }
    assert sent <= {p.text for p in made.posts.values()}


def test_a_card_changed_after_approval_is_named_and_nothing_is_sent(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    folder = folder_of(proj)
    made = approval.approve(folder, "Alena K.")
    card = sorted(made.files)[0]
    (folder / card).write_bytes((folder / card).read_bytes() + b"\0")
    with pytest.raises(ApprovalError, match=f"{card} changed"):
        publish(proj, "mastodon,telegram", platform_env(None, mastodon, telegram))
    assert not mastodon.requests and not telegram.requests


# --- a thread is one unit -------------------------------------------------------------------


def thread_parts(root: Path, platform: str) -> list[dict[str, Any]]:
    return sorted(
        (p for p in posts_json(root) if p["platform"] == platform and p["kind"] == "thread"),
        key=lambda p: p["part"],
    )


def begin_thread_then_stop(root: Path, env: dict[str, str], mastodon: FakeMastodon) -> None:
    """Publish Mastodon until the thread's second part is refused: the thread is begun."""
    real = mastodon.handle
    calls = {"thread": 0}
    firsts = {p["api_text"] for p in thread_parts(root, "mastodon")[1:2]}

    def refuse_second_part(path: str, headers: Any, fields: Any, files: Any) -> Any:
        if path == "/api/v1/statuses" and fields.get("status") in firsts:
            calls["thread"] += 1
            return 503, {"error": "unavailable"}, {}
        return real(path, headers, fields, files)

    mastodon.handle = refuse_second_part  # type: ignore[method-assign]
    with pytest.raises(PublishError):
        publish(root, "mastodon", env)
    mastodon.handle = real  # type: ignore[method-assign]


def test_a_thread_begun_under_one_approval_is_not_continued_under_another(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    assert len(thread_parts(proj, "mastodon")) >= 2
    env = platform_env(None, mastodon, telegram)
    folder = folder_of(proj)
    first = approval.approve(folder, "Alena K.")
    begin_thread_then_stop(proj, env, mastodon)
    old_texts = {s["text"] for s in mastodon.statuses.values()}
    # A woman of the roll call is released; the kit is rebuilt and approved again.
    release(proj, NAMES[-1][0].lower() + "-hanna")
    build(proj)
    second = approval.approve(folder, "Alena K.")
    assert second.threads["mastodon:en:thread"] != first.threads["mastodon:en:thread"]
    before = len(mastodon.statuses)
    result = campaign_kit(proj, "publish", "--platform", "mastodon", env=env)
    assert result.exit_code == 1
    assert "thread mastodon:en:thread was begun under approval" in result.output
    assert "--restart-thread mastodon:en:thread" in result.output and "Traceback" not in result.output
    new_thread = {p["api_text"] for p in thread_parts(proj, "mastodon")}
    statuses = list(mastodon.statuses.values())[before:]
    assert not any(s["text"] in new_thread for s in statuses)  # no part of the new thread went out
    # The person restarts it: the whole roll call as approved now goes out as a new thread.
    restarted = campaign_kit(
        proj, "publish", "--platform", "mastodon", "--restart-thread", "mastodon:en:thread", env=env
    )
    assert restarted.exit_code == 0, restarted.output
    chain = [
        next(s for s in mastodon.statuses.values() if s["text"] == p["api_text"])
        for p in thread_parts(proj, "mastodon")
    ]
    assert chain[0]["in_reply_to_id"] is None and not {s["text"] for s in chain} & (old_texts - new_thread)
    for before_status, after in zip(chain, chain[1:], strict=False):
        assert after["in_reply_to_id"] == before_status["id"]
    ledger = json.loads((folder / "published.json").read_text(encoding="utf-8"))
    abandoned = ledger["threads"]["mastodon:en:thread"]["abandoned"][0]["entries"]
    assert "mastodon:en:thread:1" in abandoned and abandoned["mastodon:en:thread:1"]["state"] == "done"
    assert campaign_kit(proj, "publish", "--platform", "mastodon", env=env).exit_code == 0


def test_a_thread_continues_under_a_new_approval_of_the_same_thread(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    env = platform_env(None, mastodon, telegram)
    folder = folder_of(proj)
    first = approval.approve(folder, "Alena K.")
    begin_thread_then_stop(proj, env, mastodon)
    second = approval.approve(folder, "Olga M.")  # the same kit reviewed again
    assert second.id != first.id and second.threads == first.threads
    report = publish(proj, "mastodon", env)
    assert not report.stopped
    parts = thread_parts(proj, "mastodon")
    texts = [s["text"] for s in mastodon.statuses.values()]
    assert all(texts.count(p["api_text"]) == 1 for p in parts)


def test_restart_thread_refuses_a_thread_that_is_not_stopped(
    proj: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    approval.approve(folder_of(proj), "Alena K.")
    env = platform_env(None, mastodon, telegram)
    with pytest.raises(PublishError, match="is not stopped"):
        publish(proj, "mastodon", env, restart_threads=("mastodon:en:thread",))
    with pytest.raises(PublishError, match="is not a thread being published"):
        publish(proj, "mastodon", env, restart_threads=("mastodon:xx:thread",))


def test_a_restarted_bluesky_thread_gets_new_record_keys(
    proj: Path, pds: Any, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    env = platform_env(pds, mastodon, telegram)
    folder = folder_of(proj)
    approval.approve(folder, "Alena K.")
    assert publish(proj, "bluesky", env).published
    old = {r["uri"] for r in pds.records()}
    release(proj, NAMES[-1][0].lower() + "-hanna")
    build(proj)
    approval.approve(folder, "Alena K.")
    report = publish(proj, "bluesky", env)
    assert "bluesky:en:thread" in report.stopped
    report = publish(proj, "bluesky", env, restart_threads=("bluesky:en:thread",))
    assert report.restarted == ["bluesky:en:thread"]
    parts = thread_parts(proj, "bluesky")
    new = {r["uri"]: r for r in pds.records() if r["uri"] not in old}
    texts = sorted(r["value"]["text"] for r in new.values())
    assert texts == sorted(p["api_text"] for p in parts)
    assert not any(uri.endswith("/" + record_key("mothers", CYCLE, "bluesky:en:thread:1")) for uri in new)


# --- nothing under out/ through a link ------------------------------------------------------


def test_a_private_photo_linked_in_as_a_card_is_never_approved_or_sent(
    proj: Path, tmp_path: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    folder = folder_of(proj)
    private = tmp_path / "private-photo.png"
    card = next(p["card"] for p in posts_json(proj) if p["platform"] == "telegram" and p["card"])
    private.write_bytes((folder / card).read_bytes())  # same bytes: only the link is wrong
    original = (folder / card).read_bytes()
    (folder / card).unlink()
    (folder / card).symlink_to(private)
    result = campaign_kit(proj, "approve", "--by", "Alena K.")
    assert result.exit_code == 1 and f"{card}: is a symbolic link" in result.output
    assert not (folder / "approval.json").exists()
    # Linked in after the approval: publish refuses it by name and sends nothing.
    (folder / card).unlink()
    (folder / card).write_bytes(original)
    approval.approve(folder, "Alena K.")
    (folder / card).unlink()
    (folder / card).symlink_to(private)
    with pytest.raises(BuildError, match="is a symbolic link"):
        publish(proj, "mastodon,telegram", platform_env(None, mastodon, telegram))
    assert not telegram.photos and not mastodon.uploads


def test_a_planted_publish_lock_link_creates_nothing_outside_out(
    proj: Path, tmp_path: Path, mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    folder = folder_of(proj)
    approval.approve(folder, "Alena K.")
    victim = tmp_path / "elsewhere" / "created-by-publish"
    victim.parent.mkdir()
    (folder / ".publish.lock").symlink_to(victim)
    with pytest.raises(PublishError, match=r"\.publish\.lock: is a symbolic link"):
        publish(proj, "telegram", platform_env(None, mastodon, telegram))
    assert not victim.exists() and not telegram.requests


@pytest.mark.parametrize("linked", ["approval.json", "published.json"])
def test_approval_and_ledger_are_never_read_or_written_through_a_link(
    proj: Path, tmp_path: Path, mastodon: FakeMastodon, telegram: FakeTelegram, linked: str
) -> None:
    folder = folder_of(proj)
    approval.approve(folder, "Alena K.")
    outside = tmp_path / f"outside-{linked}"
    outside.write_bytes((folder / linked).read_bytes() if (folder / linked).exists() else b"{}")
    before = outside.read_bytes()
    (folder / linked).unlink(missing_ok=True)
    (folder / linked).symlink_to(outside)
    with pytest.raises(BuildError, match="is a symbolic link"):
        publish(proj, "telegram", platform_env(None, mastodon, telegram))
    assert outside.read_bytes() == before and not telegram.requests


def test_a_linked_cycle_folder_is_not_approved(proj: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    shutil.move(str(folder_of(proj)), elsewhere)
    os.symlink(elsewhere, folder_of(proj), target_is_directory=True)
    result = campaign_kit(proj, "approve", "--by", "Alena K.")
    assert result.exit_code == 1 and "is a symbolic link" in result.output
    assert not (elsewhere / "approval.json").exists()


def test_push_sends_nothing_read_through_a_linked_cycle_folder(
    proj: Path,
    tmp_path: Path,
    server,  # noqa: F811  (test_esp's listmonk stand-in)
) -> None:
    handler, url = server
    add_postal_address(proj)
    toml = proj / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + LISTMONK_TOML, encoding="utf-8")
    build(proj, "--only", "newsletter", "--asset-base-url", BASE)
    elsewhere = tmp_path / "elsewhere"
    shutil.move(str(folder_of(proj)), elsewhere)
    os.symlink(elsewhere, folder_of(proj), target_is_directory=True)
    result = campaign_kit(proj, "newsletter", "push", "--esp", "listmonk", "--lang", "en", env=esp_env(url))
    assert result.exit_code == 1 and "is a symbolic link" in result.output
    assert not handler.log and not (elsewhere / "esp").exists()
