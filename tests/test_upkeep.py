"""Schema 2's record fields, the appeal rules, `release`, `import-list --merge` and `stats`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from campaign_kit.campaign.config import Appeal
from campaign_kit.campaign.cycles import appeal_members, appeal_people
from campaign_kit.errors import BuildError
from campaign_kit.roster import PartialDate, age_on, parse_roster
from conftest import named, person, released, roster_doc, write_roster
from fixtures import run_cli

ON = dt.date(2026, 11, 23)


def roster_of(*records):
    roster, problems = parse_roster(json.dumps(roster_doc(list(records)), ensure_ascii=False))
    assert roster is not None, [str(p) for p in problems]
    return roster


def problems_of(*records) -> list[str]:
    _, problems = parse_roster(json.dumps(roster_doc(list(records)), ensure_ascii=False))
    return [str(p) for p in problems]


def test_partial_dates():
    assert PartialDate.parse("2024-12") == PartialDate(2024, 12)
    assert PartialDate.parse("2024").latest() == dt.date(2024, 12, 31)
    assert PartialDate.parse("2024-02").latest() == dt.date(2024, 2, 29)
    assert PartialDate.parse("2024-12").latest() == dt.date(2024, 12, 31)
    assert [PartialDate.parse(t) for t in ("2024-13", "2024-02-30", "24", "2024-1", None)] == [None] * 5
    assert age_on(PartialDate.parse("1968-11-23"), ON) == 58
    assert age_on(PartialDate.parse("1968-11-24"), ON) == 57
    # Known to the year only: she may be born on 31 December, so she counts as 57 here.
    assert age_on(PartialDate.parse("1968"), ON) == 57


def test_schema_2_fields_validate():
    freed = person(**released("2024-12", "2022", 132, source="https://x.org/a"))
    roster = roster_of(
        person(id="a-a", born_on="1960-05", health="Has diabetes; needs insulin", children=None),
        person(id="b-b", status="house_arrest", sentence_months=None, facility=None),
        person(id="c-c", status="restricted_freedom", sentence_months=36, facility=None),
        person(id="d-d", status="unknown", sentence_months=None, facility=None),
        person(id="e-e", facility="prison"),
        freed,
    )
    a = roster.by_id("a-a")
    assert (a.born_on, a.children, a.health) == (PartialDate(1960, 5), None, "Has diabetes; needs insulin")
    assert roster.by_id("ablab-hanna").last_sentence_months == 132
    assert problems_of(person(facility="ship")) == [
        "roster.json: record 1 (ablab-hanna): field \"facility\": 'ship' is not one of penal_colony, "
        "prison, pre_trial_centre, psychiatric_hospital"
    ]
    assert 'a sentence is set but status is "house_arrest"' in problems_of(person(status="house_arrest"))[0]
    bad_history = person(
        history=[{"status": "pre_trial", "on": "2023"}, {"status": "sentenced", "on": "2022"}]
    )
    assert any("is before the event above it" in p for p in problems_of(bad_history))
    last = person(history=[{"status": "pre_trial", "on": "2023"}])
    assert any('the last event is "pre_trial" but status is "sentenced"' in p for p in problems_of(last))
    assert any("one line of at most" in p for p in problems_of(person(health="a\nb")))
    # Schema 1 is read only by migrate (which upgrades it to these rules).
    doc = roster_doc([person(detained_on="2024-12")])
    doc["schema"] = 1
    rec = doc["people"][0]
    for kind in ("surname", "given"):
        rec[f"{kind}_cyrillic"] = rec.pop(f"{kind}_ru")
        del rec[f"{kind}_be"]
    del rec["latin_exception"]
    _, problems = parse_roster(json.dumps(doc, ensure_ascii=False))
    assert [(p.field, "campaign-kit migrate" in p.message) for p in problems] == [("schema", True)]


def test_every_status_and_facility_is_worded_in_every_language():
    from campaign_kit.campaign.locale import load_locale
    from campaign_kit.roster import FACILITIES
    from conftest import REPO

    roster = roster_of(
        *(person(id=f"f-{i}", facility=f) for i, f in enumerate(FACILITIES)),
        person(id="h-h", status="house_arrest", sentence_months=None, facility=None),
        person(id="r-r", status="restricted_freedom", sentence_months=30, facility=None),
        person(id="u-u", status="unknown", sentence_months=None, facility=None),
    )
    lines = {
        lang: [load_locale(REPO / "templates", lang).status(p) for p in roster.people]
        for lang in ("en", "be", "ru")
    }
    assert lines["en"] == [
        "Sentenced to 11 years in a penal colony",
        "Sentenced to 11 years in prison",
        "Sentenced to 11 years (held in a pre-trial detention centre)",
        "Sentenced to 11 years (held in a psychiatric hospital)",
        "Under house arrest",
        "Sentenced to 2 years 6 months of restricted freedom",
        "Status unknown",
    ]
    assert lines["ru"][1] == "Приговорена к 11 годам тюрьмы"
    assert lines["ru"][5] == "Приговорена к 2 годам 6 месяцам ограничения свободы"
    assert lines["be"][1] == "Асуджаная да 11 гадоў турмы"
    assert lines["be"][4:] == [
        "Пад хатнім арыштам",
        "Асуджаная да 2 гадоў 6 месяцаў абмежавання волі",
        "Статус невядомы",
    ]


def appeal(**over) -> Appeal:
    base = {"key": "x", "group": None, "title": {}, "hashtags": (), "featured_per_cycle": 5}
    return Appeal(**(base | over))


def test_appeal_rules_select_from_the_record():
    roster = roster_of(
        person(id="old", born_on="1960", groups=[]),
        person(id="young", born_on="1990-01-01", groups=[]),
        person(id="turns-58", born_on="1968-11-23", groups=[]),
        person(id="no-birth-date", groups=[]),
        person(id="ill", health="Cancer, untreated", sentence_months=24, groups=[]),
        person(id="long", sentence_months=120, groups=["mothers"]),
        person(
            id="freed",
            status="released",
            sentence_months=None,
            facility=None,
            released_on="2025",
            groups=[],
            born_on="1950",
            history=[{"status": "sentenced", "sentence_months": 180}, {"status": "released", "on": "2025"}],
        ),
    )
    ids = lambda a: [p.id for p in appeal_members(roster, a, ON)]  # noqa: E731
    assert ids(appeal(min_age=58)) == ["old", "turns-58"]
    assert ids(appeal(has_health=True)) == ["ill"]
    assert ids(appeal(min_sentence_months=120)) == ["old", "young", "turns-58", "no-birth-date", "long"]
    assert ids(appeal(group="mothers", min_sentence_months=120)) == ["long"]
    with pytest.raises(
        BuildError, match=r'appeal "x": no woman .* matches it \(aged 90 or over, on 2026-11-23\)'
    ):
        appeal_people(roster, appeal(min_age=90), ON)
    unknown = roster_of(person(children=None))
    with pytest.raises(
        BuildError, match="counts children, but the roster does not know how many children ablab-hanna has"
    ):
        appeal_people(unknown, appeal(group="mothers", needs_children=True), ON)


def test_release_keeps_history_and_every_count_follows(project: Path):
    code, out, _ = run_cli("stats", "--project", str(project), "--json")
    before = json.loads(out)
    assert (before["women"], before["children"], before["released"]) == (27, 53, 0)
    code, _, err = run_cli(
        "release",
        "ablab-hanna",
        "--on",
        "2024-12",
        "--source",
        "https://spring96.org/en/news/117000",
        "--project",
        str(project),
    )
    assert code == 0, err
    rec = next(
        r
        for r in json.loads((project / "roster.json").read_text("utf-8"))["people"]
        if r["id"] == "ablab-hanna"
    )
    assert rec["status"] == "released" and rec["released_on"] == "2024-12"
    assert rec["history"] == [
        {"status": "sentenced", "on": None, "sentence_months": 132, "source": None},
        {
            "status": "released",
            "on": "2024-12",
            "sentence_months": None,
            "source": "https://spring96.org/en/news/117000",
        },
    ]
    assert rec["sources"] == ["https://spring96.org/en/news/117000"] and "sentence_months" not in rec
    code, out, _ = run_cli("stats", "--project", str(project), "--json")
    after = json.loads(out)
    assert (after["women"], after["children"], after["released"]) == (26, 51, 1)
    assert after["by_sentence"]["10_years_or_more"] == before["by_sentence"]["10_years_or_more"] - 1
    assert run_cli("validate", "--project", str(project))[0] == 0
    code, _, err = run_cli("release", "ablab-hanna", "--on", "2024-12", "--project", str(project))
    assert code == 1 and "already released" in err
    code, _, err = run_cli("release", "nobody", "--on", "2024", "--project", str(project))
    assert code == 1 and 'no woman with id "nobody"' in err
    code, _, err = run_cli("release", "bahovik-ivanna", "--on", "2024-13", "--project", str(project))
    assert code == 2 and "not a date" in err and "Traceback" not in err  # a bad option value


def test_merge_reports_every_change_and_overwrites_nothing_silently(project: Path, tmp_path: Path):
    write_roster(
        project,
        [
            person(photo=None, born_on="1980", health="Asthma"),
            named("bahovik-ivanna", "BAHOVIK Ivanna", "БАГОВІК Іванна", "БОГОВИК Иванна", sentence_months=24),
        ],
    )
    listing = tmp_path / "list.txt"
    listing.write_text(
        "1. ABLAB Hanna | АБЛАБ Анна, sentenced to 12 yrs in a penal colony: 3 children\n"
        "2. DAMASTOI Viktoryia | ДОМОСТОЙ Виктория in pre-trial detention: 3 children\n",
        encoding="utf-8",
    )
    roster = project / "roster.json"
    before = roster.read_bytes()
    merge = ("import-list", str(listing), "-o", str(roster), "--merge", "--as-of", "2026-12-01")
    code, _, err = run_cli(*merge, "--dry-run")
    assert code == 0, err
    assert roster.read_bytes() == before
    code, _, err = run_cli(*merge)
    assert code == 0, err
    lines = [ln for ln in err.splitlines() if ln.startswith(("changed:", "added:", "kept:"))]
    assert lines == [
        "changed: ablab-hanna: sentence_months: 132 -> 144",
        "changed: ablab-hanna: children: 2 -> 3",
        "kept: bahovik-ivanna: not on the list; kept as she is (sentenced)",
        "added: damastoi-viktoryia: added (DAMASTOI Viktoryia, pre_trial)",
        # The list's date becomes the roster's: the texts then say "correct as of 1 December".
        "changed: roster: as_of: '2026-11-24' -> '2026-12-01'",
    ]
    assert "suggestion: " in err and "ДАМАСТОЙ Вікторыя" in err
    people = {r["id"]: r for r in json.loads(roster.read_text("utf-8"))["people"]}
    assert set(people) == {"ablab-hanna", "bahovik-ivanna", "damastoi-viktoryia"}
    hanna = people["ablab-hanna"]
    assert (hanna["sentence_months"], hanna["children"], hanna["born_on"], hanna["health"]) == (
        144,
        3,
        "1980",
        "Asthma",
    )
    assert hanna["given_be"] == "Ганна"
    assert [e["sentence_months"] for e in hanna["history"]] == [132, 144]
    assert hanna["history"][-1]["on"] == "2026-12-01" and hanna["checked_on"] == "2026-12-01"
    code, _, err = run_cli(*merge)
    assert code == 0 and "changed: ablab" not in err


# --- issue 24: duplicates by any name form, the list's date, re-arrest, freshness, list --------


def _listing(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "list.txt"
    path.write_text(
        "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1)) + "\n", encoding="utf-8"
    )
    return path


def test_merge_reports_a_woman_matching_by_another_name_form_instead_of_adding_her(
    project: Path, tmp_path: Path
):
    volha = named("maushuk-volha", "MAUSHUK Volha", "МАЎШУК Вольга", "МОВШУК Ольга", sentence_months=96)
    roster = write_roster(project, [person(), volha])
    listing = _listing(
        tmp_path,
        "ABLAB Hanna | АБЛАБ Анна, sentenced to 11 yrs in a penal colony: 2 children",
        # The same woman, her Latin spelt from the Russian form: same МОВШУК Ольга.
        "MOVSHUK Olga | МОВШУК Ольга, sentenced to 8 yrs in a penal colony: 2 children",
    )
    code, _, err = run_cli("import-list", str(listing), "-o", str(roster), "--merge", "--as-of", "2026-11-24")
    assert code == 0, err
    assert "check: movshuk-olga: possible duplicate of maushuk-volha" in err
    assert "has the Russian name form" in err and "not added" in err
    ids = [r["id"] for r in json.loads(roster.read_text("utf-8"))["people"]]
    assert ids == ["ablab-hanna", "maushuk-volha"]  # counts stay as they were
    assert "kept: maushuk-volha" not in err  # she is not "missing from the list" either


def test_merge_moves_as_of_refuses_an_older_or_future_list_and_records_a_rearrest(
    project: Path, tmp_path: Path
):
    freed = person(**released("2025-06", "2022", 132))
    freed.pop("sentence_months"), freed.pop("facility")
    roster = write_roster(project, [freed])
    listing = _listing(tmp_path, "ABLAB Hanna | АБЛАБ Анна in pre-trial detention: 2 children")
    for when, message in (("2026-11-01", "is older"), ("2099-01-01", "is in the future")):
        code, _, err = run_cli("import-list", str(listing), "-o", str(roster), "--merge", "--as-of", when)
        assert code == 1 and message in err and "Traceback" not in err
    code, _, err = run_cli("import-list", str(listing), "-o", str(roster), "--merge", "--as-of", "2026-12-01")
    assert code == 0, err
    assert "changed: ablab-hanna: re-arrested: 'released on 2025-06' -> 'pre_trial on 2026-12-01'" in err
    data = json.loads(roster.read_text("utf-8"))
    assert data["as_of"] == "2026-12-01"
    her = data["people"][0]
    assert her["status"] == "pre_trial" and her["released_on"] is None
    assert [(e["status"], e["on"]) for e in her["history"]] == [
        ("sentenced", "2022"),
        ("released", "2025-06"),
        ("pre_trial", "2026-12-01"),
    ]


def test_release_refuses_a_future_date_and_a_placeholder_source(project: Path):
    for args, message in (
        (("--on", "2099-01"), "in the future"),
        (("--on", "2024-12", "--source", "https://example.org/news"), "looks like a placeholder"),
    ):
        code, _, err = run_cli("release", "ablab-hanna", *args, "--project", str(project))
        assert code == 1 and message in err and "Traceback" not in err


def test_validate_warns_on_future_dates_and_placeholder_sources(project: Path):
    write_roster(
        project, [person(born_on="2099", sources=["https://example.com/todo"], checked_on="2099-01-01")]
    )
    doc = json.loads((project / "roster.json").read_text("utf-8"))
    doc["as_of"] = "2099-01-02"
    (project / "roster.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, err = run_cli("validate", "--project", str(project), "--json")
    warnings = {(w["field"], w["message"]) for w in json.loads(out)["warnings"]}
    fields = {f for f, _ in warnings}
    assert {"as_of", "born_on", "checked_on", "sources"} <= fields, warnings
    assert any("placeholder" in m for f, m in warnings if f == "sources")


def test_list_shows_ids_names_and_status_filtered(project: Path):
    code, out, _ = run_cli("list", "--project", str(project), "--status", "pre_trial", "--json")
    assert code == 0
    women = json.loads(out)["women"]
    assert women and all(w["status"] == "pre_trial" for w in women)
    assert {"id", "name_latin", "name_be", "name_ru", "last_checked"} <= set(women[0])
    code, out, _ = run_cli("list", "--project", str(project), "--appeal", "mothers")
    assert code == 0 and out.count("\n") == 27 and out.startswith("ablab-hanna ")
    assert run_cli("list", "--project", str(project), "--status", "asleep")[0] == 2


def test_stale_records_are_listed_by_stats_and_stop_approve(project: Path):
    other = person(id="bahovik-ivanna", surname_latin="BAHOVIK", surname_be="БАГОВІК", surname_ru="БОГОВИК")
    write_roster(project, [person(checked_on="2020-01-01"), other])
    code, out, _ = run_cli("stats", "--project", str(project), "--json")
    assert [s["id"] for s in json.loads(out)["stale"]] == ["ablab-hanna"]
    folder = project / "out" / "mothers" / "2026-W48"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(
        json.dumps({"files": [], "featured": ["ablab-hanna"]}), encoding="utf-8"
    )
    code, _, err = run_cli("approve", "--project", str(project), "--cycle", "2026-W48", "--by", "Alena K.")
    assert code == 1 and "ablab-hanna" in err and "max_unchecked_days = 30" in err
    assert not (folder / "approval.json").exists()


def test_the_staleness_rule_reads_today_from_the_clock(monkeypatch):
    """CAMPAIGN_KIT_TODAY moves the day the staleness rule counts from (and a bad one is named)."""
    import datetime as dt

    from campaign_kit import clock
    from campaign_kit.errors import ConfigError

    monkeypatch.setenv("CAMPAIGN_KIT_TODAY", "2027-03-01")
    assert clock.today() == dt.date(2027, 3, 1)
    monkeypatch.setenv("CAMPAIGN_KIT_TODAY", "")
    assert clock.today() == dt.date.today()
    monkeypatch.setenv("CAMPAIGN_KIT_TODAY", "2027-13-01")
    with pytest.raises(ConfigError, match="CAMPAIGN_KIT_TODAY"):
        clock.today()
