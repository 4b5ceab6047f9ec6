"""`preview --serve`: the approval and calendar page, approving from it, and who may ask.

The server is started in a thread on a free port over a week built from a made-up roster
(tests/review_project.py); requests go through http.client so every header is the test's own.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaign_kit.cli import _approver, cli
from campaign_kit.review.state import cycle_state
from campaign_kit.review.status import write_status
from review_project import CYCLE, build_project, made_up_people, make_project, serve_in_thread


class Served:
    """A running `preview --serve` of one cycle folder."""

    def __init__(self, root: Path, folder: Path) -> None:
        self.root, self.folder = root, folder
        options = {"templates": root / "templates", "approver": _approver(root, folder)}
        self.url, self.stop, self.thread = serve_in_thread(folder, **options)
        self.port = urllib.parse.urlsplit(self.url).port

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            # skip_host: the test sets (or leaves out) the Host header itself.
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
            for name, value in sent.items():
                if value is not None:
                    conn.putheader(name, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def token(self) -> str:
        status, _, body = self.request("GET", "/status.html")
        assert status == 200
        m = re.search(rb'name="token" value="([^"]+)"', body)
        assert m, body[:2000]
        return m.group(1).decode()

    def approve(self, by: str, token: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        body = urllib.parse.urlencode({"by": by, "token": token}).encode()
        return self.request(
            "POST",
            "/approve",
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.url.rstrip("/"), **headers},
        )

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(project root, cycle folder) of a week built from 7 made-up mothers, posts only."""
    root = make_project(tmp_path_factory.mktemp("serve") / "proj", made_up_people(7))
    return root, build_project(root, only=("cards", "posts"))


@pytest.fixture
def served(built: tuple[Path, Path]) -> Iterator[Served]:
    root, folder = built
    (folder / "approval.json").unlink(missing_ok=True)
    server = Served(root, folder)
    yield server
    server.close()


def test_build_writes_the_status_page_and_keeps_it_out_of_the_manifest(built: tuple[Path, Path]) -> None:
    _, folder = built
    page = (folder / "status.html").read_text("utf-8")
    assert 'data-state="none"' in page and "Not approved yet" in page
    assert "campaign-kit approve --appeal mothers --cycle 2026-W48" in page
    assert 'name="token"' not in page  # a page on disk cannot approve
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert "status.html" not in {f["path"] for f in manifest["files"]}
    state = cycle_state(folder)
    # 5 featured women x 3 languages x 3 platforms, and a row per roll-call thread.
    posts = [r for r in state["calendar"] if r["kind"] == "post"]
    threads = [r for r in state["calendar"] if r["kind"] == "thread"]
    built_threads = {
        (p["platform"], p["lang"])
        for p in json.loads((folder / "posts.json").read_text("utf-8"))
        if p["kind"] == "thread" and p["platform"] in ("bluesky", "mastodon", "telegram")
    }
    assert len(posts) == 45 and len(threads) == len(built_threads) > 0
    assert state["counts"]["due"] == state["total"] == 45 + sum(t["parts"] for t in threads)
    assert f'data-key="{posts[0]["key"]}"' in page


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "127.0.0.1.evil.example",
        "localhost.evil.example:{port}",
        "localhost:1",
        "[::1]:{port}",
        "",
    ],
)
def test_a_foreign_host_header_is_refused(served: Served, host: str) -> None:
    for method, path in (("GET", "/index.html"), ("GET", "/status.html"), ("HEAD", "/posts.json")):
        status, _, body = served.request(method, path, headers={"Host": host.format(port=served.port)})
        assert status == 403, (method, path, host)
        assert b"ablab" not in body.lower() and b"kakakava" not in body.lower()
    status, _, _ = served.approve("Mallory", served.token(), Host=f"evil.example:{served.port}")
    assert status == 403
    assert not (served.folder / "approval.json").exists()


@pytest.mark.parametrize(
    "host", ["localhost", "127.0.0.1", "localhost:{port}", "127.0.0.1:{port}", "LOCALHOST"]
)
def test_localhost_names_are_served(served: Served, host: str) -> None:
    status, headers, body = served.request(
        "GET", "/index.html", headers={"Host": host.format(port=served.port)}
    )
    assert status == 200 and b"<!doctype html>" in body
    assert headers["x-frame-options"] == "SAMEORIGIN" and headers["cache-control"] == "no-store"


def test_missing_host_header_is_refused(served: Served) -> None:
    status, _, _ = served.request("GET", "/index.html", headers={"Host": None})  # type: ignore[dict-item]
    assert status == 403


def test_approve_by_get_is_refused(served: Served) -> None:
    token = served.token()
    query = urllib.parse.urlencode({"by": "Alena K.", "token": token})
    status, headers, _ = served.request("GET", f"/approve?{query}")
    assert status == 405 and headers["allow"] == "POST"
    assert not (served.folder / "approval.json").exists()


@pytest.mark.parametrize("token", ["", "forged", "A" * 43])
def test_a_forged_token_is_refused(served: Served, token: str) -> None:
    served.token()  # a real one exists; the forged one is not it
    status, _, _ = served.approve("Mallory", token)
    assert status == 403
    assert not (served.folder / "approval.json").exists()


def test_another_sites_form_is_refused(served: Served) -> None:
    token = served.token()
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
        status, _, _ = served.approve("Mallory", token, **headers)
        assert status == 403, headers
    assert not (served.folder / "approval.json").exists()


