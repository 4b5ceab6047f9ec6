"""The newsletter: MJML rendering, compiling, the allow-list and HTML checks, three languages."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest

from campaign_kit.errors import NewsletterError
from campaign_kit.render import newsletter as nl_mod
from campaign_kit.render.mjml_check import GMAIL_CLIP_BYTES, html_problems, mjml_problems
from campaign_kit.render.newsletter import CardImage, card_url, render_newsletter
from campaign_kit.roster import load_roster
from conftest import HOSTILE, SAMPLE_ROSTER, TEMPLATES, hostile_roster, make_ctx, plain, send_campaign

LANGS = ("en", "be", "ru")
BASE = "https://belaruswomen.org/campaign-kit"
CAMPAIGN = send_campaign()
SETTINGS = CAMPAIGN.newsletter


def render(lang: str, *, ctx=None, templates: Path = TEMPLATES, settings=SETTINGS, **kw):
    return render_newsletter(ctx or make_ctx(lang), templates, settings=settings, **kw)


@pytest.fixture(scope="module")
def letters():
    return {lang: render(lang) for lang in LANGS}


@pytest.fixture(scope="module")
def sendable():
    return {lang: render(lang, asset_base_url=BASE, send=True) for lang in LANGS}


@pytest.fixture
def templates_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "templates"
    shutil.copytree(TEMPLATES, dest)
    return dest


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- content ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_woman_counts_and_links(letters, lang):
    letter = letters[lang]
    roster = load_roster(SAMPLE_ROSTER)
    for part in (letter.html, letter.txt):
        for p in roster.people:
            name = {"en": p.name_latin, "be": p.name_be, "ru": p.name_cyrillic}[lang]
            assert name in part, p.id
        assert "27" in part and "53" in part
        assert "https://belaruswomen.org" in part
        assert "{{ UnsubscribeURL }}" in part
    assert len(re.findall(r"^\d+\. ", letter.txt, flags=re.M)) == 27
    assert letter.subject and letter.preheader
    assert len(letter.html.encode("utf-8")) < GMAIL_CLIP_BYTES
    assert f'<html lang="{lang}"' in letter.html
    assert "googleapis" not in letter.html and "@import" not in letter.html


def test_subjects_and_preheaders_read_naturally(letters):
    subject = {lang: plain(letter.subject) for lang, letter in letters.items()}
    assert subject["en"] == "Mothers of Minor Children: 27 women political prisoners behind bars"
    assert subject["ru"] == "Матери несовершеннолетних детей: 27 политзаключённых за решёткой"
    assert subject["be"] == "Маці непаўналетніх дзяцей: 27 палітвязніц за кратамі"
    assert plain(letters["ru"].preheader).startswith("Без мам растут 53 ребёнка.")
    assert plain(letters["be"].preheader).startswith("Дзяцінства 53 дзяцей праходзіць без мам.")
    # The email shows names and statuses, not stories (editor's review E11/B9/R11).
    assert plain(letters["en"].preheader).endswith("This week: five of their names, and how you can help.")
    assert "имена пяти женщин" in plain(letters["ru"].preheader)
    assert "імёны пяці жанчын" in plain(letters["be"].preheader)


def test_featured_women_have_cards_with_alt_text(letters, sendable):
    ctx = make_ctx("en")
    html = letters["en"].html
    for view in ctx["featured"]:
        assert f'src="../cards/en/{view["id"]}/link.png"' in html
        assert f'src="{BASE}/mothers/2026-W48/cards/en/{view["id"]}/link.png"' in sendable["en"].html
    # Without a card renderer's alt: the wording's, names as a sentence says them (E13/B17/R21).
    assert (
        'alt="Hanna Ablab (Анна Аблаб). Sentenced to 11\u00a0years in a penal colony. '
        'Mother of two children."'
    ) in html
    assert (
        'alt="Анна Аблаб (Hanna Ablab). Приговорена к\u00a011\u00a0годам колонии. '
        'Мать двоих детей."' in letters["ru"].html
    )
    assert html.count("<img ") == len(ctx["featured"])


def test_card_lookup_gives_path_and_alt_or_none():
    seen = []

    def lookup(person_id: str):
        seen.append(person_id)
        if person_id == "ablab-hanna":
            return CardImage("cards/en/ablab-hanna/link.png", "Custom alt from the card")
        return None

    letter = render("en", card=lookup)
    assert 'alt="Custom alt from the card"' in letter.html
    assert letter.html.count("<img ") == 1
    assert seen == [v["id"] for v in make_ctx("en")["featured"]]


def test_card_url():
    assert (
        card_url("cards/en/a-b/link.png", asset_base_url=None, appeal="mothers", cycle="2026-W48")
        == "../cards/en/a-b/link.png"
    )
    assert (
        card_url(
            "cards/en/a-b/link.png", asset_base_url="https://x.org/kit/", appeal="mothers", cycle="2026-W48"
        )
        == "https://x.org/kit/mothers/2026-W48/cards/en/a-b/link.png"
    )


def test_hostile_name_stays_text():
    for lang in LANGS:
        letter = render(lang, ctx=make_ctx(lang, hostile_roster()))
        assert HOSTILE not in letter.mjml and HOSTILE not in letter.html
        assert "&lt;b&gt;&amp;" in letter.mjml and "<b>" not in letter.mjml
        assert "&lt;b&gt;&amp;" in letter.html and "<b>" not in letter.html
        # Plain text keeps it as text; typography only makes its quote a typographic one.
        assert HOSTILE.replace('"', "") in letter.txt.replace("”", "").replace("»", "")


def test_merge_tags_pass_through_untouched(letters):
    html = letters["en"].html
    assert 'href="{{ UnsubscribeURL }}"' in html
    mailchimp = dataclasses.replace(SETTINGS, unsubscribe="*|UNSUB|*")
    letter = render("en", settings=mailchimp)
    assert 'href="*|UNSUB|*"' in letter.html and "*|UNSUB|*" in letter.txt


def test_plain_text_is_its_own_text_not_stripped_html(letters):
    txt = plain(letters["en"].txt)
    assert "<" not in txt.replace(HOSTILE, "") and "&amp;" not in txt
    assert "Donate: https://belaruswomen.org" in txt
    assert "1. ABLAB Hanna | АБЛАБ Анна, sentenced to 11 years in a penal colony: 2 children" in txt
    assert "1. АБЛАБ Анна — приговорена к 11 годам колонии, мать двоих детей" in plain(letters["ru"].txt)


def test_rendering_is_deterministic():
    a, b = render("ru"), render("ru")
    assert a == b


# --- checks -------------------------------------------------------------------------------


def test_send_build_refuses_relative_images():
    with pytest.raises(NewsletterError, match="relative"):
        render("en", send=True)


def test_asset_base_must_be_https():
    with pytest.raises(NewsletterError, match="https"):
        render("en", asset_base_url="http://belaruswomen.org/kit")


def test_send_build_passes_with_absolute_urls(sendable):
    for letter in sendable.values():
        tags = (SETTINGS.unsubscribe, letter.view_online)
        assert letter.view_online == "{{ MessageURL }}"
        assert html_problems(letter.html, send=True, merge_tags=tags) == []


@pytest.mark.parametrize(
    "settings_change, what",
    [
        ({"unsubscribe": "  "}, "unsubscribe merge tag"),
    ],
)
def test_empty_merge_value_is_refused(settings_change, what):
    with pytest.raises(NewsletterError, match=f"empty merge value.*{what}"):
        render("en", settings=dataclasses.replace(SETTINGS, **settings_change))


def test_empty_context_value_is_refused():
    ctx = make_ctx("en")
    ctx["org"] = {**ctx["org"], "donate_url": ""}
    with pytest.raises(NewsletterError, match="organisation donate_url"):
        render("en", ctx=ctx)
    with pytest.raises(NewsletterError, match="ablab-hanna card alt text"):
        render("en", card=lambda pid: CardImage(f"cards/en/{pid}/link.png", " "))


def test_preheader_must_reach_the_html(templates_copy):
    path = templates_copy / "newsletter" / "newsletter.mjml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<mj-raw><div style=\"display:none.*?</mj-raw>", "", text)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NewsletterError, match="preheader is not in the HTML"):
        render("en", templates=templates_copy)


def test_image_without_alt_is_refused(templates_copy):
    path = templates_copy / "newsletter" / "newsletter.mjml"
    text, n = re.subn(r'(<mj-image [^>]*?) alt="[^"]*"', r"\1", path.read_text(encoding="utf-8"))
    assert n == 1
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NewsletterError, match="has no alt text"):
        render("en", templates=templates_copy)


def test_a_roll_call_too_long_for_gmail_becomes_a_link(templates_copy):
    # Repeat the roll call until the compiled HTML passes Gmail's clipping size: the newsletter
    # then carries the featured women and the counts, and links the full list.
    _edit(
        templates_copy / "newsletter" / "newsletter.mjml", "{% for p in roll %}", "{% for p in roll * 30 %}"
    )
    letter = render("en", templates=templates_copy, asset_base_url=BASE, send=True)
    assert letter.compact
    assert f'href="{BASE}/mothers/2026-W48/appeal/en.html"' in letter.html
    assert "Read the full list of names: " in letter.txt
    assert "27" in letter.html and "53" in letter.html


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        pytest.param("meta.txt", "{{ w.preheader.strip() }}\n", "", "preheader is missing", id="preheader"),
        pytest.param(
            "newsletter.mjml",
            '<mj-text css-class="ck-muted" color="#5a5a5a" font-size="14px"',
            '<mj-text css-class="ck-muted" colour="#5a5a5a" font-size="14px"',
            'unknown attribute "colour" on <mj-text>',
            id="unknown-mjml",
        ),
        # What cannot shrink (here the featured women, repeated) is refused, never clipped.
        pytest.param(
            "newsletter.mjml",
            "{% for p in featured_cards %}",
            "{% for p in featured_cards * 60 %}",
            "Gmail clips",
            id="oversized-html",
        ),
    ],
)
def test_a_template_edit_the_newsletter_cannot_carry_is_refused(templates_copy, name, old, new, message):
    _edit(templates_copy / "newsletter" / name, old, new)
    with pytest.raises(NewsletterError, match=message):
        render("en", templates=templates_copy)


MJML_OK = """<mjml lang="en">
  <mj-head><mj-title>T</mj-title><mj-preview>P</mj-preview>
    <mj-attributes><mj-all font-family="Arial" /><mj-text color="#000" />
      <mj-class name="x" color="red" /></mj-attributes>
    <mj-style>.a { color: red; }</mj-style></mj-head>
  <mj-body width="600px"><mj-section><mj-column>
    <mj-text css-class="roll"><p style="margin:0">A <strong>b</strong><br /><a href="https://x">l</a></p></mj-text>
    <mj-image src="https://x/y.png" alt="y" />
    <mj-button href="https://x" inner-padding="4px">Go</mj-button>
    <mj-raw><div style="display:none">p</div></mj-raw>
  </mj-column></mj-section></mj-body>
