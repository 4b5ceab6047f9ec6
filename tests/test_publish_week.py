"""A week posted by the plan: each language from its own account, each post on its day, once.

The real local PDS (``scripts/pds.sh``) holds two Bluesky accounts, one for English and one for
Belarusian and Russian; Telegram (the stand-in of ``standins.py``) carries
Belarusian and Russian only, so English is skipped there as "no account". ``publish --until``
simulates the days of the week, as a timer running it every few minutes would see them.
Every address is on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import keyring
import pytest
from click.testing import CliRunner
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from campaign_kit.cli import cli
from campaign_kit.publish import approval
from conftest import copy_project, named, own_copy, person, write_roster
from publish_kit import (
    CAMPAIGN_TOML,
    account,
    build_kit,
    campaign_kit,
    folder_of,
    posts_json,
    strip_tables,
    table,
)
from standins import PDS_PASSWORD, TELEGRAM_CHAT, TELEGRAM_TOKEN, FakeTelegram, Pds

MONDAY = dt.date(2026, 11, 30)  # the first day of publish_kit.CYCLE
SECOND_HANDLE = "kit-by.test"


class MemoryKeyring(KeyringBackend):
    """A system keyring in memory, so no test touches the machine's own."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise PasswordDeleteError(username)
        del self.store[(service, username)]


@pytest.fixture
def memory_keyring():
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


# Made-up mothers: id; names as on a list (Latin, Belarusian, Russian); children; sentence in months.
MOTHERS = [
    ("tsitou-maryia", "TSITOU Maryia", "ЦІТОЎ Марыя", "ТИТОВ Мария", 2, 36),
    ("kavaleva-iryna", "KAVALEVA Iryna", "КАВАЛЁВА Ірына", "КОВАЛЁВА Ирина", 3, 48),
    ("lukashuk-volha", "LUKASHUK Volha", "ЛУКАШУК Вольга", "ЛУКАШУК Ольга", 1, 60),
    ("marozava-alena", "MAROZAVA Alena", "МАРОЗАВА Алена", "МОРОЗОВА Елена", 2, 72),
    ("savich-nina", "SAVICH Nina", "САВІЧ Ніна", "САВИЧ Нина", 3, 84),
]


def women() -> list[dict[str, Any]]:
    """Six mothers: five featured (one a weekday), six in the roll call (a thread of parts)."""
    return [person()] + [
        named(pid, latin, be, ru, children=children, sentence_months=months)
        for pid, latin, be, ru, children, months in MOTHERS
    ]


def campaign_toml(pds: Pds) -> str:
    """The repository's campaign.toml with a posting plan: two Bluesky accounts, one Telegram chat."""
    plan = (
        table(
            "schedule", timezone="Europe/Vilnius", days=["mon", "tue", "wed", "thu", "fri"], roll_call="sun"
        )
        + table("schedule.times", bluesky="10:00", telegram="12:00")
        + account("bluesky", ["en"], handle=pds.handle, service=pds.url, secret="KIT_BSKY_EN")
        + account("bluesky", ["be", "ru"], handle=SECOND_HANDLE, service=pds.url, secret="KIT_BSKY_BY")
        + account("telegram", ["be", "ru"], chat=TELEGRAM_CHAT, secret="KIT_TELEGRAM")
    )
    return strip_tables(CAMPAIGN_TOML, "schedule", "accounts") + plan


@pytest.fixture(scope="module")
def pds(pds: Pds) -> Pds:
    """The module's PDS with a second account, for Belarusian and Russian."""
    from atproto import Client, models

    client = Client(base_url=f"{pds.url}/xrpc")
    made = client.com.atproto.server.create_account(
        models.ComAtprotoServerCreateAccount.Data(
            handle=SECOND_HANDLE, email="by@kit.test", password=PDS_PASSWORD
        )
    )
    pds.second_did = made.did  # type: ignore[attr-defined]
    return pds


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, pds: Pds) -> Path:
    """The week's kit, built and approved once for the module."""
    root = copy_project(tmp_path_factory.mktemp("week") / "proj", roster=None)
    (root / "campaign.toml").write_text(campaign_toml(pds), encoding="utf-8")
    write_roster(root, women())
    build_kit(root)
    approval.approve(folder_of(root), "Alena K.")
    return root


@pytest.fixture
def proj(built: Path, tmp_path: Path) -> Path:
    """A test's own copy of the built, approved kit (a build is deterministic: a copy is the same)."""
    return own_copy(built, tmp_path)


def records(pds: Pds, did: str) -> dict[str, dict[str, Any]]:
    """uri -> record value, every post in the repo of ``did``."""
    return {r["uri"]: r["value"] for r in pds.records(did)}


