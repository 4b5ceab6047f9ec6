"""The review page: the whole cycle's kit on one static page, to check and copy before posting.

``out/<appeal>/<cycle>/index.html`` shows the totals, then per woman her cards, her posts with
their count against the platform limit, the alt text, and copy buttons; then thread posts, the
long-form appeal and the newsletter at phone and desktop widths. The page must open from disk
(``file://``) with no network: inline CSS and one small inline script, relative links only.

This module turns the build's typed products (:mod:`campaign_kit.model`: cards, posts, appeal
texts, newsletters), gathered in a :class:`PageProducts`, into plain view dictionaries (what to show, in
which order, with which warning); ``templates/review/index.html`` decides how it looks. A part
of the kit that was not built (``--only cards``) simply leaves its section out.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from babel.core import Locale as BabelLocale
from babel.core import UnknownLocaleError
from markupsafe import Markup, escape

from campaign_kit import paths
from campaign_kit.campaign import templating
from campaign_kit.model import AppealText, Card, NewsletterIssue, Post
from campaign_kit.platforms import PLATFORMS
from campaign_kit.render.card_layout import FORMATS, TEXT_AREAS

TEMPLATE = "review/index.html"
REVIEW_INDEX = paths.REVIEW
# Women per review page: a page of 50 (cards lazy-loaded, about 1,400 posts) opens at once; the
# 1,500 of a large roster on one page made a 56 MB document.
PAGE_SIZE = 50
THREADS_PAGE = "index-threads-{lang}.html"
# More roll-call parts than this (the 27 mothers' threads have about 60) and the threads leave
# index.html for a page per language: at 1,500 women they are 4,000 parts and 6 MB.
THREAD_PARTS_INLINE = 200
# Roll-call parts on one threads page at most (about 1.5 MB of page).
THREAD_PARTS_PAGE = 1000
# A list longer than its limit (posts near their limit, women, files) shows its first LIST_FIRST
# entries and its count on the overview, and the whole list on a page of its own: at 15,000
# women the near-limit list alone was 27,715 posts and most of a 10-19 MB overview.
# The file list is folded away, and a week's folder holds a few hundred: it moves later.
LIST_FIRST = 10
LIST_PAGES = (
    ("attention", 100, "index-attention.html", "Posts near or over their limit"),
    ("attention_threads", 100, "index-attention-threads.html", "Roll-call parts near their limit"),
    ("directory", 100, "index-women.html", "Every woman of this review"),
    ("files", 1000, "index-files.html", "Every file in this folder"),
)
# An appeal text longer than this shows its first APPEAL_PREVIEW_CHARS and links the whole.
APPEAL_INLINE_CHARS = 60_000
APPEAL_PREVIEW_CHARS = 6_000
# Past this many pages of women the pager links the first, last and nearest pages only.
PAGER_ALL = 15
# A page is written on in pieces of about this many characters, never held whole.
CHUNK_CHARS = 1 << 18

# Where each platform shows a card's text (Instagram's 3:4 profile grid, a story's safe zone),
# outlined on the card so a reviewer sees what the crop keeps: from the card layouts' own rule.
CROP_LABELS = {"square": "Instagram grid crop", "portrait": "Instagram grid crop", "story": "story safe zone"}
# The page's own words are English (the team's working language); texts keep their own language.
STATUS_LABELS = {
    "sentenced": "Sentenced",
    "pre_trial": "Pre-trial detention",
    "compulsory_treatment": "Compulsory treatment",
    "house_arrest": "House arrest",
    "restricted_freedom": "Restricted freedom",
    "unknown": "Status unknown",
    "released": "Released (not in the total)",
}
SENTENCE_LABELS = {
    "under_3_years": "Under 3 years",
    "3_to_5_years": "3 to 5 years",
    "5_to_10_years": "5 to 10 years",
    "10_years_or_more": "10 years or more",
    "unknown_term": "Term unknown",
}
# At this share of the limit a post is flagged: a late edit to a template could tip it over.
NEAR_LIMIT = 0.9
NEWSLETTER_WIDTHS = (("Phone", 375), ("Desktop", 640))

LANG_RE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*\Z")
TOKEN_RE = re.compile(r"[^a-z0-9]+")
# Attributes through which an e-mail client fetches an image (absolute or relative); links
# (href) stay as sent.
IMAGE_ATTR_RE = re.compile(r"""(\b(?:src|background)\s*=\s*)(["'])([^"'\s<>]+)\2""", re.I)


def _absent(rel: str) -> bytes | None:
    return None


@dataclass(frozen=True)
class PageProducts:
    """What the review page shows: the build's typed products and the cycle folder's file list.

    Attributes:
        files: The folder's manifest entries, relative path -> ``{"path", "sha256", "size"}``:
            the "every file in this folder" listing and the sizes shown. A product whose
            files are not listed here is not shown.
        read: The bytes of a listed file (None if it cannot be read): the page quotes the
            appeal's plain text and the newsletter's HTML and plain text.
        cards: The cards (:class:`campaign_kit.model.Card`), in any order.
        posts: Every post, in ``posts.json`` order; empty when posts were not built.
        appeal: The appeal texts, one per language.
        newsletters: The newsletters, one per language.

    """

    files: Mapping[str, Mapping[str, Any]]
    read: Callable[[str], bytes | None] = _absent
    cards: Sequence[Card] = ()
    posts: Sequence[Post] = ()
    appeal: Sequence[AppealText] = ()
    newsletters: Sequence[NewsletterIssue] = ()


def render_review(**args: Any) -> bytes:
    """The review page of one cycle folder: ``index.html`` of :func:`review_outputs` (same arguments).

    With more than ``PAGE_SIZE`` women this is the overview page only: use ``review_files``
    to get the pages it links.
    """
    return next(review_files(**args))[1]


def review_files(**args: Any) -> Iterator[tuple[str, bytes]]:
    """:func:`review_outputs` (the same keyword arguments) with each page as whole bytes.

    For tests and small folders: the build streams each page's chunks instead.
    """
    for rel, chunks in review_outputs(**args):
        yield rel, b"".join(chunks)


def review_outputs(
    *,
    templates_dir: Path,
    contexts: Mapping[str, dict[str, Any]],
    kit: PageProducts,
    page_size: int | None = None,
) -> Iterator[tuple[str, Iterator[bytes]]]:
    """The review page, split into pages when the cycle has many women.

    Up to ``page_size`` women (default ``PAGE_SIZE``) everything is on ``index.html``.
    Beyond, ``index.html`` is an overview (totals, the posts that need attention, a
    searchable list of every woman, thread posts, appeal, newsletter) and each run of
    ``page_size`` women gets its own page, ``index-2.html``, ``index-3.html`` ..., beside it,
    so no page holds more than ``page_size`` women's cards and posts. The roll-call threads,
    which name every woman, go on a page per language, ``index-threads-<lang>.html``, when
    the women are split or the threads have more than ``THREAD_PARTS_INLINE`` parts (a weekly
    build of a large roster).

    Args:
        templates_dir: The project's ``templates/`` (holds ``review/index.html``).
        contexts: Per language, the template context from ``context.appeal_context``
            (in the build's language order; the first one names the page).
        kit: The products to show and the folder's files.
        page_size: Women per page.

    Yields:
        (path relative to the cycle folder, its UTF-8 bytes in chunks): ``index.html`` first,
        then the pages in order. Each is rendered as its chunks are read, so a build writes a
        page of thousands of roll-call posts without holding it whole; the same inputs always
        give the same bytes.

    Raises:
        TemplateError: the review template is missing or fails.

    """
    size = page_size or PAGE_SIZE
    page = review_view(contexts=contexts, kit=kit)
    women = page["women"]
    thread_parts = sum(group["count"] for block in page["threads"] for group in block["groups"])
    split_women = len(women) > size
    split_threads = bool(page["threads"]) and (split_women or thread_parts > THREAD_PARTS_INLINE)
    chunks = [women[i : i + size] for i in range(0, len(women), size)] if split_women else []
    names = [f"index-{n}.html" for n in range(2, len(chunks) + 2)]
    parts = [
        {
            "href": names[n],
            "first": chunk[0].get("number"),
            "last": chunk[-1].get("number"),
            "n": n + 1,
            "gap": False,
            "key": "women",
        }
        for n, chunk in enumerate(chunks)
    ]
    where: dict[str, str] = {}
    directory = []
    for part, chunk in zip(parts, chunks, strict=True):
        for woman in chunk:
            where[woman["anchor"]] = part["href"]
            for block in woman["languages"]:
                for item in [*block["posts"], *block["alt_texts"]]:
                    where[item["id"]] = part["href"]
            directory.append(
                {
                    "href": f"{part['href']}#{woman['anchor']}",
                    "number": woman.get("number"),
                    "name_latin": woman["name_latin"],
                    "name_cyrillic": woman["name_cyrillic"],
                    "status_line": woman["status_line"],
                    "featured": woman["featured"],
                    "search": " ".join((woman["name_latin"], woman["name_cyrillic"], woman["id"])).lower(),
                }
            )
    # The roll-call threads name every woman: past a few hundred parts (or with the women on
    # pages of their own) each language's threads get a page, and the overview links them.
    threads_pages = []
    for block in page["threads"] if split_threads else ():
        # A language's threads past THREAD_PARTS_PAGE parts go on several pages: at 15,000
        # women one page would pass the template's 16 M character limit and fail the build.
        pieces = _thread_pieces(block, THREAD_PARTS_PAGE)
        for n, piece in enumerate(pieces, start=1):
            href = (
                THREADS_PAGE.format(lang=block["code"])
                if n == 1
                else f"index-threads-{block['code']}-{n}.html"
            )
            english = block["english"] if len(pieces) == 1 else f"{block['english']} {n}/{len(pieces)}"
            count = sum(group["count"] for group in piece["groups"])
            threads_pages.append(
                {"href": href, "english": english, "count": count, "block": piece, "key": "threads"}
            )
            where.setdefault(block["anchor"], href)
            for group in piece["groups"]:
                where.setdefault(group["anchor"], href)
                for post in group["posts"]:
                    where[post["id"]] = href
    for item in [*page["attention"], *page["attention_threads"]]:
        target = item["href"].lstrip("#")
        if target in where:
            item["href"] = f"{where[target]}{item['href']}"
    # Long lists (thousands of posts near their limit, every woman, every file) show their
    # count and first few on the overview; the whole list is a page of its own, read on demand.
    lists: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    for key, inline, href, title in LIST_PAGES:
        full = directory if key == "directory" else page[key]
        if len(full) > inline:
            lists.append({"key": key, "href": href, "title": title, "items": full})
            summary[key] = full[:LIST_FIRST]
            summary[f"{key}_more"] = {"href": href, "count": len(full), "rest": len(full) - LIST_FIRST}
        elif key == "directory":
            summary[key] = full
    nav = {"parts": _pager(parts), "all_parts": len(parts), "threads_pages": threads_pages, "lists": lists}
    overview = {**page, **nav, **summary, "threads": [] if split_threads else page["threads"], "part": None}
    if split_women:
        overview["women"] = []
    yield REVIEW_INDEX, _page(templates_dir, overview)
    for tp in threads_pages:
        view = {**page, **nav, **_ONLY_WOMEN, "women": [], "threads": [tp["block"]], "part": tp}
        yield tp["href"], _page(templates_dir, view)
    for part, chunk in zip(parts, chunks, strict=True):
        view = {**page, **nav, **_ONLY_WOMEN, "women": chunk, "part": part, "parts": _pager(parts, part)}
        yield part["href"], _page(templates_dir, view)
    for listed in lists:
        view = {**page, **nav, **_ONLY_WOMEN, "women": [], "part": listed, listed["key"]: listed["items"]}
        yield listed["href"], _page(templates_dir, view)


def _thread_pieces(block: dict[str, Any], size: int) -> list[dict[str, Any]]:
    """``block``'s thread groups cut into pages of at most ``size`` parts, in order."""
    pieces: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    room = size
    for group in block["groups"]:
        posts = group["posts"]
        start = 0
        while start < len(posts):
            if room == 0:
                pieces.append({**block, "groups": groups})
                groups, room = [], size
            part = posts[start : start + room]
            title = group["title"]
            if len(part) < len(posts):
                title = f"{group['title']}, parts {start + 1} to {start + len(part)} of {len(posts)}"
            groups.append({**group, "title": title, "posts": part, "count": len(part)})
            start += len(part)
            room -= len(part)
    pieces.append({**block, "groups": groups})
    return pieces


def _pager(parts: list[dict[str, Any]], current: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The page links a pager shows: all of a few; of many, the first, last and nearest ones.

    300 pages of women (15,000) linked from every page would be 90,000 links; the women list
    (``index-women.html``) reaches every page anyway.
    """
    if len(parts) <= PAGER_ALL:
        return parts
    at = parts.index(current) if current in parts else 0
    keep = {0, 1, len(parts) - 2, len(parts) - 1, *range(max(0, at - 2), min(len(parts), at + 3))}
    shown: list[dict[str, Any]] = []
    for n in sorted(keep):
        if shown and n != parts.index(shown[-1]) + 1:
            shown.append({"gap": True, "href": ""})
        shown.append(parts[n])
    return shown


# What a page of women (or a threads page) leaves to the overview.
_ONLY_WOMEN: dict[str, Any] = {
    "directory": [],
    "directory_more": None,
    "attention_more": None,
    "attention_threads_more": None,
    "files_more": None,
    "attention": [],
    "attention_threads": [],
    "threads": [],
    "appeal_texts": [],
    "newsletters": [],
    "files": [],
    "other_files": [],
}


def _page(templates_dir: Path, page: Mapping[str, Any]) -> Iterator[bytes]:
    """The review template rendered for ``page``, as UTF-8 in chunks of about ``CHUNK_CHARS``."""
    pending: list[str] = []
    size = 0
    for piece in templating.render_stream(templates_dir, TEMPLATE, {"page": page}):
        pending.append(piece)
        size += len(piece)
        if size >= CHUNK_CHARS:
            yield "".join(pending).encode("utf-8")
            pending, size = [], 0
    yield "".join(pending).encode("utf-8")


def review_view(*, contexts: Mapping[str, dict[str, Any]], kit: PageProducts) -> dict[str, Any]:
    """Everything the review template shows, as plain data (lists in display order).

    Kept separate from rendering so the selection and the warnings can be tested without HTML.
    The template sees it as ``page``: ``title``, ``cycle``, ``org``, ``totals``, ``counts``,
    ``languages``; ``women`` (each with ``languages``: cards, alt texts, posts); ``threads``
    (per language, ``groups`` per platform); ``appeal_texts``; ``newsletters``; ``attention``
    (posts near or over their limit); ``files``. A post carries its text, ``length``, ``limit``,
    ``percent``, ``state`` (``ok``, ``near``, ``over`` or ``none`` without a limit) and the
    ``id`` of the element its copy button copies from.

    "Featured this week" counts and marks the contexts' ``selection`` (the week's recorded
    women, as the manifest has them), whatever ``build --all`` adds beside them.
    """
    return _Builder(contexts, kit).page()


class _Builder:
    """Collects the page's data; ids for copy targets are numbered in display order."""

    def __init__(self, contexts: Mapping[str, dict[str, Any]], kit: PageProducts) -> None:
        self.contexts = contexts
        self.files = {rel: kit.files[rel] for rel in sorted(kit.files)}
        self.read = kit.read
        self.first = next(iter(contexts.values()), {})
        self.posts = list(kit.posts)
        # The cards in this folder (a build --only posts plans cards it does not draw), and
        # every card by path, for the card a post names.
        self.cards = [c for c in kit.cards if c.path in self.files]
        self.card_at = {c.path: c for c in kit.cards}
        self.appeal = {a.lang: a for a in kit.appeal}
        self.newsletters = {n.lang: n for n in kit.newsletters}
        # The week's selection (facts.featured_ids, as the manifest records it), not the
        # everyone a `build --all` makes cards for.
        self.selection = [v["id"] for v in self.first.get("selection", self.first.get("featured", []))]
        self.selection_set = set(self.selection)
        self.serial = 0
        self.attention: list[dict[str, Any]] = []
        self._by_id: dict[str, dict[str, dict[str, Any]]] = {}
        codes = [c for c in contexts if LANG_RE.match(c)]
        # Languages found only in the folder (an earlier build with more languages) still show.
        found = {c.lang for c in self.cards} | {p.lang for p in self.posts}
        self.lang_codes = codes + sorted(c for c in found - set(codes) if LANG_RE.match(c))
        self.langs = {code: self._language(code) for code in self.lang_codes}

    def next_id(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial}"

    # --- languages, people ------------------------------------------------------------

    def _language(self, code: str) -> dict[str, Any]:
        ctx = self.contexts.get(code, {})
        native = ""
        locale = ctx.get("t")
        table = getattr(locale, "table", None)
        if isinstance(table, Mapping) and isinstance(table.get("language"), str):
            native = table["language"]
        english = _english_language_name(code)
        return {"code": code, "english": english, "native": native if native != english else ""}

    def _views(self, code: str) -> dict[str, dict[str, Any]]:
        # Made once per language: asked for every woman, it made the page quadratic in the roster.
        if code not in self._by_id:
            ctx = self.contexts.get(code) or self.first
            self._by_id[code] = {v["id"]: v for v in ctx.get("people", [])}
        return self._by_id[code]

    def page(self) -> dict[str, Any]:
        ctx = self.first
        appeal = ctx.get("appeal", {})
        cycle = ctx.get("cycle", {})
        org = ctx.get("org", {})
        totals = ctx.get("totals", {})
        women = self._women()
        threads = self._threads()
        appeal_texts = self._appeal_texts()
        newsletters = self._newsletters()
        cyrillic = [c for c in self.lang_codes if _script(self.contexts.get(c)) == "cyrillic"]
        return {
            "lang": ctx.get("lang", "en"),
            "title": appeal.get("title", ""),
            "titles": [
                {"lang": code, "title": self.contexts[code]["appeal"]["title"]}
                for code in self.lang_codes
                if code in self.contexts and code != ctx.get("lang")
            ],
            "appeal_key": appeal.get("key", ""),
            "hashtags": list(appeal.get("hashtags", [])),
            "cycle": {
                "id": cycle.get("id", ""),
                "start": cycle.get("start", ""),
                "end": cycle.get("end", ""),
            },
            "as_of": ctx.get("as_of", ""),
            "org": {
                "name": org.get("name", ""),
                "site_url": _http_url(org.get("site_url", "")),
                "site_host": org.get("site_host", ""),
            },
            "totals": {
                "women": totals.get("women"),
                "children": totals.get("children"),
                "by_status": _labelled(totals.get("by_status", {}), STATUS_LABELS),
                "by_sentence": _labelled(totals.get("by_sentence", {}), SENTENCE_LABELS),
            },
            "languages": [self.langs[c] for c in self.lang_codes],
            "cyrillic_lang": cyrillic[0] if cyrillic else "",
            "featured": len(self.selection),
            "women": women,
            "threads": threads,
            "appeal_texts": appeal_texts,
            "newsletters": newsletters,
            # Over the limit first: those cannot be posted at all.
            "attention": sorted(
                (a for a in self.attention if not a["thread"] or a["state"] == "over"),
                key=lambda a: a["state"] != "over",
            ),
            # Roll-call parts are packed as full as they may be: near the limit by design.
            "attention_threads": [a for a in self.attention if a["thread"] and a["state"] == "near"],
            # Set by review_outputs when the women are split over pages, or a list is long.
            "directory": [],
            "directory_more": None,
            "attention_more": None,
            "attention_threads_more": None,
            "files_more": None,
            "lists": [],
            "all_parts": 0,
            "parts": [],
            "part": None,
            "threads_pages": [],
            "counts": {
                "cards": len(self.cards),
                "posts": len(self.posts),
                "near": sum(1 for a in self.attention if a["state"] == "near"),
                "over": sum(1 for a in self.attention if a["state"] == "over"),
            },
            "files": [
                {"href": rel, "size": _size_label(entry.get("size"))} for rel, entry in self.files.items()
            ],
            "other_files": [
                {"href": rel, "size": _size_label(self.files[rel].get("size"))}
                for rel in ("posts.json", "schedule.csv", "manifest.json")
                if rel in self.files
            ],
        }

    def _women(self) -> list[dict[str, Any]]:
        """Featured women first in roster order, then anyone else the folder has files for."""
        cards: dict[tuple[str, str], list[dict[str, Any]]] = {}
        # Formats in the order a reviewer compares them: card_layout's, the one list.
        order = list(FORMATS)
        for card in sorted(
            self.cards, key=lambda c: (order.index(c.format) if c.format in order else len(order), c.format)
        ):
            cards.setdefault((card.person_id, card.lang), []).append(_card(card, self.files[card.path]))
        posts: dict[tuple[str, str], list[Post]] = {}
        people = self.first.get("people", [])
        ids = {v["id"] for v in people}
        for post in self.posts:
            if post.id in ids and post.kind != "thread":
                posts.setdefault((post.id, post.lang), []).append(post)
        featured = set(self.selection) | {v["id"] for v in self.first.get("featured", [])}
        with_files = {pid for pid, _ in cards} | {pid for pid, _ in posts}
        women = []
        for view in people:
            pid = view["id"]
            if pid not in featured and pid not in with_files:
                continue
            women.append(self._woman(view, cards, posts))
        return women

    def _woman(
        self,
        view: Mapping[str, Any],
        cards: Mapping[tuple[str, str], list[dict[str, Any]]],
        posts: Mapping[tuple[str, str], list[Post]],
    ) -> dict[str, Any]:
        pid = view["id"]
        who = view.get("name_latin", pid)
        en = self._views("en").get(pid, view) if "en" in self.contexts else view
        blocks = []
        for code in self.lang_codes:
            lang = self.langs[code]
            local = self._views(code).get(pid, view)
            lang_posts = posts.get((pid, code), [])
            alt_texts = _unique(p.alt_text or "" for p in lang_posts)
            alts = [
                {
                    "id": self.next_id("alt"),
                    "text": _pre_text(alt),
                    "length": len(alt),
                    "label": f"Copy alt text{f' {i}' if len(alt_texts) > 1 else ''}, "
                    f"{lang['english']}, {who}",
                }
                for i, alt in enumerate(alt_texts, start=1)
            ]
            blocks.append(
                {
                    **lang,
                    "anchor": f"{pid}-{code}",
                    "name": local.get("name", ""),
                    "status_line": local.get("status_line", ""),
                    "mother_of": local.get("mother_of", ""),
                    "cards": [
                        {**c, "label": f"{c['title']} card, {c['pixels']}, {lang['english']}, {who}"}
                        for c in cards.get((pid, code), [])
                    ],
                    "alt_texts": alts,
                    "posts": [self._post(p, lang, who, alt_texts[:1]) for p in lang_posts],
                }
            )
        return {
            "id": pid,
            "anchor": f"woman-{pid}",
            "featured": pid in self.selection_set,
            "number": view.get("number"),
            "name_latin": view.get("name_latin", ""),
            # Beside the Latin heading, her name in the first Cyrillic language's own form.
            "name_cyrillic": self._cyrillic_name(pid, view),
            "status_line": en.get("status_line", ""),
            "mother_of": en.get("mother_of", ""),
            "languages": [b for b in blocks if b["cards"] or b["posts"]],
        }

    def _cyrillic_name(self, pid: str, view: Mapping[str, Any]) -> str:
        codes = [c for c in self.lang_codes if _script(self.contexts.get(c)) == "cyrillic"]
        if not codes:
            return view.get("name_ru", "")
        return self._views(codes[0]).get(pid, view).get("name", "")

    # --- posts ------------------------------------------------------------------------

    def _post(
        self, post: Post, lang: Mapping[str, str], who: str | None, shared_alt: list[str]
    ) -> dict[str, Any]:
        platform = post.platform
        label = _platform_label(platform)
        part, parts = post.part, post.parts
        part_label = ""
        if part is not None:
            part_label = f" part {part}" + (f" of {parts}" if parts is not None else "")
        if who is None:
            # Thread parts: named by the thread (or by their own id when it is not a woman's).
            thread = "thread" if post.kind == "thread" or not post.id else post.id
            title = f"{label} {thread}{part_label}"
            heading = (part_label.strip().capitalize() or title) if thread == "thread" else title
            label_who = f", {lang['english']}"
        else:
            title = heading = f"{label}{part_label}"
            label_who = f", {lang['english']}, {who}"
        text, length = post.text, post.length
        limit = post.limit if post.limit > 0 else None
        state, percent, over_by = "none", None, 0
        if limit is not None:
            percent = round(100 * length / limit)
            if length > limit:
                state, over_by = "over", length - limit
            elif length >= NEAR_LIMIT * limit:
                state = "near"
            else:
                state = "ok"
        post_id = self.next_id("post")
        alt = post.alt_text or ""
        api_text = post.api_text if post.api_text != text else None
        view = {
            "id": post_id,
            "platform": platform,
            "title": title,
            "heading": heading,
            "lang": lang["code"],
            "text": _pre_text(text),
            "length": length,
            "limit": limit,
            "percent": percent,
            "bar": min(percent or 0, 100),
            "state": state,
            "over_by": over_by,
            "label": f"Copy {title}{'' if who is None else ' post'}{label_who}",
            "date": post.date.isoformat(),
            "dropped": ", ".join(post.dropped),
            # LinkedIn's API wants escaped text; shown apart so nobody pastes it by hand.
            "api_text": None if api_text is None else _pre_text(api_text),
            "api_id": "" if api_text is None else self.next_id("api"),
            "card": self._card_ref(post.card),
            # Alt text equal to the one shown for the language is not repeated under every post.
            "alt": (
                {
                    "id": self.next_id("alt"),
                    "text": _pre_text(alt),
                    "length": len(alt),
                    "label": f"Copy {title} alt text{label_who}",
                }
                if alt and alt not in shared_alt
                else None
            ),
            "extras": _schedule(post),
        }
        if state in ("near", "over"):
            self.attention.append(
                {
                    "href": f"#{post_id}",
                    "state": state,
                    "title": title,
                    "language": lang["english"],
                    "who": who or "",
                    "length": length,
                    "limit": limit,
                    "over_by": over_by,
                    "thread": who is None,
                }
            )
        return view

    def _threads(self) -> list[dict[str, Any]]:
        """Posts not about one woman (the roll-call thread), per language and platform."""
        people = {v["id"] for v in self.first.get("people", [])}
        others = [p for p in self.posts if p.id not in people or p.kind == "thread"]
        if not others:
            return []
        platforms: list[str] = []
        for p in others:
            if p.platform not in platforms:
                platforms.append(p.platform)
        blocks = []
        for code in self.lang_codes:
            lang = self.langs[code]
            mine = [p for p in others if p.lang == code]
            if not mine:
                continue
            groups = []
            for platform in platforms:
                parts = [p for p in mine if p.platform == platform]
                if not parts:
                    continue
                # Parts in order even if posts.json lists them otherwise; ties keep file order.
                parts.sort(key=lambda p: (p.part is None, p.part or 0))
                label = _platform_label(platform)
                groups.append(
                    {
                        "title": f"{label} thread",
                        "count": len(parts),
                        "anchor": f"threads-{code}-{TOKEN_RE.sub('-', platform.lower()).strip('-')}",
                        "posts": [self._post(p, lang, None, []) for p in parts],
                    }
                )
            blocks.append({**lang, "anchor": f"threads-{code}", "groups": groups})
        return blocks

    # --- appeal and newsletter -------------------------------------------------------

    def _appeal_texts(self) -> list[dict[str, Any]]:
        blocks = []
        for code in self.lang_codes:
            product = self.appeal.get(code)
            if product is None:
                continue
            text = self._text(product.txt)
            links = [rel for rel in (product.html, product.txt) if rel in self.files]
            if text is None and not links:
                continue
            lang = self.langs[code]
            # The roll call of a large appeal is thousands of lines: the page shows the start
            # and links the whole text, and offers no copy of a part as if it were the whole.
            shown, cut = text, 0
            if text is not None and len(text) > APPEAL_INLINE_CHARS:
                head = text[:APPEAL_PREVIEW_CHARS]
                shown = head[: head.rfind("\n") + 1] or head
                cut = text.count("\n", len(shown)) + (not text.endswith("\n"))
            blocks.append(
                {
                    **lang,
                    "anchor": f"appeal-{code}",
                    "id": self.next_id("appeal"),
                    "text": None if shown is None else _pre_text(shown),
                    "cut": cut,
                    "size": _size_label(len(text.encode("utf-8"))) if text is not None else "",
                    "label": f"Copy appeal text, {lang['english']}",
                    "links": links,
                }
            )
        return blocks

    def _newsletters(self) -> list[dict[str, Any]]:
        blocks = []
        for code in self.lang_codes:
            issue = self.newsletters.get(code)
            if issue is None or issue.files.get("html") not in self.files:
                continue
            html_rel = issue.files["html"]
            html = self._text(html_rel)
            lang = self.langs[code]
            srcdoc = None
            if html is not None and _fetches_images(html):
                # A send build loads its images from the asset server: inlined with this
                # folder's copies instead. A preview build's own file links them relatively,
                # so the frames open it (not two inline copies each, 600 kB at 1,500 women).
                srcdoc = _local_images(html, set(self.files), html_rel)
            plain = self._text(issue.files.get("txt", ""))
            blocks.append(
                {
                    **lang,
                    "anchor": f"newsletter-{code}",
                    "srcdoc": srcdoc,
                    "src": html_rel,
                    "frames": [{"label": label, "width": width} for label, width in NEWSLETTER_WIDTHS],
                    "plain": None if plain is None else _pre_text(plain),
                    "plain_id": self.next_id("plain") if plain is not None else "",
                    "plain_label": f"Copy newsletter plain text, {lang['english']}",
                    "links": [
                        issue.files[ext]
                        for ext in ("html", "txt", "mjml", "eml")
                        if issue.files.get(ext) in self.files
                    ],
                }
            )
        return blocks

    def _text(self, rel: str) -> str | None:
        """A text file of the folder, decoded; None when it is not in the folder."""
        data = self.read(rel) if rel in self.files else None
        return None if data is None else data.decode("utf-8", errors="replace")

    def _card_ref(self, path: str | None) -> dict[str, str] | None:
        """The card a post is published with (its format), linked when it is in the folder."""
        if not path:
            return None
        card = self.card_at.get(path)
        return {"name": card.format if card else path, "href": path if path in self.files else ""}


# --- helpers ------------------------------------------------------------------------------


def _platform_label(platform: str) -> str:
    known = PLATFORMS.get(platform)
    return known.title if known else platform.replace("_", " ").title() or "Untitled"


def _pre_text(text: str) -> Markup:
    """``text`` escaped for a ``<pre>`` whose ``textContent`` must give back exactly ``text``.

    HTML parsing turns a carriage return into a newline, so CRs go in as character references;
    the template writes a newline right after ``<pre>`` because the parser drops one there.
    """
    return Markup(str(escape(text)).replace("\r", "&#13;"))


def _unique(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for v in values:
        if v and v not in seen:
            seen.append(v)
    return seen


def _card(card: Card, entry: Mapping[str, Any]) -> dict[str, Any]:
    fmt, size = card.format, (card.width, card.height)
    return {
        "href": card.path,
        "format": fmt,
        "title": fmt.replace("_", " ").replace("-", " ").capitalize(),
        "width": size[0],
        "height": size[1],
        "pixels": f"{size[0]} × {size[1]}",
        "size": _size_label(entry.get("size")),
        "crop": _crop(fmt, size),
    }


def _crop(fmt: str, size: tuple[int, int]) -> dict[str, str] | None:
    """The outline of what the platform shows of a card, as CSS insets in percent."""
    if fmt not in CROP_LABELS:
        return None
    x0, y0, x1, y1 = TEXT_AREAS[fmt]
    w, h = size
    inset = (y0 / h, (w - x1) / w, (h - y1) / h, x0 / w)
    return {
        "label": CROP_LABELS[fmt],
        "style": "inset: " + " ".join(f"{100 * v:.2f}%" for v in inset),
    }


def _schedule(post: Post) -> list[dict[str, str]]:
    """When and from which account the post goes out, where the plan says."""
    out = []
    if post.account:
        out.append({"key": "account", "value": post.account})
    if post.due is not None:
        out.append({"key": "due", "value": post.due.isoformat()})
    return out


def _labelled(counts: Mapping[str, Any], labels: Mapping[str, str]) -> list[dict[str, Any]]:
    return [
        {"key": key, "label": labels.get(key, key.replace("_", " ").capitalize()), "count": n}
        for key, n in counts.items()
    ]


def _size_label(size: Any) -> str:
    if not isinstance(size, int) or isinstance(size, bool):
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _english_language_name(code: str) -> str:
    """``be`` -> "Belarusian", from CLDR: a language added as files needs no entry here."""
    try:
        return BabelLocale.parse(code.replace("-", "_")).get_display_name("en") or code
    except (UnknownLocaleError, ValueError, TypeError):
        return code


def _script(ctx: Mapping[str, Any] | None) -> str:
    return getattr((ctx or {}).get("t"), "script", "")


def _http_url(url: Any) -> str:
    """The organisation link, only if it is a plain http(s) URL (no ``javascript:``)."""
    if isinstance(url, str) and urlsplit(url).scheme in ("http", "https"):
        return url
    return ""


def _fetches_images(html: str) -> bool:
    """Whether the newsletter loads any image from an absolute http(s) address."""
    return any(urlsplit(m.group(3)).scheme in ("http", "https") for m in IMAGE_ATTR_RE.finditer(html))


def _local_images(html: str, local: set[str], base: str = "newsletter/") -> str:
    """Point the newsletter's images at this folder's copies, for an offline preview.

    The sent newsletter loads its images from ``--asset-base-url``; the review page must not
    touch the network, and before upload those URLs may not exist yet. An absolute image URL
    whose path ends in a file of this cycle folder becomes that relative path; links stay as sent.
    A preview build's relative paths (``../cards/...``) are written for the newsletter's own
    file, ``base``; inlined into ``index.html`` they would resolve beside the cycle folder
    (``file://.../out/<appeal>/cards/...``, nothing there), so they are rebased on the folder.
    """

    def swap(m: re.Match[str]) -> str:
        url = m.group(3)
        parts = urlsplit(url)
        if parts.scheme in ("http", "https"):
            path = parts.path.lstrip("/")
            segments = path.split("/")
            for i in range(len(segments)):
                rel = "/".join(segments[i:])
                if rel in local:
                    return f"{m.group(1)}{m.group(2)}{rel}{m.group(2)}"
            return m.group(0)
        if parts.scheme or parts.netloc or url.startswith(("/", "#")):
            return m.group(0)  # data:, cid:, site-absolute: nothing of this folder's
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(parts.path)))
        if rel in local:
            return f"{m.group(1)}{m.group(2)}{quote(rel)}{m.group(2)}"
        return m.group(0)

    return IMAGE_ATTR_RE.sub(swap, html)