</mjml>"""


def test_allow_list_accepts_standard_mjml():
    assert mjml_problems(MJML_OK) == []


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("<mj-raw>", "<mj-bogus>", "unknown MJML tag <mj-bogus>"),
        (
            '<mj-image src="https://x/y.png"',
            '<mj-image source="https://x/y.png"',
            'unknown attribute "source" on <mj-image>',
        ),
        (
            '<mj-all font-family="Arial" />',
            '<mj-all fontfamily="Arial" />',
            'unknown attribute "fontfamily" on <mj-all>',
        ),
        ("<strong>b</strong>", "<script>b</script>", "HTML tag <script> is not allowed"),
        ("<strong>b</strong>", '<strong onclick="x">b</strong>', 'unknown attribute "onclick"'),
        ("<strong>b</strong>", "<mj-button>b</mj-button>", "whose content is HTML"),
        ("<mj-raw>", '<mj-include path="x.mjml" /><mj-raw>', "mj-include"),
        ("<mj-title>T</mj-title>", "<mj-title><b>T</b></mj-title>", "plain text only"),
        ("<mj-section>", "<mj-section><p>loose</p>", "outside a text component"),
        ('<mjml lang="en">', '<mjml lang="en" foo="1">', 'unknown attribute "foo" on <mjml>'),
        ("</mj-column>", "", "closes"),
    ],
)
def test_allow_list_refuses(old, new, message):
    source = MJML_OK.replace(old, new)
    assert source != MJML_OK
    problems = mjml_problems(source)
    assert any(message in p for p in problems), problems
    assert all(p.startswith("line ") for p in problems if "root" not in p)


def test_allow_list_needs_a_root():
    assert "no <mjml> root element" in mjml_problems("<mj-body></mj-body>")


@pytest.mark.parametrize(
    "html, send, message",
    [
        ('<img src="https://x/a.png">', False, "no alt text"),
        ('<img src="https://x/a.png" alt=" ">', False, "no alt text"),
        ('<img src="../cards/a.png" alt="a">', True, "relative"),
        ('<a href="/page">x</a>', True, "relative"),
        ('<a href="http://x.org">x</a>', False, "not https"),
        ('<a href="javascript:alert(1)">x</a>', False, "scheme"),
        ('<a href="">x</a>', False, "empty"),
        ('<img src="" alt="a">', False, "empty"),
        ('<td background="http://x/bg.png">', False, "not https"),
        ('<link rel="stylesheet" href="http://x/a.css">', False, "not https"),
    ],
)
def test_html_checks_refuse(html, send, message):
    problems = html_problems(html, send=send)
    assert any(message in p for p in problems), problems


@pytest.mark.parametrize(
    "html, send",
    [
        ('<img src="../cards/a.png" alt="a">', False),
        ('<a href="mailto:news@x.org">x</a>', True),
        ('<a href="{{ UnsubscribeURL }}">x</a>', True),
        ('<a href="https://x.org">x</a><img src="https://x/a.png" alt="a">', True),
    ],
)
def test_html_checks_accept(html, send):
    assert html_problems(html, send=send, merge_tags=("{{ UnsubscribeURL }}",)) == []


def test_size_is_measured_in_utf8_bytes():
    # 40,000 Cyrillic letters are 80,000 bytes: under the limit in characters, over in bytes
    # once doubled.
    body = "<p>" + "ж" * 52_000 + "</p>"
    assert len(body) < GMAIL_CLIP_BYTES < len(body.encode("utf-8"))
    assert any("Gmail clips" in p for p in html_problems(body, send=False))


# --- build wiring and golden files ----------------------------------------------------------


def test_golden_english_mjml_and_text(golden, letters):
    golden("newsletter/en.mjml", letters["en"].mjml)
    golden("newsletter/en.txt", letters["en"].txt)


# --- scale, compliance ----------------------------------------------------------------------


def test_past_roll_call_max_the_roll_call_is_a_link():
    settings = dataclasses.replace(SETTINGS, roll_call_max=20)
    letter = render("ru", settings=settings, asset_base_url=BASE, send=True)
    assert letter.compact
    assert "АБЛАБ Анна — приговорена" not in letter.html  # no roll-call line
    assert f'href="{BASE}/mothers/2026-W48/appeal/ru.html"' in letter.html
    assert "Полный список имён: " + f"{BASE}/mothers/2026-W48/appeal/ru.html" in letter.txt
    # The counts stay: computed from the whole appeal.
    assert "27" in letter.subject and "53" in letter.preheader
    assert not render("ru").compact


def test_featured_women_are_capped_and_counted_as_shown():
    settings = dataclasses.replace(SETTINGS, featured_max=2)
    letter = render("en", ctx=make_ctx("en", featured=27), settings=settings)
    assert letter.html.count("<img ") == 2
    assert "This week: two of their names" in letter.preheader


def test_compliance_parts_are_in_both_parts(sendable):
    for lang, letter in sendable.items():
        # As the texts print them: typeset (no-break spaces, quotes) like every other text.
        t = make_ctx(lang)["t"]
        address = t.typeset(CAMPAIGN.newsletter.postal_address[lang])
        reason = t.typeset(CAMPAIGN.newsletter.reason[lang])
        assert address in letter.txt and reason in letter.txt
        assert nl_mod._escape(address) in letter.html and nl_mod._escape(reason) in letter.html
        assert '<meta name="color-scheme" content="light dark"' in letter.html
        assert "prefers-color-scheme: dark" in letter.html
        assert 'href="{{ MessageURL }}"' in letter.html
        # Numeric heights for Outlook; the card keeps its 1200x630 shape.
        assert letter.html.count('height="290"') == letter.html.count("<img ") == 5
        # Alt texts short (the card renderer's long ones, with hashtags, are not used).
        for alt in re.findall(r'<img [^>]*alt="([^"]*)"', letter.html):
            assert len(alt) <= nl_mod.MAX_ALT and "#" not in alt
        # Dividers set padding-left/right, which Outlook honours (552 px wide there).
        assert 'width="552px"' in letter.html and "padding:0 24px 20px 24px" not in letter.mjml


def test_call_to_action_comes_first_with_utm(sendable):
    letter = sendable["be"]
    url = "https://belaruswomen.org?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=mothers-2026-W48-be"
    first_link = letter.html.index(f'href="{url}"')
    assert first_link < letter.html.index("<img ")
    assert letter.txt.index("utm_campaign=mothers-2026-W48-be") < letter.txt.index("АБЛАБ")


def test_with_utm_keeps_existing_parameters():
    utm = (("utm_source", "newsletter"), ("utm_campaign", "{appeal}-{lang}"))
    assert (
        nl_mod.with_utm("https://x.org/give?utm_source=site&a=1", utm, appeal="m", lang="en")
        == "https://x.org/give?utm_source=site&a=1&utm_campaign=m-en"
    )
    assert nl_mod.with_utm("https://x.org/", (), appeal="m") == "https://x.org/"


def test_send_build_needs_a_postal_address():
    settings = dataclasses.replace(SETTINGS, postal_address={})
    with pytest.raises(NewsletterError, match="postal_address.en is missing"):
        render("en", settings=settings, asset_base_url=BASE, send=True)
    assert render("en", settings=settings).txt  # a local preview may go without


def test_a_card_alt_text_that_is_long_is_replaced_by_a_short_one():
    long_alt = "Card " + "#Hashtag " * 40
    letter = render("en", card=lambda pid: CardImage(f"cards/en/{pid}/link.png", long_alt))
    assert long_alt.strip() not in letter.html
    assert 'alt="Hanna Ablab (Анна Аблаб).' in letter.html


@pytest.mark.parametrize(
    "toml, field",
    [
        ('esp = "sendgrid"', "newsletter.esp"),
        ('list_id = "not a list id"', "newsletter.list_id"),
        ("roll_call_max = -1", "newsletter.roll_call_max"),
        ("featured_max = 0", "newsletter.featured_max"),
        ('[newsletter.utm]\nutm_bogus = "x"', "newsletter.utm.utm_bogus"),
        ('[newsletter.utm]\nutm_source = "a b"', "newsletter.utm.utm_source"),
        ('[newsletter.from_name]\nen = "A\\nB"\nbe = "x"\nru = "y"', "newsletter.from_name.en"),
        ('[newsletter.postal_address]\nen = "x"', "newsletter.postal_address.be"),
        ('[newsletter.listmonk]\nlists = { en = ["one"] }', "newsletter.listmonk.lists"),
    ],
)
def test_newsletter_settings_are_validated(toml, field):
    from campaign_kit.campaign.config import parse_campaign
    from campaign_kit.errors import ConfigError

    base = """schema = 1
languages = ["en", "be", "ru"]
[organisation]
site_url = "https://x.org"
donate_url = "https://x.org"
name = { en = "O", be = "O", ru = "O" }
project = { en = "P", be = "P", ru = "P" }
[appeals.mothers]
group = "mothers"
title = { en = "T", be = "T", ru = "T" }
[newsletter]
from = "O <news@x.org>"
unsubscribe_mailto = "mailto:news@x.org"
"""
    assert parse_campaign(base).newsletter.esp == "listmonk"
    with pytest.raises(ConfigError) as info:
        parse_campaign(base + toml + "\n")
    assert any(p.field == field for p in info.value.problems), info.value.problems
