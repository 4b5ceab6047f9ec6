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

from campaign_kit.config import load_campaign
from campaign_kit.errors import FitError, PhotoError, RenderError
from campaign_kit.locale import load_locale
from campaign_kit.render import cards
from campaign_kit.render.cards import (
    FORMATS,
    CardContent,
    alt_text,
    card_content,
    check_glyphs,
    draw_card,
    font_coverage,
    plan,
    render_card,
)
from campaign_kit.render.typeset import resolve_texts
from campaign_kit.roster import Person, load_roster
from conftest import SAMPLE_ROSTER, cyrillic_forms

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "templates"
FONTS = REPO / "assets" / "fonts"
PHOTOS = REPO / "assets" / "photos"
KW = {"templates_dir": TEMPLATES, "fonts_dir": FONTS}
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
    assert (en.name, en.other_name) == ("ABLAB Hanna", "АБЛАБ Анна")
    assert (be.name, be.other_name) == ("АБЛАБ Ганна", "ABLAB Hanna")
    assert (ru.name, ru.other_name) == ("АБЛАБ Анна", "ABLAB Hanna")
    assert en.status == "Sentenced to 11 years in a penal colony"
    assert ru.status == "Приговорена к 11 годам колонии"
    assert (en.children, be.children, ru.children) == (
        "Mother of two children",
        "Маці дваіх дзяцей",
        "Мать двоих детей",
    )
    assert en.hashtags[:2] == ("#Mothers", "#BehindBars")
    assert all(tag.startswith("#") for tag in en.hashtags)
    assert en.appeal_title == "Mothers of Minor Children"
    assert be.org_name == "Жанчыны — палітычныя вязні Беларусі"
    assert (en.message, be.message, ru.message) == (
        "Her two children are waiting for her",
        "Яе чакаюць двое дзяцей",
        "Её ждут двое детей",
    )
    assert (en.given, ru.given) == ("Hanna", "Анна")
    assert en.site_host == "belaruswomen.org"
    assert (en.cta, be.cta, ru.cta) == (
        "Write to her · belaruswomen.org",
        "Напішыце ёй · belaruswomen.org",
        "Напишите ей · belaruswomen.org",
    )


@pytest.mark.parametrize(
    ("lang", "n", "message"),
    [
        ("en", 1, "Her child is waiting for her"),
        ("en", 3, "Her three children are waiting for her"),
        ("en", 11, "Her 11 children are waiting for her"),
        ("be", 1, "Яе чакае дзіця"),
        # Collective numerals with дзеці (editor's review B1); from 11 the number stands apart.
        ("be", 21, "Яе чакаюць дзеці: 21"),
        ("be", 4, "Яе чакаюць чацвёра дзяцей"),
        ("be", 5, "Яе чакаюць пяцёра дзяцей"),
        ("be", 22, "Яе чакаюць дзеці: 22"),
        ("ru", 3, "Её ждут трое детей"),
        ("ru", 1, "Её ждёт ребёнок"),
        ("ru", 22, "Её ждут 22 ребёнка"),
        ("ru", 11, "Её ждут 11 детей"),
        ("ru", 0, "Она — политическая заключённая"),
    ],
)
def test_message_in_each_language(lang: str, n: int, message: str) -> None:
    assert content(dataclasses.replace(ABLAB, children=n), lang).message == message


def test_as_of_date_and_photo_credit_in_each_language() -> None:
    import datetime as dt

    p = dataclasses.replace(ABLAB, photo="x.jpg", photo_credit="Viasna")
    locales = {lang: load_locale(TEMPLATES, lang) for lang in LANGS}
    got = {
        lang: card_content(p, CAMPAIGN, APPEAL, loc, as_of=dt.date(2026, 11, 24))
        for lang, loc in locales.items()
    }
    assert got["en"].as_of == "List correct as of 24 November 2026"
    # One date style per language, the texts' (facts.long_date): "2026 г." with a no-break space.
    assert got["be"].as_of == "Спіс актуальны на 24 лістапада 2026\u00a0г."
    assert got["ru"].as_of == "Список актуален на 24 ноября 2026\u00a0г."
    assert (got["en"].photo_credit, got["ru"].photo_credit) == ("Photo: Viasna", "Фото: Viasna")
    assert content(ABLAB, "en").as_of == "" and content(ABLAB, "en").photo_credit == ""


