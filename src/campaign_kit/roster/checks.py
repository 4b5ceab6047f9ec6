"""The roster's field rules, as data, and the small engine that applies them.

``RECORD_RULES`` is one ordered table: a ``Field`` per record field (whether it is required,
and the check that reads its value) and, between them, the rules that tie fields together
(a release date only for a released woman) as small named functions. The engine walks the
table once per record and collects every problem, each naming the file, the record (index and
id) and the field, so a person editing the roster by hand can fix it in one pass.

Only schema 2 is read here: a schema 1 file gets one problem saying to run
``campaign-kit migrate``, which upgrades it (``roster.migrate``) and then checks it with these
same rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign_kit import clock
from campaign_kit.errors import Problem
from campaign_kit.roster.model import (
    FACILITIES,
    FACILITY_STATUSES,
    MIGRATE_HINT,
    NAME_FIELDS,
    SCHEMA_1_NAMES,
    SCHEMA_VERSION,
    STATUSES,
    TERM_STATUSES,
    HistoryEvent,
    PartialDate,
    Person,
    Roster,
)
from campaign_kit.roster.names import alphabet_problems, latin_matches, passport_latin
from campaign_kit.roster.scripts import check_name

ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
MAX_HEALTH_LEN = 300
MAX_HISTORY = 50
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
MAX_CHILDREN = 30
MAX_SENTENCE_MONTHS = 12 * 30
MAX_CREDIT_LEN = 40
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
LANG_RE = re.compile(r"[a-z]{2,3}")
LINK_PREFIXES = ("https://", "http://")


@dataclass
class _File:
    """What the checks of one roster file share: where to report, and what every record needs."""

    path: str
    photos_root: Path | None
    today: dt.date
    as_of: dt.date | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # id -> index of the record that used it first, for the duplicate message.
    seen: dict[str, int] = field(default_factory=dict)


@dataclass
class Record:
    """One record under check: its raw fields, the values read so far, and where to report."""

    file: _File
    index: int
    raw: dict[str, Any]
    rid: str | None
    values: dict[str, Any] = field(default_factory=dict)
    problems_before: int = 0

    def bad(self, field_name: str, message: str) -> None:
        """Report a problem: the record is not valid."""
        self.file.problems.append(Problem(self.file.path, message, self.index, self.rid, field_name))

    def warn(self, field_name: str, message: str) -> None:
        """Report a warning: the record stays valid, ``validate`` shows it."""
        self.file.warnings.append(Problem(self.file.path, message, self.index, self.rid, field_name))

    @property
    def clean(self) -> bool:
        """Whether no problem has been reported for this record so far."""
        return len(self.file.problems) == self.problems_before

    @property
    def status(self) -> Any:
        """Her status as written (valid or not: a rule checks ``in STATUSES`` where it matters)."""
        return self.raw.get("status")


#: Checks a field's value and returns what the record keeps of it (None when unusable).
Check = Callable[[Record, str, Any], Any]
#: A rule over several fields, run at its place in the table.
CrossRule = Callable[[Record], None]


@dataclass(frozen=True)
class Field:
    """One record field: its name, whether it must be present, and the check of its value.

    A required field is checked whatever its value (null included); an optional one only when
    it is set, null meaning "not known".
    """

    name: str
    check: Check
    required: bool = False


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


# --- value checks ---------------------------------------------------------------------------


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


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _one_line(value: Any, limit: int) -> bool:
    """Whether ``value`` is a non-empty one-line string of at most ``limit`` characters."""
    return (
        isinstance(value, str)
        and bool(value.strip())
        and len(value) <= limit
        and not any(ord(c) < 32 for c in value)
    )


def _short_reason(value: Any) -> bool:
    """Whether ``value`` is a reason a record gives (latin_exception, a deviation)."""
    return isinstance(value, str) and bool(value.strip()) and len(value) <= MAX_EXCEPTION_LEN


def parse_full_date(value: Any) -> dt.date | None:
    """``"2026-11-24"`` -> the date; None when not a real date in YYYY-MM-DD form."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _not_one_of(value: Any, choices: tuple[str, ...]) -> str:
    shown = value if isinstance(value, str) else _type_name(value)
    return f"{str(shown)[:40]!r} is not one of {', '.join(choices)}"


