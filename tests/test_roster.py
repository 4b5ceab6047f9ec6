"""roster.json validation: every kind of problem, each reported precisely, all at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from campaign_kit.errors import RosterError
from campaign_kit.roster import dump_roster, load_roster, parse_roster, script_problems
from conftest import REPO, SAMPLE_ROSTER, person, roster_doc


def problems_of(people, photos_root=None, **doc):
    data = roster_doc(people)
    data.update(doc)
    roster, problems = parse_roster(json.dumps(data, ensure_ascii=False), "roster.json", photos_root)
    return roster, [str(p) for p in problems]


def test_shipped_roster_is_valid_and_complete():
    roster = load_roster(SAMPLE_ROSTER, REPO / "assets" / "photos")
    assert len(roster.people) == 27
    assert sum(p.children for p in roster.people) == 53
    assert all(p.groups == ("mothers",) for p in roster.people)
    record6 = roster.people[5]
    assert (record6.surname_latin, record6.given_latin) == ("KANAVALAVA", "Antanina")
    assert record6.sentence_months == 66
    assert roster.by_id("laptanovich-yuliya").sentence_months == 57
    assert roster.by_id("sheuchyk-volha").sentence_months is None


def test_valid_record_passes():
    roster, problems = problems_of([person()])
    assert problems == []
    assert roster is not None and roster.people[0].name_latin == "ABLAB Hanna"


def test_malformed_json_names_line_and_column():
    roster, problems = parse_roster('{"schema": 1,\n  "people": [\n    {"id": }\n]}')
    assert roster is None
    assert len(problems) == 1
    assert problems[0].line == 3 and problems[0].column == 12
    assert str(problems[0]).startswith("roster.json: line 3, column 12: invalid JSON")


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"children": -1}, 'record 1 (ablab-hanna): field "children": must not be negative'),
        ({"children": 1.5}, 'field "children": must be a whole number, not a number'),
        ({"children": "2"}, 'field "children": must be a whole number, not a string'),
        ({"children": True}, 'field "children": must be a whole number, not true/false'),
        ({"status": "jailed"}, "field \"status\": 'jailed' is not one of sentenced"),
        ({"status": "pre_trial"}, 'field "sentence_months": a sentence is set but status is'),
        ({"sentence_months": 5.5}, 'field "sentence_months": must be a whole number of months'),
        ({"id": "Ablab Hanna"}, "field \"id\": 'Ablab Hanna' is not a slug"),
        ({"given_latin": "Hаnna"}, "cyrillic letter in a latin name: 'а' (U+0430"),
        ({"given_cyrillic": "Aнна"}, "latin letter in a cyrillic name: 'A' (U+0041"),
        ({"surname_latin": ""}, 'field "surname_latin": must not be empty'),
        ({"detained_on": "2026-02-30"}, "field \"detained_on\": '2026-02-30' is not a real date"),
        ({"detained_on": "2027-01-01"}, "after the roster's as_of date"),
        ({"released_on": "2025-01-01"}, 'field "released_on": is set but status is "sentenced"'),
        ({"photo": "../../etc/passwd"}, "must be a plain file name inside assets/photos/"),
        ({"photo": "hanna.gif"}, "is not a .jpg, .jpeg, .png or .webp file"),
        ({"nickname": "x"}, 'record 1 (ablab-hanna): unknown field "nickname"'),
        ({"groups": "mothers"}, 'field "groups": must be a list of group names'),
    ],
)
def test_each_problem_is_named_precisely(override, expected):
    roster, problems = problems_of([person(**override)])
    assert roster is None
    assert any(expected in p for p in problems), problems


def test_missing_field_and_duplicate_id():
    rec = person()
    del rec["status"]
    _, problems = problems_of([person(), person(), rec])
    assert (
        'roster.json: record 2 (ablab-hanna): field "id": duplicate id "ablab-hanna" '
        "(first used by record 1)" in problems
    )
    assert 'roster.json: record 3 (ablab-hanna): field "status": missing required field' in problems


def test_every_problem_reported_not_just_the_first():
    _, problems = problems_of(
        [
            person(children=-2, status="nope"),
            person(id="b-b", given_latin="Анна"),
            "not a record",
        ]
    )
    assert len(problems) == 4
    assert problems[3] == "roster.json: record 3: must be an object, not a string"


def test_released_needs_a_date_and_is_left_out_of_groups():
    _, problems = problems_of([person(status="released", sentence_months=None, facility=None)])
    assert any('"released_on": status is "released"' in p for p in problems)
    roster, problems = problems_of(
        [
            person(),
            person(
                id="b-c", status="released", sentence_months=None, facility=None, released_on="2026-01-10"
            ),
        ]
    )
    assert problems == []
    assert [p.id for p in roster.in_group("mothers")] == ["ablab-hanna"]


def test_photo_must_exist_and_be_an_image(tmp_path: Path):
    (tmp_path / "text.jpg").write_text("not an image")
    _, problems = problems_of(
        [person(photo="missing.jpg"), person(id="b-b", photo="text.jpg")], photos_root=tmp_path
    )
    assert any("file not found: assets/photos/missing.jpg" in p for p in problems)
    assert any("assets/photos/text.jpg: is not a JPEG, PNG or WebP image" in p for p in problems)


def test_top_level_problems():
    _, problems = problems_of([], schema=3, as_of="yesterday", extra=1)
    assert 'roster.json: unknown top-level field "extra"' in problems
    assert any('field "schema"' in p for p in problems)
    assert any('field "as_of"' in p for p in problems)
    _, problems = parse_roster(json.dumps({"schema": 1, "as_of": "2026-01-01", "people": {}}))
    problems = [str(p) for p in problems]
    assert 'roster.json: field "people": must be a list of records' in problems


def test_huge_name_is_refused_without_listing_every_character():
    _, problems = problems_of([person(given_latin="Ж" * 100_000)])
    assert len(problems) == 1 and "100000 characters long" in problems[0]


def test_script_problems_allow_name_punctuation():
    assert script_problems("SHABLINSKAYA-IVANOVA", "latin") == []
    assert script_problems("Дар’я", "cyrillic") == []
    assert script_problems("KANAVALAVA Антанина", "latin")[0].startswith("cyrillic letter")


def test_load_roster_raises_with_all_problems(tmp_path: Path):
    path = tmp_path / "roster.json"
    path.write_text(json.dumps(roster_doc([person(children=-1), person(id="x", status=3)])))
    with pytest.raises(RosterError) as err:
        load_roster(path)
    assert len(err.value.problems) == 2
    assert "2 problems found" in str(err.value)
    with pytest.raises(RosterError, match="file not found"):
        load_roster(tmp_path / "nope.json")


def test_dump_is_stable_round_trip():
    roster = load_roster(SAMPLE_ROSTER)
    text = dump_roster(roster.people, roster.as_of)
    assert text == SAMPLE_ROSTER.read_text(encoding="utf-8")


def test_modifier_apostrophe_is_name_punctuation():
    assert script_problems("Дарʼя", "cyrillic") == []


def test_name_caps_are_what_a_card_can_carry():
    from campaign_kit.roster import MAX_NAME_LEN, MAX_WORD_LEN

    _, problems = problems_of([person(surname_latin="A" * (MAX_NAME_LEN["surname"] + 1))])
    assert any("at most 40 are allowed" in p for p in problems)
    _, problems = problems_of([person(given_latin="Abcdefghij" * 2 + "k")])
    assert any(f"21-letter word; at most {MAX_WORD_LEN}" in p for p in problems)
    assert problems_of([person(surname_latin="ABCDEFGHIJKLMNOPQRST-ABCDEFGHIJKLMNOPQRS")])[1] == []


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("surname_latin", "--------------------ABCDEFGH", "must stand between letters"),
        ("surname_latin", "AB-", "must stand between letters"),
        ("given_latin", "Ǳenana", "latin letter outside the alphabets cards are made for"),
        ("given_cyrillic", "Ѹльга", "cyrillic letter outside the alphabets cards are made for"),
    ],
)
def test_names_cards_cannot_set_are_refused(field, value, expected):
    _, problems = problems_of([person(**{field: value})])
    assert any(expected in p for p in problems), problems


def test_belarusian_letters_in_belarusian_fields_only():
    assert problems_of([person(surname_be="ЎІЁЭ", given_be="Дар’я")])[1] == []
    _, problems = problems_of([person(surname_be="ЩИРЯКОВА", given_be="Ганна")])
    assert problems == [
        "roster.json: record 1 (ablab-hanna): field \"surname_be\": 'Щ' (U+0429) at position 1 "
        "is not in the Belarusian alphabet (write шч)",
        "roster.json: record 1 (ablab-hanna): field \"surname_be\": 'И' (U+0418) at position 2 "
        "is not in the Belarusian alphabet (write і or ы)",
    ]
    _, problems = problems_of([person(surname_ru="МАЎШУК", given_ru="Ірына")])
    assert len(problems) == 2
    assert "'Ў' (U+040E) at position 3 is not in the Russian alphabet (write в or у)" in problems[0]
    assert 'field "given_ru"' in problems[1] and "'І'" in problems[1]
    assert "Belarusian alphabet" in problems_of([person(given_be="Ґалина")])[1][0]
    assert "Russian alphabet" in problems_of([person(given_ru="Її")])[1][0]
    assert problems_of([person(surname_latin="ŁUKAŠENKA", given_latin="Zoë O'Neil")])[1] == []
