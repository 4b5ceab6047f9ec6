"""Names in three forms: Latin, Belarusian Cyrillic and Russian Cyrillic.

The Latin names on the organisation's lists are the Belarusian passport transliteration of the
Belarusian form (``Ганна`` -> ``Hanna``), not of the Russian one (``Анна``). This module holds
the two alphabets a name field may use, that transliteration (so ``validate`` can compare it
with the published Latin), and the reverse guess ``import-list`` and ``migrate`` offer when a
record has no Belarusian form yet. The guess is a suggestion for a person to check, never a fact.
"""

from __future__ import annotations

import re
import unicodedata

# The letters of each alphabet (lower case). Belarusian has і ў and no и щ ъ; Russian the reverse.
BELARUSIAN_LETTERS = frozenset("абвгдеёжзійклмнопрстуўфхцчшыьэюя")
RUSSIAN_LETTERS = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
ALPHABETS = {"be": BELARUSIAN_LETTERS, "ru": RUSSIAN_LETTERS}
ALPHABET_NAMES = {"be": "Belarusian", "ru": "Russian"}
# What a writer of the other language usually meant: a hint printed beside the letter.
_HINTS = {
    "be": {"и": "і or ы", "щ": "шч", "ъ": "’", "ї": "і", "є": "е", "ґ": "г"},
    "ru": {"і": "и", "ў": "в or у", "ї": "и", "є": "е", "ґ": "г"},
}
# The name forms a locale file may choose between, and the roster fields holding them.
NAME_FORMS = ("latin", "be", "ru")

# Belarusian letters by the passport rules; the Russian и щ ъ only so that a Russian spelling
# typed into a Latin field still gets a suggestion (validation never passes them here).
_PASSPORT = {
    "и": "i",
    "щ": "shch",
    "ъ": "",
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "h",
    "ґ": "g",
    "д": "d",
    "ж": "zh",
    "з": "z",
    "і": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ў": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "ы": "y",
    "ь": "",
    "э": "e",
}
_IOTATED = {"я": "a", "е": "e", "ё": "o", "ю": "u"}
# After these (and word-initially) я е ё ю are written with "y": Yuliya, Siarheyenka, Kaneuskaya.
# After a consonant, and after ы (Maryia, Viktoryia), they are "ia", "e", "io", "iu".
_GLIDE_AFTER = frozenset("аеёіиоуэюяўьъ'’ʼ")
_APOSTROPHES = frozenset("'’ʼ")


def alphabet_problems(value: str, form: str) -> list[str]:
    """Name every letter of ``value`` that the ``form`` ("be" or "ru") alphabet does not have.

    Returns:
        One message per offending letter, with a hint of the letter meant (empty when clean).

    """
    letters = ALPHABETS[form]
    found = []
    for i, ch in enumerate(value):
        low = ch.lower()
        if not ch.isalpha() or low in letters or not unicodedata.name(ch, "").startswith("CYRILLIC"):
            continue
        hint = _HINTS[form].get(low)
        found.append(
            f"{ch!r} (U+{ord(ch):04X}) at position {i + 1} is not in the {ALPHABET_NAMES[form]} alphabet"
            + (f" (write {hint})" if hint else "")
        )
    return found


def passport_latin(text: str) -> str:
    """Transliterate a Belarusian Cyrillic name by the Belarusian passport rules, in lower case.

    ``Сяргеенка`` -> ``siarheyenka``; ``Марыя`` -> ``maryia``; ``Юлія`` -> ``yuliya``;
    ``Таццяна`` -> ``tatsiana``; ``Пагадаева`` -> ``pahadayeva`` (the published
    ``PAHADAEVA`` is an exception, which a record marks with ``latin_exception``).
    """
    out: list[str] = []
    prev = ""
    # Passports write the geminate ц of Таццяна once: Tatsiana, not Tatstsiana.
    for ch in text.lower().replace("цц", "ц"):
        if ch in _IOTATED:
            initial = not prev.isalpha() and prev not in _APOSTROPHES
            if initial or prev in _GLIDE_AFTER:
                out.append("y" + _IOTATED[ch])
            else:
                out.append("e" if ch == "е" else "i" + _IOTATED[ch])
        elif ch in _APOSTROPHES:
            pass
        else:
            out.append(_PASSPORT.get(ch, ch))
        prev = ch
    return "".join(out)


def latin_matches(latin: str, belarusian: str) -> bool:
    """Whether ``latin`` is the passport transliteration of ``belarusian`` (case ignored)."""
    return passport_latin(belarusian) == latin.lower()


