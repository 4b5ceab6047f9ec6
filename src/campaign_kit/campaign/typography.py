"""Typography per language, in one place: every text the kit writes passes through :func:`typeset`.

What it does, for each language as its locale file says (``[typography]`` in
``templates/locale/<lang>.toml``; see :data:`DEFAULTS` for the shipped languages):

- joins a number and the word after it with a no-break space (U+00A0): "27 women", «к 10 годам»,
  «24 лістапада 2026 г.» (a narrow no-break space from CLDR dates becomes U+00A0: email fonts
  and card fonts have it);
- joins the one-letter prepositions and conjunctions the language lists («в», «у», «і», «з») to
  the next word, so a line never ends on one;
- joins the space before a dash to the word before it, and makes a spaced hyphen a proper dash;
- writes quotation marks the language's way: « » with „ “ inside in Belarusian and Russian,
  “ ” in English; a straight apostrophe between letters becomes ’.

URLs, e-mail addresses, hashtags and ESP merge tags pass through untouched. The function is
idempotent (typesetting typeset text changes nothing), so a renderer may apply it to a text
made of already typeset parts. The Jinja environment applies it to every plain-text template's
output and to every value an HTML/MJML template prints (``templating.py``); code that builds a
text in Python (card lines, alt texts) calls it, or the ``typeset`` filter, itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

NBSP = "\u00a0"

# Tokens no rule may touch: links, addresses, hashtags and the ESP's merge tags.
_PROTECTED = re.compile(
    r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|#\w[\w’'-]*|\{\{.*?\}\}|\*\|.*?\|\*|\{%.*?%\}"
)
_NUMBER_WORD = re.compile(r"(?<=\d)[ \u202f](?=[^\W\d_])")
_SPACE_DASH = re.compile(r"[ \u202f]+(?=[—–](?:\s|$))")
_SPACED_HYPHEN = re.compile(r"(?<=\S) - (?=\S)")
_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")
_QUOTE_CHARS = '"“”«»„'
_OPENERS_BEFORE = set(" \t\n\u00a0([{«„“—–-/")


@dataclass(frozen=True)
class Rules:
    """One language's typographic rules.

    ``quotes``: four characters, outer open/close then inner open/close ("" leaves quotes alone).
    ``bind_after``: short words joined to the next word by a no-break space (lower case; the
    capitalised form is joined too). ``dash``: what a spaced hyphen becomes.
    """

    quotes: str = ""
    bind_after: frozenset[str] = frozenset()
    dash: str = "—"


DEFAULTS: dict[str, Rules] = {
    "en": Rules(quotes="“”‘’", dash="–"),
    "be": Rules(quotes="«»„“", bind_after=frozenset("аіуўзоя"), dash="—"),
    "ru": Rules(quotes="«»„“", bind_after=frozenset("авикосуя"), dash="—"),
    "uk": Rules(quotes="«»„“", bind_after=frozenset("авізоуій"), dash="—"),
    "pl": Rules(quotes="„”«»", bind_after=frozenset("aiouwz"), dash="–"),
    "de": Rules(quotes="„“‚‘", dash="–"),
}


def rules_from_table(lang: str, table: dict[str, Any] | None) -> Rules:
    """The rules for ``lang``: its defaults, overridden by a locale file's ``[typography]`` table.

    ``quotes = "«»„“"``, ``bind_after = ["в", "к"]``, ``dash = "—"``; a language with neither
    gets the rules every language shares (numbers and dashes), and quotes left as written.
    """
    base = DEFAULTS.get(lang.split("-")[0].split("_")[0], Rules())
    if not table:
        return base
    quotes = table.get("quotes", base.quotes)
    bind = table.get("bind_after")
    return Rules(
        quotes=quotes if isinstance(quotes, str) and len(quotes) in (0, 4) else base.quotes,
        bind_after=frozenset(w.lower() for w in bind if isinstance(w, str))
        if isinstance(bind, list)
        else base.bind_after,
        dash=str(table.get("dash", base.dash)),
    )


def typeset(text: str, rules: Rules) -> str:
    """Apply ``rules`` to ``text``, leaving links, addresses, hashtags and merge tags as they are.

    Args:
        text: Any text the kit publishes.
        rules: The language's rules (``Locale.typography``).

    Returns:
        The text with no-break spaces, dashes, quotes and apostrophes set; idempotent.

    """
    if not text:
        return text
    # Dashes first, over the whole text: no protected token holds a space, so none is touched,
    # and a dash after a link still gets its no-break space.
    text = _SPACE_DASH.sub(NBSP, _SPACED_HYPHEN.sub(f" {rules.dash} ", text))
    pieces: list[str] = []
    depth = [0]
    last = 0
    for m in _PROTECTED.finditer(text):
        pieces.append(_plain(text[last : m.start()], rules, depth, text[last - 1] if last else ""))
        pieces.append(m.group(0))
        last = m.end()
    pieces.append(_plain(text[last:], rules, depth, text[last - 1] if last else ""))
    return "".join(pieces)


def _plain(text: str, rules: Rules, depth: list[int], before: str) -> str:
    if not text:
        return text
    text = text.replace("\u202f", NBSP)
    text = _NUMBER_WORD.sub(NBSP, text)
    if rules.bind_after:
        text = _bind_short_words(text, rules.bind_after)
    text = _APOSTROPHE.sub("’", text)
    if rules.quotes:
        text = _quotes(text, rules.quotes, depth, before)
    return text


@lru_cache(maxsize=16)
def _short_word_pattern(words: frozenset[str]) -> re.Pattern[str]:
    alternatives = "|".join(sorted({re.escape(w) for w in words} | {re.escape(w.upper()) for w in words}))
    # A short word at the start of the text or after a space, bracket or quote, then one space.
    return re.compile(rf"(?:^|(?<=[\s(«„“\"\u00a0]))({alternatives}) (?=\S)", re.MULTILINE)


def _bind_short_words(text: str, words: frozenset[str]) -> str:
    return _short_word_pattern(words).sub(lambda m: m.group(1) + NBSP, text)


def _quotes(text: str, marks: str, depth: list[int], before: str) -> str:
    """Straight and foreign quotation marks -> the language's, nested by depth."""
    if not any(c in text for c in _QUOTE_CHARS):
        return text
    outer_open, outer_close, inner_open, inner_close = marks
    out = []
    prev = before
    for ch in text:
        if ch in _QUOTE_CHARS:
            opening = ch in "«„" or (ch in '"“' and (not prev or prev in _OPENERS_BEFORE))
            if ch == "“" and marks[2] == "„" and depth[0] >= 2:
                opening = False  # „…“: this one closes the inner quote
            if opening:
                depth[0] += 1
                out.append(outer_open if depth[0] == 1 else inner_open)
            else:
                out.append(outer_close if depth[0] <= 1 else inner_close)
                depth[0] = max(0, depth[0] - 1)
        else:
            out.append(ch)
        prev = ch
    return "".join(out)
