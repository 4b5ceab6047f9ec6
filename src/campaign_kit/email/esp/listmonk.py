"""``campaign-kit newsletter push --esp listmonk``: a draft campaign per language, tested, scheduled.

Over listmonk's documented REST API (``docs/apis/campaigns.md``): ``POST /api/campaigns``
creates the draft (or ``PUT /api/campaigns/{id}`` updates the draft of an earlier push with the
same name), ``POST /api/campaigns/{id}/test`` sends it to the test subscribers, and with ``--at``
``PUT /api/campaigns/{id}`` sets ``send_at`` and ``PUT /api/campaigns/{id}/status`` moves it to
``scheduled``. A campaign already scheduled, running or finished is never touched.

Credentials come from the environment only (``CAMPAIGN_KIT_LISTMONK_URL``,
``CAMPAIGN_KIT_LISTMONK_USER``, ``CAMPAIGN_KIT_LISTMONK_TOKEN``, an API user of listmonk 4 or
later) and are never printed, logged or written: ``esp/listmonk/pushed.json`` records only the
campaigns' ids and states.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from campaign_kit import jsonstrict
from campaign_kit.campaign.config import Campaign
from campaign_kit.email.esp.export import EXPORT_DIR, load_handoffs, translate
from campaign_kit.email.esp.template_syntax import escape_text
from campaign_kit.errors import EspError
from campaign_kit.output import BuildLock, Writer

URL_ENV = "CAMPAIGN_KIT_LISTMONK_URL"
USER_ENV = "CAMPAIGN_KIT_LISTMONK_USER"
TOKEN_ENV = "CAMPAIGN_KIT_LISTMONK_TOKEN"
DEFAULT_TIMEOUT = 30.0
LEDGER = f"{EXPORT_DIR}/listmonk/pushed.json"
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class Pushed:
    """One language's campaign as listmonk reports it after the push."""

    lang: str
    id: int
    name: str
    status: str
    created: bool
    tested: tuple[str, ...]
    send_at: str | None