def _one_of(choices: tuple[str, ...]) -> Check:
    """A value from ``choices`` (a status, a facility)."""

    def check(rec: Record, name: str, value: Any) -> str | None:
        if value not in choices:
            rec.bad(name, _not_one_of(value, choices))
            return None
        return value

    return check


def _slug_id(rec: Record, name: str, value: Any) -> str | None:
    if not isinstance(value, str):
        rec.bad(name, f"must be a string, not {_type_name(value)}")
    elif not ID_RE.match(value) or len(value) > 100:
        rec.bad(name, f"{value[:60]!r} is not a slug (lowercase a-z, 0-9 and single hyphens)")
    elif value in rec.file.seen:
        rec.bad(name, f'duplicate id "{value}" (first used by record {rec.file.seen[value] + 1})')
    else:
        rec.file.seen[value] = rec.index
        return value
    return None


def _name(rec: Record, name: str, value: Any) -> str | None:
    """A name in its field's script (``*_latin``, ``*_be``, ``*_ru``), one a card can set."""
    if not isinstance(value, str):
        rec.bad(name, f"must be a string, not {_type_name(value)}")
        return None
    script = "latin" if name.endswith("_latin") else "cyrillic"
    msgs = check_name(value, script, name.split("_")[0])
    if not msgs and script == "cyrillic":
        msgs = alphabet_problems(value, name[-2:])
    for msg in msgs:
        rec.bad(name, msg)
    return value


def _latin_exception(rec: Record, name: str, value: Any) -> str | None:
    if _short_reason(value):
        return value
    rec.bad(
        name,
        f"must be null or a short reason (at most {MAX_EXCEPTION_LEN} characters) "
        "why the published Latin differs from the passport transliteration",
    )
    return None


def _months_problem(months: Any) -> str | None:
    if not _is_int(months):
        return f"must be a whole number of months, not {months!r}"[:120]
    if months <= 0 or months > MAX_SENTENCE_MONTHS:
        return f"{months} is not a plausible term in months"
    return None


def _months(rec: Record, name: str, value: Any) -> int | None:
    problem = _months_problem(value)
    if problem:
        rec.bad(name, problem)
        return None
    return value


def _children(rec: Record, name: str, value: Any) -> int | None:
    """How many minor children she has (null: not known). Never their names."""
    if not _is_int(value):
        rec.bad(name, f"must be a whole number, not {_type_name(value)}")
    elif value < 0:
        rec.bad(name, f"must not be negative (got {value})")
    elif value > MAX_CHILDREN:
        rec.bad(name, f"{value} is not a plausible number of minor children")
    else:
        return value
    return None


