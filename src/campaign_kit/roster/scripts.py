"""Which letters a name, or a line of free text, may hold.

Look-alike letters are the danger: a Cyrillic ``а`` inside a Latin word looks right on screen
but breaks search, sorting and hashtags. Names must also fit on every card.
"""

from __future__ import annotations

import re
import unicodedata

# Names are short; anything longer is a paste accident, and every card must be able to set
# any valid name legibly. The caps are generous: the roster's longest surname is 20
# characters (SHABLINSKAYA-IVANOVA) and its longest word 14 (VAITSIAKHOVICH).
MAX_NAME_LEN = {"surname": 40, "given": 30}
MAX_WORD_LEN = 20

# The letters names may use: Latin up to Latin Extended-B without the digraph letters
# (Ǆ, ǈ, Ǳ ...) plus Latin Extended Additional (Vietnamese), and the Cyrillic of
# Belarusian, Russian and Ukrainian (U+0400-U+045F, Ґ ґ). The bundled fonts carry them and
# every card is proven to fit them; rarer letters (Ѹ, Ꙋ) are wider than any card was
# measured with.
_DIGRAPHS = frozenset(range(0x01C4, 0x01CD)) | frozenset(range(0x01F1, 0x01F4))
_NAME_PUNCT_RUN = re.compile(r"[-'’ʼ]{2,}|^[-'’ʼ .]|[-'’ʼ]$|[-'’ʼ][ .]|[ .][-'’ʼ]")


def _script_of(ch: str) -> str | None:
    """Return 'latin', 'cyrillic', 'other' for a letter; None for non-letters."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    cp = ord(ch)
    if name.startswith("LATIN"):
        basic = cp <= 0x024F and cp not in _DIGRAPHS
        return "latin" if basic or 0x1E00 <= cp <= 0x1EFF else "other"
    if name.startswith("CYRILLIC"):
        return "cyrillic" if 0x0400 <= cp <= 0x045F or cp in (0x0490, 0x0491) else "other"
    return "other"


# Characters allowed in a name besides letters of the right script: hyphen for double-barrelled
# surnames, apostrophes (Belarusian uses ʼ or ’ in names like Дар’я), a space, a period.
NAME_PUNCTUATION = frozenset("-'’ʼ .")


def script_problems(value: str, expected: str) -> list[str]:
    """Describe every character of ``value`` that does not belong in a ``expected``-script name.

    Look-alike letters are the danger here: a Cyrillic ``а`` inside a Latin word looks right
    on screen but breaks search, sorting and hashtags, so each one is named with its code point.

    Args:
        value: The name as written.
        expected: ``"latin"`` or ``"cyrillic"``.

    Returns:
        One message per offending character (empty when the name is clean).

    """
    found: list[str] = []
    for i, ch in enumerate(value):
        if ch in NAME_PUNCTUATION:  # ʼ (U+02BC) is a letter to Unicode but punctuation here
            continue
        script = _script_of(ch)
        if script == expected:
            continue
        label = unicodedata.name(ch, "unnamed character")
        if script is None:
            what = "character not allowed in a name"
        elif script == "other" and unicodedata.name(ch, "").startswith(expected.upper()):
            what = f"{expected} letter outside the alphabets cards are made for"
        else:
            what = f"{script} letter in a {expected} name"
        found.append(f"{what}: {ch!r} (U+{ord(ch):04X} {label}) at position {i + 1}")
    return found


# Characters no free text may hold: controls, format characters (bidi overrides such as U+202E,
# zero-width spaces, the BOM), private-use, unassigned and line/paragraph separators. They are
# invisible or reorder what a reader sees, and they survive copy-paste into every platform.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _word_script(ch: str) -> str:
    """A letter's script for the mixed-word check: latin, cyrillic, or Unicode's script word."""
    script = _script_of(ch)
    if script in ("latin", "cyrillic"):
        return script
    return unicodedata.name(ch, "unknown").split(" ", 1)[0].lower()


def text_problems(value: str) -> list[str]:
    """Describe invisible characters and mixed-script words in free text (titles, hashtags).

    Names get the stricter ``script_problems``; free text may mix Latin and Cyrillic words
    (a Belarusian title naming an organisation), but no single word may mix scripts: a
    Cyrillic ``а`` inside a Latin word looks right on screen and breaks search and hashtags.

    Args:
        value: The text as written.

    Returns:
        One message per problem (empty when the text is clean).

    """
    found: list[str] = []
    for i, ch in enumerate(value):
        if unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
            label = unicodedata.name(ch, "control or unassigned character")
            found.append(
                f"invisible or direction-changing character U+{ord(ch):04X} ({label}) at position {i + 1}"
            )
            if len(found) > 3:
                return found
    for match in re.finditer(r"[^\W\d_]+", value):
        word = match.group()
        scripts = [_word_script(ch) for ch in word]
        kinds = sorted(set(scripts))
        if len(kinds) > 1:
            # Name the first letter not of the word's main script (the look-alike, usually).
            main = max(kinds, key=scripts.count)
            pos = next(i for i, k in enumerate(scripts) if k != main)
            ch = word[pos]
            found.append(
                f"the word {word[:40]!r} mixes scripts ({', '.join(kinds)}): {ch!r} "
                f"(U+{ord(ch):04X} {unicodedata.name(ch, '?')}) at position {match.start() + pos + 1}"
            )
    return found


def check_name(value: str, expected: str, kind: str) -> list[str]:
    """Why ``value`` cannot be a ``kind`` ("surname", "given") name in ``expected`` script (none: it can)."""
    if not value.strip():
        return ["must not be empty"]
    msgs: list[str] = []
    if value != value.strip() or "  " in value:
        msgs.append("has leading, trailing or double spaces")
    cap = MAX_NAME_LEN[kind]
    if len(value) > cap:
        msgs.append(f"is {len(value)} characters long; at most {cap} are allowed")
        return msgs  # do not enumerate millions of characters
    if _NAME_PUNCT_RUN.search(value):
        msgs.append("hyphens and apostrophes must stand between letters")
    longest = max(re.split(r"[-\s]+", value), key=len)
    if len(longest) > MAX_WORD_LEN:
        msgs.append(f"has a {len(longest)}-letter word; at most {MAX_WORD_LEN} fit on a card")
    bad = script_problems(value, expected)
    if len(bad) > 3:
        msgs.append(f"{bad[0]} (and {len(bad) - 1} more characters outside {expected} script)")
    else:
        msgs.extend(bad)
    return msgs
