"""Every name the roster accepts is set whole and legibly on every card, or refused by name.

The roster caps names (surname 40 characters, given name 30, no word over 20 letters: see
``roster.MAX_NAME_LEN``). Cards set every text at its role's size, never below 9 pt of x-height
on a phone, so a name far longer than any real one (four 20-letter words of Ж) may not fit a
310-pt landscape card: the build then stops with her id, the format and the field, and nothing
is ever clipped or shrunk out of legibility. Names as long as real ones get (two long hyphenated
surnames and a long given name) fit every format in every language. These tests draw names from
each script with every kind of status line, plan all five formats with the real fonts (the pure
planner: fast) and check every line against its layout box. A few long cases are also drawn to
pixels, and every inked pixel is checked to lie in a text box or the photo frame.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw

from campaign_kit.campaign.config import load_campaign
from campaign_kit.campaign.locale import load_locale
from campaign_kit.errors import FitError
from campaign_kit.render import cards
from campaign_kit.render.cards import FORMATS, CardContent, card_content, draw_card, plan
from campaign_kit.roster import MAX_NAME_LEN, MAX_WORD_LEN, Person, validate_roster_data
from conftest import CARD_DIRS, PHOTOS, REPO, TEMPLATES, made_person, name_fields, person, roster_doc

LANGS = ("en", "be", "ru")

CAMPAIGN = load_campaign(REPO / "campaign.toml")
APPEAL = CAMPAIGN.appeal("mothers")

# The widest letters come often: W and M in Latin; Ш Щ Ж Ю Ы М in Cyrillic.
LATIN_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "WM" * 12
LATIN_LOWER = "abcdefghijklmnopqrstuvwxyz" + "wm" * 6
CYRILLIC_UPPER = "АБВГДЕЁЗИЙКЛНОПРСТУЎФХЦЧЪЬЭЯІ" + "ШЩЖЮЫМ" * 6
CYRILLIC_LOWER = "абвгдеёзийклнопрстуўфхцчъьэяі" + "шщжюым" * 3
SCRIPTS = {"latin": (LATIN_UPPER, LATIN_LOWER), "cyrillic": (CYRILLIC_UPPER, CYRILLIC_LOWER)}

# The status lines that are longest in each language come up as often as any other.
STATUSES = st.one_of(
    st.tuples(st.just("sentenced"), st.one_of(st.none(), st.integers(1, 360))),
    st.tuples(st.just("sentenced"), st.sampled_from([None, 359, 358, 347, 335])),
    st.tuples(st.sampled_from(["pre_trial", "compulsory_treatment"]), st.none()),
)


@st.composite
def names(draw: st.DrawFn, script: str, cap: int, seps: tuple[str, ...]) -> str:
    """A name of up to ``cap`` characters in words of up to 20 letters, usually near the caps."""
    upper, lower = SCRIPTS[script]
    case = draw(st.sampled_from(["upper", "upper", "title", "lower", "mixed"]))
    lengths = draw(st.lists(st.integers(1, MAX_WORD_LEN), min_size=1, max_size=6))
    if draw(st.booleans()):
        lengths = [MAX_WORD_LEN, *lengths]  # a word at the cap, somewhere
        lengths = lengths[1:] + lengths[:1] if draw(st.booleans()) else lengths
    text = ""
    for n in lengths:
        sep = draw(st.sampled_from(seps)) if text else ""
        room = cap - len(text) - len(sep)
        if room < 1:
            break
        n = min(n, room)
        if case == "upper":
            word = "".join(draw(st.sampled_from(upper)) for _ in range(n))
        elif case == "lower":
            word = "".join(draw(st.sampled_from(lower)) for _ in range(n))
        elif case == "title":
            word = draw(st.sampled_from(upper)) + "".join(draw(st.sampled_from(lower)) for _ in range(n - 1))
        else:
            word = "".join(draw(st.sampled_from(upper + lower)) for _ in range(n))
        if n >= 3 and draw(st.integers(0, 9)) == 0:  # O’Brien, Дар’я
            at = draw(st.integers(1, n - 2))
            word = word[:at] + "’" + word[at + 1 :]
        text += sep + word
    return text


SURNAME_SEPS = ("-", "-", " ")
GIVEN_SEPS = (" ", " ", "-")


@st.composite
def women(draw: st.DrawFn) -> Person:
    """A woman the roster validator accepts, with names at and below its caps."""
    status, months = draw(STATUSES)
    rec = person(
        id="w",
        surname_latin=draw(names("latin", MAX_NAME_LEN["surname"], SURNAME_SEPS)),
        given_latin=draw(names("latin", MAX_NAME_LEN["given"], GIVEN_SEPS)),
        surname_cyrillic=draw(names("cyrillic", MAX_NAME_LEN["surname"], SURNAME_SEPS)),
        given_cyrillic=draw(names("cyrillic", MAX_NAME_LEN["given"], GIVEN_SEPS)),
        status=status,
        sentence_months=months,
        facility="penal_colony" if status == "sentenced" else None,
        children=draw(st.integers(0, 30)),
    )
    if status != "sentenced":
        del rec["sentence_months"]
    roster, problems = validate_roster_data(roster_doc([rec]))
    assert roster is not None, [p.message for p in problems]  # the generator stays in the caps
    return roster.people[0]


def at_caps(
    surname: list[int],
    given: list[int],
    latin: str,
    cyrillic: str,
    months: int | None = 359,
    children: int = 30,
) -> Person:
    """A woman whose names are words of the given lengths, of one letter each."""
    return Person(
        id="w",
        surname_latin="-".join(latin * n for n in surname),
        given_latin=" ".join(latin * n for n in given),
        surname_cyrillic="-".join(cyrillic * n for n in surname),
        given_cyrillic=" ".join(cyrillic * n for n in given),
        surname_be="-".join(cyrillic * n for n in surname),
        given_be=" ".join(cyrillic * n for n in given),
        status="sentenced",
        children=children,
        groups=("mothers",),
        sentence_months=months,
        facility="penal_colony",
    )


# The hardest names found by search: 4 words of 20 (one line each), 5 atoms (5 lines).
WORST = [
    at_caps([20, 19], [20, 9], "W", "Ж"),
    at_caps([20, 19], [20, 9], "M", "Ш", months=None),
    at_caps([9, 20, 9], [20, 9], "W", "Ж", months=None),
    at_caps([9, 20, 9], [20, 9], "M", "Щ"),
    at_caps([13, 13, 12], [14, 15], "W", "Ю", months=None),
    at_caps([13, 13, 12], [20, 9], "W", "Ж"),
]


def content(p: Person, lang: str) -> CardContent:
    return card_content(p, CAMPAIGN, APPEAL, load_locale(TEMPLATES, lang))


def rebuilt(lines: list[str]) -> str:
    out = lines[0]
    for line in lines[1:]:
        out += line if out.endswith("-") else " " + line
    return out


def check_plans(c: CardContent, must_fit: bool = True) -> None:
    """Plan all five formats; every line inside its box, who she is and why whole, all legible.

    With ``must_fit`` false a format may refuse the card, but only with a ``FitError`` that
    names her, the language and the format.
    """
    for fmt in FORMATS:
        layout = cards.load_layout(TEMPLATES, fmt)
        try:
            card = plan(c, fmt, **CARD_DIRS)
        except FitError as err:
            assert not must_fit, (fmt, c.lang, str(err))
            assert f"{c.person_id} ({c.lang}): {fmt} card:" in str(err)
            continue
        by_field: dict[str, list[Any]] = {}
        for line in card.lines:
            assert card.box_of(line.field).contains(line.bbox), (fmt, c.lang, line)
            by_field.setdefault(line.field, []).append(line)
        for field in ("label", "name", "status", "org_name"):
            text = c.texts()[field]
            lines = by_field[field]
            # Lines break only at ordinary spaces: no-break spaces stay inside a line.
            assert rebuilt([line.text for line in lines]) == " ".join(text.split(" ")), (fmt, field)
            style = layout.style(field)
            assert len(lines) <= style.most_lines
            assert all(line.size >= style.floor_size for line in lines), (fmt, field)


@pytest.mark.parametrize("lang", LANGS)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(woman=women())
@example(woman=WORST[0])
@example(woman=WORST[2])
@example(woman=WORST[4])
def test_every_valid_name_fits_or_is_refused_by_name(lang: str, woman: Person) -> None:
    check_plans(content(woman, lang), must_fit=False)


# Names as long as real ones: two hyphenated surnames, a double given name, everyday letters.
REAL_LONG = [
    # One Cyrillic spelling stands for both forms.
    made_person(id="w", **name_fields(latin, cyrillic, cyrillic), children=4, sentence_months=months)
    for latin, cyrillic, months in [
        ("SHABLINSKAYA-IVANOVA Katsiaryna", "ШАБЛИНСКАЯ-ИВАНОВА Екатерина", 66),
        ("VAITSIAKHOVICH-SHCHARBATSEVICH Aliaksandra", "ВОЙТЕХОВИЧ-ЩЕРБАЦЕВИЧ Александра", 283),
        ("SHARENDA-PANASIUK Anastasiya-Mariya", "ШАРЕНДА-ПАНАСЮК Анастасия-Мария", None),
        ("DANILIUK-KAVALEUSKAYA Katsiaryna", "ДАНИЛЮК-КОВАЛЕВСКАЯ Екатерина", 359),
    ]
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("woman", range(len(REAL_LONG)))
def test_names_as_long_as_real_ones_fit_every_format(lang: str, woman: int) -> None:
    check_plans(content(REAL_LONG[woman], lang))


def shape(p: Person) -> str:
    """``20-19+20.9 W/Ж``: word lengths of surname and given name, and the letters."""

    def lengths(name: str) -> str:
        return ".".join(str(len(w)) for w in name.replace("-", " ").split())

    return (
        f"{lengths(p.surname_latin)}+{lengths(p.given_latin)} "
        f"{p.surname_latin[0]}/{p.surname_cyrillic[0]}/{p.sentence_months}"
    )


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("woman", WORST, ids=shape)
def test_the_worst_names_fit_or_are_refused_by_name(lang: str, woman: Person) -> None:
    check_plans(content(woman, lang), must_fit=False)


# Natural 60-character titles and organisation names (the longest campaign.toml may hold).
TITLES = {
    "en": [
        "Women Sentenced to Extreme Terms for Donations and Comments",
        "Belarusian Women Political Prisoners with Serious Illnesses",
        "WOMEN SENTENCED TO EXTREME TERMS FOR DONATIONS AND COMMENTS",
    ],
    "be": [
        "Жанчыны, асуджаныя за ахвяраванні і каментары ў сацсетках",
        "Палітвязні-жанчыны з цяжкімі захворваннямі: тэрміновы заклік",
        "ЖАНЧЫНЫ, АСУДЖАНЫЯ ЗА АХВЯРАВАННІ І КАМЕНТАРЫ Ў САЦСЕТКАХ",
    ],
    "ru": [
        "Женщины, осуждённые за пожертвования и комментарии в сетях",
        "ЖЕНЩИНЫ, ОСУЖДЁННЫЕ ЗА ПОЖЕРТВОВАНИЯ И КОММЕНТАРИИ В СЕТЯХ",
        "Политзаключённые женщины пенсионного возраста в Беларуси",
    ],
}
ORGS = {
    "en": "Initiative of Women Political Prisoners of Belarus in Exile",
    "be": "Грамадская ініцыятыва «Жанчыны — палітычныя зняволеныя РБ»",
    "ru": "ОБЩЕСТВЕННАЯ ИНИЦИАТИВА «ЖЕНЩИНЫ-ПОЛИТЗАКЛЮЧЁННЫЕ БЕЛАРУСИ»",
}


@pytest.mark.parametrize("lang", LANGS)
def test_sixty_character_titles_and_organisation_names_fit_or_are_refused(lang: str) -> None:
    base = content(REAL_LONG[0], lang)
    check_plans(base)
    for title in TITLES[lang]:
        # The title is not on the cards: any title leaves them as they are.
        assert len(title) <= 60
        check_plans(dataclasses.replace(base, appeal_title=title))
    # A 60-character organisation name takes more lines than its place has on some formats:
    # refused by name, never clipped.
    assert len(ORGS[lang]) <= 60
    check_plans(dataclasses.replace(base, org_name=ORGS[lang]), must_fit=False)


def inked_outside(c: CardContent, fmt: str) -> int:
    """Pixels the text changed outside every layout box and the photo frame (should be 0)."""
    layout = cards.load_layout(TEMPLATES, fmt)
    drawn = draw_card(c, fmt, PHOTOS, **CARD_DIRS)
    fill = plan(c, fmt, **CARD_DIRS).placeholder_fill
    diff = ImageChops.difference(drawn, cards._background(layout, str(REPO / "assets"), fill)).convert("L")
    allowed = Image.new("L", drawn.size, 0)
    pen = ImageDraw.Draw(allowed)
    for box in [*(block.box for block in layout.blocks), layout.photo.box]:
        pen.rectangle((box.x, box.y, box.right - 1, box.bottom - 1), fill=255)
    outside = ImageChops.subtract(diff.point(lambda v: 255 if v else 0), allowed)
    return sum(outside.histogram()[1:])


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_long_cards_ink_only_inside_their_boxes(lang: str, fmt: str) -> None:
    for woman in (REAL_LONG[0], REAL_LONG[1]):
        assert inked_outside(content(woman, lang), fmt) == 0
