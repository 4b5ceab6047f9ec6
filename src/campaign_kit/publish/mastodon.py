"""Mastodon through Mastodon.py: media with description and focus, idempotent statuses, threads.

Exactly once: every status carries an Idempotency-Key made from the appeal, cycle and post
and recorded before the call, so a resumed run repeats the same request and Mastodon answers
with the status it already made. Mastodon keeps the keys for an hour; a ``sending`` entry
older than that is reported as uncertain instead of risking a second post.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign_kit.errors import PublishError
from campaign_kit.platforms import MASTODON_VISIBILITIES
from campaign_kit.publish.cycle import Item, Kit
from campaign_kit.publish.publisher import Intent, Publisher, Remote
from campaign_kit.publish.remote import (
    Refused,
    RetryPolicy,
    Secrets,
    Transient,
    Uncertain,
    retry_after_seconds,
)

IDEMPOTENCY_WINDOW = dt.timedelta(minutes=55)  # Mastodon keeps keys for 3,600 s
VISIBILITIES = MASTODON_VISIBILITIES


def idempotency_key(appeal: str, cycle: str, key: str) -> str:
    """The post's Idempotency-Key: the same for every attempt at the same post."""
    return "campaign-kit-" + hashlib.sha256(f"{appeal}\n{cycle}\n{key}".encode()).hexdigest()[:40]


def focus_for(templates: Path | None, card_format: str) -> tuple[float, float]:
    """The focus point for a card: the centre of the block that holds her name.

    Mastodon crops previews around the focus point (x and y from -1 to 1, y up); the cards set
    the name off-centre (beside the photo), so the centre of the image would crop it away.
    Without the card layouts (``templates/cards/<format>.toml``) the image's centre is used.
    """
    if templates is None:
        return (0.0, 0.0)
    from campaign_kit.errors import RenderError
    from campaign_kit.render.card_layout import load_layout

    try:
        layout = load_layout(templates, card_format)
        box = layout.block_of("name").box
    except (RenderError, KeyError):
        return (0.0, 0.0)
    x = (box.x + box.w / 2) / layout.width * 2 - 1
    y = 1 - (box.y + box.h / 2) / layout.height * 2
    return (round(x, 2), round(y, 2))


def _classify(exc: Exception, what: str, secrets: Secrets, headers: Any = None) -> Exception:
    """Mastodon.py's error as Transient (retry) or Refused (a 4xx).

    A 5xx, a dropped or cut-off connection and an answer that is not JSON may each have made
    the status: they are Transient ``maybe_sent`` (retried with the same Idempotency-Key, which
    finds the status already made). A 429 waits as ``Retry-After`` (or ``X-RateLimit-Reset``,
    what Mastodon sends) asks; ``headers`` are the last answer's.
    """
    from mastodon import errors as me

    if isinstance(exc, me.MastodonVersionError) and isinstance(exc.__cause__, me.MastodonError):
        exc = exc.__cause__
    args = exc.args
    status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
    if isinstance(exc, me.MastodonRatelimitError) or status == 429:
        headers = headers or {}
        wait = retry_after_seconds(headers.get("Retry-After"))
        if wait is None:
            reset = retry_after_seconds(headers.get("X-RateLimit-Reset"))
            wait = reset
        return Transient(secrets.redact(f"{what}: 429 rate limited"), wait)
    if isinstance(exc, me.MastodonServerError | me.MastodonNetworkError):
        return Transient(secrets.redact(f"{what}: {_short(exc)}"), maybe_sent=True)
    if isinstance(exc, me.MastodonAPIError) and status is not None and 400 <= status < 500:
        detail = args[3] if len(args) > 3 else str(exc)
        return Refused(secrets.redact(f"{what}: {status} {detail}"), status)
    # Anything else (an answer that is not JSON, an HTML page with 200): unreadable, maybe made.
    return Transient(secrets.redact(f"{what}: unreadable answer ({type(exc).__name__})"), maybe_sent=True)


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:300] + "…"


def parse_status_ref(value: str) -> str:
    """The status id in what a person pastes for ``--resolve``: the id, or the status's link."""
    sid = value.strip().rstrip("/").rsplit("/", 1)[-1]
    if not sid.isdigit():
        raise PublishError(f"--resolve: {value!r} is not a Mastodon status id or link")
    return sid


@dataclass(frozen=True)
class StatusOptions:
    """How a run posts its statuses, the same for every Mastodon account.

    Attributes:
        visibility: Visibility of every status (``[publish.mastodon] visibility``).
        at: When to schedule the statuses (``--at``), or None to post now.
        templates: The project's templates (card layouts, for the focus point), if known.

    """

    visibility: str = "public"
    at: dt.datetime | None = None
    templates: Path | None = None


