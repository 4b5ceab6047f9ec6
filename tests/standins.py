"""Local stand-ins for the platforms publish talks to, and the PDS starter.

Mastodon and Telegram cannot be run here, so these are small HTTP servers (stdlib http.server,
127.0.0.1 only, one thread per request) that follow the documented APIs for the calls publish
makes, including their failure modes:

- Mastodon (docs.joinmastodon.org/methods/media, /methods/statuses): ``POST /api/v2/media``
  (file, description, focus), ``POST /api/v1/statuses`` honouring ``Idempotency-Key`` (the
  same key returns the status already made), ``in_reply_to_id`` (404 when unknown),
  ``scheduled_at`` (a ScheduledStatus), Bearer tokens (401), 500 characters (422).
- Telegram (core.telegram.org/bots/api): ``/bot<token>/sendPhoto`` and ``/sendMessage``
  with ``reply_parameters``, ``{"ok": false, "error_code", "description"}`` errors, 401 for a
  wrong token, 400 for a caption over 1,024 UTF-16 units or a reply to an unknown message.

Bluesky is the real thing: a PDS from ``@atproto/dev-env`` started by ``scripts/pds.sh``.
``faults`` lets a test make the next requests fail with a status code (429, 503, 422 ...).
Their own tests are in ``test_publish_servers.py``; ``bench/`` imports them too.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import itertools
import json
import os
import select
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import requests

ROOT = Path(__file__).resolve().parent.parent
PDS_SCRIPT = ROOT / "scripts" / "pds.sh"
PDS_PASSWORD = "pds-secret-Qx81-never-shown"
MASTODON_TOKEN = "mastodon-secret-Zr44-never-shown"
TELEGRAM_TOKEN = "123456:telegram-secret-Kp09-never-shown"
TELEGRAM_CHAT = "@campaign_test_channel"
# The variable that holds each platform's address (a test points it at a proxy or a stand-in).
ADDRESS_VARS = {
    "bluesky": "CAMPAIGN_KIT_BLUESKY_PDS",
    "mastodon": "CAMPAIGN_KIT_MASTODON_URL",
    "telegram": "CAMPAIGN_KIT_TELEGRAM_API",
}


def parse_body(headers: Any, body: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Form fields and files of a request: JSON, urlencoded or multipart/form-data."""
    ctype = headers.get("Content-Type", "")
    if ctype.startswith("application/json"):
        return json.loads(body or b"{}"), {}
    if ctype.startswith("multipart/form-data"):
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body
        )
        fields: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                files[name] = payload
            else:
                fields.setdefault(name, []).append(payload.decode())
        return {k: v[0] if len(v) == 1 else v for k, v in fields.items()}, files
    pairs = urllib.parse.parse_qs(body.decode(), keep_blank_values=True)
    return {k: v[0] if len(v) == 1 and not k.endswith("[]") else v for k, v in pairs.items()}, {}