def test_a_week_goes_out_day_by_day_each_language_from_its_account(
    proj: Path, pds: Pds, telegram: FakeTelegram, memory_keyring: MemoryKeyring
) -> None:
    en_did, by_did = pds.did, pds.second_did  # type: ignore[attr-defined]
    before = {did: set(records(pds, did)) for did in (en_did, by_did)}
    # Bluesky's app passwords from the environment; the Telegram bot token from the keyring,
    # as `login` stores it for someone who does not live in a terminal.
    login = CliRunner().invoke(
        cli, ["login", "KIT_TELEGRAM", "--project", str(proj)], input=f"{TELEGRAM_TOKEN}\n{TELEGRAM_TOKEN}\n"
    )
    assert login.exit_code == 0, login.output
    assert memory_keyring.store[("campaign-kit", "KIT_TELEGRAM")] == TELEGRAM_TOKEN
    assert TELEGRAM_TOKEN not in login.output
    env = {
        "KIT_BSKY_EN": PDS_PASSWORD,
        "KIT_BSKY_BY": PDS_PASSWORD,
        "CAMPAIGN_KIT_TELEGRAM_API": telegram.url,
    }

    posts = [p for p in posts_json(proj) if p["platform"] in ("bluesky", "telegram")]
    assert {p["account"] for p in posts if p["platform"] == "bluesky" and p["lang"] == "en"} == {
        f"bluesky:{pds.handle}"
    }
    assert {p["account"] for p in posts if p["platform"] == "telegram" and p["lang"] == "en"} == {None}

    # Monday morning, before the first post: nothing due, and it says when.
    early = campaign_kit(
        proj, "publish", "--platform", "bluesky,telegram", "--until", "2026-11-30T09:00", env=env
    )
    assert early.exit_code == 0, early.output
    assert "the next post is due at 2026-11-30T10:00:00+02:00" in early.output
    assert not telegram.requests

    seen: dict[str, set[str]] = {did: set(before[did]) for did in (en_did, by_did)}
    sent_texts: list[str] = []
    for day in range(7):
        date = MONDAY + dt.timedelta(days=day)
        result = campaign_kit(
            proj, "publish", "--platform", "bluesky,telegram", "--until", f"{date}T23:59", env=env
        )
        assert result.exit_code == 0, result.output
        assert "skipped: no account for en on telegram" in result.output
        todays = [p for p in posts if p["date"] == date.isoformat() and p["account"]]
        # Monday to Friday one woman a day; Sunday the roll-call threads; Saturday nothing.
        assert bool(todays) == (day != 5)
        assert all(dt.datetime.fromisoformat(p["due"]).date() == date for p in todays)
        new_texts: dict[str, list[str]] = {}
        for did in (en_did, by_did):
            now = records(pds, did)
            new_texts[did] = [now[uri]["text"] for uri in set(now) - seen[did]]
            seen[did] = set(now)
        expected_en = [p["api_text"] for p in todays if p["platform"] == "bluesky" and p["lang"] == "en"]
        expected_by = [p["api_text"] for p in todays if p["platform"] == "bluesky" and p["lang"] != "en"]
        assert sorted(new_texts[en_did]) == sorted(expected_en), date
        assert sorted(new_texts[by_did]) == sorted(expected_by), date
        if day < 5:
            assert len(expected_en) == 1 and len(expected_by) == 2  # one woman, in en and in be/ru
        sent_texts += new_texts[en_did] + new_texts[by_did]

    # Each post went out once, on its account; nothing is left, and a further run sends nothing.
    bluesky_posts = [p for p in posts if p["platform"] == "bluesky"]
    assert sorted(sent_texts) == sorted(p["api_text"] for p in bluesky_posts)
    done = campaign_kit(proj, "publish", "--platform", "bluesky,telegram", env=env)
    assert done.exit_code == 0 and "nothing left to send" in done.output
    assert {did: set(records(pds, did)) for did in (en_did, by_did)} == seen

    # The roll-call threads: parts in order, each replying to the one before, on their account.
    for lang, did in (("en", en_did), ("be", by_did), ("ru", by_did)):
        parts = sorted(
            (p for p in bluesky_posts if p["kind"] == "thread" and p["lang"] == lang), key=lambda p: p["part"]
        )
        assert len(parts) > 1 and parts[0]["date"] == "2026-12-06"
        repo = records(pds, did)
        by_text = {value["text"]: uri for uri, value in repo.items()}
        uris = [by_text[p["api_text"]] for p in parts]
        assert "reply" not in repo[uris[0]]
        for n in range(1, len(uris)):
            reply = repo[uris[n]]["reply"]
            assert reply["parent"]["uri"] == uris[n - 1] and reply["root"]["uri"] == uris[0]

    # Telegram: Belarusian and Russian only, into the account's chat; the roll call on Sunday.
    tg_posts = [p for p in posts if p["platform"] == "telegram" and p["account"]]
    assert {p["lang"] for p in tg_posts} == {"be", "ru"}
    got = [m.get("caption", m.get("text")) for m in telegram.messages.values()]
    assert sorted(got) == sorted(p["api_text"] for p in tg_posts)
    assert {m["chat"]["username"] for m in telegram.messages.values()} == {TELEGRAM_CHAT.lstrip("@")}
    assert any(p["kind"] == "thread" for p in tg_posts)


