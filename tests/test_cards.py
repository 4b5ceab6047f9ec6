"""Share cards with the real fonts and layouts: fit, pixels, PNG bytes, alt text, failures."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from campaign_kit.campaign.config import load_campaign
from campaign_kit.campaign.locale import load_locale
from campaign_kit.errors import FitError, PhotoError, RenderError
from campaign_kit.render import cards
from campaign_kit.render.cards import (
    FORMATS,
    CardContent,
    card_content,
    check_glyphs,
    draw_card,
    font_coverage,
    plan,
    render_card,
)
from campaign_kit.render.context import person_view
from campaign_kit.roster import Person, load_roster
from conftest import CARD_DIRS, FONTS, PHOTOS, REPO, SAMPLE_ROSTER, TEMPLATES, cyrillic_forms

LANGS = ("en", "be", "ru")

CAMPAIGN = load_campaign(REPO / "campaign.toml")
APPEAL = CAMPAIGN.appeal("mothers")


def woman(pid: str, sl: str, gl: str, sc: str, gc: str, **kw: object) -> Person:
    base: dict[str, object] = {
        "status": "sentenced",
        "children": 2,
        "groups": ("mothers",),
        "sentence_months": 66,
        "facility": "penal_colony",
    }
    (surname_be, surname_ru), (given_be, given_ru) = cyrillic_forms(sc), cyrillic_forms(gc)
    base.update({"surname_be": surname_be, "given_be": given_be} | kw)
    return Person(pid, sl, gl, surname_ru, given_ru, **base)  # type: ignore[arg-type]


ABLAB = woman("ablab-hanna", "ABLAB", "Hanna", "АБЛАБ", "Анна", sentence_months=132, given_be="Ганна")
LONGEST = [
    woman(
        "shablinskaya-ivanova-katsiaryna",
        "SHABLINSKAYA-IVANOVA",
        "Katsiaryna",
        "ШАБЛИНСКАЯ-ИВАНОВА",
        "Екатерина",
        children=3,
        surname_be="ШАБЛІНСКАЯ-ІВАНОВА",
        given_be="Кацярына",
    ),
    woman(
        "sharenda-panasiuk-palina",
        "SHARENDA-PANASIUK",
        "Palina",
        "ШАРЕНДА-ПАНАСЮК",
        "Полина",
        status="compulsory_treatment",
        sentence_months=None,
        facility=None,
    ),
    woman(
        "vaitsiakhovich-volha",
        "VAITSIAKHOVICH",
        "Volha",
        "ВОЙТЕХОВИЧ",
        "Ольга",
        sentence_months=None,
        children=1,
    ),
    # Longer than anyone on the roster today: two hyphens, long given names, an unknown term.
    woman(
        "long-one",
        "SHABLINSKAYA-IVANOVA-KAVALEUSKAYA",
        "Katsiaryna-Aliaksandra",
        "ШАБЛИНСКАЯ-ИВАНОВА-КОВАЛЕВСКАЯ",
        "Екатерина-Александра",
        sentence_months=None,
        children=11,
    ),
    woman(
        "long-two",
        "VAITSIAKHOVICH-SHCHARBATSEVICH",
        "Aliaksandra",
        "ВОЙТЕХОВИЧ-ЩЕРБАЦЕВИЧ",
        "Александра",
        sentence_months=283,
        children=4,
    ),
    # Belarusian і and ў in a name.
    woman(
        "laurynovich-ina",
        "LAURYNOVICH",
        "Ina",
        "ЛАЎРЫНОВІЧ",
        "Іна",
        status="pre_trial",
        sentence_months=None,
        facility=None,
    ),
]


def sp(text: str) -> str:
    """``text`` with its no-break spaces (the language's typography) as plain spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def content(p: Person, lang: str) -> CardContent:
    return card_content(p, CAMPAIGN, APPEAL, load_locale(TEMPLATES, lang))


def chunks(png: bytes) -> list[bytes]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    out, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        data = png[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", png[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF
        out.append(kind)
        at += 12 + length
    return out


# --- content and alt text -----------------------------------------------------------------


def test_content_in_each_language() -> None:
    en, be, ru = (content(ABLAB, lang) for lang in LANGS)
    in_en_be_ru = {
        # Her full name as a sentence says it (the hero of the card), the other script beside it.
        "name": ("Hanna Ablab", "Ганна Аблаб", "Анна Аблаб"),
        "label": ("Political prisoner · Belarus", "Палітвязніца · Беларусь", "Политзаключённая · Беларусь"),
        # The appeal's fact: the sentence the card's numeral stands for.
        "fact": (
            "Two\u00a0children are waiting for her",
            "Яе чакаюць двое\u00a0дзяцей",
            "Её ждут двое\u00a0детей",
        ),
        # One action, the posts' own ("Share her story: <link>"), with an address people can type.
        "action": ("Share her story", "Раскажыце пра яе", "Расскажите о\u00a0ней"),
    }
    for field, words in in_en_be_ru.items():
        assert (getattr(en, field), getattr(be, field), getattr(ru, field)) == words, field
    assert (be.other_name, ru.other_name) == ("ABLAB Hanna", "ABLAB Hanna")
    # Through the language's typography: a number joined to its noun, a short preposition to
    # the next word.
    assert en.status == "Sentenced to 11\u00a0years in a penal colony"
    assert ru.status == "Приговорена к\u00a011\u00a0годам колонии"
    # A numeral that means something, and the sentence it stands for.
    assert (en.hero, en.hero_caption) == ("2", "children are waiting for her")
    assert en.hashtags[:2] == ("#Mothers", "#BehindBars")
    assert en.appeal_title == "Mothers of Minor Children"
    assert be.org_name == "Жанчыны — палітычныя вязні Беларусі"
    assert en.site_host == "belaruswomen.org"
    assert en.cta == "Share her story: belaruswomen.org"
    assert ru.cta == "Расскажите о\u00a0ней: belaruswomen.org"
    assert en.held == "" and en.series == ""


@pytest.mark.parametrize(
    ("lang", "n", "fact"),
    [
        ("en", 1, "Her child is waiting for her"),
        ("en", 3, "Three\u00a0children are waiting for her"),
        ("en", 10, "10\u00a0children are waiting for her"),
        ("be", 1, "Яе чакае дзіця"),
        ("be", 2, "Яе чакаюць двое\u00a0дзяцей"),
        ("be", 3, "Яе чакаюць трое\u00a0дзяцей"),
        ("be", 4, "Яе чакаюць чацвёра\u00a0дзяцей"),
        ("be", 5, "Яе чакаюць пяцёра\u00a0дзяцей"),
        ("ru", 1, "Её ждёт ребёнок"),
        ("ru", 2, "Её ждут двое\u00a0детей"),
        ("ru", 4, "Её ждут четверо\u00a0детей"),
        ("ru", 11, "Её ждут 11\u00a0детей"),
    ],
)
def test_children_are_counted_with_collective_numerals(lang: str, n: int, fact: str) -> None:
    c = content(dataclasses.replace(ABLAB, children=n), lang)
    assert c.fact == fact and c.hero == str(n)
    assert "дзіцяці" not in c.hero_caption and "ребёнка" not in c.hero_caption


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("n", [1, 2, 3, 4, 9, 10, 11, 12])
def test_a_card_counts_her_children_as_her_posts_do(lang: str, n: int) -> None:
    her = dataclasses.replace(ABLAB, children=n)
    t = load_locale(TEMPLATES, lang)
    card = content(her, lang).fact.replace("\u00a0", " ")
    posts = person_view(her, 1, t)["mother_of"]  # what every post says of her children
    # One way to write the number in a language: spelt out on the card exactly when her posts
    # spell it out, the same digits when they do not (never "2 children" beside "two children").
    assert re.findall(r"\d+", card) == re.findall(r"\d+", posts), (card, posts)
    assert t.count("children_prose", n) in card.lower()  # the posts' own table, through facts.plural
    if lang == "en" and n > 1:
        assert posts.removeprefix("Mother of ") in card.lower()  # "two children" in both


def test_without_children_the_hero_is_her_sentence() -> None:
    c = content(dataclasses.replace(ABLAB, children=0), "en")
    assert (c.hero, c.hero_caption, c.fact) == ("11", "years of imprisonment", "")
    ru = content(dataclasses.replace(ABLAB, children=None, sentence_months=60), "ru")
    assert (ru.hero, ru.hero_caption) == ("5", "лет лишения свободы")
    unknown = content(dataclasses.replace(ABLAB, children=0, status="pre_trial", sentence_months=None), "en")
    assert (unknown.hero, unknown.hero_caption) == ("", "")


def test_held_since_counts_days_to_the_rosters_date() -> None:
    import datetime as dt

    from campaign_kit.roster import PartialDate

    p = dataclasses.replace(ABLAB, detained_on=PartialDate(2021, 3, 12))
    as_of = dt.date(2026, 11, 24)
    days = (as_of - dt.date(2021, 3, 12)).days
    got = {
        lang: card_content(
            p, CAMPAIGN, APPEAL, load_locale(TEMPLATES, lang), as_of=as_of, templates_dir=TEMPLATES
        )
        for lang in LANGS
    }
    assert sp(got["en"].held) == f"Held since 12 March 2021 · {days:,} days"
    assert sp(got["ru"].held).startswith("Под стражей с 12 марта 2021")
    assert got["ru"].held.endswith("\u00a0дня") and str(days % 1000) in got["ru"].held
    assert sp(got["be"].held).startswith("Пад вартай з 12 сакавіка 2021")
    # Known to the month only: no count of days; released or at liberty: nothing.
    month = dataclasses.replace(p, detained_on=PartialDate(2021, 3))
    en = card_content(month, CAMPAIGN, APPEAL, load_locale(TEMPLATES, "en"), as_of=as_of)
    assert sp(en.held) == "Held since March 2021"
    ru = card_content(month, CAMPAIGN, APPEAL, load_locale(TEMPLATES, "ru"), as_of=as_of)
    assert sp(ru.held) == "Под стражей с марта 2021"
    free = dataclasses.replace(p, status="restricted_freedom")
    assert card_content(free, CAMPAIGN, APPEAL, load_locale(TEMPLATES, "en"), as_of=as_of).held == ""
    # The same inputs, the same words: the count never depends on today's date.
    again = card_content(p, CAMPAIGN, APPEAL, load_locale(TEMPLATES, "en"), as_of=as_of)
    assert again == got["en"]


def test_as_of_date_series_and_photo_credit_in_each_language() -> None:
    import datetime as dt

    p = dataclasses.replace(
        ABLAB,
        photo="x.jpg",
        photo_credit=None,
        photo_credits=(("be", "сямейны архіў"), ("en", "family archive")),
    )
    got = {
        lang: card_content(
            p, CAMPAIGN, APPEAL, load_locale(TEMPLATES, lang), as_of=dt.date(2026, 11, 24), number=7, count=27
        )
        for lang in LANGS
    }
    assert sp(got["en"].as_of) == "List correct as of 24 November 2026"
    assert sp(got["be"].as_of).startswith("Спіс актуальны на 24 лістапада 2026")
    assert (got["en"].photo_credit, got["be"].photo_credit) == (
        "Photo: family archive",
        "Фота: сямейны архіў",
    )
    assert got["ru"].photo_credit == ""  # no Russian credit given: none printed, never the English one
    assert sp(got["en"].series) == "7 / 27"
    plain = dataclasses.replace(ABLAB, photo="x.jpg", photo_credit="Viasna")
    assert sp(content(plain, "ru").photo_credit) == "Фото: Viasna"
    assert content(ABLAB, "en").as_of == "" and content(ABLAB, "en").photo_credit == ""


def test_placeholder_fills_differ_between_neighbours_in_a_grid() -> None:
    layout = cards.load_layout(TEMPLATES, "square")
    fill = {
        n: plan(content_n(ABLAB, "en", n, 27), "square", **CARD_DIRS).placeholder_fill for n in range(1, 28)
    }
    assert set(fill.values()) == set(layout.photo.placeholder.fills)
    for n in range(1, 28):
        if n % 3 and n + 1 <= 27:
            assert fill[n] != fill[n + 1], n  # beside
        if n + 3 <= 27:
            assert fill[n] != fill[n + 3], n  # under
    # Every two fills differ visibly (CIELAB), not just in name.
    fills = layout.photo.placeholder.fills
    assert min(cards.colour_distance(a, b) for a in fills for b in fills if a != b) >= cards.MIN_FILL_DISTANCE
    assert min(cards.contrast(a, b) for a in fills for b in fills if a != b) >= cards.MIN_FILL_CONTRAST
    card = plan(content_n(ABLAB, "en", 1, 27), "square", **CARD_DIRS)
    portrait = plan(content_n(ABLAB, "en", 1, 27), "portrait", **CARD_DIRS)
    assert portrait.placeholder_fill == card.placeholder_fill


def test_the_hero_numeral_says_the_fact_once() -> None:
    card = plan(content(ABLAB, "en"), "square", **CARD_DIRS)
    by_field = {line.field: line.text for line in card.lines}
    assert by_field["hero"] == "2" and "fact" not in by_field
    with_photo = plan(content(ABLAB, "en"), "square", with_photo=True, **CARD_DIRS)
    fields = {line.field for line in with_photo.lines}
    assert "hero" not in fields and "fact" in fields


@pytest.mark.parametrize("lang", LANGS)
def test_alt_text_per_format_leads_with_her_name(lang: str) -> None:
    c = content(ABLAB, lang)
    alts = dict(c.alt)
    assert set(alts) == set(FORMATS)
    for fmt, alt in alts.items():
        assert alt.startswith(c.name), (fmt, alt)
        assert alt.count(c.name) == 1 and "ABLAB" not in alt
        assert c.status in alt and c.org_name in alt
        assert "#" not in alt
    assert c.fact in alts["square"] and all(c.action in alt for alt in alts.values())
    assert c.cta in alts["portrait"] and c.cta in alts["story"]  # Instagram: the address, typed
    assert c.cta not in alts["landscape"]  # that card has no address: its post links


def test_alt_text_describes_her_photo_from_the_roster() -> None:
    p = dataclasses.replace(
        ABLAB,
        photo="x.jpg",
        photo_credit="Viasna",
        photo_alt=(("en", "Hanna smiling in a park"), ("ru", "Анна улыбается в парке")),
    )
    en = dict(content(p, "en").alt)["square"]
    assert en.startswith("Hanna Ablab, a political prisoner in Belarus. Hanna smiling in a park.")
    assert "Photo: Viasna" in dict(content(p, "en").alt)["portrait"] or "Photo:" not in en
    assert "Анна улыбается в парке." in dict(content(p, "ru").alt)["square"]
    assert "Яе фотаздымак." in dict(content(p, "be").alt)["square"]  # no Belarusian description given


def test_alt_text_only_says_what_the_card_always_shows() -> None:
    from campaign_kit.roster import PartialDate

    p = dataclasses.replace(ABLAB, detained_on=PartialDate(2021, 3, 12))
    c = card_content(
        p, CAMPAIGN, APPEAL, load_locale(TEMPLATES, "en"), as_of=__import__("datetime").date(2026, 1, 1)
    )
    assert c.held
    for fmt, alt in c.alt:
        optional = {s.field for b in cards.load_layout(TEMPLATES, fmt).blocks for s in b.texts if s.optional}
        assert ("Held since" in alt) == (
            "held" not in optional and "held" in cards.load_layout(TEMPLATES, fmt).placed()
        )


def test_card_words_are_jinja_and_a_broken_file_is_named(tmp_path: Path) -> None:
    from campaign_kit.errors import TemplateError

    shutil.copytree(TEMPLATES, tmp_path / "templates")
    words = tmp_path / "templates" / "cards" / "words" / "en.j2"
    words.write_text(
        words.read_text(encoding="utf-8").replace(
            '{% set label = "Political prisoner · Belarus" %}', "{% set label = p.kids %}"
        ),
        encoding="utf-8",
    )
    with pytest.raises(TemplateError, match=r"cards/words/en\.j2"):
        card_content(
            ABLAB, CAMPAIGN, APPEAL, load_locale(TEMPLATES, "en"), templates_dir=tmp_path / "templates"
        )
    words.write_text('{% set label = "x" %}\n', encoding="utf-8")
    with pytest.raises(TemplateError, match="does not set hero"):
        card_content(
            ABLAB, CAMPAIGN, APPEAL, load_locale(TEMPLATES, "en"), templates_dir=tmp_path / "templates"
        )
    assert (
        not (TEMPLATES / "cards" / "words.toml").exists() and not (TEMPLATES / "cards" / "alt.toml").exists()
    )


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_long_names_fit_every_format_and_language(fmt: str) -> None:
    boxes_checked = 0
    layout = cards.load_layout(TEMPLATES, fmt)
    fonts = cards._font_paths(layout.fonts, str(FONTS))
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    for person in [ABLAB, *LONGEST]:
        for lang in LANGS:
            for with_photo in (False, True):
                c = content(person, lang)
                try:
                    card = plan(c, fmt, with_photo=with_photo, **CARD_DIRS)
                except FitError as err:
                    # At 9 pt x-height in a 310-pt feed a name longer than any on the roster
                    # may leave no room: the card is refused, naming her, never set smaller.
                    assert person.id == "long-one" and fmt in ("landscape", "link"), err
                    assert f"long-one ({lang}): {fmt} card" in str(err)
                    continue
                by_field: dict[str, list[str]] = {}
                for line in card.lines:
                    box = card.box_of(line.field)
                    assert box.contains(line.bbox), (person.id, lang, fmt, line)
                    # Independently of the plan's arithmetic: where Pillow says the ink goes.
                    ink = probe.textbbox(
                        (line.x, line.y),
                        line.text,
                        font=cards._font(fonts[line.font], line.size),
                        anchor="ls",
                    )
                    assert box.contains(ink), (person.id, lang, fmt, line.text, ink, box)
                    by_field.setdefault(line.field, []).append(line.text)
                    boxes_checked += 1
                # Who she is and why she is there are on every card, whole.
                for field in ("label", "name", "status", "org_name"):
                    lines = by_field[field]
                    rebuilt = lines[0]
                    for nxt in lines[1:]:
                        rebuilt += nxt if rebuilt.endswith("-") else " " + nxt
                    assert rebuilt == getattr(c, field), (fmt, lang, field, lines)
                # The 310-pt formats leave the action to the post beside them when room is
                # short; elsewhere only a name longer than any on the roster crowds it out.
                wide = fmt in ("landscape", "link")
                assert "cta" in by_field or "action" in by_field or wide or person.id == "long-one"
    assert boxes_checked > 100


LATIN_PARTS = ["SHABLINSKAYA", "IVANOVA", "VAITSIAKHOVICH", "PANASIUK", "KAZAKOVA", "LI", "O"]
CYRILLIC_PARTS = ["ШАБЛИНСКАЯ", "ИВАНОВА", "ЛАЎРЫНОВІЧ", "ЩЕРБАЦЕВИЧ", "ЁЖ", "Ў"]
GIVEN = ["Katsiaryna", "Hanna", "Volha", "Aliaksandra", "Іна", "Екатерина", "Ўля"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(LATIN_PARTS), min_size=1, max_size=3),
    st.lists(st.sampled_from(CYRILLIC_PARTS), min_size=1, max_size=3),
    st.sampled_from(GIVEN),
    st.sampled_from(LANGS),
    st.sampled_from(list(FORMATS)),
    st.integers(0, 12),
    st.one_of(st.none(), st.integers(1, 360)),
)
def test_any_plausible_name_fits_or_fails_loudly(
    latin: list[str],
    cyrillic: list[str],
    given_name: str,
    lang: str,
    fmt: str,
    children: int,
    months: int | None,
) -> None:
    p = woman(
        "w",
        "-".join(latin),
        given_name,
        "-".join(cyrillic),
        given_name,
        children=children,
        sentence_months=months,
    )
    c = content(p, lang)
    try:
        card = plan(c, fmt, **CARD_DIRS)
    except FitError as err:
        assert f"w ({lang}):" in str(err) and fmt in str(err)
        return
    for line in card.lines:
        assert card.box_of(line.field).contains(line.bbox)


def test_debug_overlay_draws_the_boxes() -> None:
    c = content(ABLAB, "en")
    plain = draw_card(c, "square", PHOTOS, **CARD_DIRS)
    debug = draw_card(c, "square", PHOTOS, debug=True, **CARD_DIRS)
    block = cards.load_layout(TEMPLATES, "square").blocks[0].box
    assert plain.getpixel((block.x, block.y)) != debug.getpixel((block.x, block.y))


def test_hyphenated_surname_wraps_at_the_hyphen() -> None:
    card = plan(content(LONGEST[3], "ru"), "square", **CARD_DIRS)
    names = [line.text for line in card.lines if line.field == "name"]
    assert len(names) > 1 and any(line.endswith("-") for line in names[:-1])
    joined = "".join(n if n.endswith("-") else n + " " for n in names).strip()
    assert joined == "Екатерина-Александра Шаблинская-Иванова-Ковалевская"


def test_impossible_name_is_a_fit_error_naming_person_format_field() -> None:
    huge = woman("impossible", "A" * 80, "Hanna", "АБЛАБ", "Анна")
    with pytest.raises(FitError) as err:
        plan(content(huge, "en"), "link", **CARD_DIRS)
    msg = str(err.value)
    assert "impossible (en): link card: name" in msg and "does not fit" in msg


def content_n(p: Person, lang: str, number: int, count: int) -> CardContent:
    return card_content(p, CAMPAIGN, APPEAL, load_locale(TEMPLATES, lang), number=number, count=count)


def test_every_woman_of_the_sample_roster_fits_every_format_at_her_roles_sizes() -> None:
    # Real names and statuses: every card is set in the normal range, nothing left out but
    # what is optional.
    roster = load_roster(SAMPLE_ROSTER)
    assert len(roster.people) >= 27
    for fmt in FORMATS:
        layout = cards.load_layout(TEMPLATES, fmt)
        for n, person in enumerate(roster.people, start=1):
            for lang in LANGS:
                card = plan(content_n(person, lang, n, len(roster.people)), fmt, **CARD_DIRS)
                sizes: dict[str, list[int]] = {}
                for line in card.lines:
                    sizes.setdefault(line.field, []).append(line.size)
                assert {"label", "name", "status", "org_name"} <= set(sizes), (person.id, fmt, lang)
                for field, got in sizes.items():
                    style = layout.style(field)
                    assert style.min_size <= got[0] <= style.size, (person.id, fmt, lang, field)


# --- pixels and bytes ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_png_size_chunks_and_determinism(fmt: str) -> None:
    c = content(LONGEST[0], "be")
    png = render_card(c, fmt, PHOTOS, **CARD_DIRS)
    with Image.open(io.BytesIO(png)) as im:
        assert im.size == FORMATS[fmt] and im.mode == "RGB"
        assert not im.getexif() and "dpi" not in im.info
    kinds = chunks(png)
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    assert set(kinds) <= {b"IHDR", b"IDAT", b"IEND"}, kinds  # no tEXt/iTXt/zTXt/eXIf/tIME
    cards._text_mask.cache_clear()  # a fresh rasterisation gives the same bytes
    assert render_card(c, fmt, PHOTOS, **CARD_DIRS) == png
    image = draw_card(c, fmt, PHOTOS, **CARD_DIRS)
    assert image.info == {} and cards.encode_png(image) == png


def test_different_women_different_cards() -> None:
    a = render_card(content(ABLAB, "en"), "link", PHOTOS, **CARD_DIRS)
    b = render_card(content(LONGEST[2], "en"), "link", PHOTOS, **CARD_DIRS)
    assert a != b


def test_card_with_photo_is_a_jpeg_with_her_pixels_and_no_metadata(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 1
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (53.0, 54.0, 0.0)
    # A noisy photo: the hardest case for the file size.
    noisy = Image.effect_noise((1200, 1600), 90).convert("RGB")
    Image.blend(Image.new("RGB", noisy.size, (30, 140, 60)), noisy, 0.25).save(
        tmp_path / "ablab-hanna.jpg", "JPEG", exif=exif.tobytes(), quality=95
    )
    c = dataclasses.replace(content(ABLAB, "en"), photo="ablab-hanna.jpg", photo_focus=(0.5, 0.3))
    assert c.extension == "jpg" and content(ABLAB, "en").extension == "png"
    for fmt in FORMATS:
        data = render_card(c, fmt, tmp_path, **CARD_DIRS)
        assert data[:3] == b"\xff\xd8\xff" and len(data) <= 976_000, (fmt, len(data))
        assert b"Exif" not in data and b"GPS" not in data and b"ICC_PROFILE" not in data
        assert str(tmp_path).encode() not in data and b"ablab-hanna" not in data
        # Only the markers a decoder needs: SOI, JFIF, tables, frame, scan (no COM, no APP1).
        markers, at = [], 2
        while at < len(data):
            assert data[at] == 0xFF
            marker = data[at + 1]
            markers.append(marker)
            if marker == 0xDA:
                break
            at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
        assert set(markers) <= {0xE0, 0xDB, 0xC0, 0xC4, 0xDA}, [hex(m) for m in markers]
        with Image.open(io.BytesIO(data)) as im:
            assert im.format == "JPEG" and im.size == FORMATS[fmt] and not im.getexif()
            assert im.info.get("progressive") is None
        assert render_card(c, fmt, tmp_path, **CARD_DIRS) == data  # deterministic
    data = render_card(c, "portrait", tmp_path, **CARD_DIRS)
    frame = cards.load_layout(TEMPLATES, "portrait").photo.box
    with Image.open(io.BytesIO(data)) as im:
        # Her photo in the middle of the frame, under the fade's lightest part.
        r, g, b = im.getpixel((frame.x + frame.w // 2, frame.y + frame.h // 2))
        assert g > r + 20 and g > b + 20
    card = plan(c, "portrait", **CARD_DIRS)
    assert card.placeholder_fill is None and "hero" not in {line.field for line in card.lines}


def test_jpeg_encoder_keeps_quality_and_refuses_what_cannot_fit() -> None:
    from campaign_kit.render.jpeg import encode_jpeg

    noise = Image.effect_noise((1080, 1920), 120).convert("RGB")
    data = encode_jpeg(noise, max_bytes=10_000_000)
    assert data[:2] == b"\xff\xd8"
    with pytest.raises(RenderError, match="at quality 85"):
        encode_jpeg(noise, max_bytes=50_000)


def test_missing_photo_is_a_photo_error(tmp_path: Path) -> None:
    c = dataclasses.replace(content(ABLAB, "en"), photo="nobody.jpg")
    with pytest.raises(PhotoError, match=r"nobody\.jpg"):
        render_card(c, "square", tmp_path, **CARD_DIRS)


# --- fonts --------------------------------------------------------------------------------


def test_bundled_fonts_cover_belarusian_and_russian() -> None:
    needed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789#-—’ʼ.,«»"
    needed += "АБВГДЕЁЖЗИЙКЛМНОПРСТУЎФХЦЧШЩЪЫЬЭЮЯІабвгдеёжзийклмнопрстуўфхцчшщъыьэюяі"
    for font in FONTS.glob("*.otf"):
        covered = font_coverage(str(font))
        missing = [ch for ch in needed if ord(ch) not in covered]
        assert not missing, (font.name, missing)
    assert (FONTS / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE") >= 1
    total = sum(f.stat().st_size for f in FONTS.iterdir())
    assert total < 3_000_000


def test_missing_glyph_is_a_render_error_naming_the_character() -> None:
    with pytest.raises(RenderError, match=r"U\+4E2D CJK UNIFIED IDEOGRAPH-4E2D"):
        check_glyphs("Hanna 中", FONTS / "Inter-Regular.otf", "ablab-hanna: square card: name")
    c = dataclasses.replace(content(ABLAB, "en"), status="Sentenced \u2603")
    with pytest.raises(RenderError) as err:
        render_card(c, "square", PHOTOS, **CARD_DIRS)
    msg = str(err.value)
    assert "ablab-hanna" in msg and "square" in msg and "status" in msg and "SNOWMAN" in msg


def test_bad_layout_file_is_a_render_error(tmp_path: Path) -> None:
    shutil.copytree(TEMPLATES / "cards", tmp_path / "cards")
    path = tmp_path / "cards" / "square.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('background = "paper"', 'background = "beige"'),
        encoding="utf-8",
    )
    with pytest.raises(RenderError) as err:
        render_card(content(ABLAB, "en"), "square", PHOTOS, templates_dir=tmp_path, fonts_dir=FONTS)
    assert "square.toml" in str(err.value) and "canvas.background" in str(err.value)


def test_card_dependencies_for_cache_keys() -> None:
    deps = cards.card_dependencies("link", **CARD_DIRS)
    assert deps[:2] == (TEMPLATES / "cards" / "link.toml", TEMPLATES / "cards" / "theme.toml")
    assert {p.name for p in deps[2:]} == {
        "InterDisplay-Bold.otf",
        "Inter-SemiBold.otf",
        "Inter-Regular.otf",
        "logo.png",
    }
    assert all(p.is_file() for p in deps)


def test_missing_font_file(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="font of role"):
        render_card(content(ABLAB, "en"), "link", PHOTOS, templates_dir=TEMPLATES, fonts_dir=tmp_path)


# --- new layout elements with real pixels --------------------------------------------------


def test_logo_stripe_and_panel_pixels() -> None:
    c = content(ABLAB, "en")
    story = cards.load_layout(TEMPLATES, "story")
    image = draw_card(c, "story", PHOTOS, **CARD_DIRS)
    red = (179, 32, 42)
    logo = story.images[0].box
    logo_pixels = image.crop((logo.x, logo.y, logo.right, logo.bottom)).getcolors(100_000)
    assert logo_pixels and any(colour == red for _, colour in logo_pixels)  # the mark, painted red
    stripe = story.shapes[0].box
    assert image.getpixel((stripe.x + 10, stripe.y + stripe.h // 2)) == red  # white-red-white
    fill = plan(c, "story", **CARD_DIRS).placeholder_fill
    frame = story.photo.box
    assert image.getpixel((frame.x + 4, frame.y + 4)) == fill
    # On a landscape card the mark sits on the panel, painted white, over a photo too.
    landscape = cards.load_layout(TEMPLATES, "landscape")
    mark = landscape.images[0].box
    wide = draw_card(c, "landscape", PHOTOS, **CARD_DIRS)
    assert any(
        colour == (255, 255, 255)
        for _, colour in wide.crop((mark.x, mark.y, mark.right, mark.bottom)).getcolors(100_000)
    )


def test_letter_spacing_with_the_real_fonts() -> None:
    path = str(FONTS / "InterDisplay-Bold.otf")
    plain = cards._span(path, 60, "HANNA")
    spaced, pens = cards._tracked(path, 60, "HANNA", 0.1)
    assert spaced.width == pytest.approx(plain.width + 4 * 6, abs=2)
    assert [ch for ch, _ in pens] == list("HANNA")
    mask, _ = cards._text_mask(path, 60, "HANNA", 0.1)
    assert mask.width == spaced.width


def test_roster_photo_alt_and_credit_per_language_are_validated() -> None:
    from campaign_kit.roster import validate_roster_data
    from conftest import person, roster_doc

    good = person(
        photo="ablab-hanna.jpg",
        photo_alt={
            "en": "Hanna in a red scarf",
            "be": "Ганна ў чырвонай хустцы",
            "ru": "Анна в красном платке",
        },
        photo_credit={"en": "family archive", "ru": "семейный архив"},
    )
    roster, problems = validate_roster_data(roster_doc([good]))
    assert roster is not None, problems
    woman = roster.people[0]
    assert dict(woman.photo_alt)["be"] == "Ганна ў чырвонай хустцы"
    assert dict(woman.photo_credits) == {"en": "family archive", "ru": "семейный архив"}
    for bad, field in [
        ({"photo_alt": "Hanna"}, "photo_alt"),
        ({"photo_alt": {"en": "line one\nline two"}}, "photo_alt.en"),
        ({"photo_alt": {"english": "Hanna"}}, "photo_alt.english"),
        ({"photo_alt": {"en": "x" * 301}}, "photo_alt.en"),
        ({"photo_credit": {"en": ""}}, "photo_credit.en"),
        ({"photo": None, "photo_alt": {"en": "Hanna"}}, "photo_alt"),
    ]:
        roster, problems = validate_roster_data(roster_doc([{**good, **bad}]))
        assert roster is None and any(p.field == field for p in problems), (bad, problems)
