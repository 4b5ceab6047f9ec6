"""The products a build makes, typed: what renderers return and later commands read back.

Each product has one ``to_dict``/``from_dict`` pair. ``posts.json`` holds the posts and
``manifest.json`` holds the cards, appeal texts and newsletters, so ``publish`` (or any later
command) reads typed products from a built cycle with :func:`read_cycle` instead of re-parsing
file names or text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self, TypeVar

from campaign_kit import jsonstrict, paths
from campaign_kit.errors import BuildError


def _get(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind):
        raise BuildError(f"{where}: field {key!r} is missing or of the wrong type")
    return value


def _opt(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = data.get(key)
    if value is not None and not isinstance(value, kind):
        raise BuildError(f"{where}: field {key!r} is of the wrong type")
    return value


P = TypeVar("P")


@functools.cache
def _record_fields(cls: type) -> tuple[tuple[str, type, bool, bool], ...]:
    """Each field of the dataclass ``cls``: name, JSON type, may be null, read as a tuple."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        kind, optional = hints[f.name], False
        if isinstance(kind, types.UnionType) and type(None) in kind.__args__:
            (kind,) = (a for a in kind.__args__ if a is not type(None))
            optional = True
        array = typing.get_origin(kind) is tuple
        out.append((f.name, list if array else kind, optional, array))
    return tuple(out)


def _from_record(cls: type[P], data: Mapping[str, Any], where: str, **given: Any) -> P:
    """A product from its JSON record: each field not ``given`` read as its annotation says.

    A ``str``/``int``/``bool`` field must be there with that type; ``X | None`` may be null or
    absent; ``tuple[...]`` is a JSON array. BuildError names the first field that is not so.
    """
    values = dict(given)
    for name, kind, optional, array in _record_fields(cls):
        if name not in given:
            value = (_opt if optional else _get)(data, name, kind, where)
            values[name] = tuple(value) if array and value is not None else value
    return cls(**values)


class _Record:
    """A product whose JSON record is its fields by name, in order (``manifest.json``)."""

    # What a malformed record is called in messages when the caller names no place.
    record_name: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: every field, in order."""
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str | None = None) -> Self:
        """Read the product back from :meth:`to_dict`'s form; BuildError if it is malformed."""
        return _from_record(cls, data, where or cls.record_name)


@dataclass(frozen=True)
class Card(_Record):
    """One share card of one woman in one language and format.

    Attributes:
        person_id: Her roster id.
        lang: Language code of the card's text.
        format: Card format name (``"square"``, ``"landscape"``, ...).
        path: Path relative to the cycle folder (:func:`campaign_kit.paths.card`).
        alt_text: What the card says, for screen readers.
        width: Pixel width.
        height: Pixel height.

    """

    record_name = "card"

    person_id: str
    lang: str
    format: str
    path: str
    alt_text: str
    width: int
    height: int

    def outputs(self) -> tuple[str, ...]:
        """The files the product is made of."""
        return (self.path,)


@dataclass(frozen=True)
class Post(_Record):
    """One post, ready to publish.

    Attributes:
        kind: ``"post"`` (about one featured woman) or ``"thread"`` (a part of the roll call).
        id: The woman's id for a post; None for a thread part (see ``ids``).
        platform: Platform key (``"x"``).
        lang: Language code.
        text: The text as a person pastes it into the platform's composer.
        api_text: The text as the platform's API takes it: LinkedIn's escaped "little" format,
            the same as ``text`` elsewhere.
        length: ``text``'s length as the platform counts it.
        limit: The platform's limit for this post.
        alt_text: The card's alt text (None without a card, or where images take none).
        card: The card's path relative to the cycle's output folder, or None.
        date: The day in the cycle week it is scheduled for (the local date of ``due``).
        dropped: Optional parts left out to fit, in the order dropped.
        part: For a thread part, its number (1-based); None for a post.
        parts: For a thread part, how many parts the thread has; None for a post.
        ids: The women named in the text, in order.
        due: When it is to go out: local time in the schedule's zone, with its offset
            (:mod:`campaign_kit.campaign.schedule`); None in a posts.json written before the plan.
        account: The account it goes out from (``bluesky:belaruswomen.bsky.social``: platform
            and handle, chat or URL, never a secret); None where campaign.toml names none for
            its platform and language.

    """

    record_name = "post"

    kind: str
    id: str | None
    platform: str
    lang: str
    text: str
    api_text: str
    length: int
    limit: int
    alt_text: str | None
    card: str | None
    date: dt.date
    dropped: tuple[str, ...] = ()
    part: int | None = None
    parts: int | None = None
    ids: tuple[str, ...] = field(default=())
    due: dt.datetime | None = None
    account: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the shape of a ``posts.json`` record, stable key order)."""
        return {
            "kind": self.kind,
            "id": self.id,
            "platform": self.platform,
            "lang": self.lang,
            "date": self.date.isoformat(),
            "due": self.due.isoformat() if self.due else None,
            "account": self.account,
            "text": self.text,
            "api_text": self.api_text,
            "length": self.length,
            "limit": self.limit,
            "alt_text": self.alt_text,
            "card": self.card,
            "dropped": list(self.dropped),
            "part": self.part,
            "parts": self.parts,
            "ids": list(self.ids),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str | None = None) -> Post:
        """Read a post back from :meth:`to_dict`'s form; BuildError if it is malformed."""
        where = where or cls.record_name
        try:
            date = dt.date.fromisoformat(_get(data, "date", str, where))
        except ValueError:
            raise BuildError(f"{where}: field 'date' is not a YYYY-MM-DD date") from None
        due_text = _opt(data, "due", str, where)
        due = None
        if due_text is not None:
            try:
                due = dt.datetime.fromisoformat(due_text)
            except ValueError:
                due = None
            if due is None or due.tzinfo is None:
                raise BuildError(f"{where}: field 'due' is not an ISO 8601 time with an offset") from None
        return _from_record(cls, data, where, date=date, due=due)


