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

# The schema this version writes; schema 1 (one Cyrillic form, the Russian) still loads, with
# a warning that says how to migrate.
SCHEMA_VERSION = 2
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

# The three name forms: Latin (as published), Belarusian and Russian Cyrillic.
NAME_FIELDS = ("surname_latin", "given_latin", "surname_be", "given_be", "surname_ru", "given_ru")
# The fields a record may knowingly publish differently from the organisation's published list
# (``deviations``: field -> the reason, as latin_exception gives one for the Latin).
DEVIATION_FIELDS = (*NAME_FIELDS, "status", "sentence_months", "facility", "children")
# Links that are not a source yet: an example domain, a local address, a to-do.
PLACEHOLDER_URL = re.compile(
    r"^https?://(?:[^/]*\.)?(?:example\.(?:org|com|net)|localhost|127\.0\.0\.1|test|invalid)(?:[:/]|$)"
    r"|todo|tbd|xxx|placeholder|changeme",
    re.IGNORECASE,
)
MAX_EXCEPTION_LEN = 200
#: The longest description of a photo (alt text on platforms allows 1,000 and more).
MAX_PHOTO_ALT_LEN = 300


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


def read_roster_json(text: str | bytes, path: str = "roster.json") -> tuple[Any, list[Problem]]:
    """Decode and parse roster text; return the data (None when unreadable) and the problem.

    Args:
        text: The file's content.
        path: The name to use in messages.

    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, [Problem(path, f"not UTF-8 text (byte {exc.start + 1})")]
    try:
        # Duplicate keys and over-long numbers are errors, not a silent last-wins or a traceback.
        return jsonstrict.loads(text), []
    except jsonstrict.JSONError as exc:
        return None, [Problem(path, f"invalid JSON: {exc.msg}", line=exc.lineno, column=exc.colno)]


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
    data, problems = read_roster_json(text, path)
    if problems:
        return None, problems
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
    """Validate parsed roster data; return the roster (None if invalid), problems and warnings."""
    from campaign_kit.roster_checks import check_roster_data as check

    return check(data, path, photos_root)


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
    from campaign_kit.roster_checks import SCHEMA_1_NAMES, check_roster_data, upgrade_schema_1

    data, problems = read_roster_json(raw, path)
    schema_before = data.get("schema") if isinstance(data, dict) else None
    upgraded, suggested = upgrade_schema_1(data)
    if not problems:
        roster, problems, _ = check_roster_data(upgraded, path)
    if problems:
        if schema_before == 1:
            # Name the fields as the file spells them.
            back = {new: old for old, new in SCHEMA_1_NAMES.items()}
            problems = [dataclasses.replace(p, field=back.get(p.field or "", p.field)) for p in problems]
        n = len(problems)
        raise RosterError(
            f"{path}: {n} problem{'s' if n != 1 else ''} found; fix them before migrating", problems
        )
    assert roster is not None
    suggestions = []
    for index, surname, given in suggested:
        p = roster.people[index]
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
    return Migration(
        dump_roster(roster.people, roster.as_of),
        1 if schema_before == 1 else SCHEMA_VERSION,
        len(roster.people),
        tuple(suggestions),
    )