def _groups(rec: Record, name: str, value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not all(isinstance(g, str) and ID_RE.match(g) for g in value):
        rec.bad(name, "must be a list of group names (lowercase slugs)")
    elif len(set(value)) != len(value):
        rec.bad(name, "lists a group twice")
    else:
        return tuple(value)
    return None


def _partial_date(since: int) -> Check:
    """A date known to the year, month or day; not before ``since`` nor after the roster's as_of."""

    def check(rec: Record, name: str, value: Any) -> PartialDate | None:
        parsed = PartialDate.parse(value)
        if parsed is None:
            rec.bad(name, f"{str(value)[:40]!r} is not a real date in YYYY, YYYY-MM or YYYY-MM-DD form")
            return None
        as_of = rec.file.as_of
        if parsed.year < since:
            rec.bad(name, f"{value} is before {since}")
        elif as_of is not None and parsed.earliest() > as_of:
            rec.bad(name, f"{value} is after the roster's as_of date {as_of.isoformat()}")
        elif parsed.earliest() > rec.file.today:
            rec.warn(name, f"{value} is in the future")
        return parsed

    return check


def _checked_on(rec: Record, name: str, value: Any) -> dt.date | None:
    """When someone last confirmed the record against a source."""
    checked = parse_full_date(value)
    if checked is None:
        rec.bad(name, f"{str(value)[:40]!r} is not a real date in YYYY-MM-DD form")
    elif checked > rec.file.today:
        rec.warn(name, f"{checked.isoformat()} is in the future")
    return checked


def _health(rec: Record, name: str, value: Any) -> str | None:
    if _one_line(value, MAX_HEALTH_LEN):
        return value
    rec.bad(name, f"must be null or one line of at most {MAX_HEALTH_LEN} characters (a published note)")
    return None


def _history_event(rec: Record, where: str, item: Any, previous: PartialDate | None) -> HistoryEvent | None:
    """One event of ``history``; ``previous`` is the date of the event above it."""
    if not isinstance(item, dict):
        rec.bad(where, "must be an object with status, on, sentence_months and source")
        return None
    unknown = sorted(set(item) - {"status", "on", "sentence_months", "source"})
    if unknown:
        rec.bad(where, f'unknown field "{str(unknown[0])[:40]}"')
    status = item.get("status")
    if status not in STATUSES:
        rec.bad(f"{where}.status", _not_one_of(status, STATUSES))
        return None
    on = item.get("on")
    parsed = None
    if on is not None:
        parsed = PartialDate.parse(on)
        if parsed is None:
            rec.bad(f"{where}.on", f"{str(on)[:40]!r} is not a date in YYYY, YYYY-MM or YYYY-MM-DD form")
        elif previous is not None and parsed.latest() < previous.earliest():
            rec.bad(f"{where}.on", f"{on} is before the event above it (history is oldest first)")
    months = item.get("sentence_months")
    if months is not None:
        problem = _months_problem(months)
        if problem:
            rec.bad(f"{where}.sentence_months", problem)
        elif status not in TERM_STATUSES:
            rec.bad(f"{where}.sentence_months", f'a sentence is set but the event\'s status is "{status}"')
    source = item.get("source")
    if source is not None and not (isinstance(source, str) and source.startswith(LINK_PREFIXES)):
        rec.bad(f"{where}.source", "must be null or an http(s) link")
    return HistoryEvent(status, parsed, months if _is_int(months) else None, source)


def _history(rec: Record, name: str, value: Any) -> tuple[HistoryEvent, ...]:
    """Her changes of status, oldest first (the events that could be read, for the rules after)."""
    if not isinstance(value, list) or len(value) > MAX_HISTORY:
        rec.bad(name, f"must be a list of at most {MAX_HISTORY} status events")
        return ()
    events: list[HistoryEvent] = []
    previous: PartialDate | None = None
    for i, item in enumerate(value):
        event = _history_event(rec, f"{name}[{i}]", item, previous)
        if event is not None:
            events.append(event)
            previous = event.on or previous
    return tuple(events)


def _sources(rec: Record, name: str, value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not all(
        isinstance(s, str) and s.startswith(LINK_PREFIXES) for s in value
    ):
        rec.bad(name, "must be a list of http(s) links")
        return None
    for link in value:
        if PLACEHOLDER_URL.search(link):
            rec.warn(name, f"{link[:80]!r} looks like a placeholder, not a source")
    return tuple(value)


def _table(
    empty: str, key_ok: Callable[[Any], bool], bad_key: str, value_ok: Callable[[Any], bool], bad_value: str
) -> Check:
    """A table of one value per key (per language, per field name), in the file's order.

    ``bad_key`` may name the key as ``{key!r}``; both key and value problems are reported on
    ``field.key``.
    """

    def check(rec: Record, name: str, value: Any) -> tuple[tuple[str, str], ...]:
        if not isinstance(value, dict) or not value:
            rec.bad(name, empty)
            return ()
        items = []
        for key, item in value.items():
            where = f"{name}.{str(key)[:40]}"
            if not key_ok(key):
                rec.bad(where, bad_key.format(key=str(key)[:40]))
            elif not value_ok(item):
                rec.bad(where, bad_value)
            else:
                items.append((key, item))
        return tuple(items)

    return check


def _is_lang(key: Any) -> bool:
    return LANG_RE.fullmatch(str(key)) is not None


# ``{"surname_ru": "reason"}``: where the record knowingly differs from the published list.
_deviations = _table(
    "must be null or an object: field -> why it differs from the published list",
    lambda key: key in DEVIATION_FIELDS,
    "{key!r} is not a field of the record (" + ", ".join(DEVIATION_FIELDS) + ")",
    _short_reason,
    f"must be a short reason (at most {MAX_EXCEPTION_LEN} characters)",
)
_credit_table = _table(
    "is an empty table; give a credit per language, or null",
    _is_lang,
    f"must be one line of at most {MAX_CREDIT_LEN} characters",
    lambda text: _one_line(text, MAX_CREDIT_LEN),
    f"must be one line of at most {MAX_CREDIT_LEN} characters",
)
# What the photo shows, one line per language, for the cards' alt text.
_photo_alt = _table(
    "must be a table of one line per language (en, be, ru), or null",
    _is_lang,
    "is not a language code (en, be, ru)",
    lambda text: _one_line(text, MAX_PHOTO_ALT_LEN),
    f"must be one line of at most {MAX_PHOTO_ALT_LEN} letters",
)


def _photo(rec: Record, name: str, value: Any) -> str | None:
    """A plain file name in assets/photos/ (checked to exist when the photos folder is given)."""
    if not isinstance(value, str):
        rec.bad(name, f"must be a file name or null, not {_type_name(value)}")
        return None
    # A path here could point anywhere on the machine.
    if "/" in value or "\\" in value or "\x00" in value or value.startswith("."):
        rec.bad(name, f"{value[:60]!r} must be a plain file name inside assets/photos/")
        return None
    if not value.lower().endswith(PHOTO_SUFFIXES):
        rec.bad(name, f"{value[:60]!r} is not a .jpg, .jpeg, .png or .webp file")
        return None
    root = rec.file.photos_root
    if root is None:
        return value
    file = root / value
    if not file.is_file():
        rec.bad(name, f"file not found: assets/photos/{value}")
    elif problem := sniff_image(file):
        rec.bad(name, f"assets/photos/{value}: {problem}")
    return value


def _photo_focus(rec: Record, name: str, value: Any) -> tuple[float, float] | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in value)
    ):
        return float(value[0]), float(value[1])
    rec.bad(name, "must be [x, y] with both between 0 and 1")
    return None


