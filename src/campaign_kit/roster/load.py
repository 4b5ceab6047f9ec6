"""roster.json in and out: read it (strict JSON, then the field rules) into a ``Roster``, write one back.

Reading reports every problem in the file, not the first, each naming the record (index and
id) and the field, so a person editing the roster by hand can fix it in one pass.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from campaign_kit import jsonstrict
from campaign_kit.errors import Problem, RosterError, reading
from campaign_kit.roster.checks import check_roster_data
from campaign_kit.roster.model import FACILITY_STATUSES, SCHEMA_VERSION, TERM_STATUSES, Person, Roster


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
        RosterError: ``p`` has no Belarusian name form (a Person made in code without one).

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
