"""Read and validate ``roster.json`` into frozen ``Person`` records.

Validation reports every problem in the file, not the first, each naming the record (index
and id) and the field, so a person editing the roster by hand can fix it in one pass.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign_kit import jsonstrict
from campaign_kit.errors import Problem, RosterError, reading
from campaign_kit.roster.names import alphabet_problems, latin_matches, passport_latin

# The schema this version writes; schema 1 (one Cyrillic form, the Russian) still loads, with
# a warning that says how to migrate.
SCHEMA_VERSION = 2
READABLE_SCHEMAS = (1, 2)
MIGRATE_HINT = (
    "run `campaign-kit migrate` to rewrite it as schema 2, then check the Belarusian name forms it suggests"
)
STATUSES = (
    "sentenced",
    "pre_trial",
    "compulsory_treatment",
    "house_arrest",
    "restricted_freedom",
    "released",
    "unknown",
)
FACILITIES = ("penal_colony", "prison", "pre_trial_centre", "psychiatric_hospital")
# A term is set for these statuses (restricted freedom is a sentence too); a place of detention
# for those held somewhere.
TERM_STATUSES = ("sentenced", "restricted_freedom")
FACILITY_STATUSES = ("sentenced", "pre_trial", "compulsory_treatment")
# Held in a prison, colony, detention centre or hospital: the women a text may say are "behind
# bars". House arrest, restricted freedom and an unknown status are not.
CUSTODY_STATUSES = FACILITY_STATUSES
MAX_HEALTH_LEN = 300
MAX_HISTORY = 50
DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\Z")
ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
# Names are short; anything longer is a paste accident, and every card must be able to set
# any valid name legibly. The caps are generous: the roster's longest surname is 20
# characters (SHABLINSKAYA-IVANOVA) and its longest word 14 (VAITSIAKHOVICH).
MAX_NAME_LEN = {"surname": 40, "given": 30}
MAX_WORD_LEN = 20
MAX_CHILDREN = 30
MAX_SENTENCE_MONTHS = 12 * 30
MAX_CREDIT_LEN = 40

# Schema 1 had one Cyrillic form (the Russian); schema 2 has the Belarusian and the Russian.
NAME_FIELDS_V1 = ("surname_latin", "given_latin", "surname_cyrillic", "given_cyrillic")
NAME_FIELDS = ("surname_latin", "given_latin", "surname_be", "given_be", "surname_ru", "given_ru")
# children is optional in schema 2 (null or absent: unknown); appeals about mothers need it.
REQUIRED_FIELDS = (
    "id",
    *NAME_FIELDS,
    "status",
    "groups",
)
OPTIONAL_FIELDS = (
    "latin_exception",
    "born_on",
    "sentence_months",
    "facility",
    "health",
    "history",
    "photo",
    "photo_focus",
    "photo_credit",
    "photo_alt",
    "detained_on",
    "released_on",
    "sources",
    "checked_on",
    "deviations",
)
# Fields schema 2 added that a schema 1 file may not carry.
SCHEMA_2_ONLY = frozenset(
    {"latin_exception", "born_on", "health", "history", "checked_on", "deviations", "photo_alt"}
)
# The fields a record may knowingly publish differently from the organisation's published list
# (``deviations``: field -> the reason, as latin_exception gives one for the Latin).
DEVIATION_FIELDS = (*NAME_FIELDS, "status", "sentence_months", "facility", "children")
# Links that are not a source yet: an example domain, a local address, a to-do.
PLACEHOLDER_URL = re.compile(
    r"^https?://(?:[^/]*\.)?(?:example\.(?:org|com|net)|localhost|127\.0\.0\.1|test|invalid)(?:[:/]|$)"
    r"|todo|tbd|xxx|placeholder|changeme",
    re.IGNORECASE,
)
REQUIRED_FIELDS_V1 = ("id", *NAME_FIELDS_V1, "status", "children", "groups")
KNOWN_FIELDS = frozenset(REQUIRED_FIELDS + OPTIONAL_FIELDS + ("children",))
KNOWN_FIELDS_V1 = frozenset(REQUIRED_FIELDS_V1 + OPTIONAL_FIELDS) - SCHEMA_2_ONLY
MAX_EXCEPTION_LEN = 200
#: The longest description of a photo (alt text on platforms allows 1,000 and more).
MAX_PHOTO_ALT_LEN = 300


def _one_line(value: Any, limit: int) -> bool:
    """Whether ``value`` is a non-empty one-line string of at most ``limit`` characters."""
    return (
        isinstance(value, str)
        and bool(value.strip())
        and len(value) <= limit
        and not any(ord(c) < 32 for c in value)
    )


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year (``2024``), the month (``2024-12``) or the day (``2024-12-05``).

    Release dates and birth dates are often published to the month or the year only; the
    record keeps what is known and comparisons use the earliest or latest day it can be.
    """

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: Any) -> PartialDate | None:
        """``"2024-12"`` -> ``PartialDate(2024, 12)``; None when not a real date of that form."""
        if not isinstance(text, str):
            return None
        m = DATE_RE.match(text)
        if not m:
            return None
        year, month, day = (int(g) if g else None for g in m.groups())
        try:
            dt.date(year, month or 1, day or 1)  # type: ignore[arg-type]
        except ValueError:
            return None
        return cls(year, month, day)  # type: ignore[arg-type]

    def earliest(self) -> dt.date:
        """The first day it can be."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> dt.date:
        """The last day it can be."""
        if self.day is not None:
            return self.earliest()
        if self.month is None:
            return dt.date(self.year, 12, 31)
        nxt = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)

    def isoformat(self) -> str:
        """As written in roster.json: ``2024``, ``2024-12`` or ``2024-12-05``."""
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        return text

    def __str__(self) -> str:
        return self.isoformat()


def age_on(born: PartialDate, day: dt.date) -> int:
    """Her age in whole years on ``day``: the least she can be.

    A year-only birth date counts as 31 December, so an appeal for women of 58 and over never
    takes in a woman who may still be 57.
    """
    birth = born.latest()
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class HistoryEvent:
    """One change of her status, oldest first: a sentence, a transfer, a release."""

    status: str
    on: PartialDate | None = None
    sentence_months: int | None = None
    source: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """As roster.json writes it."""
        return {
            "status": self.status,
            "on": self.on.isoformat() if self.on else None,
            "sentence_months": self.sentence_months,
            "source": self.source,
        }


@dataclass(frozen=True)
class Person:
    """One woman on the roster, validated.

    ``children`` is a count only: children are never named anywhere.

    Names come in three forms: Latin, Belarusian Cyrillic (``*_be``) and Russian Cyrillic
    (``surname_cyrillic``/``given_cyrillic``, also readable as ``surname_ru``/``given_ru``; the
    field keeps schema 1's name so code written against it stays right). A record read from a
    schema 1 file has no Belarusian form (``None``) until it is migrated.
    """

    id: str
    surname_latin: str
    given_latin: str
    surname_cyrillic: str
    given_cyrillic: str
    status: str
    children: int | None
    groups: tuple[str, ...]
    sentence_months: int | None = None
    facility: str | None = None
    photo: str | None = None
    photo_focus: tuple[float, float] | None = None
    photo_credit: str | None = None
    # Per language: what her photo shows, and its credit when it differs by language
    # ((lang, text) pairs, sorted: a Person stays hashable).
    photo_alt: tuple[tuple[str, str], ...] = ()
    photo_credits: tuple[tuple[str, str], ...] = ()
    detained_on: PartialDate | None = None
    released_on: PartialDate | None = None
    sources: tuple[str, ...] = ()
    surname_be: str | None = None
    given_be: str | None = None
    latin_exception: str | None = None
    born_on: PartialDate | None = None
    health: str | None = None
    history: tuple[HistoryEvent, ...] = ()
    checked_on: dt.date | None = None
    deviations: tuple[tuple[str, str], ...] = ()

    def last_checked(self, as_of: dt.date) -> dt.date:
        """When her record was last confirmed: ``checked_on``, else the roster's ``as_of``."""
        return self.checked_on or as_of

    @property
    def surname_ru(self) -> str:
        """Her surname in Russian Cyrillic: ``ЛАЗАРЧИК``."""
        return self.surname_cyrillic

    @property
    def given_ru(self) -> str:
        """Her given name in Russian Cyrillic: ``Елена``."""
        return self.given_cyrillic

    def name_parts(self, form: str) -> tuple[str, str]:
        """``(surname, given)`` in ``form``: ``"latin"``, ``"be"`` or ``"ru"``.

        Raises:
            RosterError: the form is unknown, or the record has no Belarusian form (schema 1).

        """
        if form == "latin":
            return self.surname_latin, self.given_latin
        if form == "ru":
            return self.surname_cyrillic, self.given_cyrillic
        if form == "be":
            if self.surname_be is None or self.given_be is None:
                raise RosterError(
                    f"{self.id}: no Belarusian name form (the roster is schema 1); {MIGRATE_HINT}"
                )
            return self.surname_be, self.given_be
        raise RosterError(f'unknown name form "{form}" (known: latin, be, ru)')

    @property
    def name_latin(self) -> str:
        """Surname first, as the organisation's lists print it: ``ABLAB Hanna``."""
        return f"{self.surname_latin} {self.given_latin}"

    @property
    def name_cyrillic(self) -> str:
        """Surname first in Russian Cyrillic: ``АБЛАБ Анна`` (schema 1's one Cyrillic form)."""
        return f"{self.surname_cyrillic} {self.given_cyrillic}"

    @property
    def name_be(self) -> str | None:
        """Surname first in Belarusian Cyrillic: ``АБЛАБ Ганна`` (None before migration)."""
        if self.surname_be is None or self.given_be is None:
            return None
        return f"{self.surname_be} {self.given_be}"

    @property
    def is_released(self) -> bool:
        """Whether she is free; appeals and their counts leave her out."""
        return self.status == "released"

    @property
    def last_sentence_months(self) -> int | None:
        """Her current term, or the last one on record (a released woman keeps hers in history)."""
        if self.sentence_months is not None:
            return self.sentence_months
        for event in reversed(self.history):
            if event.sentence_months is not None:
                return event.sentence_months
        return None


@dataclass(frozen=True)
class Roster:
    """The validated roster: the people in file order plus the file's metadata."""

    as_of: dt.date
    people: tuple[Person, ...]
    path: str = "roster.json"
    digest: str = field(default="", compare=False)
    schema: int = SCHEMA_VERSION
    warnings: tuple[Problem, ...] = field(default=(), compare=False)

    def in_group(self, group: str) -> tuple[Person, ...]:
        """Women of ``group`` who are still held, in roster order (released women excluded)."""
        return tuple(p for p in self.people if group in p.groups and not p.is_released)

    def by_id(self, person_id: str) -> Person:
        """Return the person with ``person_id`` (KeyError when absent)."""
        for p in self.people:
            if p.id == person_id:
                return p
        raise KeyError(person_id)


# --- script checks -----------------------------------------------------------------------

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


def _check_name(value: str, expected: str, kind: str) -> list[str]:
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


# --- validation ---------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _months_problem(months: Any) -> str | None:
    if not _is_int(months):
        return f"must be a whole number of months, not {months!r}"[:120]
    if months <= 0 or months > MAX_SENTENCE_MONTHS:
        return f"{months} is not a plausible term in months"
    return None


def _type_name(value: Any) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
        type(None): "null",
    }.get(type(value), type(value).__name__)


