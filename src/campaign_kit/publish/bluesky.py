"""Bluesky through the ``atproto`` SDK: posts with an image, alt text, facets, languages, threads.

Exactly once: every post's record key is a TID derived from the appeal, cycle and post, so a
write that may have landed (its answer lost, slow, cut off, unreadable or a 5xx) is looked up
by that key (``getRecord``) before it is written again, in the same run or a resumed one; a
record that already exists is found, not written twice (a taken key makes the PDS answer 500).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from campaign_kit.errors import PublishError
from campaign_kit.platforms import extract_urls, find_hashtags
from campaign_kit.publish.cycle import Item, Kit
from campaign_kit.publish.publisher import Intent, Publisher, Remote
from campaign_kit.publish.remote import (
    Refused,
    RetryPolicy,
    Secrets,
    Transient,
    Uncertain,
    check_url,
    retry_after_seconds,
)

COLLECTION = "app.bsky.feed.post"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_WEEK_US = 7 * 24 * 3600 * 1_000_000


def tid(timestamp_us: int, clock_id: int) -> str:
    """An atproto TID: 53 bits of microseconds and 10 of clock id, base32-sortable, 13 characters."""
    value = ((timestamp_us & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    return "".join(_TID_ALPHABET[(value >> (60 - 5 * i)) & 31] for i in range(13))


def record_key(appeal: str, cycle: str, key: str) -> str:
    """The post's deterministic record key: a TID inside the cycle's week, from a hash of the post.

    The same post of the same appeal and cycle always gets the same key; two posts differ
    unless 63 bits of sha256 collide.
    """
    monday = dt.datetime.fromisocalendar(int(cycle[:4]), int(cycle[6:]), 1).replace(tzinfo=dt.UTC)
    h = int.from_bytes(hashlib.sha256(f"{appeal}\n{cycle}\n{key}".encode()).digest()[:8], "big")
    micros = int(monday.timestamp()) * 1_000_000 + (h >> 10) % _WEEK_US
    return tid(micros, h & 0x3FF)


def _byte_index(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def facets(text: str) -> list[dict[str, Any]]:
    """Link and hashtag facets with UTF-8 byte offsets, as ``app.bsky.richtext.facet`` wants.

    Links are found with the URL grammar the posts were measured with (bare domains too,
    linked as ``https://``); a hashtag inside a link is left to the link.
    """
    out: list[tuple[int, int, dict[str, Any]]] = []
    spans: list[tuple[int, int]] = []
    for url in extract_urls(text):
        uri = url.url if "://" in url.url else f"https://{url.url}"
        start = text.index(url.url, url.start)
        end = start + len(url.url)
        spans.append((start, end))
        out.append((start, end, {"$type": "app.bsky.richtext.facet#link", "uri": uri}))
    for tag in find_hashtags("bluesky", text):
        if any(s < tag.end and tag.start < e for s, e in spans):
            continue
        out.append((tag.start, tag.end, {"$type": "app.bsky.richtext.facet#tag", "tag": tag.tag}))
    out.sort(key=lambda f: f[0])
    return [
        {
            "index": {"byteStart": _byte_index(text, s), "byteEnd": _byte_index(text, e)},
            "features": [feature],
        }
        for s, e, feature in out
    ]


def _classify(exc: Exception, what: str, secrets: Secrets) -> Exception:
    """The SDK's error as Transient (retry; ``maybe_sent`` unless it was a 429) or Refused (4xx).

    Anything else the SDK raises (a cut-off or unreadable answer, an HTML page where JSON was
    due) is a Transient that may have been carried out: never a traceback, never a blind retry.
    """
    from atproto_client import exceptions as ex

    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    content = getattr(response, "content", None)
    detail = getattr(content, "message", None) or getattr(content, "error", None) or ""
    if not isinstance(exc, ex.RequestErrorBase):
        detail = f"unreadable answer ({type(exc).__name__})"
    if isinstance(detail, bytes | bytearray):
        detail = "an answer that is not XRPC JSON"
    message = secrets.redact(f"{what}: {status or type(exc).__name__} {str(detail)[:200]}".strip())
    if isinstance(exc, ex.RequestErrorBase) and status == 429:
        headers = getattr(response, "headers", None) or {}
        wait = retry_after_seconds(headers.get("retry-after") or headers.get("ratelimit-reset"))
        return Transient(message, wait)
    if isinstance(exc, ex.RequestErrorBase) and status is not None and 400 <= status < 500:
        return Refused(message, status)
    return Transient(message, maybe_sent=True)


def parse_post_ref(value: str) -> str:
    """The record key in what a person pastes for ``--resolve``: an at:// URI, a bsky.app link, or the key."""
    value = value.strip().rstrip("/")
    key = value.rsplit("/", 1)[-1]
    if not key or any(c not in _TID_ALPHABET + "-_.~:" for c in key.lower()) or len(key) > 512:
        raise PublishError(
            f"--resolve: {value!r} is not a Bluesky post (an at:// URI, a bsky.app link or a record key)"
        )
    return key


class Bluesky(Publisher):
    """Publishes items to one Bluesky account (handle, app password and PDS in ``env``)."""

    name = "bluesky"
    alt_noun = "alt text"

    def __init__(self, env: dict[str, str], secrets: Secrets, retry: RetryPolicy) -> None:
        super().__init__(secrets, retry)
        self.handle = env["CAMPAIGN_KIT_BLUESKY_HANDLE"]
        self._password = env["CAMPAIGN_KIT_BLUESKY_PASSWORD"]
        self.pds = env["CAMPAIGN_KIT_BLUESKY_PDS"].rstrip("/")
        self._client: Any = None
        self.did = ""

    def _call(self, what: str, fn: Any) -> Any:
        """Log in, upload: calls that make no post (only ``send``'s write may land a post)."""
        return self.call_sdk(what, fn, lambda exc, what: _classify(exc, what, self.secrets), posts=False)

    def client(self) -> Any:
        """The logged-in SDK client (logs in on first use)."""
        if self._client is None:
            from atproto import Client
            from atproto_client.request import Request

            client = Client(base_url=f"{self.pds}/xrpc", request=Request(timeout=self.retry.timeout))
            # The profile lookup needs an AppView; posting needs only the PDS.
            try:
                self._call(
                    "bluesky: log in",
                    lambda: client.login(self.handle, self._password, fetch_bsky_profile=False),
                )
            except Refused as exc:
                raise PublishError(
                    f"{exc.message}: the PDS refused CAMPAIGN_KIT_BLUESKY_HANDLE and "
                    "CAMPAIGN_KIT_BLUESKY_PASSWORD (an app password may have been revoked: make a new "
                    "one in the account's settings); nothing was posted"
                ) from None
            # After logging in the SDK talks to the PDS the account's DID document names.
            check_url("bluesky: the account's PDS", client._base_url)
            self.did = client.me.did if client.me else client._session.did
            self._client = client
        return self._client

    def intent(self, item: Item, kit: Kit, now: dt.datetime) -> Intent:
        """What the ledger records before the call: the record key and the record's createdAt."""
        return {"rkey": record_key(kit.appeal, kit.cycle, item.remote_key), "created_at": _stamp(now)}

    def refresh(self, intent: Intent, now: dt.datetime) -> Intent:
        """A resumed post (not out, the PDS says) is written as of now: a fresh createdAt.

        createdAt is when the post says it was made; a post first tried days ago and out today
        must not show in feeds as days old. The record key stays: it is the post's identity.
        """
        return {**intent, "created_at": _stamp(now)}

    def _get(self, rkey: str) -> Any:
        """The record under ``rkey`` (None when there is none); Transient on a failed lookup."""
        from atproto_client import models

        client = self.client()
        params = models.ComAtprotoRepoGetRecord.Params(repo=self.did, collection=COLLECTION, rkey=rkey)
        try:
            return client.com.atproto.repo.get_record(params)
        except Exception as exc:
            content = getattr(getattr(exc, "response", None), "content", None)
            if getattr(content, "error", None) == "RecordNotFound":
                return None
            classified = _classify(exc, f"bluesky: look up record {rkey}", self.secrets)
            if isinstance(classified, Transient):
                classified.maybe_sent = False  # a lookup writes nothing
            raise classified from None

    def _found(self, item: Item, rkey: str, found: Any) -> dict[str, Any]:
        """The ledger's remote for a record found under the post's key, if it is this post."""
        value = getattr(found, "value", None)
        text = value.get("text") if isinstance(value, dict) else getattr(value, "text", None)
        if text is not None and text != item.post.api_text:
            raise Uncertain(
                f"bluesky: post {item.key}'s record key {rkey} holds another text (a post made from "
                f"an earlier kit?); look at {found.uri}, then run publish again with "
                f"--resolve {item.key}=sent:{found.uri} or delete that post and --resolve {item.key}=unsent"
            )
        return {"uri": found.uri, "cid": found.cid, "rkey": rkey}

    def recover(self, item: Item, intent: Intent) -> Remote | None:
        """Ask the PDS whether the record key is taken: the post is out (its URI) or not (None)."""
        rkey = intent["rkey"]
        found = self._call_lookup(f"bluesky: look up post {item.key}", rkey)
        return None if found is None else self._found(item, rkey, found)

    def _call_lookup(self, what: str, rkey: str) -> Any:
        return self.retry.call(what, lambda: self._get(rkey))

    def resolve(self, item: Item, ref: str) -> Remote:
        """``--resolve KEY=sent:REF``: the post a person found, read back for its URI and CID.

        Replies need the parent's CID, so a post settled by hand is looked up on the PDS.
        """
        rkey = parse_post_ref(ref)
        found = self._call_lookup(f"bluesky: look up post {item.key}", rkey)
        if found is None:
            raise PublishError(
                f"--resolve: no Bluesky post {rkey} in {self.handle}'s repository; "
                f"give its at:// URI or bsky.app link, or {item.key}=unsent"
            )
        return {"uri": found.uri, "cid": found.cid, "rkey": rkey, "resolved_by_hand": True}

    def send(
        self, item: Item, kit: Kit, intent: Intent, root: Remote | None, parent: Remote | None
    ) -> Remote:
        """Upload the card, write the post record under its record key; return its URI and CID."""
        from atproto_client import models

        client = self.client()
        post = item.post
        embed = None
        if item.card:
            card = kit.card_image(item.card, self.image_limit)
            blob = self._call(
                f"bluesky: upload card of {item.key}", lambda: client.com.atproto.repo.upload_blob(card.data)
            ).blob
            embed = models.AppBskyEmbedImages.Main(
                images=[
                    models.AppBskyEmbedImages.Image(
                        alt=post.alt_text or "",
                        image=blob,
                        aspect_ratio=models.AppBskyEmbedDefs.AspectRatio(
                            width=card.width, height=card.height
                        ),
                    )
                ]
            )
        reply = None
        if parent and root:
            reply = models.AppBskyFeedPost.ReplyRef(
                root=models.ComAtprotoRepoStrongRef.Main(uri=root["uri"], cid=root["cid"]),
                parent=models.ComAtprotoRepoStrongRef.Main(uri=parent["uri"], cid=parent["cid"]),
            )
        record = models.AppBskyFeedPost.Record(
            text=post.api_text,
            created_at=intent["created_at"],
            facets=[models.AppBskyRichtextFacet.Main.model_validate(f) for f in facets(post.api_text)]
            or None,
            langs=[post.lang],
            reply=reply,
            embed=embed,
        )
        rkey = intent["rkey"]
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=self.did, collection=COLLECTION, rkey=rkey, record=record
        )
        what = f"bluesky: post {item.key}"
        landed = False

        def write() -> dict[str, Any]:
            nonlocal landed
            if landed:
                # The attempt before may have landed (its answer was lost, slow, cut off or a
                # 5xx): look the key up first, and only write when the PDS has no such record.
                found = self._get(rkey)
                if found is not None:
                    return self._found(item, rkey, found)
            try:
                made = client.com.atproto.repo.create_record(data)
            except Exception as exc:
                classified = _classify(exc, what, self.secrets)
                if isinstance(classified, Transient):
                    landed = landed or classified.maybe_sent
                    raise classified from None
                if isinstance(classified, Refused):
                    # A write that landed in an earlier run finds its key taken.
                    found = self._get(rkey)
                    if found is not None:
                        return self._found(item, rkey, found)
                raise classified from None
            return {"uri": made.uri, "cid": made.cid, "rkey": rkey}

        return self.retry.call(what, write)


def _stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
