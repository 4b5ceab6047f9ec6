"""Read and validate ``roster.json`` into frozen ``Person`` records.

Validation reports every problem in the file, not the first, each naming the record (index
and id) and the field, so a person editing the roster by hand can fix it in one pass.
"""

from __future__ import annotations

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
from campaign_kit.errors import Problem, RosterError

SCHEMA_VERSION = 1
STATUSES = ("sentenced", "pre_trial", "compulsory_treatment", "released")
FACILITIES = ("penal_colony",)
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

NAME_FIELDS = ("surname_latin", "given_latin", "surname_cyrillic", "given_cyrillic")
REQUIRED_FIELDS = (
    "id",
    *NAME_FIELDS,
    "status",
    "children",
    "groups",
)
OPTIONAL_FIELDS = (
    "sentence_months",
    "facility",
    "photo",
    "photo_focus",
    "photo_credit",
    "detained_on",
    "released_on",
    "sources",
)
KNOWN_FIELDS = frozenset(REQUIRED_FIELDS + OPTIONAL_FIELDS)


@dataclass(frozen=True)
class Person:
    """One woman on the roster, validated.

    ``children`` is a count only: children are never named anywhere.
    """

    id: str
    surname_latin: str
    given_latin: str
    surname_cyrillic: str
    given_cyrillic: str
    status: str
    children: int
    groups: tuple[str, ...]
    sentence_months: int | None = None
    facility: str | None = None
    photo: str | None = None
    photo_focus: tuple[float, float] | None = None
    photo_credit: str | None = None
    detained_on: dt.date | None = None
    released_on: dt.date | None = None
    sources: tuple[str, ...] = ()

    @property
    def name_latin(self) -> str:
        """Surname first, as the organisation's lists print it: ``ABLAB Hanna``."""
        return f"{self.surname_latin} {self.given_latin}"

    @property
    def name_cyrillic(self) -> str:
        """Surname first in Cyrillic: ``АБЛАБ Анна``."""
        return f"{self.surname_cyrillic} {self.given_cyrillic}"

    @property
    def is_released(self) -> bool:
        """Whether she is free; appeals and their counts leave her out."""
        return self.status == "released"


