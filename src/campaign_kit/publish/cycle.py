"""What a built cycle offers to publish: the one place ``publish`` reads a cycle folder.

Every post to publish is an :class:`Item` with a stable ``key`` (its ledger entry's name).
Per-woman posts come first, then the roll-call thread, part by part, so each part can reply
to the one before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from campaign_kit import paths
from campaign_kit.errors import PublishError
from campaign_kit.model import Post, read_cycle
from campaign_kit.publish import PLATFORMS


@dataclass(frozen=True)
class Item:
    """One post of the cycle on one platform.

    Attributes:
        key: Ledger key: ``bluesky:en:ablab-hanna`` or ``bluesky:en:thread:3``.
        post: The post as the build wrote it.
        card: The card's path relative to the cycle folder, or None (thread parts).
        thread: The key of the thread's first part (None for a per-woman post).
        parent: The key of the part this one replies to (None for posts and first parts).

    """

    key: str
    post: Post
    card: str | None
    thread: str | None = None
    parent: str | None = None

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

    def select(self, platforms: tuple[str, ...], langs: tuple[str, ...] | None = None) -> list[Item]:
        """The items for ``platforms`` (and ``langs``), in publishing order."""
        return [i for i in self.items if i.platform in platforms and (langs is None or i.lang in langs)]

    def card_paths(self) -> list[str]:
        """Every card a publishable post carries, each once, sorted."""
        return sorted({i.card for i in self.items if i.card})


def item_key(post: Post) -> str:
    """The ledger key of a post."""
    if post.kind == "thread":
        return f"{post.platform}:{post.lang}:thread:{post.part}"
    return f"{post.platform}:{post.lang}:{post.id}"


def load_cycle(folder: Path) -> Kit:
    """Read the publishable posts of the cycle in ``folder``.

    Raises:
        BuildError: The folder holds no build, or its manifest or posts are malformed.
        PublishError: The build made no posts for any platform ``publish`` supports.

    """
    built = read_cycle(folder)
    featured = tuple(built.manifest.get("featured") or ())
    posts: list[Item] = []
    threads: dict[tuple[str, str], list[Post]] = {}
    for post in built.posts:
        if post.platform not in PLATFORMS:
            continue
        if post.kind == "thread":
            threads.setdefault((post.platform, post.lang), []).append(post)
        elif post.kind == "post" and post.id in featured:
            posts.append(Item(item_key(post), post, post.card))
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
                items.append(Item(key, part, part.card, thread=root, parent=previous))
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