class _Checker:
    """Collects problems for one roster file."""

    def __init__(
        self, path: str, photos_root: Path | None, schema: int = SCHEMA_VERSION, today: dt.date | None = None
    ) -> None:
        self.path = path
        self.today = today or dt.date.today()
        self.photos_root = photos_root
        self.schema = schema
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(
        self, message: str, index: int | None = None, record_id: str | None = None, field: str | None = None
    ) -> None:
        self.problems.append(Problem(self.path, message, index, record_id, field))

    def record(self, index: int, rec: Any, seen: dict[str, int], as_of: dt.date | None) -> Person | None:
        if not isinstance(rec, dict):
            self.add(f"must be an object, not {_type_name(rec)}", index)
            return None
        rid = rec.get("id")
        rid_label = rid if isinstance(rid, str) and ID_RE.match(rid) and len(rid) <= 100 else None
        before = len(self.problems)

        def bad(field_name: str, message: str) -> None:
            self.add(message, index, rid_label, field_name)

        v1 = self.schema == 1
        for name in REQUIRED_FIELDS_V1 if v1 else REQUIRED_FIELDS:
            if name not in rec:
                bad(name, "missing required field")
        for name in sorted(k for k in rec if k not in (KNOWN_FIELDS_V1 if v1 else KNOWN_FIELDS)):
            shown = name if len(name) <= 60 else name[:60] + "…"
            hint = ""
            if not v1 and name in ("surname_cyrillic", "given_cyrillic"):
                kind = name.split("_")[0]
                hint = f" (schema 2 writes {kind}_ru and {kind}_be)"
            elif v1 and name in NAME_FIELDS:
                hint = ' (a schema 2 field: set "schema": 2, or run `campaign-kit migrate`)'
            self.add(f'unknown field "{shown}"{hint}', index, rid_label)

        # id
        if "id" in rec:
            if not isinstance(rid, str):
                bad("id", f"must be a string, not {_type_name(rid)}")
            elif not ID_RE.match(rid) or len(rid) > 100:
                bad("id", f"{rid[:60]!r} is not a slug (lowercase a-z, 0-9 and single hyphens)")
            elif rid in seen:
                bad("id", f'duplicate id "{rid}" (first used by record {seen[rid] + 1})')
            else:
                seen[rid] = index

        # names
        for name in NAME_FIELDS_V1 if v1 else NAME_FIELDS:
            if name not in rec:
                continue
            value = rec[name]
            if not isinstance(value, str):
                bad(name, f"must be a string, not {_type_name(value)}")
                continue
            expected = "latin" if name.endswith("_latin") else "cyrillic"
            kind = "surname" if name.startswith("surname") else "given"
            msgs = _check_name(value, expected, kind)
            if not msgs and name.endswith(("_be", "_ru")):
                msgs = alphabet_problems(value, name[-2:])
            for msg in msgs:
                bad(name, msg)
        exception = rec.get("latin_exception")
        if exception is not None and (
            not isinstance(exception, str) or not exception.strip() or len(exception) > MAX_EXCEPTION_LEN
        ):
            bad(
                "latin_exception",
                f"must be null or a short reason (at most {MAX_EXCEPTION_LEN} characters) "
                "why the published Latin differs from the passport transliteration",
            )
        if not v1 and len(self.problems) == before:
            self._check_transliteration(index, rid_label, rec)

        # status, sentence, facility
        status = rec.get("status")
        if "status" in rec and status not in STATUSES:
            shown = status if isinstance(status, str) else _type_name(status)
            bad("status", f"{str(shown)[:40]!r} is not one of {', '.join(STATUSES)}")
        months = rec.get("sentence_months")
        if status == "sentenced" and "sentence_months" not in rec:
            bad("sentence_months", "missing for a sentenced woman (use null when the term is unknown)")
        if months is not None:
            problem = _months_problem(months)
            if problem:
                bad("sentence_months", problem)
            if status in STATUSES and status not in TERM_STATUSES:
                bad("sentence_months", f'a sentence is set but status is "{status}"')
        facility = rec.get("facility")
        if facility is not None:
            if facility not in FACILITIES:
                bad("facility", f"{str(facility)[:40]!r} is not one of {', '.join(FACILITIES)}")
            elif status in STATUSES and status not in FACILITY_STATUSES:
                bad("facility", f'a facility is set but status is "{status}"')

        # children: schema 1 requires a count; schema 2 allows null (unknown)
        children = rec.get("children")
        if "children" in rec and children is None and v1:
            bad("children", "must be a whole number, not null (schema 2 allows null for unknown)")
        elif children is not None:
            if not _is_int(children):
                bad("children", f"must be a whole number, not {_type_name(children)}")
            elif children < 0:
                bad("children", f"must not be negative (got {children})")
            elif children > MAX_CHILDREN:
                bad("children", f"{children} is not a plausible number of minor children")

        # groups
        groups = rec.get("groups")
        if "groups" in rec:
            if not isinstance(groups, list) or not all(isinstance(g, str) and ID_RE.match(g) for g in groups):
                bad("groups", "must be a list of group names (lowercase slugs)")
            elif len(set(groups)) != len(groups):
                bad("groups", "lists a group twice")

        # dates: YYYY-MM-DD, and in schema 2 also YYYY-MM or YYYY
        dates: dict[str, PartialDate] = {}
        for name in ("born_on", "detained_on", "released_on"):
            value = rec.get(name)
            if value is None:
                continue
            parsed = self._date(value)
            if parsed is None:
                bad(name, f"{str(value)[:40]!r} is not a real date in {self._date_forms()} form")
                continue
            low = 1900 if name == "born_on" else 1990
            if parsed.year < low:
                bad(name, f"{value} is before {low}")
            elif as_of is not None and parsed.earliest() > as_of:
                bad(name, f"{value} is after the roster's as_of date {as_of.isoformat()}")
            elif parsed.earliest() > self.today:
                self.warn(f"{value} is in the future", index, rid_label, name)
            dates[name] = parsed
        if "detained_on" in dates and "released_on" in dates:
            if dates["released_on"].latest() < dates["detained_on"].earliest():
                bad("released_on", "is before detained_on")
        if "born_on" in dates and "detained_on" in dates:
            if dates["detained_on"].latest() < dates["born_on"].earliest():
                bad("born_on", "is after detained_on")
        if status == "released" and rec.get("released_on") is None:
            bad("released_on", 'status is "released" but released_on is not set')
        if status in STATUSES and status != "released" and rec.get("released_on") is not None:
            bad("released_on", f'is set but status is "{status}"')

        health = rec.get("health")
        if health is not None and (
            not isinstance(health, str)
            or not health.strip()
            or len(health) > MAX_HEALTH_LEN
            or any(ord(c) < 32 for c in health)
        ):
            bad(
                "health",
                f"must be null or one line of at most {MAX_HEALTH_LEN} characters (a published note)",
            )
        history = self._history(rec.get("history"), status, bad)

        # sources
        sources = rec.get("sources", [])
        if sources is not None and (
            not isinstance(sources, list)
            or not all(isinstance(s, str) and s.startswith(("https://", "http://")) for s in sources)
        ):
            bad("sources", "must be a list of http(s) links")
        else:
            for link in sources or ():
                if PLACEHOLDER_URL.search(link):
                    self.warn(
                        f"{link[:80]!r} looks like a placeholder, not a source", index, rid_label, "sources"
                    )

        checked_on = None
        if rec.get("checked_on") is not None:
            checked_on = _parse_date(rec["checked_on"])
            if checked_on is None:
                bad("checked_on", f"{str(rec['checked_on'])[:40]!r} is not a real date in YYYY-MM-DD form")
            elif checked_on > self.today:
                self.warn(f"{checked_on.isoformat()} is in the future", index, rid_label, "checked_on")
        deviations = self._deviations(rec.get("deviations"), bad)

        # photo
        photo = rec.get("photo")
        if photo is not None:
            self._check_photo(photo, bad)
        focus = rec.get("photo_focus")
        if focus is not None and not (
            isinstance(focus, list)
            and len(focus) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in focus)
        ):
            bad("photo_focus", "must be [x, y] with both between 0 and 1")
        credit = rec.get("photo_credit")
        credits: dict[str, str] = {}
        # Printed on every card that shows her photo: one short line (or one per language:
        # {"en": "family archive", "be": "сямейны архіў"}), only with a photo.
        if isinstance(credit, dict):
            for lang, text in credit.items():
                if not _one_line(text, MAX_CREDIT_LEN) or not re.fullmatch(r"[a-z]{2,3}", str(lang)):
                    bad(f"photo_credit.{lang}", f"must be one line of at most {MAX_CREDIT_LEN} characters")
                else:
                    credits[lang] = text
            if not credit:
                bad("photo_credit", "is an empty table; give a credit per language, or null")
        elif credit is not None and not _one_line(credit, MAX_CREDIT_LEN):
            bad(
                "photo_credit",
                f"must be one line of at most {MAX_CREDIT_LEN} characters, one per language, or null",
            )
        if credit is not None and photo is None:
            bad("photo_credit", "is set but there is no photo")
        # What the photo shows, per language, for the cards' alt text (schema 2).
        alt = rec.get("photo_alt")
        alts: dict[str, str] = {}
        if alt is not None:
            if not isinstance(alt, dict) or not alt:
                bad("photo_alt", "must be a table of one line per language (en, be, ru), or null")
            else:
                for lang, text in alt.items():
                    if not re.fullmatch(r"[a-z]{2,3}", str(lang)):
                        bad(f"photo_alt.{lang}", "is not a language code (en, be, ru)")
                    elif not _one_line(text, MAX_PHOTO_ALT_LEN):
                        bad(f"photo_alt.{lang}", f"must be one line of at most {MAX_PHOTO_ALT_LEN} letters")
                    else:
                        alts[lang] = text
            if photo is None:
                bad("photo_alt", "is set but there is no photo")

        if len(self.problems) != before:
            return None
        return Person(
            id=rid,
            surname_latin=rec["surname_latin"],
            given_latin=rec["given_latin"],
            surname_cyrillic=rec["surname_cyrillic" if v1 else "surname_ru"],
            given_cyrillic=rec["given_cyrillic" if v1 else "given_ru"],
            surname_be=None if v1 else rec["surname_be"],
            given_be=None if v1 else rec["given_be"],
            latin_exception=rec.get("latin_exception"),
            status=status,
            children=children,
            groups=tuple(groups),
            sentence_months=months,
            facility=facility,
            photo=photo,
            photo_focus=tuple(float(v) for v in focus) if focus else None,  # type: ignore[arg-type]
            photo_credit=credit if isinstance(credit, str) else None,
            photo_credits=tuple(sorted(credits.items())),
            photo_alt=tuple(sorted(alts.items())),
            detained_on=dates.get("detained_on"),
            released_on=dates.get("released_on"),
            born_on=dates.get("born_on"),
            health=health,
            history=history,
            sources=tuple(sources or ()),
            checked_on=checked_on,
            deviations=deviations,
        )

    def warn(
        self, message: str, index: int | None = None, record_id: str | None = None, field: str | None = None
    ) -> None:
        """Record a warning: the roster stays valid, ``validate`` shows it."""
        self.warnings.append(Problem(self.path, message, index, record_id, field))

    def _deviations(self, value: Any, bad: Any) -> tuple[tuple[str, str], ...]:
        """``{"surname_ru": "reason"}``: where the record knowingly differs from the published list."""
        if value is None:
            return ()
        if not isinstance(value, dict) or not value:
            bad("deviations", "must be null or an object: field -> why it differs from the published list")
            return ()
        out = []
        for name, reason in value.items():
            if name not in DEVIATION_FIELDS:
                bad(
                    "deviations",
                    f"{str(name)[:40]!r} is not a field of the record ({', '.join(DEVIATION_FIELDS)})",
                )
            elif not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_EXCEPTION_LEN:
                bad(f"deviations.{name}", f"must be a short reason (at most {MAX_EXCEPTION_LEN} characters)")
            else:
                out.append((name, reason))
        return tuple(out)

    def _date(self, value: Any) -> PartialDate | None:
        parsed = PartialDate.parse(value)
        if parsed is not None and self.schema == 1 and parsed.day is None:
            return None
        return parsed

    def _date_forms(self) -> str:
        return "YYYY-MM-DD" if self.schema == 1 else "YYYY, YYYY-MM or YYYY-MM-DD"

    def _history(self, value: Any, status: Any, bad: Any) -> tuple[HistoryEvent, ...]:
        """Check ``history``: status events oldest first, the last one her current status."""
        if value is None:
            return ()
        if not isinstance(value, list) or len(value) > MAX_HISTORY:
            bad("history", f"must be a list of at most {MAX_HISTORY} status events")
            return ()
        events: list[HistoryEvent] = []
        previous: PartialDate | None = None
        for i, item in enumerate(value):
            where = f"history[{i}]"
            if not isinstance(item, dict):
                bad(where, "must be an object with status, on, sentence_months and source")
                continue
            unknown = sorted(set(item) - {"status", "on", "sentence_months", "source"})
            if unknown:
                bad(where, f'unknown field "{str(unknown[0])[:40]}"')
            st = item.get("status")
            if st not in STATUSES:
                bad(f"{where}.status", f"{str(st)[:40]!r} is not one of {', '.join(STATUSES)}")
                continue
            on = item.get("on")
            parsed = None
            if on is not None:
                parsed = PartialDate.parse(on)
                if parsed is None:
                    bad(f"{where}.on", f"{str(on)[:40]!r} is not a date in YYYY, YYYY-MM or YYYY-MM-DD form")
                elif previous is not None and parsed.latest() < previous.earliest():
                    bad(f"{where}.on", f"{on} is before the event above it (history is oldest first)")
                if parsed is not None:
                    previous = parsed
            months = item.get("sentence_months")
            if months is not None:
                problem = _months_problem(months)
                if problem:
                    bad(f"{where}.sentence_months", problem)
                elif st not in TERM_STATUSES:
                    bad(f"{where}.sentence_months", f'a sentence is set but the event\'s status is "{st}"')
            source = item.get("source")
            if source is not None and not (
                isinstance(source, str) and source.startswith(("https://", "http://"))
            ):
                bad(f"{where}.source", "must be null or an http(s) link")
            events.append(HistoryEvent(st, parsed, months if _is_int(months) else None, source))
        if events and status in STATUSES and events[-1].status != status:
            bad(
                "history",
                f'the last event is "{events[-1].status}" but status is "{status}" '
                "(the last event is her current status)",
            )
        return tuple(events)

    def _check_transliteration(self, index: int, rid: str | None, rec: dict[str, Any]) -> None:
        """Warn when the Latin is not the passport transliteration of the Belarusian form.

        A warning, not an error: the published Latin is what the woman's passport and the
        organisation's lists say, and some differ from the rule (PAHADAEVA for Пагадаева). A
        record marks such a name with ``latin_exception``, which silences the warning.
        """
        differs = [
            (f"{kind}_latin", rec[f"{kind}_latin"], rec[f"{kind}_be"])
            for kind in ("surname", "given")
            if not latin_matches(rec[f"{kind}_latin"], rec[f"{kind}_be"])
        ]
        for name in ("surname_ru", "given_ru"):
            spelt = re.search(r"[чшжщ]ы", rec[name].lower())
            if spelt:
                self.warnings.append(
                    Problem(
                        self.path,
                        f"{rec[name]!r} has «{rec[name][spelt.start() : spelt.end()]}»: Russian writes "
                        "и after ч ш ж щ (ЛАЗАРЧИК, not the Belarusian ЛАЗАРЧЫК)",
                        index,
                        rid,
                        name,
                    )
                )
        exception = rec.get("latin_exception")
        if differs and not exception:
            for name, latin, be in differs:
                rule = passport_latin(be)
                rule = rule.upper() if latin.isupper() else rule.capitalize()
                self.warnings.append(
                    Problem(
                        self.path,
                        f"{latin!r} is not the passport transliteration of {be!r} ({rule!r}); "
                        "correct one of them, or set latin_exception to the reason the published "
                        "spelling differs",
                        index,
                        rid,
                        name,
                    )
                )
        elif exception and not differs:
            self.warnings.append(
                Problem(
                    self.path,
                    "latin_exception is set, but the Latin follows the passport transliteration",
                    index,
                    rid,
                    "latin_exception",
                )
            )

    def _check_photo(self, photo: Any, bad: Any) -> None:
        if not isinstance(photo, str):
            bad("photo", f"must be a file name or null, not {_type_name(photo)}")
            return
        # Photos live in assets/photos/ and are named by a plain file name: a path here
        # could point anywhere on the machine.
        if "/" in photo or "\\" in photo or "\x00" in photo or photo.startswith("."):
            bad("photo", f"{photo[:60]!r} must be a plain file name inside assets/photos/")
            return
        if not photo.lower().endswith(PHOTO_SUFFIXES):
            bad("photo", f"{photo[:60]!r} is not a .jpg, .jpeg, .png or .webp file")
            return
        if self.photos_root is None:
            return
        file = self.photos_root / photo
        if not file.is_file():
            bad("photo", f"file not found: assets/photos/{photo}")
            return
        problem = sniff_image(file)
        if problem:
            bad("photo", f"assets/photos/{photo}: {problem}")


