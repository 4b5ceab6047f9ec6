"""The review page in headless Chromium: it loads clean, every image resolves, copy is exact.

Needs Debian's ``/usr/bin/chromium`` and the ``playwright`` Python package (never its browser
download); without either the tests skip and say why. Screenshots at phone and laptop widths go to
``test-artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import copy_project
from review_project import serve_in_thread
from standins import Pds
from test_review import REPO, make_contexts, render_cycle

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The fixture cycle folder, served on 127.0.0.1; (folder, url)."""
    folder = tmp_path_factory.mktemp("out") / "mothers" / "2026-W48"
    render_cycle(folder)
    url, stop, thread = serve_in_thread(folder)
    yield folder, url
    stop.set()
    thread.join(10)


class Watch:
    """Console errors, uncaught exceptions, failed loads and off-site requests of one page."""

    def __init__(self, page: Any, allowed: tuple[str, ...]) -> None:
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        page.on(
            "request",
            lambda r: r.url.startswith(allowed) or self.problems.append(f"off-site request: {r.url}"),
        )


def wait_until(page: Any, expression: str, arg: Any = None, timeout: float = 10.0) -> None:
    """Poll ``expression`` until truthy.

    Not ``page.wait_for_function``: it compiles its predicate with eval, which the page's CSP
    (rightly) forbids; ``evaluate`` goes through the debugger protocol and is not affected.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression, arg):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.02)


def load_everything(page: Any) -> None:
    """Make lazy images and frames load now, and wait until they have."""
    page.evaluate("document.querySelectorAll('img, iframe').forEach(e => { e.loading = 'eager'; })")
    wait_until(page, "[...document.images].every(i => i.complete)")
    # Decoded too, so screenshots show the cards rather than empty boxes.
    page.evaluate("Promise.all([...document.images].map(i => i.decode().catch(() => null)))")
    page.wait_for_load_state("load")


def open_page(browser: Any, url: str, width: int = 1280, **kw: Any) -> tuple[Any, Any, Watch]:
    context = browser.new_context(viewport={"width": width, "height": 900}, **kw)
    page = context.new_page()
    origin = url.split("/", 3)[:3]
    allowed = (
        ("data:", "about:", "/".join(origin) + "/")
        if url.startswith("http")
        else ("data:", "about:", "file://")
    )
    watch = Watch(page, allowed)
    page.goto(url)
    return context, page, watch


def broken_images(page: Any) -> list[str]:
    found: list[str] = []
    for frame in page.frames:
        found += frame.evaluate(
            "[...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )
    return found


def test_loads_clean_served_and_from_disk(browser: Any, site: tuple[Path, str]) -> None:
    folder, url = site
    for address in (url, (folder / "index.html").as_uri()):
        context, page, watch = open_page(browser, address)
        load_everything(page)
        assert page.title().startswith("Review")
        assert watch.problems == [], address
        context.close()


def test_every_image_resolves(browser: Any, site: tuple[Path, str]) -> None:
    _, url = site
    context, page, watch = open_page(browser, url)
    load_everything(page)
    assert page.evaluate("document.images.length") == 2 * 3 * 5
    assert broken_images(page) == []
    # The newsletter frames show this folder's card, not the asset server's.
    frames = [f for f in page.frames if f.url == "about:srcdoc"]
    assert len(frames) == 6
    assert all(f.evaluate("document.images.length") == 1 for f in frames)
    assert watch.problems == []
    context.close()


def _copy_and_read(page: Any, label: str) -> str:
    page.get_by_role("button", name=label, exact=True).click()
    wait_until(
        page,
        "label => [...document.querySelectorAll('button[data-copy]')]"
        ".find(b => b.getAttribute('aria-label') === label).textContent !== 'Copy'",
        label,
    )
    return page.evaluate("window.savedClipboard.readText()")


def test_copy_button_copies_the_exact_post_text(browser: Any, site: tuple[Path, str]) -> None:
    folder, url = site
    posts = json.loads((folder / "posts.json").read_text("utf-8"))
    who = make_contexts()["en"]["featured"][0]
    origin = url.rstrip("/")
    context, page, watch = open_page(browser, url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page.evaluate("window.savedClipboard = navigator.clipboard")
    for platform, lang, language in (("mastodon", "ru", "Russian"), ("x", "en", "English")):
        want = next(
            p["text"]
            for p in posts
            if p["id"] == who["id"] and p["platform"] == platform and p["lang"] == lang
        )
        title = {"mastodon": "Mastodon", "x": "X"}[platform]
        got = _copy_and_read(page, f"Copy {title} post, {language}, {who['name_latin']}")
        assert got == want
    want = next(p["alt_text"] for p in posts if p["id"] == who["id"] and p["lang"] == "be")
    assert _copy_and_read(page, f"Copy alt text, Belarusian, {who['name_latin']}") == want
    wait_until(page, "document.getElementById('status').textContent.startsWith('Copied')")
    # Every post's text is in the page exactly as posts.json has it, ready to copy.
    in_page = set(page.evaluate("[...document.querySelectorAll('pre')].map(p => p.textContent)"))
    assert all(p["text"] in in_page for p in posts)
    assert watch.problems == []
    context.close()


def test_copy_falls_back_without_the_async_clipboard(browser: Any, site: tuple[Path, str]) -> None:
    folder, url = site
    posts = json.loads((folder / "posts.json").read_text("utf-8"))
    who = make_contexts()["en"]["featured"][1]
    context, page, watch = open_page(browser, url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
    # As on a file:// page where navigator.clipboard is missing: the hidden-textarea path runs.
    page.evaluate("""() => {
        window.savedClipboard = navigator.clipboard;
        Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});
    }""")
    want = next(
        p["text"] for p in posts if p["id"] == who["id"] and p["platform"] == "mastodon" and p["lang"] == "be"
    )
    label = f"Copy Mastodon post, Belarusian, {who['name_latin']}"
    assert _copy_and_read(page, label) == want
    # Focus returns to the button, so a keyboard user carries on where they were.
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == label
    assert watch.problems == []
    context.close()


def test_keyboard_copy_and_visible_focus(browser: Any, site: tuple[Path, str]) -> None:
    folder, url = site
    posts = json.loads((folder / "posts.json").read_text("utf-8"))
    context, page, _ = open_page(browser, url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
    page.evaluate("window.savedClipboard = navigator.clipboard")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    first = page.locator("button.copy").first
    first.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")  # keyboard focus, so :focus-visible applies
    style = first.evaluate("b => getComputedStyle(b).outlineStyle + ' ' + getComputedStyle(b).outlineWidth")
    assert style == "solid 3px"
    page.keyboard.press("Enter")
    wait_until(page, "document.querySelector('button.copy').textContent === 'Copied'")
    assert page.evaluate("window.savedClipboard.readText()") in {p["alt_text"] for p in posts}
    context.close()


def test_language_switch_and_reading_without_script(browser: Any, site: tuple[Path, str]) -> None:
    _, url = site
    context, page, _ = open_page(browser, url)
    page.get_by_role("button", name="Russian", exact=True).click()
    visible = page.evaluate(
        "[...document.querySelectorAll('[data-lang]')].filter(e => e.offsetParent).map(e => e.dataset.lang)"
    )
    assert visible and set(visible) == {"ru"}
    assert page.get_by_role("button", name="Russian", exact=True).get_attribute("aria-pressed") == "true"
    context.close()

    context, page, _ = open_page(browser, url, java_script_enabled=False)
    shown = page.evaluate(
        "[...document.querySelectorAll('[data-lang]')].filter(e => e.offsetParent).map(e => e.dataset.lang)"
    )
    assert set(shown) == {"en", "be", "ru"}
    assert page.locator("button.copy").first.is_hidden()
    assert page.locator("#langs").is_hidden()
    context.close()


# WCAG 2 contrast of every visible piece of text against the first opaque background behind it.
CONTRAST_JS = """() => {
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => (v /= 255) <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] === 1) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el.getClientRects().length) continue;
    if (el.closest('.visually-hidden')) continue;
    const a = lum(rgb(getComputedStyle(el).color).slice(0, 3)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(`${ratio.toFixed(2)}: ${node.textContent.trim().slice(0, 40)}`);
  }
  return low;
}"""


def test_text_contrast(browser: Any, site: tuple[Path, str]) -> None:
    _, url = site
    context, page, _ = open_page(browser, url)
    assert page.evaluate(CONTRAST_JS) == []
    # The states a reviewer meets while working: a copied button, a chosen language.
    page.locator("button.copy").first.click()
    page.get_by_role("button", name="Belarusian", exact=True).click()
    assert page.evaluate(CONTRAST_JS) == []
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_screenshots(browser: Any, site: tuple[Path, str], width: int) -> None:
    _, url = site
    context, page, watch = open_page(browser, url, width=width)
    load_everything(page)
    # Nothing may push the page sideways on a phone: wide things scroll inside their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"review-{width}.png"), full_page=True)
    assert watch.problems == []
    context.close()


def test_real_build(browser: Any, tmp_path: Path) -> None:
    """The page as `campaign-kit build` writes it, from the sample roster."""
    from campaign_kit.build.loop import BuildOptions, build
    from campaign_kit.campaign.cycles import parse_cycle
    from campaign_kit.project import Project
    from campaign_kit.review.status import write_status

    project = copy_project(tmp_path / "proj")
    out = tmp_path / "out"
    # Every renderer exists: a build that fails here is a failure, never a reason to skip.
    # The status page as the CLI writes it, under the build lock.
    build(
        Project(project),
        BuildOptions(cycle=parse_cycle("2026-W48"), out=out, jobs=2),
        finish=lambda folder: write_status(folder, Project(project).templates),
    )
    folder = out / "mothers" / "2026-W48"
    assert (folder / "index.html").is_file()
    url, stop, thread = serve_in_thread(folder)
    try:
        context, page, watch = open_page(browser, url)
        load_everything(page)
        assert broken_images(page) == []
        assert watch.problems == []
        posts = json.loads((folder / "posts.json").read_text("utf-8"))
        in_page = set(page.evaluate("[...document.querySelectorAll('pre')].map(p => p.textContent)"))
        assert all(p["text"] in in_page for p in posts)
        ARTIFACTS.mkdir(exist_ok=True)
        # The first screen only: a full-page shot of the real kit (200+ posts) takes seconds.
        page.screenshot(path=str(ARTIFACTS / "review-build-1280.png"))
        page.set_viewport_size({"width": 390, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(ARTIFACTS / "review-build-390.png"))
        context.close()
    finally:
        stop.set()
        thread.join(10)


def test_paged_overview_search_and_links(browser: Any, tmp_path: Path) -> None:
    from campaign_kit.render import review
    from campaign_kit.review.status import write_status
    from test_review import TEMPLATES, make_cycle

    folder = tmp_path / "out" / "mothers" / "2026-W48"
    contexts, kit = make_cycle(folder, contexts=make_contexts(5))
    for rel, data in review.review_files(templates_dir=TEMPLATES, contexts=contexts, kit=kit, page_size=2):
        (folder / rel).write_bytes(data)
    write_status(folder, TEMPLATES)
    context, page, watch = open_page(browser, (folder / "index.html").as_uri())
    page.wait_for_load_state("load")
    rows = "document.querySelectorAll('#women-list li:not([hidden])').length"
    assert page.evaluate(rows) == 5
    page.fill("#women-search", "ablab")
    assert page.evaluate(rows) == 1
    assert page.inner_text("#women-count") == "1 of 5"
    page.fill("#women-search", "АБЛАБ анна")  # Cyrillic finds her too, any case, any word order
    assert page.evaluate(rows) == 1
    page.fill("#women-search", "")
    assert page.evaluate(rows) == 5
    # Her name leads to her cards and posts on her page.
    page.click("#women-list li:first-child a")
    page.wait_for_load_state("load")
    assert page.url.endswith(f"index-2.html#woman-{contexts['en']['featured'][0]['id']}")
    load_everything(page)
    assert broken_images(page) == []
    assert watch.problems == []
    context.close()


# --- a real build of a made-up roster (review_project.py) ----------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A week built by `campaign-kit build` from 8 made-up mothers; the cycle folder."""
    from review_project import build_project, made_up_people, make_project

    root = make_project(tmp_path_factory.mktemp("built") / "proj", made_up_people(8))
    return build_project(root, jobs=2)


