"""The language layer: CLDR plural forms and cases after numerals, in en, be and ru."""

from __future__ import annotations

import pytest

from campaign_kit.campaign.facts import plural_category
from campaign_kit.campaign.locale import load_locale, title_case_name
from conftest import REPO, made_person, name_fields

NUMBERS = [*range(1, 26), 101, 111]
T = REPO / "templates"

# The CLDR category every number must get (one/few/many for Slavic languages).
RU_BE = {1: "one", 21: "one", 101: "one", 2: "few", 3: "few", 4: "few", 22: "few", 23: "few", 24: "few"}
EXPECTED_CATEGORY = {
    "en": {n: ("one" if n == 1 else "other") for n in NUMBERS},
    "ru": {n: RU_BE.get(n, "many") for n in NUMBERS},
    "be": {n: RU_BE.get(n, "many") for n in NUMBERS},
}

# Forms by category: (years after "к"/"да"/"to", months, mother of, children nominative).
FORMS = {
    "en": {
        "one": ("{n} year", "{n} month", "Mother of {n} child", "{n} child"),
        "other": ("{n} years", "{n} months", "Mother of {n} children", "{n} children"),
    },
    "ru": {
        "one": ("{n} году", "{n} месяцу", "Мать {n} ребёнка", "{n} ребёнок"),
        "few": ("{n} годам", "{n} месяцам", "Мать {n} детей", "{n} ребёнка"),
        "many": ("{n} годам", "{n} месяцам", "Мать {n} детей", "{n} детей"),
    },
    "be": {
        "one": ("{n} года", "{n} месяца", "Маці {n} дзіцяці", "{n} дзіця"),
        "few": ("{n} гадоў", "{n} месяцаў", "Маці {n} дзяцей", "{n} дзяцей"),
        "many": ("{n} гадоў", "{n} месяцаў", "Маці {n} дзяцей", "{n} дзяцей"),
    },
}
WORDS = {
    # English house style: one to nine spelt out in prose (the roll call keeps digits).
    "en": {
        1: "Mother of one child",
        2: "Mother of two children",
        9: "Mother of nine children",
        10: "Mother of 10 children",
    },
    "ru": {
        1: "Мать одного ребёнка",
        2: "Мать двоих детей",
        5: "Мать пятерых детей",
        10: "Мать десятерых детей",
    },
    "be": {
        1: "Маці аднаго дзіцяці",
        2: "Маці дваіх дзяцей",
        5: "Маці пецярых дзяцей",
        10: "Маці дзесяцярых дзяцей",
    },
}


@pytest.mark.parametrize("lang", ["en", "be", "ru"])
@pytest.mark.parametrize("n", NUMBERS)
def test_every_number_form(lang, n):
    t = load_locale(T, lang)
    category = plural_category(lang, n)
    assert category == EXPECTED_CATEGORY[lang][n]
    years, months, mother, children = (f.replace("{n}", str(n)) for f in FORMS[lang][category])
    assert t.count("years", n) == years
    assert t.count("months", n) == months
    assert t.count("children", n) == children
    if n > 10 or (lang == "en" and n == 10):
        assert t.mother_of(n) == mother
    else:  # "two children", "двоих детей", "дваіх дзяцей": words for small numbers
        assert t.mother_of(n).split()[2 if lang == "en" else 1].isalpha()


@pytest.mark.parametrize("lang", ["be", "ru"])
@pytest.mark.parametrize("n", [n for n in NUMBERS if n > 10])
def test_mother_of_large_numbers_use_digits_in_the_right_case(lang, n):
    category = plural_category(lang, n)
    assert load_locale(T, lang).mother_of(n) == FORMS[lang][category][2].replace("{n}", str(n))


@pytest.mark.parametrize(
    ("lang", "n", "text"), [(lang, n, text) for lang, table in WORDS.items() for n, text in table.items()]
)
def test_mother_of_small_numbers_use_collective_words(lang, n, text):
    assert load_locale(T, lang).mother_of(n) == text


@pytest.mark.parametrize(
    ("months", "en", "ru", "be"),
    [
        (
            66,
            "Sentenced to 5 years 6 months in a penal colony",
            "Приговорена к 5 годам 6 месяцам колонии",
            "Асуджаная да 5 гадоў 6 месяцаў калоніі",
        ),
        (
            132,
            "Sentenced to 11 years in a penal colony",
            "Приговорена к 11 годам колонии",
            "Асуджаная да 11 гадоў калоніі",
        ),
        (
            12,
            "Sentenced to 1 year in a penal colony",
            "Приговорена к 1 году колонии",
            "Асуджаная да 1 года калоніі",
        ),
        (
            57,
            "Sentenced to 4 years 9 months in a penal colony",
            "Приговорена к 4 годам 9 месяцам колонии",
            "Асуджаная да 4 гадоў 9 месяцаў калоніі",
        ),
        (
            253,
            "Sentenced to 21 years 1 month in a penal colony",
            "Приговорена к 21 году 1 месяцу колонии",
            "Асуджаная да 21 года 1 месяца калоніі",
        ),
        (
            6,
            "Sentenced to 6 months in a penal colony",
            "Приговорена к 6 месяцам колонии",
            "Асуджаная да 6 месяцаў калоніі",
        ),
    ],
)
def test_sentence_phrasing_with_cases(months, en, ru, be):
    p = made_person(sentence_months=months)
    assert load_locale(T, "en").status(p) == en
    assert load_locale(T, "ru").status(p) == ru
    assert load_locale(T, "be").status(p) == be