class Mastodon(Publisher):
    """Publishes items to one Mastodon account (server and token in ``env``), as ``options`` say."""

    name = "mastodon"
    alt_noun = "a description"

    def __init__(
        self, env: dict[str, str], secrets: Secrets, retry: RetryPolicy, options: StatusOptions | None = None
    ) -> None:
        options = options or StatusOptions()
        if options.visibility not in VISIBILITIES:
            raise PublishError(
                f"mastodon: visibility {options.visibility!r} is not one of {', '.join(VISIBILITIES)}"
            )
        super().__init__(secrets, retry)
        self.url = env["CAMPAIGN_KIT_MASTODON_URL"].rstrip("/")
        self._token = env["CAMPAIGN_KIT_MASTODON_TOKEN"]
        self.visibility = options.visibility
        self.at = options.at
        self.templates = options.templates
        self._api: Any = None
        self._version_known = False
        self._last_headers: Any = {}

    def api(self) -> Any:
        """The Mastodon.py client (no request is made until the first call)."""
        if self._api is None:
            import requests
            from mastodon import Mastodon as Client

            session = requests.Session()
            # Mastodon.py's rate-limit error carries no headers: keep the last answer's, for
            # Retry-After and X-RateLimit-Reset.
            session.hooks["response"].append(self._remember_headers)
            self._api = Client(
                access_token=self._token,
                api_base_url=self.url,
                # We retry ourselves (and say so in the ledger); never sleep inside the SDK.
                ratelimit_method="throw",
                request_timeout=self.retry.timeout,
                # Mastodon.py asks /api/v1/instance for the version once, to pick /api/v2/media.
                version_check_mode="none",
                session=session,
            )
        return self._api

    def _remember_headers(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self._last_headers = response.headers

    def connect(self) -> Any:
        """The client, with the server's version known.

        Mastodon.py picks ``/api/v2/media`` only when it knows the version, and on a failed
        lookup it silently assumes 1.0.0; so the lookup is made here, retried like any call.
        """
        api = self.api()
        if not self._version_known:
            self._call(
                "mastodon: read the server's version", lambda: api.retrieve_mastodon_version(fail_hard=True)
            )
            self._version_known = True
        return api

    def _call(self, what: str, fn: Any, posts: bool = False) -> Any:
        """Call Mastodon.py through the retry policy; ``posts``: the call makes a status."""
        self._last_headers = {}
        return self.call_sdk(
            what, fn, lambda exc, what: _classify(exc, what, self.secrets, self._last_headers), posts
        )

    def check(self, item: Item, kit: Kit) -> None:
        """Check the post as every platform does, and that no reply is to be scheduled."""
        super().check(item, kit)
        if self.at is not None and item.parent is not None:
            raise PublishError(
                f"mastodon: post {item.key} replies to another; Mastodon cannot schedule a reply "
                "to a status not yet posted, so publish the thread without --at"
            )

    def intent(self, item: Item, kit: Kit, now: dt.datetime) -> Intent:
        """What the ledger records before the call: the Idempotency-Key and when it was first used."""
        return {
            "idempotency_key": idempotency_key(kit.appeal, kit.cycle, item.remote_key),
            "first_sent_at": now.isoformat(),
        }

    def recover(self, item: Item, intent: Intent) -> Remote | None:
        """Within Mastodon's idempotency window, sending again is safe: return None to do so.

        The window counts from the first try (``first_sent_at`` is never renewed): after it,
        Mastodon has forgotten the key and a repeat could make a second status.
        """
        first = dt.datetime.fromisoformat(intent["first_sent_at"])
        if dt.datetime.now(dt.UTC) - first > IDEMPOTENCY_WINDOW:
            raise Uncertain(
                f"mastodon: post {item.key} was sent at {intent['first_sent_at']} and not confirmed; "
                "Mastodon no longer remembers its Idempotency-Key. Look at the account, then run "
                f"publish again with --resolve {item.key}=sent:STATUS_LINK or --resolve {item.key}=unsent"
            )
        return None

    def resolve(self, item: Item, ref: str) -> Remote:
        """``--resolve KEY=sent:REF``: the status a person found (its id or link), read back.

        A token with only the write scopes the README asks for may not read statuses (403):
        then the id the person gave is taken as it is; an id Mastodon does not know (404) is not.
        """
        sid = parse_status_ref(ref)
        api = self.connect()
        try:
            status = self._call(f"mastodon: look up status {sid}", lambda: api.status(sid))
        except Refused as exc:
            if exc.status == 404:
                raise PublishError(
                    f"--resolve: Mastodon has no status {sid}; give its link or id, or {item.key}=unsent"
                ) from None
            return {"id": sid, "resolved_by_hand": True}
        url = status.get("url") or status.get("uri")
        return {"id": str(status["id"]), "url": url, "resolved_by_hand": True}

    def send(
        self, item: Item, kit: Kit, intent: Intent, root: Remote | None, parent: Remote | None
    ) -> Remote:
        """Upload the card with its description and focus, then post the status; return its id."""
        api = self.connect()
        post = item.post
        media_ids = None
        if item.card and intent.get("media_id"):
            # Uploaded by a try before (within the Idempotency-Key's hour, or recover() would
            # not have let it through): reuse it, leave no orphan media behind.
            media_ids = [intent["media_id"]]
        elif item.card:
            card = kit.card_image(item.card, self.image_limit)
            media = self._call(
                f"mastodon: upload card of {item.key}",
                lambda: api.media_post(
                    card.data,
                    mime_type=card.mime,
                    description=post.alt_text,
                    focus=focus_for(self.templates, Path(item.card).stem),
                    file_name=item.card.rsplit("/", 1)[-1],
                ),
            )
            media_ids = [media["id"]]
            # The runner saves the intent with whatever the try ends in.
            intent["media_id"] = str(media["id"])
        status = self._call(
            f"mastodon: post {item.key}",
            lambda: api.status_post(
                post.api_text,
                in_reply_to_id=parent["id"] if parent else None,
                media_ids=media_ids,
                visibility=self.visibility,
                language=post.lang,
                idempotency_key=intent["idempotency_key"],
                scheduled_at=self.at,
            ),
            posts=True,
        )
        remote = {"id": str(status["id"])}
        if self.at is not None:
            remote["scheduled_at"] = self.at.isoformat()
        else:
            remote["url"] = status.get("url") or status.get("uri")
        return remote