@dataclass(frozen=True)
class Roster:
    """The validated roster: the people in file order plus the file's metadata."""

    as_of: dt.date
    people: tuple[Person, ...]
    path: str = "roster.json"
    digest: str = field(default="", compare=False)

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

    def __init__(self, path: str, photos_root: Path | None) -> None:
        self.path = path
        self.photos_root = photos_root
        self.problems: list[Problem] = []

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

        for name in REQUIRED_FIELDS:
            if name not in rec:
                bad(name, "missing required field")
        for name in sorted(k for k in rec if k not in KNOWN_FIELDS):
            shown = name if len(name) <= 60 else name[:60] + "…"
            self.add(f'unknown field "{shown}"', index, rid_label)

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
        for name in NAME_FIELDS:
            if name not in rec:
                continue
            value = rec[name]
            if not isinstance(value, str):
                bad(name, f"must be a string, not {_type_name(value)}")
                continue
            expected = "latin" if name.endswith("_latin") else "cyrillic"
            kind = "surname" if name.startswith("surname") else "given"
            for msg in _check_name(value, expected, kind):
                bad(name, msg)

        # status, sentence, facility
        status = rec.get("status")
        if "status" in rec and status not in STATUSES:
            shown = status if isinstance(status, str) else _type_name(status)
            bad("status", f"{str(shown)[:40]!r} is not one of {', '.join(STATUSES)}")
        months = rec.get("sentence_months")
        if status == "sentenced" and "sentence_months" not in rec:
            bad("sentence_months", "missing for a sentenced woman (use null when the term is unknown)")
        if months is not None:
            if not _is_int(months):
                bad("sentence_months", f"must be a whole number of months, not {months!r}"[:120])
            elif months <= 0 or months > MAX_SENTENCE_MONTHS:
                bad("sentence_months", f"{months} is not a plausible term in months")
            if status in STATUSES and status != "sentenced":
                bad("sentence_months", f'a sentence is set but status is "{status}"')
        facility = rec.get("facility")
        if facility is not None:
            if facility not in FACILITIES:
                bad("facility", f"{str(facility)[:40]!r} is not one of {', '.join(FACILITIES)}")
            elif status in STATUSES and status != "sentenced":
                bad("facility", f'a facility is set but status is "{status}"')

        # children
        children = rec.get("children")
        if "children" in rec:
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

        # dates
        dates: dict[str, dt.date] = {}
        for name in ("detained_on", "released_on"):
            value = rec.get(name)
            if value is None:
                continue
            parsed = _parse_date(value)
            if parsed is None:
                bad(name, f"{str(value)[:40]!r} is not a real date in YYYY-MM-DD form")
                continue
            if parsed.year < 1990:
                bad(name, f"{value} is before 1990")
            elif as_of is not None and parsed > as_of:
                bad(name, f"{value} is after the roster's as_of date {as_of.isoformat()}")
            dates[name] = parsed
        if "detained_on" in dates and "released_on" in dates:
            if dates["released_on"] < dates["detained_on"]:
                bad("released_on", "is before detained_on")
        if status == "released" and rec.get("released_on") is None:
            bad("released_on", 'status is "released" but released_on is not set')
        if status in STATUSES and status != "released" and rec.get("released_on") is not None:
            bad("released_on", f'is set but status is "{status}"')

        # sources
        sources = rec.get("sources", [])
        if sources is not None and (
            not isinstance(sources, list)
            or not all(isinstance(s, str) and s.startswith(("https://", "http://")) for s in sources)
        ):
            bad("sources", "must be a list of http(s) links")

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
        # Printed on every card that shows her photo: one short line, only with a photo.
        if credit is not None and (
            not isinstance(credit, str)
            or not credit.strip()
            or len(credit) > MAX_CREDIT_LEN
            or any(ord(c) < 32 for c in credit)
        ):
            bad("photo_credit", f"must be one line of at most {MAX_CREDIT_LEN} characters, or null")
        elif credit is not None and photo is None:
            bad("photo_credit", "is set but there is no photo")

        if len(self.problems) != before:
            return None
        return Person(
            id=rid,
            surname_latin=rec["surname_latin"],
            given_latin=rec["given_latin"],
            surname_cyrillic=rec["surname_cyrillic"],
            given_cyrillic=rec["given_cyrillic"],
            status=status,
            children=children,
            groups=tuple(groups),
            sentence_months=months,
            facility=facility,
            photo=photo,
            photo_focus=tuple(float(v) for v in focus) if focus else None,  # type: ignore[arg-type]
            photo_credit=credit,
            detained_on=dates.get("detained_on"),
            released_on=dates.get("released_on"),
            sources=tuple(sources or ()),
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
    check = _Checker(path, photos_root)
    if not isinstance(data, dict):
        check.add(f"the top level must be an object, not {_type_name(data)}")
        return None, check.problems
    for key in sorted(k for k in data if k not in ("schema", "as_of", "people")):
        check.add(f'unknown top-level field "{str(key)[:60]}"')
    schema = data.get("schema")
    if schema != SCHEMA_VERSION:
        check.add(f"schema must be {SCHEMA_VERSION}, not {schema!r}"[:120], field="schema")
    as_of = _parse_date(data.get("as_of"))
    if as_of is None:
        check.add("missing or not a real date in YYYY-MM-DD form", field="as_of")
    people_data = data.get("people")
    if not isinstance(people_data, list):
        check.add("must be a list of records", field="people")
        return None, check.problems
    seen: dict[str, int] = {}
    people = [check.record(i, rec, seen, as_of) for i, rec in enumerate(people_data)]
    if check.problems:
        return None, check.problems
    assert as_of is not None
    return Roster(as_of=as_of, people=tuple(p for p in people if p)), []


def load_roster(path: Path, photos_root: Path | None = None) -> Roster:
    """Read and validate ``path``; raise ``RosterError`` listing every problem.

    Args:
        path: The roster file.
        photos_root: Folder holding photos; ``None`` skips the photo file checks.

    """
    shown = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RosterError(f"{shown}: file not found") from None
    except OSError as exc:
        raise RosterError(f"{shown}: cannot be read ({exc.strerror})") from None
    roster, problems = parse_roster(raw, shown, photos_root)
    if roster is None:
        n = len(problems)
        raise RosterError(f"{shown}: {n} problem{'s' if n != 1 else ''} found", problems)
    return Roster(roster.as_of, roster.people, shown, hashlib.sha256(raw).hexdigest())


def person_to_dict(p: Person) -> dict[str, Any]:
    """Serialise ``p`` in roster.json's field order (optional fields only when set)."""
    out: dict[str, Any] = {
        "id": p.id,
        "surname_latin": p.surname_latin,
        "given_latin": p.given_latin,
        "surname_cyrillic": p.surname_cyrillic,
        "given_cyrillic": p.given_cyrillic,
        "status": p.status,
    }
    if p.status == "sentenced":
        out["sentence_months"] = p.sentence_months
        out["facility"] = p.facility
    out["children"] = p.children
    out["groups"] = list(p.groups)
    out["photo"] = p.photo
    if p.photo_focus is not None:
        out["photo_focus"] = list(p.photo_focus)
    if p.photo_credit is not None:
        out["photo_credit"] = p.photo_credit
    out["detained_on"] = p.detained_on.isoformat() if p.detained_on else None
    out["released_on"] = p.released_on.isoformat() if p.released_on else None
    out["sources"] = list(p.sources)
    return out


def dump_roster(people: Iterable[Person], as_of: dt.date) -> str:
    """Return roster.json text: one record per line block, stable and diff-friendly."""
    doc: Mapping[str, Any] = {
        "schema": SCHEMA_VERSION,
        "as_of": as_of.isoformat(),
        "people": [person_to_dict(p) for p in people],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