def _photo_credit(rec: Record, name: str, value: Any) -> str | tuple[tuple[str, str], ...] | None:
    """Printed on every card that shows her photo: one short line, or one per language."""
    if isinstance(value, dict):
        return _credit_table(rec, name, value)
    if _one_line(value, MAX_CREDIT_LEN):
        return value
    rec.bad(name, f"must be one line of at most {MAX_CREDIT_LEN} characters, one per language, or null")
    return None


# --- rules over several fields --------------------------------------------------------------


def latin_transliteration(rec: Record) -> None:
    """Warn when the Latin is not the passport transliteration of the Belarusian form.

    A warning, not an error: the published Latin is what the woman's passport and the
    organisation's lists say, and some differ from the rule (PAHADAEVA for Пагадаева). A
    record marks such a name with ``latin_exception``, which silences the warning. Checked only
    on names that passed their own checks.
    """
    if not rec.clean:
        return
    raw = rec.raw
    for name in ("surname_ru", "given_ru"):
        spelt = re.search(r"[чшжщ]ы", raw[name].lower())
        if spelt:
            rec.warn(
                name,
                f"{raw[name]!r} has «{raw[name][spelt.start() : spelt.end()]}»: Russian writes "
                "и after ч ш ж щ (ЛАЗАРЧИК, not the Belarusian ЛАЗАРЧЫК)",
            )
    differs = [
        (f"{kind}_latin", raw[f"{kind}_latin"], raw[f"{kind}_be"])
        for kind in ("surname", "given")
        if not latin_matches(raw[f"{kind}_latin"], raw[f"{kind}_be"])
    ]
    exception = raw.get("latin_exception")
    if differs and not exception:
        for name, latin, be in differs:
            rule = passport_latin(be)
            rule = rule.upper() if latin.isupper() else rule.capitalize()
            rec.warn(
                name,
                f"{latin!r} is not the passport transliteration of {be!r} ({rule!r}); correct one "
                "of them, or set latin_exception to the reason the published spelling differs",
            )
    elif exception and not differs:
        rec.warn(
            "latin_exception", "latin_exception is set, but the Latin follows the passport transliteration"
        )


def term_needs_months(rec: Record) -> None:
    """A sentenced woman's record says her term: a number, or null when it is not known."""
    if rec.status == "sentenced" and "sentence_months" not in rec.raw:
        rec.bad("sentence_months", "missing for a sentenced woman (use null when the term is unknown)")


def months_only_with_a_term(rec: Record) -> None:
    """A term only for a status that has one (restricted freedom is a sentence too)."""
    status = rec.status
    if rec.raw.get("sentence_months") is not None and status in STATUSES and status not in TERM_STATUSES:
        rec.bad("sentence_months", f'a sentence is set but status is "{status}"')