def test_placeholder_varies_between_women() -> None:
    roster = load_roster(SAMPLE_ROSTER)
    layout = cards.load_layout(TEMPLATES, "square")
    fills = {plan(content(p, "en"), "square", **KW).placeholder_fill for p in roster.people}
    assert fills == set(layout.photo.placeholder.fills)
    c = content(ABLAB, "en")
    card = plan(c, "square", **KW)
    assert [line.text for line in card.placeholder] == ["Hanna"]
    assert plan(c, "portrait", **KW).placeholder_fill == card.placeholder_fill  # hers on every format


def test_no_children_line_when_she_has_none() -> None:
    c = content(dataclasses.replace(ABLAB, children=0), "en")
    assert c.children == ""
    card = plan(c, "portrait", **KW)
    assert "children" not in {line.field for line in card.lines}
    assert "Mother of" not in alt_text(c, templates_dir=TEMPLATES)


@pytest.mark.parametrize("lang", LANGS)
def test_alt_text_leads_with_the_message_and_names_her_once(lang: str) -> None:
    c = content(LONGEST[0], lang)
    alt = alt_text(c, templates_dir=TEMPLATES)
    assert alt.startswith(c.message)
    for part in (c.status, c.org_name, c.site_host):
        assert part in alt
    # Her name once, as a sentence says it: capitals would be spelt out by screen readers.
    spoken = {
        "en": "Katsiaryna Shablinskaya-Ivanova",
        "be": "Кацярына Шаблінская-Іванова",
        "ru": "Екатерина Шаблинская-Иванова",
    }[lang]
    assert (
        alt.count(spoken) == 1 and "SHABLINSKAYA" not in alt and "Shablinskaya" not in alt.replace(spoken, "")
    )
    # No hashtags (the post has them) and no initials (read out letter by letter).
    assert "#" not in alt
    assert re.search(r"\b\w\. \w\.", alt) is None
    assert ".." not in alt and "  " not in alt
    assert len(alt) < 1000  # X's alt text limit, the smallest


def test_alt_text_wording_per_language() -> None:
    assert alt_text(content(ABLAB, "en"), templates_dir=TEMPLATES).startswith(
        "Her two children are waiting for her: Hanna Ablab. Sentenced to 11 years in a penal colony."
    )
    assert alt_text(content(ABLAB, "be"), templates_dir=TEMPLATES).startswith(
        "Яе чакаюць двое дзяцей: Ганна Аблаб."
    )
    assert alt_text(content(ABLAB, "ru"), templates_dir=TEMPLATES).startswith(
        "Её ждут двое детей: Анна Аблаб."
    )
    with_photo = dataclasses.replace(content(ABLAB, "en"), photo="x.jpg")
    assert "With her photo." in alt_text(with_photo, templates_dir=TEMPLATES)
    assert "in place of a photo" in alt_text(content(ABLAB, "en"), templates_dir=TEMPLATES)


def test_alt_text_refuses_initials_and_hashtags(tmp_path: Path) -> None:
    (tmp_path / "cards").mkdir()
    alt = tmp_path / "cards" / "alt.toml"
    for key in ("initials", "hashtags", "other_name"):
        alt.write_text(f'[en]\nparts = ["{{{key}}}"]\nphoto = ""\nplaceholder = ""\n', encoding="utf-8")
        with pytest.raises(RenderError, match="unknown placeholder"):
            alt_text(content(ABLAB, "en"), templates_dir=tmp_path)


def test_alt_text_bad_wording(tmp_path: Path) -> None:
    (tmp_path / "cards").mkdir()
    alt = tmp_path / "cards" / "alt.toml"
    alt.write_text('[en]\nparts = ["{nmae}"]\nphoto = ""\nplaceholder = ""\n', encoding="utf-8")
    with pytest.raises(RenderError, match=r"alt\.toml: en\.parts\[0\]: unknown placeholder"):
        alt_text(content(ABLAB, "en"), templates_dir=tmp_path)
    with pytest.raises(RenderError, match=r"no \[ru\] table"):
        alt_text(content(ABLAB, "ru"), templates_dir=tmp_path)