@dataclass(frozen=True)
class AppealText(_Record):
    """The long-form appeal of one language: its plain-text and HTML files."""

    record_name = "appeal"

    lang: str
    txt: str
    html: str

    def outputs(self) -> tuple[str, ...]:
        """The files the product is made of."""
        return (self.txt, self.html)


@dataclass(frozen=True)
class NewsletterIssue(_Record):
    """One language's newsletter: subject, preheader and its four files.

    Attributes:
        lang: Language code.
        subject: The subject line.
        preheader: The inbox preview text.
        files: Extension (``mjml``, ``html``, ``txt``, ``eml``) -> path relative to the cycle folder.
        send: Built for sending (absolute image URLs from ``--asset-base-url``), not a preview.

    """

    record_name = "newsletter"

    lang: str
    subject: str
    preheader: str
    files: Mapping[str, str]
    send: bool

    def outputs(self) -> tuple[str, ...]:
        """The files the product is made of."""
        return tuple(self.files[k] for k in sorted(self.files))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (a ``manifest.json`` ``products.newsletter`` record)."""
        return {
            "lang": self.lang,
            "subject": self.subject,
            "preheader": self.preheader,
            "files": dict(sorted(self.files.items())),
            "send": self.send,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str | None = None) -> NewsletterIssue:
        """Read a newsletter back from :meth:`to_dict`'s form."""
        where = where or cls.record_name
        files = _get(data, "files", dict, where)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
            raise BuildError(f"{where}: field 'files' must map extensions to paths")
        return _from_record(cls, data, where, files=files)


# What a kind may publish for the kinds after it, by the manifest section that holds it.
PRODUCT_TYPES: dict[str, type[Card] | type[AppealText] | type[NewsletterIssue]] = {
    "cards": Card,
    "appeal": AppealText,
    "newsletter": NewsletterIssue,
}


@dataclass(frozen=True)
class BuiltCycle:
    """A built cycle folder, read back as typed products.

    Attributes:
        folder: The cycle folder.
        manifest: The parsed ``manifest.json``.
        cards: Every card the manifest lists.
        posts: Every post of ``posts.json`` (empty if posts were not built).
        appeal: The appeal texts, by language.
        newsletters: The newsletters, by language.

    """

    folder: Path
    manifest: Mapping[str, Any]
    cards: tuple[Card, ...]
    posts: tuple[Post, ...]
    appeal: tuple[AppealText, ...]
    newsletters: tuple[NewsletterIssue, ...]


def _read_json(path: Path) -> Any:
    return jsonstrict.read_file(path, BuildError, hint="; build the cycle first")


def read_cycle(folder: Path) -> BuiltCycle:
    """Read a built cycle's products from its manifest and ``posts.json``.

    Raises:
        BuildError: The folder has no manifest, or a product record is malformed.

    """
    manifest = _read_json(folder / paths.MANIFEST)
    posts = _read_json(folder / paths.POSTS_JSON) if (folder / paths.POSTS_JSON).is_file() else None
    return parse_cycle(folder, manifest, posts)


def parse_cycle(folder: Path, manifest: Any, raw_posts: Any) -> BuiltCycle:
    """A built cycle from its parsed manifest and ``posts.json`` (None when posts were not built).

    For callers that read the files themselves (``approve`` and ``publish`` read them once,
    without following links, and hash the very bytes they parse).

    Raises:
        BuildError: A product record is malformed.

    """
    if not isinstance(manifest, dict):
        raise BuildError(f"{folder / paths.MANIFEST}: not a manifest")
    products = manifest.get("products") or {}
    if not isinstance(products, dict):
        raise BuildError(f"{folder / paths.MANIFEST}: 'products' must be an object")

    def section(name: str) -> list[Any]:
        items = products.get(name, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise BuildError(f"{folder / paths.MANIFEST}: products.{name} must be a list of objects")
        where = f"{folder / paths.MANIFEST}: products.{name}"
        return [PRODUCT_TYPES[name].from_dict(item, f"{where}[{n}]") for n, item in enumerate(items)]

    posts = [] if raw_posts is None else parse_posts(raw_posts, str(folder / paths.POSTS_JSON))
    return BuiltCycle(
        folder=folder,
        manifest=manifest,
        cards=tuple(section("cards")),
        posts=tuple(posts),
        appeal=tuple(section("appeal")),
        newsletters=tuple(section("newsletter")),
    )


def parse_posts(raw: Any, where: str) -> list[Post]:
    """The posts of a parsed ``posts.json``; ``where`` names the file in messages.

    Raises:
        BuildError: It is not a list of whole posts (the first bad field named).

    """
    if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
        raise BuildError(f"{where}: must be a list of posts")
    return [Post.from_dict(p, f"{where}[{n}]") for n, p in enumerate(raw)]
