"""Bluesky through the ``atproto`` SDK: posts with an image, alt text, facets, languages, threads.

Exactly once: every post's record key is a TID derived from the appeal, cycle and post, so a
resumed run asks the PDS for that key (``getRecord``) before it writes, and a record that
already exists is found, not written twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from campaign_kit.errors import PublishError
from campaign_kit.platforms import extract_urls, find_hashtags, graphemes, utf8_bytes
from campaign_kit.publish.cycle import Item, Kit
from campaign_kit.publish.images import load_card
from campaign_kit.publish.remote import Refused, RetryPolicy, Secrets, Transient, retry_after_seconds

COLLECTION = "app.bsky.feed.post"
MAX_GRAPHEMES = 300
MAX_BYTES = 3000
MAX_ALT = 2000
# app.bsky.embed.images: maxSize 2,000,000 bytes per image (since 2026-04-08; 1 MB before).
BLOB_LIMIT = 2_000_000
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
    from atproto_client import exceptions as ex

    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    content = getattr(response, "content", None)
    detail = getattr(content, "message", None) or getattr(content, "error", None) or ""
    message = secrets.redact(f"{what}: {status or type(exc).__name__} {detail}".strip())
    if isinstance(exc, ex.RequestErrorBase) and (status is None or status == 429 or status >= 500):
        headers = getattr(response, "headers", None) or {}
        wait = retry_after_seconds(headers.get("retry-after") or headers.get("ratelimit-reset"))
        return Transient(message, wait)
    if isinstance(exc, ex.RequestErrorBase):
        return Refused(message, status)
    return exc


class Bluesky:
    """Publishes items to one Bluesky account.

    Args:
        env: Settings from :func:`campaign_kit.publish.remote.read_env`.
        secrets: Where the password is registered for redaction.
        retry: The retry policy.

    """

    name = "bluesky"

    def __init__(self, env: dict[str, str], secrets: Secrets, retry: RetryPolicy) -> None:
        self.handle = env["CAMPAIGN_KIT_BLUESKY_HANDLE"]
        self._password = env["CAMPAIGN_KIT_BLUESKY_PASSWORD"]
        self.pds = env["CAMPAIGN_KIT_BLUESKY_PDS"].rstrip("/")
        self.secrets = secrets
        self.retry = retry
        self._client: Any = None
        self.did = ""

    def _call(self, what: str, fn: Any) -> Any:
        return self.retry.call_sdk(what, fn, _classify, self.secrets)

    def client(self) -> Any:
        """The logged-in SDK client (logs in on first use)."""
        if self._client is None:
            from atproto import Client

            client = Client(base_url=f"{self.pds}/xrpc")
            # The profile lookup needs an AppView; posting needs only the PDS.
            self._call(
                "bluesky: log in",
                lambda: client.login(self.handle, self._password, fetch_bsky_profile=False),
            )
            self.did = client.me.did if client.me else client._session.did
            self._client = client
        return self._client

    def check(self, item: Item, kit: Kit) -> None:
        """Check the post fits Bluesky's limits, without the network."""
        text = item.post.api_text
        if graphemes(text) > MAX_GRAPHEMES or utf8_bytes(text) > MAX_BYTES:
            raise PublishError(
                f"bluesky: post {item.key} has {graphemes(text)} graphemes / {utf8_bytes(text)} bytes; "
                f"the limit is {MAX_GRAPHEMES} / {MAX_BYTES}"
            )
        if item.card:
            if not item.post.alt_text:
                raise PublishError(f"bluesky: post {item.key} has a card without alt text")
            if len(item.post.alt_text) > MAX_ALT:
                raise PublishError(f"bluesky: post {item.key}'s alt text is over {MAX_ALT} characters")
            load_card(kit.folder / item.card, BLOB_LIMIT)

    def intent(self, item: Item, kit: Kit, now: dt.datetime) -> dict[str, Any]:
        """What the ledger records before the call: the record key and the record's createdAt."""
        return {
            "rkey": record_key(kit.appeal, kit.cycle, item.key),
            "created_at": now.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }

    def recover(self, item: Item, intent: dict[str, Any]) -> dict[str, Any] | None:
        """Ask the PDS whether the record key is taken: the post is out (its URI) or not (None)."""
        from atproto_client import models

        client = self.client()
        params = models.ComAtprotoRepoGetRecord.Params(
            repo=self.did, collection=COLLECTION, rkey=intent["rkey"]
        )

        def get() -> Any:
            try:
                return client.com.atproto.repo.get_record(params)
            except Exception as exc:
                content = getattr(getattr(exc, "response", None), "content", None)
                if getattr(content, "error", None) == "RecordNotFound":
                    return None
                raise

        found = self._call(f"bluesky: look up post {item.key}", get)
        if found is None:
            return None
        return {"uri": found.uri, "cid": found.cid, "rkey": intent["rkey"]}

    def send(
        self,
        item: Item,
        kit: Kit,
        intent: dict[str, Any],
        root: dict[str, Any] | None,
        parent: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Upload the card, write the post record under its record key; return its URI and CID."""
        from atproto_client import models

        client = self.client()
        post = item.post
        embed = None
        if item.card:
            card = load_card(Path(kit.folder) / item.card, BLOB_LIMIT)
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
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=self.did, collection=COLLECTION, rkey=intent["rkey"], record=record
        )
        try:
            made = self._call(
                f"bluesky: post {item.key}", lambda: client.com.atproto.repo.create_record(data)
            )
        except Refused:
            # A retried write whose first attempt did land finds its record key taken.
            found = self.recover(item, intent)
            if found is None:
                raise
            return found
        return {"uri": made.uri, "cid": made.cid, "rkey": intent["rkey"]}
