"""The long-form appeal: the roll call beside the published list, three languages, escaping."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest

from campaign_kit.campaign import facts
from campaign_kit.campaign.locale import load_locale
from campaign_kit.render.appeal import render_appeal
from campaign_kit.roster import Roster, load_roster
from conftest import HOSTILE, REPO, SAMPLE_ROSTER, TEMPLATES, hostile_roster, make_ctx, plain

SEED = REPO.parent / "shared" / "seed" / "mothers-of-minor-children.txt"
LANGS = ("en", "be", "ru")


@pytest.fixture(scope="module")
def rendered() -> dict[str, dict[str, str]]:
    # The words, with no-break spaces as spaces (the typography has tests of its own).
    return {
        lang: {k: plain(v) for k, v in render_appeal(make_ctx(lang), TEMPLATES).items()} for lang in LANGS
    }


@pytest.mark.parametrize(
    "text, out",
    [
        ("Приговорена к 2 годам", "приговорена к 2 годам"),
        ("СИЗО", "СИЗО"),
        ("Mother of 2 children", "mother of 2 children"),
        ("", ""),
    ],
)
def test_lower_first(text, out):
    assert load_locale(TEMPLATES, "en").lower_first(text) == out


def test_a_language_that_capitalises_nouns_keeps_the_capital(tmp_path):
    # German nouns keep their capital mid-sentence: "Status unbekannt", never "status unbekannt".
    from campaign_kit.campaign.locale import Locale

    t = Locale(lang="de", script="latin", table={"lower_case_mid_sentence": False}, source="de.toml")
    assert t.lower_first("Status unbekannt") == "Status unbekannt"


# --- the real roster ------------------------------------------------------------------------


def _seed_lines() -> list[tuple[str, str]]:
    """The published list's lines as (number and names, children), record 6 corrected."""
    lines = []
    for raw in SEED.read_text(encoding="utf-8").splitlines():
        m = re.match(r"(\d+)\.\s+(.*)", raw)
        if not m:
            continue
        text = " ".join(m.group(2).split()).replace("KANAVALAVA Антанина", "KANAVALAVA Antanina")
        names = re.match(r"(.+? \| \S+ \S+?),? (?:sentenced|in )", text).group(1)
        names = names.replace("ЛАЗАРЧЫК", "ЛАЗАРЧИК")  # the Russian spelling (issue 13)
        lines.append((f"{m.group(1)}. {names}, ", ": " + text.rsplit(": ", 1)[1]))
    return lines


@pytest.mark.skipif(not SEED.exists(), reason="the published seed list is not beside the repo")
def test_english_roll_call_follows_the_published_list_in_the_kits_own_words(rendered):
    ours = [line for line in rendered["en"]["txt"].splitlines() if re.match(r"\d+\. ", line)]
    seed = _seed_lines()
    assert len(ours) == len(seed) == 27
    for line, (head, tail) in zip(ours, seed, strict=True):
        assert line.startswith(head) and line.endswith(tail), (line, head, tail)
    assert ours[0] == "1. ABLAB Hanna | АБЛАБ Анна, sentenced to 11 years in a penal colony: 2 children"
    assert ours[5] == (
        "6. KANAVALAVA Antanina | КОНОВАЛОВА Антонина, "
        "sentenced to 5 years 6 months in a penal colony: 2 children"
    )
    assert ours[9].endswith("sentenced to 4 years 9 months in a penal colony: 3 children")
    assert ours[18].endswith("sentenced to an unknown term in a penal colony: 2 children")
    assert ours[22].endswith("undergoing compulsory psychiatric treatment: 1 child")
    # One wording everywhere: none of the list's shorthand.
    for kind in ("txt", "html"):
        assert not re.search(r"\b(yrs?|mnts?)\b", rendered["en"][kind])


@pytest.mark.parametrize("lang", LANGS)
def test_every_woman_and_the_totals_are_in_both_forms(rendered, lang):
    roster = load_roster(SAMPLE_ROSTER)
    for kind in ("txt", "html"):
        text = rendered[lang][kind]
        for p in roster.people:
            cyrillic = p.name_be if lang == "be" else p.name_cyrillic
            assert p.name_latin in text and cyrillic in text, (kind, p.id)
        assert "27" in text and "53" in text
        assert "#Mothers #BehindBars" in text
        assert "#FreeBelarusWomen #FreePoliticalPrisoners #FreeThemAll" in text
        assert "https://belaruswomen.org" in text
    numbered = [ln for ln in rendered[lang]["txt"].splitlines() if re.match(r"\d+\. ", ln)]
    assert [int(ln.split(".")[0]) for ln in numbered] == list(range(1, 28))


