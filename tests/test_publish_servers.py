"""The platform stand-ins of ``standins.py`` behave as the documented APIs do."""

from __future__ import annotations

import requests

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