def facility_only_when_held(rec: Record) -> None:
    """A place of detention only for a woman held in one."""
    status = rec.status
    if rec.values.get("facility") is not None and status in STATUSES and status not in FACILITY_STATUSES:
        rec.bad("facility", f'a facility is set but status is "{status}"')


def released_after_detained(rec: Record) -> None:
    """She cannot be released before she was detained."""
    detained, released = rec.values.get("detained_on"), rec.values.get("released_on")
    if detained is not None and released is not None and released.latest() < detained.earliest():
        rec.bad("released_on", "is before detained_on")


def born_before_detained(rec: Record) -> None:
    """Nor detained before she was born (a typo in either year)."""
    born, detained = rec.values.get("born_on"), rec.values.get("detained_on")
    if born is not None and detained is not None and detained.latest() < born.earliest():
        rec.bad("born_on", "is after detained_on")


def released_needs_a_date(rec: Record) -> None:
    """A released woman's record says when (a year is enough)."""
    if rec.status == "released" and rec.raw.get("released_on") is None:
        rec.bad("released_on", 'status is "released" but released_on is not set')


def release_date_only_when_released(rec: Record) -> None:
    """A release date on a woman still held is a record half-updated."""
    status = rec.status
    if status in STATUSES and status != "released" and rec.raw.get("released_on") is not None:
        rec.bad("released_on", f'is set but status is "{status}"')


def history_ends_in_status(rec: Record) -> None:
    """The last event of her history is her current status."""
    events, status = rec.values.get("history"), rec.status
    if events and status in STATUSES and events[-1].status != status:
        rec.bad(
            "history",
            f'the last event is "{events[-1].status}" but status is "{status}" '
            "(the last event is her current status)",
        )


def credit_needs_photo(rec: Record) -> None:
    """A credit is for a photo."""
    if rec.raw.get("photo_credit") is not None and rec.raw.get("photo") is None:
        rec.bad("photo_credit", "is set but there is no photo")


def alt_needs_photo(rec: Record) -> None:
    """A description is of a photo."""
    if rec.raw.get("photo_alt") is not None and rec.raw.get("photo") is None:
        rec.bad("photo_alt", "is set but there is no photo")


# --- the table ------------------------------------------------------------------------------

#: Every rule of a record, in the order its problems are reported.
RECORD_RULES: tuple[Field | CrossRule, ...] = (
    Field("id", _slug_id, required=True),
    *(Field(name, _name, required=True) for name in NAME_FIELDS),
    Field("latin_exception", _latin_exception),
    latin_transliteration,
    Field("status", _one_of(STATUSES), required=True),
    term_needs_months,
    Field("sentence_months", _months),
    months_only_with_a_term,
    Field("facility", _one_of(FACILITIES)),
    facility_only_when_held,
    # Optional: null or absent is "not known"; appeals about mothers need it.
    Field("children", _children),
    Field("groups", _groups, required=True),
    Field("born_on", _partial_date(since=1900)),
    Field("detained_on", _partial_date(since=1990)),
    Field("released_on", _partial_date(since=1990)),
    released_after_detained,
    born_before_detained,
    released_needs_a_date,
    release_date_only_when_released,
    Field("health", _health),
    Field("history", _history),
    history_ends_in_status,
    Field("sources", _sources),
    Field("checked_on", _checked_on),
    Field("deviations", _deviations),
    Field("photo", _photo),
    Field("photo_focus", _photo_focus),
    Field("photo_credit", _photo_credit),
    credit_needs_photo,
    Field("photo_alt", _photo_alt),
    alt_needs_photo,
)
FIELDS = tuple(rule for rule in RECORD_RULES if isinstance(rule, Field))
REQUIRED_FIELDS = tuple(f.name for f in FIELDS if f.required)
KNOWN_FIELDS = frozenset(f.name for f in FIELDS)


# --- the engine -----------------------------------------------------------------------------