def test_counts_are_computed_not_typed():
    real = load_roster(SAMPLE_ROSTER)
    two = Roster(real.as_of, (real.people[0], real.people[6]))  # 2 + 1 children
    for lang, phrase in (
        ("en", "These 2 mothers, these 3 children"),
        ("ru", "Этим 2 матерям, этим 3 детям"),
        ("be", "Гэтым 2 маці, гэтым 3 дзецям"),
    ):
        out = {k: plain(v) for k, v in render_appeal(make_ctx(lang, two, featured=1), TEMPLATES).items()}
        assert phrase in out["txt"]
        assert "27" not in out["txt"] and "53" not in out["txt"]


def test_russian_and_belarusian_lines_read_naturally(rendered):
    ru = rendered["ru"]["txt"]
    assert "1. АБЛАБ Анна (ABLAB Hanna) — приговорена к 11 годам колонии, мать двоих детей" in ru
    assert "3. ДОМОСТОЙ Виктория (DAMASTOI Viktoryia) — находится в СИЗО, мать троих детей" in ru
    assert "приговорена к 4 годам 9 месяцам колонии" in ru
    assert "на принудительном лечении, мать одного ребёнка" in ru
    assert (
        "19. ШЕВЧИК Ольга (SHEUCHYK Volha) — приговорена к лишению свободы "
        "(срок неизвестен), мать двоих детей" in ru
    )
    assert "Список актуален на 24 ноября 2026 г.\n" in ru  # one date style, U+00A0 (B23/R27)
    be = rendered["be"]["txt"]
    assert "1. АБЛАБ Ганна (ABLAB Hanna) — асуджаная да 11 гадоў калоніі, маці дваіх дзяцей" in be
    assert "знаходзіцца ў СІЗА, маці траіх дзяцей" in be
    assert "асуджаная да 1 года калоніі" in be


def test_html_is_standalone_and_accessible(rendered):
    for lang in LANGS:
        html = rendered[lang]["html"]
        assert html.startswith("<!doctype html>")
        assert f'<html lang="{lang}">' in html
        assert '<meta charset="utf-8">' in html
        assert "<title>" in html and "<main>" in html and "<h1>" in html
        assert '<ol class="roll">' in html and html.count("<li value=") == 27
        # Nothing is fetched: no scripts, stylesheets, images, fonts or CSS imports.
        for needle in ("<script", "<link", "<img", "@import", "url(", "<iframe"):
            assert needle not in html
        assert not re.search(r'\ssrc="', html)
        hrefs = re.findall(r'href="([^"]*)"', html)
        assert all(h.startswith("https://") or h == "#roll-call" for h in hrefs), hrefs
        _wellformed(html)
    assert '<span lang="ru">АБЛАБ Анна</span>' in rendered["en"]["html"]
    assert '<span lang="be-Latn">ABLAB Hanna</span>' in rendered["ru"]["html"]


def _wellformed(html: str) -> None:
    void = {"meta", "br", "link", "img", "hr", "input"}
    stack: list[str] = []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag not in void:
                stack.append(tag)

        def handle_endtag(self, tag):
            assert stack and stack[-1] == tag, (tag, stack[-3:])
            stack.pop()

    P().feed(html)
    assert stack == []


def test_hostile_name_is_escaped_in_html_and_plain_in_text():
    for lang in LANGS:
        out = render_appeal(make_ctx(lang, hostile_roster()), TEMPLATES)
        assert HOSTILE not in out["html"]
        assert "&lt;b&gt;&amp;" in out["html"] and "<b>" not in out["html"]
        # Plain text keeps it as text; typography only makes its quote a typographic one.
        assert load_locale(TEMPLATES, lang).typeset(HOSTILE) in out["txt"]


def test_rendering_is_deterministic():
    assert render_appeal(make_ctx("be"), TEMPLATES) == render_appeal(make_ctx("be"), TEMPLATES)


def test_long_date_per_language():
    assert facts.long_date("2026-11-24", "en_GB") == "24 November 2026"
    assert facts.long_date("2026-11-24", "ru") == "24 ноября 2026\u00a0г."
    assert facts.long_date("2026-11-24", "be") == "24 лістапада 2026\u00a0г."


def test_golden_english_text(golden):
    # The bytes as published, no-break spaces and all.
    golden("appeal/en.txt", render_appeal(make_ctx("en"), TEMPLATES)["txt"])


def test_as_of_date_is_the_rosters():
    real = load_roster(SAMPLE_ROSTER)
    other = Roster(dt.date(2027, 1, 5), real.people)
    assert "List correct as of 5\u00a0January 2027." in render_appeal(make_ctx("en", other), TEMPLATES)["txt"]
