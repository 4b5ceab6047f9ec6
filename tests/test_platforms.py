"""Tests for campaign_kit.platforms: official twitter-text conformance data, then our own cases."""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaign_kit.errors import CampaignKitError
from campaign_kit.platforms import (
    PLATFORMS,
    X_CONFIG,
    Measure,
    XConfig,
    count_links,
    escape_linkedin,
    extract_hashtags,
    extract_urls,
    find_hashtags,
    get_platform,
    graphemes,
    hashtag_is_valid,
    image_bytes,
    mastodon_length,
    measure,
    parse_tweet,
    post_problems,
    threads_length,
    unescape_linkedin,
    utf8_bytes,
    utf16_units,
    x_weighted_length,
)

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the machine
    yaml = None

# shared/ sits beside the repository (in CI too); the conformance data is read from there.
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "twitter-text"


def _skip_reason() -> str | None:
    if not REFERENCE.is_dir():
        return f"twitter-text conformance data not found at {REFERENCE}"
    if yaml is None:
        return "PyYAML is not installed; it is needed to read the conformance YAML"
    return None


def _load(name: str) -> dict[str, Any]:
    with (REFERENCE / name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)["tests"]


def _cases(name: str, *sections: str) -> list[Any]:
    """One pytest param per conformance case, read from the YAML when the tests are collected."""
    reason = _skip_reason()
    if reason:
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=reason), id="absent")]
    tests = _load(name)
    return [
        pytest.param(section, case, id=f"{section}: {case['description']}")
        for section in sections
        for case in tests[section]
    ]


def _config(version: int) -> XConfig:
    return XConfig.from_json(REFERENCE / "config" / f"v{version}.json")


# ---------------------------------------------------------------------------------------------
# Conformance: validate.yml (weighted length), extract.yml (URLs, hashtags), tlds.yml
# ---------------------------------------------------------------------------------------------

# rb/test/conformance_test.rb runs the plain weighted test with config v2, the others with v3.
COUNTER_CONFIG = {
    "WeightedTweetsCounterTest": 2,
    "WeightedTweetsWithDiscountedEmojiCounterTest": 3,
    "UnicodeDirectionalMarkerCounterTest": 3,
}


@pytest.mark.parametrize(("section", "case"), _cases("validate.yml", *COUNTER_CONFIG))
def test_validate_weighted_length(section: str, case: dict[str, Any]) -> None:
    config = _config(COUNTER_CONFIG[section])
    result = parse_tweet(case["text"], config)
    got = {
        "weightedLength": result.weighted_length,
        "valid": result.valid,
        "permillage": result.permillage,
        "displayRangeStart": result.display_range_start,
        "displayRangeEnd": result.display_range_end,
        "validRangeStart": result.valid_range_start,
        "validRangeEnd": result.valid_range_end,
    }
    assert got == case["expected"]
    assert x_weighted_length(case["text"], config) == case["expected"]["weightedLength"]


@pytest.mark.parametrize(("section", "case"), _cases("validate.yml", "hashtags"))
def test_validate_hashtags(section: str, case: dict[str, Any]) -> None:
    assert hashtag_is_valid("x", case["text"]) is case["expected"]


@pytest.mark.parametrize(("section", "case"), _cases("extract.yml", "urls", "tco_urls_with_params"))
def test_extract_urls(section: str, case: dict[str, Any]) -> None:
    assert [u.url for u in extract_urls(case["text"])] == case["expected"]


@pytest.mark.parametrize(
    ("section", "case"),
    _cases("extract.yml", "urls_with_indices", "urls_with_directional_markers"),
)
def test_extract_urls_with_indices(section: str, case: dict[str, Any]) -> None:
    got = [{"url": u.url, "indices": [u.start, u.end]} for u in extract_urls(case["text"])]
    assert got == case["expected"]


@pytest.mark.parametrize(("section", "case"), _cases("extract.yml", "hashtags", "hashtags_from_astral"))
def test_extract_hashtags(section: str, case: dict[str, Any]) -> None:
    assert extract_hashtags("x", case["text"]) == case["expected"]