class _Redirect(Exception):
    def __init__(self, target: str, why: str) -> None:
        super().__init__(target)
        self.target = target
        self.why = why


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only for a GET to the same origin.

    urllib sends every header the request carries to the new address, Authorization included,
    and turns a redirected POST into a GET without its body: neither may happen to the API.
    """

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        target = urllib.parse.urljoin(req.full_url, newurl)
        scheme, host, port = _origin(target)
        shown = f"{scheme}://{host}" + (f":{port}" if port not in (80, 443, None) else "")
        if _origin(req.full_url) != (scheme, host, port):
            raise _Redirect(shown, "another address")
        if req.get_method() not in ("GET", "HEAD"):
            raise _Redirect(shown + urllib.parse.urlsplit(target).path, f"answering a {req.get_method()}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Client:
    """A minimal JSON client for listmonk's ``/api``; errors become ``EspError``."""

    def __init__(self, base_url: str, user: str, token: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        # listmonk 4+ API users: "Authorization: token user:token" (basic auth also works).
        self._auth = f"token {user}:{token}"
        self._secrets = (token, base64.b64encode(f"{user}:{token}".encode()).decode())
        self._opener = urllib.request.build_opener(_SameOriginRedirects())

    def request(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """``method path`` with a JSON body; return the response's ``data``."""
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(f"{self.base}{path}", data=data, method=method)
        req.add_header("Authorization", self._auth)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json; charset=utf-8")
        where = f"listmonk {method} {path.split('?')[0]}"
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise EspError(f"{where}: {exc.code} {self._message(exc.read())}") from None
        except _Redirect as exc:
            raise EspError(
                f"{where}: the server redirects to {exc.target}, {exc.why}; campaign-kit does not "
                f"follow it (the token would go along): set {URL_ENV} to the address listmonk answers at"
            ) from None
        except TimeoutError:
            raise EspError(f"{where}: no answer within {self.timeout:g} seconds") from None
        except urllib.error.URLError as exc:
            raise EspError(f"{where}: cannot connect ({self._clean(str(exc.reason))})") from None
        except (OSError, http.client.HTTPException) as exc:
            # A dropped or cut-off answer: no traceback for a server's doing.
            raise EspError(f"{where}: no complete answer ({type(exc).__name__})") from None
        try:
            return jsonstrict.loads(raw)["data"]
        except (UnicodeDecodeError, ValueError, KeyError, TypeError):
            raise EspError(f"{where}: the answer is not listmonk's JSON") from None

    def _message(self, raw: bytes) -> str:
        try:
            text = str(jsonstrict.loads(raw).get("message", ""))
        except (UnicodeDecodeError, ValueError, AttributeError):
            text = raw[:200].decode("utf-8", "replace")
        return self._clean(text)

    def _clean(self, text: str) -> str:
        # A server may echo what it was sent; the token never reaches our output.
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def client_from_env(environ: Mapping[str, str] | None = None) -> Client:
    """A client from ``CAMPAIGN_KIT_LISTMONK_URL``, ``_USER`` and ``_TOKEN``.

    Raises:
        EspError: a variable is missing, or the URL would send the token unencrypted to
            another machine.

    """
    env = os.environ if environ is None else environ
    missing = [name for name in (URL_ENV, USER_ENV, TOKEN_ENV) if not env.get(name)]
    if missing:
        raise EspError(f"listmonk credentials missing from the environment: {', '.join(missing)}")
    url = env[URL_ENV]
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EspError(f"{URL_ENV} must be the listmonk address, like https://lists.example.org")
    if parts.scheme == "http" and parts.hostname not in _LOCAL_HOSTS:
        raise EspError(f"refusing to send the listmonk token to {parts.hostname} unencrypted: use https://")
    return Client(url, env[USER_ENV], env[TOKEN_ENV])


def parse_at(text: str, now: dt.datetime) -> dt.datetime:
    """``--at``: an ISO 8601 time with its UTC offset, in the future.

    Raises:
        EspError: not ISO 8601, no offset (a send time must not depend on the machine's zone),
            or not after ``now``.

    """
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise EspError(f"--at {text!r} is not an ISO 8601 time (2026-11-23T09:00:00+00:00)") from None
    if at.tzinfo is None:
        raise EspError(f"--at {text!r} needs a UTC offset (…+01:00 or …Z)")
    if at <= now:
        raise EspError(f"--at {text!r} is in the past")
    return at


def push(
    *,
    folder: Path,
    out_root: Path,
    campaign: Campaign,
    appeal: str,
    cycle: str,
    languages: tuple[str, ...],
    client: Client,
    at: dt.datetime | None = None,
    test_to: tuple[str, ...] = (),
) -> list[Pushed]:
    """Create (or update) each language's draft campaign, send its test, schedule it with ``at``.

    Args:
        folder: The cycle folder of a send build.
        out_root: The ``out/`` folder.
        campaign: campaign.toml (``newsletter.listmonk``: ``lists`` per language,
            ``template_id``, ``test_subscribers``).
        appeal: The appeal key (names the campaign).
        cycle: The cycle id (names the campaign).
        languages: Languages to push.
        client: The listmonk API client.
        at: When to send (timezone-aware, future); ``None`` leaves the drafts unscheduled.
        test_to: Test recipients (default: ``newsletter.listmonk.test_subscribers``).

    Returns:
        One ``Pushed`` per language; also written to ``esp/listmonk/pushed.json``.

    Raises:
        EspError: missing settings, no send build, or listmonk refused a step (its message).

    """
    settings = campaign.newsletter.listmonk
    lists = settings.get("lists", {})
    missing = [lang for lang in languages if not lists.get(lang)]
    if missing:
        raise EspError(
            f"{campaign.path}: newsletter.listmonk.lists has no listmonk list for "
            f"{', '.join(missing)} (e.g. lists = {{ en = [1] }})"
        )
    template_id = settings.get("template_id")
    if isinstance(template_id, bool) or not isinstance(template_id, int) or template_id < 1:
        raise EspError(
            f"{campaign.path}: newsletter.listmonk.template_id must be the id of a listmonk campaign "
            'template whose body is only {{ template "content" . }}: without it listmonk wraps the '
            "newsletter (a whole page with its own footer) in its default template, a second footer"
        )
    testers = tuple(test_to) or tuple(settings.get("test_subscribers", ()))
    if not testers:
        raise EspError("no test recipient: pass --test-to ADDR or set newsletter.listmonk.test_subscribers")
    with BuildLock(out_root, f"{appeal}-{cycle}"):
        handoffs = load_handoffs(folder, languages)
        results = [
            _push_one(client, h, settings, lists[h.lang], appeal, cycle, at, testers) for h in handoffs
        ]
        writer = Writer(out_root, folder)
        writer.prepare()
        ledger = {"cycle": cycle, "appeal": appeal, "campaigns": [asdict(r) for r in results]}
        writer.write(LEDGER, (json.dumps(ledger, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return results


def _push_one(
    client: Client,
    h: Any,
    settings: Mapping[str, Any],
    lists: list[int],
    appeal: str,
    cycle: str,
    at: dt.datetime | None,
    testers: tuple[str, ...],
) -> Pushed:
    html, txt = translate(h, "listmonk")
    name = f"{appeal} {cycle} {h.lang}"
    body: dict[str, Any] = {
        "name": name,
        "subject": escape_text(h.subject, "listmonk"),
        "lists": list(lists),
        "from_email": h.sender,
        "type": "regular",
        "content_type": "html",
        "body": html,
        "altbody": txt,
        "messenger": "email",
        "tags": ["campaign-kit", appeal, cycle, h.lang],
    }
    body["template_id"] = settings["template_id"]
    if h.list_id:
        body["headers"] = [{"List-Id": f"<{h.list_id}>"}]
    query = urllib.parse.urlencode({"query": name, "per_page": "all"})
    found = client.request("GET", f"/api/campaigns?{query}")
    existing = [c for c in (found or {}).get("results", []) if c.get("name") == name]
    if existing:
        old = existing[0]
        if old.get("status") != "draft":
            raise EspError(
                f"listmonk campaign {old.get('id')} {name!r} is {old.get('status')}: "
                "campaign-kit only changes drafts (unschedule or cancel it in listmonk first)"
            )
        campaign_id = int(old["id"])
        client.request("PUT", f"/api/campaigns/{campaign_id}", body)
        created = False
    else:
        made = client.request("POST", "/api/campaigns", body)
        campaign_id = int(made["id"])
        created = True
    client.request("POST", f"/api/campaigns/{campaign_id}/test", {**body, "subscribers": list(testers)})
    status, send_at = "draft", None
    if at is not None:
        send_at = at.isoformat()
        client.request("PUT", f"/api/campaigns/{campaign_id}", {**body, "send_at": send_at})
        done = client.request("PUT", f"/api/campaigns/{campaign_id}/status", {"status": "scheduled"})
        status = str((done or {}).get("status", "scheduled"))
    return Pushed(h.lang, campaign_id, name, status, created, testers, send_at)
