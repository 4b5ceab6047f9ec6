"""Post text per woman, platform and language, fitted to each platform's real rules.

A post template is ordinary Jinja with one extra: its first line declares the *optional parts*
of the post in the order they may be dropped, and the body asks ``keep("part")`` around each::

    {# drop: more_tags, why, cta, tags #}
    {{ p.prose_name }}
    {{ p.status_line }}
    {% if keep("why") %}Her children are growing up without her.{% endif %}

The composer renders the template with every part kept, measures the text with the platform's
own counter (:func:`campaign_kit.platforms.measure`), and while the post breaks a limit it
drops the next declared part and renders again. Whatever is not inside a ``keep`` (her name,
her status) is never dropped, and nothing is ever cut: if the post still does not fit, the
composer raises :class:`~campaign_kit.errors.FitError` naming the woman, the platform, the
language and the overflow. The drop order is data in the template, so a translator can tune
what goes first without touching Python.

The roll call goes out as a numbered thread on the platforms that have threads: every woman
of the appeal on one line (rendered from ``posts/thread/<lang>.txt.j2``), lines packed greedily
into parts that each fit, a woman's line never split across parts.

Outputs (:func:`post_files`): ``posts/<lang>/<platform>.txt`` ready to paste, ``posts.json``
for tools and the review page, ``schedule.csv`` for bulk schedulers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from campaign_kit import paths
from campaign_kit.campaign.config import Appeal, Campaign
from campaign_kit.campaign.cycles import Cycle
from campaign_kit.campaign.schedule import PostingPlan
from campaign_kit.campaign.templating import appeal_search_path, environment, render
from campaign_kit.errors import FitError, TemplateError
from campaign_kit.model import Post
from campaign_kit.output import Data
from campaign_kit.platforms import PLATFORMS, Measure, extract_hashtags, measure

POST_TEMPLATE = "posts/{lang}/{platform}.txt.j2"
ALT_TEMPLATE = "posts/{lang}/_alt.txt.j2"
THREAD_TEMPLATE = "posts/thread/{lang}.txt.j2"

# The header a post template starts with: ``{# drop: a, b, c #}`` (commas or spaces).
_DROP_HEADER = re.compile(r"\A\s*\{#-?\s*drop:(?P<names>[^#]*?)-?#\}")
_PART_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
# Spreadsheet apps run a cell starting with one of these as a formula (CSV injection); tab and
# carriage return are in OWASP's list too.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CardRef:
    """A woman's share cards in one language, as the card renderer wrote them.

    Attributes:
        paths: Card format (``"landscape"``) -> path relative to the cycle's output folder
            (``"cards/en/ablab-hanna/landscape.png"``).
        alt_texts: Card format -> the card renderer's alt text of that card (each format says
            something of its own); a format without one lets the post templates write one.

    """

    paths: Mapping[str, str]
    alt_texts: Mapping[str, str] = field(default_factory=dict)


# --- the drop-order mechanism ---------------------------------------------------------------


@dataclass(frozen=True)
class PostTemplate:
    """A post template and the optional parts it declares, in drop order.

    Attributes:
        name: Template name relative to the templates folder.
        drop_order: Part names, the first dropped first.

    """

    name: str
    drop_order: tuple[str, ...]


def parse_drop_header(source: str, name: str) -> tuple[str, ...]:
    """Read the ``{# drop: a, b #}`` header of a template.

    Args:
        source: The template's text.
        name: Its name, for messages.

    Returns:
        The declared part names in drop order (empty when the template has no header: then
        nothing in it is optional).

    Raises:
        TemplateError: A part name is not a lowercase identifier or is declared twice.

    """
    m = _DROP_HEADER.match(source)
    if not m:
        return ()
    names = tuple(n for n in re.split(r"[\s,]+", m.group("names").strip()) if n)
    for n in names:
        if not _PART_NAME.match(n):
            raise TemplateError(f"{name}: drop header: {n!r} is not a part name (a-z, 0-9, _)")
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise TemplateError(f"{name}: drop header names {', '.join(dupes)} more than once")
    return names


def load_post_template(templates_dir: Path, name: str, appeal_key: str | None = None) -> PostTemplate:
    """Find template ``name`` and read its drop order.

    Args:
        templates_dir: The project's ``templates/`` folder.
        name: e.g. ``posts/en/x.txt.j2``.
        appeal_key: The appeal whose ``templates/appeals/<key>/`` folder is searched first.

    Returns:
        The template with its declared parts.

    Raises:
        TemplateError: The template is missing or its header is malformed.

    """
    # The appeal's own template wins (templates/appeals/<key>/), as it does when it renders.
    env = environment(appeal_search_path(templates_dir, appeal_key))
    try:
        source, _filename, _uptodate = env.loader.get_source(env, name)  # type: ignore[union-attr]
    except (jinja2.TemplateNotFound, OSError):
        raise TemplateError(f"{templates_dir / name}: template not found") from None
    return PostTemplate(name, parse_drop_header(source, str(templates_dir / name)))


def tidy(text: str) -> str:
    """Normalise the whitespace a template leaves, most of all where a dropped part was.

    Each line loses its outer spaces and runs of inner spaces; runs of blank lines become one;
    the text loses leading and trailing blank lines. Nothing else changes.

    Args:
        text: Rendered template output.

    Returns:
        The tidied text (no trailing newline).

    """
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


@dataclass(frozen=True)
class Fitted:
    """A text that keeps every limit of its platform.

    Attributes:
        text: The text.
        measure: How the platform counts it.
        dropped: The parts dropped to make it fit, in order.

    """

    text: str
    measure: Measure
    dropped: tuple[str, ...]


def _keeper(template: PostTemplate, dropped: Sequence[str]) -> Callable[[str], bool]:
    declared = set(template.drop_order)
    gone = set(dropped)

    def keep(part: str) -> bool:
        if part not in declared:
            listed = ", ".join(template.drop_order) or "none"
            raise TemplateError(
                f'keep("{part}"): the part is not in the template\'s drop header (declared: {listed})'
            )
        return part not in gone

    return keep


def describe_overflow(where: str, result: Measure, dropped: Sequence[str]) -> str:
    """The message of a :class:`FitError`: ``"x/en ablab-hanna: 297 of 280, 17 over"``.

    Args:
        where: ``"<platform>/<lang> <what>"``.
        result: The measure of the smallest text the template allows.
        dropped: The parts already dropped.

    Returns:
        One line naming the place, the length against the limit, the overflow, any other broken
        limit, and what was dropped before giving up.

    """
    bits = []
    others = list(result.violations)
    if result.overflow:
        bits.append(f"{result.length} of {result.limit}, {result.overflow} over")
        others = others[1:]  # measure() states the length first; said above in our words
    bits += others
    msg = f"{where}: {'; '.join(bits) or 'does not fit'}"
    if dropped:
        msg += f" (even without {', '.join(dropped)})"
    return msg


def fit(
    templates_dir: Path,
    template: PostTemplate,
    context: Mapping[str, Any],
    platform: str,
    where: str,
    *,
    measure_text: Callable[[str], Measure] | None = None,
    allow_empty: bool = False,
) -> Fitted:
    """Render ``template`` and drop its optional parts, in declared order, until it fits.

    Args:
        templates_dir: The templates folder.
        template: The template and its drop order.
        context: Template variables (``keep`` is added here).
        platform: Platform key whose counter and limits apply.
        where: Names the text in a failure (``"x/en ablab-hanna"``).
        measure_text: How to measure a candidate (default: ``measure(platform, text)``); the
            thread packer measures a line with room left for the part number.
        allow_empty: An empty text is acceptable (a thread's optional intro or outro);
            otherwise it is a template error.

    Returns:
        The first text, dropping parts in order, that keeps every limit.

    Raises:
        FitError: Even with every optional part dropped, the text breaks a limit.
        TemplateError: The template fails to render, or asks ``keep`` for an undeclared part.

    """
    check = measure_text or (lambda text: measure(platform, text))
    dropped: list[str] = []
    last_text: str | None = None
    result: Measure | None = None
    for step in range(len(template.drop_order) + 1):
        if step:
            dropped.append(template.drop_order[step - 1])
        ctx = {**context, "keep": _keeper(template, dropped)}
        text = tidy(render(templates_dir, template.name, ctx))
        if text != last_text:  # dropping a part the text did not use changes nothing
            result = check(text)
            last_text = text
        assert result is not None
        if result.ok:
            if not text and not allow_empty:
                raise TemplateError(f"{templates_dir / template.name}: renders an empty post")
            return Fitted(text, result, tuple(dropped))
    assert result is not None
    raise FitError(describe_overflow(where, result, dropped))


# --- per-woman posts ------------------------------------------------------------------------


def _platform_vars(platform: str) -> dict[str, Any]:
    p = PLATFORMS[platform]
    return {
        "name": p.name,
        "title": p.title,
        "limit": p.text_limit,
        "max_hashtags": p.max_hashtags,
        "max_links": p.max_links,
    }


def _alt_text(
    templates_dir: Path,
    context: Mapping[str, Any],
    person: Mapping[str, Any],
    platform: str,
    given: str | None,
    cache: dict[tuple[str, str], str],
) -> str | None:
    """The alt text to upload with the card, within the platform's alt text limit."""
    spec = PLATFORMS[platform]
    if not spec.alt_text:
        return None  # Telegram photos take no description; the caption says it all
    key = (context["lang"], person["id"])
    own = cache.get(key)
    if own is None:
        name = ALT_TEMPLATE.format(lang=context["lang"])
        own = tidy(render(templates_dir, name, {**context, "p": person})).replace("\n", " ")
        cache[key] = own
    limit = spec.alt_text_limit
    # Alt text limits are documented in characters; code points are never fewer than what a
    # platform counts (graphemes), so len() is the safe side.
    for text in (given, own):
        if text and (limit is None or len(text) <= limit):
            return text
    raise FitError(
        f"{platform}/{context['lang']} {person['id']}: alt text is {len(own)} characters, "
        f"{spec.title} allows {limit}"
    )


def check_hashtags(platform: str, text: str, tags: Iterable[str], where: str) -> None:
    """Make sure every campaign hashtag in ``text`` links whole on ``platform``.

    campaign.toml only allows letters and digits, but a platform's rules can still cut a tag
    (Threads: 50 characters at most); a cut tag links to someone else's conversation.

    Args:
        platform: Platform key.
        text: The post text.
        tags: The appeal's hashtags, with ``#``.
        where: Names the post in the message.

    Raises:
        TemplateError: A tag in the text would not link as written.

    """
    linked = set(extract_hashtags(platform, text))
    for tag in tags:
        if re.search(re.escape(tag) + r"(?!\w)", text) and tag[1:] not in linked:
            title = PLATFORMS[platform].title
            raise TemplateError(f"{where}: {tag} would not link as one hashtag on {title}")


def _api_text(platform: str, text: str) -> str:
    spec = PLATFORMS[platform]
    return spec.escape(text) if spec.escape else text


def render_person_posts(
    *,
    context: Mapping[str, Any],
    platforms: Sequence[str],
    cycle: Cycle,
    templates_dir: Path,
    cards: Mapping[tuple[str, str], CardRef],
    plan: PostingPlan | None = None,
) -> list[Post]:
    """Every featured woman's post on every platform, in one language.

    Args:
        context: The language's context (:func:`campaign_kit.render.context.appeal_context`).
        platforms: Platform keys, in output order.
        cycle: The cycle week (for due times).
        templates_dir: The templates folder.
        cards: ``(lang, id)`` -> her cards; a woman without an entry gets the path the card
            renderer writes to (``cards/<lang>/<id>/<format>.png``) and the template alt text.
        plan: When and from which account each post goes out (default: the default schedule,
            no accounts).

    Returns:
        Posts in order: platform, then featured order.

    Raises:
        FitError: A post cannot fit even with every optional part dropped.
        TemplateError: A template is missing or fails.

    """
    lang = context["lang"]
    featured = list(context["featured"])
    plan = plan or PostingPlan.default(cycle)
    alt_cache: dict[tuple[str, str], str] = {}
    posts: list[Post] = []
    for platform in platforms:
        template = load_post_template(
            templates_dir, POST_TEMPLATE.format(lang=lang, platform=platform), context["appeal"]["key"]
        )
        pvars = _platform_vars(platform)
        account = plan.account(platform, lang)
        for index, person in enumerate(featured):
            due = plan.post_due(platform, index)
            where = f"{platform}/{lang} {person['id']}"
            fitted = fit(
                templates_dir, template, {**context, "p": person, "platform": pvars}, platform, where
            )
            check_hashtags(platform, fitted.text, context["appeal"]["hashtags"], where)
            ref = cards.get((lang, person["id"]))
            fmt = PLATFORMS[platform].card_format
            card = ref.paths.get(fmt) if ref else paths.card(lang, person["id"], fmt)
            own_alt = ref.alt_texts.get(fmt) if ref else None
            alt = _alt_text(templates_dir, context, person, platform, own_alt, alt_cache) if card else None
            posts.append(
                Post(
                    kind="post",
                    id=person["id"],
                    platform=platform,
                    lang=lang,
                    text=fitted.text,
                    api_text=_api_text(platform, fitted.text),
                    length=fitted.measure.length,
                    limit=fitted.measure.limit,
                    alt_text=alt,
                    card=card,
                    date=due.date(),
                    dropped=fitted.dropped,
                    ids=(person["id"],),
                    due=due,
                    account=account,
                )
            )
    return posts


# --- the roll-call thread -------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    kind: str  # "intro", "line", "outro"
    text: str
    person_id: str | None


def _names(text: str, person: Mapping[str, Any]) -> bool:
    # Typography may join a name's words with a no-break space or curl its apostrophe.
    def flat(s: str) -> str:
        return s.replace("\u00a0", " ").replace("’", "'")

    found = flat(text)
    return flat(person["prose_name"]) in found or flat(person["name"]) in found


_NINES = str.maketrans("0123456789", "9999999999")


def _counter(part: int, total: int) -> str:
    return f"{part}/{total}"


def pack_thread(
    items: Sequence[tuple[str, str]],
    fits: Callable[[str], bool],
    *,
    prefix_for: Callable[[int], str],
) -> list[list[int]]:
    """Pack items greedily into parts, never splitting an item.

    Args:
        items: ``(kind, text)``; items of the same kind are joined by a newline, a change of
            kind (intro -> lines -> outro) by a blank line.
        fits: Whether a whole part's text keeps the platform's limits.
        prefix_for: The counter line for part ``i`` (1-based), as wide as the widest.

    Returns:
        For each part, the indices of its items.

    Raises:
        ValueError: An item does not fit in a part of its own (the caller fits items first).

    """
    parts: list[list[int]] = []
    current: list[int] = []
    for i in range(len(items)):
        candidate = [*current, i]
        if fits(prefix_for(len(parts) + 1) + "\n" + join_items([items[j] for j in candidate])):
            current = candidate
            continue
        if not current:
            raise ValueError(f"item {i} does not fit a part of its own")
        parts.append(current)
        current = [i]
        if not fits(prefix_for(len(parts) + 1) + "\n" + items[i][1]):
            raise ValueError(f"item {i} does not fit a part of its own")
    if current:
        parts.append(current)
    return parts


def join_items(items: Sequence[tuple[str, str]]) -> str:
    """Join thread items: a newline within a kind, a blank line where the kind changes."""
    out = ""
    for n, (kind, text) in enumerate(items):
        if n:
            out += "\n" if kind == items[n - 1][0] else "\n\n"
        out += text
    return out


def render_thread(
    *,
    context: Mapping[str, Any],
    platform: str,
    cycle: Cycle,
    templates_dir: Path,
    plan: PostingPlan | None = None,
) -> list[Post]:
    """The appeal's roll call as a numbered thread for one platform and language.

    Every woman of the appeal (``context["people"]``) gets one line, rendered by the thread
    template with ``section="line"``; ``section="intro"`` opens the thread and
    ``section="outro"`` (call to action, link, tags) closes it. Each part starts with its
    counter (``"2/9"``) on a line of its own; a roll call that fits one part has none.

    Args:
        context: The language's context.
        platform: A platform whose roll call is a thread (``Platform.thread``).
        cycle: The cycle week.
        templates_dir: The templates folder.
        plan: When and from which account it goes out (default: the default schedule's
            roll-call day, no account). Parts are plain messages, so each may be as long as
            a text without media (Telegram: 4,096, not a caption's 1,024).

    Returns:
        The parts, in order.

    Raises:
        FitError: A line (or the intro/outro) cannot fit a part even on its own.

    """
    lang = context["lang"]
    template = load_post_template(templates_dir, THREAD_TEMPLATE.format(lang=lang), context["appeal"]["key"])
    base = {**context, "platform": _platform_vars(platform)}
    people = list(context["people"])
    if not people:
        return []
    # Counters are at most as wide as this: a thread has at most one part per item.
    room = _counter(len(people) + 2, len(people) + 2).translate(_NINES) + "\n"

    def measure_item(text: str) -> Measure:
        return measure(platform, room + text, media=False)

    items: list[_Item] = []
    for section in ("intro", "line", "outro"):
        for person in people if section == "line" else [None]:
            who = f"{person['id']} (roll-call line)" if person else f"roll-call {section}"
            fitted = fit(
                templates_dir,
                template,
                {**base, "section": section, "p": person},
                platform,
                f"{platform}/{lang} {who}",
                measure_text=measure_item,
                allow_empty=person is None,
            )
            if person is not None and not _names(fitted.text, person):
                # The roll call's one promise: every woman, by name.
                raise TemplateError(
                    f"{templates_dir / template.name}: the line for {person['id']} does not "
                    "contain her name (p.prose_name or p.name)"
                )
            if fitted.text:
                items.append(_Item(section, fitted.text, person["id"] if person else None))

    pairs = [(it.kind, it.text) for it in items]
    # Pack with counters as wide as the final ones: "10/12" needs more room than "9/9".
    digits = 1
    while True:
        wide = "9" * digits
        try:
            groups = pack_thread(
                pairs,
                lambda text: measure(platform, text, media=False).ok,
                prefix_for=lambda _i, w=wide: f"{w}/{w}",
            )
        except ValueError:  # unreachable: every item was fitted with room for a wider counter
            raise FitError(f"{platform}/{lang} thread: an item does not fit a part") from None
        if len(str(len(groups))) <= digits:
            break
        digits += 1
    plan = plan or PostingPlan.default(cycle)
    due = plan.thread_due(platform)
    account = plan.account(platform, lang)
    posts = []
    for n, group in enumerate(groups, start=1):
        body = join_items([pairs[i] for i in group])
        # A roll call that fits one part (Telegram's 4,096 units) is one message, not "1/1".
        text = body if len(groups) == 1 else _counter(n, len(groups)) + "\n" + body
        result = measure(platform, text, media=False)
        check_hashtags(platform, text, context["appeal"]["hashtags"], f"{platform}/{lang} thread")
        if not result.ok:  # unreachable when packing measured a counter at least as wide
            raise FitError(describe_overflow(f"{platform}/{lang} thread part {n}", result, ()))
        posts.append(
            Post(
                kind="thread",
                id=None,
                platform=platform,
                lang=lang,
                text=text,
                api_text=_api_text(platform, text),
                length=result.length,
                limit=result.limit,
                alt_text=None,
                card=None,
                date=due.date(),
                part=n,
                parts=len(groups),
                ids=tuple(items[i].person_id for i in group if items[i].person_id),
                due=due,
                account=account,
            )
        )
    return posts


# --- everything, and the files --------------------------------------------------------------


def _languages(campaign: Campaign, contexts: Mapping[str, Any]) -> list[str]:
    known = [lang for lang in campaign.languages if lang in contexts]
    return known + sorted(lang for lang in contexts if lang not in known)


def render_posts(
    *,
    contexts: Mapping[str, Mapping[str, Any]],
    campaign: Campaign,
    appeal: Appeal,
    cycle: Cycle,
    templates_dir: Path,
    cards: Mapping[tuple[str, str], CardRef] | None = None,
) -> list[Post]:
    """Every post of a cycle: each featured woman on each platform, and the roll-call threads.

    Args:
        contexts: Language -> its context from :func:`campaign_kit.render.context.appeal_context`
            (with ``featured`` set to the cycle's featured women).
        campaign: campaign.toml (its ``platforms`` and language order).
        appeal: The appeal (must be the one the contexts were made for).
        cycle: The cycle week.
        templates_dir: The templates folder.
        cards: ``(lang, id)`` -> the woman's cards and their alt text, from the card renderer.
            Missing entries (e.g. ``build --only posts``) get the path the card renderer
            writes to and the alt text of ``posts/<lang>/_alt.txt.j2``.

    Returns:
        Posts ordered by language (campaign order), platform (campaign order), then the
        featured women in roster order, then the thread parts.

    Raises:
        FitError: A post cannot fit its platform even with every optional part dropped.
        TemplateError: A template is missing, malformed or fails.

    """
    cards = cards or {}
    plan = PostingPlan(campaign.schedule, campaign.accounts, cycle.start)
    posts: list[Post] = []
    for lang in _languages(campaign, contexts):
        context = contexts[lang]
        if context["appeal"]["key"] != appeal.key:
            raise TemplateError(
                f"context for {lang} is for appeal {context['appeal']['key']!r}, not {appeal.key!r}"
            )
        by_platform: dict[str, list[Post]] = {p: [] for p in campaign.platforms}
        for post in render_person_posts(
            context=context,
            platforms=campaign.platforms,
            cycle=cycle,
            templates_dir=templates_dir,
            cards=cards,
            plan=plan,
        ):
            by_platform[post.platform].append(post)
        for platform in campaign.platforms:
            posts += by_platform[platform]
            if PLATFORMS[platform].thread:
                posts += render_thread(
                    context=context, platform=platform, cycle=cycle, templates_dir=templates_dir, plan=plan
                )
    return posts


def _block_header(post: Post) -> str:
    if post.kind == "thread":
        what = f"roll-call thread {post.part}/{post.parts}"
    else:
        what = str(post.id)
    return f"===== {what} | {post.date.isoformat()} | {post.length}/{post.limit} ====="


def paste_text(posts: Iterable[Post]) -> str:
    """One platform's posts as a file to copy from: a header line, the text, the card.

    The header and footer lines start with ``=====`` / ``-----`` so that what lies between them
    is exactly what to paste.

    Args:
        posts: The posts of one platform and language, in order.

    Returns:
        The file's text, ending in a newline.

    """
    blocks = []
    for post in posts:
        lines = [_block_header(post), post.text]
        if post.card:
            lines += ["----- card: " + post.card]
        if post.alt_text:
            lines += ["----- alt text:", post.alt_text]
        blocks.append("\n".join(lines))
    return "\n\n\n".join(blocks) + "\n"


def neutralise_cell(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula.

    Args:
        value: The cell text.

    Returns:
        The text with a ``'`` in front when it starts with ``= + - @``, a tab or a carriage
        return (spreadsheets then show it as text); otherwise unchanged.

    """
    return "'" + value if value.startswith(_FORMULA_START) else value


SCHEDULE_COLUMNS = (
    "due",
    "due_utc",
    "date",
    "time",
    "timezone_offset",
    "platform",
    "lang",
    "account",
    "id",
    "text",
    "image",
    "alt_text",
)


def _utc_text(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def schedule_csv(posts: Iterable[Post], image_url: Callable[[str], str] | None = None) -> bytes:
    """The featured women's posts as a CSV for bulk schedulers.

    Each row carries its due time three ways, since schedulers read different columns: ``due``
    (ISO 8601 with the schedule's offset), ``due_utc`` (ISO 8601 in UTC, ``Z``), and ``date`` +
    ``time`` (local ``YYYY-MM-DD`` and ``HH:MM``, with ``timezone_offset`` like ``UTC+02:00``).
    ``account`` names where the post goes out (empty where campaign.toml names no account).

    UTF-8 with a byte order mark: Excel reads a CSV without one in the machine's ANSI code page
    and turns every Cyrillic name into mojibake, while Google Sheets, LibreOffice and Python's
    ``utf-8-sig`` drop the mark. Rows end in CRLF (RFC 4180); a newline inside a post stays a
    plain LF inside its quoted field. Thread parts are left out: bulk schedulers post rows as
    separate posts and cannot chain replies, so a thread is posted from ``posts/<lang>/...``
    (or by ``publish``).

    Args:
        posts: Posts in any order.
        image_url: Turns a card's path into the ``image`` cell: an absolute URL for a send
            build (``--asset-base-url``); the path relative to the cycle folder without it.

    Returns:
        The file's bytes, rows sorted by due time, platform, language, id.

    """
    rows = sorted(
        (p for p in posts if p.kind == "post"),
        key=lambda p: (_utc_text(p.due) if p.due else p.date.isoformat(), p.platform, p.lang, p.id or ""),
    )
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(SCHEDULE_COLUMNS)
    for p in rows:
        due = p.due
        offset = due.strftime("%z") if due else ""
        writer.writerow(
            [
                neutralise_cell(v)
                for v in (
                    due.isoformat() if due else "",
                    _utc_text(due) if due else "",
                    p.date.isoformat(),
                    due.strftime("%H:%M") if due else "",
                    # "UTC+02:00": a bare "+02:00" is a formula to a spreadsheet.
                    f"UTC{offset[:3]}:{offset[3:]}" if offset else "",
                    p.platform,
                    p.lang,
                    p.account or "",
                    p.id or "",
                    p.text,
                    (image_url(p.card) if image_url else p.card) if p.card else "",
                    p.alt_text or "",
                )
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def posts_json(posts: Iterable[Post]) -> Iterator[bytes]:
    """``posts.json`` (every post, :meth:`Post.to_dict`, indented by 2) in chunks, a post each.

    The same bytes as ``json.dumps([...], ensure_ascii=False, indent=2) + "\n"``, made one post
    at a time: at 1,500 women the roll-call threads alone are thousands of posts, and the
    whole text with its dicts would be the build's largest use of memory.
    """
    opened = False
    for post in posts:
        # JSON strings hold no raw newline, so every newline is one of indent's line breaks.
        text = json.dumps(post.to_dict(), ensure_ascii=False, indent=2).replace("\n", "\n  ")
        yield (",\n  " if opened else "[\n  ").encode("utf-8") + text.encode("utf-8")
        opened = True
    yield b"\n]\n" if opened else b"[]\n"


def post_outputs(
    posts: Sequence[Post],
    *,
    appeal: str = "",
    cycle: str = "",
    image_url: Callable[[str], str] | None = None,
) -> Iterator[tuple[str, Data]]:
    """The files the posts become, made one at a time as they are written, sorted by path.

    Args:
        posts: From :func:`render_posts`.
        appeal: The appeal key (names the calendar's events).
        cycle: The cycle id (names the calendar's events).
        image_url: For ``schedule.csv``'s image column (see :func:`schedule_csv`).

    Yields:
        ``(path, data)`` relative to the cycle's output folder: ``posts/<lang>/<platform>.txt``
        (posts then thread parts) as bytes, ``posts.json`` as chunks (:func:`posts_json`),
        ``schedule.csv`` (:func:`schedule_csv`) and ``calendar.ics``
        (:func:`campaign_kit.render.calendar.calendar_ics`) as bytes.

    """
    from campaign_kit.render.calendar import calendar_ics

    groups: dict[str, list[Post]] = {}
    for post in posts:
        groups.setdefault(paths.post_paste(post.lang, post.platform), []).append(post)
    makers: dict[str, Callable[[], Data]] = {
        paths.POSTS_JSON: lambda: posts_json(posts),
        paths.SCHEDULE_CSV: lambda: schedule_csv(posts, image_url),
        paths.CALENDAR_ICS: lambda: calendar_ics(posts, appeal=appeal, cycle=cycle),
    }
    for rel, group in groups.items():
        ordered = [p for p in group if p.kind == "post"] + [p for p in group if p.kind == "thread"]
        makers[rel] = lambda ordered=ordered: paste_text(ordered).encode("utf-8")
    for rel in sorted(makers):
        yield rel, makers[rel]()


def post_files(posts: Sequence[Post], **options: Any) -> dict[str, bytes]:
    """:func:`post_outputs` as whole bytes by path (for tests and tools that want them all)."""
    return {
        rel: data if isinstance(data, bytes) else b"".join(data)
        for rel, data in post_outputs(posts, **options)
    }
