"""The review page (render/review.py + templates/review/index.html) and review/serve.py, without a browser.

``make_cycle`` builds a small but complete cycle folder (real PNGs, posts.json, appeal, newsletter)
from the repo's roster, and the typed products the page is rendered from; the browser tests reuse it.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import html.parser
import io
import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from campaign_kit.campaign.config import load_campaign
from campaign_kit.campaign.cycles import select_featured
from campaign_kit.errors import BuildError
from campaign_kit.model import AppealText, Card, NewsletterIssue, Post
from campaign_kit.render import review
from campaign_kit.review.status import write_status
from campaign_kit.roster import load_roster
from conftest import REPO, SAMPLE_ROSTER, TEMPLATES, make_ctx
from images import CARD_SIZES
from review_project import serve_in_thread

LANGS = ("en", "be", "ru")
LIMITS = {"x": 280, "bluesky": 300, "mastodon": 500, "telegram": 1024}
ASSET_BASE = "https://belaruswomen.org/campaign-kit/"
# Text that is easy to mangle on its way to the clipboard: markup, entities, quotes, emoji,
# a leading newline, trailing spaces, a blank line.
TRICKY = '\n<b>Free them</b> & "now" «Свабоду!» — 🕊️ #FreeBelarusWomen  \n\nhttps://belaruswomen.org'


def _png(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    # A tenth of the real size: real PNGs, small enough to keep the tests fast.
    img = Image.new("RGB", (size[0] // 10, size[1] // 10), colour)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _post(
    pid: str,
    platform: str,
    lang: str,
    text: str,
    alt: str | None = None,
    length: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A posts.json entry; with ``alt``, her square card and its alt text; ``extra`` adds or overrides."""
    post = {
        "id": pid,
        "platform": platform,
        "lang": lang,
        "text": text,
        "length": len(text) if length is None else length,
        "limit": LIMITS.get(platform),
    }
    if alt is not None:
        post |= {"alt_text": alt, "card": f"cards/{lang}/{pid}/square.png"}
    return post | extra


def as_post(record: dict[str, Any]) -> Post:
    """A post from a posts.json record that gives only what the test is about."""
    text = record["text"]
    full = {
        "kind": "post",
        "api_text": text,
        "length": len(text),
        "limit": 0,
        "alt_text": None,
        "card": None,
        "date": "2026-11-23",
        "dropped": [],
        "ids": [],
    }
    return Post.from_dict(full | {k: v for k, v in record.items() if v is not None})


def view_of(contexts: dict[str, dict[str, Any]], records: list[dict[str, Any]]) -> dict[str, Any]:
    """The page's data for ``records`` (posts.json records) and nothing else."""
    return review.review_view(
        contexts=contexts, kit=review.PageProducts(files={}, posts=[as_post(r) for r in records])
    )


def make_contexts(n_featured: int = 2) -> dict[str, dict[str, Any]]:
    """Real template contexts from the repo's roster and campaign.toml (2026-W48)."""
    roster = load_roster(SAMPLE_ROSTER)
    campaign = load_campaign(REPO / "campaign.toml")
    featured = select_featured(roster.in_group(campaign.appeal("mothers").group), n_featured, {})
    return {lang: make_ctx(lang, roster, featured, campaign=campaign) for lang in LANGS}


