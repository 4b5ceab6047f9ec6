"""Roster schema 2: schema 1 is read only by `migrate`, which rewrites it; validate checks the Latin."""

from __future__ import annotations

import json
from pathlib import Path

from campaign_kit.roster import parse_roster
from campaign_kit.roster.names import latin_matches, passport_latin, suggest_belarusian
from conftest import SAMPLE_ROSTER, named, person, roster_doc
from fixtures import run_cli

# The 27 Belarusian forms of issue 13, in roster order (given name, surname).
ISSUE_13 = (
    "Ганна Аблаб; Іванна Баговік; Вікторыя Дамастой; Таццяна Данілюк; Наталля Давыдуліна; "
    "Антаніна Канавалава; Таццяна Канеўская; Вікторыя Казакова; Ірэна Клявец; Юлія Лаптановіч; "
    "Алена Лазарчык; Анастасія Лазарэнка; Алена Маўшук; Ірына Пагадаева; Ганна Пышнік; "
    "Кацярына Шаблінская-Іванова; Паліна Шарэнда-Панасюк; Ларыса Шчыракова; Вольга Шэўчык; "
    "Алеся Сяргеенка; Наталля Сцёпіна; Ксенія Суша; Марыя Успенская; Вольга Вайцяховіч; "
    "Жанна Волкава; Алена Яфрэменка; Вольга Жалабкова"
)


def shipped() -> list[dict]:
    return json.loads(SAMPLE_ROSTER.read_text(encoding="utf-8"))["people"]


def as_schema_1(people: list[dict]) -> dict:
    """The shipped roster as schema 1 wrote it: one Cyrillic form (the Russian)."""
    out = []
    for rec in people:
        rec = dict(rec)
        for kind in ("surname", "given"):
            rec[f"{kind}_cyrillic"] = rec.pop(f"{kind}_ru")
            del rec[f"{kind}_be"]
        del rec["latin_exception"]
        for later in ("deviations", "checked_on"):  # schema 2 fields a schema 1 file never had
            rec.pop(later, None)
        out.append(rec)
    return {"schema": 1, "as_of": "2026-11-24", "people": out}


def test_shipped_roster_has_the_issue_13_forms():
    people = shipped()
    pairs = [entry.split(" ", 1) for entry in ISSUE_13.split("; ")]
    assert len(people) == len(pairs) == 27
    for rec, (given, surname) in zip(people, pairs, strict=True):
        assert (rec["given_be"], rec["surname_be"]) == (given, surname.upper()), rec["id"]
    lazarchyk = next(r for r in people if r["id"] == "lazarchyk-alena")
    assert (lazarchyk["surname_be"], lazarchyk["surname_ru"]) == ("ЛАЗАРЧЫК", "ЛАЗАРЧИК")


def test_passport_transliteration_gives_the_published_latin_for_26_of_27():
    differ = [
        rec["id"]
        for rec in shipped()
        if not (
            latin_matches(rec["surname_latin"], rec["surname_be"])
            and latin_matches(rec["given_latin"], rec["given_be"])
        )
    ]
    assert differ == ["pahadaeva-iryna"]
    assert passport_latin("ПАГАДАЕВА") == "pahadayeva"
    assert [passport_latin(w) for w in ("Таццяна", "Марыя", "Юлія", "Сяргеенка", "Вольга", "Дар’я")] == [
        "tatsiana",
        "maryia",
        "yuliya",
        "siarheyenka",
        "volha",
        "darya",
    ]


def test_the_suggestion_reads_the_latin_back_with_the_russian_soft_signs():
    for rec in shipped():
        ru_surname = "ЛАЗАРЧЫК" if rec["id"] == "lazarchyk-alena" else rec["surname_ru"]
        assert suggest_belarusian(rec["surname_latin"], ru_surname) == rec["surname_be"], rec["id"]
        assert suggest_belarusian(rec["given_latin"], rec["given_ru"]) == rec["given_be"], rec["id"]