@pytest.mark.parametrize(("section", "case"), _cases("extract.yml", "hashtags_with_indices"))
def test_extract_hashtags_with_indices(section: str, case: dict[str, Any]) -> None:
    got = [{"hashtag": h.tag, "indices": [h.start, h.end]} for h in find_hashtags("x", case["text"])]
    assert got == case["expected"]


@pytest.fixture(scope="module")
def reference() -> Path:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    return REFERENCE


@pytest.mark.parametrize("section", ["generic", "country"])
def test_tlds(reference: Path, section: str) -> None:
    failures = [
        (case["text"], got)
        for case in _load("tlds.yml")[section]
        if (got := [u.url for u in extract_urls(case["text"])]) != case["expected"]
    ]
    assert failures == []


def test_shipped_tld_list_matches_conformance_data(reference: Path) -> None:
    from campaign_kit.platforms import _tlds  # the packaged list, compared with its source

    tests = _load("tlds.yml")
    from_yaml = tuple(
        tuple(case["text"].removeprefix("https://twitter.") for case in tests[section])
        for section in ("generic", "country")
    )
    assert _tlds() == from_yaml


def test_builtin_config_is_v3(reference: Path) -> None:
    assert _config(3) == X_CONFIG
    assert _config(2).emoji_parsing is False


def test_emoji_allowlist_counts_as_one_emoji(reference: Path) -> None:
    # x_emoji_allowlist.json lists multi-code-point emoji measured against the JS library; each
    # must weigh 2 here too. (Our list is a superset: it also has e.g. "⌚️", emoji + U+FE0F.)
    path = reference / "x_emoji_allowlist.json"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    allowlist = json.loads(path.read_text(encoding="utf-8"))
    assert [e for e in allowlist if x_weighted_length(e) != 2] == []


# ---------------------------------------------------------------------------------------------
# X: our own cases
# ---------------------------------------------------------------------------------------------

CYRILLIC = "Свабоду"


def test_cyrillic_weighs_one_on_x() -> None:
    assert x_weighted_length("ж" * 280) == 280
    assert measure("x", "ж" * 280).ok
    over = measure("x", "ж" * 281)
    assert not over.ok
    assert over.length == 281
    assert over.overflow == 1
    assert over.violations == ["281 weighted characters, X allows 280"]


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("№", 2),
        ("…", 2),
        ("€", 2),
        ("中", 2),
        ("’", 1),
        ("—", 1),
        ("«»", 2),
        ("\u00a0", 1),
        ("Ў", 1),
        ("ʼ", 1),
        # Emoji (and symbols that may be drawn as emoji): a whole sequence weighs 2.
        ("👩‍👩‍👧‍👦", 2),  # family, ZWJ sequence
        ("👩🏽‍⚕️", 2),  # health worker with skin tone
        ("🇧🇾", 2),
        ("🤍❤️🤍", 6),
        ("✊🏻", 2),
        ("1️⃣", 2),
        # Newer than the official library (Emoji 11): split into the parts it knows.
        ("❤️‍🔥", 5),
        ("🏳️‍⚧️", 7),
        ("♾️", 4),
        ("©", 1),
        ("©️", 2),
        ("™", 2),
        ("\r\n", 2),
    ],
)
def test_x_character_and_emoji_weights(text: str, weight: int) -> None:
    assert x_weighted_length(text) == weight


@pytest.mark.parametrize(
    "text",
    [
        "belaruswomen.org",
        "spring96.org",
        "minsk.by",
        "https://spring96.org/be/news/123456",
        "http://t.co/abcdef",
        "spring96.org/ru/news/1?lang=be",
    ],
)
def test_every_url_counts_23_on_x(text: str) -> None:
    assert x_weighted_length(text) == 23
    assert x_weighted_length(f"Пішыце: {text} 🤍") == len("Пішыце: ") + 23 + 1 + 2


def test_bare_domain_in_sentence() -> None:
    text = "Падрабязнасці на spring96.org."
    assert [u.url for u in extract_urls(text)] == ["spring96.org"]
    assert x_weighted_length(text) == len("Падрабязнасці на ") + 23 + 1
    assert count_links("a.com b.com https://c.org/x") == 3


