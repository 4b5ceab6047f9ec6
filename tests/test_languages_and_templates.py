"""A language is files only; validate finds template and layout mistakes with file and line."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from campaign_kit.campaign.locale import load_locale
from conftest import person, write_roster
from fixtures import build_texts, run_cli

POLISH = """\
# Polskie sformułowania (a fourth language, added as files only).
language = "Polski"
name_form = "latin"
other_name_form = "be"
date_locale = "pl"

[status]
sentenced = "Skazana na {term} {facility}"
sentenced_unknown = "Skazana na nieznany okres {place}"
pre_trial = "W areszcie śledczym"
compulsory_treatment = "Na przymusowym leczeniu psychiatrycznym"
house_arrest = "W areszcie domowym"
restricted_freedom = "Skazana na ograniczenie wolności"
restricted_freedom_term = "Skazana na {term} ograniczenia wolności"
released = "Zwolniona"
unknown = "Status nieznany"

[facility]
penal_colony = "kolonii karnej"
prison = "więzienia"
pre_trial_centre = "pozbawienia wolności (w areszcie śledczym)"
psychiatric_hospital = "pozbawienia wolności (w szpitalu psychiatrycznym)"

[facility_place]
penal_colony = "w kolonii karnej"
prison = "w więzieniu"
pre_trial_centre = "w areszcie śledczym"
psychiatric_hospital = "w szpitalu psychiatrycznym"

[years]
one = "{n} rok"
few = "{n} lata"
many = "{n} lat"
other = "{n} roku"

[months]
one = "{n} miesiąc"
few = "{n} miesiące"
many = "{n} miesięcy"
other = "{n} miesiąca"

[mother_of]
one = "Matka {n} dziecka"
few = "Matka {n} dzieci"
many = "Matka {n} dzieci"
other = "Matka {n} dziecka"

[women]
one = "{n} kobieta"
few = "{n} kobiety"
many = "{n} kobiet"
other = "{n} kobiety"

[mothers]
one = "{n} matka"
few = "{n} matki"
many = "{n} matek"
other = "{n} matki"

[children]
one = "{n} dziecko"
few = "{n} dzieci"
many = "{n} dzieci"
other = "{n} dziecka"

[minor_children]
one = "{n} małoletnie dziecko"
few = "{n} małoletnich dzieci"
many = "{n} małoletnich dzieci"
other = "{n} małoletniego dziecka"

[children_prose]
"=2" = "dwoje dzieci"
one = "{n} dziecko"
few = "{n} dzieci"
many = "{n} dzieci"
other = "{n} dziecka"

[number_words]
one = "{n}"
few = "{n}"
many = "{n}"
other = "{n}"

[minor_children_of]
one = "{n} małoletniego dziecka"
few = "{n} małoletnich dzieci"
many = "{n} małoletnich dzieci"
other = "{n} małoletniego dziecka"

