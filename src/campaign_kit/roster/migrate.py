"""``campaign-kit migrate``: a schema 1 roster rewritten as schema 2.

Schema 1 had one Cyrillic form (the Russian); schema 2 has the Belarusian and the Russian.
Only this module reads schema 1: everything else refuses it and points here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from campaign_kit.errors import Problem, RosterError
from campaign_kit.roster.checks import check_roster_data
from campaign_kit.roster.load import dump_roster, read_roster_json
from campaign_kit.roster.model import SCHEMA_1_NAMES, SCHEMA_VERSION
from campaign_kit.roster.names import suggest_belarusian


@dataclass(frozen=True)
class Migration:
    """The result of ``migrate_roster``: the schema 2 text and what a person must check.

    Attributes:
        text: The roster as schema 2 writes it.
        schema_before: The schema the file had (2: it comes back re-serialised, unchanged in meaning).
        people: How many records it holds.
        suggestions: One per Belarusian name form guessed, for a person to check.

    """

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
    data, problems = read_roster_json(raw, path)
    schema_before = data.get("schema") if isinstance(data, dict) else None
    upgraded, suggested = upgrade_schema_1(data)
    if not problems:
        roster, problems, _ = check_roster_data(upgraded, path)
    if problems:
        if schema_before == 1:
            problems = _as_schema_1(problems)
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


def upgrade_schema_1(data: Any) -> tuple[Any, list[tuple[int, str, str]]]:
    """Schema 1 data as schema 2: the Cyrillic form becomes the Russian, the Belarusian is guessed.

    The Belarusian forms are read back from the Latin (the passport transliteration of the
    Belarusian form) with the Russian form's help; each is returned as ``(index, surname,
    given)`` for a person to check. Anything that is not a schema 1 roster comes back as it
    was, for ``check_roster_data`` to name its problems.
    """
    if not isinstance(data, dict) or data.get("schema") != 1 or not isinstance(data.get("people"), list):
        return data, []
    people: list[Any] = []
    suggested: list[tuple[int, str, str]] = []
    for index, rec in enumerate(data["people"]):
        if isinstance(rec, dict):
            rec = _upgrade_record(rec)
            if "surname_be" in rec:
                suggested.append((index, rec["surname_be"], rec["given_be"]))
        people.append(rec)
    return {**data, "schema": SCHEMA_VERSION, "people": people}, suggested


def _upgrade_record(rec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in rec.items():
        out[SCHEMA_1_NAMES.get(key, key)] = value
    names = [out.get(name) for name in ("surname_latin", "surname_ru", "given_latin", "given_ru")]
    if all(isinstance(n, str) for n in names):
        out["surname_be"] = suggest_belarusian(names[0], names[1])
        out["given_be"] = suggest_belarusian(names[2], names[3])
    return out


def _as_schema_1(problems: list[Problem]) -> list[Problem]:
    """Problems in a schema 1 file's own terms: its field names, no Belarusian fields it never had.

    A Belarusian form is missing only because a name it is guessed from is, and that name has
    its own problem.
    """
    back = {new: old for old, new in SCHEMA_1_NAMES.items()}
    return [
        dataclasses.replace(p, field=back.get(p.field or "", p.field))
        for p in problems
        if not (p.field in ("surname_be", "given_be") and p.message == "missing required field")
    ]
