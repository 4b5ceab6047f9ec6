"""The newsletter hand-off is safe: roster text is inert in each ESP's template language, the
listmonk token never follows a redirect, and listmonk gets the template the page needs."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from campaign_kit.campaign.config import ESP_TAGS, KNOWN_ESPS, load_campaign
from campaign_kit.cli import cli
from campaign_kit.email.esp import listmonk
from campaign_kit.email.esp.export import Handoff, translate
from campaign_kit.email.esp.template_syntax import OPENERS, WORD_JOINER, escape_html, escape_text
from campaign_kit.errors import EspError
from conftest import POSTAL_TOML, REPO, copy_project, own_copy, person, write_roster

HOSTILE = "Diabetes; {{ .Subscriber.Email }} *|EMAIL|* {% if x %}{{ contact.EMAIL }}{% endif %} {# c #}"
CYCLE = "2026-W48"
LISTMONK_TOML = """
[newsletter.listmonk]
template_id = 7
test_subscribers = ["proof@belaruswomen.org"]
lists = { en = [1] }
"""


def _has_opener(text: str, esp: str) -> bool:
    """Whether ``text`` holds a sequence ``esp`` would read as the start of a tag."""
    return any(opener in text for opener in OPENERS[esp])


def handoff(build_esp: str, extra: str = HOSTILE) -> Handoff:
    tags = ESP_TAGS[build_esp]
    html = (
        "<html><head><style>@media (max-width:480px){#outlook a{padding:0}}</style></head><body>"
        f'<p>{extra}</p><a href="{tags["view_online"]}">web</a>'
        f' <a href="{tags["unsubscribe"]}">unsubscribe</a>'
        "</body></html>"
    )
    txt = f"{extra}\nWeb: {tags['view_online']}\nUnsubscribe: {tags['unsubscribe']}\n"
    return Handoff(
        "en",
        f"Subject {extra}",
        "pre",
        "Org <a@b.org>",
        "a@b.org",
        "en.x.org",
        build_esp,
        dict(tags),
        html,
        txt,
    )


@pytest.mark.parametrize("build_esp", KNOWN_ESPS)
@pytest.mark.parametrize("esp", KNOWN_ESPS)
def test_only_the_placed_merge_tags_remain_for_the_platform(build_esp: str, esp: str) -> None:
    html, txt = translate(handoff(build_esp), esp)
    tags = ESP_TAGS[esp]
    for text in (html, txt):
        rest = text.replace(tags["unsubscribe"], "").replace(tags["view_online"], "")
        assert not _has_opener(rest, esp), rest
        assert text.count(tags["unsubscribe"]) == 1 and text.count(tags["view_online"]) == 1
    # A reader sees the note as written: the HTML's references decode, the text's joiner is invisible.
    import html as html_lib

    shown = html_lib.unescape(re.sub(r"<style.*?</style>", "", html, flags=re.S))
    assert HOSTILE in shown
    assert HOSTILE in txt.replace(WORD_JOINER, "")
    # CSS keeps working: inside <style> a space, never a reference.
    assert "&#" not in re.search(r"<style>.*?</style>", html, flags=re.S).group(0)


def test_escapes_are_what_each_language_needs() -> None:
    assert escape_html("a {{ b }}", "listmonk") == "a &#123;{ b }}"
    assert escape_html("*|EMAIL|*", "mailchimp") == "&#42;|EMAIL|*"
    assert escape_html("{% if %}{# c #}", "brevo") == "&#123;% if %}&#123;# c #}"
    assert escape_text("{{x}}", "listmonk") == "{\u2060{x}}"
    assert escape_text("*|X|*", "mailchimp") == "*\u2060|X|*"
    assert escape_text("*|X|* {{ y }}", "listmonk") == "*|X|* {\u2060{ y }}"  # only its own language


@pytest.fixture(scope="module")
def send_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("handoff") / "proj", roster=None)
    (root / "campaign.toml").write_text(
        (REPO / "campaign.toml").read_text(encoding="utf-8") + POSTAL_TOML + LISTMONK_TOML, encoding="utf-8"
    )
    write_roster(root, [person()])
    args = ["build", "--project", str(root), "--cycle", CYCLE, "--only", "newsletter", "--lang", "en"]
    result = CliRunner().invoke(cli, [*args, "--asset-base-url", "https://belaruswomen.org/kit"])
    assert result.exit_code == 0, result.output
    # A note as a words template could show it (free text, from the roster's health field).
    folder = root / "out" / "mothers" / CYCLE / "newsletter"
    for ext in ("html", "txt"):
        path = folder / f"en.{ext}"
        text = path.read_text(encoding="utf-8")
        text = text.replace("</body>", f"<p>{HOSTILE}</p></body>") if ext == "html" else text + HOSTILE + "\n"
        path.write_text(text, encoding="utf-8")
    meta = json.loads((folder / "en.json").read_text(encoding="utf-8"))
    meta["subject"] += " " + HOSTILE
    (folder / "en.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return root


@pytest.fixture
def send_build(send_built: Path, tmp_path: Path) -> Path:
    """A fresh copy of the send build for one test."""
    return own_copy(send_built, tmp_path)


def newsletter(action: str, esp: str, project: Path, env: dict[str, str] | None = None) -> Any:
    """``campaign-kit newsletter ACTION --esp ESP`` for the project's English newsletter of the week."""
    args = ["newsletter", action, "--esp", esp, "--project", str(project), "--cycle", CYCLE, "--lang", "en"]
    return CliRunner().invoke(cli, args, env=env)