def test_zwj_sequence_without_emoji_parsing_weighs_each_code_point() -> None:
    v2 = dataclasses.replace(X_CONFIG, version=2, emoji_parsing=False)
    assert x_weighted_length("👩‍👩‍👧‍👦", v2) == 4 * 2 + 3 * 1


def test_x_nfc_and_emoji_glued_to_domain() -> None:
    assert x_weighted_length("e\u0301") == 1  # é after NFC
    # The official library sees the heart's low surrogate as part of the domain; still 23.
    assert x_weighted_length("🤍❤️🤍spring96.org") == 6 + 23


def test_x_invalid_characters() -> None:
    result = parse_tweet("ok\ufeff")
    assert not result.valid
    assert measure("x", "ok\ufeff").violations == ["contains U+FEFF, which X rejects"]
    assert not parse_tweet("").valid


def test_xconfig_from_json_errors() -> None:
    with pytest.raises(CampaignKitError):
        XConfig.from_json('{"version": 3}')
    minimal = {"version": 3, "maxWeightedTweetLength": 280, "scale": 100, "defaultWeight": 200}
    assert XConfig.from_json(minimal).transformed_url_length == 23


# ---------------------------------------------------------------------------------------------
# Other platforms
# ---------------------------------------------------------------------------------------------


def test_units() -> None:
    assert graphemes("👩‍👩‍👧") == 1
    assert graphemes("e\u0301") == 1
    assert utf16_units("😀") == 2
    assert utf16_units("ж") == 1
    assert utf8_bytes("😀") == 4
    assert utf8_bytes("ж") == 2


def test_bluesky_graphemes_and_bytes() -> None:
    cyrillic = "ж" * 300
    fine = measure("bluesky", cyrillic)
    assert (fine.length, utf8_bytes(cyrillic), fine.ok) == (300, 600, True)
    assert measure("bluesky", cyrillic + "ж").violations == ["301 graphemes, Bluesky allows 300"]
    # 300 graphemes, but 180 × 2 + 120 × 25 = 3,360 bytes: the byte limit binds.
    family = "👨‍👩‍👧‍👦"
    assert utf8_bytes(family) == 25
    heavy = "ж" * 180 + family * 120
    result = measure("bluesky", heavy)
    assert result.length == 300
    assert not result.ok
    assert result.violations == ["3,360 UTF-8 bytes, Bluesky allows 3,000"]


def test_telegram_counts_utf16_units() -> None:
    assert measure("telegram", "😀" * 512).ok  # 1,024 units
    caption = measure("telegram", "😀" * 513)
    assert (caption.length, caption.limit) == (1026, 1024)
    assert caption.violations == ["1,026 UTF-16 units, Telegram allows 1,024"]
    message = measure("telegram", "😀" * 513, media=False)
    assert (message.ok, message.limit) == (True, 4096)
    assert measure("telegram", "ж" * 1024).ok
    assert not PLATFORMS["telegram"].alt_text


def test_mastodon_length() -> None:
    url = "https://spring96.org/be/news/123456789"
    assert mastodon_length(url) == 23
    assert mastodon_length("spring96.org") == len("spring96.org")  # no protocol, no discount
    assert mastodon_length("@ales@mastodon.social") == len("@ales")
    assert mastodon_length("👩‍👩‍👧 " + url) == 1 + 1 + 23
    assert measure("mastodon", "ж" * 477 + " " + url).length == 501


def test_threads_counts_emoji_as_bytes_and_limits_links_and_tags() -> None:
    assert threads_length("ж" * 10) == 10
    assert threads_length("❤️") == 6
    assert threads_length("🇧🇾") == 8
    assert threads_length("Hi 👩‍👩‍👧") == 3 + 18
    assert measure("threads", "ж" * 490 + "🤍" * 3).violations == ["502 characters, Threads allows 500"]
    links = " ".join(f"https://example{i}.org" for i in range(6))
    assert measure("threads", links).violations == ["6 links, Threads allows 5"]
    assert measure("threads", "#Belarus #Freedom").violations == ["2 topic tags, Threads allows 1"]
    assert measure("threads", "#FreeBelarus").ok