@dataclass(kw_only=True)
class LocalServer:
    """An HTTP server in a thread on 127.0.0.1: ``start`` it (or ``with`` it), then use ``url``.

    The platform stand-ins and the fault proxy (``fault_proxy.py``) are both one.
    """

    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class, bound to this server's state."""
        raise NotImplementedError

    def start(self) -> Self:
        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client killed mid-request (the kill test) is expected, not news

        self.server = Server(("127.0.0.1", 0), self.handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(kw_only=True)
class FakeServer(LocalServer):
    """A platform stand-in: ``faults`` to fail the next requests, ``delay`` to answer slowly.

    ``delay`` (seconds before each answer) makes kills land inside requests too.
    """

    faults: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    delay: float = 0.0

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep pytest's output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:
                    # The client died mid-body (the kill test): a real server never acts on half a
                    # request, so neither does the stand-in (it once made a status of a cut form).
                    self.close_connection = True
                    return
                fields, files = parse_body(self.headers, body)
                with fake.lock:
                    fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    fault = fake.faults.pop(0) if fake.faults else None
                if fault is not None:
                    status, payload, headers = fake.fault(fault)
                else:
                    time.sleep(fake.delay)
                    status, payload, headers = fake.handle(self.path, dict(self.headers), fields, files)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

        return Handler

    def fault(self, status: int) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    def handle(
        self, path: str, headers: dict[str, str], fields: dict[str, Any], files: dict[str, bytes]
    ) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(kw_only=True)
class FakeMastodon(FakeServer):
    """Mastodon's media and statuses endpoints, with Idempotency-Key.

    ``uploads`` keeps the sha256 of every media file received, so a test can tell which bytes
    were sent.
    """

    token: str = MASTODON_TOKEN
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    scheduled: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    uploads: list[str] = field(default_factory=list)
    ids: Any = field(default_factory=lambda: itertools.count(110000000000000001))

    def fault(self, status: int) -> tuple[int, Any, dict[str, str]]:
        headers = {"Retry-After": "0"} if status == 429 else {}
        return status, {"error": f"fault {status}"}, headers

    def _status(self, sid: str, fields: dict[str, Any], media: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": sid,
            "created_at": "2026-12-01T09:00:00.000Z",
            "in_reply_to_id": fields.get("in_reply_to_id") or None,
            "visibility": fields.get("visibility", "public"),
            "language": fields.get("language"),
            "uri": f"{self.url}/users/kit/statuses/{sid}",
            "url": f"{self.url}/@kit/{sid}",
            "content": fields.get("status", ""),
            "text": fields.get("status", ""),
            "media_attachments": media,
            "account": {"id": "1", "username": "kit", "acct": "kit"},
        }

    def instance(self, path: str) -> dict[str, Any]:
        limits = {
            "statuses": {"max_characters": 500, "characters_reserved_per_url": 23},
            "media_attachments": {"description_limit": 1500, "image_size_limit": 16777216},
        }
        if path.startswith("/api/v1"):
            return {"uri": "127.0.0.1", "title": "stand-in", "version": "4.4.0", "configuration": limits}
        return {
            "domain": "127.0.0.1",
            "title": "stand-in",
            "version": "4.4.0",
            "api_versions": {"mastodon": 6},
            "configuration": limits,
        }

    def handle(
        self, path: str, headers: dict[str, str], fields: dict[str, Any], files: dict[str, bytes]
    ) -> tuple[int, Any, dict[str, str]]:
        if path == "/api/v2/media":
            self.uploads.append(sha256(files.get("file", b"")))
        if path.rstrip("/") in ("/api/v1/instance", "/api/v2/instance"):
            # Mastodon.py reads the server's version here before choosing /api/v2/media.
            return 200, self.instance(path), {}
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"error": "The access token is invalid"}, {}
        if path == "/api/v2/media":
            mid = str(next(self.ids))
            x, y = (float(v) for v in (fields.get("focus") or "0,0").split(","))
            item = {
                "id": mid,
                "type": "image",
                "url": f"{self.url}/media/{mid}.png",
                "preview_url": f"{self.url}/media/{mid}-small.png",
                "description": fields.get("description"),
                "meta": {"focus": {"x": x, "y": y}},
                "blurhash": None,
                "bytes": len(files.get("file", b"")),
            }
            self.media[mid] = item
            return 200, item, {}
        if path.startswith("/api/v1/statuses/"):
            # GET /api/v1/statuses/:id (what --resolve reads back).
            found = self.statuses.get(path.rsplit("/", 1)[1])
            return (200, found, {}) if found else (404, {"error": "Record not found"}, {})
        if path == "/api/v1/statuses":
            key = headers.get("Idempotency-Key")
            with self.lock:
                if key and key in self.keys:
                    sid = self.keys[key]
                    return 200, self.statuses.get(sid) or self.scheduled[sid], {}
                text = fields.get("status", "")
                if len(text) > 500:
                    return 422, {"error": "Validation failed: Text character limit of 500 exceeded"}, {}
                reply = fields.get("in_reply_to_id")
                if reply and reply not in self.statuses:
                    return 404, {"error": "Record not found"}, {}
                ids = fields.get("media_ids[]") or fields.get("media_ids") or []
                ids = [ids] if isinstance(ids, str) else ids
                media = [self.media[m] for m in ids]
                sid = str(next(self.ids))
                if fields.get("scheduled_at"):
                    entry = {
                        "id": sid,
                        "scheduled_at": fields["scheduled_at"],
                        "params": {
                            "text": text,
                            "in_reply_to_id": reply,
                            "visibility": fields.get("visibility"),
                        },
                        "media_attachments": media,
                    }
                    self.scheduled[sid] = entry
                else:
                    entry = self._status(sid, fields, media)
                    self.statuses[sid] = entry
                if key:
                    self.keys[key] = sid
                return 200, entry, {}
        return 404, {"error": "Record not found"}, {}


