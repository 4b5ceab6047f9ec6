"""What a platform's publisher is: the calls the runner makes, and the parts all three share.

The runner drives every platform the same way (``check`` each post before any call, then per
post ``intent`` / ``recover`` / ``refresh`` / ``send``, and ``resolve`` for ``--resolve``);
what differs is how a platform guards against a second post, so ``intent``, ``recover``,
``resolve`` and ``send`` are each platform's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from campaign_kit.errors import PublishError
from campaign_kit.platforms import image_bytes, post_problems
from campaign_kit.publish.cycle import Item, Kit
from campaign_kit.publish.remote import RetryPolicy, Secrets, Transient

T = TypeVar("T")

# What the ledger records for a post: before the call (its intent) and after (where it is).
Intent = dict[str, Any]
Remote = dict[str, Any]


class Publisher:
    """Publishes items to one account of one platform.

    A platform's publisher is made from ``env``, the account's settings
    (:func:`campaign_kit.publish.remote.read_env`'s form), ``secrets``, where its password or
    token is registered for redaction, and ``retry``, the retry policy; this base keeps the
    last two.
    """

    name: str
    # What the platform calls an image's description, for "has a card without ..."; None where
    # its images take none.
    alt_noun: str | None = None

    def __init__(self, secrets: Secrets, retry: RetryPolicy) -> None:
        self.secrets = secrets
        self.retry = retry

    @property
    def image_limit(self) -> int:
        """The largest card this publisher uploads, in bytes (the one table: platforms.py)."""
        return image_bytes(self.name)

    def check(self, item: Item, kit: Kit) -> None:
        """Check the post fits the platform's limits and its card can be sent, without the network."""
        post = item.post
        alt_text = post.alt_text if item.card and self.alt_noun else None
        problems = post_problems(self.name, post.api_text, alt_text, media=bool(item.card))
        if problems:
            raise PublishError(f"{self.name}: post {item.key}: {'; '.join(problems)}")
        if item.card:
            if self.alt_noun and not post.alt_text:
                raise PublishError(f"{self.name}: post {item.key} has a card without {self.alt_noun}")
            kit.card_image(item.card, self.image_limit)

    def call_sdk(
        self, what: str, fn: Callable[[], T], classify: Callable[[Exception, str], Exception], posts: bool
    ) -> T:
        """Call the platform's SDK through the retry policy, its errors sorted by ``classify``.

        ``posts``: the call makes the post. Only such a call may have landed when its answer
        is lost; a lost log-in, upload or lookup is retried as making nothing.
        """

        def sort(exc: Exception, what: str, secrets: Secrets) -> Exception:
            out = classify(exc, what)
            if isinstance(out, Transient) and not posts:
                out.maybe_sent = False
            return out

        return self.retry.call_sdk(what, fn, sort, self.secrets)

    def intent(self, item: Item, kit: Kit, now: dt.datetime) -> Intent:
        """What the ledger records before the call: what makes a repeat safe, or shows it is not."""
        raise NotImplementedError

    def recover(self, item: Item, intent: Intent) -> Remote | None:
        """After a send that was never confirmed: the post found out (its remote), or None to send."""
        raise NotImplementedError

    def refresh(self, intent: Intent, now: dt.datetime) -> Intent:
        """The intent for a post resumed after ``recover`` found it not out (by default the same)."""
        return intent

    def resolve(self, item: Item, ref: str) -> Remote:
        """``--resolve KEY=sent:REF``: the remote of the post a person found."""
        raise NotImplementedError

    def send(
        self, item: Item, kit: Kit, intent: Intent, root: Remote | None, parent: Remote | None
    ) -> Remote:
        """Post ``item`` (replying to ``parent`` in the thread begun by ``root``); return its remote."""
        raise NotImplementedError