def sniff_image(file: Path) -> str | None:
    """Return why ``file`` is not a readable image, or None when its header looks right.

    Only the header is read: full decoding (with the pixel limit) happens when cards render.
    """
    try:
        with file.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if head.startswith(b"\xff\xd8\xff"):
        return None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return None
    return "is not a JPEG, PNG or WebP image"


def _json_problem(path: str, text: str, exc: jsonstrict.JSONError) -> Problem:
    return Problem(path, f"invalid JSON: {exc.msg}", line=exc.lineno, column=exc.colno)


def parse_roster(
    text: str | bytes,
    path: str = "roster.json",
    photos_root: Path | None = None,
) -> tuple[Roster | None, list[Problem]]:
    """Parse and validate roster text; return the roster (None if invalid) and every problem.

    Args:
        text: The file's content.
        path: The name to use in messages.
        photos_root: ``assets/photos``; when given, photo files are checked to exist and be images.

    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, [Problem(path, f"not UTF-8 text (byte {exc.start + 1})")]
    try:
        # Duplicate keys and over-long numbers are errors, not a silent last-wins or a traceback.
        data = jsonstrict.loads(text)
    except jsonstrict.JSONError as exc:
        return None, [_json_problem(path, text, exc)]
    return validate_roster_data(data, path, photos_root)


def validate_roster_data(
    data: Any, path: str = "roster.json", photos_root: Path | None = None
) -> tuple[Roster | None, list[Problem]]:
    """Validate already-parsed roster data (see ``parse_roster``)."""
    roster, problems, _ = check_roster_data(data, path, photos_root)
    return roster, problems


def check_roster_data(
    data: Any, path: str = "roster.json", photos_root: Path | None = None
) -> tuple[Roster | None, list[Problem], list[Problem]]:
    """Validate parsed roster data; return the roster (None if invalid), problems and warnings.

    Warnings do not make the roster invalid: a schema 1 file (with how to migrate it) and a
    Latin name that is not the passport transliteration of the Belarusian form.
    """
    if not isinstance(data, dict):
        return None, [Problem(path, f"the top level must be an object, not {_type_name(data)}")], []
    schema = data.get("schema")
    check = _Checker(path, photos_root, schema if schema in READABLE_SCHEMAS else SCHEMA_VERSION)
    for key in sorted(k for k in data if k not in ("schema", "as_of", "people")):
        check.add(f'unknown top-level field "{str(key)[:60]}"')
    if schema not in READABLE_SCHEMAS or isinstance(schema, bool):
        check.add(f"schema must be {SCHEMA_VERSION} (or 1), not {schema!r}"[:120], field="schema")
    elif schema == 1:
        check.warnings.append(
            Problem(
                path,
                "schema 1: names have one Cyrillic form (read as the Russian) and no Belarusian "
                f"form, so Belarusian texts cannot be built; {MIGRATE_HINT}",
                field="schema",
            )
        )
    as_of = _parse_date(data.get("as_of"))
    if as_of is None:
        check.add("missing or not a real date in YYYY-MM-DD form", field="as_of")
    elif as_of > check.today:
        check.warn(
            f"{as_of.isoformat()} is in the future: the texts say the list is correct as of it", field="as_of"
        )
    people_data = data.get("people")
    if not isinstance(people_data, list):
        check.add("must be a list of records", field="people")
        return None, check.problems, check.warnings
    seen: dict[str, int] = {}
    people = [check.record(i, rec, seen, as_of) for i, rec in enumerate(people_data)]
    if check.problems:
        return None, check.problems, check.warnings
    assert as_of is not None
    roster = Roster(
        as_of=as_of,
        people=tuple(p for p in people if p),
        path=path,
        schema=check.schema,
        warnings=tuple(check.warnings),
    )
    return roster, [], check.warnings


def load_roster(path: Path, photos_root: Path | None = None) -> Roster:
    """Read and validate ``path``; raise ``RosterError`` listing every problem.

    Args:
        path: The roster file.
        photos_root: Folder holding photos; ``None`` skips the photo file checks.

    """
    shown = str(path)
    with reading(shown, RosterError):
        raw = path.read_bytes()
    roster, problems = parse_roster(raw, shown, photos_root)
    if roster is None:
        n = len(problems)
        raise RosterError(f"{shown}: {n} problem{'s' if n != 1 else ''} found", problems)
    return dataclasses.replace(roster, path=shown, digest=hashlib.sha256(raw).hexdigest())


def person_to_dict(p: Person) -> dict[str, Any]:
    """Serialise ``p`` as a schema 2 record, in roster.json's field order.

    Raises:
        RosterError: ``p`` has no Belarusian name form (read from schema 1 and not migrated).

    """
    surname_be, given_be = p.name_parts("be")
    out: dict[str, Any] = {
        "id": p.id,
        "surname_latin": p.surname_latin,
        "given_latin": p.given_latin,
        "surname_be": surname_be,
        "given_be": given_be,
        "surname_ru": p.surname_cyrillic,
        "given_ru": p.given_cyrillic,
        "latin_exception": p.latin_exception,
        "status": p.status,
    }
    if p.born_on is not None:
        out["born_on"] = p.born_on.isoformat()
    if p.status in TERM_STATUSES:
        out["sentence_months"] = p.sentence_months
    if p.status in FACILITY_STATUSES and (p.status == "sentenced" or p.facility is not None):
        out["facility"] = p.facility
    out["children"] = p.children
    out["groups"] = list(p.groups)
    if p.health is not None:
        out["health"] = p.health
    if p.history:
        out["history"] = [event.as_dict() for event in p.history]
    out["photo"] = p.photo
    if p.photo_focus is not None:
        out["photo_focus"] = list(p.photo_focus)
    if p.photo_credits:
        out["photo_credit"] = dict(p.photo_credits)
    elif p.photo_credit is not None:
        out["photo_credit"] = p.photo_credit
    if p.photo_alt:
        out["photo_alt"] = dict(p.photo_alt)
    out["detained_on"] = p.detained_on.isoformat() if p.detained_on else None
    out["released_on"] = p.released_on.isoformat() if p.released_on else None
    out["sources"] = list(p.sources)
    if p.checked_on is not None:
        out["checked_on"] = p.checked_on.isoformat()
    if p.deviations:
        out["deviations"] = dict(p.deviations)
    return out


def dump_roster(people: Iterable[Person], as_of: dt.date) -> str:
    """Return roster.json text: one record per line block, stable and diff-friendly."""
    doc: Mapping[str, Any] = {
        "schema": SCHEMA_VERSION,
        "as_of": as_of.isoformat(),
        "people": [person_to_dict(p) for p in people],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


@dataclass(frozen=True)
class Migration:
    """The result of ``migrate_roster``: the schema 2 text and what a person must check."""

    text: str
    schema_before: int
    people: int
    suggestions: tuple[Problem, ...]


def migrate_roster(raw: bytes, path: str = "roster.json") -> Migration:
    """Rewrite a schema 1 roster as schema 2, suggesting each Belarusian name form.

    Schema 1's Cyrillic fields become the Russian forms (``*_ru``); the Belarusian forms are
    read back from the Latin (the passport transliteration of the Belarusian form) with the
    Russian form's help, and every one is returned as a suggestion to check. A schema 2 file
    comes back unchanged in meaning (re-serialised).

    Raises:
        RosterError: the file is not a valid roster of either schema.

    """
    from campaign_kit.roster.names import suggest_belarusian

    roster, problems = parse_roster(raw, path)
    if roster is None:
        n = len(problems)
        raise RosterError(
            f"{path}: {n} problem{'s' if n != 1 else ''} found; fix them before migrating", problems
        )
    suggestions: list[Problem] = []
    people = []
    for index, p in enumerate(roster.people):
        if p.name_be is None:
            surname = suggest_belarusian(p.surname_latin, p.surname_cyrillic)
            given = suggest_belarusian(p.given_latin, p.given_cyrillic)
            p = dataclasses.replace(p, surname_be=surname, given_be=given)
            suggestions.append(
                Problem(
                    path,
                    f"Belarusian form suggested: {surname} {given} (from {p.name_latin} and "
                    f"{p.name_cyrillic}); check it",
                    index,
                    p.id,
                    "surname_be",
                )
            )
        people.append(p)
    return Migration(dump_roster(people, roster.as_of), roster.schema, len(people), tuple(suggestions))