def make_cycle(
    folder: Path,
    contexts: dict[str, dict[str, Any]] | None = None,
    extra_posts: list[dict[str, Any]] | None = None,
) -> tuple[dict[str, dict[str, Any]], review.PageProducts]:
    """Write a small cycle folder (everything but index.html) and return the render inputs."""
    contexts = contexts or make_contexts()
    featured = contexts["en"]["featured"]
    blobs: dict[str, bytes] = {}
    texts: dict[str, bytes] = {}
    posts: list[dict[str, Any]] = []
    cards: list[Card] = []
    for n, person in enumerate(featured):
        pid = person["id"]
        for lang in LANGS:
            view = next(v for v in contexts[lang]["people"] if v["id"] == pid)
            alt = f"{view['name']}. {view['status_line']}. {view['mother_of']}."
            for i, (fmt, size) in enumerate(CARD_SIZES.items()):
                rel = f"cards/{lang}/{pid}/{fmt}.png"
                blobs[rel] = _png(size, (180, 30 + 40 * i, 40 + 60 * n))
                cards.append(Card(pid, lang, fmt, rel, alt, *size))
            base = f"{view['name']}: {view['status_line']}. {view['mother_of']}. #FreeBelarusWomen"
            posts.append(_post(pid, "x", lang, base, alt))
            # The first woman's Bluesky post sits at 95% of its limit, the second one's over it.
            blue = base + " " + "." * (285 - len(base) if n == 0 else 0)
            posts.append(_post(pid, "bluesky", lang, blue, alt, length=285 if n == 0 else 310))
            posts.append(_post(pid, "mastodon", lang, base + TRICKY, alt))
            posts.append(_post(pid, "telegram", lang, base, "", hashtags=["FreeBelarusWomen"]))
    for lang in LANGS:
        for part in (2, 1, 3):  # out of order on purpose: the page sorts parts
            # The shape render/posts.py writes for a roll-call part: kind "thread", id null.
            posts.append(
                {
                    "kind": "thread",
                    "id": None,
                    "platform": "x",
                    "lang": lang,
                    "date": "2026-11-23",
                    "text": f"Roll call {part}/3 ({lang})",
                    "api_text": f"Roll call {part}/3 ({lang})",
                    "length": 20,
                    "limit": 280,
                    "alt_text": None,
                    "card": None,
                    "dropped": [],
                    "part": part,
                    "parts": 3,
                    "ids": [],
                }
            )
    posts.extend(extra_posts or [])
    typed = [as_post(p) for p in posts]
    texts["posts.json"] = (
        json.dumps([p.to_dict() for p in typed], ensure_ascii=False, indent=2) + "\n"
    ).encode()
    for lang in LANGS:
        for platform in LIMITS:
            texts[f"posts/{lang}/{platform}.txt"] = "\n\n".join(
                p["text"] for p in posts if p["lang"] == lang and p["platform"] == platform
            ).encode()
        names = "\n".join(f"{v['number']}. {v['name']}" for v in contexts[lang]["people"])
        texts[f"appeal/{lang}.txt"] = f"{contexts[lang]['appeal']['title']}\n\n{names}\n".encode()
        texts[f"appeal/{lang}.html"] = f"<!doctype html><title>{lang}</title><p>{names}</p>".encode()
        first = featured[0]["id"]
        texts[f"newsletter/{lang}.html"] = (
            f'<!doctype html><html lang="{lang}"><body style="margin:0;font-family:sans-serif">'
            f'<div style="max-width:600px;margin:0 auto;padding:16px">'
            f'<img src="{ASSET_BASE}cards/{lang}/{first}/link.png" width="600" alt="card" '
            f'style="width:100%;height:auto">'
            f"<h1>{contexts[lang]['appeal']['title']}</h1><p>{names}</p>"
            f'<a href="https://belaruswomen.org">belaruswomen.org</a></div></body></html>'
        ).encode()
        texts[f"newsletter/{lang}.txt"] = f"{contexts[lang]['appeal']['title']}\n{names}\n".encode()
    texts["schedule.csv"] = b"date,platform,lang,id,text,image,alt_text\n"
    blobs.update(texts)
    files: dict[str, dict[str, Any]] = {}
    for rel, data in sorted(blobs.items()):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files[rel] = {"path": rel, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    kit = review.PageProducts(
        files=files,
        read=texts.get,
        cards=cards,
        posts=typed,
        appeal=[AppealText(lang, f"appeal/{lang}.txt", f"appeal/{lang}.html") for lang in LANGS],
        newsletters=[
            NewsletterIssue(lang, "", "", {ext: f"newsletter/{lang}.{ext}" for ext in ("html", "txt")}, True)
            for lang in LANGS
        ],
    )
    return contexts, kit


def render_cycle(folder: Path, **kw: Any) -> str:
    """Build the fixture folder with its index.html; return the page."""
    contexts, kit = make_cycle(folder, **kw)
    data = review.render_review(templates_dir=TEMPLATES, contexts=contexts, kit=kit)
    (folder / "index.html").write_bytes(data)
    # The approval and calendar frame, as a build writes it (this folder has no manifest: the
    # frame says its posts cannot be read).
    write_status(folder, TEMPLATES)
    return data.decode("utf-8")


class _Parsed(html.parser.HTMLParser):
    """Every start tag with its attributes; the text of each element with an id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.stack: list[tuple[str, str | None]] = []
        self.texts: dict[str, str] = {}
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag not in ("img", "meta", "link", "br", "input"):
            self.stack.append((tag, a.get("id")))
            if a.get("id"):
                self.texts.setdefault(a["id"], "")

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, ident in self.stack:
            if ident:
                self.texts[ident] += data
        if self.stack and self.stack[-1][0] == "script":
            self.scripts.append(data)


def parse(page: str) -> _Parsed:
    p = _Parsed()
    p.feed(page)
    p.close()
    return p


@pytest.fixture
def cycle(tmp_path: Path) -> tuple[Path, str]:
    folder = tmp_path / "out" / "mothers" / "2026-W48"
    return folder, render_cycle(folder)


# --- rendering --------------------------------------------------------------------------


def test_page_shows_totals_women_cards_posts_appeal_and_newsletter(cycle: tuple[Path, str]) -> None:
    folder, page = cycle
    assert page.startswith("<!doctype html>\n")
    ctx = make_contexts()
    totals = ctx["en"]["totals"]
    assert f"<dd>{totals['women']}</dd>" in page and f"<dd>{totals['children']}</dd>" in page
    for person in ctx["en"]["featured"]:
        assert person["name_latin"] in page and person["name_ru"] in page
        for lang in LANGS:
            for fmt in CARD_SIZES:
                assert f'src="cards/{lang}/{person["id"]}/{fmt}.png"' in page
    parsed = parse(page)
    imgs = [a for t, a in parsed.tags if t == "img"]
    assert imgs and all(a.get("loading") == "lazy" for a in imgs)
    assert len(imgs) == 2 * 3 * 5
    assert sum(1 for t, a in parsed.tags if t == "iframe" and "srcdoc" in a) == 2 * 3
    assert "Roll call 1/3 (be)" in page
    for lang in LANGS:
        assert f'id="appeal-{lang}"' in page and f'id="newsletter-{lang}"' in page


def test_copy_targets_hold_exactly_the_post_text(cycle: tuple[Path, str]) -> None:
    folder, page = cycle
    posts = json.loads((folder / "posts.json").read_text("utf-8"))
    parsed = parse(page)
    buttons = [a for t, a in parsed.tags if t == "button" and "data-copy" in a]
    copied = {parsed.texts[b["data-copy"]] for b in buttons}
    # The parser drops the one newline written after <pre>, as a browser does.
    copied = {text[1:] if text.startswith("\n") else text for text in copied}
    for post in posts:
        assert post["text"] in copied, post
        if post.get("alt_text"):
            assert post["alt_text"] in copied


def test_copy_buttons_name_what_they_copy(cycle: tuple[Path, str]) -> None:
    _, page = cycle
    name = make_contexts()["en"]["featured"][0]["name_latin"]
    labels = [a["aria-label"] for t, a in parse(page).tags if t == "button" and "data-copy" in a]
    assert f"Copy X post, English, {name}" in labels
    assert f"Copy Mastodon post, Russian, {name}" in labels
    assert f"Copy alt text, Belarusian, {name}" in labels
    assert "Copy X thread part 2 of 3, English" in labels


def test_thread_parts_are_in_order(cycle: tuple[Path, str]) -> None:
    _, page = cycle
    assert (
        page.index("Roll call 1/3 (en)") < page.index("Roll call 2/3 (en)") < page.index("Roll call 3/3 (en)")
    )


def test_near_and_over_limit_are_marked(cycle: tuple[Path, str]) -> None:
    _, page = cycle
    parsed = parse(page)
    classes = [a.get("class", "") for t, a in parsed.tags if t == "article"]
    assert sum("state-near" in c for c in classes) == 3  # first woman's Bluesky, each language
    assert sum("state-over" in c for c in classes) == 3
    assert "Near the limit" in page and "Over the limit by 10." in page
    assert "<strong>285</strong> of 300" in page
    assert "3 over the limit, 3 near it" in page


def test_near_limit_threshold() -> None:
    contexts = make_contexts(1)
    pid = contexts["en"]["featured"][0]["id"]
    posts = [
        {"id": pid, "platform": "x", "lang": "en", "text": "t", "length": n, "limit": 280}
        for n in (251, 252, 280, 281)
    ]
    view = view_of(contexts, posts)
    states = [p["state"] for p in view["women"][0]["languages"][0]["posts"]]
    assert states == ["ok", "near", "near", "over"]


def test_hostile_name_stays_text(tmp_path: Path) -> None:
    contexts = make_contexts(1)
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    for ctx in contexts.values():
        for view in ctx["people"] + ctx["featured"]:
            if view["id"] == ctx["featured"][0]["id"]:
                view["name_latin"] = evil
                view["name"] = evil
    page = render_cycle(tmp_path / "c", contexts=copy.deepcopy(contexts))
    assert "&lt;script&gt;alert(" in page
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("<script") == 1  # the page's own script only
    parsed = parse(page)
    assert any(evil in a.get("aria-label", "") for t, a in parsed.tags if t == "button")
    assert all("onerror" not in a for _, a in parsed.tags)


def test_hostile_post_fields_stay_text(tmp_path: Path) -> None:
    contexts = make_contexts(1)
    pid = contexts["en"]["featured"][0]["id"]
    platform, text, alt = '"><script>x()</script>', "</pre><script>x()</script>", "</pre><b>"
    hostile = {"card": "javascript:alert(1)", "account": "<i>extra</i>"}
    evil = _post(pid, platform, "en", text, alt, length=5, limit=9, **hostile)
    page = render_cycle(tmp_path / "c", contexts=contexts, extra_posts=[evil])
    assert page.count("<script") == 1
    assert "&lt;/pre&gt;&lt;script&gt;x()" in page and "&lt;i&gt;extra&lt;/i&gt;" in page
    assert 'href="javascript:' not in page


def test_links_are_relative_and_nothing_is_fetched(cycle: tuple[Path, str]) -> None:
    folder, page = cycle
    parsed = parse(page)
    site = make_contexts()["en"]["org"]["site_url"]
    for tag, attrs in parsed.tags:
        for name in ("src", "href", "srcset", "poster", "data", "action", "background"):
            value = attrs.get(name)
            if value is None:
                continue
            if tag == "a" and name == "href" and value.startswith("#"):
                continue
            if tag == "a" and value == site:
                continue  # the one link a reader clicks out to
            if tag == "link" and attrs.get("rel") == "icon" and value == "data:,":
                continue  # an empty icon, so the browser does not ask for /favicon.ico
            assert "://" not in value and not value.startswith(("/", "//", "javascript:")), (tag, value)
            assert "/../" not in f"/{value}"
            target = value.split("#", 1)[0]
            if target:
                assert (folder / target).is_file(), (tag, value)
    style = "".join(re.findall(r"<style>(.*?)</style>", page, re.S))
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    assert [a["rel"] for t, a in parsed.tags if t == "link"] == ["icon"]
    assert re.search(r"<script[^>]*\bsrc=", page) is None


def test_newsletter_preview_uses_local_images(cycle: tuple[Path, str]) -> None:
    folder, page = cycle
    parsed = parse(page)
    docs = [a["srcdoc"] for t, a in parsed.tags if t == "iframe" and "srcdoc" in a]
    assert docs and all(ASSET_BASE not in d for d in docs)
    for doc in docs:
        for src in re.findall(r'src="([^"]+)"', doc):
            assert (folder / src).is_file(), src
        assert 'href="https://belaruswomen.org"' in doc  # links stay as sent
    widths = sorted({a["width"] for t, a in parsed.tags if t == "iframe" and "srcdoc" in a})
    assert widths == ["375", "640"]


def test_lang_attributes_on_text_blocks(cycle: tuple[Path, str]) -> None:
    _, page = cycle
    parsed = parse(page)
    assert parsed.tags[0] == ("html", {"lang": "en", "class": "no-js"})
    langs = {a.get("lang") for t, a in parsed.tags if t == "pre"}
    assert langs == {"en", "be", "ru"}
    for t, a in parsed.tags:
        if t == "pre":
            assert a.get("lang") in LANGS
    ru_blocks = [a for t, a in parsed.tags if t == "pre" and a.get("lang") == "ru"]
    assert ru_blocks


def test_heading_levels_never_skip(cycle: tuple[Path, str]) -> None:
    _, page = cycle
    levels = [int(t[1]) for t, _ in parse(page).tags if re.fullmatch(r"h[1-6]", t)]
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, levels


def test_ids_are_unique(cycle: tuple[Path, str]) -> None:
    _, page = cycle
    ids = [a["id"] for _, a in parse(page).tags if "id" in a]
    assert len(ids) == len(set(ids))


def test_same_inputs_same_bytes(tmp_path: Path) -> None:
    contexts, kit = make_cycle(tmp_path / "a")
    one = review.render_review(templates_dir=TEMPLATES, contexts=contexts, kit=kit)
    again = dataclasses.replace(kit, files=dict(kit.files), cards=list(kit.cards), posts=list(kit.posts))
    two = review.render_review(templates_dir=TEMPLATES, contexts=make_contexts(), kit=again)
    assert one == two


def test_missing_parts_simply_do_not_show(tmp_path: Path) -> None:
    contexts, kit = make_cycle(tmp_path / "a")
    cards_only = review.PageProducts(
        files={k: v for k, v in kit.files.items() if k.startswith("cards/")}, cards=kit.cards
    )
    page = review.render_review(templates_dir=TEMPLATES, contexts=contexts, kit=cards_only).decode()
    assert 'id="newsletter"' not in page and "Thread posts" not in page and 'id="appeal"' not in page
    assert '<button type="button" class="copy"' not in page
    assert page.count("<img ") == 30
    # Nothing at all: still a valid page with the totals.
    empty = review.render_review(
        templates_dir=TEMPLATES, contexts=contexts, kit=review.PageProducts(files={})
    ).decode()
    assert "This cycle" in empty and "<img " not in empty


def test_women_with_files_from_an_earlier_build_show_too(tmp_path: Path) -> None:
    contexts, kit = make_cycle(tmp_path / "a")
    featured = {v["id"] for v in contexts["en"]["featured"]}
    other = next(v for v in contexts["en"]["people"] if v["id"] not in featured)
    rel = f"cards/en/{other['id']}/square.png"
    kit = dataclasses.replace(
        kit,
        files={**kit.files, rel: {"path": rel, "sha256": "0", "size": 10}},
        cards=[*kit.cards, Card(other["id"], "en", "square", rel, "", *CARD_SIZES["square"])],
    )
    view = review.review_view(contexts=contexts, kit=kit)
    shown = [w["id"] for w in view["women"]]
    assert other["id"] in shown and featured <= set(shown)
    # Roster order, as in the appeal's roll call.
    order = [v["id"] for v in contexts["en"]["people"]]
    assert shown == sorted(shown, key=order.index)


def test_newsletter_frames_run_no_script(cycle: tuple[Path, str]) -> None:
    _, page = cycle
    frames = [a for t, a in parse(page).tags if t == "iframe" and a.get("id") != "status-frame"]
    assert frames and all("sandbox" in a and "allow-scripts" not in a["sandbox"] for a in frames)
    assert all(a.get("title", "").startswith("Newsletter, ") for a in frames)


def test_odd_posts_json_is_refused_by_the_one_reader(tmp_path: Path) -> None:
    # The page takes typed posts; a kept posts.json reaches it only through the posts kind's
    # reader (model.Post), which refuses what is not a list of whole posts and says where.
    from campaign_kit.build.kinds.posts import KIND as POSTS

    contexts = make_contexts(1)
    pid = contexts["en"]["featured"][0]["id"]
    for data in (
        b"",
        b"not json",
        b"{}",
        b'{"posts": "x"}',
        b"[1, null, {}]",
        json.dumps([{"id": pid, "platform": "x", "lang": "en", "text": "hi"}]).encode(),
        json.dumps(
            {
                "posts": [
                    {
                        "id": "roll",
                        "platform": "x",
                        "lang": "en",
                        "text": "hi",
                        "length": "?",
                        "limit": None,
                        "card": {"x": 1},
                    }
                ]
            }
        ).encode(),
    ):
        with pytest.raises(BuildError, match=r"^posts\.json"):
            POSTS.load_products(lambda rel, data=data: data if rel == "posts.json" else None)
    # The thinnest post the model takes still makes a page: no card, no alt text, no limit.
    thin = as_post({"id": "roll", "platform": "x", "lang": "en", "text": "hi"})
    page = review.render_review(
        templates_dir=TEMPLATES, contexts=contexts, kit=review.PageProducts(files={}, posts=[thin])
    ).decode()
    assert page.startswith("<!doctype html>") and "no limit given" in page


def test_schedule_and_dropped_parts_are_shown() -> None:
    contexts = make_contexts(1)
    pid = contexts["en"]["featured"][0]["id"]
    known = {"dropped": ["hashtags", "link"], "date": "2026-11-24", "ids": [pid]}
    plan = {"due": "2026-11-24T10:00:00+02:00", "account": "bluesky:belaruswomen.bsky.social"}
    view = view_of(contexts, [_post(pid, "x", "en", "hi", **known, **plan)])
    shown = view["women"][0]["languages"][0]["posts"][0]
    assert shown["extras"] == [
        {"key": "account", "value": "bluesky:belaruswomen.bsky.social"},
        {"key": "due", "value": "2026-11-24T10:00:00+02:00"},
    ]
    assert shown["dropped"] == "hashtags, link" and shown["date"] == "2026-11-24"
    # Without a plan (a posts.json written before it) nothing is said.
    assert (
        view_of(contexts, [_post(pid, "x", "en", "hi")])["women"][0]["languages"][0]["posts"][0]["extras"]
        == []
    )


def test_carriage_returns_survive_into_the_dom() -> None:
    assert str(review._pre_text("a\r\nb<")) == "a&#13;\nb&lt;"


# --- review/serve.py ---------------------------------------------------------------------------


def test_review_path(tmp_path: Path) -> None:
    from campaign_kit.review import serve as preview

    with pytest.raises(BuildError, match="no review page at .*; run campaign-kit build first"):
        preview.review_path(tmp_path, "mothers", "2026-W48")
    page = tmp_path / "mothers" / "2026-W48" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text("<!doctype html>")
    assert preview.review_path(tmp_path, "mothers", "2026-W48") == page
    for appeal, cyc in (("..", "2026-W48"), ("mothers", "../../etc"), ("", "x")):
        with pytest.raises(BuildError):
            preview.review_path(tmp_path, appeal, cyc)


def test_serve_serves_the_folder_only(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    (folder / "sub").mkdir(parents=True)
    (folder / "index.html").write_text("<p>ok</p>")
    (folder / "sub" / "x.txt").write_text("x")
    (tmp_path / "secret.txt").write_text("secret")
    url, stop, thread = serve_in_thread(folder)
    assert url.startswith("http://127.0.0.1:") and url.endswith("/")
    with urllib.request.urlopen(url) as resp:
        assert resp.read() == b"<p>ok</p>"
    for path in ("../secret.txt", "%2e%2e/secret.txt", "..%2fsecret.txt", "a/../../secret.txt"):
        try:
            with urllib.request.urlopen(url + path) as resp:
                body = resp.read()
        except urllib.error.HTTPError as exc:
            assert exc.code in (400, 403, 404)
        else:
            assert b"secret" not in body
    with pytest.raises(urllib.error.HTTPError) as listing:
        urllib.request.urlopen(url + "sub/")
    assert listing.value.code == 404
    stop.set()
    thread.join(10)
    assert not thread.is_alive()


def test_serve_refuses_a_missing_folder(tmp_path: Path) -> None:
    from campaign_kit.review import serve as preview

    with pytest.raises(BuildError, match="is not a folder"):
        preview.serve(tmp_path / "nope", 0)


# --- many women: pages ------------------------------------------------------------------


def test_a_page_is_rendered_in_pieces_that_join_to_the_whole_page(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "out" / "mothers" / "2026-W48"
    contexts, kit = make_cycle(folder, contexts=make_contexts(5))
    args = {"templates_dir": TEMPLATES, "contexts": contexts, "kit": kit}
    whole = dict(review.review_files(**args))
    monkeypatch.setattr(review, "CHUNK_CHARS", 1000)
    streamed = {rel: list(chunks) for rel, chunks in review.review_outputs(**args)}
    assert len(streamed["index.html"]) > 5  # written on as it is made, not held whole
    assert {rel: b"".join(c) for rel, c in streamed.items()} == whole


def test_long_threads_leave_a_weekly_page_for_a_page_per_language(tmp_path: Path, monkeypatch) -> None:
    # A weekly build of a big roster: a few featured women, thousands of roll-call parts.
    folder = tmp_path / "out" / "mothers" / "2026-W48"
    contexts, kit = make_cycle(folder, contexts=make_contexts(5))
    args = {"templates_dir": TEMPLATES, "contexts": contexts, "kit": kit}
    assert list(dict(review.review_files(**args))) == ["index.html"]  # a few parts stay inline
    monkeypatch.setattr(review, "THREAD_PARTS_INLINE", 2)
    pages = {rel: data.decode() for rel, data in review.review_files(**args)}
    threads = [name for name in pages if name.startswith("index-threads-")]
    assert threads and list(pages) == ["index.html", *threads]  # the women stay on index.html
    overview = pages["index.html"]
    ids = [v["id"] for v in contexts["en"]["featured"]]
    assert all(f'id="woman-{pid}"' in overview for pid in ids)
    assert "Roll call" not in overview and all(f'href="{name}"' in overview for name in threads)
    assert "Roll call 2/3 (be)" in pages["index-threads-be.html"]
    for name in threads:
        assert 'id="woman-' not in pages[name] and 'aria-current="page">Threads,' in pages[name]
    for data in pages.values():
        found = re.findall(r'\sid="([^"]+)"', data)
        assert len(found) == len(set(found))


def test_many_women_are_split_over_pages_with_a_searchable_overview(tmp_path: Path) -> None:
    folder = tmp_path / "out" / "mothers" / "2026-W48"
    contexts, kit = make_cycle(folder, contexts=make_contexts(5))
    pages = dict(review.review_files(templates_dir=TEMPLATES, contexts=contexts, kit=kit, page_size=2))
    threads = [name for name in pages if name.startswith("index-threads-")]
    assert list(pages) == ["index.html", *threads, "index-2.html", "index-3.html", "index-4.html"]
    assert "index-threads-be.html" in threads
    be_threads = pages["index-threads-be.html"].decode()
    assert "Roll call 2/3 (be)" in be_threads and "Roll call" not in pages["index.html"].decode()
    for name in threads:  # each language's threads on its own page, linked from every page
        assert all(f'href="{name}"' in page.decode() for page in pages.values())
    overview = pages["index.html"].decode()
    ids = [v["id"] for v in contexts["en"]["featured"]]
    # The overview lists every woman with a link to her page, and no card or post of anyone.
    for n, pid in enumerate(ids):
        assert f'href="index-{n // 2 + 2}.html#woman-{pid}"' in overview
    assert 'id="women-search"' in overview and "data-search=" in overview
    assert "<img" not in overview.split('id="newsletter"')[0]  # no card images inline
    # Each page holds only its own women and links every page.
    for n, pid in enumerate(ids):
        page = pages[f"index-{n // 2 + 2}.html"].decode()
        assert f'id="woman-{pid}"' in page
        others = [o for i, o in enumerate(ids) if i // 2 != n // 2]
        assert all(f'id="woman-{o}"' not in page for o in others)
        assert 'href="index.html"' in page and 'href="index-4.html"' in page
        assert "Roll call" not in page
    # Posts that need attention are linked on the page that shows them.
    over = re.findall(r'<li class="over"><a href="([^"]+)"', overview)
    assert over and all(re.fullmatch(r"index-\d\.html#\w+", h) for h in over)
    for href in over:
        name, anchor = href.split("#")
        assert f'id="{anchor}"' in pages[name].decode()
    # Ids stay unique on every page; a few women keep the single page.
    for data in pages.values():
        found = re.findall(r'\sid="([^"]+)"', data.decode())
        assert len(found) == len(set(found))
    assert list(review.review_files(templates_dir=TEMPLATES, contexts=contexts, kit=kit)) == [
        ("index.html", review.render_review(templates_dir=TEMPLATES, contexts=contexts, kit=kit))
    ]


def test_posts_read_back_from_posts_json_give_the_same_page(tmp_path: Path) -> None:
    # A build that keeps the posts hands the page what the posts kind reads back from
    # posts.json; it must show exactly what the posts the build made show.
    from campaign_kit.build.kinds.posts import KIND as POSTS

    folder = tmp_path / "out" / "mothers" / "2026-W48"
    contexts, kit = make_cycle(folder)
    kept = dataclasses.replace(kit, posts=POSTS.load_products(kit.read))
    assert kept.posts == kit.posts
    a = review.render_review(templates_dir=TEMPLATES, contexts=contexts, kit=kit)
    b = review.render_review(templates_dir=TEMPLATES, contexts=contexts, kit=kept)
    assert a == b


def test_cards_outline_what_the_platform_shows(cycle: tuple[Path, str]) -> None:
    # The crop preview: Instagram's 3:4 grid crop on the square and portrait, the story's
    # safe zone; none where the whole card is shown.
    _folder, page = cycle
    assert page.count('class="crop" style="inset: 0.00% 12.50% 0.00% 12.50%"') == 2 * 3
    assert page.count('class="crop" style="inset: 0.00% 3.15% 0.00% 3.15%"') == 2 * 3
    # The story: 250 px under its top bar, everything below y 1580 under the reply bar.
    assert page.count('class="crop" style="inset: 13.02% 5.93% 17.71% 5.93%"') == 2 * 3
    assert page.count('class="crop"') == 3 * 2 * 3
    assert page.count("Dashed: Instagram grid crop") == 2 * 2 * 3
