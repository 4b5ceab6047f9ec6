"""What the review page's overview says of the week: counts from the build, long lists short.

Each test builds a made-up roster (tests/review_project.py) in tmp_path; only the posts are
built (the review page always follows), so no card is rendered.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from campaign_kit.model import AppealText
from campaign_kit.render import review
from conftest import released
from review_project import build_project, made_up_people, make_project
from test_review import as_post


def _stat(page: str, label: str) -> str:
    m = re.search(rf"<dt>{re.escape(label)}</dt><dd>([^<]*)</dd>", page)
    assert m, label
    return m.group(1)


def test_featured_is_the_recorded_week_even_after_build_all(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", made_up_people(12))
    folder = build_project(root, only=("posts",))
    recorded = json.loads((folder / "manifest.json").read_text("utf-8"))["featured"]
    assert len(recorded) == 5
    folder = build_project(root, only=("posts",), everyone=True)
    assert json.loads((folder / "manifest.json").read_text("utf-8"))["featured"] == recorded
    page = (folder / "index.html").read_text("utf-8")
    assert _stat(page, "Featured this week") == "5"
    assert _stat(page, "Women in the appeal") == "12"
    # --all shows everyone; the week's five are the ones marked.
    assert page.count('class="featured-mark">Featured this week<') == 5


def test_by_status_counts_the_released_women(tmp_path: Path) -> None:
    people = made_up_people(9)
    for rec in people[:2]:
        rec.update(released("2025-06-01", "2022", 60))
    root = make_project(tmp_path / "p", people)
    folder = build_project(root, only=("posts",))
    page = (folder / "index.html").read_text("utf-8")
    assert _stat(page, "Women in the appeal") == "7"
    m = re.search(r'<th scope="row">Released \(not in the total\)</th><td class="n">(\d+)</td>', page)
    assert m and m.group(1) == "2"


def _attention_posts(n: int) -> list[dict[str, object]]:
    return [
        {
            "id": None,
            "kind": "thread",
            "platform": "x",
            "lang": "en",
            "text": f"part {i}",
            "length": 279,
            "limit": 280,
            "part": i,
            "parts": n,
        }
        for i in range(1, n + 1)
    ] + [
        {
            "id": "nobody",
            "platform": "bluesky",
            "lang": "en",
            "text": f"post {i}",
            "length": 310,
            "limit": 300,
        }
        for i in range(n)
    ]


def test_long_lists_show_their_count_and_first_few_and_link_the_rest() -> None:
    contexts = {"en": {"lang": "en", "people": [], "featured": []}}
    files = {f"x/{i}.txt": {"path": f"x/{i}.txt", "sha256": "0" * 64, "size": 1} for i in range(1500)}
    posts = [as_post(p) for p in _attention_posts(400)]
    pages = dict(
        review.review_files(
            templates_dir=review_templates(),
            contexts=contexts,
            kit=review.PageProducts(files=files, posts=posts),
        )
    )
    overview = pages["index.html"].decode()
    assert "All 400 posts</a>" in overview and "All 400 thread parts</a>" in overview
    assert "All 1500 files</a>" in overview
    # The first ten of each list, not all of them.
    assert overview.count('<li class="over">') == review.LIST_FIRST
    assert overview.count('<li class="near">') == review.LIST_FIRST
    assert overview.count('<li><a href="x/') == review.LIST_FIRST
    assert pages["index-attention.html"].decode().count('<li class="over">') == 400
    assert pages["index-attention-threads.html"].decode().count('<li class="near">') == 400
    assert pages["index-files.html"].decode().count('<li><a href="x/') == 1500


def review_templates() -> Path:
    return Path(__file__).resolve().parents[1] / "templates"


def test_pager_of_many_pages_links_the_ends_and_the_neighbours() -> None:
    parts = [{"href": f"index-{n}.html", "gap": False} for n in range(2, 302)]
    shown = review._pager(parts, parts[150])
    hrefs = [p["href"] for p in shown]
    assert hrefs[:2] == ["index-2.html", "index-3.html"] and hrefs[-2:] == [
        "index-300.html",
        "index-301.html",
    ]
    assert "index-152.html" in hrefs and "index-150.html" in hrefs and "index-154.html" in hrefs
    assert len(shown) < 15 and sum(1 for p in shown if p["gap"]) == 2
    assert review._pager(parts[:10]) == parts[:10]


def test_a_long_appeal_text_shows_its_start_and_links_the_whole() -> None:
    contexts = {"en": {"lang": "en", "people": [], "featured": []}}
    text = "".join(f"{n}. SURNAME{n} Given\n" for n in range(1, 15001))
    files = {"appeal/en.txt": {"path": "appeal/en.txt", "sha256": "0" * 64, "size": len(text)}}
    appeal = [AppealText("en", "appeal/en.txt", "appeal/en.html")]
    page = review.render_review(
        templates_dir=review_templates(),
        contexts=contexts,
        kit=review.PageProducts(files=files, read={"appeal/en.txt": text.encode()}.get, appeal=appeal),
    ).decode()
    assert "1. SURNAME1 Given\n" in page and "15000. SURNAME15000" not in page
    shown = len(re.findall(r"^\d+\. SURNAME", page, re.M))
    assert 0 < shown < 1000
    assert f"{15000 - shown} more lines are in the files below" in page
    assert "Copy appeal text" not in page  # a part is never offered as the whole text
    assert '<a href="appeal/en.txt">' in page
    # A short one stays whole, with its copy button.
    short = review.render_review(
        templates_dir=review_templates(),
        contexts=contexts,
        kit=review.PageProducts(files=files, read={"appeal/en.txt": b"1. ABLAB Hanna\n"}.get, appeal=appeal),
    ).decode()
    assert "Copy appeal text, English" in short and "more lines" not in short


def test_a_preview_newsletter_is_framed_from_its_file_not_inlined(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", made_up_people(6))
    folder = build_project(root, only=("newsletter",))
    page = (folder / "index.html").read_text("utf-8")
    assert "srcdoc=" not in page
    for lang in ("en", "be", "ru"):
        assert page.count(f'src="newsletter/{lang}.html"') == 2  # phone and desktop frames


def test_long_threads_are_cut_into_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review, "THREAD_PARTS_PAGE", 100)
    contexts = {"en": {"lang": "en", "people": [], "featured": []}}
    posts = [
        {
            "id": None,
            "kind": "thread",
            "platform": platform,
            "lang": "en",
            "text": f"{platform} part {i}",
            "length": 10,
            "limit": 300,
            "part": i,
            "parts": 150,
        }
        for platform in ("bluesky", "mastodon")
        for i in range(1, 151)
    ]
    kit = review.PageProducts(files={}, posts=[as_post(p) for p in posts])
    pages = dict(review.review_files(templates_dir=review_templates(), contexts=contexts, kit=kit))
    threads = sorted(name for name in pages if name.startswith("index-threads-en"))
    assert threads == ["index-threads-en-2.html", "index-threads-en-3.html", "index-threads-en.html"]
    texts = {name: pages[name].decode() for name in threads}
    # Every part on exactly one page, 100 at most a page, in order.
    for platform in ("bluesky", "mastodon"):
        for i in range(1, 151):
            where = [n for n, t in texts.items() if f">\n{platform} part {i}</pre>" in t]
            assert len(where) == 1, (platform, i)
    assert all(t.count("<article") <= 100 for t in texts.values())
    assert "Bluesky thread, parts 101 to 150 of 150" in texts["index-threads-en-2.html"]
    overview = pages["index.html"].decode()
    for name in threads:
        assert f'href="{name}"' in overview


def test_cards_kept_from_an_earlier_build_all_stay_on_the_page(tmp_path: Path) -> None:
    # build --all draws every woman's cards; a weekly --only posts keeps them in the folder
    # (cards are not rebuilt), so the manifest still lists their products and the page shows them.
    from campaign_kit.build.loop import BuildOptions, build
    from campaign_kit.campaign.cycles import parse_cycle
    from campaign_kit.project import Project
    from review_project import CYCLE

    root = make_project(tmp_path / "p", made_up_people(7))
    out = root / "out"
    week = BuildOptions(cycle=parse_cycle(CYCLE), out=out, jobs=1, languages=("en",))
    build(Project(root), BuildOptions(**{**vars(week), "everyone": True, "only": ("cards",)}))
    build(Project(root), BuildOptions(**{**vars(week), "only": ("posts",)}))
    folder = out / "mothers" / CYCLE
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    drawn = sorted(e["path"] for e in manifest["files"] if e["kind"] == "cards")
    assert len(drawn) == 7 * 5 and len(manifest["featured"]) == 5
    assert sorted(c["path"] for c in manifest["products"]["cards"]) == drawn
    page = (folder / "index.html").read_text("utf-8")
    assert all(f'<img src="{rel}"' in page for rel in drawn)
