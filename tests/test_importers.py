"""import-list: the published list format, tolerant of real copies, strict about facts."""

from __future__ import annotations

import dataclasses

import pytest

from campaign_kit.roster import load_roster
from campaign_kit.roster.importers import normalise_line, parse_list, slugify, transliterate
from conftest import SAMPLE_ROSTER, SHARED

SEED = SHARED / "seed" / "mothers-of-minor-children.txt"


@pytest.mark.skipif(not SEED.exists(), reason="shared/seed is not beside the repository")
def test_seed_reproduces_the_shipped_roster():
    result = parse_list(SEED.read_text(encoding="utf-8"), "seed.txt", "mothers")
    assert result.problems == []
    assert [f.problem.line for f in result.fixes] == [35]
    assert result.fixes[0].found == "Антанина" and result.fixes[0].suggested == "Antanina"
    roster = load_roster(SAMPLE_ROSTER)
    # The shipped roster corrects two things the list cannot say: the Russian spelling
    # ЛАЗАРЧИК (the list prints the Belarusian ЛАЗАРЧЫК) and PAHADAEVA's documented exception.
    shipped = [
        dataclasses.replace(
            p,
            surname_cyrillic="ЛАЗАРЧЫК" if p.id == "lazarchyk-alena" else p.surname_cyrillic,
            latin_exception=None,
            deviations=(),  # the roster's record of why it differs from the list
        )
        for p in roster.people
    ]
    assert result.people == shipped
    assert result.stated_totals == {"women": 27, "children": 53}
    # Every Belarusian form is filled from the Latin and Russian ones, and said to be a suggestion.
    assert len(result.suggestions) == 27
    assert result.suggestions[0].line == 25
    assert "АБЛАБ Ганна suggested from ABLAB Hanna and АБЛАБ Анна; a suggestion, check it" in str(
        result.suggestions[0]
    )


def parse(*lines: str):
    return parse_list("\n".join(lines), "list.txt", "mothers")


@pytest.mark.parametrize(
    ("line", "months"),
    [
        ("1. ABLAB Hanna | АБЛАБ Анна, sentenced to 11 yrs in a penal colony: 2 children", 132),
        ("1.\u00a0ABLAB Hanna\u00a0| АБЛАБ Анна sentenced to 5,5 yrs in a penal colony: 2 children", 66),
        ("1. ABLAB Hanna | АБЛАБ Анна sentenced to 3,5 YRS in a penal colony: 1 child", 42),
        ("1. ABLAB Hanna | АБЛАБ Анна sentenced to 4 yrs 9 mnts in a penal colony: 3 children", 57),
        ("1. ABLAB Hanna | АБЛАБ Анна sentenced to 1 yr in a penal colony: 2 children", 12),
        ("1. ABLAB Hanna | АБЛАБ Анна, sentenced to unknown yrs in a penal colony: 2 children", None),
        ("  1)  ABLAB Hanna | АБЛАБ Анна,, sentenced to 2 years in a penal colony: 2 children.", 24),
    ],
)
def test_tolerant_of_real_copies(line, months):
    result = parse(line)
    assert result.problems == [], result.problems
    p = result.people[0]
    assert (p.status, p.sentence_months, p.facility) == ("sentenced", months, "penal_colony")
    assert p.name_latin == "ABLAB Hanna" and p.name_cyrillic == "АБЛАБ Анна"


def test_the_three_statuses_and_one_child():
    result = parse(
        "1. DAMASTOI Viktoryia | ДОМОСТОЙ Виктория in pre-trial detention: 3 children",
        "2. USPENSKAYA Maryia | УСПЕНСКАЯ Мария in compulsory psychological treatment: 1 child",
        "3. SHABLINSKAYA-IVANOVA Katsiaryna | ШАБЛИНСКАЯ-ИВАНОВА Екатерина sentenced to 2 yrs "
        "in a penal colony: 1 child",
    )
    assert result.problems == []
    assert [(p.status, p.children) for p in result.people] == [
        ("pre_trial", 3),
        ("compulsory_treatment", 1),
        ("sentenced", 1),
    ]
    assert result.people[2].id == "shablinskaya-ivanova-katsiaryna"
    assert result.people[2].surname_latin == "SHABLINSKAYA-IVANOVA"


def test_unreadable_lines_are_reported_with_line_numbers():
    result = parse(
        "Intro prose is ignored.",
        "1. ABLAB Hanna | АБЛАБ Анна sentenced to 11 yrs in a penal colony: 2 children",
        "2. BAHOVIK Ivanna БОГОВИК Иванна sentenced to 2 yrs: 2 children",
        "3. KAZAKOVA Viktoryia | КАЗАКОВА Виктория sentenced to many yrs in a penal colony: 2 children",
        "4. PYSHNIK Hanna | ПЫШНИК Анна sentenced to 3 yrs in a penal colony: some children",
        "6. SUSHA Kseniya | СУША Ксения in pre-trial detention: 2 children",
        "7. LAZARCHYK Alena | ЛАЗАРЧЫК Елена sentenced to 5,3 yrs in a penal colony: 1 child",
    )
    lines = [(p.line, p.message) for p in result.problems]
    assert lines[0][0] == 3 and "cannot read item 2" in lines[0][1]
    assert lines[1][0] == 4 and "cannot read the sentence" in lines[1][1]
    assert lines[2][0] == 5 and "cannot read the children" in lines[2][1]
    assert lines[3] == (6, "item 6 where item 5 was expected")
    assert lines[4][0] == 7 and "not a whole number of months" in lines[4][1]
    assert [p.id for p in result.people] == ["ablab-hanna", "susha-kseniya"]


def test_mixed_script_names_are_reported():
    result = parse(
        "1. KANAVALAVA Антанина | КОНОВАЛОВА Антонина sentenced to 5,5 yrs in a penal colony: 2 children",
        "2. ABLAB Hanna | АБЛАБ Anna sentenced to 1 yr in a penal colony: 2 children",
    )
    assert [f.suggested for f in result.fixes] == ["Antanina"]
    assert len(result.problems) == 1
    assert result.problems[0].field == "given_cyrillic" and result.problems[0].line == 2


def test_helpers():
    assert transliterate("Антанина") == "Antanina"
    assert transliterate("Тацяна") == "Tatsiana"
    assert transliterate("Юлія") == "Yuliya"
    assert slugify("SHABLINSKAYA-IVANOVA Katsiaryna") == "shablinskaya-ivanova-katsiaryna"
    assert normalise_line("1.\u00a0\u00a0A\u202fB\u200b") == "1. A B"


def test_stated_totals_must_match_the_list():
    result = parse(
        "These 3 mothers, these 5 children, need our help:",
        "1. ABLAB Hanna | АБЛАБ Анна sentenced to 1 yr in a penal colony: 2 children",
    )
    assert "states 3 mothers and 5 children but the list has 1 and 2" in result.problems[0].message