@pytest.mark.parametrize("esp", KNOWN_ESPS)
def test_export_hands_each_platform_inert_roster_text(send_build: Path, esp: str) -> None:
    result = newsletter("export", esp, send_build)
    assert result.exit_code == 0, result.output
    out = send_build / "out" / "mothers" / CYCLE / "esp" / esp
    tags = ESP_TAGS[esp]
    for name in ("en.html", "en.txt"):
        text = (out / name).read_text(encoding="utf-8")
        assert tags["unsubscribe"] in text
        assert not _has_opener(text.replace(tags["unsubscribe"], "").replace(tags["view_online"], ""), esp)
    subject = json.loads((out / "en.json").read_text(encoding="utf-8"))["subject"]
    assert not _has_opener(subject, esp) and HOSTILE in subject.replace(WORD_JOINER, "")


# --- listmonk: redirects and the template ------------------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    """Answers every request with what ``plan`` says for its path; records what came."""

    seen: list[dict[str, Any]]
    plan: dict[str, tuple[int, dict[str, str], bytes]]

    def log_message(self, *args: Any) -> None:
        pass

    def _any(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        self.seen.append(
            {
                "method": self.command,
                "path": self.path,
                "auth": self.headers.get("Authorization"),
                "body": body,
            }
        )
        status, headers, payload = self.plan.get(
            self.path.split("?")[0], (200, {}, b'{"data": {"results": []}}')
        )
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = _any


@pytest.fixture
def two_servers():
    servers = []
    for _ in range(2):
        handler = type("H", (Recorder,), {"seen": [], "plan": {}})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append((handler, f"http://127.0.0.1:{httpd.server_address[1]}", httpd))
    yield servers
    for _, _, httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def test_the_token_never_follows_a_redirect_to_another_address(two_servers: Any) -> None:
    (home, home_url, _), (other, other_url, _) = two_servers
    # "localhost" and "127.0.0.1" are different origins, as any two hosts are.
    other_origin = other_url
    home.plan["/api/campaigns"] = (302, {"Location": f"{other_origin}/api/campaigns"}, b"")
    client = listmonk.Client(home_url, "kit-api", "s3cret-token-value")
    with pytest.raises(EspError) as err:
        client.request("GET", "/api/campaigns?query=x")
    message = str(err.value)
    assert "redirects to" in message and other_origin in message and listmonk.URL_ENV in message
    assert "s3cret" not in message
    assert other.seen == []  # nothing reached the other address, the token least of all


def test_a_redirected_write_is_refused_and_a_same_origin_get_is_followed(two_servers: Any) -> None:
    (home, home_url, _), _ = two_servers
    home.plan["/old/api/campaigns"] = (301, {"Location": "/api/campaigns"}, b"")
    client = listmonk.Client(home_url + "/old", "kit-api", "tok-123456")
    assert client.request("GET", "/api/campaigns") == {"results": []}
    with pytest.raises(EspError, match="answering a POST"):
        client.request("POST", "/api/campaigns", {"name": "x"})
    assert [s["method"] for s in home.seen] == ["GET", "GET", "POST"]


def test_a_dropped_or_unreadable_answer_is_a_clear_message(two_servers: Any) -> None:
    (home, home_url, _), _ = two_servers
    home.plan["/api/campaigns"] = (200, {"Content-Type": "text/html"}, b"<html>login</html>")
    client = listmonk.Client(home_url, "kit-api", "tok-123456")
    with pytest.raises(EspError, match="not listmonk's JSON"):
        client.request("GET", "/api/campaigns")
    client = listmonk.Client("http://127.0.0.1:9", "kit-api", "tok-123456")
    with pytest.raises(EspError, match="cannot connect"):
        client.request("GET", "/api/campaigns")


def test_push_requires_a_template_id(send_build: Path, two_servers: Any) -> None:
    (home, home_url, _), _ = two_servers
    toml = send_build / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("template_id = 7\n", ""), encoding="utf-8")
    env = {listmonk.URL_ENV: home_url, listmonk.USER_ENV: "kit-api", listmonk.TOKEN_ENV: "tok-123456"}
    result = newsletter("push", "listmonk", send_build, env=env)
    assert result.exit_code == 1 and "template_id" in result.output and "second footer" in result.output
    assert home.seen == []
    assert load_campaign(toml).newsletter.listmonk.get("template_id") is None