def count_images(page: Any) -> int:
    return sum(frame.evaluate("document.images.length") for frame in page.frames)


def test_real_build_from_disk_has_no_failed_image(browser: Any, built: Path) -> None:
    """Opened as `campaign-kit preview` prints it: every card and newsletter image loads."""
    failed: list[str] = []
    context, page, watch = open_page(browser, (built / "index.html").as_uri())
    page.on("requestfailed", lambda r: failed.append(r.url))
    load_everything(page)
    for frame in page.frames[1:]:
        frame.wait_for_load_state("load")
        wait_until(frame, "[...document.images].every(i => i.complete)")
    # 5 featured women x 3 languages x 5 formats on the page, 5 link cards per newsletter frame.
    assert count_images(page) >= 75 + 6 * 5
    assert broken_images(page) == []
    assert failed == []
    assert watch.problems == []
    context.close()


# --- served: approve from the page, then follow the week out ------------------------------


@pytest.fixture
def week(tmp_path: Path) -> tuple[Path, Path]:
    """(project root, cycle folder) of a fresh week built from 7 made-up mothers."""
    from review_project import build_project, made_up_people, make_project

    root = make_project(tmp_path / "proj", made_up_people(7))
    return root, build_project(root, jobs=2)


def serve_project(root: Path, folder: Path) -> tuple[str, Any, Any]:
    """`preview --serve` of ``folder``: live status page, approvals through the CLI's approver."""
    from campaign_kit.cli import _approver

    return serve_in_thread(folder, templates=root / "templates", approver=_approver(root, folder))


