"""Every platform's rules, and each platform's own way of counting a post.

A post that fits on one platform can overflow on another, because each counts differently:
X weighs code points and counts every link as 23, Bluesky counts graphemes *and* UTF-8 bytes,
Telegram counts UTF-16 units. :data:`PLATFORMS` holds one :class:`Platform` per network, with
the exact counting function; :func:`measure` applies all of a platform's limits to a text and
says in words what is over.

Where a platform does not document how it counts, the counter here errs on the large side
(UTF-16 units, emoji as bytes), so a post that passes here also passes there. X is counted
exactly as the official twitter-text 3.1.0 library does (config v3), using its TLD list and
the emoji that library recognises, shipped in ``data/twitter_text/`` (see ``NOTICE.md`` there).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import regex

from campaign_kit import jsonstrict
from campaign_kit.errors import CampaignKitError

__all__ = [
    "PLATFORMS",
    "X_CONFIG",
    "Hashtag",
    "Measure",
    "ParsedTweet",
    "Platform",
    "Url",
    "XConfig",
    "count_links",
    "escape_linkedin",
    "extract_hashtags",
    "extract_urls",
    "find_hashtags",
    "get_platform",
    "graphemes",
    "hashtag_is_valid",
    "linkedin_length",
    "mastodon_length",
    "measure",
    "parse_tweet",
    "threads_length",
    "unescape_linkedin",
    "utf8_bytes",
    "utf16_units",
    "x_weighted_length",
]

# ---------------------------------------------------------------------------------------------
# Plain units
# ---------------------------------------------------------------------------------------------

_GRAPHEME = regex.compile(r"\X")


def graphemes(text: str) -> int:
    r"""Count extended grapheme clusters (UAX #29), what a reader sees as characters.

    Args:
        text: Any text.

    Returns:
        The number of ``\X`` matches, so ``"👩‍👩‍👧"`` and ``"é"`` (e + accent) count 1 each.

    """
    return len(_GRAPHEME.findall(text))


def utf16_units(text: str) -> int:
    """Count UTF-16 code units, JavaScript's ``string.length``.

    Args:
        text: Any text.

    Returns:
        The number of 16-bit units: 1 per BMP code point, 2 per astral one (most emoji).

    """
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf8_bytes(text: str) -> int:
    """Count the bytes of the UTF-8 encoding.

    Args:
        text: Any text.

    Returns:
        The encoded size: Latin 1 byte, Cyrillic 2, most emoji 4 per code point.

    """
    return len(text.encode("utf-8", "surrogatepass"))


# ---------------------------------------------------------------------------------------------
# X: twitter-text configuration
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class XConfig:
    """A twitter-text weighting configuration (the format of ``config/v3.json``).

    Attributes:
        version: Configuration version (2 or 3 in the published files).
        max_weighted_length: Longest valid post, in weighted characters (280).
        scale: Divisor that turns summed weights into characters (100).
        default_weight: Weight of a code point outside every range, and of an emoji (200).
        transformed_url_length: What any URL counts, in characters (23).
        emoji_parsing: Whether an emoji sequence weighs ``default_weight`` as a whole (v3).
        ranges: ``(start, end, weight)`` code point ranges, inclusive, first match wins.

    """

    version: int
    max_weighted_length: int
    scale: int
    default_weight: int
    transformed_url_length: int
    emoji_parsing: bool
    ranges: tuple[tuple[int, int, int], ...]

    @classmethod
    def from_json(cls, data: str | bytes | Path | Mapping[str, Any]) -> XConfig:
        """Build a configuration from twitter-text's JSON format.

        Args:
            data: A mapping already parsed, JSON text, or the path of a JSON file.

        Returns:
            The configuration.

        Raises:
            CampaignKitError: A required key is missing or not a number.

        """
        if isinstance(data, Path):
            data = data.read_text(encoding="utf-8")
        raw: Any = jsonstrict.loads(data) if isinstance(data, str | bytes) else data
        try:
            return cls(
                version=int(raw["version"]),
                max_weighted_length=int(raw["maxWeightedTweetLength"]),
                scale=int(raw["scale"]),
                default_weight=int(raw["defaultWeight"]),
                transformed_url_length=int(raw.get("transformedURLLength", 23)),
                emoji_parsing=bool(raw.get("emojiParsingEnabled", False)),
                ranges=tuple(
                    (int(r["start"]), int(r["end"]), int(r["weight"])) for r in raw.get("ranges", ())
                ),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CampaignKitError(f"invalid twitter-text configuration: {exc!r}") from exc

    def weight(self, code_point: int) -> int:
        """Return the weight of one code point (before dividing by ``scale``).

        Args:
            code_point: The code point, e.g. ``ord("№")``.

        Returns:
            The weight of the first range holding it, else ``default_weight``.

        """
        for start, end, weight in self.ranges:
            if start <= code_point <= end:
                return weight
        return self.default_weight


# The published config/v3.json, which X uses today; tests check it against the file.
X_CONFIG = XConfig(
    version=3,
    max_weighted_length=280,
    scale=100,
    default_weight=200,
    transformed_url_length=23,
    emoji_parsing=True,
    ranges=((0, 4351, 100), (8192, 8205, 100), (8208, 8223, 100), (8242, 8247, 100)),
)

# ---------------------------------------------------------------------------------------------
# X: URL extraction, the twitter-text grammar
# ---------------------------------------------------------------------------------------------

_DATA = ("data", "twitter_text")

_LATIN_ACCENTS = (
    r"\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259"
    r"\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC = r"\u0400-\u04ff"
_SPACES = r"\t-\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_INVALID = r"\ufffe\ufeff\uffff"
_DIRECTIONAL = r"\u202a-\u202e\u061c\u200e\u200f\u2066-\u2069"
# twitter-text's punctuation set; it leaves out '"' and '`', so those may sit in a domain.
_PUNCT = r"!'#%&()*+,\\\-./:;<=>?@\[\]\^_{|}~$"
_X_INVALID_CHARS = frozenset("\ufffe\ufeff\uffff")


def _data_text(name: str) -> str:
    return resources.files("campaign_kit").joinpath(*_DATA, name).read_text(encoding="utf-8")


@cache
def _tlds() -> tuple[tuple[str, ...], tuple[str, ...]]:
    sections: dict[str, list[str]] = {"generic": [], "country": []}
    current: list[str] | None = None
    for line in _data_text("tlds.txt").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections[line[1:-1]]
        elif current is not None:
            current.append(line)
    return tuple(sections["generic"]), tuple(sections["country"])


class _UrlRegexes(NamedTuple):
    url: regex.Pattern[str]
    ascii_domain: regex.Pattern[str]
    tco: regex.Pattern[str]


@cache
def _url_regexes() -> _UrlRegexes:
    generic, country = _tlds()
    # The list keeps twitter-text's order (reverse alphabetical), so a TLD comes before its
    # prefixes; the lookahead stops "co" matching inside "com".
    tld_end = r"(?=[^A-Za-z0-9@+\-]|$)"
    gtld = "(?:(?i:" + "|".join(regex.escape(t) for t in generic) + ")" + tld_end + ")"
    cctld = "(?:(?i:" + "|".join(regex.escape(t) for t in country) + ")" + tld_end + ")"
    punycode = r"(?:(?i:xn--)[\-0-9A-Za-z]+)"
    tld = f"(?:{gtld}|{cctld}|{punycode})"

    d = f"[^{_PUNCT}{_SPACES}{_INVALID}{_DIRECTIONAL}]"
    subdomain = rf"(?:(?:{d}(?:[_\-]|{d})*)?{d}\.)"
    domain_name = rf"(?:(?:{d}(?:-|{d})*)?{d}\.)"
    domain = f"(?:{subdomain}*{domain_name}{tld})"

    path_char = rf"[A-Za-z{_CYRILLIC}0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{_LATIN_ACCENTS}]"
    parens = rf"\((?:{path_char}+|(?:{path_char}*\({path_char}+\){path_char}*))\)"
    path_end_char = rf"[+\-A-Za-z{_CYRILLIC}0-9=_#/{_LATIN_ACCENTS}]"
    # The library splices the ending characters in without brackets, so a balanced "(...)"
    # can only end the path as a whole segment: "/a..(x)" stops at "/a". Kept for fidelity.
    path = rf"(?:(?:{path_char}*(?:{parens}{path_char}*)*{path_end_char}|{parens})|(?:@{path_char}+/))"
    query_char = r"[A-Za-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
    query_end = r"[A-Za-z0-9\-_&=#/]"
    preceding = rf"(?:[^A-Za-z0-9@\uff20$#\uff03{_INVALID}]|[{_DIRECTIONAL}]|^)"

    url = regex.compile(
        rf"(?P<before>{preceding})"
        rf"(?P<url>(?P<protocol>(?i:https?://))?(?P<domain>{domain})"
        rf"(?::(?P<port>[0-9]+))?(?P<path>/{path}*)?(?P<query>\?{query_char}*{query_end})?)"
    )
    ascii_domain = regex.compile(
        rf"(?:(?:[\-A-Za-z0-9{_LATIN_ACCENTS}]+)\.)+(?:{gtld}|{cctld}|{punycode})",
        regex.IGNORECASE,
    )
    tco = regex.compile(rf"(?i:https?://t\.co/)([A-Za-z0-9]+)(?:\?{query_char}*{query_end})?")
    return _UrlRegexes(url, ascii_domain, tco)


class Url(NamedTuple):
    """A URL found in a text.

    Attributes:
        url: The URL as written (without the character before it).
        start: Index of its first character in the text (code points).
        end: Index just past its last character.

    """

    url: str
    start: int
    end: int


_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG_LENGTH = 40
_MAX_LABEL_LENGTH = 63
_IDN_SEPARATORS = regex.compile(r"[.\u3002\uff0e\uff61]")


def _to_utf16(text: str) -> str:
    # One str character per UTF-16 unit (astral characters become surrogate pairs), so the
    # URL grammar sees text as the JavaScript library does: after an emoji glued to a domain,
    # the emoji's low surrogate starts the domain's first label.
    if not text or max(text) <= "\uffff":
        return text
    out = []
    for char in text:
        code = ord(char) - 0x10000
        out.append(char if code < 0 else chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF)))
    return "".join(out)


def _from_utf16(units: str) -> str:
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _ascii_label_length(label: str) -> int:
    # punycode.toASCII: non-ASCII labels become "xn--" + RFC 3492 encoding; it also splits
    # on the ideographic full stops, so a label holding one is measured as it would be sent.
    parts = _IDN_SEPARATORS.split(_from_utf16(label))
    encoded = [p if p.isascii() else "xn--" + p.encode("punycode").decode("ascii") for p in parts]
    return len(".".join(encoded))


def _domain_is_valid(domain: str) -> bool:
    # twitter-text's lightweight IDNA check: a punycode domain must hold an ASCII domain and
    # every DNS label must encode to 1-63 characters (so a 64-letter label is no URL).
    if domain.startswith("xn--") and not _url_regexes().ascii_domain.search(domain):
        return False
    return all(1 <= _ascii_label_length(label) <= _MAX_LABEL_LENGTH for label in domain.split("."))


# A URL never holds a space (no part of the grammar admits one), and the character before it
# may be a space or the start of the text alike; so the grammar can run on each space-free run
# on its own, and only on the runs that could hold a URL. Same matches, several times faster
# than scanning every position of a long post.
_NON_SPACE_RUN = regex.compile(f"[^{_SPACES}]+")


def _find_urls(units: str, without_protocol: bool) -> list[tuple[str, int, int]]:
    # The library's extractUrlsWithIndices on a UTF-16 unit string: (URL, start, end) with
    # UTF-16 indices. The URL may be shorter than its span: for a bare domain with a path,
    # only the ASCII part of the domain is kept but the span still runs over the rest.
    if not units or "." not in units or not (without_protocol or "://" in units):
        return []
    found: list[tuple[str, int, int]] = []
    for run in _NON_SPACE_RUN.finditer(units):
        text = run.group()
        # Every domain has a dot with its TLD after it, so a sentence's closing full stop
        # alone is no reason to look; without bare domains, a URL needs its "://".
        if "." in text[:-1] and (without_protocol or "://" in text):
            _find_urls_in_run(text, run.start(), without_protocol, found)
    return found


def _find_urls_in_run(
    units: str, offset: int, without_protocol: bool, found: list[tuple[str, int, int]]
) -> None:
    rx = _url_regexes()
    for m in rx.url.finditer(units):
        url, protocol, domain = m.group("url"), m.group("protocol"), m.group("domain")
        start, end = offset + m.start("url"), offset + m.end("url")
        if not _domain_is_valid(domain):
            continue
        if len(protocol or "https://") + len(url) > _MAX_URL_LENGTH:
            continue
        if protocol:
            tco = rx.tco.match(url)
            if tco:
                if len(tco.group(1)) > _MAX_TCO_SLUG_LENGTH:
                    continue
                # A t.co link ends where its slug (and query) ends: "t.co/abc's" stops at "c".
                url = tco.group(0)
                end = start + len(url)
            found.append((url, start, end))
            continue
        if not without_protocol or regex.search(r"[\-_./]\Z", m.group("before")):
            continue
        # Without a protocol only ASCII (and Latin-accented) domains are linked, each one found.
        ascii_end = 0
        last = -1
        for ascii_domain in rx.ascii_domain.finditer(domain):
            ascii_start = domain.find(ascii_domain.group(0), ascii_end)
            ascii_end = ascii_start + len(ascii_domain.group(0))
            found.append((ascii_domain.group(0), start + ascii_start, start + ascii_end))
            last = len(found) - 1
        if last >= 0 and m.group("path"):
            found[last] = (url.replace(domain, found[last][0], 1), found[last][1], end)


def _code_point_index(units: str) -> list[int]:
    # For each UTF-16 index (and the end), the code point index it falls in.
    index = [0] * (len(units) + 1)
    count = 0
    for position, unit in enumerate(units):
        index[position] = count
        if not "\ud800" <= unit <= "\udbff":
            count += 1
    index[len(units)] = count
    return index


def extract_urls(text: str, *, without_protocol: bool = True) -> list[Url]:
    """Find URLs the way twitter-text 3.1.0 does (and Mastodon, which uses its Ruby twin).

    Bare domains such as ``spring96.org`` or ``minsk.by/news`` count as URLs unless
    ``without_protocol`` is false; a domain must end in a known TLD (``data/twitter_text``).

    Args:
        text: The post text.
        without_protocol: Also find URLs written without ``http://`` or ``https://``.

    Returns:
        The URLs in order of appearance, with code point indices. Like the library, a bare
        domain keeps only its ASCII part while its span may cover a little more.

    """
    units = _to_utf16(text)
    found = _find_urls(units, without_protocol)
    if units is text:
        return [Url(url, start, end) for url, start, end in found]
    # A URL never starts or ends inside a surrogate pair, so the mapping is exact.
    at = _code_point_index(units)
    return [Url(_from_utf16(url), at[start], at[end]) for url, start, end in found]


def count_links(text: str) -> int:
    """Count the links in a text, bare domains included (as X and Threads link them).

    Args:
        text: The post text.

    Returns:
        How many URLs :func:`extract_urls` finds.

    """
    return len(extract_urls(text))


# ---------------------------------------------------------------------------------------------
# X: emoji as twitter-text 3.1.0 sees them
# ---------------------------------------------------------------------------------------------


class _EmojiTable(NamedTuple):
    sequences: frozenset[str]
    first_chars: frozenset[str]
    longest: int
    not_before_fe0e: frozenset[str]


@cache
def _emoji_table() -> _EmojiTable:
    sequences: set[str] = set()
    text_style: set[str] = set()
    for line in _data_text("emoji.txt").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split()
        flagged = fields[-1] == "!FE0E"
        emoji = "".join(chr(int(f, 16)) for f in fields if f != "!FE0E")
        sequences.add(emoji)
        if flagged:
            text_style.add(emoji)
    return _EmojiTable(
        frozenset(sequences),
        frozenset(s[0] for s in sequences),
        max(map(len, sequences)),
        frozenset(text_style),
    )


def _x_emoji_spans(text: str) -> dict[int, int]:
    # The official library's emoji pattern is a list of fixed strings; taking the longest one
    # at each position reproduces its matches exactly (checked on 41,490 strings). Grapheme
    # clusters cannot: "❤️‍🔥" is one grapheme, but the library sees "❤️", ZWJ, "🔥" (= 5).
    table = _emoji_table()
    spans: dict[int, int] = {}
    i, n = 0, len(text)
    while i < n:
        if text[i] in table.first_chars:
            for size in range(min(table.longest, n - i), 0, -1):
                candidate = text[i : i + size]
                if candidate not in table.sequences:
                    continue
                if candidate in table.not_before_fe0e and text[i + 1 : i + 2] == "\ufe0e":
                    continue
                spans[i] = i + size
                i += size
                break
            else:
                i += 1
        else:
            i += 1
    return spans


# ---------------------------------------------------------------------------------------------
# X: weighted length
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedTweet:
    """twitter-text's ``parseTweet`` result; ranges are UTF-16 indices into the input text.

    Attributes:
        weighted_length: Length as X counts it (rounded up if the weights do not divide).
        valid: Not empty, within the limit, and free of U+FFFE, U+FEFF and U+FFFF.
        permillage: ``weighted_length`` per mille of the limit, rounded down.
        valid_range_start: Always 0.
        valid_range_end: UTF-16 index of the last character that still fits.
        display_range_start: Always 0.
        display_range_end: UTF-16 index of the last character.

    """

    weighted_length: int
    valid: bool
    permillage: int
    valid_range_start: int
    valid_range_end: int
    display_range_start: int
    display_range_end: int


def parse_tweet(text: str, config: XConfig = X_CONFIG) -> ParsedTweet:
    """Measure a post exactly as twitter-text 3.1.0's ``parseTweet`` does.

    The text is NFC-normalised; each URL (bare domains too) weighs
    ``transformed_url_length``, each emoji the library recognises weighs ``default_weight``
    (with ``emoji_parsing``), every other code point the weight of its range.

    Args:
        text: The post text.
        config: The weighting; :data:`X_CONFIG` (v3) unless testing an older one.

    Returns:
        Length, validity and the ranges the official library reports.

    """
    normalized = unicodedata.normalize("NFC", text)
    # The library walks UTF-16 units; so does this loop, to agree with it to the unit.
    units = _to_utf16(normalized)
    urls = {start: len(url) for url, start, _end in _find_urls(units, True)}
    emoji: dict[int, int] = {}
    if config.emoji_parsing:
        offsets = [0]
        for char in normalized:
            offsets.append(offsets[-1] + (2 if char > "\uffff" else 1))
        emoji = {offsets[s]: offsets[e] for s, e in _x_emoji_spans(normalized).items()}
    limit = config.max_weighted_length * config.scale

    total = 0
    valid = True
    valid_end = 0
    i, n = 0, len(units)
    while i < n:
        if i in urls:
            # The library skips the URL's own length, which for a bare domain with a path
            # can be shorter than the span it matched; the rest is counted as characters.
            j = i + urls[i]
            total += config.transformed_url_length * config.scale
        elif i in emoji:
            j = emoji[i]
            total += config.default_weight
        else:
            j = i + 1
            if "\ud800" <= units[i] <= "\udbff" and "\udc00" <= units[j : j + 1] <= "\udfff":
                j += 1  # a surrogate pair is weighed by its second unit, as the library does
            total += config.weight(ord(units[j - 1]))
        # Like the library, test only the last unit consumed.
        if valid and units[j - 1] in _X_INVALID_CHARS:
            valid = False
        if valid and total <= limit:
            valid_end = j - 1
        i = j

    weighted = total / config.scale
    length16 = utf16_units(text)
    return ParsedTweet(
        weighted_length=math.ceil(weighted),
        valid=valid and 0 < weighted <= config.max_weighted_length,
        permillage=math.floor(weighted / config.max_weighted_length * 1000),
        valid_range_start=0,
        valid_range_end=valid_end + length16 - len(units),
        display_range_start=0,
        display_range_end=length16 - 1 if length16 else 0,
    )


def x_weighted_length(text: str, config: XConfig = X_CONFIG) -> int:
    """Return a post's length as X counts it (twitter-text config v3 by default).

    Cyrillic and Latin weigh 1, ``№`` and ``…`` 2, any URL 23, a recognised emoji 2.

    Args:
        text: The post text.
        config: The weighting configuration.

    Returns:
        The weighted length, to compare with 280.

    """
    return parse_tweet(text, config).weighted_length


# ---------------------------------------------------------------------------------------------
# Mastodon and Threads
# ---------------------------------------------------------------------------------------------

_WORD = r"\p{L}\p{M}\p{Nd}\p{Pc}"  # Ruby's [[:word:]]
_MASTODON_MENTION = regex.compile(
    rf"(?<![=/{_WORD}])@(?P<name>(?P<user>[A-Za-z0-9_]+(?:[A-Za-z0-9_.\-]+[A-Za-z0-9_]+)?)"
    rf"(?:@[{_WORD}.\-]+[{_WORD}]+)?)"
)
_MASTODON_MENTION_END = regex.compile(rf"[@\uff20{_LATIN_ACCENTS}]|://")
_MASTODON_URL_PLACEHOLDER = "x" * 23


def _without_overlaps(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    # twitter-text's removeOverlappingEntities: sort by start (stable), drop any that begins
    # before the previous kept one ends.
    kept: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: s[0]):
        if kept and kept[-1][1] > span[0]:
            continue
        kept.append(span)
    return kept


def mastodon_length(text: str) -> int:
    """Count a post as Mastodon's server does (``StatusLengthValidator``).

    Graphemes, except that each ``http(s)://`` URL counts 23 and a remote mention
    ``@user@host`` counts as ``@user``. Bare domains are not discounted by the server.

    Args:
        text: The post text (without a content warning).

    Returns:
        The length to compare with the instance limit (500 by default).

    """
    spans = [(u.start, u.end, _MASTODON_URL_PLACEHOLDER) for u in extract_urls(text, without_protocol=False)]
    for m in _MASTODON_MENTION.finditer(text):
        if _MASTODON_MENTION_END.match(text, m.end()):
            continue
        spans.append((m.start(), m.end(), "@" + m.group("user")))
    parts: list[str] = []
    index = 0
    for start, end, replacement in _without_overlaps(spans):
        parts += [text[index:start], replacement]
        index = end
    parts.append(text[index:])
    return graphemes("".join(parts))


_EMOJI_MARK = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\p{Emoji_Modifier}\u20e3]")


def threads_length(text: str) -> int:
    """Count a post for Threads: graphemes, but an emoji counts its UTF-8 bytes.

    Meta's documentation says emoji count "as the number of UTF-8 bytes"; counting every
    emoji-like grapheme that way (``❤️`` = 6, a flag = 8) is the safe reading.

    Args:
        text: The post text.

    Returns:
        The length to compare with 500.

    """
    return sum(utf8_bytes(g) if _EMOJI_MARK.search(g) else 1 for g in _GRAPHEME.findall(text))


# ---------------------------------------------------------------------------------------------
# LinkedIn "little" text format
# ---------------------------------------------------------------------------------------------

_LINKEDIN_RESERVED = regex.compile(r"[\\|{}@\[\]()<>#*_~]")
_LINKEDIN_ESCAPED = regex.compile(r"\\([\\|{}@\[\]()<>#*_~])")


def _linkedin_protected(text: str) -> list[tuple[int, int, str]]:
    spans = [(u.start, u.end, "url") for u in extract_urls(text)]
    spans += [(h.start, h.end, "tag") for h in _generic_hashtags(text, check_urls=False)]
    return _without_overlaps(spans)


def escape_linkedin(text: str) -> str:
    r"""Escape text for the ``commentary`` of LinkedIn's Posts API ("little" text format).

    An unescaped reserved character (``\ | { } @ [ ] ( ) < > # * _ ~``) silently truncates the
    post there. URLs and ``#hashtags`` stay as they are, so they still link.

    Args:
        text: The plain post text.

    Returns:
        The text with a backslash before each reserved character outside URLs and hashtags.

    """
    out: list[str] = []
    index = 0
    for start, end, _kind in _linkedin_protected(text):
        out += [_LINKEDIN_RESERVED.sub(r"\\\g<0>", text[index:start]), text[start:end]]
        index = end
    out.append(_LINKEDIN_RESERVED.sub(r"\\\g<0>", text[index:]))
    return "".join(out)


def unescape_linkedin(text: str) -> str:
    """Undo :func:`escape_linkedin` (URLs and hashtags hold no backslashes to undo).

    Args:
        text: Text in LinkedIn's little format.

    Returns:
        The plain text.

    """
    return _LINKEDIN_ESCAPED.sub(r"\1", text)


def linkedin_length(text: str) -> int:
    """Count a LinkedIn post as sent: UTF-16 units of the escaped text.

    LinkedIn does not say whether its 3,000 counts the escapes; counting them is the safe side.

    Args:
        text: The plain post text.

    Returns:
        The length to compare with 3,000.

    """
    return utf16_units(escape_linkedin(text))


# ---------------------------------------------------------------------------------------------
# Hashtags
# ---------------------------------------------------------------------------------------------


class Hashtag(NamedTuple):
    """A hashtag a platform would link.

    Attributes:
        tag: The tag without its ``#``.
        start: Index of the ``#`` (code points).
        end: Index just past the tag.

    """

    tag: str
    start: int
    end: int


_X_ALPHA = r"[\p{L}\p{M}]"
_X_ALNUM = (
    r"[\p{L}\p{M}\p{Nd}_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b\u309c\u30a0"
    r"\u30fb\u3003\u0f0b\u0f0c\u00b7]"
)
_X_HASHTAG = regex.compile(
    rf"(?:^|$|[\ufe0e\ufe0f]|(?!{_X_ALNUM}|&)(?s:.))"
    rf"[#\uff03](?![\ufe0f\u20e3])(?P<tag>{_X_ALNUM}*{_X_ALPHA}{_X_ALNUM}*)"
)
_X_HASHTAG_END = regex.compile(r"[#\uff03]|://")


def _drop_tags_in_urls(tags: list[Hashtag], text: str) -> list[Hashtag]:
    urls = extract_urls(text)
    if not urls:
        return tags
    spans = [(t.start, t.end, "tag") for t in tags] + [(u.start, u.end, "url") for u in urls]
    kept = {(s, e) for s, e, kind in _without_overlaps(spans) if kind == "tag"}
    return [t for t in tags if (t.start, t.end) in kept]


def _x_hashtags(text: str) -> list[Hashtag]:
    # twitter-text: letters and marks of any script, digits, "_" and a few joiners; at least
    # one letter; the tag ends at any other character, so "’" and "-" end it.
    tags = [
        Hashtag(m.group("tag"), m.start("tag") - 1, m.end("tag"))
        for m in _X_HASHTAG.finditer(text)
        if not _X_HASHTAG_END.match(text, m.end())
    ]
    return _drop_tags_in_urls(tags, text)


_MASTODON_SEPARATORS = r"_\u00b7\u30fb\u200c"
_MASTODON_HASHTAG = regex.compile(
    rf"(?<=^|\s)[#\uff03](?P<tag>"
    rf"[{_WORD}][{_WORD}{_MASTODON_SEPARATORS}]*[\p{{Alphabetic}}{_MASTODON_SEPARATORS}]"
    rf"[{_WORD}{_MASTODON_SEPARATORS}]*[{_WORD}]"
    rf"|[{_WORD}]*\p{{Alphabetic}}[{_WORD}]*)"
)


def _mastodon_hashtags(text: str) -> list[Hashtag]:
    return [Hashtag(m.group("tag"), m.start(), m.end()) for m in _MASTODON_HASHTAG.finditer(text)]


_BSKY_NOT_IN_TAG = r"\s\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_BLUESKY_HASHTAG = regex.compile(
    rf"(?:^|(?<=\s))[#\uff03](?P<tag>(?!\ufe0f)[^{_BSKY_NOT_IN_TAG}]*"
    rf"[^0-9\p{{P}}{_BSKY_NOT_IN_TAG}]+[^{_BSKY_NOT_IN_TAG}]*)"
)
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+\Z")


def _bluesky_hashtags(text: str) -> list[Hashtag]:
    # atproto's detectFacets: a "#" after a space, then a run of non-spaces holding a
    # non-digit, non-punctuation character; trailing punctuation is not part of the tag.
    tags = []
    for m in _BLUESKY_HASHTAG.finditer(text):
        tag = _TRAILING_PUNCTUATION.sub("", m.group("tag").strip())
        if tag and utf16_units(tag) <= 64:
            tags.append(Hashtag(tag, m.start(), m.start() + 1 + len(tag)))
    return tags


_THREADS_TAG = regex.compile(r"(?<![\p{L}\p{M}\p{N}_&/#\uff03])[#\uff03](?P<tag>[^\s#\uff03.&]+)")


def _threads_hashtags(text: str) -> list[Hashtag]:
    # Threads turns a "#" word into its one topic tag; a tag may not hold "." or "&". What
    # else ends one is undocumented: take the run up to a space, without trailing punctuation.
    tags = []
    for m in _THREADS_TAG.finditer(text):
        tag = _TRAILING_PUNCTUATION.sub("", m.group("tag"))
        if tag:
            tags.append(Hashtag(tag, m.start(), m.start() + 1 + len(tag)))
    return tags


_GENERIC_HASHTAG = regex.compile(r"(?<![\p{L}\p{M}\p{N}_&/#\uff03])[#\uff03](?P<tag>[\p{L}\p{M}\p{N}_]+)")


def _generic_hashtags(text: str, *, check_urls: bool = True) -> list[Hashtag]:
    # Instagram, Facebook, LinkedIn, Telegram: letters, digits and "_"; anything else ends
    # the tag. Digits-only runs are kept so that hashtag limits are never undercounted.
    tags = [Hashtag(m.group("tag"), m.start(), m.end()) for m in _GENERIC_HASHTAG.finditer(text)]
    return _drop_tags_in_urls(tags, text) if check_urls else tags


def find_hashtags(platform: str | Platform, text: str) -> list[Hashtag]:
    """Find the hashtags a platform would link, with their positions.

    Args:
        platform: A platform name (``"x"``) or :class:`Platform`.
        text: The post text.

    Returns:
        The hashtags in order of appearance.

    Raises:
        CampaignKitError: The platform is unknown.

    """
    return get_platform(platform).hashtags(text)


def extract_hashtags(platform: str | Platform, text: str) -> list[str]:
    """List the hashtags a platform would link, as it would cut them, without ``#``.

    On X and Mastodon ``’`` and ``-`` end a tag (``#Дар’яЛосік`` gives ``Дар``); Bluesky keeps
    them; Threads takes a run up to a space, ``.`` or ``&``.

    Args:
        platform: A platform name (``"x"``) or :class:`Platform`.
        text: The post text.

    Returns:
        The tags in order of appearance.

    Raises:
        CampaignKitError: The platform is unknown.

    """
    return [h.tag for h in find_hashtags(platform, text)]


_HAS_LETTER = regex.compile(r"\p{L}")


def hashtag_is_valid(platform: str | Platform, tag: str) -> bool:
    """Tell whether a platform would link the whole of a hashtag.

    Args:
        platform: A platform name or :class:`Platform`.
        tag: The tag, with or without its leading ``#``.

    Returns:
        True if the platform links exactly this tag: it holds a letter, no character that ends
        it early, and fits the platform's tag length (Bluesky 64, Threads 50).

    Raises:
        CampaignKitError: The platform is unknown.

    """
    p = get_platform(platform)
    body = tag[1:] if tag[:1] in ("#", "\uff03") else tag
    if not body or not _HAS_LETTER.search(body):
        return False
    if p.max_tag_length is not None and utf16_units(body) > p.max_tag_length:
        return False
    return extract_hashtags(p, "#" + body) == [body]


# ---------------------------------------------------------------------------------------------
# Platforms
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Platform:
    r"""One social network's rules for a post.

    Attributes:
        name: Key in :data:`PLATFORMS` (``"x"``).
        title: Name for people (``"X"``, ``"LinkedIn"``).
        text_limit: Longest text, in the platform's own count; for Telegram, as a photo caption.
        alt_text_limit: Longest image description; None where undocumented or unsupported.
        max_hashtags: Most hashtags (Threads: topic tags) allowed; None for no limit.
        max_links: Most links allowed; None for no limit.
        escape: Turns plain text into what the API expects, or None if sent as it is.
        length: The platform's own count of a plain text.
        unit: What ``length`` counts, for messages (``"weighted characters"``).
        byte_limit: Most UTF-8 bytes (Bluesky), else None.
        message_limit: Longer limit for a text sent without media (Telegram 4,096), else None.
        alt_text: Whether images can carry alt text at all.
        hashtag_noun: What the platform calls a hashtag, for messages.
        card_format: The share card format posted with it (see below).
        thread: The roll call is published there as a reply thread.
        max_tag_length: Longest hashtag body it links, in UTF-16 units (Threads 50), else None.
        rejected_chars: Characters whose presence makes the platform refuse the post.
        image_bytes: Largest image upload the publisher may send, in bytes (platforms
            campaign-kit publishes to), else None.
        alt_text_unit: How ``alt_text_limit`` is counted (``len``: code points).
        hashtags: Finds the hashtags the platform links, with positions.

    Which card goes with which platform: the one that reads best in its feed on a phone. X,
    Bluesky, Mastodon and LinkedIn show a single square image whole at the feed's full width
    (about 390 pt), while they inset a landscape card to about 310 × 174 pt: the square is
    shown 26% wider and three times the area, so its words are larger and it carries the hero
    numeral or her photo as well as every fact. Instagram's feed is 4:5 and Threads recommends
    1080x1350 (platform-rules.md, "Images"), so both get the portrait card; Facebook and
    Telegram show a square photo whole on every screen. The landscape and link cards remain
    for pages, link previews and the newsletter.

    """

    name: str
    title: str
    text_limit: int
    alt_text_limit: int | None
    max_hashtags: int | None
    max_links: int | None
    escape: Callable[[str], str] | None
    length: Callable[[str], int]
    unit: str = "characters"
    byte_limit: int | None = None
    message_limit: int | None = None
    alt_text: bool = True
    hashtag_noun: str = "hashtag"
    card_format: str = "square"
    thread: bool = False
    max_tag_length: int | None = None
    rejected_chars: frozenset[str] = frozenset()
    hashtags: Callable[[str], list[Hashtag]] = _generic_hashtags
    image_bytes: int | None = None

    @property
    def publishes(self) -> bool:
        """Whether ``campaign-kit publish`` posts to it (an API it speaks)."""
        return self.name in PUBLISHED


# The platforms ``campaign-kit publish`` speaks to; the others get text and cards to post by hand.
PUBLISHED = ("bluesky", "mastodon", "telegram")
# Who sees a Mastodon status (campaign.toml ``[publish.mastodon] visibility``).
MASTODON_VISIBILITIES = ("public", "unlisted", "private", "direct")

PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Platform(
            name="x",
            title="X",
            text_limit=280,
            alt_text_limit=1000,
            max_hashtags=None,
            max_links=None,
            escape=None,
            length=x_weighted_length,
            unit="weighted characters",
            card_format="square",
            thread=True,
            rejected_chars=_X_INVALID_CHARS,
            hashtags=_x_hashtags,
        ),
        Platform(
            name="bluesky",
            title="Bluesky",
            text_limit=300,
            alt_text_limit=2000,
            max_hashtags=None,
            max_links=None,
            escape=None,
            length=graphemes,
            unit="graphemes",
            byte_limit=3000,
            card_format="square",
            thread=True,
            hashtags=_bluesky_hashtags,
            # app.bsky.embed.images: an image blob's maxSize (the lexicon; the PDS refuses more).
            image_bytes=1_000_000,
        ),
        Platform(
            name="mastodon",
            title="Mastodon",
            text_limit=500,
            alt_text_limit=1500,
            max_hashtags=None,
            max_links=None,
            escape=None,
            length=mastodon_length,
            card_format="square",
            thread=True,
            hashtags=_mastodon_hashtags,
            # Mastodon's default MAX_IMAGE_SIZE (16 MiB since 4.0).
            image_bytes=16 * 1024 * 1024,
        ),
        Platform(
            name="threads",
            title="Threads",
            text_limit=500,
            alt_text_limit=1000,
            max_hashtags=1,
            max_links=5,
            escape=None,
            length=threads_length,
            hashtag_noun="topic tag",
            card_format="portrait",
            thread=True,
            max_tag_length=50,
            hashtags=_threads_hashtags,
        ),
        Platform(
            name="instagram",
            title="Instagram",
            text_limit=2200,
            alt_text_limit=None,
            max_hashtags=5,
            max_links=None,
            escape=None,
            length=utf16_units,
            card_format="portrait",
        ),
        Platform(
            name="facebook",
            title="Facebook",
            text_limit=63206,
            alt_text_limit=None,
            max_hashtags=None,
            max_links=None,
            escape=None,
            length=utf16_units,
        ),
        Platform(
            name="linkedin",
            title="LinkedIn",
            text_limit=3000,
            alt_text_limit=None,
            max_hashtags=None,
            max_links=None,
            escape=escape_linkedin,
            length=linkedin_length,
            card_format="square",
        ),
        Platform(
            name="telegram",
            title="Telegram",
            text_limit=1024,
            alt_text_limit=None,
            max_hashtags=None,
            max_links=None,
            escape=None,
            length=utf16_units,
            unit="UTF-16 units",
            message_limit=4096,
            alt_text=False,
            # The roll call as replies of plain messages: 4,096 units each, not a caption's 1,024.
            thread=True,
            # Bot API sendPhoto: at most 10 MB.
            image_bytes=10 * 1024 * 1024,
        ),
    )
}


def get_platform(platform: str | Platform) -> Platform:
    """Look a platform up by name (case-insensitive).

    Args:
        platform: A name such as ``"x"`` or ``"Bluesky"``, or a :class:`Platform` itself.

    Returns:
        The platform.

    Raises:
        CampaignKitError: No platform has that name.

    """
    if isinstance(platform, Platform):
        return platform
    found = PLATFORMS.get(platform.strip().lower())
    if found is None:
        known = ", ".join(PLATFORMS)
        raise CampaignKitError(f"unknown platform {platform!r} (known: {known})")
    return found


@dataclass(frozen=True)
class Measure:
    """How a text measures on one platform.

    Attributes:
        platform: The platform's name.
        length: The text's length as the platform counts it.
        limit: The limit that length is held to.
        ok: True if every limit is kept.
        violations: One sentence per broken limit, e.g. ``"7 hashtags, Instagram allows 5"``.
        unit: What ``length`` counts.

    """

    platform: str
    length: int
    limit: int
    ok: bool
    violations: list[str]
    unit: str = "characters"

    @property
    def overflow(self) -> int:
        """How far ``length`` is over ``limit`` (0 if within it)."""
        return max(0, self.length - self.limit)


def measure(platform_name: str, text: str, *, media: bool = True) -> Measure:
    """Measure a post against every limit of one platform.

    Args:
        platform_name: A key of :data:`PLATFORMS`.
        text: The plain post text (unescaped; LinkedIn escaping is counted for you).
        media: The post carries an image. Only Telegram cares: a caption may hold 1,024, a
            message 4,096.

    Returns:
        The length, the limit, and what is over, in words.

    Raises:
        CampaignKitError: The platform is unknown.

    """
    p = get_platform(platform_name)
    length = p.length(text)
    limit = p.text_limit if media or p.message_limit is None else p.message_limit
    violations: list[str] = []
    if length > limit:
        violations.append(f"{length:,} {p.unit}, {p.title} allows {limit:,}")
    if p.byte_limit is not None:
        size = utf8_bytes(text)
        if size > p.byte_limit:
            violations.append(f"{size:,} UTF-8 bytes, {p.title} allows {p.byte_limit:,}")
    if p.max_hashtags is not None:
        tags = len(find_hashtags(p, text))
        if tags > p.max_hashtags:
            violations.append(f"{tags:,} {p.hashtag_noun}s, {p.title} allows {p.max_hashtags:,}")
    if p.max_links is not None:
        links = count_links(text)
        if links > p.max_links:
            violations.append(f"{links:,} links, {p.title} allows {p.max_links:,}")
    if p.rejected_chars:
        for char in sorted(p.rejected_chars.intersection(text)):
            violations.append(f"contains U+{ord(char):04X}, which {p.title} rejects")
    return Measure(
        platform=p.name,
        length=length,
        limit=limit,
        ok=not violations,
        violations=violations,
        unit=p.unit,
    )


def post_problems(
    platform_name: str, text: str, alt_text: str | None = None, *, media: bool = True
) -> list[str]:
    """Every limit of ``platform_name`` that a post (and its image description) breaks, in words.

    What the publishers check before any call, from this one table: the text as
    :func:`measure` counts it, and ``alt_text`` (when the post carries an image) against
    ``alt_text_limit``, in code points.
    """
    p = get_platform(platform_name)
    problems = list(measure(p.name, text, media=media).violations)
    if alt_text is not None and p.alt_text_limit is not None and len(alt_text) > p.alt_text_limit:
        problems.append(
            f"image description of {len(alt_text):,} characters, {p.title} allows {p.alt_text_limit:,}"
        )
    return problems


def image_bytes(platform_name: str) -> int:
    """The largest image ``campaign-kit publish`` may upload to ``platform_name``, in bytes."""
    limit = get_platform(platform_name).image_bytes
    if limit is None:
        raise CampaignKitError(f"{platform_name}: campaign-kit does not upload images there")
    return limit
