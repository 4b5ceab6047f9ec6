"""newsletter export and push: each platform's merge tags, and listmonk's API on a local server.

The server follows listmonk's documented campaigns API (docs/apis/campaigns.md): JSON bodies,
``{"data": ...}`` answers, ``{"message": ...}`` errors, the required fields of a campaign, and
the status rules (only a draft with ``send_at`` can become ``scheduled``).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from campaign_kit.cli import cli
from campaign_kit.email.esp import listmonk
from campaign_kit.errors import EspError
from conftest import add_postal_address, copy_project, own_copy

USER, TOKEN = "kit-api", "s3cret-token-value"
BASE = "https://belaruswomen.org/kit"
LISTMONK_TOML = """
[newsletter.listmonk]
template_id = 7
test_subscribers = ["proof@belaruswomen.org"]
lists = { en = [1], be = [2], ru = [3] }
"""
REQUIRED = ("name", "subject", "lists", "type", "content_type", "body")


class FakeListmonk(BaseHTTPRequestHandler):
    """Campaign endpoints of listmonk, in memory."""

    campaigns: dict[int, dict[str, Any]]
    log: list[tuple[str, str, Any]]

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, code: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n).decode("utf-8")) if n else None

    def _handle(self, method: str) -> None:
        body = self._body() if method in ("POST", "PUT") else None
        url = urllib.parse.urlsplit(self.path)
        self.log.append((method, url.path, body))
        if self.headers.get("Authorization") != f"token {USER}:{TOKEN}":
            return self._send(403, {"message": "invalid API credentials"})
        parts = url.path.strip("/").split("/")
        if parts[:2] != ["api", "campaigns"]:
            return self._send(404, {"message": "not found"})
        if method == "GET" and len(parts) == 2:
            q = urllib.parse.parse_qs(url.query).get("query", [""])[0]
            results = [c for c in self.campaigns.values() if q.lower() in c["name"].lower()]
            return self._send(200, {"data": {"results": results, "total": len(results)}})
        if method == "POST" and len(parts) == 2:
            missing = [k for k in REQUIRED if not body.get(k)]
            if missing:
                return self._send(400, {"message": f"invalid fields: {missing}"})
            cid = len(self.campaigns) + 1
            self.campaigns[cid] = {**body, "id": cid, "status": "draft", "send_at": None}
            return self._send(200, {"data": self.campaigns[cid]})
        cid = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0
        camp = self.campaigns.get(cid)
        if camp is None:
            return self._send(404, {"message": "campaign not found"})
        if method == "PUT" and len(parts) == 3:
            if camp["status"] not in ("draft", "scheduled", "paused"):
                return self._send(400, {"message": "cannot update a running or finished campaign"})
            camp.update(body)
            return self._send(200, {"data": camp})
        if method == "POST" and parts[3:] == ["test"]:
            if not body.get("subscribers"):
                return self._send(400, {"message": "no subscribers"})
            camp.setdefault("tests", []).append(list(body["subscribers"]))
            return self._send(200, {"data": True})
        if method == "PUT" and parts[3:] == ["status"]:
            new = body.get("status")
            if new == "scheduled" and (camp["status"] != "draft" or not camp.get("send_at")):
                return self._send(400, {"message": "only a draft with send_at can be scheduled"})
            camp["status"] = new
            return self._send(200, {"data": camp})
        return self._send(405, {"message": "method not allowed"})

    def do_GET(self) -> None:  # noqa: N802 - http.server's names
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._handle("PUT")


@pytest.fixture
def server():
    handler = type("Handler", (FakeListmonk,), {"campaigns": {}, "log": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def send_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with its send build of the newsletter, built once for the module."""
    project = copy_project(tmp_path_factory.mktemp("esp") / "proj")
    add_postal_address(project)
    path = project / "campaign.toml"
    path.write_text(path.read_text(encoding="utf-8") + LISTMONK_TOML, encoding="utf-8")
    runner = CliRunner()
    args = ["--project", str(project), "--cycle", "2026-W48", "--only", "newsletter"]
    result = runner.invoke(cli, ["build", *args, "--asset-base-url", BASE])
    assert result.exit_code == 0, result.output
    return project