@pytest.mark.parametrize(
    ("status", "en", "ru", "be"),
    [
        ("pre_trial", "In pre-trial detention", "Находится в СИЗО", "Знаходзіцца ў СІЗА"),
        (
            "compulsory_treatment",
            "Undergoing compulsory psychiatric treatment",
            "На принудительном лечении",
            "На прымусовым лячэнні",
        ),
    ],
)
def test_other_statuses(status, en, ru, be):
    p = made_person(status=status, sentence_months=None, facility=None)
    assert [load_locale(T, lang).status(p) for lang in ("en", "ru", "be")] == [en, ru, be]


def test_unknown_term():
    p = made_person(sentence_months=None)
    assert load_locale(T, "en").status(p) == "Sentenced to an unknown term in a penal colony"
    # One wording everywhere (editor's review B12/R16), in brackets: no three commas in a row.
    assert load_locale(T, "ru").status(p) == "Приговорена к лишению свободы (срок неизвестен)"
    assert load_locale(T, "be").status(p) == "Асуджаная да пазбаўлення волі (тэрмін невядомы)"
    assert "тэрмін невядомы" in load_locale(T, "be").status(p)


def test_names_in_the_script_of_the_text():
    p = made_person(
        **name_fields(
            "SHABLINSKAYA-IVANOVA Katsiaryna", "ШАБЛІНСКАЯ-ІВАНОВА Кацярына", "ШАБЛИНСКАЯ-ИВАНОВА Екатерина"
        )
    )
    en, ru, be = (load_locale(T, lang) for lang in ("en", "ru", "be"))
    assert en.name(p) == "SHABLINSKAYA-IVANOVA Katsiaryna"
    assert ru.name(p) == "ШАБЛИНСКАЯ-ИВАНОВА Екатерина"
    assert be.name(p) == "ШАБЛІНСКАЯ-ІВАНОВА Кацярына"
    assert en.prose_name(p) == "Katsiaryna Shablinskaya-Ivanova"
    assert ru.prose_name(p) == "Екатерина Шаблинская-Иванова"
    assert be.prose_name(p) == "Кацярына Шаблінская-Іванова"
    assert (en.initials(p), ru.initials(p), be.initials(p)) == ("K. S.", "Е. Ш.", "К. Ш.")
    assert be.other_name(p) == ru.other_name(p) == "SHABLINSKAYA-IVANOVA Katsiaryna"
    # The published English list pairs the Latin with the Russian form (its locale file says so).
    assert en.other_name(p) == "ШАБЛИНСКАЯ-ИВАНОВА Екатерина"
    assert title_case_name("ABLAB") == "Ablab"


def test_missing_plural_form_is_a_template_error(tmp_path):
    from campaign_kit.errors import TemplateError

    (tmp_path / "locale").mkdir()
    text = (T / "locale" / "ru.toml").read_text(encoding="utf-8").replace('few = "{n} годам"\n', "")
    (tmp_path / "locale" / "ru.toml").write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError, match=r"\[years\] lacks the plural forms few"):
        load_locale(tmp_path, "ru")
    with pytest.raises(TemplateError, match="no locale file"):
        load_locale(tmp_path, "en")


def test_a_schema_1_person_cannot_be_named_in_belarusian():
    from campaign_kit.errors import RosterError

    with pytest.raises(RosterError, match="no Belarusian name form.*campaign-kit migrate"):
        load_locale(T, "be").name(made_person())
    assert load_locale(T, "ru").name(made_person()) == "АБЛАБ Анна"


def test_locale_file_must_choose_name_forms(tmp_path):
    from campaign_kit.errors import TemplateError

    (tmp_path / "locale").mkdir()
    text = (T / "locale" / "en.toml").read_text(encoding="utf-8")
    bad = text.replace('name_form = "latin"', 'name_form = "cyrillic"')
    (tmp_path / "locale" / "en.toml").write_text(bad, encoding="utf-8")
    with pytest.raises(TemplateError, match='name_form must be one of "latin", "be", "ru"'):
        load_locale(tmp_path, "en")