def status_frame(page: Any) -> Any:
    frame = page.frame_locator("#status-frame")
    return frame


def test_reviewer_approves_from_the_page_and_publish_accepts_it(
    browser: Any, week: tuple[Path, Path]
) -> None:
    from click.testing import CliRunner

    from campaign_kit.cli import cli
    from review_project import CYCLE

    root, folder = week
    url, stop, thread = serve_project(root, folder)
    try:
        context, page, watch = open_page(browser, url)
        frame = status_frame(page)
        frame.locator("#approval[data-state='none']").wait_for()
        # Refused politely without a name (the browser's own check), then approved with one.
        frame.get_by_label("Your name").fill("Alena K.")
        frame.get_by_role("button", name="Approve this week").click()
        frame.locator("#approval[data-state='approved']").wait_for()
        assert "Approved by Alena K." in frame.locator("#approval").inner_text()
        assert frame.locator("form").count() == 0
        assert watch.problems == []
        context.close()
    finally:
        stop.set()
        thread.join(10)
    approval = json.loads((folder / "approval.json").read_text("utf-8"))
    assert approval["approved_by"] == "Alena K."
    env = {
        "CAMPAIGN_KIT_MASTODON_URL": "http://127.0.0.1:9",
        "CAMPAIGN_KIT_MASTODON_TOKEN": "x",
    }
    result = CliRunner().invoke(
        cli,
        ["publish", "--platform", "mastodon", "--dry-run", "--project", str(root), "--cycle", CYCLE],
        env=env,
    )
    assert result.exit_code == 0, result.output