def test_the_dry_run_needs_no_credentials_and_shows_the_plan(proj: Path, pds: Pds) -> None:
    result = campaign_kit(
        proj, "publish", "--platform", "bluesky,telegram", "--dry-run", "--until", "2026-12-01", env={}
    )
    assert result.exit_code == 0, result.output
    out = result.output
    first = next(p for p in posts_json(proj) if p["platform"] == "bluesky" and p["lang"] == "en")
    assert f"2026-11-30T10:00:00+02:00  bluesky:en:{first['id']}" in out
    assert f"account: bluesky:{pds.handle}" in out and f"account: bluesky:{SECOND_HANDLE}" in out
    assert f"card: {first['card']}" in out
    assert "  | " + first["api_text"].splitlines()[0] in out
    assert "skip: no account for en on telegram" in out
    assert "wait: not due yet" in out and "send" in out
    assert "next due at 2026-12-02T10:00:00+02:00" in out
    assert PDS_PASSWORD not in out
    assert not (folder_of(proj) / "published.json").exists()
    as_json = campaign_kit(proj, "publish", "--platform", "telegram", "--dry-run", "--json", env={})
    data = json.loads(as_json.stdout)
    rows = {r["key"]: r for r in data["posts"]}
    assert all(r["account"] is None for k, r in rows.items() if k.startswith("telegram:en:"))
    assert rows[f"telegram:be:{first['id']}"]["account"] == f"telegram:{TELEGRAM_CHAT}"


def test_a_missing_secret_is_named_and_stops_only_its_account(
    proj: Path, pds: Pds, telegram: FakeTelegram, memory_keyring: MemoryKeyring
) -> None:
    env = {"KIT_BSKY_EN": PDS_PASSWORD, "CAMPAIGN_KIT_TELEGRAM_API": telegram.url}
    result = campaign_kit(
        proj, "publish", "--platform", "bluesky", "--lang", "be", "--until", "2026-11-30T23:00", env=env
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (
        "its secret KIT_BSKY_BY is neither an environment variable nor in the system keyring" in result.output
    )
    assert "campaign-kit login KIT_BSKY_BY" in result.output
    ok = campaign_kit(
        proj, "publish", "--platform", "bluesky", "--lang", "en", "--until", "2026-11-30T23:00", env=env
    )
    assert ok.exit_code == 0 and "1 published" in ok.output


def test_login_finds_the_account_and_refuses_what_it_cannot_store(
    proj: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    unknown = CliRunner().invoke(cli, ["login", "nobody", "--project", str(proj)], input="x\nx\n")
    assert (
        unknown.exit_code == 1 and "no account 'nobody'" in unknown.output and "KIT_BSKY_EN" in unknown.output
    )
    by_handle = CliRunner().invoke(
        cli, ["login", SECOND_HANDLE, "--project", str(proj)], input="s3cret!\ns3cret!\n"
    )
    assert by_handle.exit_code == 0 and memory_keyring.store[("campaign-kit", "KIT_BSKY_BY")] == "s3cret!"
    assert "s3cret!" not in by_handle.output
    forget = CliRunner().invoke(cli, ["login", "KIT_BSKY_BY", "--forget", "--project", str(proj)])
    assert forget.exit_code == 0 and ("campaign-kit", "KIT_BSKY_BY") not in memory_keyring.store
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    none = CliRunner().invoke(cli, ["login", "KIT_BSKY_BY", "--project", str(proj)], input="abcd\nabcd\n")
    assert none.exit_code == 1 and "cannot store KIT_BSKY_BY in the system keyring" in none.output
    assert "abcd" not in none.output and "Traceback" not in none.output
    assert "Example" in CliRunner().invoke(cli, ["login", "--help"]).output


def test_everything_sends_the_whole_week_now_and_once(proj: Path, pds: Pds, telegram: FakeTelegram) -> None:
    env = {"KIT_TELEGRAM": TELEGRAM_TOKEN, "CAMPAIGN_KIT_TELEGRAM_API": telegram.url}
    # The week is not due yet on Monday morning: without --everything nothing goes.
    early = campaign_kit(proj, "publish", "--platform", "telegram", "--until", "2026-11-30T08:00", env=env)
    assert early.exit_code == 0 and not telegram.requests
    result = campaign_kit(proj, "publish", "--platform", "telegram", "--everything", env=env)
    assert result.exit_code == 0, result.output
    want = [p for p in posts_json(proj) if p["platform"] == "telegram" and p["account"]]
    got = [m.get("caption", m.get("text")) for m in telegram.messages.values()]
    assert sorted(got) == sorted(p["api_text"] for p in want) and len(want) == 5 * 2 + 2
    # In the week's order: Monday's women first, the Sunday roll call last.
    assert got[-1] in {p["api_text"] for p in want if p["kind"] == "thread"}
    again = campaign_kit(proj, "publish", "--platform", "telegram", "--everything", env=env)
    assert again.exit_code == 0 and len(telegram.messages) == len(want)
