"""Every total is computed once (campaign_kit.campaign.facts): manifest, stats, page and texts agree."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from campaign_kit.campaign import facts
from campaign_kit.render.review import SENTENCE_LABELS, STATUS_LABELS
from fixtures import CYCLE, build_texts, run_cli, tiny_people, tiny_project

APPEALS = ("mothers", "retirement-age", "serious-illness", "long-sentences")


def _expected(appeal: str) -> dict[str, object]:
    """What the tiny roster's records say by hand (not by the code under test)."""
    return {
        "mothers": {"women": 4, "children": 7, "released": 1},
        "retirement-age": {"women": 3, "children": None, "released": 0},
        "serious-illness": {"women": 3, "children": None, "released": 0},
        "long-sentences": {"women": 2, "children": None, "released": 1},
    }[appeal]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tiny_project(tmp_path_factory.mktemp("facts") / "proj")
    for appeal in APPEALS:
        build_texts(root, appeal, root / "out")
    return root


def _review_numbers(page: str) -> dict[str, object]:
    def dd(label: str) -> int | None:
        m = re.search(rf"<dt>{label}</dt><dd>(\d+)</dd>", page)
        return int(m.group(1)) if m else None

    def table(caption: str) -> dict[str, int]:
        m = re.search(rf"<caption>{caption}</caption>(.*?)</table>", page, re.S)
        assert m, caption
        rows = re.findall(r'<th scope="row">([^<]*)</th><td class="n">(\d+)</td>', m.group(1))
        return {html.unescape(label): int(n) for label, n in rows}

    return {
        "women": dd("Women in the appeal"),
        "children": dd("Minor children"),
        "featured": dd("Featured this week"),
        "by_status": table("By status"),
        "by_sentence": table("Sentenced, by term"),
    }


def _label(key: str, labels: dict[str, str]) -> str:
    return labels.get(key, key.replace("_", " ").capitalize())


@pytest.mark.parametrize("appeal", APPEALS)
def test_manifest_stats_review_page_and_texts_agree(built: Path, appeal: str) -> None:
    folder = built / "out" / appeal / CYCLE
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    code, out, err = run_cli("stats", "--project", str(built), "--appeal", appeal, "--cycle", CYCLE, "--json")
    assert code == 0, err
    stats = json.loads(out)
    totals = manifest["totals"]
    expected = _expected(appeal)

    # The hand count of the records, then every output against it.
    assert {k: totals[k] for k in expected} == expected
    assert totals["by_status"]["released"] == totals["released"]
    assert sum(n for s, n in totals["by_status"].items() if s != "released") == totals["women"]
    assert sum(totals["by_sentence"].values()) == totals["by_status"]["sentenced"]
    assert {k: stats[k] for k in totals} == totals

    page = _review_numbers((folder / "index.html").read_text("utf-8"))
    assert page["women"] == totals["women"]
    assert page["children"] == (totals["children"] or None)
    assert page["featured"] == len(manifest["featured"])
    assert page["by_status"] == {_label(k, STATUS_LABELS): n for k, n in totals["by_status"].items()}
    assert page["by_sentence"] == {_label(k, SENTENCE_LABELS): n for k, n in totals["by_sentence"].items()}

    # (The words, with the typography's no-break spaces as spaces.)
    text = (folder / "appeal" / "en.txt").read_text("utf-8").replace("\u00a0", " ")
    assert f"Today at least {totals['women']} women" in text
    children = re.findall(r"(\d+) minor children", text)
    assert children == ([str(totals["children"])] if totals["children"] else [])
    thread = (
        (folder / "posts" / "thread" / "en.txt").read_text("utf-8").replace("\u00a0", " ")
        if (folder / "posts" / "thread" / "en.txt").exists()
        else ""
    )
    posts = [
        p["text"].replace("\u00a0", " ")
        for p in json.loads((folder / "posts.json").read_text("utf-8"))
        if p["lang"] == "en"
    ]
    stated = {int(n) for t in [*posts, thread] for n in re.findall(r"(\d+) women\b", t)}
    assert stated == {totals["women"]}
    stated_children = {int(n) for t in [*posts, thread] for n in re.findall(r"(\d+) minor children", t)}
    assert stated_children == ({totals["children"]} if totals["children"] else set())


def test_build_all_keeps_the_weeks_featured_count(tmp_path: Path) -> None:
    root = tiny_project(tmp_path / "proj")
    people = tiny_people()
    # More mothers than a week features, so --all makes cards for more women than the week's.
    from conftest import person

    extra = [
        person(
            id=f"extra-{i}",
            surname_latin="DUB",
            given_latin=given,
            surname_be="ДУБ",
            given_be=be,
            surname_ru="ДУБ",
            given_ru=ru,
            children=1,
        )
        for i, (given, be, ru) in enumerate([("Ala", "Ала", "Алла"), ("Nina", "Ніна", "Нина")])
    ]
    (root / "roster.json").write_text(
        json.dumps({"schema": 2, "as_of": "2026-11-24", "people": people + extra}, ensure_ascii=False),
        "utf-8",
    )
    args = ("--project", str(root), "--out", str(root / "out"), "--cycle", CYCLE, "--only", "posts")
    assert run_cli("build", *args)[0] == 0
    assert run_cli("build", *args, "--all")[0] == 0
    folder = root / "out" / "mothers" / CYCLE
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert len(manifest["featured"]) == 5  # featured_per_cycle, not the 6 mothers --all covers
    assert _review_numbers((folder / "index.html").read_text("utf-8"))["featured"] == 5


def test_one_plural_picker_with_exact_keys() -> None:
    forms = {"=2": "двое детей", "one": "{n} ребёнок", "few": "{n} ребёнка", "many": "{n} детей"}
    assert facts.plural("ru", 2, forms) == "двое детей"
    assert facts.plural("ru", 3, forms) == "3 ребёнка"
    assert facts.plural("ru", 21, forms) == "21 ребёнок"
    assert facts.plural("ru", 5, forms) == "5 детей"
    with pytest.raises(facts.TemplateError):
        facts.plural("en", 3, {"one": "{n} child"})


def test_one_date_style_per_language() -> None:
    assert facts.long_date("2026-11-24", "en_GB") == "24 November 2026"
    assert facts.long_date("2026-11-24", "ru") == "24 ноября 2026\u00a0г."
    assert facts.long_date("2026-11-24", "be") == "24 лістапада 2026\u00a0г."
