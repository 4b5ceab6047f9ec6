"""The platform stand-ins of ``standins.py`` behave as the documented APIs do, and
``publish_kit.tally`` finds every way a post can be wrong on them."""

from __future__ import annotations

import collections
from typing import Any

import requests

from publish_kit import tally
from standins import MASTODON_TOKEN, TELEGRAM_TOKEN, FakeMastodon, FakeTelegram


def test_fake_mastodon_idempotency_key_returns_the_same_status(mastodon: FakeMastodon) -> None:
    headers = {"Authorization": f"Bearer {MASTODON_TOKEN}", "Idempotency-Key": "k1"}
    url = f"{mastodon.url}/api/v1/statuses"
    a = requests.post(url, data={"status": "hello"}, headers=headers, timeout=5).json()
    b = requests.post(url, data={"status": "hello"}, headers=headers, timeout=5).json()
    assert a["id"] == b["id"] and len(mastodon.statuses) == 1
    bad = requests.post(url, data={"status": "x"}, headers={"Authorization": "Bearer nope"}, timeout=5)
    assert bad.status_code == 401


def test_fake_telegram_refuses_a_long_caption_and_a_wrong_token(telegram: FakeTelegram) -> None:
    base = f"{telegram.url}/bot{TELEGRAM_TOKEN}"
    long = requests.post(f"{base}/sendPhoto", data={"chat_id": "@c", "caption": "я" * 1025}, timeout=5)
    assert long.status_code == 400 and "too long" in long.json()["description"]
    ok = requests.post(f"{base}/sendMessage", data={"chat_id": "@c", "text": "hi"}, timeout=5).json()
    assert ok["ok"] and ok["result"]["message_id"] == 1
    wrong = requests.post(
        f"{telegram.url}/botWRONG/sendMessage", data={"chat_id": "@c", "text": "x"}, timeout=5
    )
    assert wrong.status_code == 401


def test_tally_counts_duplicates_losses_wrong_texts_and_broken_chains(
    mastodon: FakeMastodon, telegram: FakeTelegram
) -> None:
    def part(n: int) -> dict[str, Any]:
        return {"kind": "thread", "lang": "en", "part": n, "api_text": f"part {n}"}

    expected = {
        "mastodon:en:a": {"kind": "post", "lang": "en", "api_text": "A"},
        "mastodon:en:b": {"kind": "post", "lang": "en", "api_text": "B"},
        **{f"mastodon:en:thread:{n}": part(n) for n in (1, 2, 3)},
        "telegram:en:a": {"kind": "post", "lang": "en", "api_text": "A"},
    }

    def status(sid: str, text: str, reply: str | None = None) -> None:
        mastodon.statuses[sid] = {"id": sid, "text": text, "in_reply_to_id": reply}

    status("1", "part 1")
    status("2", "part 2", reply="1")
    status("3", "part 3", reply="2")
    status("4", "A")
    telegram.messages[1] = {"message_id": 1, "caption": "A"}
    platforms = ("mastodon", "telegram")
    assert +tally(expected, None, mastodon, telegram, platforms) == collections.Counter(losses=1)  # B
    status("5", "A")  # a second time
    status("6", "B")
    status("7", "not approved")
    status("3", "part 3", reply="1")  # the first part, not the second
    telegram.messages.clear()
    found = +tally(expected, None, mastodon, telegram, platforms)
    assert found == collections.Counter(duplicates=1, losses=1, **{"wrong texts": 1, "broken chains": 1})