def test_validate_warns_with_both_spellings_unless_the_record_marks_the_exception():
    rec = named("pahadaeva-iryna", "PAHADAEVA Iryna", "ПАГАДАЕВА Ірына", "ПОГАДАЕВА Ирина")
    roster, problems = parse_roster(json.dumps(roster_doc([rec]), ensure_ascii=False))
    assert problems == [] and roster is not None
    assert [str(w) for w in roster.warnings] == [
        "roster.json: record 1 (pahadaeva-iryna): field \"surname_latin\": 'PAHADAEVA' is not the passport "
        "transliteration of 'ПАГАДАЕВА' ('PAHADAYEVA'); correct one of them, or set latin_exception to "
        "the reason the published spelling differs"
    ]
    rec["latin_exception"] = "published spelling"
    roster, _ = parse_roster(json.dumps(roster_doc([rec]), ensure_ascii=False))
    assert roster is not None and roster.warnings == ()
    roster, _ = parse_roster(
        json.dumps(roster_doc([person(latin_exception="not needed")]), ensure_ascii=False)
    )
    assert roster is not None and "latin_exception is set, but" in roster.warnings[0].message


def test_schema_1_is_read_only_by_migrate_which_rewrites_it(project: Path, tmp_path: Path):
    roster = project / "roster.json"
    roster.write_text(json.dumps(as_schema_1(shipped()), ensure_ascii=False, indent=2), encoding="utf-8")
    # Every command that reads the roster says what to do ...
    code, _, err = run_cli("stats", "--project", str(project), "--json")
    assert code == 1 and "campaign-kit migrate" in err and "Traceback" not in err
    code, out, err = run_cli("validate", "--project", str(project), "--json")
    assert code == 1, out
    found = json.loads(out)
    assert [(p["path"], p["field"]) for p in found["problems"]] == [(str(roster), "schema")]
    assert "campaign-kit migrate" in found["problems"][0]["message"]
    # Belarusian texts cannot be built from it, and the message says what to do.
    code, _, err = run_cli(
        "build",
        "--project",
        str(project),
        "--out",
        str(tmp_path / "o"),
        "--lang",
        "be",
        "--only",
        "posts",
        "--cycle",
        "2026-W48",
    )
    assert code == 1 and "no Belarusian name form" in err and "campaign-kit migrate" in err
    assert "Traceback" not in err
    before = roster.read_bytes()
    code, _, err = run_cli("migrate", "--project", str(project), "--dry-run")
    assert code == 0 and roster.read_bytes() == before
    assert err.count("suggestion: ") == 27
    code, _, err = run_cli("migrate", "--project", str(project))
    assert code == 0, err
    assert "27 records written as schema 2; 27 Belarusian forms suggested, check each" in err
    data = json.loads(roster.read_text(encoding="utf-8"))
    assert data["schema"] == 2
    expected = shipped()
    for got, want in zip(data["people"], expected, strict=True):
        assert (got["surname_be"], got["given_be"]) == (want["surname_be"], want["given_be"])
        assert got["given_ru"] == want["given_ru"]
    assert not list(project.glob(".roster.json.*"))  # the atomic writer left nothing behind
    code, out, _ = run_cli("validate", "--project", str(project), "--json")
    assert code == 0
    assert [w["id"] for w in json.loads(out)["warnings"]] == ["pahadaeva-iryna"]
    code, _, err = run_cli("migrate", "--project", str(project))
    assert code == 0 and "already schema 2; nothing to do" in err


def test_schema_2_rejects_the_schema_1_field_names_with_a_hint():
    rec = person()
    rec["surname_cyrillic"] = rec.pop("surname_ru")
    _, problems = parse_roster(json.dumps(roster_doc([rec]), ensure_ascii=False))
    assert any(
        'unknown field "surname_cyrillic" (schema 2 writes surname_ru and surname_be)' in str(p)
        for p in problems
    )
    assert any('field "surname_ru": missing required field' in str(p) for p in problems)


def test_a_belarusian_spelling_in_a_russian_field_is_a_warning():
    rec = named("lazarchyk-alena", "LAZARCHYK Alena", "ЛАЗАРЧЫК Алена", "ЛАЗАРЧЫК Елена")
    roster, problems = parse_roster(json.dumps(roster_doc([rec]), ensure_ascii=False))
    assert problems == [] and roster is not None
    assert [(w.field, "Russian writes и after ч ш ж щ" in w.message) for w in roster.warnings] == [
        ("surname_ru", True)
    ]