# --- the reverse guess: Latin (+ Russian) -> Belarusian ------------------------------------

_REVERSE = [
    ("shch", "шч"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("a", "а"),
    ("b", "б"),
    ("v", "в"),
    ("h", "г"),
    ("g", "г"),
    ("d", "д"),
    ("z", "з"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("f", "ф"),
    ("c", "ц"),
    ("w", "ў"),
    ("x", "кс"),
    ("q", "к"),
]
_CY_VOWELS = frozenset("аеёіоуыэюя")
# Belarusian consonants that are always hard: е after them is written э (Шарэнда, Лазарэнка).
_HARD = frozenset("рцчшж")


def _reverse_word(word: str) -> str:
    low = word.lower()
    out: list[str] = []
    i = 0

    def prev() -> str:
        return out[-1][-1] if out and out[-1] else ""

    while i < len(low):
        rest = low[i:]
        p = prev()
        after_vowel = p in _CY_VOWELS or p == "ў"
        glide = not p or p in _GLIDE_AFTER
        if rest[:1] == "y" and rest[1:2] in ("a", "e", "o", "u") and glide:
            out.append({"a": "я", "e": "е", "o": "ё", "u": "ю"}[rest[1]])
            i += 2
        elif rest[:1] == "i" and rest[1:2] in ("a", "o", "u") and not glide:
            out.append({"a": "я", "o": "ё", "u": "ю"}[rest[1]])
            i += 2
        elif rest[:1] == "y" and rest[1:2] in ("a", "e", "o", "u") and p:
            # "Natalya", "Darya": a Russian-style Latin; Belarusian writes ль / р’ + я
            iot = {"a": "я", "e": "е", "o": "ё", "u": "ю"}[rest[1]]
            out.append(("’" if p in _HARD else "ь") + iot)
            i += 2
        elif rest[:1] == "y":
            out.append("ы")
            i += 1
        elif rest[:1] == "i":
            out.append("й" if after_vowel else "і")
            i += 1
        elif rest[:1] == "u":
            out.append("ў" if after_vowel else "у")
            i += 1
        elif rest[:1] == "e":
            out.append("э" if (not p or p in _HARD) else "е")
            i += 1
        else:
            for lat, cy in _REVERSE:
                if rest.startswith(lat):
                    out.append(cy)
                    i += len(lat)
                    break
            else:
                out.append(word[i])
                i += 1
    return "".join(out)


def _soft_signs(guess: str, russian: str) -> str:
    """Put back what the Latin drops, from the Russian form's soft signs.

    Before a consonant the soft sign stays (Ольга -> Вольга); before я е ё ю Belarusian doubles
    the consonant instead (Наталья -> Наталля, which the Latin shows; Татьяна -> Таццяна, which
    it does not).
    """
    ru = russian.lower()
    if len(ru) > 1 and ru.endswith("ь") and guess and guess[-1].lower() == ru[-2] and not guess.endswith("ь"):
        guess += "ь"  # word-final soft sign: Алесь, not Алес (the Latin "Ales" drops it)
    for j, ch in enumerate(ru):
        if ch != "ь" or j == 0 or j + 1 >= len(ru):
            continue
        before, after = ru[j - 1], ru[j + 1]
        if after in "яеёю":
            if before == "т":
                guess = re.sub(rf"(?<!ц)ц{after}", f"цц{after}", guess, count=1)
            continue
        at = guess.find(before + after)
        if at >= 0:
            guess = guess[: at + 1] + "ь" + guess[at + 1 :]
    return guess


def suggest_belarusian(latin: str, russian: str) -> str:
    """Guess the Belarusian Cyrillic form of a name from its Latin and Russian forms.

    The Latin is the passport transliteration of the Belarusian form, so reading it back gives
    the Belarusian spelling in most cases (``Tatsiana`` -> ``Таццяна`` needs a double ц the
    Latin does not show, so the guess may be wrong); the Russian form supplies the soft signs.
    The case of each word follows the Latin (``ABLAB`` -> ``АБЛАБ``, ``Hanna`` -> ``Ганна``).

    Returns:
        The suggestion, to be checked by a person who reads Belarusian.

    """
    known = BELARUSIAN_GIVEN.get(russian.lower())
    if known is not None and " " not in latin and "-" not in latin:
        # A known given name: its Belarusian form, whatever the Latin (Irina, typed from the
        # Russian, still means Ірына; reading "Irina" back would give the non-word Іріна).
        return known.upper() if latin.isupper() else known[:1].upper() + known[1:]
    parts = []
    for word in latin.split(" "):
        pieces = []
        for piece in word.split("-"):
            cy = _soft_signs(_reverse_word(piece), russian)
            if piece.isupper() and len(piece) > 1:
                cy = cy.upper()
            elif piece[:1].isupper():
                cy = cy[:1].upper() + cy[1:]
            pieces.append(cy)
        parts.append("-".join(pieces))
    return " ".join(parts)


# --- Russian -> Belarusian, for a name typed in its Russian form ---------------------------

# Women's given names whose Belarusian form is not the Russian one spelt with Belarusian letters.
# The Latin on a passport is made from the Belarusian form (Ганна -> Hanna, not Анна -> Anna).
BELARUSIAN_GIVEN = {
    "александра": "аляксандра",
    "алла": "ала",
    "анастасия": "анастасія",
    "анжелика": "анжаліка",
    "анна": "ганна",
    "антонина": "антаніна",
    "валентина": "валянціна",
    "валерия": "валерыя",
    "вера": "вера",
    "вероника": "вераніка",
    "виктория": "вікторыя",
    "галина": "галіна",
    "дарья": "дар’я",
    "диана": "дзіяна",
    "евгения": "яўгенія",
    "екатерина": "кацярына",
    "елена": "алена",
    "елизавета": "лізавета",
    "жанна": "жанна",
    "зинаида": "зінаіда",
    "инна": "іна",
    "ирина": "ірына",
    "ирэна": "ірэна",
    "иванна": "іванна",
    "карина": "карына",
    "кристина": "крысціна",
    "ксения": "ксенія",
    "лариса": "ларыса",
    "людмила": "людміла",
    "любовь": "любоў",
    "маргарита": "маргарыта",
    "марина": "марына",
    "мария": "марыя",
    "надежда": "надзея",
    "наталия": "наталля",
    "наталья": "наталля",
    "нина": "ніна",
    "оксана": "аксана",
    "олеся": "алеся",
    "ольга": "вольга",
    "полина": "паліна",
    "раиса": "раіса",
    "светлана": "святлана",
    "софия": "сафія",
    "тамара": "тамара",
    "татьяна": "таццяна",
    "юлия": "юлія",
}
_HARD_BEFORE_I = frozenset("жчшцр")


def belarusian_from_russian(word: str) -> str:
    """The Belarusian form of one Russian name word: a known given name, else by spelling rules.

    ``Анна`` -> ``Ганна``, ``Ирина`` -> ``Ірына``, ``Мовшук`` -> ``Мовшук`` (the rules write и as
    і, or ы after ж ч ш ц р; щ as шч; ъ as ’; е after a hard consonant as э). Unstressed о -> а
    (akanne) needs the stress, which the spelling does not show, so a surname may still need a
    Belarusian reader's correction; every caller offers the result as a suggestion.
    """
    low = word.lower()
    known = BELARUSIAN_GIVEN.get(low)
    if known is None:
        out: list[str] = []
        for ch in low:
            p = out[-1][-1] if out else ""
            if ch == "и":
                out.append("ы" if p in _HARD_BEFORE_I else "і")
            elif ch == "щ":
                out.append("шч")
            elif ch == "ъ":
                out.append("’")
            elif ch == "е" and p in _HARD_BEFORE_I:
                out.append("э")
            else:
                out.append(ch)
        known = "".join(out)
    if word.isupper() and len(word) > 1:
        return known.upper()
    if word[:1].isupper():
        return known[:1].upper() + known[1:]
    return known


def latin_from_cyrillic(text: str) -> str:
    """The passport Latin of a name given in Cyrillic, Belarusian or Russian, case kept.

    A Russian form is first made Belarusian (``Анна`` -> ``Ганна`` -> ``Hanna``; ``Татьяна`` ->
    ``Tatsiana``; ``Ирина`` -> ``Iryna``), because passports transliterate the Belarusian form.
    """
    out = []
    for word in re.split(r"([^\w’'ʼ]+)", text):
        if not word or not word[0].isalpha():
            out.append(word)
            continue
        russian = any(ch in "ищъ" for ch in word.lower()) or word.lower() in BELARUSIAN_GIVEN
        be = belarusian_from_russian(word) if russian else word
        latin = passport_latin(be)
        if word.isupper() and len(word) > 1:
            latin = latin.upper()
        elif word[:1].isupper():
            latin = latin.capitalize()
        out.append(latin)
    return "".join(out)
