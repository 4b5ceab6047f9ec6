"""The four appeals build from a roster made here; only the mothers appeal speaks of children."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import copy_project, named, plain, released, write_roster
from fixtures import build_texts, run_cli

# A word about mothers or children, in English, Belarusian or Russian (not "last-child" in CSS
# or "appendChild" in the page's script).
ABOUT_CHILDREN = re.compile(
    r"(?i)(?<![-\w])(mothers?|mum|motherhood|child|children)\b"
    r"|(?<!\w)(мат(ь|ери|ерей|ерям)|мам[аыуе]?|дет(и|ей|ям)|ребён\w*|маці|дзец\w*|дзяц\w*|дзіц\w*)(?!\w)"
)


def women() -> list[dict]:
    """One woman for each rule, one for two, one released: every appeal has someone."""
    names = {
        "mother": ("MATSKEVICH Hanna", "МАЦКЕВІЧ Ганна", "МАЦКЕВИЧ Анна"),
        "old": ("KAVALEVA Alena", "КАВАЛЁВА Алена", "КОВАЛЁВА Елена"),
        "ill": ("SIDARENKA Volha", "СІДАРЭНКА Вольга", "СИДОРЕНКО Ольга"),
        "long": ("ZHUK Iryna", "ЖУК Ірына", "ЖУК Ирина"),
        "freed": ("NAVUMAVA Larysa", "НАВУМАВА Ларыса", "НАУМОВА Лариса"),
    }

    def rec(pid: str, **over) -> dict:
        return named(pid, *names[pid], groups=[], children=None, sentence_months=36) | over

    return [
        rec("mother", groups=["mothers"], children=2),
        rec("old", born_on="1955-03", children=3, status="pre_trial", sentence_months=None, facility=None),
        rec("ill", health="Stage 3 cancer; treatment refused in the colony", children=1),
        rec("long", sentence_months=144, facility="prison", born_on="1960"),
        rec("freed", **released("2025-06", "2021", 180)),
    ]


MEMBERS = {
    "mothers": ["mother"],
    "retirement-age": ["old", "long"],
    "serious-illness": ["ill"],
    "long-sentences": ["long"],
}


@pytest.fixture(scope="module")
def kits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:

    root = copy_project(tmp_path_factory.mktemp("appeals") / "proj", roster=None)
    write_roster(root, women())
    out = root.parent / "out"
    built = {}
    for key in MEMBERS:
        built[key] = build_texts(root, key, out, "--all", cycle="2026-W48")
    built["_project"] = root
    return built


def texts(folder: Path) -> dict[str, str]:
    """Every published text of a kit (the manifest's field names are data, not text)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".txt", ".html", ".mjml", ".csv", ".eml") and path.is_file():
            out[str(path.relative_to(folder))] = plain(path.read_text(encoding="utf-8", errors="replace"))
    posts = json.loads((folder / "posts.json").read_text(encoding="utf-8"))
    for i, post in enumerate(posts if isinstance(posts, list) else posts["posts"]):
        out[f"posts.json[{i}]"] = plain(f"{post['text']}\n{post.get('alt_text') or ''}")
    return out


@pytest.mark.parametrize("key", ["retirement-age", "serious-illness", "long-sentences"])
def test_no_word_about_mothers_or_children_outside_the_mothers_appeal(kits, key):
    found = {
        name: sorted({m.group(0) for m in ABOUT_CHILDREN.finditer(text)})
        for name, text in texts(kits[key]).items()
        if ABOUT_CHILDREN.search(text)
    }
    assert found == {}


def test_the_mothers_appeal_still_speaks_of_them(kits):
    all_text = "\n".join(texts(kits["mothers"]).values())
    assert (
        "Mother of two children" in all_text
        and "Маці дваіх дзяцей" in all_text
        and "Мать двоих детей" in all_text
    )


@pytest.mark.parametrize("key", list(MEMBERS))
def test_each_appeal_lists_exactly_its_women_in_every_language(kits, key):
    manifest = json.loads((kits[key] / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["featured"]) == sorted(MEMBERS[key])
    for lang in ("en", "be", "ru"):
        appeal = plain((kits[key] / "appeal" / f"{lang}.txt").read_text(encoding="utf-8"))
        numbered = [line for line in appeal.splitlines() if re.match(r"\d+\. ", line)]
        assert len(numbered) == len(MEMBERS[key]), (lang, numbered)
        assert "NAVUMAVA" not in appeal  # released: left out of every appeal


def test_each_appeal_has_its_own_story_and_roll_call_line(kits):
    old = plain((kits["retirement-age"] / "appeal" / "en.txt").read_text(encoding="utf-8"))
    assert "women aged 58 or over" in old
    assert "1. KAVALEVA Alena | КОВАЛЁВА Елена, in pre-trial detention, aged 71" in old
    assert "ёй 71 год" in plain((kits["retirement-age"] / "appeal" / "be.txt").read_text(encoding="utf-8"))
    # Born "1960", known to the year only: counted from 31 December, so 65 on 23 November 2026.
    assert "ЖУК Ирина (ZHUK Iryna) — приговорена к 12 годам тюрьмы, ей 65 лет" in plain(
        (kits["retirement-age"] / "appeal" / "ru.txt").read_text(encoding="utf-8")
    )
    ill = plain((kits["serious-illness"] / "newsletter" / "ru.txt").read_text(encoding="utf-8"))
    assert "тяжело больна" in ill
    long = plain((kits["long-sentences"] / "appeal" / "be.txt").read_text(encoding="utf-8"))
    assert "1. ЖУК Ірына (ZHUK Iryna) — асуджаная да 12 гадоў турмы" in long
    subject = (kits["long-sentences"] / "newsletter" / "en.eml").read_text(encoding="utf-8", errors="replace")
    assert "Sentences of Ten Years or More" in subject


def test_stats_follow_each_appeal(kits):
    root = kits["_project"]
    code, out, _ = run_cli("stats", "--project", str(root), "--appeal", "long-sentences", "--json")
    assert code == 0
    data = json.loads(out)
    # The released woman's 15-year term is kept in her history, so she counts as released here.
    assert (data["women"], data["released"], data["rules"]) == (1, 1, "sentenced to 120 months or more")
    code, out, _ = run_cli("stats", "--project", str(root), "--appeal", "mothers", "--json")
    assert json.loads(out)["children"] == 2


def test_an_appeal_with_no_women_fails_clearly(tmp_path: Path, project: Path):
    code, _, err = run_cli(
        "build",
        "--project",
        str(project),
        "--appeal",
        "serious-illness",
        "--out",
        str(tmp_path / "out"),
        "--cycle",
        "2026-W48",
    )
    assert code == 1
    assert 'appeal "serious-illness": no woman on the roster who is still held matches it' in err
    assert "with a published health note" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "serious-illness" / "2026-W48" / "manifest.json").exists()


def test_an_appeal_overrides_shared_templates_file_by_file(project: Path, tmp_path: Path):
    """templates/appeals/<key>/ comes first on the search path: one file replaced, the rest shared."""
    own = project / "templates" / "appeals" / "long-sentences" / "posts" / "en" / "x.txt.j2"
    own.parent.mkdir(parents=True)
    own.write_text(
        "{# drop: tags #}\n{{ p.prose_name }}\n{{ p.status_line }}\n"
        "Ten years and more, for a word. {{ org.site_url }}\n"
        '{% if keep("tags") %}\n{{ appeal.hashtags[:2] | join(" ") }}\n{% endif %}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    for key in ("long-sentences", "mothers"):
        code, _, err = run_cli(
            "build",
            "--project",
            str(project),
            "--appeal",
            key,
            "--cycle",
            "2026-W48",
            "--out",
            str(out),
            "--only",
            "posts",
            "--all",
            "--lang",
            "en",
        )
        assert code == 0, err
    long_x = (out / "long-sentences" / "2026-W48" / "posts" / "en" / "x.txt").read_text(encoding="utf-8")
    assert "Ten years and more, for a word." in long_x and "Hanna Ablab" in long_x
    long_bluesky = (out / "long-sentences" / "2026-W48" / "posts" / "en" / "bluesky.txt").read_text(
        encoding="utf-8"
    )
    assert (
        "Hanna Ablab" in long_bluesky and "Ten years and more" not in long_bluesky
    )  # shared, not overridden
    mothers_x = plain((out / "mothers" / "2026-W48" / "posts" / "en" / "x.txt").read_text(encoding="utf-8"))
    assert "Ten years and more" not in mothers_x and "Mother of two children" in mothers_x