[age]
one = "ma {n} rok"
few = "ma {n} lata"
many = "ma {n} lat"
other = "ma {n} roku"
"""


def add_polish(root: Path) -> None:
    """Add Polish the way a translator would: a locale file, templates and campaign.toml text."""
    t = root / "templates"
    (t / "locale" / "pl.toml").write_text(POLISH, encoding="utf-8")
    shutil.copytree(t / "posts" / "en", t / "posts" / "pl")
    # Every appeal's own words, and the card words and alt text, in Polish (English text here:
    # a translator would write Polish).
    words = [p.parent for p in t.glob("appeals/*/*/words/en.j2")]
    for folder in [t / "posts" / "thread", *words, t / "cards" / "words", t / "cards" / "alt"]:
        src = next(folder.glob("en.*"))
        shutil.copy(src, src.with_name(src.name.replace("en.", "pl.", 1)))
    add_polish_to_campaign(root)


def add_polish_to_campaign(root: Path) -> None:
    """Name Polish in campaign.toml, with a text beside every English one (titles, names...)."""
    toml = (root / "campaign.toml").read_text(encoding="utf-8")
    toml = toml.replace('languages = ["en", "be", "ru"]', 'languages = ["en", "be", "ru", "pl"]')
    polish = {
        "Women Political Prisoners in Belarus": "Kobiety więźniowie polityczni Białorusi",
        "Urgent Appeals": "Pilne apele",
        "Mothers of Minor Children": "Matki małoletnich dzieci",
    }
    lines = []
    for line in toml.splitlines():
        lines.append(line)
        m = re.fullmatch(r'en = "(.*)"', line)
        if m:
            lines.append(f'pl = "{polish.get(m.group(1), m.group(1))}"')
    assert sum(line.startswith("pl = ") for line in lines) >= 3
    (root / "campaign.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_fourth_language_from_files_alone(project: Path, tmp_path: Path) -> None:
    add_polish(project)
    code, _, err = run_cli("validate", "--project", str(project))
    assert code == 0, err
    # Polish has CLDR's one / few / many: 1 kobieta, 2-4 kobiety, 5-21 kobiet, 22-24 kobiety.
    t = load_locale(project / "templates", "pl")
    got = {n: t.count("women", n) for n in (1, 2, 4, 5, 12, 21, 22, 25, 102)}
    assert got == {
        1: "1 kobieta",
        2: "2 kobiety",
        4: "4 kobiety",
        5: "5 kobiet",
        12: "12 kobiet",
        21: "21 kobiet",
        22: "22 kobiety",
        25: "25 kobiet",
        102: "102 kobiety",
    }
    assert t.term(66) == "5 lat 6 miesięcy" and t.term(13) == "1 rok 1 miesiąc"
    cycle = build_texts(project, "mothers", tmp_path / "out", "--lang", "pl")
    appeal = (cycle / "appeal" / "pl.txt").read_text(encoding="utf-8").replace("\u00a0", " ")
    assert "Matki małoletnich dzieci" in appeal
    assert "1. ABLAB Hanna | АБЛАБ Ганна, skazana na 11 lat kolonii karnej: 2 dzieci" in appeal
    assert "24 listopada 2026" in appeal  # the locale file's date_locale
    assert (cycle / "posts" / "pl" / "x.txt").is_file()
    assert (cycle / "newsletter" / "pl.html").is_file()


def test_a_language_for_one_appeal_never_speaks_with_its_words_in_another(project: Path) -> None:
    # Polish words written for the mothers appeal only: the other appeals must not borrow them
    # ("0 małoletnich dzieci" in an appeal about age); validate names each missing file.
    add_polish(project)
    t = project / "templates"
    for path in t.glob("appeals/*/*/words/pl.j2"):
        if "/appeals/mothers/" not in str(path):
            path.unlink()
    code, out, _ = run_cli("validate", "--project", str(project), "--json")
    assert code == 1
    missing = sorted(p["path"] for p in json.loads(out)["problems"])
    assert missing == sorted(
        str(t / "appeals" / key / kind / "words" / "pl.j2")
        for key in ("retirement-age", "serious-illness", "long-sentences")
        for kind in ("appeal", "newsletter")
    )
    # A shared words file (the old layout) is reported too: every appeal would fall back to it.
    shared = t / "appeal" / "words" / "pl.j2"
    shared.parent.mkdir(parents=True)
    shutil.copy(t / "appeals" / "mothers" / "appeal" / "words" / "pl.j2", shared)
    code, out, _ = run_cli("validate", "--project", str(project), "--json")
    assert any(
        p["path"] == str(shared) and "shared words file" in p["message"] for p in json.loads(out)["problems"]
    )


def test_a_language_without_its_files_names_what_is_missing(project: Path) -> None:
    add_polish_to_campaign(project)
    code, out, err = run_cli("validate", "--project", str(project), "--json")
    assert code == 1
    messages = [f"{p['path']}: {p['message']}" for p in json.loads(out)["problems"]]
    assert any("locale/pl.toml: no locale file for language 'pl'" in m for m in messages)
    assert any(m.endswith("templates/posts/pl/x.txt.j2: missing: every build needs it") for m in messages), (
        messages
    )
    assert any("appeal/words/pl.j2: missing" in m for m in messages)
    assert any("cards/words/pl.j2: missing" in m for m in messages)
    assert any("cards/alt/pl.txt.j2: missing" in m for m in messages)
    assert "has no templates" not in out


def test_undefined_variable_is_found_by_validate_with_file_and_line(project: Path) -> None:
    x = project / "templates" / "posts" / "en" / "x.txt.j2"
    lines = x.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line == "{{ p.status_line }}")
    lines[at] = "{{ p.status_lnie }}"
    x.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run_cli("validate", "--project", str(project), "--json")
    assert code == 1, err
    problems = json.loads(out)["problems"]
    assert [(p["path"], p["line"]) for p in problems] == [(str(x), at + 1)]
    assert "status_lnie" in problems[0]["message"]


def test_undefined_name_in_an_imported_words_file_names_that_file(project: Path) -> None:
    words = project / "templates" / "appeals" / "mothers" / "appeal" / "words" / "ru.j2"
    text = words.read_text(encoding="utf-8").replace(
        "{% set skip_to_list", "{% set oops = totls.women %}\n{% set skip_to_list", 1
    )
    words.write_text(text, encoding="utf-8")
    line = text[: text.index("totls")].count("\n") + 1
    code, out, _ = run_cli("validate", "--project", str(project), "--json")
    assert code == 1
    problems = json.loads(out)["problems"]
    assert (str(words), line) in [(p["path"], p["line"]) for p in problems]
    assert all("totls" in p["message"] for p in problems)


def test_syntax_errors_in_every_template_are_all_reported(project: Path) -> None:
    broken = [
        project / "templates" / "posts" / "be" / "x.txt.j2",
        project / "templates" / "review" / "index.html",
    ]
    for path in broken:
        path.write_text(path.read_text(encoding="utf-8") + "\n{% if %}\n", encoding="utf-8")
    code, out, _ = run_cli("validate", "--project", str(project), "--json")
    assert code == 1
    problems = json.loads(out)["problems"]
    assert sorted(p["path"] for p in problems) == sorted(str(p) for p in broken)
    assert all(p["line"] and "template syntax error" in p["message"] for p in problems)


def test_a_broken_card_layout_fails_validate(project: Path) -> None:
    link = project / "templates" / "cards" / "link.toml"
    link.write_text(link.read_text(encoding="utf-8") + "\n[[blocks]\n", encoding="utf-8")
    code, out, _ = run_cli("validate", "--project", str(project), "--json")
    assert code == 1
    problems = json.loads(out)["problems"]
    assert any(p["path"].endswith("link.toml") and re.search(r"line \d+", p["message"]) for p in problems), (
        problems
    )


def test_a_missing_shared_template_fails_validate(project: Path) -> None:
    (project / "templates" / "newsletter" / "meta.txt").unlink()
    code, out, _ = run_cli("validate", "--project", str(project), "--json")
    assert code == 1
    problems = json.loads(out)["problems"]
    assert [p["path"] for p in problems] == [str(project / "templates" / "newsletter" / "meta.txt")]


def test_one_woman_one_child_reads_in_every_language(project: Path, tmp_path: Path) -> None:
    """No "These 1 mother", "Этим 1 матери", "1 children" for any count, in any output."""
    write_roster(project, [person(children=1)])
    texts = {
        p: p.read_text(encoding="utf-8")
        for p in build_texts(project, "mothers", tmp_path / "out").rglob("*")
        if p.suffix in (".txt", ".html", ".mjml")
    }
    assert texts
    bad = re.compile(
        r"These 1\b|\b1 (children|mothers|women)\b|Этим 1 |Гэтым 1 |1 детям|1 дзецям|is one of 1\b"
    )
    for path, text in texts.items():
        assert not bad.search(text), (path, bad.search(text))
    appeal = {p.name: t for p, t in texts.items() if p.parent.name == "appeal"}
    assert "This mother, this child, need our help:" in appeal["en.txt"]
    assert "Этой матери, этому ребёнку нужна наша помощь:" in appeal["ru.txt"]
    assert "Гэтай маці, гэтаму дзіцяці патрэбна наша дапамога:" in appeal["be.txt"]


@pytest.mark.parametrize("lang", ["be", "ru"])
def test_cyrillic_outputs_use_their_own_name_forms(lang: str, project: Path, tmp_path: Path) -> None:
    cycle = build_texts(project, "mothers", tmp_path / "out", "--lang", lang, "--all")
    roster = json.loads((project / "roster.json").read_text(encoding="utf-8"))["people"]
    other = "ru" if lang == "be" else "be"
    forbidden = "ищъ" if lang == "be" else "іў"
    files = [
        p
        for p in cycle.rglob("*")
        if p.suffix in (".txt", ".html", ".mjml") and (p.stem == lang or p.parent.name == lang)
    ]
    assert len(files) >= 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        for rec in roster:
            given, surname = rec[f"given_{lang}"], rec[f"surname_{lang}"]
            assert given in text and (surname in text or surname.title() in text), (path, rec["id"])
            if rec[f"given_{other}"] != given:
                assert f"{rec[f'given_{other}']} " not in text, (path, rec["id"])
    for rec in roster:
        assert not set((rec[f"surname_{lang}"] + rec[f"given_{lang}"]).lower()) & set(forbidden)