def _check_record(file: _File, index: int, raw: Any) -> Person | None:
    """Apply ``RECORD_RULES`` to one record; return the person, or None when it has a problem."""
    if not isinstance(raw, dict):
        file.problems.append(Problem(file.path, f"must be an object, not {_type_name(raw)}", index))
        return None
    rid = raw.get("id")
    label = rid if isinstance(rid, str) and ID_RE.match(rid) and len(rid) <= 100 else None
    rec = Record(file, index, raw, label, problems_before=len(file.problems))
    for f in FIELDS:
        if f.required and f.name not in raw:
            rec.bad(f.name, "missing required field")
    for name in sorted(k for k in raw if k not in KNOWN_FIELDS):
        shown = name if len(name) <= 60 else name[:60] + "…"
        hint = ""
        if name in SCHEMA_1_NAMES:
            kind = name.split("_")[0]
            hint = f" (schema 2 writes {kind}_ru and {kind}_be)"
        file.problems.append(Problem(file.path, f'unknown field "{shown}"{hint}', index, label))
    for rule in RECORD_RULES:
        if not isinstance(rule, Field):
            rule(rec)
        elif rule.name in raw and (rule.required or raw[rule.name] is not None):
            rec.values[rule.name] = rule.check(rec, rule.name, raw[rule.name])
    return _person(rec.values) if rec.clean else None


# Person keeps schema 1's attribute names for the Russian form.
_PERSON_NAMES = {"surname_ru": "surname_cyrillic", "given_ru": "given_cyrillic"}


def _person(values: dict[str, Any]) -> Person:
    """The ``Person`` a clean record's values make (an absent or null field keeps its default)."""
    fields = {_PERSON_NAMES.get(k, k): v for k, v in values.items() if k != "photo_credit"}
    credit = values.get("photo_credit")
    if isinstance(credit, tuple):
        fields["photo_credits"] = tuple(sorted(credit))
    else:
        fields["photo_credit"] = credit
    # Sorted so that a Person compares and hashes the same whatever order the file gave.
    fields["photo_alt"] = tuple(sorted(values.get("photo_alt", ())))
    return Person(children=fields.pop("children", None), **fields)


def check_roster_data(
    data: Any, path: str = "roster.json", photos_root: Path | None = None
) -> tuple[Roster | None, list[Problem], list[Problem]]:
    """Validate parsed roster data; return the roster (None if invalid), problems and warnings.

    Warnings do not make the roster invalid: a Latin name that is not the passport
    transliteration of the Belarusian form, a placeholder link, a date in the future.

    Args:
        data: The parsed JSON.
        path: The file name messages name.
        photos_root: ``assets/photos``; when given, photo files are checked to exist and be images.

    """
    if not isinstance(data, dict):
        return None, [Problem(path, f"the top level must be an object, not {_type_name(data)}")], []
    file = _File(path, photos_root, clock.today())
    for key in sorted(k for k in data if k not in ("schema", "as_of", "people")):
        file.problems.append(Problem(path, f'unknown top-level field "{str(key)[:60]}"'))
    schema = data.get("schema")
    # Only `migrate` reads schema 1: its one Cyrillic form is not the Belarusian one.
    schema_1 = schema == 1 and not isinstance(schema, bool)
    if schema_1:
        message = (
            "schema 1 (one Cyrillic name form, no Belarusian name form) is read only by migrate; "
            + MIGRATE_HINT
        )
        file.problems.append(Problem(path, message, field="schema"))
    elif schema != SCHEMA_VERSION or isinstance(schema, bool):
        file.problems.append(
            Problem(path, f"schema must be {SCHEMA_VERSION}, not {schema!r}"[:120], field="schema")
        )
    file.as_of = parse_full_date(data.get("as_of"))
    if file.as_of is None:
        file.problems.append(Problem(path, "missing or not a real date in YYYY-MM-DD form", field="as_of"))
    elif file.as_of > file.today:
        file.warnings.append(
            Problem(
                path,
                f"{file.as_of.isoformat()} is in the future: the texts say the list is correct as of it",
                field="as_of",
            )
        )
    people_data = data.get("people")
    if not isinstance(people_data, list):
        file.problems.append(Problem(path, "must be a list of records", field="people"))
        return None, file.problems, file.warnings
    if schema_1:
        # Its records would only repeat that schema 2 names the fields otherwise.
        return None, file.problems, file.warnings
    people = [_check_record(file, i, rec) for i, rec in enumerate(people_data)]
    if file.problems or file.as_of is None:
        return None, file.problems, file.warnings
    roster = Roster(
        as_of=file.as_of,
        people=tuple(p for p in people if p),
        path=path,
        warnings=tuple(file.warnings),
    )
    return roster, [], file.warnings