@pytest.fixture
def built(send_build: Path, tmp_path: Path) -> Path:
    """A test's own copy of the send build (exports and pushes write beside it)."""
    return own_copy(send_build, tmp_path)


def _env(url: str) -> dict[str, str]:
    return {listmonk.URL_ENV: url, listmonk.USER_ENV: USER, listmonk.TOKEN_ENV: TOKEN}


@pytest.mark.parametrize(
    "esp, unsub, view",
    [
        ("listmonk", "{{ UnsubscribeURL }}", "{{ MessageURL }}"),
        ("mailchimp", "*|UNSUB|*", "*|ARCHIVE|*"),
        ("brevo", "{{ unsubscribe }}", "{{ mirror }}"),
    ],
)
def test_export_uses_each_platforms_merge_tags(built, esp, unsub, view):
    result = CliRunner().invoke(
        cli, ["newsletter", "export", "--esp", esp, "--project", str(built), "--cycle", "2026-W48"]
    )
    assert result.exit_code == 0, result.output
    folder = built / "out" / "mothers" / "2026-W48"
    for lang in ("en", "be", "ru"):
        html = (folder / "esp" / esp / f"{lang}.html").read_text(encoding="utf-8")
        txt = (folder / "esp" / esp / f"{lang}.txt").read_text(encoding="utf-8")
        meta = json.loads((folder / "esp" / esp / f"{lang}.json").read_text(encoding="utf-8"))
        built_html = (folder / "newsletter" / f"{lang}.html").read_text(encoding="utf-8")
        assert f'href="{unsub}"' in html and f'href="{view}"' in html and unsub in txt
        if esp != "listmonk":
            assert "UnsubscribeURL" not in html + txt and "MessageURL" not in html
        # Only the tags change: everything else is the reviewed newsletter.
        assert html.replace(unsub, "U").replace(view, "V") == built_html.replace(
            "{{ UnsubscribeURL }}", "U"
        ).replace("{{ MessageURL }}", "V")
        assert meta["subject"] and meta["preheader"] and meta["from_name"]
        assert meta["from_email"] == "news@belaruswomen.org"
        assert meta["merge_tags"] == {"unsubscribe": unsub, "view_online": view}
    be = json.loads((folder / "esp" / esp / "be.json").read_text(encoding="utf-8"))
    assert be["from_name"] == "Жанчыны — палітычныя вязні Беларусі"


def test_export_refuses_a_preview_build(project):
    runner = CliRunner()
    args = ["--project", str(project), "--cycle", "2026-W48"]
    assert runner.invoke(cli, ["build", *args, "--only", "newsletter"]).exit_code == 0
    result = runner.invoke(cli, ["newsletter", "export", "--esp", "brevo", *args])
    assert result.exit_code == 1
    assert "local preview" in result.output
    assert not (project / "out" / "mothers" / "2026-W48" / "esp").exists()