# --- fit: every text inside its box, in every format and language -------------------------


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_long_names_fit_every_format_and_language(fmt: str) -> None:
    boxes_checked = 0
    for person in [ABLAB, *LONGEST]:
        for lang in LANGS:
            c = content(person, lang)
            card = plan(c, fmt, **KW)
            fonts = cards._font_paths(cards.load_layout(TEMPLATES, fmt).fonts, str(FONTS))
            probe = ImageDraw.Draw(Image.new("L", (1, 1)))
            by_field: dict[str, list[str]] = {}
            for line in card.lines:
                box = card.box_of(line.field)
                assert box.contains(line.bbox), (person.id, lang, fmt, line)
                # Independently of the plan's arithmetic: where Pillow says the ink goes.
                ink = probe.textbbox(
                    (line.x, line.y), line.text, font=cards._font(fonts[line.font], line.size), anchor="ls"
                )
                assert box.contains(ink), (person.id, lang, fmt, line.text, ink, box)
                by_field.setdefault(line.field, []).append(line.text)
                boxes_checked += 1
            # Nothing lost: the lines of each text put back together are the text.
            layout = cards.load_layout(TEMPLATES, fmt)
            for field, text in resolve_texts(layout, c.texts()).items():
                if not text:
                    continue
                if layout.style(field).transform == "upper":
                    text = text.upper()
                lines = by_field[field]
                rebuilt = lines[0]
                for nxt in lines[1:]:
                    rebuilt += nxt if rebuilt.endswith("-") else " " + nxt
                assert rebuilt == text, (fmt, lang, field, lines)
            assert card.placeholder and all(card.photo_box.contains(line.bbox) for line in card.placeholder)
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
        card = plan(c, fmt, **KW)
    except FitError as err:
        assert f"w ({lang}):" in str(err) and fmt in str(err)
        return
    for line in card.lines:
        assert card.box_of(line.field).contains(line.bbox)


def test_debug_overlay_draws_the_boxes() -> None:
    c = content(ABLAB, "en")
    plain = draw_card(c, "square", PHOTOS, **KW)
    debug = draw_card(c, "square", PHOTOS, debug=True, **KW)
    block = cards.load_layout(TEMPLATES, "square").blocks[0].box
    assert plain.getpixel((block.x, block.y)) != debug.getpixel((block.x, block.y))


def test_hyphenated_surname_wraps_at_the_hyphen() -> None:
    # Landscape sets the Cyrillic name large enough that it must wrap.
    card = plan(content(LONGEST[0], "ru"), "landscape", **KW)
    names = [line.text for line in card.lines if line.field == "name"]
    assert names == ["ШАБЛИНСКАЯ-", "ИВАНОВА Екатерина"]


def test_impossible_name_is_a_fit_error_naming_person_format_field() -> None:
    huge = woman("impossible", "A" * 80, "Hanna", "АБЛАБ", "Анна")
    with pytest.raises(FitError) as err:
        plan(content(huge, "en"), "link", **KW)
    msg = str(err.value)
    assert "impossible (en): link card: name" in msg and "even at 27 px in 5 lines" in msg


def test_real_names_stay_in_the_normal_range() -> None:
    # The last resort (more lines, smaller sizes) is for names at the roster's caps; every woman
    # on the real roster is set exactly as before it existed.
    roster = load_roster(SAMPLE_ROSTER)
    assert len(roster.people) >= 27
    for fmt in FORMATS:
        layout = cards.load_layout(TEMPLATES, fmt)
        for person in [*roster.people, *LONGEST[:3]]:
            for lang in LANGS:
                card = plan(content(person, lang), fmt, **KW)
                lines: dict[str, list[int]] = {}
                for line in card.lines:
                    lines.setdefault(line.field, []).append(line.size)
                for field, sizes in lines.items():
                    style = layout.style(field)
                    assert style.min_size <= sizes[0] <= style.size, (person.id, fmt, lang, field)
                    assert len(sizes) <= style.max_lines, (person.id, fmt, lang, field)