def test_instagram_hashtag_limit() -> None:
    tags = " ".join(f"#Tag{i}" for i in range(7))
    assert measure("instagram", tags).violations == ["7 hashtags, Instagram allows 5"]
    assert measure("instagram", " ".join(f"#Tag{i}" for i in range(5))).ok


def test_linkedin_escaping() -> None:
    text = "Write (today) to name@mail.by: *urgent* [1] {x} <y> a|b ~ c_d \\ #FreeBelarus_2025"
    url = " https://example.com/a_(b)"
    escaped = escape_linkedin(text + url)
    assert escaped == (
        r"Write \(today\) to name\@mail.by: \*urgent\* \[1\] \{x\} \<y\> a\|b \~ c\_d \\ "
        "#FreeBelarus_2025 https://example.com/a_(b)"
    )
    assert unescape_linkedin(escaped) == text + url
    assert PLATFORMS["linkedin"].escape is escape_linkedin
    # The limit is held against the escaped text, which is what the API receives.
    assert measure("linkedin", "(" * 1500).length == 3000
    assert not measure("linkedin", "(" * 1501).ok


def test_facebook_and_platform_table() -> None:
    expected = {
        "x": (280, 1000, None, None),
        "bluesky": (300, 2000, None, None),
        "mastodon": (500, 1500, None, None),
        "threads": (500, 1000, 1, 5),
        "instagram": (2200, None, 5, None),
        "facebook": (63206, None, None, None),
        "linkedin": (3000, None, None, None),
        "telegram": (1024, None, None, None),
    }
    got = {
        name: (p.text_limit, p.alt_text_limit, p.max_hashtags, p.max_links) for name, p in PLATFORMS.items()
    }
    assert got == expected
    assert PLATFORMS["bluesky"].byte_limit == 3000
    assert measure("facebook", "ж" * 63206).ok
    with pytest.raises(dataclasses.FrozenInstanceError):
        PLATFORMS["x"].text_limit = 1  # type: ignore[misc]


def test_unknown_platform() -> None:
    with pytest.raises(CampaignKitError, match="unknown platform 'myspace'"):
        measure("myspace", "hi")
    assert get_platform(" Bluesky ") is PLATFORMS["bluesky"]
    with pytest.raises(CampaignKitError):
        extract_hashtags("orkut", "#x")


# ---------------------------------------------------------------------------------------------
# Hashtags
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["x", "mastodon"])
def test_apostrophe_and_hyphen_end_tags_on_x_and_mastodon(platform: str) -> None:
    assert extract_hashtags(platform, "#Дар’яЛосік #Шарэнда-Панасюк #Дарʼя") == [
        "Дар",
        "Шарэнда",
        "Дарʼя",  # U+02BC is a letter
    ]
    assert not hashtag_is_valid(platform, "#Дар’яЛосік")
    assert not hashtag_is_valid(platform, "Шарэнда-Панасюк")


def test_bluesky_keeps_apostrophe_hyphen_and_emoji() -> None:
    text = "#Дар’яЛосік, #Шарэнда-Панасюк! #123 #🦋 x#no"
    assert extract_hashtags("bluesky", text) == ["Дар’яЛосік", "Шарэнда-Панасюк", "🦋"]
    assert hashtag_is_valid("bluesky", "Шарэнда-Панасюк")


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
@pytest.mark.parametrize("tag", ["#СвабодуПалітвязням", "FreeMaryiaKalesnikava", "#Belarus2025"])
def test_pascal_case_tags_are_valid_everywhere(platform: str, tag: str) -> None:
    assert hashtag_is_valid(platform, tag)


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_tags_without_a_letter_are_invalid(platform: str) -> None:
    assert not hashtag_is_valid(platform, "#2025")
    assert not hashtag_is_valid(platform, "#")


def test_hashtags_inside_urls_and_words_are_not_tags() -> None:
    text = "See spring96.org/#news, C#, and #Belarus."
    for platform in ("x", "instagram", "linkedin", "telegram", "facebook"):
        assert extract_hashtags(platform, text) == ["Belarus"], platform


