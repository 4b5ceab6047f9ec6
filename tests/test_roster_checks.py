"""The roster's field table: what it knows is what roster.json writes, and migrate uses it too."""

from __future__ import annotations

import json

import pytest

from campaign_kit.errors import RosterError
from campaign_kit.roster import KNOWN_FIELDS, dump_roster, migrate_roster, parse_roster
from campaign_kit.roster.checks import FIELDS, RECORD_RULES, REQUIRED_FIELDS
from conftest import person, roster_doc

# A record with every optional field set: nothing the table knows is left at its default.
EVERY_FIELD = person(
    latin_exception="published spelling",
    born_on="1968-03",
    health="Has diabetes",
    history=[
        {"status": "pre_trial", "on": "2021-04", "sentence_months": None, "source": None},
        {"status": "sentenced", "on": "2022", "sentence_months": 132, "source": "https://spring96.org/x"},
    ],
    photo="ablab.jpg",
    photo_focus=[0.5, 0.25],
    photo_credit={"be": "сямейны архіў", "en": "family archive"},
    photo_alt={"be": "Ганна ўсміхаецца", "en": "Hanna smiles"},
    detained_on="2021-04-12",
    sources=["https://spring96.org/x"],
    checked_on="2026-11-20",
    deviations={"surname_ru": "the list spells it so"},
)


def test_every_field_the_table_knows_is_written_back_and_read_the_same():
    roster, problems = parse_roster(json.dumps(roster_doc([EVERY_FIELD]), ensure_ascii=False))
    assert problems == [] and roster is not None
    text = dump_roster(roster.people, roster.as_of)
    assert set(json.loads(text)["people"][0]) == KNOWN_FIELDS
    again, problems = parse_roster(text)
    assert problems == [] and again is not None
    assert again.people == roster.people


def test_the_table_names_each_field_once_and_its_rules_in_order():
    names = [f.name for f in FIELDS]
    assert len(names) == len(set(names)) == len(KNOWN_FIELDS)
    assert REQUIRED_FIELDS == ("id", *names[1:7], "status", "groups")
    # A rule over several fields stands after every field it reads.
    position = {rule: i for i, rule in enumerate(RECORD_RULES)}
    by_name = {f.name: position[f] for f in FIELDS}
    for rule, reads in [
        ("released_after_detained", ("detained_on", "released_on")),
        ("born_before_detained", ("born_on", "detained_on")),
        ("history_ends_in_status", ("history", "status")),
        ("alt_needs_photo", ("photo", "photo_alt")),
    ]:
        where = next(i for r, i in position.items() if getattr(r, "__name__", "") == rule)
        assert all(by_name[name] < where for name in reads), rule


def test_a_table_problem_names_the_key():
    rec = person(deviations={"nickname": "x"}, photo="a.jpg", photo_alt={"english": "x"})
    _, problems = parse_roster(json.dumps(roster_doc([rec]), ensure_ascii=False))
    assert [(p.field, p.message[:30]) for p in problems] == [
        ("deviations.nickname", "'nickname' is not a field of t"),
        ("photo_alt.english", "is not a language code (en, be"),
    ]


def schema_1(rec: dict) -> dict:
    rec = dict(rec)
    for kind in ("surname", "given"):
        rec[f"{kind}_cyrillic"] = rec.pop(f"{kind}_ru")
        del rec[f"{kind}_be"]
    del rec["latin_exception"]
    return {"schema": 1, "as_of": "2026-11-24", "people": [rec]}


def test_migrate_checks_schema_1_with_the_same_rules_and_names_its_fields():
    result = migrate_roster(json.dumps(schema_1(person()), ensure_ascii=False).encode())
    assert (result.schema_before, result.people) == (1, 1)
    record = json.loads(result.text)["people"][0]
    assert (record["surname_be"], record["given_be"], record["given_ru"]) == ("АБЛАБ", "Ганна", "Анна")
    broken = schema_1(person(children=-1))
    del broken["people"][0]["given_cyrillic"]
    with pytest.raises(RosterError, match="fix them before migrating") as err:
        migrate_roster(json.dumps(broken, ensure_ascii=False).encode())
    assert [(p.field, p.message) for p in err.value.problems] == [
        ("given_cyrillic", "missing required field"),
        ("children", "must not be negative (got -1)"),
    ]