def test_forged_token_get_and_foreign_host_are_refused(browser: Any, week: tuple[Path, Path]) -> None:
    root, folder = week
    url, stop, thread = serve_project(root, folder)
    try:
        context = browser.new_context()
        api = context.request
        form = {"by": "Mallory", "token": "forged-token"}
        assert api.post(f"{url}approve", form=form, headers={"Origin": url.rstrip("/")}).status == 403
        assert api.get(f"{url}approve?by=Mallory&token=forged").status == 405
        port = url.rsplit(":", 1)[1].strip("/")
        for path in ("index.html", "status.html", "posts.json"):
            answer = api.get(f"{url}{path}", headers={"Host": f"rebind.example:{port}"})
            assert answer.status == 403, path
        assert not (folder / "approval.json").exists()
        context.close()
    finally:
        stop.set()
        thread.join(10)


def test_calendar_follows_a_publish_to_the_local_pds(browser: Any, week: tuple[Path, Path], pds: Pds) -> None:
    """Approved, then published to Bluesky (the local PDS): the page shows each post's state."""
    from campaign_kit.publish import runner
    from campaign_kit.publish.approval import approve
    from campaign_kit.publish.cycle import load_cycle
    from campaign_kit.publish.ledger import FAILED, SENDING, UNCERTAIN, Ledger
    from campaign_kit.publish.remote import RetryPolicy
    from standins import FakeMastodon, FakeTelegram, platform_env

    root, folder = week
    approve(folder, "Alena K.")
    kit = load_cycle(folder)
    # Telegram went wrong earlier this week: one post uncertain, one failed, as a run records them.
    ledger = Ledger(folder, kit.appeal, kit.cycle)
    telegram = [i for i in kit.items if i.platform == "telegram" and i.thread is None]
    ledger.update(telegram[0].key, "telegram", telegram[0].lang, UNCERTAIN, reason="the answer was lost")
    ledger.update(telegram[1].key, "telegram", telegram[1].lang, FAILED, error="chat not found")
    url, stop, thread = serve_project(root, folder)
    mastodon, telegram_fake = FakeMastodon().start(), FakeTelegram().start()
    try:
        context, page, watch = open_page(browser, url)
        frame = status_frame(page)
        frame.locator("#approval[data-state='approved']").wait_for()
        env = platform_env(pds, mastodon, telegram_fake)
        report = runner.publish(folder, ("bluesky",), env, retry=RetryPolicy(sleep=lambda s: None))
        bluesky = [i.key for i in kit.items if i.platform == "bluesky"]
        assert sorted(report.published) == sorted(bluesky)
        # A Mastodon post caught mid-send: the page is what a reviewer sees while a run goes.
        first_mastodon = next(i for i in kit.items if i.platform == "mastodon")
        ledger = Ledger(folder, kit.appeal, kit.cycle)
        ledger.update(first_mastodon.key, "mastodon", first_mastodon.lang, SENDING, intent={}, attempts=1)
        # The frame reloads itself while publishing runs (no reload by the test): it shows the
        # Mastodon post sending, written after the Bluesky run ended, within a few seconds.
        frame.locator(f"tr[data-key='{first_mastodon.key}'][data-state='sending']").wait_for(timeout=30_000)
        out_row = frame.locator(f"tr[data-key='{bluesky[0]}'][data-state='out']")
        link = out_row.get_by_role("link", name="see the post").get_attribute("href")
        remote = Ledger(folder, kit.appeal, kit.cycle).remote(bluesky[0])
        rkey = remote["uri"].rsplit("/", 1)[1]
        assert link == f"https://bsky.app/profile/{pds.did}/post/{rkey}"
        states = frame.locator("tr[data-key]").evaluate_all(
            "rows => Object.fromEntries(rows.map(r => [r.dataset.key, r.dataset.state]))"
        )
        for item in kit.items:
            if item.platform == "bluesky" and item.thread is None:
                assert states[item.key] == "out", item.key
        assert states[telegram[0].key] == "uncertain" and states[telegram[1].key] == "failed"
        assert states[first_mastodon.key] == "sending"
        assert states[telegram[2].key] == "due"
        row = frame.locator(f"tr[data-key='{telegram[0].key}']")
        assert "the answer was lost" in row.inner_text()
        assert frame.locator("meta[http-equiv='refresh']").get_attribute("content") == "5"
        load_everything(page)
        ARTIFACTS.mkdir(exist_ok=True)
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(300)  # the frame re-measures itself after the resize
            page.locator("#approval-state").screenshot(
                path=str(ARTIFACTS / f"review-mid-publish-{width}.png")
            )
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert watch.problems == []
        context.close()
    finally:
        stop.set()
        thread.join(10)
        mastodon.stop()
        telegram_fake.stop()