def test_threads_topic_tag_rules() -> None:
    assert extract_hashtags("threads", "#Free.Belarus #R&D #Тэг!") == ["Free", "R", "Тэг"]
    assert not hashtag_is_valid("threads", "#Free.Belarus")
    assert not hashtag_is_valid("threads", "#" + "a" * 51)


def test_the_publishers_limits_come_from_the_table() -> None:
    # One table: what publish refuses is what measure() reports, with the alt text too.
    assert post_problems("bluesky", "a" * 300) == []
    assert post_problems("bluesky", "a" * 301) == ["301 graphemes, Bluesky allows 300"]
    too_long = "image description of 1,501 characters, Mastodon allows 1,500"
    assert post_problems("mastodon", "x", "d" * 1501) == [too_long]
    assert post_problems("telegram", "a" * 2000, media=False) == []
    assert post_problems("telegram", "a" * 2000) == ["2,000 UTF-16 units, Telegram allows 1,024"]
    assert [name for name, p in PLATFORMS.items() if p.publishes] == ["bluesky", "mastodon", "telegram"]
    assert image_bytes("bluesky") == 1_000_000


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

LINKEDIN_ALPHABET = st.sampled_from(
    list("\\|{}@[]()<>#*_~") + list("abc ж:/.-'") + ["https://", ".org", "#Tag", "@x", "\n"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(LINKEDIN_ALPHABET, max_size=30).map("".join))
def test_linkedin_escape_round_trip(text: str) -> None:
    escaped = escape_linkedin(text)
    assert unescape_linkedin(escaped) == text
    assert len(escaped) >= len(text)


# Code points up to U+10FF weigh 1 and are never an emoji alone; no "." means no URL.
WEIGHT_ONE = st.characters(min_codepoint=0x20, max_codepoint=0x10FF, exclude_characters=".")


@settings(max_examples=150, deadline=None)
@given(st.text(WEIGHT_ONE, max_size=60), st.text("中№…😀", max_size=10))
def test_x_weights_without_urls_add_up(plain: str, heavy: str) -> None:
    normalized = unicodedata.normalize("NFC", plain)
    expected = sum(1 if ord(c) <= 0x10FF else 2 for c in normalized)
    assert x_weighted_length(plain) == expected
    # Appending weight-2 characters after a space adds exactly their weight.
    assert x_weighted_length(plain + " " + heavy) == expected + 1 + 2 * len(heavy)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80), st.sampled_from(sorted(PLATFORMS)))
def test_measure_is_consistent(text: str, platform: str) -> None:
    result = measure(platform, text)
    assert isinstance(result, Measure)
    assert result.ok == (not result.violations)
    assert (result.length > result.limit) == (result.overflow > 0)
    if result.length > result.limit:
        assert not result.ok
    assert threads_length(text) >= graphemes(text)


# Pieces URLs are made of, so random texts hold many near-URLs, spaces of every kind included.
URL_PIECES = st.sampled_from(
    [
        "https://",
        "http://",
        "www.",
        "spring96",
        ".org",
        ".by",
        ".com",
        ".co",
        "t.co/",
        "/news",
        "?a=1",
        "#x",
        "(x)",
        "@",
        "-",
        "_",
        ".",
        ":",
        "/",
        " ",
        "\u00a0",
        "\u3000",
        "\u2028",
        "\n",
        "\u202e",
        "\ufeff",
        "😀",
        "ў",
        "мінск",
        ".бел",
        "xn--80a",
        "a",
        "Z",
        "9",
        "'",
        '"',
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(URL_PIECES, max_size=25).map("".join), st.booleans())
def test_find_urls_per_run_equals_the_grammar_on_the_whole_text(text: str, bare: bool) -> None:
    # _find_urls runs the grammar on each space-free run; the library runs it on the whole
    # text. Both must find the same URLs at the same indices.
    from campaign_kit.platforms import _find_urls, _find_urls_in_run, _to_utf16

    units = _to_utf16(text)
    whole: list[tuple[str, int, int]] = []
    _find_urls_in_run(units, 0, bare, whole)
    assert _find_urls(units, bare) == whole