@dataclass(kw_only=True)
class FakeTelegram(FakeServer):
    """The Bot API's sendPhoto and sendMessage; ``photos`` keeps the sha256 of every photo received."""

    token: str = TELEGRAM_TOKEN
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    photos: list[str] = field(default_factory=list)
    ids: Any = field(default_factory=lambda: itertools.count(1))

    def fault(self, status: int) -> tuple[int, Any, dict[str, str]]:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": f"fault {status}"}
        if status == 429:
            body["description"] = "Too Many Requests: retry after 0"
            body["parameters"] = {"retry_after": 0}
        return status, body, {}

    def handle(
        self, path: str, headers: dict[str, str], fields: dict[str, Any], files: dict[str, bytes]
    ) -> tuple[int, Any, dict[str, str]]:
        if "photo" in files:
            self.photos.append(sha256(files["photo"]))
        prefix, _, method = path.rpartition("/")
        if prefix != f"/bot{self.token}":
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, {}
        if method not in ("sendPhoto", "sendMessage"):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}, {}
        text = fields.get("caption" if method == "sendPhoto" else "text", "")
        limit = 1024 if method == "sendPhoto" else 4096
        if len(text.encode("utf-16-le")) // 2 > limit:
            which = "caption" if method == "sendPhoto" else "text"
            return (
                400,
                {"ok": False, "error_code": 400, "description": f"Bad Request: message {which} is too long"},
                {},
            )
        reply = (
            json.loads(fields["reply_parameters"])["message_id"] if fields.get("reply_parameters") else None
        )
        with self.lock:
            if reply is not None and reply not in self.messages:
                return (
                    400,
                    {
                        "ok": False,
                        "error_code": 400,
                        "description": "Bad Request: message to be replied not found",
                    },
                    {},
                )
            mid = next(self.ids)
            message: dict[str, Any] = {
                "message_id": mid,
                "chat": {"id": -1001234567890, "type": "channel", "username": fields["chat_id"].lstrip("@")},
                "date": int(time.time()),
            }
            if method == "sendPhoto":
                message["caption"] = text
                message["photo"] = [{"file_id": f"photo-{mid}", "file_size": len(files.get("photo", b""))}]
            else:
                message["text"] = text
            if reply is not None:
                message["reply_to_message"] = {"message_id": reply}
            self.messages[mid] = message
        return 200, {"ok": True, "result": message}, {}


_ACCOUNTS = itertools.count(1)


@dataclass
class Pds:
    """A running dev-env PDS."""

    proc: subprocess.Popen[bytes]
    url: str
    handle: str
    did: str

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def new_account(self) -> Pds:
        """A fresh account on this server, as a ``Pds`` that names it (the server stays this one's).

        The server takes seconds to start; an account takes a request. A test module gets an
        account of its own, so record keys that repeat from module to module never meet.
        """
        handle = f"kit{next(_ACCOUNTS)}.test"
        r = requests.post(
            f"{self.url}/xrpc/com.atproto.server.createAccount",
            json={"handle": handle, "email": f"{handle}@kit.test", "password": PDS_PASSWORD},
            timeout=60,
        )
        r.raise_for_status()
        return Pds(self.proc, self.url, handle, r.json()["did"])

    def records(self, did: str | None = None) -> list[dict[str, Any]]:
        """Every app.bsky.feed.post record in the repo of ``did`` (default: the account's; paged)."""
        out: list[dict[str, Any]] = []
        cursor = None
        while True:
            params = {"repo": did or self.did, "collection": "app.bsky.feed.post", "limit": 100}
            if cursor:
                params["cursor"] = cursor
            r = requests.get(f"{self.url}/xrpc/com.atproto.repo.listRecords", params=params, timeout=30)
            r.raise_for_status()
            data = r.json()
            out.extend(data["records"])
            cursor = data.get("cursor")
            if not cursor or not data["records"]:
                return out


def start_pds(timeout: float = 120.0) -> Pds:
    """Start the PDS with ``scripts/pds.sh run``; skip with the reason if it cannot (under CI: fail)."""
    from conftest import require_tool

    check = subprocess.run(["bash", str(PDS_SCRIPT), "check"], capture_output=True)
    if check.returncode != 0:
        require_tool("local Bluesky PDS not installed: run `bash scripts/pds.sh install` (.ci/run does)")
    env = {**os.environ, "PDS_PASSWORD": PDS_PASSWORD, "PDS_HANDLE": "kit-publisher.test"}
    # stdin stays open: the server stops when it closes, so a dead test leaves no PDS behind.
    proc = subprocess.Popen(
        ["bash", str(PDS_SCRIPT), "run"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    line = b""
    while time.monotonic() < deadline and proc.poll() is None:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            break
    if not line:
        proc.kill()
        err = proc.stderr.read().decode(errors="replace")[-800:] if proc.stderr else ""
        require_tool(f"local Bluesky PDS did not start within {timeout:.0f} s: {err}")
    info = json.loads(line)
    return Pds(proc, info["url"], info["handle"], info["did"])


def platform_env(pds: Pds | None, mastodon: FakeMastodon, telegram: FakeTelegram) -> dict[str, str]:
    """The environment publish reads: every address on this machine."""
    env = {
        "CAMPAIGN_KIT_MASTODON_URL": mastodon.url,
        "CAMPAIGN_KIT_MASTODON_TOKEN": MASTODON_TOKEN,
        "CAMPAIGN_KIT_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "CAMPAIGN_KIT_TELEGRAM_CHAT": TELEGRAM_CHAT,
        "CAMPAIGN_KIT_TELEGRAM_API": telegram.url,
    }
    if pds is not None:
        env.update(
            CAMPAIGN_KIT_BLUESKY_HANDLE=pds.handle,
            CAMPAIGN_KIT_BLUESKY_PASSWORD=PDS_PASSWORD,
            CAMPAIGN_KIT_BLUESKY_PDS=pds.url,
        )
    for value in env.values():
        if "://" in value:
            assert urllib.parse.urlsplit(value).hostname in ("127.0.0.1", "localhost"), value
    return env