def test_push_creates_tests_and_schedules(built, server, monkeypatch):
    handler, url = server
    for name, value in _env(url).items():
        monkeypatch.setenv(name, value)
    args = ["--project", str(built), "--cycle", "2026-W48"]
    at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(microsecond=0).isoformat()
    result = CliRunner().invoke(cli, ["newsletter", "push", "--esp", "listmonk", "--at", at, *args])
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output
    camps = handler.campaigns
    assert sorted(c["name"] for c in camps.values()) == [
        "mothers 2026-W48 be",
        "mothers 2026-W48 en",
        "mothers 2026-W48 ru",
    ]
    folder = built / "out" / "mothers" / "2026-W48"
    for c in camps.values():
        lang = c["name"].rsplit(" ", 1)[1]
        assert c["status"] == "scheduled" and c["send_at"] == at
        assert c["tests"] == [["proof@belaruswomen.org"]]
        assert c["lists"] == {"en": [1], "be": [2], "ru": [3]}[lang]
        assert c["template_id"] == 7 and c["content_type"] == "html"
        assert c["body"] == (folder / "newsletter" / f"{lang}.html").read_text(encoding="utf-8")
        assert c["altbody"] == (folder / "newsletter" / f"{lang}.txt").read_text(encoding="utf-8")
        assert c["headers"] == [{"List-Id": f"<{lang}.news.belaruswomen.org>"}]
        assert c["from_email"].endswith("<news@belaruswomen.org>")
    # The order the API documents: create, test, set send_at, schedule.
    steps = [(m, p.rsplit("/", 1)[-1]) for m, p, _ in handler.log if m != "GET"]
    assert steps[:4] == [("POST", "campaigns"), ("POST", "test"), ("PUT", "1"), ("PUT", "status")]
    ledger = (folder / "esp" / "listmonk" / "pushed.json").read_text(encoding="utf-8")
    assert TOKEN not in ledger and USER not in ledger
    assert [c["status"] for c in json.loads(ledger)["campaigns"]] == ["scheduled"] * 3

    # Pushing again changes nothing scheduled: listmonk's campaign is not a draft any more.
    again = CliRunner().invoke(cli, ["newsletter", "push", "--esp", "listmonk", *args])
    assert again.exit_code == 1 and "only changes drafts" in again.output


def _push_english(built: Path, client: Any, **kw: Any) -> Any:
    """``listmonk.push`` of the built project's English newsletter for 2026-W48."""
    from campaign_kit.campaign.config import load_campaign

    return listmonk.push(
        folder=built / "out" / "mothers" / "2026-W48",
        out_root=built / "out",
        campaign=load_campaign(built / "campaign.toml"),
        appeal="mothers",
        cycle="2026-W48",
        languages=("en",),
        client=client,
        **kw,
    )


def test_a_second_push_updates_the_draft(built, server):
    handler, url = server
    client = listmonk.client_from_env(_env(url))
    first = _push_english(built, client, test_to=("me@example.org",))
    second = _push_english(built, client, test_to=("me@example.org",))
    assert len(handler.campaigns) == 1
    assert first[0].created and not second[0].created
    assert second[0].status == "draft" and second[0].send_at is None
    assert handler.campaigns[1]["tests"] == [["me@example.org"], ["me@example.org"]]


def test_listmonk_errors_are_clear_and_never_show_the_token(built, server):
    handler, url = server
    bad = listmonk.client_from_env({**_env(url), listmonk.TOKEN_ENV: "wrong-token"})
    with pytest.raises(EspError, match="403 invalid API credentials") as info:
        _push_english(built, bad)
    assert "wrong-token" not in str(info.value)


def test_credentials_and_times_are_checked():
    with pytest.raises(EspError, match="CAMPAIGN_KIT_LISTMONK_TOKEN"):
        listmonk.client_from_env({listmonk.URL_ENV: "https://x.org", listmonk.USER_ENV: "u"})
    with pytest.raises(EspError, match="unencrypted"):
        listmonk.client_from_env(_env("http://lists.example.org"))
    now = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    assert listmonk.parse_at("2026-11-23T09:00:00+01:00", now).utcoffset() == dt.timedelta(hours=1)
    with pytest.raises(EspError, match="UTC offset"):
        listmonk.parse_at("2026-11-23T09:00:00", now)
    with pytest.raises(EspError, match="past"):
        listmonk.parse_at("2026-11-01T09:00:00Z", now)
    with pytest.raises(EspError, match="ISO 8601"):
        listmonk.parse_at("next monday", now)


def test_push_needs_lists_and_a_test_recipient(project, server, monkeypatch):
    handler, url = server
    add_postal_address(project)
    for name, value in _env(url).items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["newsletter", "push", "--esp", "listmonk", "--project", str(project)])
    assert result.exit_code == 1 and "newsletter.listmonk.lists" in result.output
    assert handler.log == []


def test_help_has_examples():
    for args in (["newsletter", "export", "--help"], ["newsletter", "push", "--help"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0 and "Example" in result.output
