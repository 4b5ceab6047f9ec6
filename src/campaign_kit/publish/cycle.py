"""What a built cycle offers to publish: the one place ``publish`` reads a cycle folder.

Every post to publish is an :class:`Item` with a stable ``key`` (its ledger entry's name).
Per-woman posts come first, then the roll-call thread, part by part, so each part can reply
to the one before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign_kit import paths
from campaign_kit.errors import BuildError, PublishError
from campaign_kit.model import Post, parse_cycle
from campaign_kit.publish import PLATFORMS
from campaign_kit.publish.files import parse_json, read_bytes
from campaign_kit.publish.images import CardImage, CardStore


@dataclass(frozen=True)
class Item:
    """One post of the cycle on one platform.

    Attributes:
        key: Ledger key: ``bluesky:en:ablab-hanna`` or ``bluesky:en:thread:3``.
        post: The post as the build wrote it.
        card: The card's path relative to the cycle folder, or None (thread parts).
        thread: The key of the thread's first part (None for a per-woman post).
        parent: The key of the part this one replies to (None for posts and first parts).
        remote_key: What the platform's own duplicate guard is keyed on (Bluesky's record
            key, Mastodon's Idempotency-Key): the ledger key, or for a thread restarted after
            an earlier one was abandoned, the key with the thread's generation.

    """

    key: str
    post: Post
    card: str | None
    thread: str | None = None
    parent: str | None = None
    remote_key: str = ""
    record: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.remote_key:
            object.__setattr__(self, "remote_key", self.key)

    @property
    def thread_id(self) -> str | None:
        """The thread this part belongs to (``bluesky:en:thread``), None for a per-woman post."""
        return self.thread.rsplit(":", 1)[0] if self.thread else None

    @property
    def platform(self) -> str:
        """The platform the post is for."""
        return self.post.platform

    @property
    def lang(self) -> str:
        """The post's language."""
        return self.post.lang


@dataclass(frozen=True)
class Kit:
    """A built cycle as ``publish`` sees it.

    Attributes:
        folder: The cycle folder.
        appeal: The appeal key from the manifest.
        cycle: The ISO week from the manifest.
        featured: The featured women's ids.
        items: Every publishable post, in publishing order.

    """

    folder: Path
    appeal: str
    cycle: str
    featured: tuple[str, ...]
    items: tuple[Item, ...]
    cards: CardStore | None = None

    def card_image(self, rel: str, limit: int) -> CardImage:
        """A card's approved bytes as a platform with ``limit`` takes them (read once per run).

        Raises:
            ApprovalError: The card differs from the approval.
            PublishError: No approval was checked (a kit read without one cannot be sent).

        """
        if self.cards is None:
            raise PublishError(f"{self.folder}: cards are sent only after the approval is checked")
        return self.cards.image(rel, limit)

    def select(self, platforms: tuple[str, ...], langs: tuple[str, ...] | None = None) -> list[Item]:
        """The items for ``platforms`` (and ``langs``), in publishing order."""
        return [i for i in self.items if i.platform in platforms and (langs is None or i.lang in langs)]


def item_key(post: Post) -> str:
    """The ledger key of a post."""
    if post.kind == "thread":
        return f"{post.platform}:{post.lang}:thread:{post.part}"
    return f"{post.platform}:{post.lang}:{post.id}"


def read_built(folder: Path) -> tuple[bytes, dict[str, Any], bytes | None]:
    """The bytes of ``manifest.json`` (and its parsed form) and of ``posts.json``, read once.

    Nothing is read through a link (a planted one is refused by name).

    Raises:
        BuildError: The folder holds no manifest.

    """
    manifest_bytes = read_bytes(folder, paths.MANIFEST)
    if manifest_bytes is None:
        raise BuildError(f"{folder / paths.MANIFEST}: not found; build the cycle first")
    manifest = parse_json(folder / paths.MANIFEST, manifest_bytes)
    if not isinstance(manifest, dict):
        raise BuildError(f"{folder / paths.MANIFEST}: not a manifest")
    return manifest_bytes, manifest, read_bytes(folder, paths.POSTS_JSON)


def load_cycle(folder: Path) -> Kit:
    """Read the publishable posts of the cycle in ``folder`` (never through a link).

    Raises:
        BuildError: The folder holds no build, or its manifest or posts are malformed.
        PublishError: The build made no posts for any platform ``publish`` supports.

    """
    _, manifest, posts = read_built(folder)
    raw = None if posts is None else parse_json(folder / paths.POSTS_JSON, posts)
    return kit_from(folder, manifest, raw)


def kit_from(folder: Path, manifest: Mapping[str, Any], raw_posts: Sequence[Any] | None) -> Kit:
    """The kit of a cycle from its parsed manifest and ``posts.json``.

    Raises:
        BuildError: A post record is malformed.
        PublishError: The build made no posts for any platform ``publish`` supports.

    """
    built = parse_cycle(folder, manifest, raw_posts)
    featured = tuple(built.manifest.get("featured") or ())
    posts: list[Item] = []
    threads: dict[tuple[str, str], list[Post]] = {}
    records: dict[int, Mapping[str, Any]] = {}
    for post, raw in zip(built.posts, raw_posts or (), strict=True):
        if post.platform not in PLATFORMS:
            continue
        records[id(post)] = raw
        if post.kind == "thread":
            threads.setdefault((post.platform, post.lang), []).append(post)
        elif post.kind == "post" and post.id in featured:
            posts.append(Item(item_key(post), post, post.card, record=raw))
    items: list[Item] = []
    for platform in PLATFORMS:
        for item in posts:
            if item.platform == platform:
                items.append(item)
        for (plat, _lang), parts in threads.items():
            if plat != platform:
                continue
            parts.sort(key=lambda p: p.part or 0)
            root = item_key(parts[0])
            previous: str | None = None
            for part in parts:
                key = item_key(part)
                items.append(
                    Item(key, part, part.card, thread=root, parent=previous, record=records[id(part)])
                )
                previous = key
    if not items:
        raise PublishError(
            f"{folder / paths.POSTS_JSON}: no posts for {', '.join(PLATFORMS)}; build the posts first"
        )
    return Kit(
        folder=folder,
        appeal=str(built.manifest.get("appeal", "")),
        cycle=str(built.manifest.get("cycle", "")),
        featured=featured,
        items=tuple(items),
    )