def test_odd_bodies_are_refused(served: Served) -> None:
    token = served.token()
    json_body = json.dumps({"by": "x", "token": token}).encode()
    status, _, _ = served.request("POST", "/approve", json_body, {"Content-Type": "application/json"})
    assert status == 415
    big = b"by=" + b"x" * 5000 + b"&token=" + token.encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert served.request("POST", "/approve", big, form)[0] == 413
    assert served.request("POST", "/approve", b"\xff\xfe", form)[0] == 400
    assert served.request("POST", "/index.html", b"by=x", form)[0] == 404
    assert not (served.folder / "approval.json").exists()


def test_approving_from_the_page_is_the_approve_command(served: Served) -> None:
    token = served.token()
    status, headers, _ = served.approve("Alena K.", token)
    assert status == 303 and headers["location"] == "status.html"
    approval = json.loads((served.folder / "approval.json").read_text("utf-8"))
    assert approval["approved_by"] == "Alena K."
    # The page (served and on disk) says so at once, and no longer offers the form.
    for page in (
        served.request("GET", "/status.html")[2].decode(),
        (served.folder / "status.html").read_text(),
    ):
        assert 'data-state="approved"' in page and "Approved</strong> by Alena K." in page
        assert 'name="token"' not in page
    # A token works once.
    assert served.approve("Mallory", token)[0] == 403
    assert json.loads((served.folder / "approval.json").read_text("utf-8"))["approved_by"] == "Alena K."
    # publish accepts what the page approved.
    env = {
        "CAMPAIGN_KIT_BLUESKY_HANDLE": "kit.test",
        "CAMPAIGN_KIT_BLUESKY_PASSWORD": "x",
        "CAMPAIGN_KIT_BLUESKY_PDS": "http://127.0.0.1:9",
    }
    result = CliRunner().invoke(
        cli,
        ["publish", "--platform", "bluesky", "--dry-run", "--project", str(served.root), "--cycle", CYCLE],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "send" in result.output


def test_a_refused_approval_says_why_on_the_page(served: Served) -> None:
    token = served.token()
    status, _, body = served.approve("   ", token)
    assert status == 409
    page = body.decode()
    assert "Not approved:" in page and "--by" in page
    assert 'name="token"' in page  # a fresh token to try again
    assert not (served.folder / "approval.json").exists()


def test_changes_since_the_approval_are_listed(built: tuple[Path, Path], tmp_path: Path) -> None:
    root, folder = built
    from campaign_kit.publish.approval import approve

    approve(folder, "Alena K.")
    posts_path = folder / "posts.json"
    original = posts_path.read_bytes()
    posts = json.loads(original)
    post = next(p for p in posts if p["platform"] == "bluesky" and p["kind"] == "post")
    card = folder / post["card"]  # the card that post carries (the approval covers it)
    card_bytes = card.read_bytes()
    try:
        post["text"] += " changed"
        posts_path.write_text(json.dumps(posts, ensure_ascii=False), "utf-8")
        card.write_bytes(card_bytes + b"\0")
        state = cycle_state(folder)
        assert state["approval"]["state"] == "changed"
        lines = state["approval"]["changes"]
        assert any(post["lang"] in line and post["id"] in line and "changed" in line for line in lines)
        assert any(card.relative_to(folder).as_posix() in line for line in lines)
        write_status(folder, root / "templates")
        page = (folder / "status.html").read_text("utf-8")
        assert 'data-state="changed"' in page and "Changed since Alena K. approved it" in page
    finally:
        posts_path.write_bytes(original)
        card.write_bytes(card_bytes)
        (folder / "approval.json").unlink()
        write_status(folder, root / "templates")


def test_preview_without_serve_refreshes_the_status_page(built: tuple[Path, Path]) -> None:
    root, folder = built
    (folder / "status.html").unlink()
    result = CliRunner().invoke(cli, ["preview", "--project", str(root), "--cycle", CYCLE])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("index.html")
    assert "Not approved yet" in (folder / "status.html").read_text("utf-8")


def test_publish_remakes_the_status_page(tmp_path: Path) -> None:
    """After `publish`, the page on disk shows what went out, with links, and what is left."""
    from campaign_kit.publish.approval import approve
    from standins import FakeMastodon, FakeTelegram, platform_env

    root = make_project(tmp_path / "proj", made_up_people(6))
    folder = build_project(root, only=("cards", "posts"))
    approve(folder, "Alena K.")
    write_status(folder, root / "templates")
    mastodon, telegram = FakeMastodon().start(), FakeTelegram().start()
    try:
        env = platform_env(None, mastodon, telegram)
        args = ["publish", "--platform", "telegram", "--project", str(root), "--cycle", CYCLE]
        result = CliRunner().invoke(cli, args, env=env)
        assert result.exit_code == 0, result.output
    finally:
        mastodon.stop()
        telegram.stop()
    page = (folder / "status.html").read_text("utf-8")
    rows = dict(re.findall(r'<tr data-key="([^"]+)" data-state="([^"]+)">', page))
    assert rows and all(state == "out" for key, state in rows.items() if key.startswith("telegram:"))
    assert all(state == "due" for key, state in rows.items() if not key.startswith("telegram:"))
    assert 'data-state="approved"' in page