# --- pixels and bytes ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_png_size_chunks_and_determinism(fmt: str) -> None:
    c = content(LONGEST[0], "be")
    png = render_card(c, fmt, PHOTOS, **KW)
    with Image.open(io.BytesIO(png)) as im:
        assert im.size == FORMATS[fmt] and im.mode == "RGB"
        assert not im.getexif() and "dpi" not in im.info
    kinds = chunks(png)
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    assert set(kinds) <= {b"IHDR", b"IDAT", b"IEND"}, kinds  # no tEXt/iTXt/zTXt/eXIf/tIME
    cards._text_mask.cache_clear()  # a fresh rasterisation gives the same bytes
    assert render_card(c, fmt, PHOTOS, **KW) == png
    image = draw_card(c, fmt, PHOTOS, **KW)
    assert image.info == {} and cards.encode_png(image) == png


def test_different_women_different_cards() -> None:
    a = render_card(content(ABLAB, "en"), "link", PHOTOS, **KW)
    b = render_card(content(LONGEST[2], "en"), "link", PHOTOS, **KW)
    assert a != b


def test_card_with_photo_has_her_pixels_and_no_metadata(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 1
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (53.0, 54.0, 0.0)
    Image.new("RGB", (600, 800), (30, 140, 60)).save(
        tmp_path / "ablab-hanna.jpg", "JPEG", exif=exif.tobytes()
    )
    c = dataclasses.replace(content(ABLAB, "en"), photo="ablab-hanna.jpg", photo_focus=(0.5, 0.3))
    png = render_card(c, "portrait", tmp_path, **KW)
    assert set(chunks(png)) <= {b"IHDR", b"IDAT", b"IEND"}
    assert str(tmp_path).encode() not in png and b"ablab-hanna" not in png
    frame = cards.load_layout(TEMPLATES, "portrait").photo.box
    with Image.open(io.BytesIO(png)) as im:
        r, g, b = im.getpixel((frame.x + frame.w // 2, frame.y + frame.h // 2))
        assert abs(r - 30) < 12 and abs(g - 140) < 12 and abs(b - 60) < 12
    card = plan(c, "portrait", **KW)
    assert card.placeholder == () and card.placeholder_fill is None


def test_missing_photo_is_a_photo_error(tmp_path: Path) -> None:
    c = dataclasses.replace(content(ABLAB, "en"), photo="nobody.jpg")
    with pytest.raises(PhotoError, match=r"nobody\.jpg"):
        render_card(c, "square", tmp_path, **KW)


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
        render_card(c, "square", PHOTOS, **KW)
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
    deps = cards.card_dependencies("link", **KW)
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


def test_logo_rounded_button_and_placeholder_pixels() -> None:
    c = content(ABLAB, "en")
    story = cards.load_layout(TEMPLATES, "story")
    image = draw_card(c, "story", PHOTOS, **KW)
    red = (179, 32, 42)
    logo = story.images[0].box
    logo_pixels = image.crop((logo.x, logo.y, logo.right, logo.bottom)).getcolors(100_000)
    assert logo_pixels and any(colour == red for _, colour in logo_pixels)  # the mark, painted red
    button = next(s for s in story.shapes if s.radius)
    assert image.getpixel((button.box.x, button.box.y)) == (255, 255, 255)  # a rounded corner
    assert image.getpixel((button.box.x + button.box.w // 2, button.box.y + 4)) == red
    # Anti-aliased: along the curve some pixels lie between white and red.
    corner = image.crop((button.box.x, button.box.y, button.box.x + 30, button.box.y + 30)).getcolors(2000)
    assert corner and len(corner) > 3
    fill = plan(c, "story", **KW).placeholder_fill
    frame = story.photo.box
    assert image.getpixel((frame.x + 4, frame.y + 4)) == fill


def test_letter_spacing_with_the_real_fonts() -> None:
    path = str(FONTS / "InterDisplay-Bold.otf")
    plain = cards._span(path, 60, "HANNA")
    spaced, pens = cards._tracked(path, 60, "HANNA", 0.1)
    assert spaced.width == pytest.approx(plain.width + 4 * 6, abs=2)
    assert [ch for ch, _ in pens] == list("HANNA")
    mask, _ = cards._text_mask(path, 60, "HANNA", 0.1)
    assert mask.width == spaced.width
